#!/usr/bin/env bash
# nnsim-digest under mpirun:
#  - rank invariance: every dataset except the measured wall times is identical on 1 rank, 2
#    ranks and 2 ranks x 2 threads;
#  - kill and resume: a run stopped after K tasks (exit 3, checkpoint) and resumed on another
#    rank count ends with the same datasets;
#  - the book's instances L10000 and L20000 with --exact: the ensemble finds every map the
#    enumerator lists (found_all = 1), every found map verifies, and the counts are printed;
#  - bad input: exit 2 naming the instance, the list and the reason; nothing written.
#  - --exact-node-limit: a planted 30 x 30 enumeration stopped after 2000 nodes is written as
#    incomplete (exact_complete 0, found_all 0) with a warning; the option alone or too large: exit 2.
#  - the piece space (--space pieces): rank invariance, kill and resume, every map of L10000 and
#    L20000 found, and a planted 30 x 30 instance solved on 2 ranks (issue 8's acceptance point).
# Usage: digest.sh DRIVER SOURCE_DIR   (DRIVER = nnsim-digest)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout md5sum
setup_workdir digest
PY=/usr/bin/python3
TABLE="$SRC/data/double-digest-table-4.1.json"   # the book's Table 4.1
[[ -f $TABLE ]] || fail "no Table 4.1 instance file $TABLE"


ARGS=(--instances "$TABLE" --instance L10000,L20000 --samples 24 --steps 200000 --seed 3 --quiet --space orderings)

note "rank invariance (orderings space)"
DRV_TIMEOUT=300 drv np1.log 0 "${ARGS[@]}" -o np1.h5
expect_rc 0 np1.log "1 rank"
DRV_TIMEOUT=300 drv np2.log 2 "${ARGS[@]}" -o np2.h5
expect_rc 0 np2.log "2 ranks"
DRV_TIMEOUT=300 OMP_NUM_THREADS=2 drv np2t2.log 2 "${ARGS[@]}" --threads 2 -o np2t2.h5
expect_rc 0 np2t2.log "2 ranks x 2 threads"
same_datasets np1.h5 np2.h5
same_datasets np1.h5 np2t2.h5

note "kill and resume"
NNSIM_STOP_AFTER_TASKS=15 DRV_TIMEOUT=300 drv k1.log 2 "${ARGS[@]}" -o kill.h5
expect_rc 3 k1.log "stopped after 15 tasks"
DRV_TIMEOUT=300 drv k2.log 0 "${ARGS[@]}" -o kill.h5 --resume
expect_rc 0 k2.log "resumed on 1 rank"
same_datasets np1.h5 kill.h5

note "the book's instances against the exact enumeration"
DRV_TIMEOUT=300 drv exact.log 2 --instances "$TABLE" --instance L10000,L20000 --samples 40 --steps 400000 \
  --seed 5 --exact --continue-after-solution --quiet -o exact.h5
expect_rc 0 exact.log "--exact"
"$PY" - exact.h5 <<'PYEOF' || fail "exact comparison"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for name in ("L10000", "L20000"):
    g = f["instances"][name]
    counts = {k: int(g[k][()]) for k in ("ordered_pairs", "distinct_maps", "distinct_maps_up_to_mirror",
                                         "exact_ordered_pairs", "exact_distinct_maps",
                                         "exact_distinct_maps_up_to_mirror", "found_all", "missing_maps")}
    print("--", name, counts, "success rate %.2f" % g["success_rate"][()])
    assert counts["found_all"] == 1 and counts["missing_maps"] == 0, name
    assert counts["distinct_maps"] == counts["exact_distinct_maps"], name
    assert counts["ordered_pairs"] >= counts["distinct_maps"] >= counts["distinct_maps_up_to_mirror"] >= 1
    a, b = g["a_cuts"][:], g["b_cuts"][:]
    L = int(g.attrs["L"])
    for ra, rb in zip(a, b):   # recompute the digests of every found map
        fa = np.diff(np.concatenate(([0], ra, [L])))
        fb = np.diff(np.concatenate(([0], rb, [L])))
        cuts = np.unique(np.concatenate(([0], ra, rb, [L])))
        fc = np.diff(cuts)
        assert sorted(fa) == sorted(g.attrs["a"]) and sorted(fb) == sorted(g.attrs["b"]), name
        assert sorted(fc) == sorted(g.attrs["c"]), name
PYEOF

