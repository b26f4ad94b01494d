#!/usr/bin/env bash
# nnsim-capacity under mpirun:
#  - rank invariance: every dataset of the file is identical on 1 rank, 2 ranks, and 2 ranks x 2
#    threads (rounds are planned on rank 0 from results in task order);
#  - kill and resume: a run stopped after K tasks (exit 3, checkpoint of the rounds and of the
#    round in progress) and resumed on another rank count, stopped again and resumed once more,
#    ends with the identical file; --resume on the finished output exits 0;
#  - bad input: exit 2 with a message naming the option, nothing written (directory unchanged),
#    no hang; a bracket that does not contain the crossing with --fixed-bracket is refused after
#    its first round and leaves no checkpoint; without --fixed-bracket it is widened and the
#    crossing ends up inside the probed loads;
#  - self-describing: description and units on every dataset, literature values as root attributes.
# Usage: capacity.sh DRIVER SOURCE_DIR   (DRIVER = nnsim-capacity)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout md5sum
setup_workdir capacity
PY=/usr/bin/python3

ARGS=(--N 512,1024 --samples 400 --seed 7 --quiet)  # the acceptance command of issue 7

note "rank invariance"
DRV_TIMEOUT=120 drv np1.log 0 "${ARGS[@]}" -o np1.h5
expect_rc 0 np1.log "1 rank"
DRV_TIMEOUT=120 drv np2.log 2 "${ARGS[@]}" -o np2.h5
expect_rc 0 np2.log "2 ranks"
DRV_TIMEOUT=120 OMP_NUM_THREADS=2 drv np2t2.log 2 "${ARGS[@]}" --threads 2 -o np2t2.h5
expect_rc 0 np2t2.log "2 ranks x 2 threads"
same_datasets np1.h5 np2.h5
same_datasets np1.h5 np2t2.h5

note "kill and resume"
total=$("$PY" -c "import h5py; print(int(h5py.File('np1.h5')['rounds/samples'][:].sum()))")
first=$((total / 3))
NNSIM_STOP_AFTER_TASKS=$first DRV_TIMEOUT=120 drv k1.log 2 "${ARGS[@]}" -o kill.h5
expect_rc 3 k1.log "stopped after $first tasks"
[[ -f kill.h5.checkpoint.h5 && ! -e kill.h5 ]] || fail "a stopped run must leave a checkpoint and no output"
NNSIM_STOP_AFTER_TASKS=$first DRV_TIMEOUT=120 drv k2.log 0 "${ARGS[@]}" -o kill.h5 --resume
expect_rc 3 k2.log "resumed on 1 rank and stopped again"
DRV_TIMEOUT=120 drv k3.log 2 "${ARGS[@]}" -o kill.h5 --resume
expect_rc 0 k3.log "resumed to the end on 2 ranks"
[[ ! -e kill.h5.checkpoint.h5 && ! -e kill.h5.checkpoint.h5.round.h5 ]] || fail "checkpoints left after a complete run"
same_datasets np1.h5 kill.h5
resumed=$("$PY" -c "import h5py; print(h5py.File('kill.h5').attrs['tasks_resumed'])")
((resumed > 0)) || fail "the resumed run reports tasks_resumed = $resumed"
drv k4.log 0 "${ARGS[@]:0:6}" -o kill.h5 --resume  # without --quiet: the message is info
expect_rc 0 k4.log "--resume on a finished output"
grep -q "already complete" k4.log || fail "--resume on a finished output: no 'already complete' message"

note "widening a bracket that misses the crossing"
DRV_TIMEOUT=120 drv widen.log 2 --N 256 --samples 60 --bracket 0.3:0.5 --quiet -o widen.h5
expect_rc 0 widen.log "--bracket 0.3:0.5"
"$PY" - widen.h5 <<'EOF' || fail "widened bracket"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
labels = list(f["rounds/label"].asstr()[:])
assert any("widen" in l for l in labels), labels
assert f["capacity/location"].asstr()[0] == "bracketed", f["capacity/location"][:]
a = f["capacity/alpha_c"][0]
assert np.isfinite(a) and f["points/alpha"][:].min() < a < 0.3, a
print("-- widened: rounds %s, alpha_c(256) = %.4f" % (labels, a))
EOF

