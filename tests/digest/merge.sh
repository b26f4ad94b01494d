#!/usr/bin/env bash
# nnsim-digest job arrays (issue 11): the book's instances (Table 4.1: L10000, L20000) with
# --exact, --continue-after-solution and two move mixes, run once (12 samples) and in three
# sample blocks (0-3, 4-7 on 2 ranks, 8-11), merged by nnsim-merge in a shuffled order: every
# dataset of the merged file -- /points, /results with the variable-length records (solutions,
# trace, final_state: values, offsets, lengths) and /instances (maps, runs_meeting, success
# rates, by_configuration, the exact enumeration, found_all) -- equals the single run's, except
# the measured wall times (units s).
# Bad input, exit 2 and nothing written: overlapping sample ranges, other instances (options;
# and the same --instances path with other contents), another --trace-every, an exact
# enumeration that differs.
# Usage: merge.sh DIGEST MERGE SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
MERGE=$(realpath -- "$2")
SRC=$(realpath -- "$3")
source "$SRC/tests/mpi/lib.sh"
require_tools mpirun timeout md5sum
[[ -x "$MERGE" ]] || fail "nnsim-merge '$MERGE' is not an executable file"
setup_workdir digest-merge
PY=/usr/bin/python3
TABLE="$SRC/data/double-digest-table-4.1.json"
[[ -f $TABLE ]] || fail "no Table 4.1 instance file $TABLE"

# shellcheck disable=SC2054  # commas inside one option value
ARGS=(--instances "$TABLE" --instance L10000,L20000 --steps 100000 --seed 5 --exact --continue-after-solution
      --move-mix "1,0,0;0.5,0.25,0.25" --quiet)


note "one run of 12 samples == 3 blocks of 4 merged"
DRV_TIMEOUT=120 drv whole.log 0 "${ARGS[@]}" --samples 12 -o whole.h5
expect_rc 0 whole.log "12 samples in one run"
DRV_TIMEOUT=120 drv b0.log 0 "${ARGS[@]}" --samples 4 --first-sample 0 -o b0.h5
expect_rc 0 b0.log "block 0-3"
DRV_TIMEOUT=120 drv b4.log 2 "${ARGS[@]}" --samples 4 --first-sample 4 -o b4.h5
expect_rc 0 b4.log "block 4-7 on 2 ranks"
DRV_TIMEOUT=120 drv b8.log 0 "${ARGS[@]}" --samples 4 --first-sample 8 -o b8.h5
expect_rc 0 b8.log "block 8-11"
merge_ok merged.h5 b8.h5 b0.h5 b4.h5
same_datasets whole.h5 merged.h5
"$PY" - whole.h5 merged.h5 b0.h5 b4.h5 b8.h5 <<'PYEOF' || fail "merged digest file"
import sys, h5py, numpy as np
whole, merged, *blocks = (h5py.File(p, "r") for p in sys.argv[1:])
assert merged.attrs["samples"] == 12 and merged.attrs["first-sample"] == 0
assert merged.attrs["record_observables"] == whole.attrs["record_observables"]
for obs in ("solutions", "trace", "final_state"):
    g = merged["results"][obs]
    assert g["lengths"].shape == (4, 12) and g["offsets"].shape == (49,), obs
    # every block contributes rows of its own to every record observable
    for b in blocks:
        assert b["results"][obs]["values"].shape[0] > 0, obs
    assert g["values"].shape[0] == sum(b["results"][obs]["values"].shape[0] for b in blocks), obs
    assert dict(g.attrs) == dict(whole["results"][obs].attrs), obs
for name in ("L10000", "L20000"):
    g = merged["instances"][name]
    assert int(g["runs"][()]) == 24 and int(g["found_all"][()]) == 1, name
    assert int(g["distinct_maps"][()]) == int(g["exact_distinct_maps"][()]), name
    # the pooled maps are more than any block found alone or equal to the most: never fewer
    assert int(g["distinct_maps"][()]) >= max(int(b["instances"][name]["distinct_maps"][()]) for b in blocks)
    assert int(g["runs_meeting"][()].sum()) == sum(int(b["instances"][name]["runs_meeting"][()].sum()) for b in blocks)
    assert list(g.attrs["a"]) == list(whole["instances"][name].attrs["a"])
