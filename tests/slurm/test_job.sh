#!/usr/bin/env bash
# jobs/hopfield.sbatch under a real (local, single-node) Slurm cluster.
#
#   basic:   (a) `sbatch -n 2 jobs/hopfield.sbatch CONFIG OUT` completes (exit 0) and OUT's
#            /results, /points, /theory equal those of `mpirun -n 2 nnsim-hopfield`;
#            (b) the same submission again does nothing (exit 0, OUT untouched);
#            (c) with NNSIM_REQUEUE=0, SIGUSR1 sent to the running job (scancel --signal)
#            ends it with exit code 3, a checkpoint and no requeue; submitting the same
#            command again resumes and matches an uninterrupted run.
#   requeue: the time-limit path: `sbatch -t 1 --signal=USR1@25` with ~45 s of work. Slurm
#            checks every 30 s and sends the signal at the first check that is at most 30 s
#            before the time asked for (measured), so here 5-35 s after the start, late
#            enough for srun to have started the ranks; the run stops with exit 3 and a
#            checkpoint, the job requeues itself,
#            and the requeued run (its time limit raised by the test so that it is not
#            stopped again) resumes and matches an uninterrupted run. Takes ~2 minutes.
#
# Uses the local cluster of scripts/slurm-local (${NNSIM_SLURM_DIR:-/tmp/nnsim-slurm}); if it
# is not running the test starts it (needs root) and stops it again at the end.
# Usage: test_job.sh DRIVER SOURCE_DIR [basic|requeue]
#   e.g. bash tests/slurm/test_job.sh build/apps/nnsim-hopfield . basic
# The job runs DRIVER: the batch script is pointed at its build dir (NNSIM_BUILD_DIR), so
# DRIVER must be BUILD_DIR/apps/nnsim-hopfield.
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
MODE=${3:-basic}
# fail, note, require_tools, setup_workdir, drv, expect_rc, h5same, no_temporaries
source "$SRC/tests/mpi/lib.sh"
[[ $MODE == basic || $MODE == requeue ]] || fail "unknown mode '$MODE' (basic or requeue)"
require_tools mpirun h5diff timeout md5sum
[[ $DRIVER == */apps/nnsim-hopfield ]] || fail "driver '$DRIVER' is not BUILD_DIR/apps/nnsim-hopfield"
export NNSIM_BUILD_DIR=${DRIVER%/apps/nnsim-hopfield}
export NNSIM_ROOT=$SRC
# The reference runs use mpirun, which refuses root unless told (ctest sets these too).
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMP_NUM_THREADS=1

SLURM_LOCAL=$SRC/scripts/slurm-local
export NNSIM_SLURM_DIR=${NNSIM_SLURM_DIR:-/tmp/nnsim-slurm}
export SLURM_CONF=$NNSIM_SLURM_DIR/slurm.conf
STARTED_CLUSTER=0
JOBS=()

setup_workdir "slurm-$MODE"
chmod 0755 "$WORK"

