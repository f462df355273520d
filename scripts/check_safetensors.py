#!/usr/bin/env python3
"""Cross-checks wavedistill's safetensors files against the official `safetensors` package.

    check_safetensors.py read FILE...   load each FILE with safetensors.numpy.load_file and print
                                        metadata and, per tensor: name, dtype, shape, FNV-1a 64 of
                                        its float32 little-endian bytes, and its float64 sum (left to right)
    check_safetensors.py write FILE     write a reference file with safetensors.numpy.save_file
                                        (F32 with NaN/-0/denormals/inf, F16, F64, empty, scalar)

Needs numpy and `pip install safetensors` (not needed by the Swift test suite). The printed
lines are the same format wavedistill's own reader check prints, so the two can be diffed.
"""
import sys

import numpy as np

try:
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file
except ImportError:
    sys.exit("check_safetensors.py: the 'safetensors' Python package is not installed (pip install safetensors)")


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def describe(path: str) -> None:
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
    print(f"file {path}")
    for key in sorted(metadata):
        print(f"  meta {key} = {metadata[key]!r}")
    tensors = load_file(path)
    for name in sorted(tensors):
        a = tensors[name]
        as_f32 = np.ascontiguousarray(a.astype("<f4"))
        total = 0.0
        for x in as_f32.ravel().tolist():  # left to right, as the Swift side sums
            total += x
        print(f"  tensor {name} shape={list(a.shape)} fnv1a64={fnv1a64(as_f32.tobytes()):016x} sum={total!r}")


def write_reference(path: str) -> None:
    rng = np.random.default_rng(2026)
    special = np.array([0x7FC00001, 0x7F800001, 0xFFC12345, 0x80000000, 0x00000001, 0x807FFFFF,
                        0x7F800000, 0xFF800000], dtype="<u4").view("<f4")
    tensors = {
        "teacher.layers.0.dilated.weight": rng.standard_normal((3, 4, 8)).astype(np.float32),
        "teacher.layers.0.dilated.bias": rng.standard_normal(8).astype(np.float32),
        "special": special,
        "half": rng.standard_normal((2, 5)).astype(np.float16),
        "double": rng.standard_normal((4,)).astype(np.float64),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "scalar": np.array(1.25, dtype=np.float32),
    }
    save_file(tensors, path, metadata={"format": "wavedistill.reference.v1", "writer": "safetensors-python"})


def main(argv: list[str]) -> None:
    if len(argv) >= 2 and argv[0] == "read":
        for path in argv[1:]:
            describe(path)
    elif len(argv) == 2 and argv[0] == "write":
        write_reference(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
