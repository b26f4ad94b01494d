#!/usr/bin/python3
"""same_h5.py A B [--ignore WORD,...] PATH...: every dataset at or under each PATH is bitwise
identical in A and B (same dtype, shape and bytes; NaN equals NaN of the same bits), and neither
file has a dataset there that the other lacks. Datasets whose name contains one of the ignored
words (e.g. "seconds": measured wall times) are skipped (any component of the path). Attributes are not compared (h5diff
follows the dimension scales' references into the skipped datasets). Exit 1 with the list of
differences, 0 when identical. Used by the Slurm tests."""
import sys

import h5py
import numpy as np


def datasets(f, path, ignore):
    out = {}
    obj = f[path]
    if isinstance(obj, h5py.Dataset):
        items = [(path, obj)]
    else:
        items = []
        obj.visititems(lambda name, o: items.append((f"{path.rstrip('/')}/{name}", o)))
    for name, o in items:
        if isinstance(o, h5py.Dataset) and not any(w in part for w in ignore for part in name.split("/")):
            out[name] = o
    return out


def main(argv):
    ignore = []
    args = []
    it = iter(argv)
    for a in it:
        if a == "--ignore":
            ignore = [w for w in next(it).split(",") if w]
        else:
            args.append(a)
    if len(args) < 3:
        sys.exit("usage: same_h5.py A B [--ignore WORD,...] PATH...")
    a_path, b_path, paths = args[0], args[1], args[2:]
    problems = []
    count = 0
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        for path in paths:
            if path not in a or path not in b:
                problems.append(f"{path}: missing in {a_path if path not in a else b_path}")
                continue
            da, db = datasets(a, path, ignore), datasets(b, path, ignore)
            for name in sorted(set(da) ^ set(db)):
                problems.append(f"{name}: only in {a_path if name in da else b_path}")
            for name in sorted(set(da) & set(db)):
                x, y = da[name][()], db[name][()]
                x, y = np.asarray(x), np.asarray(y)
                count += 1
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"{name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
                elif x.dtype.kind == "O":
                    if x.tolist() != y.tolist():
                        problems.append(f"{name}: values differ")
                elif x.tobytes() != y.tobytes():
                    diff = np.flatnonzero(x.reshape(-1).view(np.uint8) != y.reshape(-1).view(np.uint8)) \
                        if x.dtype.kind != "V" else []
                    problems.append(f"{name}: values differ ({len(diff)} differing bytes)")
    for p in problems:
        print(f"same_h5: {p}", file=sys.stderr)
    if not problems:
        print(f"same_h5: {count} datasets identical under {' '.join(paths)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
