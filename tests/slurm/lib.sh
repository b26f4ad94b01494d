# shellcheck shell=bash
# Shared helpers of the Slurm tests in this folder (drivers.sh, array.sh, requeue.sh; sourced,
# not a test itself). The caller sets DRIVER (BUILD_DIR/apps/nnsim-hopfield), SRC (source dir)
# and NAME, then calls slurm_setup.
#
# slurm_setup: a private work dir ($WORK), then a single-node cluster started from scratch with
# scripts/slurm-local in its own scratch folder ($NNSIM_TEST_SLURM_DIR, default
# /tmp/nnsim-slurm-test; 10 CPUs declared, so that one job per driver runs at once; they share
# the real cores). On exit, also when a check fails or ctest's timeout kills the test: cancel the
# test's jobs, stop every daemon the test started (scripts/slurm-local stop), keep the job logs
# of a failed run, remove $WORK.
# Exit code 77 (reported as skipped by CTest, SKIP_RETURN_CODE) when Slurm cannot be had: not
# root, or the packages are missing and cannot be installed.

# fail, note, require_tools, drv, expect_rc, h5same, no_temporaries, cleanup
source "$SRC/tests/mpi/lib.sh"

BUILD=${DRIVER%/apps/nnsim-hopfield}
export NNSIM_BUILD_DIR=$BUILD
export NNSIM_ROOT=$SRC
export NNSIM_SLURM_DIR=${NNSIM_TEST_SLURM_DIR:-/tmp/nnsim-slurm-test}
export SLURM_CONF=$NNSIM_SLURM_DIR/slurm.conf
export NNSIM_SLURM_CPUS=10
export OMP_NUM_THREADS=1
# The reference runs use mpirun, which refuses root unless told (ctest sets these too).
if [[ $(id -u) == 0 ]]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
SLURM_LOCAL=$SRC/scripts/slurm-local
PY=/usr/bin/python3
STARTED_CLUSTER=0
JOBS=()
T_START=$SECONDS

