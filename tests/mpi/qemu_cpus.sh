#!/usr/bin/env bash
# The portable binary on older CPUs, emulated by qemu-user (Debian package qemu-user; qemu 7.2
# emulates AVX2 but not AVX-512): on `-cpu max` (an AVX2 machine) it must choose avx2 by itself,
# on `-cpu Nehalem` (x86-64-v2) generic, run without SIGILL and give the same /points and
# /results as on this machine; NNSIM_ISA=avx512 there exits 2. Skipped (exit 77) without
# qemu-x86_64. Runs the driver without mpirun (MPI singleton).
# Usage: qemu_cpus.sh DRIVER SOURCE_DIR
#
# With --sgd (qemu_cpus.sh --sgd NNSIM_SGD SOURCE_DIR): nnsim-sgd (src/sgd/kernels) on -cpu
# Nehalem must choose the generic path by itself, train without SIGILL and give the bits of
# NNSIM_ISA=generic on this machine (the paths round differently, so only the same path compares);
# on -cpu max it must choose avx2 and match NNSIM_ISA=avx2 here, when this CPU has AVX2.
set -euo pipefail
MODE=hopfield
if [[ "${1:-}" == --sgd ]]; then
  MODE=sgd
  shift
fi
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  echo "SKIP: qemu-x86_64 not found (apt install qemu-user)"
  exit 77
fi
[[ "$(uname -m)" == x86_64 ]] || { echo "SKIP: not an x86-64 host"; exit 77; }
require_tools h5diff timeout
setup_workdir qemu_cpus
unset NNSIM_ISA NNSIM_CPU_CAPS
export DRV_TIMEOUT=120

if [[ $MODE == sgd ]]; then
  # 300 training and 100 test images of 28 x 28 (a class-specific stripe plus noise), gzip IDX.
  mkdir data
  /usr/bin/python3 - data <<'PYEOF'
import gzip, struct, sys, numpy as np
rng = np.random.default_rng(3)
for prefix, n in (("train", 300), ("t10k", 100)):
    labels = rng.integers(0, 10, n).astype(np.uint8)
    base = np.zeros((10, 28, 28))
    for c in range(10):
        base[c, :, 2 * c:2 * c + 5] = 150
    images = np.clip(base[labels] + rng.normal(0, 60, (n, 28, 28)), 0, 255).astype(np.uint8)
    for name, a in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
        with gzip.open(f"{sys.argv[1]}/{prefix}-{name}.gz", "wb") as f:
            f.write(struct.pack(">I", 0x800 | a.ndim) + b"".join(struct.pack(">I", d) for d in a.shape) + a.tobytes())
