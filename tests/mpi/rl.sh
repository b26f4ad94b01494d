#!/usr/bin/env bash
# nnsim-rl under mpirun:
#  - rank invariance: every dataset (wall times aside) is identical on 1 rank, 2 ranks and 4 ranks
#    x 2 threads, for each experiment;
#  - kill and resume: a run on 2 ranks stopped after K learners (exit 3, checkpoint) and resumed
#    on 1 rank ends with the same datasets;
#  - bad input: exit 2 with a message naming the option and what is allowed, nothing written;
#  - self-description: provenance attributes, description / units on every dataset, the
#    episode-major Q-table layout with its theory beside it;
#  - associative-q with --policy softmax: rank invariance, its theory, bad input;
#  - nnsim-merge of nnsim-rl files (sample ranges and point blocks) equals one run, the driver's
#    extra datasets (episode/round axes, theory beside /results/q_table) included.
# Usage: rl.sh DRIVER SOURCE_DIR   (DRIVER = nnsim-rl)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout md5sum
setup_workdir rl
PY=/usr/bin/python3
# Open MPI's default pml (cm) dlopens the PSM2 MTL, whose library constructor sleeps in usleep; on
# this loaded 2-core VM MPI_Init then stalled 17-88 s in about 1 of 40 starts (gdb: usleep in
# libpsm2.so.2 from dl_init of mca_mtl_psm2.so under ompi_mpi_init), so a 0.5 s run hit the 60 s
# hang guard. The ob1 pml (shared memory / TCP) loads no MTL; results do not depend on the
# transport.
export OMPI_MCA_pml="${OMPI_MCA_pml:-ob1}"

declare -A ARGS
ARGS[associative-q]="--experiment associative-q --samples 40 --episodes 400 --record-every 20 --epsilon 1,0.1 --learning-rate 0.05"
ARGS[reward-penalty]="--experiment reward-penalty --samples 24 --episodes 600 --record-every 50 --delta 0.1,1"
# tictactoe: 40 learners, so that a stop after 9 leaves learners unstarted even when a busy machine lets the
# other rank finish its whole share first (with 12 the stopped run once completed all of them and exited 0)
ARGS[tictactoe]="--experiment tictactoe --samples 40 --episodes 3000 --epsilon-schedule step:1000,0.9,20 --record-every 100"
ARGS[softmax]="--experiment associative-q --policy softmax --beta 0.5,4 --samples 40 --episodes 400 --record-every 20 --learning-rate 0.05"
ARGS[td-lambda]="--experiment td-lambda --samples 24 --episodes 50 --lambda 0,0.5,1 --learning-rate 0.05,0.1"

for exp in associative-q reward-penalty tictactoe td-lambda softmax; do
  note "rank invariance: $exp"
  # shellcheck disable=SC2086
  {
    drv "$exp.np1.log" 0 ${ARGS[$exp]} --seed 7 --quiet -o "$exp.np1.h5"
    expect_rc 0 "$exp.np1.log" "$exp on 1 rank"
    drv "$exp.np2.log" 2 ${ARGS[$exp]} --seed 7 --quiet -o "$exp.np2.h5"
    expect_rc 0 "$exp.np2.log" "$exp on 2 ranks"
    OMP_NUM_THREADS=2 drv "$exp.np4.log" 4 ${ARGS[$exp]} --seed 7 --quiet --threads 2 -o "$exp.np4.h5"
    expect_rc 0 "$exp.np4.log" "$exp on 4 ranks x 2 threads"
  }
  same_datasets "$exp.np1.h5" "$exp.np2.h5"
  same_datasets "$exp.np1.h5" "$exp.np4.h5"
done

note "another seed changes the numbers"
# shellcheck disable=SC2086
drv seed8.log 0 ${ARGS[associative-q]} --seed 8 --quiet -o seed8.h5
expect_rc 0 seed8.log "seed 8"
if (same_datasets associative-q.np1.h5 seed8.h5) >/dev/null 2>&1; then fail "seeds 7 and 8 gave identical results"; fi

note "kill and resume"
for exp in associative-q tictactoe; do
  # shellcheck disable=SC2086
  NNSIM_STOP_AFTER_TASKS=9 drv "$exp.k1.log" 2 ${ARGS[$exp]} --seed 7 -o "$exp.kill.h5"
  expect_rc 3 "$exp.k1.log" "$exp stopped after 9 learners"
  [[ -f "$exp.kill.h5.checkpoint.h5" || -n $(find . -name "$exp.kill.h5*checkpoint*" -print -quit) ]] ||
    fail "$exp: no checkpoint after the stop"
  [[ ! -f "$exp.kill.h5" ]] || fail "$exp: an output file was written by the stopped run"
  # shellcheck disable=SC2086
  drv "$exp.k2.log" 0 ${ARGS[$exp]} --seed 7 --quiet -o "$exp.kill.h5" --resume
  expect_rc 0 "$exp.k2.log" "$exp resumed on 1 rank"
  same_datasets "$exp.np1.h5" "$exp.kill.h5"
  [[ "$(h5attr "$exp.kill.h5" tasks_resumed)" -ge 9 ]] || fail "$exp: the resumed run did not take the checkpoint's learners"