note "bad input"
prepare() {
  case "$1" in
    existing) echo "results of an earlier run: must not be touched" >out.h5 ;;
  esac
}
OK=(--N 64 --samples 8 --quiet)
CASES=(
  "m_cut_zero|--m-cut must be in \(0, 1\], got 0|${OK[*]} --m-cut 0 -o out.h5"
  "m_cut_big|--m-cut must be in \(0, 1\], got 1\.5|${OK[*]} --m-cut 1.5 -o out.h5"
  "N_empty|--N must list at least one|--N , --samples 8 -o out.h5"
  "N_small|--N must be sizes from 16.*got 8|--N 8,64 --samples 8 -o out.h5"
  "N_twice|--N lists 64 twice|--N 64,64 --samples 8 -o out.h5"
  "target_zero|--target-error must be in \(0, 1\), got 0|${OK[*]} --target-error 0 -o out.h5"
  "target_negative|--target-error must be in \(0, 1\), got -0\.01|${OK[*]} --target-error -0.01 -o out.h5"
  "bracket_reversed|--bracket must be LOW:HIGH with 0 < LOW < HIGH|${OK[*]} --bracket 0.3:0.2 -o out.h5"
  "bracket_single|--bracket must be LOW:HIGH|${OK[*]} --bracket 0.2 -o out.h5"
  "bracket_narrow|--bracket 0\.14:0\.16 holds fewer than three loads|${OK[*]} --bracket 0.14:0.16 -o out.h5"
  "bracket_misses|--bracket 0\.5:0\.9 does not contain the crossing for N = 64|${OK[*]} --fixed-bracket --bracket 0.5:0.9 -o out.h5"
  "update|--update must be one of random, sequential, synchronous|${OK[*]} --update bogus -o out.h5"
  "samples_one|--samples must be at least 2|--N 64 --samples 1 -o out.h5"
  "bootstrap|--bootstrap must be from 10|${OK[*]} --bootstrap 5 -o out.h5"
  "crossing_level|--crossing-level must be in \(0, 1\)|${OK[*]} --crossing-level 1 -o out.h5"
  "existing|out\.h5.*exists.*--force|${OK[*]} -o out.h5"
  "resume_none|--resume.*no checkpoint|${OK[*]} -o out.h5 --resume"
)
for case in "${CASES[@]}"; do
  IFS='|' read -r name regex args <<<"$case"
  # shellcheck disable=SC2086  # the arguments are word-split on purpose
  bad "$name" 2 "$regex" $args
done
# shellcheck disable=SC2086
bad m_cut_zero 0 "--m-cut must be in" ${OK[*]} --m-cut 0 -o out.h5

note "self-describing"
"$PY" - np1.h5 <<'EOF' || fail "np1.h5 is not self-describing"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for name in ("alpha_c_rs", "alpha_c_rsb", "alpha_c_monte_carlo", "alpha_c_monte_carlo_stderr", "literature",
             "program", "git_commit", "seed", "mpi_ranks", "criterion", "m-cut", "crossing-level", "N"):
    assert name in f.attrs, name
assert abs(f.attrs["alpha_c_rsb"] - 0.138187) < 1e-12 and abs(f.attrs["alpha_c_monte_carlo"] - 0.143) < 1e-12
missing = []
def check(n, o):
    if isinstance(o, h5py.Dataset) and not ("description" in o.attrs and "units" in o.attrs):
        missing.append(n)
f.visititems(check)
assert not missing, missing
n = f["capacity/N"][:]
assert list(n) == [512, 1024], n
pts = len(f["points/N"])
for obs in ("final_overlap", "retrieved", "sweeps", "converged"):
    s = f["results/%s/samples" % obs]
    c = f["results/%s/count" % obs][:]
    assert s.shape == (pts, c.max()), (obs, s.shape)
    v = s[:]
    assert all(np.isfinite(v[i, :c[i]]).all() and np.isnan(v[i, c[i]:]).all() for i in range(pts)), obs
    assert np.allclose(np.nanmean(v, axis=1), f["results/%s/mean" % obs][:], rtol=1e-12, atol=1e-15), obs
print("-- self-describing: %d loads, alpha_c = %s" % (pts, f["capacity/alpha_c"][:]))
EOF
note "OK"
