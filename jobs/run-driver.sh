# shellcheck shell=bash
# shellcheck disable=SC2154  # root, program, config, output: set by the sourcing script
# The body of the driver jobs in jobs/ (hopfield, capacity, digest, rl, sgd .sbatch), sourced by
# them after they have set
#   root     the repository (build/ is $NNSIM_BUILD_DIR or $root/build)
#   program  the driver: nnsim-hopfield, nnsim-capacity, nnsim-digest, nnsim-rl, nnsim-sgd
#   config   the config file, output  the HDF5 output
# It sources the site file ($NNSIM_SITE_ENV, else jobs/site.env if it exists: module loads and
# the like; jobs/site.env.example), runs the driver under srun with --config, --output and
# --threads (= --cpus-per-task), resumes from <output>.checkpoint.h5 when there is one, does
# nothing when the output exists, and requeues the job when the driver stopped with a checkpoint
# (exit code 3) at the warning signal of the time limit. See the header of hopfield.sbatch for
# the time-limit details and jobs/README.md for everything.
#
# Job arrays: with NNSIM_ARRAY_SAMPLES=B (sbatch --array=0-3 --export=ALL,NNSIM_ARRAY_SAMPLES=B)
# array task i computes samples i*B .. i*B+B-1 of every point (--first-sample i*B --samples B,
# overriding the config) into <output without .h5>.part-<i, 4 digits>.h5; jobs/merge.sbatch
# then pools the parts into <output>, identical to one run with --samples (number of tasks)*B.
# With NNSIM_ARRAY_POINTS=B instead, array task i computes block i of B points of the sweep
# into the same part file: for nnsim-capacity the sizes i*B .. i*B+B-1 of its --N list
# (--size-block i:B; sbatch --array=0-K with K = ceil(sizes/B) - 1); jobs/merge.sbatch pools
# them into the file of one run over every size. Other drivers have no point blocks yet (exit 2).
# Written for bash 4.2 and later (no "${empty[@]}" under set -u).
build=${NNSIM_BUILD_DIR:-$root/build}
driver=$build/apps/$program

site=${NNSIM_SITE_ENV:-}
if [ -z "$site" ] && [ -f "$root/jobs/site.env" ]; then site=$root/jobs/site.env; fi
if [ -n "$site" ]; then
  if [ ! -f "$site" ]; then
    echo "[job] error: NNSIM_SITE_ENV: no file '$site'" >&2
    exit 2
  fi
  # shellcheck source=/dev/null
  source "$site" || {
    echo "[job] error: sourcing the site file '$site' failed" >&2
    exit 2
  }
fi

extra=()
if [ -n "${NNSIM_ARRAY_SAMPLES:-}" ]; then
  case $NNSIM_ARRAY_SAMPLES in
    *[!0-9]* | 0*)
      echo "[job] error: NNSIM_ARRAY_SAMPLES must be a positive integer (samples per array task), got '$NNSIM_ARRAY_SAMPLES'" >&2
      exit 2
      ;;
  esac
  if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
    echo "[job] error: NNSIM_ARRAY_SAMPLES is set but this is no array job (submit with sbatch --array=0-N)" >&2
    exit 2
  fi
  first=$((SLURM_ARRAY_TASK_ID * NNSIM_ARRAY_SAMPLES))
  output=${output%.h5}.part-$(printf '%04d' "$SLURM_ARRAY_TASK_ID").h5
  extra=(--samples "$NNSIM_ARRAY_SAMPLES" --first-sample "$first")
  echo "[job] array task $SLURM_ARRAY_TASK_ID of job ${SLURM_ARRAY_JOB_ID:-?}: samples $first .. $((first + NNSIM_ARRAY_SAMPLES - 1))"
fi

if [ -n "${NNSIM_ARRAY_POINTS:-}" ]; then
  case $NNSIM_ARRAY_POINTS in
    *[!0-9]* | 0*)
      echo "[job] error: NNSIM_ARRAY_POINTS must be a positive integer (points per array task), got '$NNSIM_ARRAY_POINTS'" >&2
      exit 2
      ;;
  esac
  if [ -n "${NNSIM_ARRAY_SAMPLES:-}" ]; then
    echo "[job] error: NNSIM_ARRAY_POINTS and NNSIM_ARRAY_SAMPLES are both set; an array splits either points or samples" >&2
    exit 2
  fi
  if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
    echo "[job] error: NNSIM_ARRAY_POINTS is set but this is no array job (submit with sbatch --array=0-N)" >&2
    exit 2
  fi
  case $program in
    nnsim-capacity) option=--size-block ;;
    *)
      echo "[job] error: NNSIM_ARRAY_POINTS: $program has no point blocks (nnsim-capacity has); use NNSIM_ARRAY_SAMPLES" >&2
      exit 2
      ;;
  esac
  block=$SLURM_ARRAY_TASK_ID:$NNSIM_ARRAY_POINTS
  extra=("$option" "$block")
  output=${output%.h5}.part-$(printf '%04d' "$SLURM_ARRAY_TASK_ID").h5
  echo "[job] array task $SLURM_ARRAY_TASK_ID of job ${SLURM_ARRAY_JOB_ID:-?}: point block $SLURM_ARRAY_TASK_ID, $NNSIM_ARRAY_POINTS point(s) per task ($option $block)"
fi

echo "[job] $(date '+%F %T') job ${SLURM_JOB_ID:-none} (restart ${SLURM_RESTART_COUNT:-0})" \
  "on ${SLURM_JOB_NODELIST:-$(hostname)}: ${SLURM_NTASKS:-?} rank(s); $config -> $output"
if [ ! -x "$driver" ]; then
  echo "[job] error: no driver $driver; build first (scripts/setup), or set NNSIM_BUILD_DIR" >&2
  exit 2
fi
if [ ! -f "$config" ]; then
  echo "[job] error: config: no file '$config'" >&2
  exit 2
fi
mkdir -p "$(dirname "$output")"

resume=()
if [ -f "$output.checkpoint.h5" ]; then
  echo "[job] checkpoint found, resuming: $output.checkpoint.h5"
  resume=(--resume)
elif [ -f "$output" ]; then
  echo "[job] $output exists already; nothing to do (delete it to recompute)"
  exit 0
fi

export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
# Oversubscribed or shared nodes: let idle ranks yield the core.
export OMPI_MCA_mpi_yield_when_idle=1
# srun starts the ranks directly (PMIx), so Open MPI's refusal to run as root (an mpirun
# check) does not apply here.
srun --mpi=pmix "$driver" --config "$config" --output "$output" \
  --threads "$OMP_NUM_THREADS" ${extra[@]+"${extra[@]}"} ${resume[@]+"${resume[@]}"}
rc=$?

if [ "$rc" -eq 3 ] && [ "${NNSIM_REQUEUE:-1}" = 1 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
  echo "[job] $(date '+%F %T') stopped with a checkpoint; requeueing job $SLURM_JOB_ID"
  # Requeueing ends this script (Slurm cancels the running job); it goes on only on failure.
  scontrol requeue "$SLURM_JOB_ID" ||
    echo "[job] error: scontrol requeue failed; submit the same command again to resume" >&2
elif [ "$rc" -eq 3 ]; then
  echo "[job] stopped with a checkpoint; submit the same command again to resume"
fi
exit "$rc"