done
note "progress with an ETA (a run of 6-10 s: the first progress line comes after 2 s; 1,000,000 episodes took only 1.9 s on a fast machine)"
drv progress.log 0 --experiment tictactoe --samples 12 --episodes 4000000 --record-every 40000 -o progress.h5
expect_rc 0 progress.log "progress run"
grep -q -E "progress: [0-9]+/12 tasks.*ETA" progress.log || { cat progress.log >&2; fail "no progress line with an ETA"; }
no_temporaries .

note "self-description"
"$PY" - associative-q.np2.h5 tictactoe.np1.h5 td-lambda.np1.h5 reward-penalty.np1.h5 <<'PYEOF' || fail "self-description"
import sys, json, h5py, numpy as np
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        for a in ("program", "experiment", "version", "git_commit", "command_line", "parameters_json", "seed",
                  "mpi_ranks", "omp_threads", "start_time", "end_time", "learning-rate", "episodes", "record-every"):
            assert a in f.attrs, (path, a)
        assert f.attrs["program"] == "nnsim-rl" and int(f.attrs["seed"]) == 7, path
        json.loads(f.attrs["parameters_json"])
        def check(name, obj):
            if isinstance(obj, h5py.Dataset):
                assert "description" in obj.attrs and "units" in obj.attrs, (path, name)
        f.visititems(check)
with h5py.File(sys.argv[1], "r") as f:
    assert int(f.attrs["mpi_ranks"]) == 2
    g = f["results/q_table"]
    eps = f["points/epsilon"][:]
    rows = len(g["episode"])
    assert list(g["episode"][:3]) == [0, 20, 40] and g["episode"][-1] == 400
    assert g["mean"].shape == (2, rows * 4) and g["stderr"].shape == (2, rows * 4) and g["samples"].shape == (2, 40, rows * 4)
    assert "equation" in g["mean"].attrs and "11.26" in g["mean"].attrs["equation"]
    # episode 0 is the initial Q (default 1), in table order
    assert np.all(g["mean"][:, :4] == 1.0)
    assert np.allclose(g["theory_limit"][:], 2 * np.array([0.6, 0.8, 0.3, 0.1]) - 1)
    for a in ("theory_rate", "theory_rate_book", "theory_mean"):
        assert "equation" in g[a].attrs, a
    book = g["theory_rate_book"][:]
    assert np.allclose(book[0], 0.05 / 4) and np.allclose(book[1], [0.1 * 0.05 / 4, 0.05 / 2, 0.05 / 2, 0.1 * 0.05 / 4])
    assert f["results/final_q_table/mean"].shape == (2, 4)
    assert np.allclose(f["results/final_q_table/mean"][:], g["mean"][:, -4:])
with h5py.File(sys.argv[2], "r") as f:
    n = len(f["results/outcomes/round"])
    m = f["results/outcomes/mean"][0].reshape(n, 3)
    assert np.allclose(m.sum(axis=1), 1)
    o = f["results/q_table_x/offsets"][:]
    assert o[1] - o[0] == 5478 and o[-1] == 5478, "only sample 0 saves its Q-table"
    assert len(f["tictactoe/position_code"]) == 5478 and f["tictactoe/position_code"][0] == 0
with h5py.File(sys.argv[3], "r") as f:
    assert np.allclose(f["theory/true_value"][:], np.arange(1, 6) / 6)
    assert f["results/rms_error/mean"].shape == (6, 51)
with h5py.File(sys.argv[4], "r") as f:
    assert np.allclose(f["theory/r_max"][:], 0.1)
    assert np.all(f["results/expected_reward/samples"][:] <= 0.1 + 1e-12)
print("-- self-description OK")
PYEOF

