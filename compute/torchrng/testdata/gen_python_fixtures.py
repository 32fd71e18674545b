#!/usr/bin/env python3
"""Writes the tl_*.f32 / normal_*.f32 fixtures of this folder from the reference
model ../shared/reference/torch_rng_reference.py (AVX2 kernel, n >= 16 only).
Each file is the raw little-endian float32 values of the listed tensors, in order,
drawn from ONE generator seeded once.  Run from this folder:
    python3 gen_python_fixtures.py ../shared/reference
"""
import math, os, struct, sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "../shared/reference")
import torch_rng_reference as ref

CASES = [
    # name, seed, sizes, std
    ("normal_seed0_tails", 0, [20, 100, 48, 33], ref.f32(0.8 / math.sqrt(32))),
    ("normal_seed1_std1", 1, [17, 31, 1000], 1.0),
    ("tl_seed42_v32_d16", 42, [33 * 16, 3 * 16, 256, 256, 256, 256, 16 * 32], ref.f32(0.8 / math.sqrt(16))),
    ("tl_seed123456789_v64_d32", 123456789, [65 * 32, 3 * 32, 1024, 1024, 1024, 1024, 32 * 64], ref.f32(0.8 / math.sqrt(32))),
]

for name, seed, sizes, std in CASES:
    g = ref.MT19937(seed)
    vals = []
    for n in sizes:
        vals += ref.normal_(g, n, std)
    with open(name + ".f32", "wb") as f:
        f.write(struct.pack("<%df" % len(vals), *vals))
    print(name, seed, sizes, repr(std), len(vals))
