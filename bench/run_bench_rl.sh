#!/usr/bin/env bash
# nnsim-rl throughput (issue 9), run by hand:
#   bench/run_bench_rl.sh BUILD_DIR [WORK_DIR]
# 1. nnsim-bench-rl-tictactoe: self-play episodes per second on one core, the compact encoding
#    against string-keyed hash maps (same games, checked).
# 2. The driver end to end (training + the exact evaluation of every learner + output) on 1 and
#    2 ranks: nnsim-rl --experiment tictactoe --samples 512 (the book's schedule, 30000 rounds per
#    learner); episodes per second = 512 x 30000 / wall time, and the speed-up from 1 to 2 ranks.
set -euo pipefail
BUILD=$(realpath -- "$1")
ROOT=$(dirname "$(dirname "$(realpath -- "$0")")")
WORK=${2:-$(mktemp -d)}
cd "$WORK"
echo "== load: $(uptime)"
echo "== nnsim-bench-rl-tictactoe 8 30000"
"$BUILD/bench/nnsim-bench-rl-tictactoe" 8 30000
declare -A WALL
for ranks in 1 2; do
  t0=$(date +%s.%N)
  "$ROOT/scripts/mpirun" -n "$ranks" "$BUILD/apps/nnsim-rl" --experiment tictactoe --samples 512 --seed 1 \
    --quiet --force -o "bench-rl-np$ranks.h5"
  t1=$(date +%s.%N)
  WALL[$ranks]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  echo "== driver, $ranks rank(s): ${WALL[$ranks]} s wall (mpirun start-up included), $(awk -v w="${WALL[$ranks]}" 'BEGIN { printf "%.3g", 512 * 30000 / w }') episodes/s"
done
echo "== speed-up 1 -> 2 ranks: $(awk -v a="${WALL[1]}" -v b="${WALL[2]}" 'BEGIN { printf "%.2f", a / b }')"
h5diff -q "bench-rl-np1.h5" "bench-rl-np2.h5" /results >/dev/null && echo "== /results identical on 1 and 2 ranks"
