#!/usr/bin/env bash
# slurm.drivers: one plain MPI job per driver under a real (local, single-node) Slurm cluster,
# submitted with the real job scripts jobs/{hopfield,capacity,digest,rl,sgd}.sbatch and the tiny
# configs of tests/slurm/ (-n 2 each, all five at once). Checks: every job COMPLETED with exit
# code 0; each output is complete, written by its driver on 2 ranks (root attributes program,
# mpi_ranks) and holds the datasets its README section lists; the hopfield job's /points,
# /results, /theory equal those of `mpirun -n 2 nnsim-hopfield` with the same config; a second
# submission of the same job does nothing (exit 0, output unchanged) and sources the site file
# NNSIM_SITE_ENV; and bad input to the job body (NNSIM_ARRAY_SAMPLES=abc, a missing config, a
# missing site file) fails with exit code 2 naming the parameter.
# Measured: 16-17 s on the shared 2-core development machine (load average 9-10).
#
# Usage: drivers.sh BUILD_DIR/apps/nnsim-hopfield SOURCE_DIR   (root; exit 77 = skipped)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
NAME=drivers
source "$SRC/tests/slurm/lib.sh"
slurm_setup
for d in capacity digest rl sgd merge; do
  [[ -x $BUILD/apps/nnsim-$d ]] || fail "$BUILD/apps/nnsim-$d is missing (build every driver)"
done

driver_config hopfield
driver_config capacity
driver_config digest "instances=$SRC/data/double-digest-table-4.1.json"
driver_config rl
driver_config sgd
declare -A JOB_OF
for d in hopfield capacity digest rl sgd; do
  submit -n 2 -t 5 -- "$d.sbatch" "$WORK/$d.ini" "$WORK/out/$d.h5"
  JOB_OF[$d]=$JOB
done
note "submitted one job per driver: $(for d in "${!JOB_OF[@]}"; do printf '%s=%s ' "$d" "${JOB_OF[$d]}"; done)"
# The reference of the hopfield job, while the jobs run.
reference() { # reference NAME CONFIG: mpirun -n 2 nnsim-hopfield -> $WORK/NAME.h5
  DRV_TIMEOUT=120 drv "$WORK/$1.log" 2 --config "$2" -o "$WORK/$1.h5"
  expect_rc 0 "$WORK/$1.log" "reference run $1"
}
reference hopfield-ref "$WORK/hopfield.ini"
wait_gone 180 "${JOB_OF[@]}"
for d in hopfield capacity digest rl sgd; do
  expect_end "${JOB_OF[$d]}" COMPLETED 0:0
  [[ -f $WORK/out/$d.h5 ]] || { show_job "${JOB_OF[$d]}"; fail "job ${JOB_OF[$d]} ($d) completed but wrote no output"; }
  [[ ! -e $WORK/out/$d.h5.checkpoint.h5 ]] || fail "$d: checkpoint left after a completed job"
done
check_h5 out/hopfield.h5 nnsim-hopfield 2 /points/N /points/alpha /points/key /results/one_step_error/mean /theory
check_h5 out/capacity.h5 nnsim-capacity 2 /points/alpha /results/retrieved/mean /capacity/alpha_c /extrapolation
check_h5 out/digest.h5 nnsim-digest 2 /points/key /results/solved/samples /instances/L10000/a_cuts
check_h5 out/rl.h5 nnsim-rl 2 /points/key /results
check_h5 out/sgd.h5 nnsim-sgd 2 /weights /history/epoch /test
for obj in /points /results /theory; do h5same hopfield-ref.h5 out/hopfield.h5 "$obj"; done
no_temporaries "$WORK"
note "5 jobs COMPLETED 0:0; outputs complete, written on 2 ranks; hopfield equal to mpirun -n 2"

# A second submission: nothing to do, the output stays as it is.
# It also sources the site file named by NNSIM_SITE_ENV (jobs/site.env.example).
sum=$(md5sum <out/rl.h5)
echo "if [ -n \"\${SLURM_JOB_ID:-}\" ]; then echo \"\$SLURM_JOB_ID\" >\"$WORK/site-sourced\"; fi" >"$WORK/site.env"
NNSIM_SITE_ENV=$WORK/site.env submit -n 2 -- rl.sbatch "$WORK/rl.ini" "$WORK/out/rl.h5"
again=$JOB
NNSIM_SITE_ENV=$WORK/no-such.env submit -n 1 -- rl.sbatch "$WORK/rl.ini" "$WORK/bad.h5"
bad_site=$JOB
# Bad input to the job body: exit 2 with a message naming the parameter.
NNSIM_ARRAY_SAMPLES=abc submit -n 1 --array=0 -o "$WORK/job-%A_%a.log" -- rl.sbatch "$WORK/rl.ini" "$WORK/bad.h5"
bad_array=$JOB
submit -n 1 -- rl.sbatch "$WORK/missing.ini" "$WORK/bad.h5"
bad_config=$JOB
wait_gone 60 "$again" "$bad_array" "$bad_config" "$bad_site"
expect_end "$again" COMPLETED 0:0
log_has "$WORK/job-$again.log" 'exists already; nothing to do' "a second submission should do nothing"
[[ $(md5sum <out/rl.h5) == "$sum" ]] || fail "a second submission changed out/rl.h5"
[[ $(cat "$WORK/site-sourced" 2>/dev/null) == "$again" ]] || fail "job $again did not source NNSIM_SITE_ENV"
expect_end "${bad_array}_0" FAILED 2:0
log_has "$WORK/job-${bad_array}_0.log" 'NNSIM_ARRAY_SAMPLES must be a positive integer' "NNSIM_ARRAY_SAMPLES=abc"
expect_end "$bad_config" FAILED 2:0
log_has "$WORK/job-$bad_config.log" "config: no file '$WORK/missing.ini'" "a missing config"
expect_end "$bad_site" FAILED 2:0
log_has "$WORK/job-$bad_site.log" "NNSIM_SITE_ENV: no file '$WORK/no-such.env'" "a missing site file"
[[ ! -e $WORK/bad.h5 ]] || fail "a refused job wrote bad.h5"
note "second submission did nothing and sourced the site file; NNSIM_ARRAY_SAMPLES=abc, a missing config, a missing site file: exit 2"
note "PASS (drivers) in $((SECONDS - T_START)) s"