note "configurations: every combination of --energy, --replicas, --schedule, --move-mix"
# A point's runs depend only on its instance and configuration, so the (book, 4 replicas) point
# of a grid run equals a run of that configuration alone.
DRV_TIMEOUT=300 drv grid.log 2 --instances "$TABLE" --instance L10000,L20000 --samples 6 --steps 100000 --seed 7 \
  --space orderings --energy unmatched,book --replicas 1,4 --move-mix "1,0,0;0.5,0.25,0.25" --quiet -o grid.h5
expect_rc 0 grid.log "grid of 8 configurations"
DRV_TIMEOUT=300 drv single.log 0 --instances "$TABLE" --instance L10000,L20000 --samples 6 --steps 100000 --seed 7 \
  --space orderings --energy book --replicas 4 --move-mix 0.5,0.25,0.25 --quiet -o single.h5
expect_rc 0 single.log "one configuration"
"$PY" - grid.h5 single.h5 <<'PYEOF' || fail "configurations"
import sys, h5py, numpy as np
grid, single = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
C = 8
assert grid["points/configuration"].shape == (2 * C,), grid["points/configuration"].shape
labels = [x.decode() for x in grid["instances/L10000/by_configuration/label"][()]]
assert len(labels) == C and len(set(labels)) == C, labels
c = labels.index("energy=book, replicas=4, schedule=geometric, move-mix=0.5,0.25,0.25")
assert [x.decode() for x in grid["points/energy"][()]][c] == "book"
assert int(grid["points/replicas"][c]) == 4
for obs in ("best_energy", "solved", "steps_to_solution", "steps", "acceptance_rate", "final_energy"):
    g, s = grid["results"][obs]["samples"][()], single["results"][obs]["samples"][()]
    for i in range(2):   # instance-major points: instance i, configuration c
        assert np.array_equal(g[i * C + c], s[i], equal_nan=True), (obs, i)
for name in ("L10000", "L20000"):
    b = grid["instances"][name]["by_configuration"]
    assert int(b["runs"][()].sum()) == int(grid["instances"][name]["runs"][()]) == 6 * C
    assert int(b["solved_runs"][()].sum()) == int(grid["instances"][name]["solved_runs"][()])
    assert int(b["solved_runs"][c]) == int(single["instances"][name]["by_configuration"]["solved_runs"][0])
    assert b["success_rate"].attrs["units"] in ("1", b"1") and b["seconds_per_solution"].attrs["units"] in ("s", b"s")
print("-- configurations:", labels)
PYEOF

note "bad input"
prepare() {
  case "$1" in
    sum) printf '{"instances": [{"name": "bad1", "L": 100, "a": [50, 49], "b": [100], "c": [50, 50]}]}' >bad.json ;;
    negative) printf '{"instances": [{"name": "bad2", "L": 100, "a": [150, -50], "b": [100], "c": [100]}]}' >bad.json ;;
    empty) printf '{"instances": [{"name": "bad3", "L": 100, "a": [], "b": [100], "c": [100]}]}' >bad.json ;;
    syntax) printf '{"instances": [{"name": "bad4", "L": 100,, }]}' >bad.json ;;
    existing) echo "results of an earlier run: must not be touched" >out.h5 ;;
  esac
}
OK=(--instances "$TABLE" --instance L10000 --samples 2 --steps 1000 --quiet)
bad sum 2 "bad1.*list a.*sum" --instances bad.json --samples 2 -o out.h5
bad negative 2 "bad2.*list a" --instances bad.json --samples 2 -o out.h5
bad empty 2 "bad3.*list a.*empty" --instances bad.json --samples 2 -o out.h5
bad syntax 2 "bad\.json:1:[0-9]+: expected" --instances bad.json --samples 2 -o out.h5
bad missing_file 2 "nonexistent\.json" --instances nonexistent.json --samples 2 -o out.h5
bad unknown_instance 2 "no instance 'L999'" --instances "$TABLE" --instance L999 --samples 2 -o out.h5
bad no_instances 2 "no instances" --samples 2 -o out.h5
bad planted 2 "--planted must be NA:NB:L" --planted 3:4 --samples 2 -o out.h5
bad schedule 2 "--schedule must be one of geometric" "${OK[@]}" --schedule bogus -o out.h5
bad move_mix 2 "--move-mix" "${OK[@]}" --move-mix 1,-1,0 -o out.h5
bad existing 2 "out\.h5.*exists.*--force" "${OK[@]}" -o out.h5
bad replicas_list 2 "--replicas must be integers from 1 to 64" "${OK[@]}" --replicas 1,0 -o out.h5
bad energy_list 2 "--energy must be a non-empty list" "${OK[@]}" --energy unmatched, -o out.h5
bad energy_name 2 "--energy must be book" "${OK[@]}" --energy unmatched,exact -o out.h5
bad mix_list 2 "--move-mix must be a non-empty list" "${OK[@]}" --move-mix "1,0,0;" -o out.h5
bad sum 0 "bad1.*list a.*sum" --instances bad.json --samples 2 -o out.h5

