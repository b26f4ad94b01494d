#!/usr/bin/python3
"""Tests for analysis/plot_order_parameter.py (m_1 against the noise 1/beta with its mean-field
theory), run on files written by the real driver.

Checks the (3.14) solver, then runs nnsim-hopfield --experiment order-parameter with small
parameters, draws the figure in-process to compare the plotted series with an h5py read, runs
the script as a subprocess (PNG written, path printed) and checks its error handling.

Run:  NNSIM_HOPFIELD=build/apps/nnsim-hopfield /usr/bin/python3 tests/analysis/test_plot_order_parameter.py
The driver is $NNSIM_HOPFIELD, else ../../build/apps/nnsim-hopfield relative to this file; the
driver tests are skipped if it does not exist.
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

PLOT = os.path.join(ANALYSIS_DIR, "plot_order_parameter.py")
sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
import numpy as np  # noqa: E402

import plot_order_parameter  # noqa: E402

# 2 N x 2 alpha x 6 noise levels (both sides of T = 1 and of the alpha = 0.1 transition).
OP_ARGS = ["--experiment", "order-parameter", "--N", "200,400", "--alpha", "0.02,0.1",
           "--noise", "0.2:1.2:0.2", "--sweeps", "40", "--transient", "10", "--samples", "3"]
OS_ARGS = ["--experiment", "one-step", "--N", "100", "--alpha", "0.1,0.2", "--samples", "2"]


class SmallLoadTest(unittest.TestCase):
    """(3.14) m_1 = tanh(m_1 / T) as solved in plot_order_parameter.py."""

    def test_solves_the_equation(self):
        t = np.concatenate([np.linspace(0.05, 0.999, 60), [0.9999, 0.999999]])
        m = plot_order_parameter.small_load_overlap(t)
        self.assertTrue(np.all(m > 0))
        np.testing.assert_allclose(m, np.tanh(m / t), rtol=0, atol=1e-12)
        self.assertTrue(np.all(np.diff(m) < 0))  # decreasing in the noise
        # Near T = 1: m_1^2 ~ 3 (1 - T) (expansion of tanh).
        self.assertAlmostEqual(plot_order_parameter.small_load_overlap(1 - 1e-6) / math.sqrt(3e-6), 1.0, delta=1e-3)
        self.assertAlmostEqual(plot_order_parameter.small_load_overlap(0.5), 0.957504024, delta=1e-9)

    def test_no_retrieval_above_one(self):
        np.testing.assert_array_equal(plot_order_parameter.small_load_overlap([1.0, 1.5, 10.0]), 0.0)
        self.assertEqual(plot_order_parameter.small_load_overlap(0.01), 1.0)
        self.assertTrue(math.isnan(plot_order_parameter.small_load_overlap(0.0)))
        self.assertTrue(math.isnan(plot_order_parameter.small_load_overlap(-1.0)))

    def test_default_output(self):
        self.assertEqual(plot_order_parameter.default_output("/a/run.h5"), "/a/run-order-parameter.png")


@requires_driver
class DriverPlotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-order-parameter-")
        cls.op = os.path.join(cls.tmp, "op.h5")
        cls.os = os.path.join(cls.tmp, "os.h5")
        run_driver(DRIVER, ((OP_ARGS, cls.op), (OS_ARGS, cls.os)))
        with h5py.File(cls.op, "r") as f:
            cls.h5 = {name: f[name][()] for name in
                      ("/points/N", "/points/alpha", "/points/p", "/points/noise",
                       "/results/overlap_time_average/mean", "/results/overlap_time_average/stderr",
                       "/theory/overlap_time_average", "/theory/overlap_small_load")}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_solver_matches_file(self):
        m = plot_order_parameter.small_load_overlap(self.h5["/points/noise"])
        np.testing.assert_allclose(m, self.h5["/theory/overlap_small_load"], rtol=0, atol=1e-9)

    def test_plotted_data(self):
        fig, data = plot_order_parameter.make_figure(self.op)
        try:
            N, alpha, noise = self.h5["/points/N"], self.h5["/points/alpha"], self.h5["/points/noise"]
            mean = self.h5["/results/overlap_time_average/mean"]
            stderr = self.h5["/results/overlap_time_average/stderr"]
            theory = self.h5["/theory/overlap_time_average"]
            self.assertEqual([(s["N"], s["alpha"]) for s in data],
                             [(200, 0.02), (200, 0.1), (400, 0.02), (400, 0.1)])
            ax = fig.axes[0]
            bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
            self.assertEqual(len(bars), len(data))
            for s, bar in zip(data, bars):
                idx = np.flatnonzero((N == s["N"]) & (alpha == s["alpha"]))
                self.assertEqual(len(idx), 6)
                order = np.argsort(noise[idx])
                # what was drawn: markers at (noise, mean), bars of +-stderr
                xy = bar.lines[0].get_xydata()
                np.testing.assert_array_equal(xy[:, 0], noise[idx][order])
                np.testing.assert_array_equal(xy[:, 1], mean[idx][order])
                segments = bar.lines[2][0].get_segments()
                half = np.array([(seg[1][1] - seg[0][1]) / 2 for seg in segments])
                np.testing.assert_allclose(half, np.nan_to_num(stderr[idx][order]), rtol=1e-12, atol=1e-15)
                np.testing.assert_array_equal(s["theory"], theory[idx][order])
                self.assertAlmostEqual(s["load"], self.h5["/points/p"][idx[0]] / s["N"])
            # the per-point mean field drawn at the points, and the fine (3.14) curve
            labels = [line.get_label() for line in ax.get_lines()]
            self.assertEqual(sum("at these points" in label for label in labels), len(data))
            curve = [line for line in ax.get_lines() if "(3.14)" in line.get_label()]
            self.assertEqual(len(curve), 1)
            x, y = curve[0].get_xdata(), curve[0].get_ydata()
            self.assertGreater(len(x), 200)
            self.assertIn(1.0, x)
            np.testing.assert_allclose(y, np.tanh(y / x), atol=1e-12)
            self.assertTrue(np.all(y[x >= 1.0] == 0) and np.all(y[x < 1.0] > 0))
            legend = ax.get_legend()
            texts = [t.get_text() for t in legend.get_texts()]
            self.assertEqual(sum("simulation" in t for t in texts), len(data))
            self.assertEqual(sum("mean field (3.26)-(3.38)" in t for t in texts), 1)
            self.assertEqual(sum("solved here" in t for t in texts), 1)
        finally:
            plt.close(fig)

    def test_script(self):
        out = os.path.join(self.tmp, "op-order-parameter.png")
        r = run(PLOT, self.op)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertEqual(r.stdout.strip().splitlines()[-1], out)
        self.assertNotIn("differs", r.stderr)
        self.assertNotIn("warning", r.stderr)
        assert_png(self, out, require_colour=True)
        other = os.path.join(self.tmp, "named.png")
        r = run(PLOT, self.op, "-o", other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip().splitlines()[-1], other)
        assert_png(self, other)

    def test_bad_input(self):
        out = os.path.join(self.tmp, "bad.png")
        r = run(PLOT, self.os, "-o", out)  # a one-step file has no noise levels
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertIn("/points/noise", r.stderr)
        self.assertIn(self.os, r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertFalse(os.path.exists(out))
        missing = os.path.join(self.tmp, "missing.h5")
        r = run(PLOT, missing, "-o", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(missing, r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
