#!/usr/bin/env python3
"""Writes the torch_*.f32 fixtures of this folder with real PyTorch (CPU, AVX2
kernel): Debian 12's python3-torch 1.13.1 (apt-get install python3-torch).
Each file is the raw little-endian float32 values of the listed normal_ calls,
in order, on ONE generator seeded once with torch.manual_seed.  Also checks
that the gen_python_fixtures.py files (reference model) equal torch's values.
Run from this folder:
    /usr/bin/python3 gen_torch_fixtures.py
"""
import math, struct
import torch

print("torch", torch.__version__)
STD32 = struct.unpack("<f", struct.pack("<f", 0.8 / math.sqrt(32)))[0]

CASES = [
    # name, seed, [(size, std)]; std is passed to normal_ as a Python float (double)
    ("torch_small_seed7", 7, [(1, 1.0), (3, 0.5), (32, 0.5), (5, 0.5), (15, 2.0), (2, 1.0),
                              (20, 0.25), (1, 1.0), (0, 1.0), (7, 0.8 / math.sqrt(32)), (16, STD32), (9, STD32)]),
    ("torch_small_seed2024", 2024, [(n, 1.0) for n in range(1, 16)]),
    # u1 == 1 (a uniform of exactly 0) at index 656: radius is -0, torch's fmadd gives +0
    ("torch_zero_seed52372", 52372, [(1024, STD32)]),
]

def draw(seed, calls):
    torch.manual_seed(seed)
    vals = []
    for n, std in calls:
        t = torch.empty(n, dtype=torch.float32)
        t.normal_(0, std)
        vals += t.tolist()
    return vals

for name, seed, calls in CASES:
    vals = draw(seed, calls)
    with open(name + ".f32", "wb") as f:
        f.write(struct.pack("<%df" % len(vals), *vals))
    print(name, seed, calls, len(vals))

# the reference-model fixtures (CASES of gen_python_fixtures.py), recomputed by torch
STD16 = struct.unpack("<f", struct.pack("<f", 0.8 / math.sqrt(16)))[0]
PY_CASES = [
    ("normal_seed0_tails", 0, [20, 100, 48, 33], STD32),
    ("normal_seed1_std1", 1, [17, 31, 1000], 1.0),
    ("tl_seed42_v32_d16", 42, [33 * 16, 3 * 16, 256, 256, 256, 256, 16 * 32], STD16),
    ("tl_seed123456789_v64_d32", 123456789, [65 * 32, 3 * 32, 1024, 1024, 1024, 1024, 32 * 64], STD32),
    ("init_seed613947648_avx2", 613947648, [65 * 32, 3 * 32, 1024, 1024, 1024, 1024, 32 * 64], 0.8 / math.sqrt(32)),
]
for name, seed, sizes, std in PY_CASES:
    got = struct.pack("<%df" % sum(sizes), *draw(seed, [(n, std) for n in sizes]))
    print(name, "torch == file:", got == open(name + ".f32", "rb").read())
