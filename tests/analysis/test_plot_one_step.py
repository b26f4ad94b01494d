#!/usr/bin/python3
"""Tests for analysis/nnsim_h5.py and analysis/plot_one_step.py.

Builds synthetic files in the layout `nnsim-hopfield --experiment one-step` writes, runs the
plot script as a subprocess with /usr/bin/python3 and checks its output and error handling.

Run:  /usr/bin/python3 tests/analysis/test_plot_one_step.py
  or  /usr/bin/python3 -m unittest discover -s tests/analysis
The scripts are found through $NNSIM_ANALYSIS_DIR, else ../../analysis relative to this file.
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, assert_png, run  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_one_step.py")
NNSIM_H5 = os.path.join(ANALYSIS_DIR, "nnsim_h5.py")

sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import erf  # noqa: E402
from scipy.stats import binom  # noqa: E402

import nnsim_h5  # noqa: E402

N_VALUES = [100, 400]
ALPHAS = [0.05, 0.1, 0.2, 0.35, 0.5]
SAMPLES = 10
SEED = 12345


def book(alpha):
    return 0.5 * (1.0 - erf(np.sqrt(1.0 / (2.0 * np.asarray(alpha, dtype=float)))))


def exact(n, p):
    """Finite-N one-step error (w_ii = 0): the crosstalk is a sum of M = (N-1)(p-1) random
    +-1 terms; bit i flips when that sum is below -(N-1)."""
    m = (n - 1) * (p - 1)
    return float(binom.cdf(np.ceil((m - n + 1) / 2.0) - 1, m, 0.5))


def write_file(path, omit=()):
    """Writes a synthetic one-step file; datasets whose path is in `omit` are left out."""
    rng = np.random.default_rng(SEED)
    N = np.array([n for n in N_VALUES for _ in ALPHAS], dtype=np.int64)
    alpha = np.array([a for _ in N_VALUES for a in ALPHAS], dtype=np.float64)
    p = np.rint(alpha * N).astype(np.int64)
    ex = np.array([exact(n, k) for n, k in zip(N, p)])
    samples = np.array([rng.binomial(n, e, size=SAMPLES) / n for n, e in zip(N, ex)])
    data = {
        "/points/N": (N, "number of neurons", "1", None),
        "/points/alpha": (alpha, "storage load alpha = p/N", "1", None),
        "/points/p": (p, "number of stored patterns, round(alpha N)", "1", None),
        "/results/one_step_error/mean": (samples.mean(axis=1), "mean one-step error fraction", "1",
                                         "P = <#{i: sgn(b_i) != x_i}> / N"),
        "/results/one_step_error/stderr": (samples.std(axis=1, ddof=1) / np.sqrt(SAMPLES),
                                           "standard error of the mean", "1", None),
        "/results/one_step_error/count": (np.full(len(N), SAMPLES, dtype=np.int64),
                                          "number of samples", "1", None),
        "/results/one_step_error/samples": (samples, "per-sample error fraction", "1", None),
        "/theory/one_step_error": (book(alpha), "large-N one-step error, Mehlig (2.39)", None,
                                   "P = (1 - erf(sqrt(1/(2 alpha))))/2"),
        "/theory/one_step_error_exact": (ex, "exact finite-N one-step error", None,
                                         "binomial tail of the crosstalk term"),
    }
    with h5py.File(path, "w") as f:
        f.attrs["program"] = "nnsim-hopfield"
        f.attrs["experiment"] = "one-step"
        f.attrs["version"] = "0.1.0"
        f.attrs["git_commit"] = "0123456789abcdef"
        f.attrs["command_line"] = "nnsim-hopfield --experiment one-step --seed %d" % SEED
        f.attrs["parameters_json"] = json.dumps({"experiment": "one-step", "N": N_VALUES,
                                                 "alpha": ALPHAS, "samples": SAMPLES,
                                                 "seed": SEED})
        f.attrs["seed"] = np.uint64(SEED)
        f.attrs["mpi_ranks"] = np.int64(2)
        f.attrs["omp_threads"] = np.int64(1)
        f.attrs["start_time"] = "2024-01-01T00:00:00Z"
        f.attrs["end_time"] = "2024-01-01T00:00:05Z"
        f.attrs["host"] = np.bytes_(b"testhost")  # fixed-length bytes: must decode too
        for name, (values, description, units, equation) in data.items():
            if name in omit:
                continue
            ds = f.create_dataset(name, data=values)
            ds.attrs["description"] = description
            if units is not None:
                ds.attrs["units"] = units
            if equation is not None:
                ds.attrs["equation"] = equation
        # Dimension scales, as the C++ writer may attach them: describe() must cope.
        if "/points/alpha" not in omit and "/results/one_step_error/mean" not in omit:
            f["/points/alpha"].make_scale("alpha")
            f["/results/one_step_error/mean"].dims[0].attach_scale(f["/points/alpha"])
    return {"N": N, "alpha": alpha, "p": p, "samples": samples, "exact": ex}


class OneStepPlotTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-one-step-")
        cls.good = os.path.join(cls.tmp, "run.h5")
        cls.truth = write_file(cls.good)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_scripts_exist(self):
        self.assertTrue(os.path.isfile(PLOT), PLOT)
        self.assertTrue(os.path.isfile(NNSIM_H5), NNSIM_H5)

    def test_book_formula(self):
        import plot_one_step
        # (2.39) at alpha = 1 is 1 - Phi(1); at alpha = 0.5 it is 1 - Phi(sqrt 2).
        self.assertAlmostEqual(float(plot_one_step.book_one_step_error(1.0)), 0.15865525393145707, 12)
        self.assertAlmostEqual(float(plot_one_step.book_one_step_error(0.5)), 0.07864960352514261, 12)
        self.assertEqual(plot_one_step.default_output("/a/b/run.h5"), "/a/b/run-one-step.png")

    def test_plot_default_output(self):
        out = os.path.join(self.tmp, "run-one-step.png")
        if os.path.exists(out):
            os.remove(out)
        r = run(PLOT, self.good)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        assert_png(self, out)

    def test_plot_explicit_output_linear(self):
        out = os.path.join(self.tmp, "linear.png")
        r = run(PLOT, self.good, "-o", out, "--linear")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        assert_png(self, out)

    def test_loaders(self):
        with h5py.File(self.good, "r") as f:
            pts = nnsim_h5.load_points(f)
            self.assertEqual(sorted(pts), ["N", "alpha", "p"])
            np.testing.assert_array_equal(pts["N"], self.truth["N"])
            np.testing.assert_array_equal(pts["p"], self.truth["p"])
            np.testing.assert_allclose(pts["alpha"], self.truth["alpha"])
            obs = nnsim_h5.load_observable(f, "one_step_error")
            self.assertEqual(obs["samples"].shape, (len(N_VALUES) * len(ALPHAS), SAMPLES))
            np.testing.assert_allclose(obs["mean"], self.truth["samples"].mean(axis=1))
            np.testing.assert_array_equal(obs["count"], SAMPLES)
            np.testing.assert_allclose(nnsim_h5.load_theory(f, "one_step_error"),
                                       book(self.truth["alpha"]))
            self.assertIsNone(nnsim_h5.load_theory(f, "no_such_theory"))
            with self.assertRaises(SystemExit) as cm:
                nnsim_h5.load_observable(f, "no_such_observable")
            self.assertIn("/results/no_such_observable/mean", str(cm.exception))
            self.assertIn(self.good, str(cm.exception))
            self.assertEqual(nnsim_h5.parameters(f)["seed"], SEED)

    def test_describe(self):
        text = nnsim_h5.describe(self.good)
        for name in ("/points/N", "/points/alpha", "/points/p",
                     "/results/one_step_error/mean", "/results/one_step_error/stderr",
                     "/results/one_step_error/count", "/results/one_step_error/samples",
                     "/theory/one_step_error", "/theory/one_step_error_exact"):
            self.assertIn(name, text)
        self.assertIn("[10, 10]", text)  # samples shape
        self.assertIn("P = (1 - erf(sqrt(1/(2 alpha))))/2", text)  # an equation attribute
        self.assertIn("storage load alpha = p/N", text)  # a description attribute
        self.assertIn(str(SEED), text)
        self.assertIn("testhost", text)
        self.assertNotIn("b'testhost'", text)
        # The command-line tool prints the same summary.
        r = run(NNSIM_H5, self.good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("/results/one_step_error/samples", r.stdout)

    def test_missing_dataset(self):
        path = os.path.join(self.tmp, "broken.h5")
        write_file(path, omit=("/results/one_step_error/stderr",))
        out = os.path.join(self.tmp, "broken.png")
        r = run(PLOT, path, "-o", out)
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertIn("/results/one_step_error/stderr", r.stderr)
        self.assertIn(path, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_missing_points(self):
        path = os.path.join(self.tmp, "nopoints.h5")
        write_file(path, omit=("/points/N",))
        r = run(PLOT, path, "-o", os.path.join(self.tmp, "nopoints.png"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("/points/N", r.stderr)

    def test_missing_and_invalid_file(self):
        missing = os.path.join(self.tmp, "does-not-exist.h5")
        r = run(PLOT, missing)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(missing, r.stderr)
        self.assertNotIn("Traceback", r.stderr)

        bogus = os.path.join(self.tmp, "bogus.h5")
        with open(bogus, "w") as fh:
            fh.write("this is not HDF5\n")
        r = run(PLOT, bogus)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(bogus, r.stderr)
        self.assertNotIn("Traceback", r.stderr)

        r = run(NNSIM_H5, missing)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(missing, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
