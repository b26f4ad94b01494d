#!/usr/bin/env bash
# nnsim-sgd under mpirun, on a small synthetic data set in Fashion-MNIST's IDX format (so the test
# needs neither the 30 MB package nor minutes of training):
#  - rank invariance: weights, learning curves, test results bitwise identical on 1, 2 and 4 ranks
#    and with 2 threads (only the measured wall times may differ); another --shards differs;
#  - kill and resume: a run stopped mid-epoch (exit 3, checkpoint; the test trigger and
#    --time-limit) and resumed on another rank count ends bitwise identical; a --resume with other options is refused;
#  - kernel instruction set: recorded as root attribute isa; the lowest over the ranks (a rank
#    capped by NNSIM_CPU_CAPS=generic pulls all to generic); a resume on another path is refused;
#  - ensemble mode: independent trainings over ranks, the same on 1 and 2 ranks, mean and stderr;
#  - self-description: provenance, description and units on every dataset, shapes, sums;
#  - bad data and options: wrong magic number, truncated file, label out of range, mismatched
#    counts, missing data -> exit 2 with a clear message, nothing written.
# Usage: sgd.sh DRIVER SOURCE_DIR   (DRIVER = nnsim-sgd)
set -euo pipefail
DRIVER=$(realpath -- "$1")
SRC=$(realpath -- "$2")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools mpirun timeout md5sum
setup_workdir sgd
PY=/usr/bin/python3

# make_data DIR [FAULT]: 800 training and 200 test images (28 x 28, 10 classes: a class-specific
# stripe pattern plus noise), gzip IDX files named as in Fashion-MNIST; FAULT corrupts them.
make_data() {
  mkdir -p "$1"
  "$PY" - "$1" "${2:-}" <<'PYEOF'
import gzip, struct, sys, numpy as np
out, fault = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
def make(n):
    labels = rng.integers(0, 10, n).astype(np.uint8)
    base = np.zeros((10, 28, 28))
    for c in range(10):
        base[c, :, 2 * c:2 * c + 5] = 150
        base[c, 2 * c:2 * c + 3, :] += 80
    images = np.clip(base[labels] + rng.normal(0, 60, (n, 28, 28)), 0, 255).astype(np.uint8)
    return images, labels
def write(name, array, magic=None):
    header = struct.pack(">I", magic if magic is not None else 0x800 | array.ndim) + b"".join(
        struct.pack(">I", d) for d in array.shape)
    data = header + array.tobytes()
    if fault == "truncated" and "train-images" in name:
        data = data[: len(data) - 1000]
    with gzip.open(f"{out}/{name}", "wb") as f:
        f.write(data)
for prefix, n in (("train", 800), ("t10k", 200)):
    images, labels = make(n)
    if fault == "label" and prefix == "train":
        labels[123] = 12
    if fault == "count" and prefix == "train":
        labels = labels[:799]
    write(f"{prefix}-images-idx3-ubyte.gz", images, 0x0803 if fault != "magic" or prefix != "train" else 0x0903)
    write(f"{prefix}-labels-idx1-ubyte.gz", labels)
PYEOF
}

