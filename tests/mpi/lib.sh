# shellcheck shell=bash
# Shared helpers for the driver-level MPI tests in this folder (sourced by each *.sh test,
# not a test itself). The caller sets DRIVER (path of nnsim-hopfield) and SRC (source dir)
# and calls setup_workdir NAME first.
#
# Running a test by hand (ctest normally provides the Open MPI environment, see NNSIM_MPI_ENV):
#   OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 \
#     bash tests/mpi/rank_invariance.sh build/apps/nnsim-hopfield .

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

note() { echo "-- $*"; }

require_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || fail "required tool '$t' not found (h5diff/h5dump: apt install hdf5-tools)"
  done
}

# Processes this test started in the background; killed (by pid) on exit if still alive.
BG_PIDS=()

cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      # SIGTERM first: timeout passes it to mpirun, which passes it to the ranks.
      kill -TERM "$pid" 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null && sleep 0.3; done
      pkill -KILL -P "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n "${WORK:-}" && -d "$WORK" ]]; then rm -rf -- "$WORK"; fi
}

# setup_workdir NAME: a private temporary directory in $WORK (removed on exit); cd into it.
setup_workdir() {
  [[ -x "$DRIVER" ]] || fail "driver '$DRIVER' is not an executable file"
  [[ -d "$SRC" ]] || fail "source dir '$SRC' does not exist"
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/nnsim-$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 143' TERM INT
  cd "$WORK" || exit 1
}

# drv LOG RANKS ARGS...: run the driver with ARGS, on RANKS ranks via mpirun (RANKS=0: directly,
# without mpirun), stdout+stderr to LOG, under `timeout` so a hang fails. Sets RC and SECONDS_TAKEN.
drv() {
  local log=$1 ranks=$2
  shift 2
  local cmd=("$DRIVER")
  if ((ranks > 0)); then cmd=(mpirun --oversubscribe -n "$ranks" "$DRIVER"); fi
  local t0 t1
  t0=$(date +%s.%N)
  RC=0
  timeout "${DRV_TIMEOUT:-60}" "${cmd[@]}" "$@" >"$log" 2>&1 </dev/null || RC=$?
  t1=$(date +%s.%N)
  # shellcheck disable=SC2034  # read by the callers
  SECONDS_TAKEN=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  if ((RC == 124)); then
    cat "$log" >&2
    fail "driver did not finish within ${DRV_TIMEOUT:-60} s (hang?): ${cmd[*]} $*"
  fi
  return 0
}

# expect_rc EXPECTED LOG WHAT: fail (showing LOG) unless the last drv returned EXPECTED.
expect_rc() {
  local expected=$1 log=$2 what=$3
  if [[ "$RC" != "$expected" ]]; then
    echo "---- output of: $what" >&2
    cat "$log" >&2
    echo "----" >&2
    fail "$what: exit code $RC, expected $expected"
  fi
}

# h5same A B OBJECT: OBJECT (group, recursively, or dataset) is identical in A and B: h5diff
# without any tolerance must exit 0. On failure prints what differs.
h5same() {
  local a=$1 b=$2 obj=$3 rc=0
  h5diff -q "$a" "$b" "$obj" >/dev/null 2>&1 || rc=$?
  if ((rc != 0)); then
    echo "---- h5diff $a $b $obj (exit $rc; 1 = differences, 2 = error):" >&2
    # Verbose listing, minus everything that is equal (objects/attributes present in both,
    # "0 differences found" blocks): what is left names what differs or exists on one side only.
    h5diff -v2 "$a" "$b" "$obj" 2>&1 | awk '
      /^ +x +x /                                             { next }
      /^(group|dataset|datatype|link) *:/                    { hdr = $0; owner = $0; shown = 0; next }
      /^attribute *:/                                        { hdr = $0; next }
      /^0 differences found$/                                { hdr = ""; next }
      /only in obj1, 0 only in obj2$/                        { next }
      /^ *obj1 +obj2 *$/ || /^group1 +group2/ || /^ *-+ *$/ || /^ *$/ { next }
      { if (owner != "" && !shown) { print owner; shown = 1 }
        if (hdr != "" && hdr != owner) print hdr
        hdr = ""; print }' | head -80 >&2 || true
    fail "$obj differs between $(basename "$a") and $(basename "$b") (h5diff exit $rc)"
  fi
}

