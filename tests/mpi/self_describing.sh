#!/usr/bin/env bash
# The result file of nnsim-hopfield describes itself: one run on 2 ranks, then Debian's python
# with h5py checks the root provenance attributes (parameters_json valid JSON with N, alpha,
# samples, seed matching the command), description/units on every dataset under /points,
# /results, /theory, equation where a formula applies, consistent shapes ([P] and [P,S]),
# count == S, mean == row mean of samples (1e-12) and stderr == sample std / sqrt(S), and no
# temporary or checkpoint files left in the folder.
# Usage: self_describing.sh DRIVER SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout
if ! /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
  fail "/usr/bin/python3 with h5py and numpy is needed (apt install python3-h5py)"
fi
setup_workdir self_describing

drv run.log 2 --N 200,401 --alpha 0.05:0.2:0.05 --samples 6 --seed 11 --threads 1 --quiet -o "$WORK/out.h5"
expect_rc 0 run.log "driver run"
[[ -f out.h5 ]] || fail "driver exited 0 but wrote no out.h5"
note "driver run on 2 ranks: ${SECONDS_TAKEN}s"

no_temporaries "$WORK"
[[ ! -e out.h5.checkpoint.h5 ]] || fail "a checkpoint was left next to the completed output"
leftover=$(find . -mindepth 1 ! -name out.h5 ! -name run.log -print)
[[ -z "$leftover" ]] || fail "unexpected files left in the output folder: $leftover"

/usr/bin/python3 - out.h5 <<'EOF'
import json, math, sys
import h5py
import numpy as np

N_LIST, ALPHAS, SAMPLES, SEED, RANKS = [200, 401], [0.05, 0.10, 0.15, 0.20], 6, 11, 2
errors = []

def check(ok, message):
    if not ok:
        errors.append(message)
    return ok

def text(v):
    return v.decode() if isinstance(v, bytes) else v

f = h5py.File(sys.argv[1], "r")
a = f.attrs

# --- root provenance ------------------------------------------------------------------------
required = ["program", "experiment", "version", "git_commit", "command_line", "parameters_json",
            "seed", "mpi_ranks", "omp_threads", "start_time", "end_time", "host"]
for name in required:
    check(name in a, f"root attribute {name!r} missing")
string_attrs = ["program", "experiment", "version", "git_commit", "command_line", "parameters_json",
                "start_time", "end_time", "host"]
for name in string_attrs:
    if name in a:
        check(isinstance(text(a[name]), str) and text(a[name]).strip() != "",
              f"root attribute {name!r} is not a non-empty string: {a[name]!r}")
if "program" in a:
    check(text(a["program"]) == "nnsim-hopfield", f"program = {text(a['program'])!r}")
if "experiment" in a:
    check(text(a["experiment"]) == "one-step", f"experiment = {text(a['experiment'])!r}")
if "seed" in a:
    check(int(a["seed"]) == SEED, f"seed = {a['seed']!r}, expected {SEED}")
if "mpi_ranks" in a:
    check(int(a["mpi_ranks"]) == RANKS, f"mpi_ranks = {a['mpi_ranks']!r}, expected {RANKS}")
if "omp_threads" in a:
    check(int(a["omp_threads"]) == 1, f"omp_threads = {a['omp_threads']!r}, expected 1")
if "command_line" in a:
    cl = text(a["command_line"])
    check("--samples 6" in cl and "--seed 11" in cl, f"command_line does not hold the options: {cl!r}")
if "start_time" in a and "end_time" in a:
    st, et = text(a["start_time"]), text(a["end_time"])
    check(st <= et, f"start_time {st!r} after end_time {et!r}")
params = None
if "parameters_json" in a:
    raw = text(a["parameters_json"])
    try:
        params = json.loads(raw)
    except ValueError as e:
        check(False, f"parameters_json is not valid JSON ({e}): {raw!r}")
if params is not None:
    for key in ["N", "alpha", "samples", "seed"]:
        check(key in params, f"parameters_json lacks {key!r}: {params}")
    check(params.get("samples") == SAMPLES, f"parameters_json samples = {params.get('samples')!r}")
    check(params.get("seed") == SEED, f"parameters_json seed = {params.get('seed')!r}")
    check(str(params.get("N")) == "200,401", f"parameters_json N = {params.get('N')!r}")

# --- every dataset is described -----------------------------------------------------------------
datasets = {}
for group in ["points", "results", "theory"]:
    if not check(group in f, f"group /{group} missing"):
        continue
    f[group].visititems(lambda name, obj, g=group: datasets.__setitem__(f"/{g}/{name}", obj)
                        if isinstance(obj, h5py.Dataset) else None)
