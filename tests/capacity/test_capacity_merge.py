#!/usr/bin/python3
"""nnsim-capacity in size blocks (--size-block I:B, job arrays) merged by nnsim-merge equals one run
over every size (issue 11).

  NNSIM_CAPACITY=build/apps/nnsim-capacity NNSIM_MERGE=build/apps/nnsim-merge \\
    /usr/bin/python3 tests/capacity/test_capacity_merge.py

A tiny study, --N 32,64,96,128, is run once and in blocks: 2 blocks of 2 sizes (one of them on 2
MPI ranks; and once more killed after 150 samples and resumed), 2 blocks of 3 and 1 size (merged in
reverse order), and block 0:2 together with a run over --N 96,128 (different --N lists: the sizes
in input order). Each merge must equal the single
run bit for bit in every dataset under /points, /results, /capacity, /extrapolation, /scaling and
/rounds, in the result attributes of those groups and datasets (fit status, recommended fit,
descriptions), and in the root attributes but for provenance and measured seconds. Refused with
exit 2, a message naming the problem and no output: overlapping blocks, a missing block (unless
--allow-gaps), a different option or seed; bad --size-block values.
"""

import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir))
CAPACITY = os.environ.get("NNSIM_CAPACITY") or os.path.join(ROOT, "build", "apps", "nnsim-capacity")
MERGE = os.environ.get("NNSIM_MERGE") or os.path.join(os.path.dirname(CAPACITY), "nnsim-merge")
MPIRUN = os.path.join(ROOT, "scripts", "mpirun")

SIZES = "32,64,96,128"
STUDY = ["--N", SIZES, "--samples", "40", "--bootstrap", "20", "--seed", "17", "--quiet"]
GROUPS = ["points", "results", "capacity", "extrapolation", "scaling", "rounds"]
# Root attributes that describe the run rather than its results.
PROVENANCE = {"command_line", "parameters_json", "start_time", "end_time", "host", "mpi_ranks", "omp_threads",
              "threads", "elapsed_seconds", "tasks_resumed", "isa", "output", "merged_from", "merge_command_line",
              "merge_time", "merged_by", "N", "size-block", "fingerprint_json"}


def env():
    e = dict(os.environ)
    e.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1"})
    return e


def run(cmd, expect=0):
    proc = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=300)
    if proc.returncode != expect:
        raise AssertionError("%s exited %d (expected %d):\n%s%s" % (" ".join(cmd), proc.returncode, expect,
                                                                   proc.stdout, proc.stderr))
    return proc.stdout + proc.stderr


