#!/usr/bin/env bash
# Cost of one nnsim-capacity sample against N: samples per second on one core at the loads that
# matter, alpha_c(N) (where P_ret = 1/2) and alpha_c(N) + 2 w(N) (P_ret ~ 2 %, where failing
# samples relax for many sweeps), with alpha_c(N) = 0.138 + 0.9/sqrt(N) and w(N) = 0.6/sqrt(N),
# the prior of --bracket auto. The samples are those of nnsim-hopfield --experiment steady-state
# (the same criterion and dynamics). The baseline, in the same run, is N = 256: the table gives
# each N's cost per sample relative to it, beside the planner's cost model N * p
# (StudySettings::sample_cost), so the model can be checked.
#
#   bench/run_bench_capacity.sh [BUILD_DIR] [N...]     (default: build, 256 ... 16384)
#
# Each load runs twice, with S and 2S samples; the cost of a sample is the difference of the two
# wall times over S, so the start-up of the driver (about 0.5 s) drops out. S is sized for about
# 3 s per run from a rough cost model (at least 4). One rank, one thread. Prints one line per
# (N, load) and the command that reproduces it.
set -euo pipefail
build=${1:-build}
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(256 512 1024 2048 4096 8192 16384)
driver=$build/apps/nnsim-hopfield
[[ -x $driver ]] || { echo "no $driver: build first (scripts/setup)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-bench-capacity.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1

echo "# nnsim-capacity sample cost, $(date -u '+%F %T') UTC, $(nproc --all) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%7s %8s %9s %6s %10s %10s %11s %11s\n' N where alpha S "2S - S [s]" samples/s "cost/N=256" "model ratio"
base_cost=""
base_model=""
for n in "${sizes[@]}"; do
  samples=$(/usr/bin/python3 -c "print(max(4, min(4000, int(3 / (0.01 * ($n / 4096) ** 2)))))")
  for where in crossing tail; do
    alpha=$(/usr/bin/python3 -c "
import math
n = $n
c, w = 0.138 + 0.9 / math.sqrt(n), 0.6 / math.sqrt(n)
print('%.6f' % (c if '$where' == 'crossing' else c + 2 * w))")
    cmd=("$driver" --experiment steady-state --N "$n" --alpha "$alpha" --seed 1 --quiet --force -o "$work/x.h5")
    t0=$(date +%s.%N)
    "${cmd[@]}" --samples "$samples"
    t1=$(date +%s.%N)
    "${cmd[@]}" --samples $((2 * samples))
    t2=$(date +%s.%N)
    read -r seconds rate cost model < <(/usr/bin/python3 -c "
import math
t = ($t2 - $t1) - ($t1 - $t0)
n, a, s = $n, $alpha, $samples
p = round(a * n)
print('%.3f %.4g %.6g %.6g' % (t, s / t, t / s, n * p))")
    if [[ -z $base_cost && $where == crossing ]]; then base_cost=$cost; base_model=$model; fi
    read -r ratio model_ratio < <(/usr/bin/python3 -c "print('%.4g %.4g' % ($cost / $base_cost, $model / $base_model))")
    printf '%7s %8s %9s %6s %10s %10s %11s %11s\n' "$n" "$where" "$alpha" "$samples" "$seconds" "$rate" "$ratio" "$model_ratio"
  done
done
echo "# one line by hand: $driver --experiment steady-state --N N --alpha ALPHA --samples S --seed 1 -o x.h5 (and 2S)"