check(len(datasets) >= 10, f"only {len(datasets)} datasets found: {sorted(datasets)}")
for path, d in sorted(datasets.items()):
    for attr in ["description", "units"]:
        ok = attr in d.attrs and isinstance(text(d.attrs[attr]), str) and text(d.attrs[attr]).strip() != ""
        check(ok, f"{path} has no (non-empty) {attr!r} attribute")
    # one units vocabulary (README, HDF5 output)
    check(text(d.attrs.get("units", "")) in ("1", "sweeps", "1/sweep"),
          f"{path} has units {text(d.attrs.get('units', ''))!r}, not one of 1, sweeps, 1/sweep")
check("/points/key" in f and f["/points/key"].dtype == np.uint64, "/points/key (uint64 stream keys) missing")
# only the options that apply to one-step are recorded (README: inapplicable options)
params = json.loads(text(f.attrs["parameters_json"]))
for unused in ["noise", "sweeps", "transient", "update", "flip-fraction", "weights", "trace-every"]:
    check(unused not in params and unused not in f.attrs, f"one-step output records the inapplicable option {unused!r}")
for name in ["fingerprint_json", "merge_fingerprint_json", "merge_axes", "point_columns", "observables"]:
    check(name in f.attrs, f"root attribute {name} missing")

obs = "/results/one_step_error"
needs_equation = [obs, obs + "/mean", obs + "/samples", "/theory/one_step_error", "/theory/one_step_error_exact"]
for path in needs_equation:
    if check(path in f, f"{path} missing"):
        eq = f[path].attrs.get("equation")
        check(eq is not None and text(eq).strip() != "", f"{path} has no 'equation' attribute")

# --- shapes and values --------------------------------------------------------------------------
P = len(N_LIST) * len(ALPHAS)
shapes_ok = len(datasets) > 0
for path, d in sorted(datasets.items()):
    want = (P, SAMPLES) if path.endswith("/samples") else (P,)
    shapes_ok &= check(d.shape == want, f"{path} has shape {d.shape}, expected {want}")
needed = ["/points/N", "/points/alpha", "/points/p", obs + "/samples", obs + "/mean", obs + "/stderr",
          obs + "/count", "/theory/one_step_error", "/theory/one_step_error_exact"]
shapes_ok &= all(check(path in datasets, f"dataset {path} missing") for path in needed)
if shapes_ok:
    N = f["/points/N"][()]
    alpha = f["/points/alpha"][()]
    p = f["/points/p"][()]
    check(list(N) == [n for n in N_LIST for _ in ALPHAS], f"/points/N = {list(N)}")
    check(np.allclose(alpha, ALPHAS * len(N_LIST), rtol=0, atol=1e-12), f"/points/alpha = {list(alpha)}")
    check(list(p) == [int(math.floor(a_ * n + 0.5)) for n in N_LIST for a_ in ALPHAS],
          f"/points/p = {list(p)} is not round(alpha N)")
    samples = f[obs + "/samples"][()]
    mean = f[obs + "/mean"][()]
    stderr = f[obs + "/stderr"][()]
    count = f[obs + "/count"][()]
    check(np.all(np.isfinite(samples)), "non-finite values in samples")
    check(np.all((samples >= 0) & (samples <= 1)), "samples outside [0, 1] (a probability)")
    check(np.all(count == SAMPLES), f"count = {list(count)}, expected {SAMPLES} everywhere")
    row_mean = samples.mean(axis=1)
    check(np.allclose(mean, row_mean, rtol=0, atol=1e-12),
          f"mean differs from the row mean of samples by up to {np.max(np.abs(mean - row_mean)):.3g}")
    row_sem = samples.std(axis=1, ddof=1) / math.sqrt(SAMPLES)
    check(np.allclose(stderr, row_sem, rtol=0, atol=1e-12),
          f"stderr differs from std(ddof=1)/sqrt(S) by up to {np.max(np.abs(stderr - row_sem)):.3g}")
    for t in ["one_step_error", "one_step_error_exact"]:
        v = f["/theory/" + t][()]
        check(np.all(np.isfinite(v) & (v >= 0) & (v <= 0.5)), f"/theory/{t} not a probability in [0, 0.5]: {list(v)}")

if errors:
    print(f"{len(errors)} problem(s) in {sys.argv[1]}:", file=sys.stderr)
    for e in errors:
        print("  - " + e, file=sys.stderr)
    sys.exit(1)
print(f"-- {len(datasets)} datasets described; {len(required)} root attributes; shapes [{P}] and [{P},{SAMPLES}]")
EOF

echo "PASS: the result file is self-describing and internally consistent"
