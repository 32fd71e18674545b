#!/usr/bin/python3
"""Writes the torch.save fixtures that torchfile's tests read.

Run it from the repository root with a Python that has PyTorch (Debian's
python3-torch 1.13 was used; `python3` on PATH may be a shim without torch):

    /usr/bin/python3 torchfile/testdata/gen.py

It writes, next to itself:

    state_zip.pt        zip format, pickle protocol 2 (torch's default)
    state_zip_p1.pt     zip format, protocol 1
    state_zip_p4.pt     zip format, protocol 4 (frames, SHORT_BINUNICODE, MEMOIZE)
    state_zip_p5.pt     zip format, protocol 5
    state_legacy.pt     legacy format (_use_new_zipfile_serialization=False)
    state_legacy_p4.pt  legacy format, protocol 4
    lightning.ckpt      a PyTorch Lightning-style checkpoint whose
                        hyper_parameters hold instances of classes from a
                        module that does not exist when loading
    gbmi.pth            a gbmi-style final file: {'model': state_dict, ...}
    evil_os_system.pt   a hostile file whose pickle calls os.system
    expected.json       for every tensor of every file: dtype, shape, and
                        its values (all of them when there are at most 16,
                        else the first 8 and the sum, in float64, summed
                        in order), for the Go tests to compare exactly

The state dicts have the shapes of maxgrok's model (embed.W_E [65,32],
pos_embed.W_pos [3,32], blocks.0.attn.W_Q/W_K/W_V/W_O [1,32,32],
unembed.W_U [32,64], the TransformerLens buffers blocks.0.attn.mask and
blocks.0.attn.IGNORE) plus extra.* tensors of every dtype and the views a
reader must gather: a transposed tensor, a slice with a storage offset, and
two tensors sharing one storage.  The files are deterministic given the
seed, apart from what the zip format stores about the saving machine.

Nothing here ever calls torch.load on evil_os_system.pt.
"""

import collections
import dataclasses
import enum
import json
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def fake_module(name):
    """Registers an empty module (and its parents) so that pickle can find
    classes defined "in" it; nothing of it exists when the files are read."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        n = ".".join(parts[:i])
        if n not in sys.modules:
            sys.modules[n] = types.ModuleType(n)
    return sys.modules[name]


train = fake_module("gbmi_fake.exp_max_of_n.train")


def in_module(mod, cls):
    cls.__module__ = mod.__name__
    setattr(mod, cls.__name__, cls)
    return cls


@dataclasses.dataclass
class ExpConfig:
    n_ctx: int = 2
    d_vocab: int = 64
    use_end_of_sequence: bool = False


in_module(train, ExpConfig)


@dataclasses.dataclass
class Config:
    experiment: ExpConfig
    seed: int = 123
    deterministic: bool = True
    batch_size: int = 128
    epochs: int = 10
    optimizer_kwargs: dict = dataclasses.field(
        default_factory=lambda: {"lr": 1e-3, "betas": (0.9, 0.999)})
    train_for: tuple = (10, "epochs")
    log_every_n_steps: int = 1
    validate_every: tuple = None


in_module(train, Config)


class Kind(enum.Enum):
    ATTN_ONLY = "attn-only"
    FULL = "full"


in_module(train, Kind)


class AttributeDict(dict):
    """Like Lightning's AttributeDict: a dict subclass."""


in_module(train, AttributeDict)

tl = fake_module("transformer_lens_fake.HookedTransformerConfig")


@dataclasses.dataclass
class HookedTransformerConfig:
    n_layers: int
    d_model: int
    n_ctx: int
    d_head: int
    d_vocab: int
    d_vocab_out: int
    attn_only: bool = True
    normalization_type: str = None
    dtype: torch.dtype = torch.float32
    device: torch.device = None


in_module(tl, HookedTransformerConfig)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this file would run a command",))


def formula(shape, a, b):
    """a*i + b over the row-major index i: exact in float32 for these sizes;
    the Go tests recompute it."""
    n = 1
    for s in shape:
        n *= s
    return (torch.arange(n, dtype=torch.float64) * a + b).reshape(shape)