def plain(value):
    """An attribute value in a comparable form (None for object references)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return None  # dimension-scale references
        return value.tobytes()
    if isinstance(value, (float, np.floating)):
        return np.float64(value).tobytes()  # NaN equals NaN
    return value


def attributes(obj, skip=()):
    out = {}
    for name, value in obj.attrs.items():
        if name in skip or name in ("DIMENSION_LIST", "REFERENCE_LIST"):
            continue
        out[name] = plain(value)
    return out


def differences(a_path, b_path):
    """Every difference between the results of two nnsim-capacity files, as text."""
    problems = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        ra, rb = attributes(a, PROVENANCE), attributes(b, PROVENANCE)
        for name in sorted(set(ra) | set(rb)):
            if ra.get(name) != rb.get(name):
                problems.append("root attribute %s: %r vs %r" % (name, ra.get(name), rb.get(name)))
        for group in GROUPS:
            objects = {}
            for f, side in ((a, 0), (b, 1)):
                f[group].visititems(lambda name, o, side=side: objects.setdefault(name, [None, None]).__setitem__(side, o))
                objects.setdefault("", [None, None])[side] = f[group]
            for name, (x, y) in sorted(objects.items()):
                where = "/%s/%s" % (group, name)
                if x is None or y is None:
                    problems.append("%s: only in %s" % (where, a_path if y is None else b_path))
                    continue
                if attributes(x) != attributes(y):
                    problems.append("%s: attributes differ: %r vs %r" % (where, attributes(x), attributes(y)))
                if isinstance(x, h5py.Dataset):
                    u, v = np.asarray(x[()]), np.asarray(y[()])
                    if u.dtype != v.dtype or u.shape != v.shape:
                        problems.append("%s: %s%s vs %s%s" % (where, u.dtype, u.shape, v.dtype, v.shape))
                    elif u.dtype.kind == "O":
                        if u.tolist() != v.tolist():
                            problems.append("%s: %r vs %r" % (where, u.tolist(), v.tolist()))
                    elif u.tobytes() != v.tobytes():
                        problems.append("%s: values differ" % where)
    return problems


class CapacityMerge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="capacity-merge-")
        cls.dir = cls.tmp.name
        cls.whole = cls.path("whole")
        run([CAPACITY] + STUDY + ["-o", cls.whole])
        cls.parts = {}
        for block, ranks in (("0:2", 1), ("1:2", 2), ("0:3", 1), ("1:3", 1)):
            out = cls.path("block-" + block.replace(":", "-"))
            cmd = [CAPACITY] + STUDY + ["--size-block", block, "-o", out]
            run([MPIRUN, "-n", str(ranks)] + cmd if ranks > 1 else cmd)
            cls.parts[block] = out
        cls.upper = cls.path("upper")
        run([CAPACITY] + STUDY[2:] + ["--N", "96,128", "-o", cls.upper])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name + ".h5")

    def merged(self, name, *inputs, extra=()):
        out = self.path(name)
        run([MERGE, "-q", "-o", out] + list(extra) + list(inputs))
        return out

    def refused(self, pattern, *inputs, extra=()):
        out = self.path("refused")
        text = run([MERGE, "-o", out] + list(extra) + list(inputs), expect=2)
        self.assertIn(pattern, text)
        self.assertFalse(os.path.exists(out), "a refused merge wrote its output")
        self.assertEqual([f for f in os.listdir(self.dir) if "tmp" in f], [], "temporaries left behind")

    def test_the_study_is_not_trivial(self):
        # The comparison means something only if the study probed several loads and rounds per
        # size and the cross-size fits ran.
        with h5py.File(self.whole, "r") as f:
            self.assertEqual(list(f["capacity/N"][:]), [32, 64, 96, 128])
            self.assertGreater(len(f["rounds/label"]), 1)
            self.assertTrue(np.all(f["capacity/loads"][:] >= 3))
            self.assertTrue(np.isfinite(f["capacity/alpha_c"][:]).sum() >= 3)
            self.assertEqual(f["extrapolation/x_0.5"].attrs["status"], "ok")
        with h5py.File(self.parts["0:2"], "r") as f:
            self.assertEqual(list(f["capacity/N"][:]), [32, 64])
            self.assertEqual(f.attrs["size-block"], "0:2")

    def test_blocks_of_two_one_on_two_ranks(self):
        out = self.merged("m2", self.parts["0:2"], self.parts["1:2"])
        self.assertEqual(differences(self.whole, out), [])
        with h5py.File(out, "r") as f:
            self.assertEqual(f.attrs["N"], SIZES)
            self.assertEqual(f.attrs["size-block"], "all")
            self.assertIn("merged_from", f.attrs)

    def test_blocks_of_three_in_reverse_order(self):
        out = self.merged("m3", self.parts["1:3"], self.parts["0:3"])
        self.assertEqual(differences(self.whole, out), [])

    def test_different_size_lists(self):
        out = self.merged("mixed", self.parts["0:2"], self.upper)
        self.assertEqual(differences(self.whole, out), [])

    def test_killed_and_resumed_block(self):
        # block 1:2 stopped after 150 samples (exit 3, checkpoint), a resume with another block
        # refused, then resumed on 2 ranks: merged with block 0:2 it still equals the single run
        out = self.path("resumed")
        cmd = [CAPACITY] + STUDY + ["--size-block", "1:2", "-o", out]
        os.environ["NNSIM_STOP_AFTER_TASKS"] = "150"
        try:
            run(cmd, expect=3)
        finally:
            del os.environ["NNSIM_STOP_AFTER_TASKS"]
        self.assertFalse(os.path.exists(out))
        other = [x if x != "1:2" else "0:2" for x in cmd]
        refused = run(other + ["--resume"], expect=2)
        self.assertIn("belongs to a run with other parameters", refused)
        self.assertIn("--size-block is '1:2' in the checkpoint, '0:2' in this run", refused)
        run([MPIRUN, "-n", "2"] + cmd + ["--resume"])
        with h5py.File(out, "r") as f:
            self.assertGreater(f.attrs["tasks_resumed"], 0)
        merged = self.merged("m-resumed", self.parts["0:2"], out)
        self.assertEqual(differences(self.whole, merged), [])

    def test_a_block_alone_differs(self):
        # the comparison can fail: a block is not the whole study
        self.assertNotEqual(differences(self.whole, self.parts["0:2"]), [])

    def test_refusals(self):
        self.refused("both hold N = 32", self.parts["0:2"], self.whole)
        self.refused("both hold N = 96", self.parts["0:3"], self.parts["1:2"])
        self.refused("N = 96,128 of --N 32,64,96,128 are in no input", self.parts["0:2"])
        self.refused("not a readable HDF5 file", self.parts["0:2"], __file__)
        other = self.path("other-program")
        with h5py.File(other, "w") as f:
            f.attrs["program"] = "nnsim-hopfield"
        self.refused("an output of nnsim-hopfield, the others of nnsim-capacity", self.parts["0:2"], other)
        os.remove(other)

    def test_allow_gaps(self):
        out = self.merged("gap", self.parts["0:2"], extra=["--allow-gaps"])
        with h5py.File(out, "r") as f, h5py.File(self.parts["0:2"], "r") as g:
            self.assertEqual(list(f["capacity/N"][:]), [32, 64])
            self.assertTrue(np.array_equal(f["capacity/alpha_c"][:], g["capacity/alpha_c"][:], equal_nan=True))

    def test_different_options_refused(self):
        other = self.path("other-seed")
        study = [x if x != "17" else "18" for x in STUDY]  # --seed 18
        run([CAPACITY] + study + ["--size-block", "1:2", "-o", other])
        self.refused("differ in --seed", self.parts["0:2"], other)

    def test_bad_size_block(self):
        for bad in ("2:2", "4:1", "x", "1", "1:0", "-1:2", "0:", ":2", "1:2:3"):
            out = self.path("bad")
            text = run([CAPACITY] + STUDY + ["--size-block", bad, "-o", out], expect=2)
            self.assertIn("--size-block", text, bad)
            self.assertFalse(os.path.exists(out), bad)

    def test_run_driver_array_points_refused(self):
        # jobs/run-driver.sh (the body of the job scripts): bad NNSIM_ARRAY_POINTS use exits 2
        # before anything runs
        cases = [({"NNSIM_ARRAY_POINTS": "0"}, "nnsim-capacity", "must be a positive integer"),
                 ({"NNSIM_ARRAY_POINTS": "x2"}, "nnsim-capacity", "must be a positive integer"),
                 ({"NNSIM_ARRAY_POINTS": "2", "NNSIM_ARRAY_SAMPLES": "5"}, "nnsim-capacity", "both set"),
                 ({"NNSIM_ARRAY_POINTS": "2", "SLURM_ARRAY_TASK_ID": ""}, "nnsim-capacity", "no array job"),
                 ({"NNSIM_ARRAY_POINTS": "2"}, "nnsim-hopfield", "nnsim-hopfield has no point blocks")]
        for extra, program, message in cases:
            e = env()
            e.update({"SLURM_ARRAY_TASK_ID": "1", "NNSIM_SITE_ENV": "", "NNSIM_ARRAY_SAMPLES": ""})
            e.update(extra)
            script = 'root=%s program=%s config=/dev/null output=%s; source "$root/jobs/run-driver.sh"' % (
                ROOT, program, self.path("job"))
            proc = subprocess.run(["bash", "-c", script], env=e, capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 2, (extra, program, proc.stdout, proc.stderr))
            self.assertIn(message, proc.stderr, extra)
            self.assertIn("NNSIM_ARRAY_POINTS", proc.stderr, extra)


if __name__ == "__main__":
    unittest.main(verbosity=2)
