# shellcheck shell=bash
# The body of the sbatch scripts in jobs/ (hopfield.sbatch, capacity.sbatch), sourced by them
# after they have set
#   root     the repository (build/ is $NNSIM_BUILD_DIR or $root/build)
#   program  the driver: nnsim-hopfield, nnsim-capacity
#   config   the config file, output  the HDF5 output
# It runs the driver under srun with --config, --output and --threads (= --cpus-per-task),
# resumes from <output>.checkpoint.h5 when there is one, does nothing when the output exists,
# and requeues the job when the driver stopped with a checkpoint (exit code 3) at the warning
# signal of the time limit. See the header of hopfield.sbatch for the time-limit details.
build=${NNSIM_BUILD_DIR:-$root/build}
driver=$build/apps/$program

echo "[job] $(date '+%F %T') job ${SLURM_JOB_ID:-none} (restart ${SLURM_RESTART_COUNT:-0})" \
  "on ${SLURM_JOB_NODELIST:-$(hostname)}: ${SLURM_NTASKS:-?} rank(s); $config -> $output"
if [ ! -x "$driver" ]; then
  echo "[job] error: no driver $driver; build first (scripts/setup), or set NNSIM_BUILD_DIR" >&2
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
  --threads "$OMP_NUM_THREADS" ${resume[@]+"${resume[@]}"}
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