def state_dict():
    g = torch.Generator().manual_seed(20240601)
    sd = collections.OrderedDict()
    sd["embed.W_E"] = formula((65, 32), 0.25, -3.0).float()
    sd["pos_embed.W_pos"] = formula((3, 32), -0.5, 1.0).float()
    for n in ["W_Q", "W_K", "W_V", "W_O"]:
        sd["blocks.0.attn." + n] = torch.randn(1, 32, 32, generator=g) / 8
    sd["blocks.0.attn.mask"] = torch.tril(torch.ones(3, 3)).bool()
    sd["blocks.0.attn.IGNORE"] = torch.tensor(-float("inf"))
    sd["unembed.W_U"] = formula((32, 64), 1 / 1024, 0.5).float()
    # Every dtype a state dict may carry.
    sd["extra.f64"] = formula((2, 3), 0.1, 0.0)
    sd["extra.f16"] = torch.tensor([0.5, -1.5, 65504.0, 6.1035e-05, 5.96e-08, 0.0], dtype=torch.float16)
    sd["extra.bf16"] = torch.tensor([1.0, -2.5, 3.0e38, 1.0e-38, 0.0078125], dtype=torch.bfloat16)
    sd["extra.i64"] = torch.tensor([-(2**62), -1, 0, 7], dtype=torch.int64)
    sd["extra.i32"] = torch.tensor([-(2**31), 2**31 - 1], dtype=torch.int32)
    sd["extra.i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["extra.i8"] = torch.tensor([-128, 127], dtype=torch.int8)
    sd["extra.u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    # Views: a transpose (non-contiguous), a slice with a storage offset, a
    # strided slice, and two tensors sharing one storage.
    base = formula((4, 6), 1.0, 0.0).float()
    sd["extra.transposed"] = base.t()
    sd["extra.slice"] = base[1:3]
    sd["extra.strided"] = base[::2, 1::3]
    shared = formula((10,), 2.0, 1.0).float()
    sd["extra.shared_a"] = shared[:4]
    sd["extra.shared_b"] = shared[4:].view(2, 3)
    sd["extra.empty"] = torch.zeros(0, 3)
    return sd


def describe(t):
    flat = t.detach().reshape(-1).to(torch.float64).tolist() if t.dtype != torch.bool else \
        [1.0 if x else 0.0 for x in t.reshape(-1).tolist()]
    if t.dtype in (torch.int64,):
        flat = [float(x) for x in t.reshape(-1).tolist()]
    d = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    if len(flat) <= 16:
        d["values"] = [enc(x) for x in flat]
    else:
        s = 0.0
        for x in flat:
            s += x
        d["first"] = [enc(x) for x in flat[:8]]
        d["sum"] = enc(s)
    return d


def enc(x):
    if x != x:
        return "nan"
    if x == float("inf"):
        return "inf"
    if x == -float("inf"):
        return "-inf"
    return x


def walk(obj, path, out):
    if isinstance(obj, torch.Tensor):
        out[path] = describe(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            walk(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            walk(v, f"{path}[{i}]", out)


def main():
    expected = {}

    def save(name, obj, **kw):
        torch.save(obj, os.path.join(HERE, name), **kw)
        if name.startswith("evil"):
            return
        out = {}
        walk(obj, "", out)
        expected[name] = out

    sd = state_dict()
    save("state_zip.pt", sd)
    save("state_zip_p1.pt", sd, pickle_protocol=1)
    save("state_zip_p4.pt", sd, pickle_protocol=4)
    save("state_zip_p5.pt", sd, pickle_protocol=5)
    save("state_legacy.pt", sd, _use_new_zipfile_serialization=False)
    save("state_legacy_p4.pt", sd, _use_new_zipfile_serialization=False, pickle_protocol=4)

    model_sd = collections.OrderedDict()
    for k, v in sd.items():
        if not k.startswith("extra."):
            model_sd["model." + k] = v
    model_sd._metadata = collections.OrderedDict([("", {"version": 1}), ("model", {"version": 1})])
    params = [k for k in model_sd if not k.endswith(("mask", "IGNORE"))]
    g = torch.Generator().manual_seed(7)
    adam_state = {}
    for i, k in enumerate(params[:2]):
        shape = model_sd[k].shape
        adam_state[i] = {
            "step": torch.tensor(10, dtype=torch.int64),
            "exp_avg": torch.randn(shape, generator=g) / 100,
            "exp_avg_sq": torch.rand(shape, generator=g) / 1000,
        }
    ckpt = {
        "epoch": 9,
        "global_step": 10,
        "pytorch-lightning_version": "1.9.0",
        "state_dict": model_sd,
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 10, "completed": 10}}}},
        "callbacks": {},
        "optimizer_states": [{
            "state": adam_state,
            "param_groups": [{
                "lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0,
                "amsgrad": False, "maximize": False, "foreach": None,
                "capturable": False, "differentiable": False, "fused": False,
                "params": list(range(len(params))),
            }],
        }],
        "lr_schedulers": [],
        "hyper_parameters": {
            "config": Config(experiment=ExpConfig(), validate_every=(10, "steps")),
            "kind": Kind.ATTN_ONLY,
            "device": torch.device("cpu"),
            "dtype": torch.float32,
            "extra": AttributeDict(a=1, b=[1, 2, 3]),
            "names": {"x", "y"},
            "bytes": b"\x00\x01hi",
            "big": 2**40,
            "neg": -5,
            "pi": 3.25,
        },
    }
    save("lightning.ckpt", ckpt)

    plain_sd = collections.OrderedDict((k, v) for k, v in sd.items() if not k.startswith("extra."))
    final = {
        "model": plain_sd,
        "model_config": HookedTransformerConfig(
            n_layers=1, d_model=32, n_ctx=3, d_head=32, d_vocab=65, d_vocab_out=64,
            device=torch.device("cpu")),
        "wandb_id": "abc123",
        "train_losses": [2.5, 1.25, 0.625],
    }
    save("gbmi.pth", final)

    save("evil_os_system.pt", {"payload": Evil()})

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
