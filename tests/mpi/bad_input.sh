#!/usr/bin/env bash
# Bad input to nnsim-hopfield: every case below must exit with code 2 (on 2 ranks via mpirun, and
# a subset also on 1 rank without mpirun), print a message naming the problem, finish quickly
# (`timeout 60`; a hang fails), and write nothing: the case's directory holds afterwards exactly
# the files it held before, byte for byte (so an existing output without --force is unchanged).
# Also: --help exits 0 (printed once, by rank 0) and lists the main options; --force overwrites
# an existing output file.
# Usage: bad_input.sh DRIVER SOURCE_DIR
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun h5dump timeout md5sum
setup_workdir bad_input

# Files a case needs in its directory before the run.
prepare() {
  case "$1" in
    existing) echo "results of an earlier run: must not be touched" >out.h5 ;;
    config_unknown) printf 'N = 50\nbogus_key = 3\n' >bad.ini ;;
    config_dir) mkdir conf.d ;;
    config_nested) printf 'N = 50\nconfig = other.ini\n' >outer.ini ;;
    resume_done) cp "$WORK/done.h5" out.h5 ;;
  esac
}


OK=(--N 50 --alpha 0.1 --samples 2 --quiet)  # a valid command, for the cases that add one option
# name | regex the message must match | arguments
CASES=(
  "alpha_zero|--alpha.*\(0, 10\]|--N 50 --alpha 0 --samples 2 -o out.h5"
  "alpha_negative|--alpha.*-0\.1|--N 50 --alpha -0.1 --samples 2 -o out.h5"
  "N_one|--N.*got 1|--N 1 --alpha 0.1 --samples 2 -o out.h5"
  "N_fraction|--N.*10\.5|--N 10.5 --alpha 0.1 --samples 2 -o out.h5"
  "bogus_option|bogus-option|${OK[*]} -o out.h5 --bogus-option"
  "samples_novalue|--samples.*missing|--N 50 --alpha 0.1 -o out.h5 --samples"
  "samples_zero|--samples.*got 0|--N 50 --alpha 0.1 --samples 0 -o out.h5"
  "seed_negative|--seed.*-3|--N 50 --alpha 0.1 --samples 2 --seed -3 -o out.h5"
  "output_nodir|/nonexistent-dir|${OK[*]} --output /nonexistent-dir/x.h5"
  "existing|out\.h5.*exists.*--force|${OK[*]} -o out.h5"
  "resume_none|--resume.*no checkpoint.*out\.h5\.checkpoint\.h5|${OK[*]} -o out.h5 --resume"
  "experiment|--experiment.*nonsense|${OK[*]} -o out.h5 --experiment nonsense"
  "p_zero|p = round\(alpha N\) = 0|--N 100 --alpha 0.001 --samples 2 -o out.h5"
  "config_missing|missing\.ini|${OK[*]} -o out.h5 --config missing.ini"
  "config_unknown|bad\.ini.*bogus_key|--alpha 0.1 --samples 2 -o out.h5 --config bad.ini"
  "config_dir|conf\.d.*is a directory|${OK[*]} -o out.h5 --config conf.d"
  "config_nested|other\.ini|--alpha 0.1 --samples 2 -o out.h5 --config outer.ini"
  "stray_word|unexpected argument 'foo'|${OK[*]} -o out.h5 foo"
  "stray_list|unexpected argument '0\.1'|--N 50 --alpha 0.05, 0.1 --samples 2 -o out.h5"
  "inapplicable|--noise does not apply to --experiment one-step|${OK[*]} -o out.h5 --noise 0.5"
  "inapplicable_flip|--flip-fraction does not apply to --experiment one-step|${OK[*]} -o out.h5 --flip-fraction 0.1"
  "theory_samples|--samples does not apply to --experiment theory|--experiment theory --samples 5 -o out.h5"
  "resume_force|--resume and --force contradict|${OK[*]} -o out.h5 --resume --force"
  "resume_done|other parameters|--N 50 --alpha 0.2 --samples 2 -o out.h5 --resume"
  "duplicate_point|N = 50, alpha = 0\.1 twice|--N 50 --alpha 0.1,0.2,0.1 --samples 2 -o out.h5"
  "memory_one_step|--memory-budget.*one-step count needs|--N 1000000 --alpha 10 --samples 2 -o out.h5"
  "memory_huge_N|--memory-budget.*one-step count needs|--N 100000000 --alpha 0.1 --samples 2 -o out.h5"
)
# Cases also run on 1 rank without mpirun.
SERIAL="alpha_zero N_fraction bogus_option samples_novalue seed_negative output_nodir existing resume_none config_unknown
        config_dir stray_word resume_done"

# A finished output of "${OK[@]}" for resume_done (resumed with other parameters: refused).
drv done.log 0 "${OK[@]}" -o "$WORK/done.h5"
expect_rc 0 done.log "the run resume_done starts from"

