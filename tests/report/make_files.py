#!/usr/bin/python3
"""Fixture of the report tests (CTest FIXTURES_SETUP report_files): runs every nnsim driver
with tiny parameters into OUT/files (one file per driver and experiment; one run on 2 MPI ranks,
the others on 1), adds three files the report cannot use, and renders the report of OUT/files
into OUT/report/report.html (+ .json, -figures/) with analysis/report.

  make_files.py OUT     (environment: NNSIM_HOPFIELD, NNSIM_CAPACITY, NNSIM_DIGEST, NNSIM_RL,
                         NNSIM_SGD = the drivers; NNSIM_MPIRUN = scripts/mpirun; NNSIM_SOURCE_DIR)

Exits 1 with the failing command's output when a driver or the report fails.
"""

import os
import shutil
import subprocess
import sys
import time

import h5py

SOURCE = os.environ.get("NNSIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FASHION = "/usr/share/datasets/fashion-mnist"

# (file, driver variable, ranks, arguments)
RUNS = [
    ("one-step.h5", "NNSIM_HOPFIELD", 1, ["--experiment", "one-step", "--N", "200,400", "--alpha", "0.05:0.2:0.05",
                                          "--samples", "8", "--seed", "11"]),
    ("hopfield/steady-state.h5", "NNSIM_HOPFIELD", 2,
     ["--experiment", "steady-state", "--N", "200,400", "--alpha", "0.05:0.2:0.05", "--samples", "6",
      "--trace-every", "1", "--max-sweeps", "30", "--seed", "12"]),
    ("hopfield/phase-diagram.h5", "NNSIM_HOPFIELD", 1,
     ["--experiment", "phase-diagram", "--N", "200", "--alpha", "0.04:0.16:0.04", "--noise", "0.2:1.0:0.4",
      "--sweeps", "40", "--transient", "10", "--samples", "2", "--seed", "13"]),
    ("capacity.h5", "NNSIM_CAPACITY", 1, ["--N", "64,128,256", "--bracket", "0.08:0.25", "--samples", "8",
                                          "--seed", "14"]),
    ("digest.h5", "NNSIM_DIGEST", 1, ["--instances", os.path.join(SOURCE, "data", "double-digest-table-4.1.json"),
                                      "--instance", "L10000", "--samples", "2", "--steps", "100000",
                                      "--exact", "--seed", "7"]),
    ("rl/associative-q.h5", "NNSIM_RL", 1,
     ["--experiment", "associative-q", "--samples", "300", "--episodes", "400", "--record-every", "4",
      "--epsilon", "1", "--learning-rate", "0.05", "--seed", "3"]),
    ("rl/reward-penalty.h5", "NNSIM_RL", 1,
     ["--experiment", "reward-penalty", "--samples", "20", "--episodes", "2000", "--record-every", "50",
      "--seed", "3"]),
    ("rl/tictactoe.h5", "NNSIM_RL", 1,
     ["--experiment", "tictactoe", "--samples", "4", "--episodes", "12000", "--epsilon-schedule",
      "step:6000,0.9,50", "--seed", "3"]),
    ("rl/td-lambda.h5", "NNSIM_RL", 1,
     ["--experiment", "td-lambda", "--samples", "20", "--episodes", "30", "--lambda", "0,0.5,1",
      "--learning-rate", "0.05,0.1", "--seed", "3"]),
    ("sgd.h5", "NNSIM_SGD", 1, ["--data-dir", FASHION, "--layers", "784,16,10", "--train-limit", "600",
                                "--validation", "100", "--epochs", "2", "--batch", "50", "--seed", "1"]),
    ("sgd-ensemble.h5", "NNSIM_SGD", 1, ["--data-dir", FASHION, "--layers", "784,16,10", "--train-limit", "600",
                                         "--validation", "100", "--epochs", "2", "--batch", "50", "--seed", "1",
                                         "--ensemble", "--samples", "3"]),
]


def env():
    e = dict(os.environ)
    e.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1",
              "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"})
    e.setdefault("MPLCONFIGDIR", "/tmp")
    return e


def main(out):
    files = os.path.join(out, "files")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(files, "hopfield"))
    os.makedirs(os.path.join(files, "rl"))
    os.makedirs(os.path.join(files, "bad"))
    os.makedirs(os.path.join(out, "report"))
    procs = []
    start = time.time()
    for name, var, ranks, args in RUNS:
        driver = os.environ.get(var)
        if not driver or not os.access(driver, os.X_OK):
            print("make_files.py: %s not set or not a program (%r)" % (var, driver), file=sys.stderr)
            return 1
        cmd = [driver] + args + ["-o", os.path.join(files, name), "--force", "-q"]
        if ranks > 1:
            cmd = [os.environ.get("NNSIM_MPIRUN") or os.path.join(SOURCE, "scripts", "mpirun"), "-n", str(ranks)] + cmd
        procs.append((cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                            env=env())))
        while sum(p.poll() is None for _, p in procs) >= 2:  # two at a time: a 2-core machine
            time.sleep(0.05)
    for cmd, proc in procs:
        output, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            print("make_files.py: %s\nfailed with exit code %d:\n%s" % (" ".join(cmd), proc.returncode, output),
                  file=sys.stderr)
            return 1
    print("drivers: %.1f s" % (time.time() - start))
    # Files the report cannot use: text named .h5, an HDF5 file without the provenance
    # attributes, and a one-step file with its results removed (the plot loader rejects it).
    with open(os.path.join(files, "bad", "not-hdf5.h5"), "w") as fh:
        fh.write("this is not an HDF5 file\n")
    with h5py.File(os.path.join(files, "bad", "no-program.h5"), "w") as f:
        f["x"] = [1.0, 2.0]
    broken = os.path.join(files, "bad", "one-step-no-results.h5")
    shutil.copy(os.path.join(files, "one-step.h5"), broken)
    with h5py.File(broken, "a") as f:
        del f["/results"]
    start = time.time()
    cmd = ["/usr/bin/python3", os.path.join(SOURCE, "analysis", "report"), files, "-q",
           "-o", os.path.join(out, "report", "report.html")]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=300)
    if r.returncode != 0:
        print("make_files.py: %s\nfailed with exit code %d:\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                                       r.stderr), file=sys.stderr)
        return 1
    print(r.stdout.strip())
    print("report: %.1f s" % (time.time() - start))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_files.py OUT")
    sys.exit(main(sys.argv[1]))