note "softmax: points, key and theory"
"$PY" - softmax.np1.h5 associative-q.np1.h5 <<'PYEOF' || fail "softmax output"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "r") as g:
    assert list(f["points/beta"][:]) == [0.5, 4.0] and "epsilon" not in f["points"]
    assert f.attrs["policy"] == "softmax" and "epsilon" not in f.attrs and "epsilon-schedule" not in f.attrs
    assert g.attrs["policy"] == "epsilon-greedy" and "beta" not in g.attrs
    q = np.array([0.2, 0.6, -0.4, -0.8])  # the book's Q*
    for p, beta in enumerate(f["points/beta"][:]):
        pi = np.exp(beta * q.reshape(2, 2))
        pi = (pi / pi.sum(axis=1, keepdims=True)).ravel()
        assert np.allclose(f["results/q_table/theory_rate"][p], -np.log1p(-0.05 * pi / 2))
        assert np.isclose(f["results/mean_reward/theory_limit"][p], (pi * q).sum() / 2)
    assert "theory_rate_book" not in f["results/q_table"] and "theory_mean" not in f["results/q_table"]
    # a sharper softmax earns more while learning (a check with 40 learners, 400 episodes)
    m, se = f["results/mean_reward/mean"][:], f["results/mean_reward/stderr"][:]
    assert m[1] - m[0] > 4 * np.hypot(se[0], se[1]), (m, se)
print("-- softmax output OK")
PYEOF

note "nnsim-merge keeps nnsim-rl's extra datasets"
MERGE=$(dirname "$DRIVER")/nnsim-merge
[[ -x "$MERGE" ]] || fail "nnsim-merge not found beside $DRIVER"
merge_same() {  # merge_same REFERENCE EXP-ARGS-NAME PARTS... (each part: extra options, ';'-separated)
  local ref=$1 name=$2
  shift 2
  local inputs=() k=0 part
  for part in "$@"; do
    k=$((k + 1))
    # shellcheck disable=SC2086
    drv "m.$name.$k.log" 0 ${ARGS[$name]} --seed 7 --quiet ${part//;/ } -o "m.$name.$k.h5"
    expect_rc 0 "m.$name.$k.log" "$name part $k ($part)"
    inputs+=("m.$name.$k.h5")
  done
  RC=0
  "$MERGE" --quiet -o "m.$name.h5" "${inputs[@]}" >"m.$name.log" 2>&1 || RC=$?
  expect_rc 0 "m.$name.log" "nnsim-merge of $name"
  same_datasets "$ref" "m.$name.h5"
}
# associative-q: a point block and a sample range (epsilon 1 | epsilon 0.1, first 20 | last 20 learners);
# nnsim-merge orders the points by their axis values, so the one-run reference lists them so too
ARGS[aq-merge]="--experiment associative-q --episodes 400 --record-every 20 --learning-rate 0.05"
drv aq.ref.log 0 ${ARGS[aq-merge]} --epsilon 0.1,1 --samples 40 --seed 7 --quiet -o aq.ref.h5
expect_rc 0 aq.ref.log "associative-q reference for the merge"
merge_same aq.ref.h5 aq-merge "--epsilon;1;--samples;40" "--epsilon;0.1;--samples;20" \
  "--epsilon;0.1;--samples;20;--first-sample;20"
# the command line's point order (epsilon 1,0.1, not sorted) is kept when the parts list it so
ARGS[aq-order]="${ARGS[aq-merge]} --epsilon 1,0.1"
drv aq.order.log 0 ${ARGS[aq-order]} --samples 40 --seed 7 --quiet -o aq.order.h5
expect_rc 0 aq.order.log "associative-q reference with --epsilon 1,0.1"
merge_same aq.order.h5 aq-order "--samples;20" "--samples;20;--first-sample;20"
"$PY" - m.aq-merge.h5 aq.ref.h5 <<'PYEOF' || fail "merged associative-q attributes"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "r") as g:
    for name in ("results/q_table/episode", "results/q_table/theory_mean"):
        assert dict(f[name].attrs) == dict(g[name].attrs), name
    assert f["results/q_table"].attrs["layout"] == g["results/q_table"].attrs["layout"]
PYEOF
ARGS[softmax-merge]="${ARGS[softmax]/--samples 40/--samples 20}"
merge_same softmax.np1.h5 softmax-merge "" "--first-sample;20"
ARGS[rp-merge]="${ARGS[reward-penalty]/--delta 0.1,1/}"
merge_same reward-penalty.np1.h5 rp-merge "--delta;1" "--delta;0.1"
ARGS[td-merge]="${ARGS[td-lambda]/--samples 24/--samples 12}"
merge_same td-lambda.np1.h5 td-merge "" "--first-sample;12"
# tictactoe with the saved Q-tables (records: learner 21's rows, in the second part; none for the
# others) and /tictactoe/position_code: 20 + 20 learners merged equal 40
drv ttt.ref.log 0 ${ARGS[tictactoe]} --seed 7 --quiet --save-q-learner 21 -o ttt.ref.h5
expect_rc 0 ttt.ref.log "tictactoe saving learner 21's Q-tables"
ARGS[ttt-merge]="${ARGS[tictactoe]/--samples 40/--samples 20} --save-q-learner 21"
merge_same ttt.ref.h5 ttt-merge "" "--first-sample;20"
"$PY" - m.ttt-merge.h5 <<'PYEOF' || fail "merged tictactoe Q-tables"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
for q in ("q_table_x", "q_table_o"):
    lengths = f["results"][q]["lengths"][()]
    assert lengths.shape == (f["points/key"].shape[0], 40), lengths.shape
    assert (lengths[:, 21] > 0).all() and lengths.sum() == lengths[:, 21].sum(), q
