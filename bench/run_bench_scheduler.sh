#!/usr/bin/env bash
# Runs every case of nnsim-bench-scheduler that docs/design.md quotes, one process per case
# (so each peak RSS is that case's own). Usage: bench/run_bench_scheduler.sh [BUILD_DIR] [DIR]
# DIR (default /tmp) receives the temporary checkpoint and output files.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
dir=${2:-/tmp}
bench=$build/bench/nnsim-bench-scheduler
run() { "$root/scripts/mpirun" -n "$1" "$bench" "${@:2}"; }

echo "## baseline: the task function in a plain loop"
run 1 loop --tasks 100000 --values 3
run 1 loop --tasks 10000 --values 1000
echo "## scheduler: zero-cost tasks"
for ranks in 1 2; do
  for threads in 1 2; do
    run "$ranks" scheduler --tasks 100000 --values 3 --threads "$threads"
    run "$ranks" scheduler --tasks 10000 --values 1000 --threads "$threads"
  done
done
echo "## scheduler: 100 us tasks (one worker thread per rank)"
run 1 loop --tasks 10000 --values 1000 --task-us 100
run 1 scheduler --tasks 10000 --values 1000 --threads 1 --task-us 100
run 2 scheduler --tasks 10000 --values 1000 --threads 1 --task-us 100
echo "## checkpoints (complete results; then half done)"
for case in "100000 1" "100000 100" "10000 1000" "100000 1000"; do
  set -- $case
  run 1 checkpoint --tasks "$1" --values "$2" --dir "$dir"
done
run 1 checkpoint --tasks 100000 --values 1000 --done 0.5 --dir "$dir"
echo "## output file (write_gridded_results)"
run 1 output --tasks 100000 --values 100 --dir "$dir"
run 1 output --tasks 100000 --values 1000 --dir "$dir"
