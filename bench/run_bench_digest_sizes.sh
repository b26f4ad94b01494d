#!/usr/bin/env bash
# Time to the first solution and to all solutions against instance size (issue 8): planted
# instances with n fragments per enzyme on a molecule of length L, nnsim-digest's annealing
# ensemble (its defaults: energy 'unmatched', replica exchange with 12 replicas) against the
# exact enumerator (src/anneal/digest_exact.hpp), which runs in the same driver call (--exact).
#
#   bench/run_bench_digest_sizes.sh [BUILD_DIR] [L] [RUNS] [STEPS] [ALL_STEPS] [n...]
#   defaults: build, L = 1000000, 4 runs, 30,000,000 steps per run to the first solution,
#   4,000,000 per run to meet all maps, n = 10 12 14 16 18 20
#
# Per size, two driver calls on one rank: runs that stop at their first solution (expected wall
# time per solution = total time / solved runs), and runs that continue to a (smaller) step
# budget (--continue-after-solution) to meet every map: the wall time until the ensemble had met all
# the maps the enumerator lists (runs_to_all_maps, seconds_to_all_maps). Prints one line per n
# and the command that reproduces it. Extra driver options for both calls (e.g. the exact window
# move) come from the environment: DIGEST_ARGS='--move-mix 0.5,0.25,0.25,0.05,4' bench/run_...;
# options for the first call only (the one with --exact) from EXACT_ARGS, e.g. for large n
# EXACT_ARGS='--exact-node-limit 5000000' (a stopped enumeration shows complete = 0).
set -euo pipefail
read -r -a extra <<< "${DIGEST_ARGS:-}"
read -r -a exact_extra <<< "${EXACT_ARGS:-}"
build=${1:-build}
L=${2:-1000000}
runs=${3:-4}
steps=${4:-30000000}
all_steps=${5:-4000000}
shift 5 || shift $#
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10 12 14 16 18 20)
driver=$build/apps/nnsim-digest
[[ -x $driver ]] || { echo "no $driver: build first (scripts/setup)" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-bench-digest-sizes.XXXXXX")
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1

echo "# nnsim-digest against the exact enumerator, $(date -u '+%F %T') UTC, $(nproc --all) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# reproduce: DIGEST_ARGS='${DIGEST_ARGS:-}' EXACT_ARGS='${EXACT_ARGS:-}' bench/run_bench_digest_sizes.sh $build $L $runs $steps $all_steps ${sizes[*]}"
printf '%4s %6s %8s %12s %14s %11s %12s | %8s %11s %12s %10s\n' n maps solved "s/solution" "median first" "all maps" "s to all" \
  "enum s" "enum first" "enum nodes" "complete"
for n in "${sizes[@]}"; do
  spec="$n:$n:$L"
  "$here/scripts/mpirun" -n 1 "$driver" --planted "$spec" --samples "$runs" --steps "$steps" --seed 1 \
    --exact -q --force -o "$work/first.h5" "${extra[@]}" "${exact_extra[@]}"
  "$here/scripts/mpirun" -n 1 "$driver" --planted "$spec" --samples "$runs" --steps "$all_steps" --seed 1 \
    --continue-after-solution -q --force -o "$work/all.h5" --trace-every 0 "${extra[@]}"
  /usr/bin/python3 - "$work/first.h5" "$work/all.h5" "$n" <<'PY'
import sys
import h5py
import numpy as np
first, everything, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(first) as f, h5py.File(everything) as a:
    name = list(f["instances"].keys())[0]
    g, h = f["instances"][name], a["instances"][name]
    t = f["results/seconds_to_solution/samples"][0]
    t = t[np.isfinite(t)]
    median = f"{np.median(t):.3f}" if t.size else "-"
    exact_maps = int(g["exact_distinct_maps"][()])
    found = int(h["distinct_maps"][()])
    all_found = found == exact_maps and int(g["exact_complete"][()]) == 1
    to_all = f"{h['seconds_to_all_maps'][()]:.2f}" if all_found else f"> {a['results/seconds/samples'][0].sum():.1f}"
    print(f"{n:4d} {exact_maps:6d} {int(g['solved_runs'][()]):3d}/{int(g['runs'][()]):<4d} "
          f"{g['seconds_per_solution'][()]:12.4f} {median:>14} {found:5d}/{exact_maps:<5d} {to_all:>12} | "
          f"{g['exact_seconds'][()]:8.3f} {g['exact_first_solution_seconds'][()]:11.4f} "
          f"{int(g['exact_nodes'][()]):12d} {int(g['exact_complete'][()]):10d}")
PY
done