# same_training A B: every dataset outside /timing and without units "s" is identical.
same_training() {
  "$PY" - "$1" "$2" <<'PYEOF' || fail "$1 and $2 differ"
import sys, h5py, numpy as np
def walk(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(n, o):
            if isinstance(o, h5py.Dataset) and not n.startswith("timing") and o.attrs.get("units", "") != "s":
                out[n] = o[()]
        f.visititems(visit)
    return out
a, b = walk(sys.argv[1]), walk(sys.argv[2])
assert sorted(a) == sorted(b), sorted(set(a) ^ set(b))
bad = [k for k in a if not np.array_equal(a[k], b[k], equal_nan=True)]
assert not bad, "differ: %s" % bad
assert any(k.startswith("weights/") for k in a)
print("-- identical: %d datasets (wall times excluded)" % len(a))
PYEOF
}

make_data data
# Options may not be repeated: the ones a case varies (--shards, --learning-rate) are given per run.
ARGS=(--data-dir data --layers 784,24,12,10 --batch 32 --epochs 3 --validation 160 --seed 5 --quiet)
ARGS4=("${ARGS[@]}" --shards 4 --learning-rate 0.05)

note "rank invariance"
drv np1.log 0 "${ARGS4[@]}" -o np1.h5
expect_rc 0 np1.log "1 rank"
drv np2.log 2 "${ARGS4[@]}" -o np2.h5
expect_rc 0 np2.log "2 ranks"
drv np4.log 4 "${ARGS4[@]}" -o np4.h5
expect_rc 0 np4.log "4 ranks"
OMP_NUM_THREADS=2 drv np2t2.log 2 "${ARGS4[@]}" --threads 2 -o np2t2.h5
expect_rc 0 np2t2.log "2 ranks x 2 threads"
same_training np1.h5 np2.h5
same_training np1.h5 np4.h5
same_training np1.h5 np2t2.h5
# 1 rank computes every shard and fuses the shard sum into the products (trainer.cpp,
# gradient_fused); its threads split the columns: the same bits
OMP_NUM_THREADS=2 drv np1t2.log 0 "${ARGS4[@]}" --threads 2 -o np1t2.h5
expect_rc 0 np1t2.log "1 rank x 2 threads"
same_training np1.h5 np1t2.h5
drv shards.log 2 "${ARGS[@]}" --shards 2 --learning-rate 0.05 -o shards.h5
expect_rc 0 shards.log "--shards 2"
h5diff -q np1.h5 shards.h5 /weights >/dev/null 2>&1 && fail "--shards 2 gave the same weights as --shards 4"
note "another --shards changes the rounding, as it must"

note "kill and resume"
NNSIM_STOP_AFTER_STEPS=30 drv k1.log 2 "${ARGS4[@]}" -o kill.h5
expect_rc 3 k1.log "stopped after 30 steps"
[[ -f kill.h5.checkpoint.h5 && ! -e kill.h5 ]] || fail "a stopped run must leave a checkpoint and no output"
grep -q -- "--resume" k1.log || fail "the stop message does not say how to resume"
drv k-bad.log 2 "${ARGS[@]}" --shards 4 --learning-rate 0.07 -o kill.h5 --resume
expect_rc 2 k-bad.log "--resume with another learning rate"
NNSIM_STOP_AFTER_STEPS=25 drv k2.log 3 "${ARGS4[@]}" -o kill.h5 --resume
expect_rc 3 k2.log "stopped again (3 ranks)"
drv k3.log 4 "${ARGS4[@]}" -o kill.h5 --resume
expect_rc 0 k3.log "resumed on 4 ranks"
[[ ! -e kill.h5.checkpoint.h5 ]] || fail "the checkpoint of a finished run must be removed"
same_training np1.h5 kill.h5
no_temporaries .
# The wall-time path: --time-limit stops at a mini-batch boundary (exit 3), resume finishes. The
# limit (1 ms) is far below the run (40 epochs, hundreds of steps) on any machine: 0.5 s was not
# (a fast CI machine finished the whole run within it).
LONG=(--data-dir data --layers 784,24,12,10 --batch 16 --epochs 40 --patience 0 --validation 160 --seed 6 --quiet)
drv long.log 2 "${LONG[@]}" -o long.h5
expect_rc 0 long.log "40 epochs uninterrupted"
drv t1.log 2 "${LONG[@]}" --time-limit 0.001 -o timed.h5
expect_rc 3 t1.log "--time-limit 0.001"
grep -q "time-limit" t1.log || fail "the stop message does not name --time-limit"
drv t2.log 1 "${LONG[@]}" -o timed.h5 --resume
expect_rc 0 t2.log "resumed after --time-limit"
same_training long.h5 timed.h5

note "kernel instruction set (src/sgd/kernels/kernels.hpp)"
# The path is recorded as the root attribute isa: the best this CPU supports by default.
BEST=$("$DRIVER" --version | sed -n 's/^instruction set: \([a-z0-9]*\).*/\1/p')
[[ -n "$BEST" ]] || fail "--version names no instruction set"
[[ "$(h5attr np1.h5 isa)" == "$BEST" && "$(h5attr np4.h5 isa)" == "$BEST" ]] ||
  fail "isa attribute: $(h5attr np1.h5 isa) / $(h5attr np4.h5 isa), expected $BEST"
# All ranks take the lowest path over the ranks: rank 1 pretends to be an older CPU (generic).
REAL_DRIVER=$DRIVER
printf '#!/bin/sh\nif [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export NNSIM_CPU_CAPS=generic; fi\nexec %q "$@"\n' \
  "$REAL_DRIVER" >mixed-cpus.sh
chmod +x mixed-cpus.sh
DRIVER=$WORK/mixed-cpus.sh
drv mixed.log 2 "${ARGS4[@]}" -o mixed.h5
expect_rc 0 mixed.log "2 ranks, rank 1 without AVX"
DRIVER=$REAL_DRIVER
[[ "$(h5attr mixed.h5 isa)" == generic ]] || fail "mixed CPUs: isa $(h5attr mixed.h5 isa), expected generic"
NNSIM_ISA=generic drv generic1.log 0 "${ARGS4[@]}" -o generic1.h5
expect_rc 0 generic1.log "NNSIM_ISA=generic, 1 rank"
[[ "$(h5attr generic1.h5 isa)" == generic ]] || fail "NNSIM_ISA=generic: isa $(h5attr generic1.h5 isa)"
same_training generic1.h5 mixed.h5
note "mixed CPUs: both ranks on the generic path, identical to NNSIM_ISA=generic on 1 rank"
if [[ "$BEST" != generic ]]; then
  # A checkpoint of the $BEST path cannot be resumed on another path (exit 2, naming NNSIM_ISA),
  # and the checkpoint survives the refusal; on the recorded path the resume is bitwise exact.
  NNSIM_STOP_AFTER_STEPS=20 drv isa-k1.log 2 "${ARGS4[@]}" -o isa-kill.h5
  expect_rc 3 isa-k1.log "stopped after 20 steps"
  NNSIM_ISA=generic drv isa-k2.log 2 "${ARGS4[@]}" -o isa-kill.h5 --resume
  expect_rc 2 isa-k2.log "--resume on the generic path of a $BEST checkpoint"
  grep -q "computed on the $BEST kernel path.*NNSIM_ISA=$BEST" isa-k2.log ||
    fail "no clear refusal: $(cat isa-k2.log)"
  NNSIM_CPU_CAPS=avx2 drv isa-k3.log 1 "${ARGS4[@]}" -o isa-kill.h5 --resume
  if [[ "$BEST" == avx2 ]]; then expect_rc 0 isa-k3.log "resume on avx2"; else
    expect_rc 2 isa-k3.log "--resume of an $BEST checkpoint on a CPU capped at avx2"
    grep -q "NNSIM_ISA" isa-k3.log || fail "the refusal does not name NNSIM_ISA: $(cat isa-k3.log)"
    [[ -f isa-kill.h5.checkpoint.h5 && ! -e isa-kill.h5 ]] || fail "the refused resume must keep the checkpoint"
    drv isa-k4.log 4 "${ARGS4[@]}" -o isa-kill.h5 --resume
    expect_rc 0 isa-k4.log "resumed on the $BEST path"
  fi
  same_training np1.h5 isa-kill.h5
  note "checkpoint of the $BEST path: resume refused on other paths (exit 2, names NNSIM_ISA), exact on $BEST"
fi

note "ensemble mode"
ENS=(--data-dir data --layers 784,12,10 --batch 32 --epochs 2 --validation 160 --seed 5 --quiet --ensemble --samples 4)
drv e1.log 0 "${ENS[@]}" -o e1.h5
expect_rc 0 e1.log "ensemble, 1 rank"
drv e2.log 2 "${ENS[@]}" -o e2.h5
expect_rc 0 e2.log "ensemble, 2 ranks"
h5same e1.h5 e2.h5 /results/test_accuracy
"$PY" - e1.h5 <<'PYEOF' || fail "ensemble output"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
acc = f["results/test_accuracy/samples"][0]
assert acc.shape == (4,) and len(set(acc.tolist())) > 1, acc  # different seeds, different trainings
assert abs(f["results/test_accuracy/mean"][0] - acc.mean()) < 1e-12
assert abs(f["results/test_accuracy/stderr"][0] - acc.std(ddof=1) / 2) < 1e-12
print("-- ensemble: test accuracy %.3f +- %.3f over 4 trainings" % (acc.mean(), acc.std(ddof=1) / 2))
PYEOF

note "ensemble mode in blocks (a job array): nnsim-merge of samples 0-1 and 2-3 equals one run of 4"
ENSB=("${ENS[@]:0:$((${#ENS[@]} - 1))}" 2)  # --samples 2
drv ep1.log 1 "${ENSB[@]}" -o ep1.h5
expect_rc 0 ep1.log "ensemble, samples 0-1"
drv ep2.log 1 "${ENSB[@]}" --first-sample 2 -o ep2.h5
expect_rc 0 ep2.log "ensemble, samples 2-3"
RC=0
"$(dirname "$DRIVER")/nnsim-merge" --quiet -o emerged.h5 ep1.h5 ep2.h5 >emerge.log 2>&1 || RC=$?
expect_rc 0 emerge.log "nnsim-merge of the ensemble blocks"
for obs in test_accuracy test_loss best_epoch epochs_run best_validation_accuracy; do
  h5same e1.h5 emerged.h5 "/results/$obs"
done
# /points by value (h5diff of /points follows the dimension scales into the measured seconds)
"$PY" - e1.h5 emerged.h5 <<'PYEOF' || fail "merged ensemble /points differ from one run's"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f, h5py.File(sys.argv[2], "r") as g:
    assert sorted(f["points"]) == sorted(g["points"]), (list(f["points"]), list(g["points"]))
    for k in f["points"]:
        assert np.array_equal(f["points"][k][()], g["points"][k][()]), k
    assert int(g["results/test_accuracy/count"][0]) == 4
PYEOF
note "ensemble blocks 0-1 + 2-3 merged: /points and /results equal one run of 4 trainings"

note "self-description"
"$PY" - np2.h5 <<'PYEOF' || fail "self-description"
import sys, json, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f.attrs
for k in ("program", "git_commit", "seed", "mpi_ranks", "parameters_json", "command_line", "layers", "batch",
          "learning-rate", "shards", "gradient_convention", "best_epoch", "epochs_run"):
    assert k in a, k
assert int(a["seed"]) == 5 and int(a["mpi_ranks"]) == 2
assert json.loads(a["parameters_json"])["layers"] == "784,24,12,10"
missing = []
def visit(n, o):
    if isinstance(o, h5py.Dataset) and ("description" not in o.attrs or "units" not in o.attrs):
        missing.append(n)
f.visititems(visit)
assert not missing, missing
assert f["weights/layer_1"].shape == (24, 785) and f["weights/layer_3"].shape == (10, 13)
assert f["weights/layer_1"].dtype == np.float32
epochs = int(a["epochs_run"])
assert f["history/validation_accuracy"].shape == (epochs,)
c = f["test/confusion"][()]
assert c.shape == (10, 10) and c.sum() == 200
assert abs(np.trace(c) / 200 - f["test/accuracy"][()]) < 1e-12
# the stripes are easy: the network must have learnt them
assert f["test/accuracy"][()] > 0.9, f["test/accuracy"][()]
assert f["history/validation_loss"][-1] < f["history/validation_loss"][0]
assert f["timing/samples_per_second"][()] > 0
print("-- self-describing; test accuracy %.3f" % f["test/accuracy"][()])
PYEOF

note "presets: the preset's values, explicit options win"
drv preset.log 0 --data-dir data --preset recommended --epochs 1 --learning-rate 0.02 --validation 160 --quiet \
  -o preset.h5
expect_rc 0 preset.log "--preset recommended"
"$PY" - preset.h5 <<'PYEOF' || fail "preset values"
import sys, json, h5py
a = h5py.File(sys.argv[1], "r").attrs
p = json.loads(a["parameters_json"])
want = {"preset": "recommended", "layers": "784,256,128,10", "optimizer": "nesterov", "schedule": "cosine",
        "batch": 128, "weight-decay": 5e-4, "momentum": 0.9, "learning-rate": 0.02, "epochs": 1, "patience": 10}
bad = {k: (p.get(k), v) for k, v in want.items() if p.get(k) != v}
assert not bad, bad
assert a["learning-rate"] == 0.02 and a["optimizer"] == "nesterov"
assert h5py.File(sys.argv[1], "r")["weights/layer_2"].shape == (128, 257)
print("-- preset recommended with --learning-rate 0.02 and --epochs 1 given explicitly: as expected")
PYEOF

note "bad data and options"
prepare() {
  case $1 in
    magic | truncated | label | count) make_data data "$1" ;;
  esac
}
SMALL=(--data-dir data --batch 32 --epochs 1 --validation 100 -o out.h5)
bad magic 2 "data/train-images-idx3-ubyte.gz.*magic number" "${SMALL[@]}" --layers 784,8,10
bad truncated 2 "data/train-images-idx3-ubyte.gz.*truncated" "${SMALL[@]}" --layers 784,8,10
bad label 2 "label 12 of sample 123 is out of range" "${SMALL[@]}" --layers 784,8,10
bad count 2 "holds 800 images but .* holds 799 labels" "${SMALL[@]}" --layers 784,8,10
bad missing 1 "not found.*Debian.s package dataset-fashion-mnist" --layers 784,8,10 -o out.h5 \
  --data-dir /usr/share/datasets/fashion-mnist-missing-here
unset -f prepare
prepare() { make_data data; }
bad layers 2 "--layers must be comma-separated" "${SMALL[@]}" --layers 784,x,10
bad inputs 2 "--layers must start with the 784 inputs" "${SMALL[@]}" --layers 785,8,10
bad activation 2 "--activation must be one of sigmoid, tanh, relu" "${SMALL[@]}" --layers 784,8,10 --activation softplus
bad optimizer 2 "--optimizer must be one of sgd, momentum, nesterov" "${SMALL[@]}" --layers 784,8,10 --optimizer adam
bad momentum 1 "--momentum must be in \[0, 1\)" "${SMALL[@]}" --layers 784,8,10 --momentum 1
bad preset 1 "--preset must be one of none, book, recommended" "${SMALL[@]}" --layers 784,8,10 --preset fast
bad validation 1 "--validation must be at most half" --data-dir data --batch 32 --epochs 1 -o out.h5 --layers 784,8,10 --validation 600
note "all nnsim-sgd driver checks passed"