# mpirun takes ~2 s to tear down a job whose ranks exit non-zero (Open MPI's kill timeout), so
# the cases run 4 at a time (they mostly wait); each reports into its own file, shown in order.
case_ids=()
start_case() {
  local id=$1
  shift
  while (($(jobs -rp | wc -l) >= 4)); do wait -n || true; done
  (bad "$@" >"$WORK/$id.report" 2>&1 && touch "$WORK/$id.ok") &
  BG_PIDS+=("$!")
  case_ids+=("$id")
}
for entry in "${CASES[@]}"; do
  IFS='|' read -r name regex args <<<"$entry"
  read -r -a argv <<<"$args"
  start_case "$name.np2" "$name" 2 "$regex" "${argv[@]}"
  if [[ " $SERIAL " == *" $name "* ]]; then start_case "$name.np0" "$name" 0 "$regex" "${argv[@]}"; fi
done
wait
failed=()
for id in "${case_ids[@]}"; do
  cat "$WORK/$id.report"
  [[ -f "$WORK/$id.ok" ]] || failed+=("$id")
done
((${#failed[@]} == 0)) || fail "${#failed[@]} bad-input case(s) failed: ${failed[*]}"

# --help: exit 0, the main options listed, printed once (rank 0 only), nothing written.
for ranks in 0 2; do
  mkdir "$WORK/help.np$ranks"
  (
    cd "$WORK/help.np$ranks"
    drv ../help.np$ranks.log "$ranks" --help
    expect_rc 0 ../help.np$ranks.log "--help (ranks=$ranks)"
    for opt in --alpha --N --seed --resume --time-limit --samples --output --force; do
      grep -q -E -- "(^|[^-])$opt([^a-z-]|$)" ../help.np$ranks.log ||
        { cat ../help.np$ranks.log >&2; fail "--help (ranks=$ranks) does not list $opt"; }
    done
    usages=$(grep -c '^Usage:' ../help.np$ranks.log || true)
    [[ "$usages" == 1 ]] || fail "--help (ranks=$ranks) printed the usage $usages times"
    [[ -z "$(ls -A)" ]] || fail "--help (ranks=$ranks) wrote files: $(ls -A)"
    note "--help np$ranks: exit 0, options listed once"
  )
done

# --force overwrites an existing output file with a complete new one.
mkdir "$WORK/force"
cd "$WORK/force"
echo "stale output" >out.h5
old=$(md5sum <out.h5)
drv ../force.log 2 "${OK[@]}" -o out.h5 --force
expect_rc 0 ../force.log "--force over an existing output"
[[ "$(md5sum <out.h5)" != "$old" ]] || fail "--force: out.h5 was not replaced"
program=$(h5attr out.h5 program) || fail "--force: out.h5 is not a readable HDF5 file"
[[ "$program" == nnsim-hopfield ]] || fail "--force: out.h5 has program = '$program'"
h5dump -H -d /results/one_step_error/mean out.h5 >/dev/null || fail "--force: out.h5 has no /results/one_step_error/mean"
no_temporaries "$WORK"
note "--force: existing out.h5 replaced by a complete result file"

# --config is read by rank 0 alone and broadcast: an MPMD launch in which rank 1 names a file
# that does not exist still runs rank 0's file; the other way round every rank exits 2 (no hang).
mkdir "$WORK/rank0" && cd "$WORK/rank0"
printf 'N = 50\nalpha = 0.1\nsamples = 2\n' >here.ini
RC=0
timeout 60 mpirun --oversubscribe -n 1 "$DRIVER" --config here.ini -q -o a.h5 : \
  -n 1 "$DRIVER" --config not-on-this-node.ini -q -o a.h5 >rank0.log 2>&1 </dev/null || RC=$?
expect_rc 0 rank0.log "MPMD run whose rank 1 names a missing config file"
[[ "$(h5attr a.h5 N)" == 50 ]] || fail "the MPMD run did not use rank 0's config file"
RC=0
timeout 60 mpirun --oversubscribe -n 1 "$DRIVER" --config not-on-this-node.ini -q -o b.h5 : \
  -n 1 "$DRIVER" --config here.ini -q -o b.h5 >rank1.log 2>&1 </dev/null || RC=$?
((RC != 124)) || fail "a config file missing on rank 0 only left the ranks hanging"
expect_rc 2 rank1.log "MPMD run whose rank 0 names a missing config file"
grep -q "not-on-this-node.ini" rank1.log || { cat rank1.log >&2; fail "the message does not name rank 0's config file"; }
[[ ! -e b.h5 ]] || fail "a refused MPMD run wrote b.h5"
note "--config read on rank 0 and broadcast (MPMD: a file missing on rank 1 is not read; missing on rank 0 -> exit 2)"

echo "PASS: bad input refused with exit 2 and nothing written"