# invariant NAME K ARGS...: the run of ARGS on 1 rank and on 2 ranks give the same datasets, and
# one stopped after K tasks on 2 ranks and resumed on 1 rank ends with them too.
invariant() {
  local name=$1 stop=$2
  shift 2
  DRV_TIMEOUT=300 drv "$name-np1.log" 0 "$@" -o "$name-np1.h5"
  expect_rc 0 "$name-np1.log" "$name, 1 rank"
  DRV_TIMEOUT=300 drv "$name-np2.log" 2 "$@" -o "$name-np2.h5"
  expect_rc 0 "$name-np2.log" "$name, 2 ranks"
  same_datasets "$name-np1.h5" "$name-np2.h5"
  NNSIM_STOP_AFTER_TASKS=$stop DRV_TIMEOUT=300 drv "$name-k1.log" 2 "$@" -o "$name-kill.h5"
  expect_rc 3 "$name-k1.log" "$name, stopped after $stop tasks"
  DRV_TIMEOUT=300 drv "$name-k2.log" 0 "$@" -o "$name-kill.h5" --resume
  expect_rc 0 "$name-k2.log" "$name, resumed on 1 rank"
  same_datasets "$name-np1.h5" "$name-kill.h5"
}

note "exact window move (heat-bath): rank invariance, kill and resume, bad window sizes"
WARGS=(--instances "$TABLE" --instance L20000,L40000 --samples 8 --steps 100000 --seed 5 --quiet --space orderings
       --move-mix "0.5,0.25,0.25,0.05,4;0.5,0.25,0.25,0.02,5")
invariant window 9 "${WARGS[@]}"
bad window_size 2 "--move-mix.*window size W from 2 to 8" "${OK[@]}" --space orderings --move-mix 0.5,0.25,0.25,0.1,9 -o out.h5
bad window_weight 2 "--move-mix.*non-negative" "${OK[@]}" --move-mix 0.5,0.25,0.25,-0.1 -o out.h5

note "piece space (--space pieces, the default): rank invariance, kill and resume, all maps of the book's instances"
PARGS=(--instances "$TABLE" --instance L10000,L20000 --space pieces --samples 24 --steps 200000 --seed 3 --quiet)
invariant pieces 15 "${PARGS[@]}"
# Both spaces in one run (pieces-np1.h5: the piece space alone); --exact: the
# piece-space runs find every map the enumerator lists.
DRV_TIMEOUT=300 drv pexact.log 2 --instances "$TABLE" --instance L10000,L20000 --space orderings,pieces \
  --samples 40 --steps 400000 --seed 5 --exact --continue-after-solution --quiet -o pexact.h5
expect_rc 0 pexact.log "--space orderings,pieces --exact"
"$PY" - pexact.h5 pieces-np1.h5 <<'PYEOF' || fail "piece space output"
import sys, h5py, numpy as np
f, alone = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
spaces = [x.decode() for x in f["points/space"][()]]
assert spaces == ["orderings", "pieces"] * 2, spaces
assert [x.decode() for x in alone["points/space"][()]] == ["pieces"] * 2
for name in ("L10000", "L20000"):
    g = f["instances"][name]
    b = g["by_configuration"]
    labels = [x.decode() for x in b["label"][()]]
    # --replicas auto: 12 replicas in the orderings space, 2 in the piece space.
    assert labels == ["energy=unmatched, replicas=12, schedule=geometric, move-mix=0.5,0.25,0.25",
                      "energy=unmatched, space=pieces, replicas=2, schedule=geometric, move-mix=0.5,0.25,0.25"], labels
    assert [x.decode() for x in b["space"][()]] == ["orderings", "pieces"]
    assert int(g["found_all"][()]) == 1 and int(g["missing_maps"][()]) == 0, name
    print("--", name, "maps found by space (orderings, pieces):", list(b["distinct_maps"][()]),
          "exact:", int(g["exact_distinct_maps"][()]), "success rates:", list(np.round(b["success_rate"][()], 2)))
    assert int(b["distinct_maps"][1]) == int(g["exact_distinct_maps"][()]), "the piece space missed maps of " + name
    # final_state rows of the piece space: a permutation of the pieces, then the cut labels.
    nc = len(g.attrs["c"])
    point = 2 * ("L10000", "L20000").index(name) + 1
    offsets = f["results/final_state/offsets"][()]
    values = f["results/final_state/values"][()]
    row = values[offsets[point * 40]:offsets[point * 40 + 1]][0]
    assert sorted(row[:nc].astype(int)) == list(range(nc)), row
    assert set(row[nc:2 * nc - 1].astype(int)) <= {1, 2, 3}, row
