#!/usr/bin/env bash
# Interrupt and resume of nnsim-hopfield:
#  (a) an uninterrupted reference run on 2 ranks;
#  (b) the same run on 2 ranks, SIGTERM sent to the rank processes (not mpirun) partway:
#      exit 3, a checkpoint <output>.checkpoint.h5 holding some but not all tasks, no output file;
#      --resume then exits 0, removes the checkpoint, and /results, /points, /theory are identical
#      to the reference; root attribute tasks_resumed = the tasks in the checkpoint (> 0);
#  (c) the same stopped by the deterministic test trigger NNSIM_STOP_AFTER_TASKS=60 instead of a
#      signal, resumed by 1 process x 2 threads; and --time-limit 0.3 stops with exit 3 too;
#      --resume of a finished output exits 0 saying it is complete;
#  (d) a run without --resume while a checkpoint exists, and --resume with other parameters
#      (--samples, --seed), are refused with exit 2 ("other parameters"), checkpoint untouched;
#  (e) a corrupt (garbage, empty, truncated) checkpoint: --resume exits 2 naming the checkpoint.
# Usage: kill_resume.sh DRIVER SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun h5diff timeout pgrep md5sum
setup_workdir kill_resume

# ~4 s on 2 ranks of an idle 2-core machine (measured; slower under load); one task takes at
# most ~0.4 s. The signal goes out after ~35% of the reference run's wall time (at least 0.8 s,
# at most 3 s; ~1.5 s here), when the run is well under way but far from done.
# shellcheck disable=SC2054  # commas belong to the values
ARGS=(--N 3000,4000 --alpha 0.05:0.3:0.05 --samples 16 --seed 7)
TOTAL_TASKS=$((2 * 6 * 16))

# checkpoint_tasks FILE: number of finished tasks stored in a checkpoint.
checkpoint_tasks() {
  /usr/bin/python3 - "$1" <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(f["task_ids"].shape[0])
EOF
}

# expect_stopped NAME LOG: the run NAME stopped early as it should: exit 3, checkpoint with
# 0 < tasks < total, no output file and no temporaries. Prints the number of tasks checkpointed.
expect_stopped() {
  local name=$1 log=$2 tasks
  if ((RC == 0)); then fail "$name: the run completed before it was interrupted; the workload is too small for this machine"; fi
  expect_rc 3 "$log" "$name: interrupted run"
  [[ -f "$name.h5.checkpoint.h5" ]] || { cat "$log" >&2; fail "$name: exit 3 but no checkpoint $name.h5.checkpoint.h5"; }
  [[ ! -e "$name.h5" ]] || fail "$name: interrupted run wrote the output file $name.h5"
  no_temporaries "$WORK"
  tasks=$(checkpoint_tasks "$name.h5.checkpoint.h5")
  ((tasks > 0 && tasks < TOTAL_TASKS)) ||
    fail "$name: checkpoint holds $tasks of $TOTAL_TASKS tasks; expected an interruption partway"
  echo "$tasks"
}

# expect_resumed NAME LOG TASKS: the resumed run completed and matches the reference.
expect_resumed() {
  local name=$1 log=$2 tasks=$3 resumed
  expect_rc 0 "$log" "$name: --resume"
  [[ -f "$name.h5" ]] || fail "$name: --resume exited 0 but wrote no $name.h5"
  [[ ! -e "$name.h5.checkpoint.h5" ]] || fail "$name: checkpoint still there after a completed --resume"
  no_temporaries "$WORK"
  for obj in /results /points /theory; do h5same "$WORK/ref.h5" "$WORK/$name.h5" "$obj"; done
  resumed=$(h5attr "$name.h5" tasks_resumed)
  ((resumed > 0)) || fail "$name: root attribute tasks_resumed = $resumed, expected > 0"
  [[ "$resumed" == "$tasks" ]] ||
    fail "$name: root attribute tasks_resumed = $resumed, but the checkpoint held $tasks tasks"
}

# ---- (a) reference ------------------------------------------------------------------------
drv ref.log 2 "${ARGS[@]}" --quiet -o "$WORK/ref.h5"
expect_rc 0 ref.log "(a) reference run"
[[ -f ref.h5 ]] || fail "(a) reference run exited 0 but wrote no ref.h5"
SIGNAL_AFTER=$(awk -v t="$SECONDS_TAKEN" 'BEGIN { s = 0.35 * t; printf "%.2f", s < 0.8 ? 0.8 : (s > 3 ? 3 : s) }')
note "(a) reference run on 2 ranks: ${SECONDS_TAKEN}s"

