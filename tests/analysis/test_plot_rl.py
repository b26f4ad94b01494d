#!/usr/bin/python3
"""Tests for analysis/plot_rl.py (Figs. 11.2, 11.5, 11.7 and TD(lambda) error against lambda,
book chapter 11).

Runs the real nnsim-rl with tiny parameters (one file per experiment, under a second each), runs
the plot script as a subprocess with /usr/bin/python3 and checks the PNGs, the relaxation-rate fit
against the driver's theory on a file with known rates, and the error handling (missing file, a
file of another program).

Run:  NNSIM_RL=build/apps/nnsim-rl /usr/bin/python3 tests/analysis/test_plot_rl.py
The tests that need the driver are skipped when $NNSIM_RL does not name a binary.
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, assert_png, run, run_driver  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_rl.py")
sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

RL = os.environ.get("NNSIM_RL", "")
requires_rl = unittest.skipUnless(RL and os.path.isfile(RL) and os.access(RL, os.X_OK),
                                  "nnsim-rl not available (set NNSIM_RL)")

RUNS = {
    "aq": ["--experiment", "associative-q", "--samples", "300", "--episodes", "400", "--record-every", "4",
           "--epsilon", "1,0.05", "--learning-rate", "0.05", "--seed", "3"],
    "rp": ["--experiment", "reward-penalty", "--samples", "20", "--episodes", "2000", "--record-every", "50",
           "--seed", "3"],
    "ttt": ["--experiment", "tictactoe", "--samples", "4", "--episodes", "12000",
            "--epsilon-schedule", "step:6000,0.9,50", "--seed", "3"],
    "td": ["--experiment", "td-lambda", "--samples", "20", "--episodes", "30", "--lambda", "0,0.5,1",
           "--learning-rate", "0.05,0.1", "--seed", "3"],
}
SUFFIX = {"aq": "-rl-fig11.5.png", "rp": "-rl-fig11.2.png", "ttt": "-rl-fig11.7.png", "td": "-rl-td-lambda.png"}


@requires_rl
class Figures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-plot-rl.")
        cls.files = {k: os.path.join(cls.tmp, k + ".h5") for k in RUNS}
        run_driver(RL, [(RUNS[k], cls.files[k]) for k in RUNS])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_figure(self):
        r = run(PLOT, *[self.files[k] for k in RUNS])
        self.assertEqual(r.returncode, 0, r.stderr)
        written = r.stdout.split()
        self.assertEqual(written, [self.files[k][:-3] + SUFFIX[k] for k in RUNS])
        for path in written:
            assert_png(self, path, require_colour=True)

    def test_output_prefix(self):
        prefix = os.path.join(self.tmp, "custom")
        r = run(PLOT, self.files["ttt"], self.files["td"], "-o", prefix)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), [prefix + SUFFIX["ttt"], prefix + "-2" + SUFFIX["td"]])

    def test_relaxation_fit_recovers_the_theory_rate_at_epsilon_one(self):
        import plot_rl
        with h5py.File(self.files["aq"], "r") as f:
            rate = f["results/q_table/theory_rate"][0]
            for k in range(4):
                fit, err, window = plot_rl.fit_relaxation_rate(f, 0, k)
                self.assertGreater(window[1], window[0])
                self.assertLess(abs(fit - rate[k]), 4 * err, (k, fit, err, rate[k]))
                self.assertLess(err, 0.1 * fit)
            # the greedy entries of the book's table: (x1, +1) and (x2, -1)
            self.assertEqual(plot_rl.greedy_entries(f["results/q_table/theory_limit"][:]).tolist(),
                             [False, True, True, False])

    def test_fit_refuses_an_entry_without_signal(self):
        import plot_rl
        with h5py.File(self.files["aq"], "r") as f:
            with self.assertRaises(plot_rl.InputError):
                plot_rl.fit_relaxation_rate(f, 0, 0, start=10 ** 6)


class Errors(unittest.TestCase):
    def test_missing_file(self):
        r = run(PLOT, "/nonexistent/run.h5")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot open", r.stderr)

    def test_file_of_another_program(self):
        tmp = tempfile.mkdtemp(prefix="nnsim-plot-rl-bad.")
        try:
            path = os.path.join(tmp, "other.h5")
            with h5py.File(path, "w") as f:
                f.attrs["program"] = "nnsim-digest"
                f.attrs["experiment"] = "anneal"
            r = run(PLOT, path)
            self.assertEqual(r.returncode, 2)
            self.assertIn("not an nnsim-rl file", r.stderr)
            self.assertEqual(os.listdir(tmp), ["other.h5"])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