# On exit: cancel this test's jobs, stop the cluster if this test started it, then lib.sh's
# cleanup (background processes, $WORK).
slurm_cleanup() {
  local rc=$? keep
  if ((${#JOBS[@]} > 0)); then scancel "${JOBS[@]}" 2>/dev/null || true; fi
  if ((rc != 0 && rc != 77)) || [[ -n ${NNSIM_TEST_KEEP:-} ]]; then
    keep=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-slurm-$MODE-logs.XXXXXX")
    cp "$WORK"/*.log "$WORK"/*.ini "$keep"/ 2>/dev/null || true
    echo "-- job logs and configs kept in $keep" >&2
  fi
  if ((STARTED_CLUSTER)); then "$SLURM_LOCAL" stop >/dev/null 2>&1 || true; fi
  cleanup
  exit "$rc"
}
trap slurm_cleanup EXIT

if "$SLURM_LOCAL" status >/dev/null 2>&1; then
  note "using the running local cluster ($SLURM_CONF)"
else
  if [[ $(id -u) != 0 ]]; then
    echo "SKIP: no local Slurm cluster running and not root (scripts/slurm-local start needs root)"
    exit 77
  fi
  note "starting a local cluster: scripts/slurm-local start"
  "$SLURM_LOCAL" start >"$WORK/slurm-local.log" 2>&1 || {
    cat "$WORK/slurm-local.log" >&2
    fail "scripts/slurm-local start failed"
  }
  STARTED_CLUSTER=1
fi
require_tools sbatch squeue scontrol scancel

# write_config FILE SAMPLES N...: a one-step config.
write_config() {
  cat >"$1" <<EOF
experiment = one-step
N = $3
alpha = 0.05:0.3:0.05
samples = $2
seed = 2026
EOF
}

# submit SBATCH_OPTIONS... -- CONFIG OUTPUT: submit the job script; sets JOB (id) and JOBLOG.
submit() {
  local opts=()
  while [[ $1 != -- ]]; do opts+=("$1"); shift; done
  shift
  JOB=$(sbatch --parsable -D "$WORK" -o "$WORK/job-%j.log" "${opts[@]}" \
    "$SRC/jobs/hopfield.sbatch" "$@") || fail "sbatch failed: ${opts[*]} $*"
  JOB=${JOB%%;*}
  JOBS+=("$JOB")
  JOBLOG=$WORK/job-$JOB.log
  SUBMITTED=$(date +%s)
}

# field JOB NAME: one field of `scontrol show job` (e.g. JobState, ExitCode, Restarts).
field() {
  { scontrol show job "$1" 2>/dev/null || true; } | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# show_job JOB: the job's record and log, for failure messages.
show_job() {
  echo "---- scontrol show job $1" >&2
  scontrol show job "$1" >&2 || true
  echo "---- $WORK/job-$1.log" >&2
  cat "$WORK/job-$1.log" >&2 2>/dev/null || true
  echo "----" >&2
}

# wait_gone JOB SECONDS: wait until the job has left the queue (completed, failed, ...).
wait_gone() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    [[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]] && return 0
    sleep 0.2
  done
  show_job "$1"
  fail "job $1 still queued or running after $2 s"
}

# expect_end JOB STATE EXITCODE: the finished job's state and exit code (e.g. COMPLETED 0:0).
expect_end() {
  local state code
  state=$(field "$1" JobState)
  code=$(field "$1" ExitCode)
  if [[ $state != "$2" || $code != "$3" ]]; then
    show_job "$1"
    fail "job $1 ended $state with exit code $code; expected $2 with $3"
  fi
}

# log_has JOB PATTERN WHAT: the job's log matches PATTERN (grep -E).
log_has() {
  grep -qE -- "$2" "$WORK/job-$1.log" || {
    show_job "$1"
    fail "job $1: $3 (no '$2' in its log)"
  }
}

# epoch "YYYY-MM-DD HH:MM:SS" or Slurm's "YYYY-MM-DDTHH:MM:SS".
epoch() { date -d "${1/T/ }" +%s; }

# log_time JOB PATTERN: epoch of the time stamp (YYYY-MM-DD HH:MM:SS) in the first line of the
# job's log that matches PATTERN.
log_time() {
  local stamp
  stamp=$(grep -m1 -E -- "$2" "$WORK/job-$1.log" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}' | head -n 1) || true
  [[ -n $stamp ]] || fail "job $1: no time-stamped line '$2' in its log"
  epoch "$stamp"
}

reference() { # reference NAME CONFIG: uninterrupted mpirun run on 2 ranks -> NAME.h5
  DRV_TIMEOUT=300 drv "$WORK/$1.log" 2 --config "$2" -o "$WORK/$1.h5"
  expect_rc 0 "$WORK/$1.log" "reference run $1"
}

same_results() { # same_results REF OUT
  local obj
  for obj in /results /points /theory; do h5same "$1" "$2" "$obj"; done
}

if [[ $MODE == basic ]]; then
  # (a) a small job; the same config under mpirun is the reference.
  write_config small.ini 20 300,600
  reference ref small.ini
  submit -n 2 -- "$WORK/small.ini" "$WORK/out.h5"
  wait_gone "$JOB" 120
  expect_end "$JOB" COMPLETED 0:0
  start=$(epoch "$(field "$JOB" StartTime)")
  end=$(epoch "$(field "$JOB" EndTime)")
  note "(a) job $JOB: started $((start - SUBMITTED)) s after sbatch, ran $((end - start)) s, COMPLETED 0:0"
  [[ -f out.h5 ]] || { show_job "$JOB"; fail "job $JOB completed but wrote no out.h5"; }
  same_results ref.h5 out.h5
  no_temporaries "$WORK"
  note "(a) /results, /points, /theory identical to mpirun -n 2"

  # (b) submitting again: nothing to do, the output stays as it is.
  sum=$(md5sum <out.h5)
  submit -n 2 -- "$WORK/small.ini" "$WORK/out.h5"
  wait_gone "$JOB" 120
  expect_end "$JOB" COMPLETED 0:0
  log_has "$JOB" 'exists already; nothing to do' "a second submission should do nothing"
  [[ $(md5sum <out.h5) == "$sum" ]] || fail "a second submission changed out.h5"
  note "(b) second submission: nothing to do, out.h5 unchanged"

  # (c) stopped by SIGUSR1 with requeueing off, resumed by submitting again. ~10 s of work on
  # 2 ranks of an idle 2-core machine (N = 3000, 4000 as in tests/mpi/kill_resume.sh).
  write_config mid.ini 48 3000,4000
  reference midref mid.ini
  note "(c) reference: ${SECONDS_TAKEN} s on 2 ranks"
  NNSIM_REQUEUE=0 submit -n 2 -- "$WORK/mid.ini" "$WORK/mid.h5"
  for ((i = 0; i < 300; i++)); do # the ranks have started (banner printed): up to 60 s
    grep -q 'nnsim-hopfield one-step:' "$JOBLOG" 2>/dev/null && break
    sleep 0.2
  done
  sleep 2
  [[ $(field "$JOB" JobState) == RUNNING ]] || { show_job "$JOB"; fail "job $JOB is not running 2 s after its start"; }
  scancel --signal=USR1 "$JOB" || fail "scancel --signal=USR1 $JOB failed"
  wait_gone "$JOB" 120
  if [[ $(field "$JOB" JobState) == COMPLETED ]]; then
    show_job "$JOB"
    fail "job $JOB completed before SIGUSR1 stopped it; the workload is too small for this machine"
  fi
  expect_end "$JOB" FAILED 3:0
  log_has "$JOB" 'received SIGUSR1' "the ranks should have received SIGUSR1"
  if grep -q 'requeueing' "$JOBLOG"; then show_job "$JOB"; fail "job $JOB requeued itself although NNSIM_REQUEUE=0"; fi
  [[ $(field "$JOB" Restarts) == 0 ]] || fail "job $JOB was restarted although NNSIM_REQUEUE=0"
  [[ -f mid.h5.checkpoint.h5 && ! -e mid.h5 ]] || { show_job "$JOB"; fail "job $JOB: expected a checkpoint and no output"; }
  note "(c) job $JOB: SIGUSR1 -> FAILED with exit code 3, checkpoint written, not requeued"
  NNSIM_REQUEUE=0 submit -n 2 -- "$WORK/mid.ini" "$WORK/mid.h5"
  wait_gone "$JOB" 300
  expect_end "$JOB" COMPLETED 0:0
  log_has "$JOB" 'checkpoint found, resuming' "the resubmitted job should resume"
  [[ ! -e mid.h5.checkpoint.h5 ]] || fail "checkpoint left after the resumed job completed"
  same_results midref.h5 mid.h5
  no_temporaries "$WORK"
  note "(c) resubmitted job $JOB resumed and matches the uninterrupted run"
  note "PASS (basic)"
  exit 0
fi

# ---- requeue: the time-limit path ----
# ~45 s of work on 2 ranks of an idle 2-core machine (measured 47 s): longer than the latest
# signal (35 s after the start) even without the reference run beside it.
write_config long.ini "${NNSIM_TEST_SLURM_SAMPLES:-220}" 3000,4000
limit=60 warn=25
submit -n 2 -t 1 "--signal=USR1@$warn" -- "$WORK/long.ini" "$WORK/long.h5"
note "job $JOB: -t 1 --signal=USR1@$warn (SIGUSR1 asked for $((limit - warn)) s after the start)"
# The uninterrupted reference runs alongside (2 more ranks on the same cores): it fills the
# requeue wait, and it only slows the job down, which makes the interruption more certain.
reference_log=$WORK/longref.log
(DRV_TIMEOUT=400 drv "$reference_log" 2 --config "$WORK/long.ini" -o "$WORK/longref.h5"; echo "$RC $SECONDS_TAKEN" >"$WORK/longref.rc") &
BG_PIDS+=($!)
# Wait for the first requeue (Restarts=1) or the end of the job.
for ((i = 0; i < 5 * 150; i++)); do
  [[ $(field "$JOB" Restarts) == 1 ]] && break
  [[ -z $(squeue -h -j "$JOB" -o %i 2>/dev/null) ]] && break
  sleep 0.2
done
state=$(field "$JOB" JobState)
if [[ $(field "$JOB" Restarts) != 1 ]]; then
  show_job "$JOB"
  case $state in
    COMPLETED) fail "job $JOB completed before the signal; the workload is too small for this machine" ;;
    TIMEOUT) fail "job $JOB hit its time limit: SIGUSR1 never reached the ranks" ;;
    *) fail "job $JOB was not requeued within 150 s (state $state)" ;;
  esac
fi
# Let the requeued run finish without another signal.
scontrol update JobId="$JOB" TimeLimit=10 || fail "scontrol update JobId=$JOB TimeLimit=10 failed"
wait_gone "$JOB" 400
wait "${BG_PIDS[-1]}" || true
[[ -f $WORK/longref.rc ]] || fail "the reference run failed"
read -r RC SECONDS_TAKEN <"$WORK/longref.rc"
expect_rc 0 "$reference_log" "reference run"
expect_end "$JOB" COMPLETED 0:0
[[ $(field "$JOB" Restarts) == 1 ]] || { show_job "$JOB"; fail "job $JOB restarted more than once"; }
log_has "$JOB" 'received SIGUSR1' "the ranks should have received SIGUSR1 before the time limit"
log_has "$JOB" 'stopped early \(received SIGUSR1\)' "the run should have stopped with a checkpoint"
log_has "$JOB" 'Exited with exit code 3' "srun should report exit code 3"
log_has "$JOB" 'requeueing job' "the job should have requeued itself"
log_has "$JOB" 'restart 1\)' "the job should have started a second time"
log_has "$JOB" 'checkpoint found, resuming' "the requeued job should resume"
[[ -f long.h5 && ! -e long.h5.checkpoint.h5 ]] || fail "expected long.h5 and no checkpoint left"
same_results longref.h5 long.h5
no_temporaries "$WORK"

# Timings (whole seconds, from the job log and Slurm's records).
start0=$(log_time "$JOB" 'restart 0\)')
signal=$(log_time "$JOB" 'received SIGUSR1')
stopped=$(log_time "$JOB" 'requeueing job')
start1=$(log_time "$JOB" 'restart 1\)')
end=$(epoch "$(field "$JOB" EndTime)")
note "job $JOB: started $((start0 - SUBMITTED)) s after sbatch; SIGUSR1 $((signal - start0)) s after the start" \
  "(asked for $((limit - warn)) s); requeued $((stopped - start0)) s after the start;" \
  "restarted $((start1 - stopped)) s later; done $((end - SUBMITTED)) s after sbatch" \
  "(reference: ${SECONDS_TAKEN} s, run alongside the job)"
note "requeued job resumed; /results, /points, /theory identical to the uninterrupted run"
note "PASS (requeue)"
