"""Reads the records of a gridded output with h5py, as a user would, and compares them with
the expected rows that test_records.cpp wrote as the hex bits of each float64
("<name> <task> <bits>..."), so NaN payloads and -0.0 compare exactly.
Usage: check_records_h5py.py OUTPUT.h5 EXPECTED.txt; exit 0 when everything matches."""
import struct
import sys

import h5py
import numpy as np


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def main(output, expected_path):
    expected = {}
    with open(expected_path) as text:
        for line in text:
            fields = line.split()
            expected[(fields[0], int(fields[1]))] = [int(v, 16) for v in fields[2:]]
    failures = 0
    with h5py.File(output, "r") as f:
        for (name, task), rows in sorted(expected.items()):
            group = f["results/" + name]
            offsets = group["offsets"][:]
            values = group["values"]
            assert values.dtype == np.float64 and offsets.dtype == np.uint64, (values.dtype, offsets.dtype)
            assert values.ndim == 2 and values.shape[1] == group.attrs["width"]
            assert group["lengths"][task // group["lengths"].shape[1], task % group["lengths"].shape[1]] == (
                offsets[task + 1] - offsets[task])
            got = values[offsets[task]:offsets[task + 1]]  # the slicing the layout documents
            assert got.shape == (len(rows) // values.shape[1], values.shape[1]), (got.shape, len(rows))
            if [bits(v) for v in got.ravel()] != rows:
                print(f"{name} task {task}: h5py read {[hex(bits(v)) for v in got.ravel()]}, expected {[hex(v) for v in rows]}")
                failures += 1
    print(f"h5py: {len(expected)} records checked, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
