#!/usr/bin/env bash
# Kernel instruction sets (issue 6): one-step and steady-state runs give identical /points and
# /results with NNSIM_ISA forced to every path this CPU supports (and with ranks on different
# paths); the root attribute `isa` names the path(s); a path the CPU lacks (simulated with the
# testing-only NNSIM_CPU_CAPS) and an invalid NNSIM_ISA exit 2 on every rank with a message and
# write nothing; --version prints version, commit and instruction set.
# Usage: isa_paths.sh DRIVER SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun h5diff timeout
setup_workdir isa_paths
unset NNSIM_ISA NNSIM_CPU_CAPS

# --version: exit 0, version, commit, chosen set; the supported sets come from its last line.
drv version.log 0 --version
expect_rc 0 version.log "--version"
grep -q -E '^nnsim-hopfield [0-9]+\.[0-9]+' version.log || fail "--version prints no version: $(cat version.log)"
grep -q -E '^git commit: ' version.log || fail "--version prints no git commit"
grep -q -E '^instruction set: (generic|avx2|avx512) ' version.log || fail "--version prints no instruction set"
read -r -a PATHS <<<"$(sed -n 's/.*this CPU supports \([a-z0-9, ]*\);.*/\1/p' version.log | tr -d ,)"
((${#PATHS[@]} >= 1)) || fail "no supported instruction sets in: $(cat version.log)"
BEST=${PATHS[-1]}
note "paths this CPU supports: ${PATHS[*]} (best $BEST)"

RUNS=(
  "one-step|--experiment one-step --N 70,300,700 --alpha 0.05,0.3 --samples 3"
  "steady-state|--experiment steady-state --N 130,400 --alpha 0.05,0.14 --samples 3 --flip-fraction 0.1"
  "steady-matrix|--experiment steady-state --N 130,400 --alpha 0.14 --samples 3 --flip-fraction 0.1 --weights matrix"
)
for run in "${RUNS[@]}"; do
  name=${run%%|*}
  read -r -a args <<<"${run#*|}"
  for path in "${PATHS[@]}"; do
    NNSIM_ISA=$path drv "$name-$path.log" 2 "${args[@]}" --quiet -o "$name-$path.h5"
    expect_rc 0 "$name-$path.log" "$name with NNSIM_ISA=$path"
    isa=$(h5attr "$name-$path.h5" isa)
    [[ "$isa" == "$path" ]] || fail "$name with NNSIM_ISA=$path: attribute isa is '$isa'"
    if [[ "$path" != generic ]]; then
      for obj in /points /results; do h5same "$name-generic.h5" "$name-$path.h5" "$obj"; done
    fi
    note "$name: NNSIM_ISA=$path identical to generic (${SECONDS_TAKEN}s)"
  done
  # Ranks on different paths (as on nodes with different CPUs): same results, both named.
  if [[ "$BEST" != generic ]]; then
    RC=0
    timeout 60 mpirun --oversubscribe -n 1 -x NNSIM_ISA=generic "$DRIVER" "${args[@]}" --quiet -o "$name-mixed.h5" : \
      -n 1 -x NNSIM_ISA="$BEST" "$DRIVER" "${args[@]}" --quiet -o "$name-mixed.h5" >"$name-mixed.log" 2>&1 || RC=$?
    expect_rc 0 "$name-mixed.log" "$name with rank 0 generic, rank 1 $BEST"
    isa=$(h5attr "$name-mixed.h5" isa)
    [[ "$isa" == "generic (rank 0), $BEST (rank 1)" ]] || fail "$name mixed ranks: attribute isa is '$isa'"
    for obj in /points /results; do h5same "$name-generic.h5" "$name-mixed.h5" "$obj"; done
    note "$name: ranks on generic and $BEST identical, isa = '$isa'"
  fi
done

# refused NAME REGEX CMD...: exit 2 within the timeout, message matching REGEX, nothing written.
refused() {
  local name=$1 regex=$2
  shift 2
  mkdir "$WORK/$name"
  (
    cd "$WORK/$name"
    RC=0
    timeout 60 "$@" --experiment one-step --N 100 --alpha 0.1 --samples 2 -o out.h5 >../"$name.log" 2>&1 || RC=$?
    ((RC != 124)) || fail "$name: hang (killed by timeout)"
    expect_rc 2 ../"$name.log" "$name"
    grep -q -E -- "$regex" ../"$name.log" || { cat ../"$name.log" >&2; fail "$name: message does not match /$regex/"; }
    [[ -z "$(ls -A .)" ]] || fail "$name: files written: $(ls -A .)"
    note "$name: exit 2: $(grep -m1 error ../"$name.log")"
  )
}
MPI=(mpirun --oversubscribe)
refused bogus 'NNSIM_ISA must be generic, avx2 or avx512.*bogus' env NNSIM_ISA=bogus "${MPI[@]}" -n 2 "$DRIVER"
refused bogus_np1 'NNSIM_ISA must be generic, avx2 or avx512' env NNSIM_ISA=bogus "$DRIVER"
refused caps_bogus 'NNSIM_CPU_CAPS' env NNSIM_CPU_CAPS=avx3 "$DRIVER"
refused avx512_on_avx2 'NNSIM_ISA=avx512: this CPU does not support avx512.*NNSIM_CPU_CAPS=avx2' \
  env NNSIM_CPU_CAPS=avx2 NNSIM_ISA=avx512 "${MPI[@]}" -n 2 "$DRIVER"
refused avx2_on_generic 'NNSIM_ISA=avx2: this CPU does not support avx2' \
  env NNSIM_CPU_CAPS=generic NNSIM_ISA=avx2 "$DRIVER"
# Only rank 1 cannot run the requested path: every rank must still end, with exit 2.
refused one_rank_lacks 'does not support avx2.*on rank 1' \
  "${MPI[@]}" -n 1 -x NNSIM_ISA=generic "$DRIVER" --experiment one-step --N 100 --alpha 0.1 --samples 2 -o out.h5 : \
  -n 1 -x NNSIM_ISA=avx2 -x NNSIM_CPU_CAPS=generic "$DRIVER"

# Unset: the best supported path, also as the log line at start-up.
drv auto.log 0 --experiment one-step --N 100 --alpha 0.1 --samples 2 -o auto.h5
expect_rc 0 auto.log "unset NNSIM_ISA"
grep -q "kernel instruction set: $BEST" auto.log || fail "no start-up log line naming $BEST: $(cat auto.log)"
[[ "$(h5attr auto.h5 isa)" == "$BEST" ]] || fail "unset NNSIM_ISA: attribute isa is not $BEST"
echo "PASS: isa_paths"
