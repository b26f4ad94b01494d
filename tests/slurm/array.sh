#!/usr/bin/env bash
# slurm.array: sweeps as job arrays with a dependency chain simulate -> merge -> plot, under a
# real (local, single-node) Slurm cluster, with the real job scripts:
#   NNSIM_ARRAY_SAMPLES=B sbatch --array=0-K jobs/<driver>.sbatch CONFIG OUT.h5   (task i: samples
#       i*B .. i*B+B-1 -> OUT.part-000i.h5)
#   sbatch --dependency=afterok:<array> jobs/merge.sbatch OUT.h5                  (nnsim-merge)
#   sbatch --dependency=afterok:<merge> jobs/plot.sbatch OUT.h5                   (analysis/plot_*.py)
# for nnsim-hopfield (3 tasks of 10 samples) and nnsim-rl (2 tasks of 20 learners, --epsilon 1,0.1
# in the command line's order), both chains simulate -> merge -> plot at once. Checks: every job COMPLETED 0:0, each task computed its own samples, the merge (and
# plot) jobs started only after the jobs they depend on had ended, the merged hopfield file's
# /points, /results, /theory are identical (h5diff) to those of one mpirun run over all the
# samples and the plot job wrote its PNG; the merged rl file's /points and every dataset of its
# /results (episode axis and theory included) equal the single run's. Then an array that fails
# (a missing config: exit 2) leaves its merge job never run (DependencyNeverSatisfied, cancelled
# with --kill-on-invalid-dep).
# The same chain for nnsim-sgd --ensemble (2 tasks of 2 trainings; its measured seconds aside),
# and for nnsim-digest with --exact (2 tasks of 3 runs on L10000): the merged file's /points,
# /results (the variable-length records included) and /instances (maps, counts, success rates,
# the exact enumeration, recomputed by nnsim-merge) equal one run's but for the measured seconds.
# And for nnsim-capacity in blocks of sizes (NNSIM_ARRAY_POINTS=2: --N 64,128,256 in 2 tasks,
# --size-block 0:2 and 1:2): the merged file equals one run over the three sizes in every
# dataset of /points, /results, /capacity, /extrapolation, /scaling and /rounds.
# Measured: 20 s on the shared 2-core development machine (load average 9-10); 18 s with the
# digest chain, 18 s with the capacity chain (ctest, 2026-12-03, load average 5).
#
# Usage: array.sh BUILD_DIR/apps/nnsim-hopfield SOURCE_DIR   (root; exit 77 = skipped)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
NAME=array
source "$SRC/tests/slurm/lib.sh"
slurm_setup
for d in rl sgd digest capacity merge; do
  [[ -x $BUILD/apps/nnsim-$d ]] || fail "$BUILD/apps/nnsim-$d is missing (build every driver)"
done

driver_config hopfield
# not ascending: nnsim-rl keeps the order of the list, and so must the merge
driver_config rl epsilon=1,0.1
# nnsim-sgd --ensemble: 4 independent trainings on the first 2000 images, in 2 blocks
driver_config sgd-ens ensemble=true
# nnsim-digest: 6 runs on L10000 with the exact enumeration, in 2 blocks
driver_config digest "instances=$SRC/data/double-digest-table-4.1.json" exact=true continue-after-solution=true
# nnsim-capacity: 3 sizes N <= 256 in blocks of 2 (the last block holds one)
driver_config capacity-blocks N=64,128,256
# name tasks samples-per-task (capacity: sizes per task)
CHAINS="hopfield 3 10
rl 2 20
sgd-ens 2 2
digest 2 3
capacity-blocks 2 2"
declare -A SIM MERGE PLOT
while read -r name tasks per; do
  array=(-n 2 -t 5 "--array=0-$((tasks - 1))" -o "$WORK/job-%A_%a.log" --
    "${name%%-*}.sbatch" "$WORK/$name.ini" "$WORK/out/$name.h5")
  if [[ $name == capacity* ]]; then
    NNSIM_ARRAY_POINTS=$per submit "${array[@]}"
  else
    NNSIM_ARRAY_SAMPLES=$per submit "${array[@]}"
  fi
  SIM[$name]=$JOB
  submit -t 5 "--dependency=afterok:${SIM[$name]}" -- merge.sbatch "$WORK/out/$name.h5"
  MERGE[$name]=$JOB
  submit -t 5 "--dependency=afterok:${MERGE[$name]}" -- plot.sbatch "$WORK/out/$name.h5"
  PLOT[$name]=$JOB
  unit=samples
  if [[ $name == capacity* ]]; then unit=sizes; fi
  note "$name: array ${SIM[$name]} ($tasks tasks x $per $unit) -> merge ${MERGE[$name]} -> plot ${PLOT[$name]:-none}"
done <<<"$CHAINS"

# An array that fails: the merge that depends on it must never run.
submit -n 1 -t 5 --array=0-1 -o "$WORK/job-%A_%a.log" -- rl.sbatch "$WORK/missing.ini" "$WORK/out/broken.h5"
broken_sim=$JOB
submit -t 5 "--dependency=afterok:$broken_sim" --kill-on-invalid-dep=yes -- merge.sbatch "$WORK/out/broken.h5"
broken_merge=$JOB

