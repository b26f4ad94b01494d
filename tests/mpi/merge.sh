#!/usr/bin/env bash
# Value-keyed streams and nnsim-merge (issue 6, section 2):
#  - a point's samples do not depend on the grid around it (--alpha 0.2 vs --alpha 0.1,0.2,
#    also written in another order) nor on the sample range (--first-sample);
#  - 100 + 300 samples merged equal 400 samples, and a grid split in three blocks (one of them
#    run on 2 ranks) merged equals the whole grid: h5diff on /points and /results;
#  - a steady-state run with a time-series observable merges too;
#  - conflicting options, seeds, overlapping and incomplete sample ranges are refused with exit 2
#    and nothing written; --allow-gaps accepts a gap and records it.
# Usage: merge.sh DRIVER SOURCE_DIR   (nnsim-merge is looked up beside DRIVER)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
MERGE=$(dirname "$DRIVER")/nnsim-merge
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun h5diff timeout
[[ -x "$MERGE" ]] || fail "nnsim-merge not found beside $DRIVER"
setup_workdir merge

run() {  # run NAME RANKS ARGS...
  local name=$1 ranks=$2
  shift 2
  drv "$name.log" "$ranks" "$@" --quiet -o "$WORK/$name.h5"
  expect_rc 0 "$name.log" "run $name"
}

ONE=(--N 200 --seed 11)
# 1. the samples at alpha = 0.2 do not depend on the other points, nor on their order
run single 0 "${ONE[@]}" --alpha 0.2 --samples 40
run pair 0 "${ONE[@]}" --alpha 0.1,0.2 --samples 40
run reversed 0 "${ONE[@]}" --alpha 0.3,0.2,0.1 --samples 40
/usr/bin/python3 - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
def at(name, alpha):
    with h5py.File(f"{w}/{name}.h5", "r") as f:
        i = int(np.flatnonzero(f["points/alpha"][:] == alpha)[0])
        return f["results/one_step_error/samples"][i], int(f["points/key"][i]), f["points/alpha"][:]
s, k, _ = at("single", 0.2)
for other in ("pair", "reversed"):
    t, kt, alphas = at(other, 0.2)
    assert k == kt, (other, k, kt)
    assert np.array_equal(s, t), f"samples at alpha=0.2 differ in {other}"
    assert list(alphas) == sorted(alphas), f"{other}: points not sorted: {alphas}"
print("alpha=0.2 identical alone, beside 0.1, and in a reversed list; points sorted")
PY

# 2. 100 + 300 samples = 400 samples (one of the parts on 2 ranks)
GRID=(--N 150,300 --alpha 0.1:0.3:0.1 --seed 5)
run whole 0 "${GRID[@]}" --samples 400
run first 0 "${GRID[@]}" --samples 100
run rest 2 "${GRID[@]}" --samples 300 --first-sample 100
/usr/bin/python3 - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
with h5py.File(f"{w}/whole.h5") as a, h5py.File(f"{w}/rest.h5") as b:
    assert np.array_equal(a["results/one_step_error/samples"][:, 100:], b["results/one_step_error/samples"][:]), \
        "samples 100..399 of a 400-sample run differ from a --first-sample 100 run"
print("samples 100..399 identical with --first-sample 100")
PY
merge_ok merged.h5 rest.h5 first.h5
for obj in /points /results; do h5same whole.h5 merged.h5 "$obj"; done
[[ "$(h5attr merged.h5 samples)" == 400 && "$(h5attr merged.h5 first-sample)" == 0 ]] || fail "merged sample range"
h5attr merged.h5 merged_from | grep -q "first.h5" || fail "merged_from does not list the inputs"
note "100 + 300 merged == 400 (/points, /results)"

# 3. a grid split in three blocks (in any order of inputs) equals the whole grid
run b1 0 --N 150,300 --seed 5 --alpha 0.1 --samples 400
run b2 2 --N 150,300 --seed 5 --alpha 0.2 --samples 400
run b3 0 --N 300,150 --alpha 0.3 --seed 5 --samples 400
merge_ok blocks.h5 b3.h5 b1.h5 b2.h5
for obj in /points /results /theory; do h5same whole.h5 blocks.h5 "$obj"; done
note "three blocks merged == whole grid (/points, /results, /theory)"

# 4. steady-state with a time series, split by samples
SS=(--experiment steady-state --N 100 --alpha 0.05,0.15 --trace-every 2 --max-sweeps 10 --seed 3)
run ss_whole 0 "${SS[@]}" --samples 12
run ss_a 0 "${SS[@]}" --samples 5
run ss_b 0 "${SS[@]}" --samples 7 --first-sample 5
merge_ok ss_merged.h5 ss_a.h5 ss_b.h5
for obj in /points /results; do h5same ss_whole.h5 ss_merged.h5 "$obj"; done
note "steady-state with traces: 5 + 7 merged == 12"

# 5. refusals
run other_seed 0 --N 150,300 --alpha 0.1:0.3:0.1 --samples 100 --first-sample 100 --seed 6
merge_refused "result-relevant options" first.h5 other_seed.h5
run other_diag 0 "${GRID[@]}" --samples 100 --first-sample 100 --diagonal keep
merge_refused "result-relevant options" first.h5 other_diag.h5
merge_refused "experiment" first.h5 ss_a.h5
run overlap 0 "${GRID[@]}" --samples 100 --first-sample 50
merge_refused "overlap" first.h5 overlap.h5
run gap 0 "${GRID[@]}" --samples 100 --first-sample 200
merge_refused "gap" first.h5 gap.h5
merge_refused "same samples" first.h5 b1.h5
merge_refused "not a readable HDF5|not a file" first.h5 merge.log
merge_ok gapped.h5 first.h5 gap.h5 --allow-gaps
[[ "$(h5attr gapped.h5 sample_ranges)" == "0-99,200-299" ]] || fail "gapped sample_ranges: $(h5attr gapped.h5 sample_ranges)"
RC=0; "$MERGE" -o merged.h5 first.h5 rest.h5 >merge.log 2>&1 || RC=$?
expect_rc 2 merge.log "merge onto an existing output without --force"
note "conflicting, overlapping, incomplete and non-HDF5 inputs refused; --allow-gaps records 0-99,200-299"
echo "merge: all checks passed"
