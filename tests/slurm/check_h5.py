#!/usr/bin/python3
"""check_h5.py FILE PROGRAM RANKS PATH...: FILE is a complete output of PROGRAM run on RANKS MPI
ranks (root attributes `program` and `mpi_ranks`), holding every PATH: a group with at least one
member or a dataset with at least one element, and no NaN in /results/*/mean of a full grid run
where PATH names it. Prints what is wrong and exits 1; exits 0 when all is well. Used by the
Slurm tests (tests/slurm/*.sh) to check a job's output without a reference run."""
import sys

import h5py
import numpy as np


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main(argv):
    if len(argv) < 4:
        sys.exit("usage: check_h5.py FILE PROGRAM RANKS PATH...")
    path, program, ranks, objects = argv[0], argv[1], int(argv[2]), argv[3:]
    problems = []
    with h5py.File(path, "r") as f:
        got = text(f.attrs.get("program", ""))
        if got != program:
            problems.append(f"root attribute program is {got!r}, expected {program!r}")
        got_ranks = f.attrs.get("mpi_ranks")
        if got_ranks is None or int(got_ranks) != ranks:
            problems.append(f"root attribute mpi_ranks is {got_ranks!r}, expected {ranks}")
        for name in objects:
            if name not in f:
                problems.append(f"no {name}")
                continue
            obj = f[name]
            if isinstance(obj, h5py.Group):
                if len(obj) == 0:
                    problems.append(f"group {name} is empty")
            elif obj.size == 0:
                problems.append(f"dataset {name} is empty")
            elif obj.dtype.kind == "f" and name.endswith("/mean") and np.isnan(obj[()]).any():
                problems.append(f"dataset {name} holds NaN")
    for p in problems:
        print(f"{path}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
