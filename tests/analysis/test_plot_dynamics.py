#!/usr/bin/python3
"""Tests for analysis/plot_steady_state.py (Fig. 3.4) and analysis/plot_phase_diagram.py
(Fig. 3.5), run on files written by the real driver.

Runs nnsim-hopfield with tiny parameters (steady-state, phase-diagram and one-step files), then
the plot scripts as subprocesses with /usr/bin/python3, and checks the PNGs and the error
handling. Also checks the Python solver of (3.39)-(3.41) in plot_steady_state.py against the
book's values and against the C++ solver's values in the file.

Run:  NNSIM_HOPFIELD=build/apps/nnsim-hopfield /usr/bin/python3 tests/analysis/test_plot_dynamics.py
The driver is $NNSIM_HOPFIELD, else ../../build/apps/nnsim-hopfield relative to this file; the
driver tests are skipped if it does not exist. The scripts are found through
$NNSIM_ANALYSIS_DIR, else ../../analysis relative to this file.
"""

import math
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import (  # noqa: E402
    ANALYSIS_DIR, DRIVER, assert_png, requires_driver, run, run_driver)

PLOT_SS = os.path.join(ANALYSIS_DIR, "plot_steady_state.py")
PLOT_PD = os.path.join(ANALYSIS_DIR, "plot_phase_diagram.py")

sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import plot_steady_state  # noqa: E402

SS_ARGS = ["--experiment", "steady-state", "--N", "200,400", "--alpha", "0.05:0.2:0.05", "--samples", "4"]
PD_ARGS = ["--experiment", "phase-diagram", "--N", "200", "--alpha", "0.04:0.16:0.04",
           "--noise", "0.2:1.0:0.4", "--sweeps", "40", "--transient", "10", "--samples", "2"]
OS_ARGS = ["--experiment", "one-step", "--N", "200,400", "--alpha", "0.05:0.2:0.05", "--samples", "4"]

# Mehlig, "Machine learning with neural networks": m_1 of (3.39)-(3.41) at these loads.
BOOK_M1 = [(0.10, 0.99800), (0.12, 0.99322), (0.13, 0.98721), (0.137, 0.97544)]


def subset_copy(src, dst, index, N=None, p=None):
    """Copies the nnsim file `src` to `dst` keeping the points `index` (in that order, repeats
    allowed) of every /points and /results dataset; N and p, if given, replace those points."""
    index = np.asarray(index)
    with h5py.File(src, "r") as fin, h5py.File(dst, "w") as fout:
        for key, value in fin.attrs.items():
            fout.attrs[key] = value
        n_points = fin["/points/alpha"].shape[0]

        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            data = obj[()]
            if (name.startswith("points/") or name.startswith("results/")) and data.shape[:1] == (n_points,):
                data = data[index]
            if name == "points/N" and N is not None:
                data = np.asarray(N, dtype=data.dtype)
            if name == "points/p" and p is not None:
                data = np.asarray(p, dtype=data.dtype)
            if name.startswith("theory/") and data.shape[:1] == (n_points,):
                data = data[index]
            fout.create_dataset(name, data=data)
        fin.visititems(visit)


class SolverTest(unittest.TestCase):
    """The Python solution of (3.39)-(3.41) in plot_steady_state.py."""

    def test_book_values(self):
        for alpha, m1 in BOOK_M1:
            self.assertAlmostEqual(plot_steady_state.steady_state_overlap(alpha), m1, delta=5e-6,
                                   msg="m_1 at alpha = %g" % alpha)
        m = plot_steady_state.steady_state_overlap(np.array([a for a, _ in BOOK_M1]))
        np.testing.assert_allclose(m, [v for _, v in BOOK_M1], atol=5e-6)

    def test_critical_load(self):
        alpha_c = plot_steady_state.critical_load()
        self.assertAlmostEqual(alpha_c, 0.1379, delta=1e-4)
        self.assertAlmostEqual(alpha_c, 0.137906, delta=1e-6)
        below = plot_steady_state.steady_state_overlap(alpha_c * (1 - 1e-9))
        self.assertTrue(0.96 < below < 0.975, below)  # retrieval ends with a jump, m_1 ~ 0.967
        for alpha in (alpha_c * (1 + 1e-6), 0.15, 0.3, 1.0, 10.0):
            self.assertTrue(math.isnan(plot_steady_state.steady_state_overlap(alpha)), alpha)
            self.assertTrue(math.isnan(plot_steady_state.steady_state_error(alpha)), alpha)
        self.assertTrue(math.isnan(plot_steady_state.steady_state_overlap(0.0)))

    def test_error_and_root(self):
        from scipy.special import erf
        grid = np.linspace(0.005, 0.137, 50)
        y = plot_steady_state.largest_root(grid)
        # y solves y (sqrt(2 alpha) + 2/sqrt(pi) exp(-y^2)) = erf(y) ...
        np.testing.assert_allclose(y * (np.sqrt(2 * grid) + 2 / np.sqrt(np.pi) * np.exp(-y * y)),
                                   erf(y), rtol=0, atol=1e-13)
        # ... and is the largest root: the residual stays negative beyond it (checked where the
        # residual is not at the rounding level, i.e. away from y -> 1/sqrt(2 alpha) at small alpha).
        for a, yy in zip(grid[grid >= 0.03], y[grid >= 0.03]):
            t = np.linspace(yy * (1 + 1e-6), 1 / np.sqrt(2 * a), 200)
            self.assertTrue(np.all(erf(t) < t * (np.sqrt(2 * a) + 2 / np.sqrt(np.pi) * np.exp(-t * t))))
        err = plot_steady_state.steady_state_error(grid)
        np.testing.assert_allclose(err, 0.5 * (1 - plot_steady_state.steady_state_overlap(grid)),
                                   rtol=1e-6, atol=1e-15)
        self.assertTrue(np.all(np.diff(err) > 0))  # the error grows with the load
        # Far below alpha_c the steady-state error approaches the one-step error (2.39), ~8e-13 at
        # alpha = 0.02 (computed as erfc(y)/2, without cancellation in 1 - erf(y)).
        one_step = 0.5 * math.erfc(math.sqrt(1 / (2 * 0.02)))
        self.assertAlmostEqual(plot_steady_state.steady_state_error(0.02) / one_step, 1.0, delta=0.01)

    def test_default_output(self):
        import plot_phase_diagram
        self.assertEqual(plot_steady_state.default_output("/a/b/run.h5"), "/a/b/run-steady-state.png")
        self.assertEqual(plot_phase_diagram.default_output("/a/b/run.h5"), "/a/b/run-phase-diagram.png")