PYEOF
  SGD_ARGS=(--data-dir data --layers 784,16,10 --batch 32 --shards 4 --epochs 2 --validation 60 --seed 3 --quiet)
  # same_training A B: /weights, /history (minus wall times) and /test identical.
  same_sgd() {
    h5same "$1" "$2" /weights
    h5same "$1" "$2" /test
    for d in train_loss validation_loss validation_accuracy; do h5same "$1" "$2" "/history/$d"; done
  }
  HOST_BEST=$("$DRIVER" --version | sed -n 's/^instruction set: \([a-z0-9]*\).*/\1/p')
  NNSIM_ISA=generic drv sgd-host-generic.log 0 "${SGD_ARGS[@]}" -o sgd-host-generic.h5
  expect_rc 0 sgd-host-generic.log "nnsim-sgd NNSIM_ISA=generic on this machine"
  cpus=(Nehalem:generic)
  if [[ $HOST_BEST != generic ]]; then
    NNSIM_ISA=avx2 drv sgd-host-avx2.log 0 "${SGD_ARGS[@]}" -o sgd-host-avx2.h5
    expect_rc 0 sgd-host-avx2.log "nnsim-sgd NNSIM_ISA=avx2 on this machine"
    cpus+=(max:avx2)
  fi
  REAL_DRIVER=$DRIVER
  for cpu in "${cpus[@]}"; do
    model=${cpu%%:*}
    expected=${cpu##*:}
    wrapper="$WORK/qemu-$model.sh"
    printf '#!/bin/sh\nexec qemu-x86_64 -cpu %s %q "$@"\n' "$model" "$REAL_DRIVER" >"$wrapper"
    chmod +x "$wrapper"
    DRIVER=$wrapper
    drv "sgd-$model.log" 0 "${SGD_ARGS[@]}" -o "sgd-$model.h5"
    expect_rc 0 "sgd-$model.log" "nnsim-sgd on qemu -cpu $model"
    [[ "$(h5attr "sgd-$model.h5" isa)" == "$expected" ]] ||
      fail "nnsim-sgd on qemu -cpu $model: isa $(h5attr "sgd-$model.h5" isa), expected $expected"
    same_sgd "sgd-host-$expected.h5" "sgd-$model.h5"
    note "nnsim-sgd on qemu -cpu $model: $expected, identical to NNSIM_ISA=$expected here (${SECONDS_TAKEN}s)"
    DRIVER=$REAL_DRIVER
  done
  echo "PASS: qemu_cpus --sgd"
  exit 0
fi

RUNS=(
  "one-step|--experiment one-step --N 70,300 --alpha 0.05,0.3 --samples 2"
  "steady-state|--experiment steady-state --N 130,300 --alpha 0.05,0.14 --samples 2 --flip-fraction 0.1"
)
for run in "${RUNS[@]}"; do
  name=${run%%|*}
  read -r -a args <<<"${run#*|}"
  drv "$name-host.log" 0 "${args[@]}" --quiet -o "$name-host.h5"
  expect_rc 0 "$name-host.log" "$name on this machine"
done

REAL_DRIVER=$DRIVER
for cpu in max:avx2 Nehalem:generic; do
  model=${cpu%%:*}
  expected=${cpu##*:}
  # Run the driver under qemu: lib.sh's drv runs "$DRIVER", so point it at a wrapper.
  wrapper="$WORK/qemu-$model.sh"
  printf '#!/bin/sh\nexec qemu-x86_64 -cpu %s %q "$@"\n' "$model" "$REAL_DRIVER" >"$wrapper"
  chmod +x "$wrapper"
  DRIVER=$wrapper
  drv "version-$model.log" 0 --version
  expect_rc 0 "version-$model.log" "--version on qemu -cpu $model"
  grep -q "^instruction set: $expected " "version-$model.log" ||
    fail "qemu -cpu $model: expected $expected, got: $(cat "version-$model.log")"
  for run in "${RUNS[@]}"; do
    name=${run%%|*}
    read -r -a args <<<"${run#*|}"
    drv "$name-$model.log" 0 "${args[@]}" --quiet -o "$name-$model.h5"
    expect_rc 0 "$name-$model.log" "$name on qemu -cpu $model"
    [[ "$(h5attr "$name-$model.h5" isa)" == "$expected" ]] || fail "$name on qemu -cpu $model: isa is not $expected"
    for obj in /points /results; do h5same "$name-host.h5" "$name-$model.h5" "$obj"; done
    note "$name on qemu -cpu $model: $expected, identical to this machine (${SECONDS_TAKEN}s)"
  done
  mkdir "refused-$model"
  (
    cd "refused-$model"
    NNSIM_ISA=avx512 drv ../"refused-$model.log" 0 --experiment one-step --N 100 --alpha 0.1 --samples 2 -o out.h5
    expect_rc 2 ../"refused-$model.log" "NNSIM_ISA=avx512 on qemu -cpu $model"
    grep -q "does not support avx512" ../"refused-$model.log" || fail "no message: $(cat ../"refused-$model.log")"
    [[ -z "$(ls -A .)" ]] || fail "NNSIM_ISA=avx512 on qemu -cpu $model wrote files"
  )
  note "NNSIM_ISA=avx512 on qemu -cpu $model: exit 2"
  DRIVER=$REAL_DRIVER
done
echo "PASS: qemu_cpus"