# h5attr FILE NAME: print a root attribute (strings decoded) using Debian's python with h5py.
h5attr() {
  /usr/bin/python3 - "$1" "$2" <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    if sys.argv[2] not in f.attrs:
        sys.exit(f"{sys.argv[1]}: no root attribute {sys.argv[2]!r}")
    v = f.attrs[sys.argv[2]]
    print(v.decode() if isinstance(v, bytes) else v)
EOF
}

# no_temporaries DIR: no half-written '*.tmp.*' files left behind.
no_temporaries() {
  local left
  left=$(find "$1" -name '*.tmp.*' -print)
  [[ -z "$left" ]] || fail "temporary files left behind: $left"
}

# Refused runs. The caller may define prepare NAME (files a case needs in its directory).
# Directory contents with checksums (what "nothing written, nothing changed" is checked against).
snapshot() { find . -type f -print0 | sort -z | xargs -0 -r md5sum; }

# bad NAME RANKS REGEX ARGS...: the driver must refuse ARGS with exit 2 and a message matching
# the (extended, case-insensitive) REGEX, and leave its directory unchanged.
bad() {
  local name=$1 ranks=$2 regex=$3
  shift 3
  local dir="$WORK/$name.np$ranks"
  mkdir "$dir"
  (
    cd "$dir"
    if declare -F prepare >/dev/null; then prepare "$name"; fi
    before=$(snapshot)
    drv ../"$name.np$ranks.log" "$ranks" "$@"
    log=../"$name.np$ranks.log"
    expect_rc 2 "$log" "$name (ranks=$ranks): $*"
    grep -q -i -E -- "$regex" "$log" ||
      { cat "$log" >&2; fail "$name (ranks=$ranks): the message does not match /$regex/"; }
    after=$(snapshot)
    if [[ "$before" != "$after" ]]; then
      diff <(echo "$before") <(echo "$after") >&2 || true
      fail "$name (ranks=$ranks): the refused run changed its directory (files written or modified)"
    fi
    printf -- '-- %-16s np%s exit 2 in %5ss: %s\n' "$name" "$ranks" "$SECONDS_TAKEN" "$(grep -m1 error "$log" || true)"
  )
}

# same_datasets A B: every dataset of the HDF5 files A and B is identical (NaN equal to NaN), with
# the same set of datasets, except measured wall times (attribute units = "s"), which differ
# between runs by nature.
same_datasets() {
  /usr/bin/python3 - "$1" "$2" <<'PYEOF' || fail "$1 and $2 differ"
import sys, h5py, numpy as np
def walk(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(n, o):
            if isinstance(o, h5py.Dataset) and o.attrs.get("units", "") != "s":
                out[n] = o[()]
        f.visititems(visit)
    return out
a, b = walk(sys.argv[1]), walk(sys.argv[2])
if sorted(a) != sorted(b):
    sys.exit("dataset lists differ: %s" % sorted(set(a) ^ set(b)))
bad = [k for k in a if not (np.array_equal(a[k], b[k], equal_nan=True) if np.asarray(a[k]).dtype.kind == "f"
                            else np.array_equal(a[k], b[k]))]
if bad:
    sys.exit("datasets differ: %s" % bad)
print("-- identical: %d datasets (wall times excluded)" % len(a))
PYEOF
}

# merge_ok OUT IN...: nnsim-merge ($MERGE) pools the inputs into OUT (exit 0).
merge_ok() {
  local out=$1
  shift
  RC=0
  "$MERGE" -o "$out" "$@" >merge.log 2>&1 || RC=$?
  expect_rc 0 merge.log "nnsim-merge -o $out $*"
}
# merge_refused PATTERN IN...: nnsim-merge refuses the inputs (exit 2) with a message matching
# PATTERN, writes no refused.h5 and leaves no temporary file in $WORK.
merge_refused() {
  local pattern=$1
  shift
  RC=0
  "$MERGE" -o refused.h5 "$@" >merge.log 2>&1 || RC=$?
  expect_rc 2 merge.log "nnsim-merge of $* (should be refused)"
  grep -Eq -- "$pattern" merge.log || { cat merge.log >&2; fail "refusal of $* does not say /$pattern/"; }
  [[ ! -e refused.h5 ]] || fail "a refused merge wrote refused.h5"
  no_temporaries "$WORK"
  printf -- '-- refused (exit 2): %s\n' "$(grep -m1 error merge.log)"
}
