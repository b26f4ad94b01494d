#!/usr/bin/env bash
# The portable binary on older CPUs, emulated by qemu-user (Debian package qemu-user; qemu 7.2
# emulates AVX2 but not AVX-512): on `-cpu max` (an AVX2 machine) it must choose avx2 by itself,
# on `-cpu Nehalem` (x86-64-v2) generic, run without SIGILL and give the same /points and
# /results as on this machine; NNSIM_ISA=avx512 there exits 2. Skipped (exit 77) without
# qemu-x86_64. Runs the driver without mpirun (MPI singleton).
# Usage: qemu_cpus.sh DRIVER SOURCE_DIR
set -euo pipefail
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