print("-- merged: records of every block pooled; /instances recomputed (found_all = 1)")
PYEOF

note "bad input"
DRV_TIMEOUT=120 drv overlap.log 0 "${ARGS[@]}" --samples 4 --first-sample 2 -o overlap.h5
expect_rc 0 overlap.log "samples 2-5"
merge_refused "samples 0-3.*samples 2-5.*overlap|samples 2-5.*samples 0-3.*overlap" b0.h5 overlap.h5
DRV_TIMEOUT=120 drv l10000.log 0 "${ARGS[@]/L10000,L20000/L10000}" --samples 4 --first-sample 4 -o l10000.h5
expect_rc 0 l10000.log "L10000 alone, samples 4-7"
merge_refused "differ in result-relevant options.*L10000" b0.h5 l10000.h5
# the same --instances path with other contents: the options agree, the instances do not (an
# instance of other sizes changes the record widths; one of the same sizes only the instances)
DRV_TIMEOUT=120 drv planted.log 0 --planted 5:4:10000 --samples 1 --steps 1000 --seed 9 --quiet -o planted.h5
expect_rc 0 planted.log "a planted instance of L10000's sizes"
"$PY" - "$TABLE" planted.h5 <<'PYEOF'
import json, sys, h5py
t = json.load(open(sys.argv[1]))["instances"]
text = h5py.File(sys.argv[2], "r").attrs["instances"]
planted = dict(kv.split("=") for kv in (text.decode() if isinstance(text, bytes) else text).split(";"))
same_sizes = {"name": "L10000", "L": int(planted["L"])}
same_sizes.update({k: [int(x) for x in planted[k].split(",")] for k in "abc"})
json.dump({"instances": [t[0]]}, open("table.json", "w"))
json.dump({"instances": [dict(t[1], name="L10000")]}, open("table.other-sizes.json", "w"))
json.dump({"instances": [same_sizes]}, open("table.same-sizes.json", "w"))
PYEOF
TARGS=(--instances table.json --samples 3 --steps 20000 --seed 5 --quiet)
DRV_TIMEOUT=120 drv t1.log 0 "${TARGS[@]}" -o t1.h5
expect_rc 0 t1.log "table.json"
cp table.other-sizes.json table.json
DRV_TIMEOUT=120 drv t2.log 0 "${TARGS[@]}" -o t2.h5
expect_rc 0 t2.log "table.json, an instance of other sizes"
# Widths: solutions n_a + n_b - 2, final_state 2|c| - 1 (the piece space's order and labels).
merge_refused "differ in record observables \\(name:row width\\) \\('solutions:10,trace:2,final_state:21' vs 'solutions:7" t1.h5 t2.h5
cp table.same-sizes.json table.json
DRV_TIMEOUT=120 drv t3.log 0 "${TARGS[@]}" -o t3.h5
expect_rc 0 t3.log "table.json, another instance of the same sizes"
merge_refused "t3\.h5' and '.*t1\.h5' differ in their instances" t1.h5 t3.h5
# --trace-every is run control (not in the merge fingerprint) but shapes /results/trace
DRV_TIMEOUT=120 drv trace.log 0 "${ARGS[@]}" --samples 4 --first-sample 4 --trace-every 5000 -o trace.h5
expect_rc 0 trace.log "block 4-7 with --trace-every 5000"
merge_refused "differ in --trace-every \\(5000 vs 10000\\)" b0.h5 trace.h5
# an exact enumeration that is not the other inputs' (it does not depend on the runs)
cp b4.h5 tampered.h5
"$PY" -c "import h5py; f = h5py.File('tampered.h5', 'r+'); d = f['instances/L20000/exact_nodes']; d[()] = d[()] + 1"
merge_refused "differ in the exact enumeration of instance 'L20000'" b0.h5 tampered.h5 b8.h5
no_temporaries .
note "OK"