assert f["tictactoe/position_code"].shape[0] == f["results/q_table_x/lengths"][0, 21]
PYEOF

note "bad input"
prepare() {
  case "$1" in
    existing) echo "results of an earlier run: must not be touched" >out.h5 ;;
  esac
}
OK=(--experiment associative-q --samples 2 --episodes 10 --record-every 5)
# Most cases directly (the refusal is the same code on every rank); one under mpirun on 2 ranks.
bad table_range 2 "--reward-table must be four probabilities.*\[0, 1\].*got 0.5,1.2,0.3,0.1" --experiment associative-q --reward-table 0.5,1.2,0.3,0.1 -o out.h5
bad table_negative 0 "--reward-table must be four probabilities.*\[0, 1\]" --experiment reward-penalty --reward-table=-0.1,0.5,0.3,0.1 -o out.h5
bad table_length 0 "--reward-table must be four probabilities.*got 0.6,0.8,0.3" --experiment associative-q --reward-table 0.6,0.8,0.3 -o out.h5
bad table_text 0 "--reward-table must be four" --experiment associative-q --reward-table 0.6,0.8,x,0.1 -o out.h5
bad rate_zero 0 "--learning-rate must be in \(0, 1\], got 0" "${OK[@]}" --learning-rate 0 -o out.h5
bad rate_big 0 "--learning-rate must be in \(0, 1\], got 1.5" --experiment tictactoe --learning-rate 1.5 -o out.h5
bad epsilon 0 "--epsilon must be in \[0, 1\], got 2" "${OK[@]}" --epsilon 2 -o out.h5
bad delta 0 "--delta must be in \(0, 1\]" --experiment reward-penalty --delta 0 -o out.h5
bad lambda 0 "--lambda must be in \[0, 1\]" --experiment td-lambda --lambda 1.5 -o out.h5
bad schedule 0 "--epsilon-schedule must be one of constant, book" "${OK[@]}" --epsilon-schedule linear -o out.h5
bad experiment 0 "--experiment must be one of associative-q, reward-penalty, tictactoe, td-lambda, got bandit" --experiment bandit -o out.h5
bad no_experiment 0 "--experiment is required" --samples 2 -o out.h5
bad wrong_option 0 "--delta does not apply to --experiment tictactoe \(it is used by: reward-penalty\)" --experiment tictactoe --delta 0.1 -o out.h5
bad wrong_option2 0 "--reward-table does not apply to --experiment td-lambda" --experiment td-lambda --reward-table 0.5,0.5,0.5,0.5 -o out.h5
bad unknown 0 "unrecognised option '--gamma'|unknown option.*gamma|gamma" "${OK[@]}" --gamma 0.9 -o out.h5
bad record 0 "--record-every must be a divisor of --episodes \(10\), got 3" --experiment associative-q --episodes 10 --record-every 3 -o out.h5
bad existing 0 "out\.h5.*exists.*--force" "${OK[@]}" -o out.h5
bad table_range 0 "--reward-table must be four probabilities" --experiment associative-q --reward-table 0.5,1.2,0.3,0.1 -o out.h5
bad policy 0 "--policy must be epsilon-greedy or softmax, got greedy" "${OK[@]}" --policy greedy -o out.h5
bad beta_zero 0 "--beta must be in \(0, 1e6\], got 0" "${OK[@]}" --policy softmax --beta 0 -o out.h5
bad beta_text 0 "--beta" "${OK[@]}" --policy softmax --beta x -o out.h5
bad beta_eps 0 "--beta does not apply to --policy epsilon-greedy \(it is used by --policy softmax\)" "${OK[@]}" --beta 2 -o out.h5
bad eps_softmax 0 "--epsilon does not apply to --policy softmax \(it is used by --policy epsilon-greedy\)" "${OK[@]}" --policy softmax --epsilon 0.1 -o out.h5
bad schedule_softmax 0 "--epsilon-schedule does not apply to --policy softmax" "${OK[@]}" --policy softmax --epsilon-schedule book -o out.h5
bad policy_ttt 0 "--policy does not apply to --experiment tictactoe \(it is used by: associative-q\)" --experiment tictactoe --policy softmax -o out.h5
note "OK"