slurm_cleanup() {
  local rc=$? keep
  trap - EXIT TERM INT
  if ((${#JOBS[@]} > 0)); then scancel "${JOBS[@]}" 2>/dev/null || true; fi
  if ((rc != 0 && rc != 77)) || [[ -n ${NNSIM_TEST_KEEP:-} ]]; then
    # shellcheck disable=SC2153  # NAME: set by the test before sourcing this file
    keep=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-slurm-$NAME-logs.XXXXXX")
    cp "$WORK"/*.log "$WORK"/*.ini "$keep"/ 2>/dev/null || true
    cp -r "$NNSIM_SLURM_DIR/log" "$keep/cluster-log" 2>/dev/null || true
    echo "-- job logs, configs and the cluster's logs kept in $keep" >&2
  fi
  if ((STARTED_CLUSTER)); then
    "$SLURM_LOCAL" stop >"$WORK/slurm-local-stop.log" 2>&1 || {
      cat "$WORK/slurm-local-stop.log" >&2
      echo "FAIL: scripts/slurm-local stop failed" >&2
      rc=1
    }
  fi
  cleanup
  exit "$rc"
}

skip() {
  echo "SKIP: $*"
  exit 77
}

slurm_setup() {
  [[ -x $DRIVER && $DRIVER == */apps/nnsim-hopfield ]] || fail "driver '$DRIVER' is not BUILD_DIR/apps/nnsim-hopfield"
  setup_workdir "slurm-$NAME"
  chmod 0755 "$WORK"
  trap slurm_cleanup EXIT
  trap 'exit 143' TERM INT
  require_tools mpirun h5diff timeout md5sum
  [[ -x $PY ]] || fail "Debian's $PY is missing (scripts/setup installs it)"
  [[ $(id -u) == 0 ]] || skip "the Slurm tests start a local cluster (munged, slurmctld, slurmd as root) and need root"
  if pid=$(pgrep -x slurmctld); then
    [[ -f $NNSIM_SLURM_DIR/slurmctld.pid && $(cat "$NNSIM_SLURM_DIR/slurmctld.pid") == "$pid" ]] ||
      fail "another slurmctld is running (pid $pid), not this test's; stop it first (scripts/slurm-local stop)"
  fi
  # From scratch: a cluster left over in the test's folder (a killed earlier run) is stopped,
  # its state removed.
  "$SLURM_LOCAL" stop >/dev/null 2>&1 || true
  rm -rf -- "$NNSIM_SLURM_DIR"
  STARTED_CLUSTER=1
  note "starting a local cluster from scratch: scripts/slurm-local start ($NNSIM_SLURM_DIR)"
  if ! "$SLURM_LOCAL" start >"$WORK/slurm-local.log" 2>&1; then
    if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munge >/dev/null; then
      tail -n 20 "$WORK/slurm-local.log"
      skip "Slurm is not installed and scripts/slurm-local could not install it (no package access?); log above"
    fi
    cat "$WORK/slurm-local.log" >&2
    fail "scripts/slurm-local start failed"
  fi
  require_tools sbatch squeue scontrol scancel
  note "cluster up after $((SECONDS - T_START)) s"
}

# submit SBATCH_OPTIONS... -- SCRIPT ARGS...: submit a job script of jobs/; sets JOB (id).
# The log goes to $WORK/job-<id>.log (array tasks: job-<array id>_<task>.log).
submit() {
  local opts=()
  while [[ $1 != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  local script=$1
  shift
  JOB=$(sbatch --parsable -D "$WORK" -o "$WORK/job-%j.log" "${opts[@]}" "$SRC/jobs/$script" "$@") ||
    fail "sbatch failed: ${opts[*]} jobs/$script $*"
  JOB=${JOB%%;*}
  JOBS+=("$JOB")
}

# field JOB NAME: one field of `scontrol show job` (e.g. JobState, ExitCode, Restarts).
field() {
  { scontrol show job "$1" 2>/dev/null || true; } | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# show_job JOB: the job's record and log, for failure messages.
show_job() {
  local f
  echo "---- scontrol show job $1" >&2
  scontrol show job "$1" >&2 || true
  for f in "$WORK/job-$1.log" "$WORK/job-$1"_*.log; do
    [[ -f $f ]] || continue
    echo "---- $f" >&2
    cat "$f" >&2
  done
  echo "----" >&2
}

# wait_gone SECONDS JOB...: wait until the jobs have left the queue (completed, failed, ...).
wait_gone() {
  local seconds=$1 i j left
  shift
  for ((i = 0; i < seconds * 5; i++)); do
    left=
    for j in "$@"; do
      [[ -n $(squeue -h -j "$j" -o %i 2>/dev/null) ]] && left="$left $j"
    done
    [[ -z $left ]] && return 0
    sleep 0.2
  done
  for j in $left; do show_job "$j"; done
  fail "job(s)$left still queued or running after $seconds s"
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

# log_has LOGFILE PATTERN WHAT: the job log matches PATTERN (grep -E).
log_has() {
  grep -qE -- "$2" "$1" || {
    echo "---- $1" >&2
    cat "$1" >&2
    fail "$3 (no '$2' in $(basename "$1"))"
  }
}

# check_h5 FILE PROGRAM RANKS PATH...: FILE is a complete output of PROGRAM run on RANKS ranks
# (root attributes program, mpi_ranks) holding every PATH (group or dataset, non-empty).
check_h5() {
  "$PY" "$SRC/tests/slurm/check_h5.py" "$@" || fail "$(basename "$1"): not the expected output (above)"
}

# driver_config NAME [KEY=VALUE...]: $WORK/NAME.ini including tests/slurm/NAME.ini, plus lines.
driver_config() {
  local name=$1
  shift
  {
    echo "config = $SRC/tests/slurm/${name%%-*}.ini"
    local kv
    for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
  } >"$WORK/$name.ini"
}
