#!/usr/bin/env bash
# Training throughput of nnsim-sgd against PyTorch doing the same work, in the same run
# (docs/performance.md, section nnsim-sgd): 784-256-128-10 ReLU + softmax/cross-entropy, SGD with
# momentum 0.9, eta 0.05, mini-batches of 128, float32, standardised Fashion-MNIST inputs, the
# first 20,000 training images, best of 2 epochs (PyTorch) / mean over 2 epochs (nnsim-sgd:
# /timing/samples_per_second, training steps only).
#
#   bash bench/run_bench_sgd.sh BUILD_DIR [NATIVE_BUILD_DIR]
#
# BUILD_DIR: the default, portable build (x86-64-v2 with the SGD kernels also compiled for AVX2
# and AVX-512 and chosen at run time: src/sgd/kernels/kernels.hpp) -- the main line, on the path
# it picks by itself, then each path forced with NNSIM_ISA. NATIVE_BUILD_DIR (optional): a build
# configured with -DNNSIM_NATIVE=ON, for comparison. nnsim-sgd runs on 1 rank with 1 and 2
# threads, and on 2 ranks, with --shards 8 (the default) and 2; every configuration of one path
# must give the same weights (checked).
#
# Needs Debian's python3-torch and libopenblas0-pthread (a benchmark-only dependency, not in
# scripts/setup: apt-get install -y python3-torch libopenblas0-pthread). PyTorch runs with
# OPENBLAS_NUM_THREADS=1 and 1 and 2 torch threads (its best setting counts).
#
# A shared machine's load changes the wall times from minute to minute, so the head-to-head
# comparison (section 1) comes first, in ROUNDS (default 3) interleaved rounds, and also counts
# CPU time: PyTorch's cpu_samples_per_second is per CPU second of its training steps
# (time.process_time); nnsim-sgd's is (samples of 3 epochs - samples of 1 epoch) / (CPU time of
# a 3-epoch run - CPU time of a 1-epoch run), 1 rank x 1 thread, which cancels the start-up and
# data loading but keeps two extra validation passes (2,000 images, forward only) against it.
set -euo pipefail
build=$(realpath "$1")
native=${2:+$(realpath "$2")}
here=$(cd "$(dirname "$0")" && pwd)
mpirun=$here/../scripts/mpirun
work=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-bench-sgd.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
export OMPI_MCA_mpi_yield_when_idle=1
ARGS=(--layers 784,256,128,10 --activation relu --optimizer momentum --momentum 0.9 --learning-rate 0.05
      --batch 128 --train-limit 20000 --validation 2000 --epochs 2 --patience 0 --seed 1 --quiet --force)

rate() { /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1]); t=f['timing']; \
print('isa=%s samples_per_second=%.0f reduction=%.1f%%' % (f.attrs['isa'], t['samples_per_second'][()], \
100*t['seconds_reduction'][()]/t['seconds_training'][()]))" "$1"; }

torch() { OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/sgd_torch_baseline.py" --samples 20000 --epochs 2 --threads 1,2; }

echo "# $(date -u '+%F %T') $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$build/apps/nnsim-sgd" --version | grep '^instruction set')"
# 1. Head to head, interleaved: ROUNDS rounds of PyTorch (1 thread, its best setting) and the
#    default build (1 rank, 8 and 2 shards), so that the machine's load hits both alike; the
#    ratios are per round and of the best of each.
ROUNDS=${ROUNDS:-3}
cpu_seconds() {  # cpu_seconds COMMAND...: user + system CPU seconds of the command
  local TIMEFORMAT='%U %S'
  { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }'
}
for round in $(seq "$ROUNDS"); do
  echo "round $round: $(OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/sgd_torch_baseline.py" --samples 20000 --epochs 2 --threads 1)"
  for shards in 8 2; do
    short=(--layers 784,256,128,10 --activation relu --optimizer momentum --momentum 0.9 --learning-rate 0.05
           --batch 128 --train-limit 20000 --validation 2000 --patience 0 --seed 1 --quiet --force
           --shards "$shards" --threads 1)
    one=$(OMP_NUM_THREADS=1 cpu_seconds "$build/apps/nnsim-sgd" "${short[@]}" --epochs 1 -o "$work/r1.h5")
    three=$(OMP_NUM_THREADS=1 cpu_seconds "$build/apps/nnsim-sgd" "${short[@]}" --epochs 3 -o "$work/r3.h5")
    cpu=$(awk -v a="$one" -v b="$three" 'BEGIN { printf "%.0f", 2 * 18000 / (b - a) }')
    echo "round $round: nnsim-sgd default shards=$shards ranks=1 threads=1 $(rate "$work/r3.h5") cpu_samples_per_second=$cpu (CPU s: 1 epoch $one, 3 epochs $three)"
  done
done
# 2. Every configuration once: PyTorch's thread settings, the default build on 1 rank x 1 and 2
#    threads and on 2 ranks (same weights checked), each path forced with NNSIM_ISA.
torch
runs() {  # runs LABEL DRIVER: shards 8 and 2; 1 rank x 1 and 2 threads, 2 ranks
  local label=$1 driver=$2 shards
  for shards in 8 2; do
    OMP_NUM_THREADS=1 "$driver" "${ARGS[@]}" --shards "$shards" --threads 1 -o "$work/a.h5"
    echo "nnsim-sgd $label shards=$shards ranks=1 threads=1 $(rate "$work/a.h5")"
    OMP_NUM_THREADS=2 "$driver" "${ARGS[@]}" --shards "$shards" --threads 2 -o "$work/b.h5"
    echo "nnsim-sgd $label shards=$shards ranks=1 threads=2 $(rate "$work/b.h5")"
    OMP_NUM_THREADS=1 "$mpirun" -n 2 "$driver" "${ARGS[@]}" --shards "$shards" --threads 1 -o "$work/c.h5"
    echo "nnsim-sgd $label shards=$shards ranks=2 threads=1 $(rate "$work/c.h5")"
    h5diff -q "$work/a.h5" "$work/c.h5" /weights && h5diff -q "$work/a.h5" "$work/b.h5" /weights ||
      echo "ERROR: weights differ between 1 rank, 2 threads and 2 ranks"
  done
}
runs default "$build/apps/nnsim-sgd"
for isa in generic avx2 avx512; do
  for shards in 8 2; do
    if NNSIM_ISA=$isa OMP_NUM_THREADS=1 "$build/apps/nnsim-sgd" "${ARGS[@]}" --shards "$shards" --threads 1 \
      -o "$work/p.h5" 2>"$work/p.log"; then
      echo "nnsim-sgd NNSIM_ISA=$isa shards=$shards ranks=1 threads=1 $(rate "$work/p.h5")"
    else
      echo "nnsim-sgd NNSIM_ISA=$isa: not supported here ($(tail -1 "$work/p.log"))"
      break
    fi
  done
done
if [[ -n $native ]]; then
  runs native "$native/apps/nnsim-sgd"
fi
echo "# end $(date -u '+%F %T'), load $(cut -d' ' -f1-3 /proc/loadavg)"