PYEOF
# The acceptance point of issue 8: a planted instance with 30 fragments per enzyme solved (energy
# 0) by the ensemble on 2 ranks; every found map reproduces a, b and c.
DRV_TIMEOUT=300 drv p30.log 2 --planted 30:30:1000000 --space pieces --samples 2 --steps 40000000 --seed 1 \
  -o p30.h5
expect_rc 0 p30.log "planted 30 x 30, piece space, 2 ranks"
"$PY" - p30.h5 <<'PYEOF' || fail "planted 30 x 30"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    (name,) = list(f["instances"])
    g = f["instances"][name]
    best = f["results/best_energy/samples"][()].ravel()
    assert (best == 0).all(), best
    assert int(g["solved_runs"][()]) == 2 and int(g["distinct_maps"][()]) >= 1
    L = int(g.attrs["L"])
    for ra, rb in zip(g["a_cuts"][:], g["b_cuts"][:]):
        fa, fb = np.diff(np.concatenate(([0], ra, [L]))), np.diff(np.concatenate(([0], rb, [L])))
        fc = np.diff(np.unique(np.concatenate(([0], ra, rb, [L]))))
        assert sorted(fa) == sorted(g.attrs["a"]) and sorted(fb) == sorted(g.attrs["b"])
        assert sorted(fc) == sorted(g.attrs["c"])
    secs = f["results/seconds_to_solution/samples"][()].ravel()
    print(f"-- {name}: 2/2 runs solved on 2 ranks, {int(g['distinct_maps'][()])} maps, "
          f"seconds to solution {np.round(secs, 2)}")
PYEOF
bad space_name 2 "--space must be orderings" "${OK[@]}" --space sigma -o out.h5
bad space_window 2 "--move-mix.*window weight of 0 with --space pieces" "${OK[@]}" --space pieces \
  --move-mix 0.5,0.25,0.25,0.1 -o out.h5

note "--exact-node-limit: a stopped enumeration is written as incomplete, never as all found"
bad node_limit_alone 2 "--exact-node-limit.*only together with --exact" "${OK[@]}" --exact-node-limit 100 -o out.h5
bad node_limit_huge 2 "--exact-node-limit.*from 0 \(no limit\) to 2\^50" "${OK[@]}" --exact --exact-node-limit 18446744073709551615 -o out.h5
# A planted 30 x 30 instance (about 2 million maps; the full enumeration takes minutes): 2000 nodes.
DRV_TIMEOUT=120 drv limit.log 1 --planted 30:30:1000000 --samples 1 --steps 2000 --seed 1 --exact \
  --exact-node-limit 2000 --quiet -o limit.h5
expect_rc 0 limit.log "--exact-node-limit"
grep -q "stopped at --exact-node-limit 2000 nodes" limit.log || fail "no warning about the stopped enumeration"
"$PY" - limit.h5 <<'PYEOF' || fail "--exact-node-limit output"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    (name,) = list(f["instances"])
    g = f["instances"][name]
    nodes, complete, found = (int(g[k][()]) for k in ("exact_nodes", "exact_complete", "found_all"))
    assert 2000 <= nodes <= 2100, nodes  # the limit is checked per node expansion
    assert complete == 0 and found == 0, (complete, found)
    print(f"-- {name}: stopped after {nodes} nodes, exact_complete 0, found_all 0, "
          f"{int(g['exact_distinct_maps'][()])} maps so far")
PYEOF
note "OK"
