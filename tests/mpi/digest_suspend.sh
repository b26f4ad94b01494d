#!/usr/bin/env bash
# nnsim-digest with long annealing runs stopped mid-run (--time-limit) and resumed: the runs in
# flight are suspended (their state goes into the checkpoint, format version 5) and continue
# where they stopped, and every dataset but the measured wall times equals that of an
# uninterrupted run; stopped on 1 rank and resumed on 2, and stopped on 2 and resumed on 1;
# in the orderings and in the piece space (--space).
# The limit is a fraction of the measured uninterrupted run, so it falls inside the first runs
# on a faster or slower machine alike; where it fires does not matter to the result.
# Usage: digest_suspend.sh DRIVER SOURCE_DIR   (DRIVER = nnsim-digest)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout awk
setup_workdir digest_suspend
PY=/usr/bin/python3

# Eight runs of 1M steps (about 1 s each on one core here), in both configuration spaces
# (orderings, then pieces): in each, two runs of simulated annealing with restarts, then two of
# replica exchange. One rank stops inside task 0; of two ranks, rank 0 (which queues two tasks
# for its thread) stops inside task 0 and rank 1 inside task 2.
ARGS=(--planted 14:14:1000000 --samples 2 --steps 1000000 --continue-after-solution --seed 3
      --space orderings,pieces --replicas "1,12" --restart-after 200)

note "uninterrupted run"
DRV_TIMEOUT=300 drv full.log 0 "${ARGS[@]}" -o full.h5
expect_rc 0 full.log "uninterrupted"
FULL=$SECONDS_TAKEN
LIMIT=$(awk -v t="$FULL" 'BEGIN { l = 0.12 * t; if (l < 0.2) l = 0.2; printf "%.2f", l }')
note "uninterrupted: ${FULL} s; --time-limit ${LIMIT}"

# suspended_tasks FILE: the number of suspended states in a checkpoint (format version 5).
suspended_tasks() {
  "$PY" - "$1" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
if int(f.attrs["format_version"]) != 5 or "suspended" not in f:
    print(0)
else:
    assert len(f["suspended/offsets"]) == len(f["suspended/task_ids"]) + 1
    print(len(f["suspended/task_ids"]))
PYEOF
}

check_resume() {  # check_resume NAME STOP_RANKS RESUME_RANKS MIN_SUSPENDED
  local name=$1 stop_ranks=$2 resume_ranks=$3 min_suspended=$4
  note "stopped on $stop_ranks rank(s) by --time-limit, resumed on $resume_ranks (0: one rank without mpirun)"
  DRV_TIMEOUT=300 drv "$name-1.log" "$stop_ranks" "${ARGS[@]}" --time-limit "$LIMIT" -o "$name.h5"
  expect_rc 3 "$name-1.log" "$name: stopped by --time-limit"
  local n
  n=$(suspended_tasks "$name.h5.checkpoint.h5")
  ((n >= min_suspended)) ||
    { cat "$name-1.log" >&2; fail "$name: the checkpoint holds $n suspended run(s), expected >= $min_suspended"; }
  DRV_TIMEOUT=300 drv "$name-2.log" "$resume_ranks" "${ARGS[@]}" -o "$name.h5" --resume
  expect_rc 0 "$name-2.log" "$name: resumed"
  grep -q "resuming $n suspended task(s) from their mid-run state" "$name-2.log" ||
    { cat "$name-2.log" >&2; fail "$name: the resumed run did not take the $n suspended run(s)"; }
  grep -q "$n task(s) continued from the mid-run state" "$name-2.log" ||
    { cat "$name-2.log" >&2; fail "$name: the suspended runs did not continue"; }
  [[ ! -e "$name.h5.checkpoint.h5" ]] || fail "$name: checkpoint left after a complete run"
  same_datasets full.h5 "$name.h5"
  note "$name: $n run(s) suspended and continued; stopped part ${LIMIT} s limit, resumed part ${SECONDS_TAKEN} s"
}

check_resume one 0 2 1
check_resume two 2 0 2
echo "PASS"
