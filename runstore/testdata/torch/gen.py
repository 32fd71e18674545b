"""Writes the reference PyTorch run as the three layouts `-load` reads, with real torch.save.

Run from the repository root, with Debian's python3-torch (1.13) and the reference run folder
(config.json, metrics.csv, checkpoints/epoch-NNNNN.safetensors, F32) as the argument:

    /usr/bin/python3 runstore/testdata/torch/gen.py REFERENCE_RUN_FOLDER

It writes, under runstore/testdata/torch/ (epochs every 500 to keep the files small):
  runfolder/   config.json, checkpoints/epoch-NNNNN.pt (zip format) and .pth (legacy format)
  lightning/   trained-models/max2-epoch=E-step=S.ckpt (E = epochs - 1) and the final max2.pth
  wandb/       artifacts/model-abc123-vK/model.ckpt, one folder per checkpoint (wandb names the
               folders model-abc123:vK on Unix; the fixtures use its Windows name, which every
               system can check out, and TestLoadTorchLayouts copies them to the Unix names)
The Lightning files carry gbmi-like hyper_parameters: a dataclass from a module that does not
exist at load time, an Enum, torch.device and torch.float32, and Adam's optimizer state.
"""
import collections, dataclasses, enum, json, os, struct, sys, types

import torch

EPOCHS = [0, 500, 1000, 1500, 2000, 2500, 3000]
OUT = os.path.dirname(os.path.abspath(__file__))


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(info["shape"])
        out[name] = t.clone()
    return out


# A module that exists only while this script runs, like gbmi's at training time.
fake = types.ModuleType("gbmi_fake.exp_max_of_n.train")
sys.modules["gbmi_fake"] = types.ModuleType("gbmi_fake")
sys.modules["gbmi_fake.exp_max_of_n"] = types.ModuleType("gbmi_fake.exp_max_of_n")
sys.modules["gbmi_fake.exp_max_of_n.train"] = fake


class Kind(enum.Enum):
    ATTN_ONLY = "attn-only"


Kind.__module__ = fake.__name__
fake.Kind = Kind


@dataclasses.dataclass
class MaxOfN:
    seq_len: int = 2
    d_vocab: int = 64
    kind: Kind = Kind.ATTN_ONLY


MaxOfN.__module__ = fake.__name__
fake.MaxOfN = MaxOfN


def lightning(state, epoch, with_optimizer):
    # Lightning's `epoch` is the 0-based index of the epoch just finished.
    ckpt = {
        "epoch": epoch - 1,
        "global_step": epoch,
        "pytorch-lightning_version": "1.9.0",
        "state_dict": collections.OrderedDict(("model." + k, v) for k, v in state.items()),
        "loops": {},
        "callbacks": {},
        "lr_schedulers": [],
        "hyper_parameters": {"config": MaxOfN(), "device": torch.device("cpu"), "dtype": torch.float32},
    }
    if with_optimizer:
        ckpt["optimizer_states"] = [{
            "state": {i: {"step": torch.tensor(float(epoch)), "exp_avg": torch.zeros_like(v), "exp_avg_sq": torch.zeros_like(v)}
                      for i, v in enumerate(state.values())},
            "param_groups": [{"lr": 0.001, "betas": (0.9, 0.98), "weight_decay": 1.0, "params": list(range(len(state)))}],
        }]
    else:
        ckpt["optimizer_states"] = []
    return ckpt


def main():
    ref = sys.argv[1]
    states = {e: read_safetensors(f"{ref}/checkpoints/epoch-{e:05d}.safetensors") for e in EPOCHS}
    rf = f"{OUT}/runfolder"
    os.makedirs(f"{rf}/checkpoints", exist_ok=True)
    with open(f"{ref}/config.json") as f:
        cfg = f.read()
    with open(f"{rf}/config.json", "w") as f:
        f.write(cfg)
    for i, e in enumerate(EPOCHS):
        if i % 2 == 0:
            torch.save(states[e], f"{rf}/checkpoints/epoch-{e:05d}.pt")
        else:
            torch.save(states[e], f"{rf}/checkpoints/epoch-{e:05d}.pth", _use_new_zipfile_serialization=False)
    lt = f"{OUT}/lightning/trained-models"
    os.makedirs(lt, exist_ok=True)
    for e in EPOCHS[1:]:
        torch.save(lightning(states[e], e, e == EPOCHS[-1]), f"{lt}/max2-epoch={e - 1}-step={e}.ckpt")
    torch.save({"model": states[EPOCHS[-1]], "model_config": MaxOfN()}, f"{lt}/max2.pth")
    for k, e in enumerate(EPOCHS[1:]):
        d = f"{OUT}/wandb/artifacts/model-abc123-v{k}"
        os.makedirs(d, exist_ok=True)
        torch.save(lightning(states[e], e, False), f"{d}/model.ckpt")


if __name__ == "__main__":
    main()
