#!/usr/bin/env bash
# Rank/thread invariance of nnsim-hopfield: the same command on 1, 2 and 3 MPI ranks, on 1 rank
# with 2 threads, on 2 ranks x 2 threads and without mpirun at all must give bit-identical /results,
# /points and /theory (h5diff, no tolerance). The root attributes mpi_ranks and omp_threads must
# record the layout that was actually used.
# Usage: rank_invariance.sh DRIVER SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun h5diff timeout
setup_workdir rank_invariance

# shellcheck disable=SC2054  # commas belong to the values
ARGS=(--N 300,700 --alpha 0.05:0.3:0.05 --samples 12 --seed 5 --quiet)

# name ranks(0 = no mpirun) threads
LAYOUTS=(
  "np1 1 1"
  "np2 2 1"
  "np3 3 1"
  "np1t2 1 2"
  "np2t2 2 2"
  "serial 0 1"
)

for layout in "${LAYOUTS[@]}"; do
  read -r name ranks threads <<<"$layout"
  drv "$name.log" "$ranks" "${ARGS[@]}" --threads "$threads" -o "$WORK/$name.h5"
  expect_rc 0 "$name.log" "run $name (ranks=$ranks, threads=$threads)"
  [[ -f "$name.h5" ]] || fail "run $name exited 0 but wrote no $name.h5"
  note "$name: ranks=$ranks threads=$threads, ${SECONDS_TAKEN}s"
done

for layout in "${LAYOUTS[@]:1}"; do
  read -r name ranks threads <<<"$layout"
  for obj in /results /points /theory; do
    h5same "$WORK/np1.h5" "$WORK/$name.h5" "$obj"
  done
  note "np1 == $name for /results /points /theory"
done

# The provenance must tell the layouts apart (and the results must not).
for layout in "${LAYOUTS[@]}"; do
  read -r name ranks threads <<<"$layout"
  expected_ranks=$((ranks == 0 ? 1 : ranks))
  got_ranks=$(h5attr "$name.h5" mpi_ranks)
  got_threads=$(h5attr "$name.h5" omp_threads)
  [[ "$got_ranks" == "$expected_ranks" ]] ||
    fail "$name.h5: root attribute mpi_ranks = '$got_ranks', expected $expected_ranks"
  [[ "$got_threads" == "$threads" ]] ||
    fail "$name.h5: root attribute omp_threads = '$got_threads', expected $threads"
done
note "mpi_ranks and omp_threads record each layout"

# The dynamics experiments (issue 3): deterministic and stochastic trajectories, both weight
# storages, on 1 rank, 2 ranks and 1 rank x 2 threads.
DYNAMICS=(
  "steady --experiment steady-state --N 200,400 --alpha 0.06:0.18:0.04 --samples 6 --seed 7 --quiet"
  "order --experiment order-parameter --N 200 --alpha 0.02,0.1 --noise 0.3,0.8 --sweeps 60 --transient 10 --samples 4 --seed 8 --weights matrix --quiet"
  "orderpat --experiment order-parameter --N 200 --alpha 0.05 --noise 0.5 --sweeps 60 --transient 10 --samples 4 --seed 8 --weights patterns --quiet"
)
for case in "${DYNAMICS[@]}"; do
  read -r -a words <<<"$case"
  tag=${words[0]}
  args=("${words[@]:1}")
  for layout in "np1 1 1" "np2 2 1" "np1t2 1 2"; do
    read -r name ranks threads <<<"$layout"
    drv "$tag-$name.log" "$ranks" "${args[@]}" --threads "$threads" -o "$WORK/$tag-$name.h5"
    expect_rc 0 "$tag-$name.log" "$tag run $name"
  done
  for name in np2 np1t2; do
    for obj in /results /points /theory; do
      h5same "$WORK/$tag-np1.h5" "$WORK/$tag-$name.h5" "$obj"
    done
  done
  note "$tag: np1 == np2 == np1t2 for /results /points /theory"
done

no_temporaries "$WORK"
echo "PASS: results identical on all rank/thread layouts"