# The references: one mpirun run over all the samples of each chain, while the jobs run.
while read -r name tasks per; do
  DRIVER=$BUILD/apps/nnsim-${name%%-*}
  all=(--samples $((tasks * per)))
  if [[ $name == capacity* ]]; then all=(); fi  # every size of the config
  DRV_TIMEOUT=120 drv "$WORK/$name-ref.log" 2 --config "$WORK/$name.ini" ${all[@]+"${all[@]}"} -o "$WORK/$name-ref.h5"
  expect_rc 0 "$WORK/$name-ref.log" "reference run $name"
done <<<"$CHAINS"

epoch() { date -d "${1/T/ }" +%s; }
while read -r name tasks per; do
  wait_gone 180 "${PLOT[$name]:-${MERGE[$name]}}"
  for ((i = 0; i < tasks; i++)); do
    expect_end "${SIM[$name]}_$i" COMPLETED 0:0
    [[ -f $WORK/out/$name.part-000$i.h5 ]] || fail "$name: array task $i wrote no out/$name.part-000$i.h5"
    if [[ $name == capacity* ]]; then
      log_has "$WORK/job-${SIM[$name]}_$i.log" "array task $i of job ${SIM[$name]}: point block $i, $per point\(s\) per task \(--size-block $i:$per\)" \
        "$name: array task $i should compute its own block of sizes"
    else
      log_has "$WORK/job-${SIM[$name]}_$i.log" "array task $i of job ${SIM[$name]}: samples $((i * per)) \.\. $((i * per + per - 1))" \
        "$name: array task $i should compute its own samples"
    fi
  done
  expect_end "${MERGE[$name]}" COMPLETED 0:0
  # The chain's order: merge after the last array task, plot after the merge.
  last_end=0
  for ((i = 0; i < tasks; i++)); do
    e=$(epoch "$(field "${SIM[$name]}_$i" EndTime)")
    if ((e > last_end)); then last_end=$e; fi
  done
  merge_start=$(epoch "$(field "${MERGE[$name]}" StartTime)")
  ((merge_start >= last_end)) || fail "$name: merge started at $merge_start, before the array ended ($last_end)"
  log_has "$WORK/job-${MERGE[$name]}.log" "$tasks part\(s\) -> $WORK/out/$name.h5" "$name: the merge job should pool every part"
  objects="/points /results"
  if [[ $name == hopfield ]]; then objects="/points /results /theory"; fi
  compared=${objects// /, }
  if [[ $name == sgd-ens || $name == digest ]]; then
    # every dataset but the measured wall times (h5diff would follow the dimension scales of
    # /points into them)
    if [[ $name == digest ]]; then objects="/points /results /instances"; fi
    # shellcheck disable=SC2086
    "$SRC/tests/slurm/same_h5.py" "$WORK/$name-ref.h5" "$WORK/out/$name.h5" --ignore seconds $objects ||
      fail "$name: the merged file differs from one run"
    compared="${objects// /, } (but the measured seconds)"
  elif [[ $name == capacity* ]]; then
    "$SRC/tests/slurm/same_h5.py" "$WORK/$name-ref.h5" "$WORK/out/$name.h5" \
      /points /results /capacity /extrapolation /scaling /rounds ||
      fail "$name: the merged file differs from one run"
    compared="/points, /results, /capacity, /extrapolation, /scaling, /rounds"
  else
    for obj in $objects; do h5same "$WORK/$name-ref.h5" "$WORK/out/$name.h5" "$obj"; done
  fi
  missing=$(comm -3 <(h5ls -r "$WORK/$name-ref.h5/results" | awk '{ print $1 }' | sort) \
    <(h5ls -r "$WORK/out/$name.h5/results" | awk '{ print $1 }' | sort) | tr -s ' \n' ' ')
  [[ -z ${missing// /} ]] || fail "$name: /results of the merged file and of one run list different objects: $missing"
  expect_end "${PLOT[$name]}" COMPLETED 0:0
  merge_end=$(epoch "$(field "${MERGE[$name]}" EndTime)")
  plot_start=$(epoch "$(field "${PLOT[$name]}" StartTime)")
  ((plot_start >= merge_end)) || fail "$name: plot started at $plot_start, before the merge ended ($merge_end)"
  pngs=$(find "$WORK/out" -name "$name*.png" -newer "$WORK/out/$name.h5" | wc -l)
  ((pngs > 0)) || { show_job "${PLOT[$name]}"; fail "$name: the plot job wrote no $name*.png"; }
  what="$((tasks * per)) samples"
  if [[ $name == capacity* ]]; then what="every size"; fi
  note "$name: $tasks array tasks -> merge -> plot ($pngs PNG file(s)); merged $compared identical to one run of $what"
done <<<"$CHAINS"

wait_gone 60 "$broken_sim" "$broken_merge"
expect_end "${broken_sim}_0" FAILED 2:0
state=$(field "$broken_merge" JobState)
reason=$(field "$broken_merge" Reason)
[[ $state == CANCELLED ]] || { show_job "$broken_merge"; fail "merge after a failed array: state $state (reason $reason), expected CANCELLED"; }
[[ ! -e $WORK/out/broken.h5 ]] || fail "a merge after a failed array wrote out/broken.h5"
note "a failed array: its merge job never ran ($state, $reason)"
no_temporaries "$WORK"
note "PASS (array) in $((SECONDS - T_START)) s"