# ---- (b) SIGTERM to the ranks, then --resume ----------------------------------------------
out="$WORK/sig.h5"
timeout 120 mpirun --oversubscribe -n 2 "$DRIVER" "${ARGS[@]}" -o "$out" >sig.log 2>&1 </dev/null &
bg=$!
BG_PIDS+=("$bg")
sleep "$SIGNAL_AFTER"
# The rank processes: command line names our output file, executable is the driver (this
# excludes timeout and mpirun, which also carry the file name on their command lines).
ranks=()
for pid in $(pgrep -f -- "$out" || true); do
  if [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null || true)" == "$DRIVER" ]]; then ranks+=("$pid"); fi
done
if ((${#ranks[@]} != 2)); then
  rc=0
  wait "$bg" || rc=$?
  cat sig.log >&2
  fail "(b) expected 2 running ranks ${SIGNAL_AFTER}s after the start, found ${#ranks[@]} (run exit code $rc):" \
    "the run finished (or died) before the signal; the workload is too small for this machine"
fi
kill -TERM "${ranks[@]}"
RC=0
wait "$bg" || RC=$?
((RC != 124)) || { cat sig.log >&2; fail "(b) the run did not stop within 120 s of its start after SIGTERM"; }
grep -q "SIGTERM" sig.log || { cat sig.log >&2; fail "(b) the driver's messages do not mention the SIGTERM"; }
tasks=$(expect_stopped sig sig.log)
note "(b) SIGTERM to ranks ${ranks[*]} after ${SIGNAL_AFTER}s: exit 3, checkpoint with $tasks/$TOTAL_TASKS tasks"

drv sig-resume.log 2 "${ARGS[@]}" --quiet --resume -o "$out"
expect_resumed sig sig-resume.log "$tasks"
note "(b) --resume on 2 ranks: exit 0 (${SECONDS_TAKEN}s), identical to the reference, tasks_resumed = $tasks"

drv sig-again.log 0 "${ARGS[@]}" --resume -o "$out"
expect_rc 0 sig-again.log "(b) --resume of a finished output"
grep -q "already complete" sig-again.log || { cat sig-again.log >&2; fail "(b) --resume of a finished output does not say it is complete"; }
note "(b) --resume of the finished output: exit 0, '$(grep -o "already complete.*" sig-again.log)'"

# ---- (c) deterministic stop after 60 tasks; --time-limit ----------------------------------
out="$WORK/tl.h5"
NNSIM_STOP_AFTER_TASKS=60 drv tl.log 2 "${ARGS[@]}" --quiet -o "$out"
tasks=$(expect_stopped tl tl.log)
((tasks >= 60)) || fail "(c) NNSIM_STOP_AFTER_TASKS=60 left only $tasks tasks in the checkpoint"
note "(c) NNSIM_STOP_AFTER_TASKS=60: exit 3 after ${SECONDS_TAKEN}s, checkpoint with $tasks/$TOTAL_TASKS tasks"
drv tl2.log 2 "${ARGS[@]}" --time-limit 0.3 -o "$WORK/tl2.h5"
expect_rc 3 tl2.log "(c) --time-limit 0.3"
[[ -f tl2.h5.checkpoint.h5 && ! -e tl2.h5 ]] || fail "(c) --time-limit 0.3: expected a checkpoint and no output"
grep -q "time-limit" tl2.log || { cat tl2.log >&2; fail "(c) --time-limit 0.3: the message does not mention the time limit"; }
note "(c) --time-limit 0.3: exit 3 with a checkpoint"
sum=$(md5sum <tl.h5.checkpoint.h5)
cp tl.h5.checkpoint.h5 saved-checkpoint.h5

# ---- (d) refused: a checkpoint exists but no --resume; --resume with other parameters -------
# (ranks: 2 via mpirun, 0 = without mpirun; a failing mpirun job costs ~2 s of Open MPI teardown)
drv d-noresume.log 0 "${ARGS[@]}" --quiet -o "$out"
expect_rc 2 d-noresume.log "(d) run without --resume while a checkpoint exists"
grep -q -- "--resume" d-noresume.log || { cat d-noresume.log >&2; fail "(d) refusal does not mention --resume"; }
note "(d) run without --resume refused: $(head -n 1 d-noresume.log)"
for changed in "--samples 17 2" "--seed 8 0"; do
  read -r opt val ranks <<<"$changed"
  args=("${ARGS[@]}")
  for i in "${!args[@]}"; do [[ "${args[$i]}" == "$opt" ]] && args[i + 1]=$val; done
  drv d.log "$ranks" "${args[@]}" --quiet --resume -o "$out"
  expect_rc 2 d.log "(d) --resume with $opt $val"
  grep -q "other parameters" d.log || { cat d.log >&2; fail "(d) --resume with $opt $val: message does not mention 'other parameters'"; }
  note "(d) --resume with $opt $val (ranks=$ranks) refused: $(head -n 1 d.log)"
done
[[ "$(md5sum <tl.h5.checkpoint.h5)" == "$sum" ]] || fail "(d) a refused run modified the checkpoint"
[[ ! -e tl.h5 ]] || fail "(d) a refused run wrote the output file"
no_temporaries "$WORK"

# Resume in another layout: 1 process (no mpirun, which would bind it to one core) x 2 threads.
drv tl-resume.log 0 "${ARGS[@]}" --quiet --resume --threads 2 -o "$out"
expect_resumed tl tl-resume.log "$tasks"
note "(c) --resume on 1 rank x 2 threads: exit 0 (${SECONDS_TAKEN}s), identical to the reference"

# ---- (e) corrupt checkpoints ----------------------------------------------------------------
size=$(stat -c %s saved-checkpoint.h5)
head -c 4096 /dev/urandom >garbage.h5.checkpoint.h5
: >empty.h5.checkpoint.h5
head -c $((size / 2)) saved-checkpoint.h5 >truncated.h5.checkpoint.h5
for case in "garbage 2" "empty 0" "truncated 0"; do
  read -r name ranks <<<"$case"
  drv "e-$name.log" "$ranks" "${ARGS[@]}" --quiet --resume -o "$WORK/$name.h5"
  expect_rc 2 "e-$name.log" "(e) --resume from a $name checkpoint"
  grep -q -F "$name.h5.checkpoint.h5" "e-$name.log" ||
    { cat "e-$name.log" >&2; fail "(e) $name checkpoint: the message does not name the checkpoint file"; }
  [[ ! -e "$name.h5" ]] || fail "(e) $name checkpoint: an output file was written"
  note "(e) $name checkpoint (ranks=$ranks) refused: $(head -n 1 "e-$name.log")"
done
no_temporaries "$WORK"

# ---- (f) stochastic dynamics with traces (issue 3): stopped after 10 tasks, then --resume ----
# shellcheck disable=SC2054
DYN=(--experiment order-parameter --N 2000 --alpha 0.05,0.1 --noise 0.3,0.6 --sweeps 1000 --transient 100
     --samples 8 --trace-every 20 --seed 9 --quiet)
drv dyn-ref.log 2 "${DYN[@]}" -o "$WORK/dyn-ref.h5"
expect_rc 0 dyn-ref.log "(f) order-parameter reference run"
limit="NNSIM_STOP_AFTER_TASKS=10"
NNSIM_STOP_AFTER_TASKS=10 drv dyn.log 2 "${DYN[@]}" -o "$WORK/dyn.h5"
expect_rc 3 dyn.log "(f) order-parameter run with $limit"
[[ -f dyn.h5.checkpoint.h5 && ! -e dyn.h5 ]] || fail "(f) expected a checkpoint and no output after the time limit"
tasks=$(checkpoint_tasks dyn.h5.checkpoint.h5)
drv dyn-resume.log 1 "${DYN[@]}" --resume -o "$WORK/dyn.h5"
expect_rc 0 dyn-resume.log "(f) order-parameter --resume"
for obj in /results /points /theory; do h5same "$WORK/dyn-ref.h5" "$WORK/dyn.h5" "$obj"; done
note "(f) order-parameter with traces: $limit left $tasks/32 tasks, resume on 1 rank identical"
no_temporaries "$WORK"

echo "PASS: interrupt (signal, time limit) and resume reproduce the uninterrupted run"