@requires_driver
class DriverPlotTest(unittest.TestCase):
    """Plots of files written by the real nnsim-hopfield."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-dynamics-")
        cls.ss = os.path.join(cls.tmp, "ss.h5")
        cls.pd = os.path.join(cls.tmp, "pd.h5")
        cls.os = os.path.join(cls.tmp, "os.h5")
        # The three runs are independent: start them together (phase-diagram takes longest).
        run_driver(DRIVER, ((PD_ARGS, cls.pd), (SS_ARGS, cls.ss), (OS_ARGS, cls.os)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- (3.39)-(3.41): the Python solver against the C++ solver ---------------------------------

    def test_solver_matches_file(self):
        with h5py.File(self.ss, "r") as f:
            load = f["/points/p"][()] / f["/points/N"][()].astype(float)
            m_file = f["/theory/final_overlap"][()]
            e_file = f["/theory/steady_state_error"][()]
        m = plot_steady_state.steady_state_overlap(load)
        np.testing.assert_array_equal(np.isnan(m), np.isnan(m_file))
        self.assertTrue(np.any(np.isnan(m)) and np.any(np.isfinite(m)))  # both sides of alpha_c
        ok = np.isfinite(m)
        np.testing.assert_allclose(m[ok], m_file[ok], rtol=0, atol=1e-9)
        e = plot_steady_state.steady_state_error(load)
        np.testing.assert_allclose(e[ok], e_file[ok], rtol=1e-6, atol=1e-9)

    # -- Fig. 3.4 ---------------------------------------------------------------------------------

    def test_steady_state_plot(self):
        out = os.path.join(self.tmp, "ss-steady-state.png")
        r = run(PLOT_SS, self.ss)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        self.assertNotIn("differs", r.stderr)  # the file's theory agrees with the Python solver
        assert_png(self, out)

    def test_steady_state_plot_linear_one_step(self):
        out = os.path.join(self.tmp, "ss-linear.png")
        r = run(PLOT_SS, self.ss, "--one-step", self.os, "--linear", "-o", out)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        assert_png(self, out)

    def test_steady_state_bad_input(self):
        out = os.path.join(self.tmp, "ss-bad.png")
        r = run(PLOT_SS, self.pd, "-o", out)  # a phase-diagram file has no steady_state_error
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertIn("/results/steady_state_error/mean", r.stderr)
        self.assertIn(self.pd, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))
        missing = os.path.join(self.tmp, "does-not-exist.h5")
        r = run(PLOT_SS, self.ss, "--one-step", missing, "-o", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(missing, r.stderr)
        self.assertFalse(os.path.exists(out))

    # -- Fig. 3.5 ---------------------------------------------------------------------------------

    def test_phase_diagram_plot(self):
        out = os.path.join(self.tmp, "pd-phase-diagram.png")
        r = run(PLOT_PD, self.pd)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        img = assert_png(self, out)
        # The colour map fills much of the picture: many pixels neither white nor grey.
        rgb = img[..., :3]
        coloured = np.ptp(rgb, axis=-1) > 0.2
        self.assertGreater(coloured.mean(), 0.2, "no colour map in %s" % out)

    def test_phase_diagram_one_step_file(self):
        out = os.path.join(self.tmp, "pd-bad.png")
        r = run(PLOT_PD, self.os, "-o", out)
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertIn("/points/noise", r.stderr)
        self.assertIn(self.os, r.stderr)
        self.assertIn("one-step", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_phase_diagram_incomplete_grid(self):
        with h5py.File(self.pd, "r") as f:
            n_points = f["/points/alpha"].shape[0]
        path = os.path.join(self.tmp, "pd-hole.h5")
        subset_copy(self.pd, path, np.delete(np.arange(n_points), 4))
        out = os.path.join(self.tmp, "pd-hole.png")
        r = run(PLOT_PD, path, "-o", out)
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertIn("complete", r.stderr)
        self.assertIn(path, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_phase_diagram_several_N(self):
        with h5py.File(self.pd, "r") as f:
            N, p = f["/points/N"][()], f["/points/p"][()]
        self.assertTrue(np.all(p % 2 == 0))
        path = os.path.join(self.tmp, "pd-two-N.h5")
        both = np.concatenate([np.arange(len(N)), np.arange(len(N))])
        subset_copy(self.pd, path, both, N=np.concatenate([N // 2, N]), p=np.concatenate([p // 2, p]))
        r = run(PLOT_PD, path, "-o", os.path.join(self.tmp, "two-N-default.png"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("drawing N = 200", r.stderr)
        r = run(PLOT_PD, path, "--N", "100", "-o", os.path.join(self.tmp, "two-N-100.png"))
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_png(self, os.path.join(self.tmp, "two-N-100.png"))
        r = run(PLOT_PD, path, "--N", "300", "-o", os.path.join(self.tmp, "two-N-300.png"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("N = 300", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "two-N-300.png")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
