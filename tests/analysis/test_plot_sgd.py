#!/usr/bin/python3
"""Tests for analysis/plot_sgd.py (learning curves in the shape of the book's Fig. 6.7 and the
confusion matrix of an nnsim-sgd run).

Runs the real nnsim-sgd on a small synthetic data set in Fashion-MNIST's IDX format (a few
seconds), with early stopping forced to happen, runs the plot script as a subprocess with
/usr/bin/python3 and checks the PNGs, the numbers the figures are drawn from, and the error
handling (missing file, a file of another program).

Run:  NNSIM_SGD=build/apps/nnsim-sgd /usr/bin/python3 tests/analysis/test_plot_sgd.py
The tests that need the driver are skipped when $NNSIM_SGD does not name a binary.
"""

import gzip
import os
import shutil
import struct
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, assert_png, run, run_driver  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_sgd.py")
sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

SGD_DRIVER = os.environ.get("NNSIM_SGD", "")
requires_sgd = unittest.skipUnless(SGD_DRIVER and os.path.isfile(SGD_DRIVER) and os.access(SGD_DRIVER, os.X_OK),
                                   "nnsim-sgd not available (set NNSIM_SGD)")


def write_idx(path, array):
    header = struct.pack(">I", 0x800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_data(folder):
    """Noisy class-specific stripes: learnable, but noisy enough that the validation error stalls."""
    rng = np.random.default_rng(3)
    for prefix, n in (("train", 600), ("t10k", 200)):
        labels = rng.integers(0, 10, n)
        base = np.zeros((10, 28, 28))
        for c in range(10):
            base[c, :, 2 * c:2 * c + 4] = 90
        images = np.clip(base[labels] + rng.normal(0, 90, (n, 28, 28)), 0, 255)
        write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), images)
        write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), labels)


@requires_sgd
class PlotSgdRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="nnsim-plot-sgd-")
        make_data(cls.dir)
        cls.h5 = os.path.join(cls.dir, "run.h5")
        # a large learning rate on noisy data: the validation error stops improving early
        cls.ensemble = os.path.join(cls.dir, "ensemble.h5")
        run_driver(SGD_DRIVER, [(["--data-dir", cls.dir, "--layers", "784,32,10", "--batch", "16", "--epochs", "60",
                                  "--patience", "3", "--validation", "200", "--learning-rate", "0.2",
                                  "--seed", "2"], cls.h5),
                                (["--data-dir", cls.dir, "--layers", "784,16,10", "--batch", "16", "--epochs", "4",
                                  "--validation", "200", "--seed", "2", "--ensemble", "--samples", "5"],
                                 cls.ensemble)])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_figures_and_numbers(self):
        prefix = os.path.join(self.dir, "fig")
        r = run(PLOT, self.h5, "-o", prefix)
        self.assertEqual(r.returncode, 0, r.stderr)
        outputs = r.stdout.split()
        self.assertEqual(outputs, [prefix + "-sgd-curves.png", prefix + "-sgd-confusion.png"])
        for path in outputs:
            assert_png(self, path, require_colour=True)
        import plot_sgd
        data = plot_sgd.read_run(self.h5)
        with h5py.File(self.h5, "r") as f:
            epochs = int(f.attrs["epochs_run"])
            self.assertEqual(len(data["epoch"]), epochs)
            np.testing.assert_array_equal(data["validation_accuracy"], f["history/validation_accuracy"][()])
            self.assertEqual(data["confusion"].sum(), 200)
            self.assertAlmostEqual(np.trace(data["confusion"]) / 200, data["test_accuracy"], places=12)
        # early stopping happened and is what the figure marks
        self.assertTrue(data["stopped_early"])
        self.assertLess(epochs, 60)
        self.assertEqual(epochs, data["best_epoch"] + 3)
        best_error = 1 - data["validation_accuracy"][data["best_epoch"] - 1]
        self.assertAlmostEqual(best_error, (1 - data["validation_accuracy"]).min(), places=12)

    def test_ensemble_figure(self):
        prefix = os.path.join(self.dir, "ens")
        r = run(PLOT, self.ensemble, "-o", prefix)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), [prefix + "-sgd-ensemble.png"])
        assert_png(self, prefix + "-sgd-ensemble.png", require_colour=True)
        import plot_sgd
        ens = plot_sgd.read_ensemble(self.ensemble)
        with h5py.File(self.ensemble, "r") as f:
            acc = f["results/test_accuracy/samples"][0]
            np.testing.assert_array_equal(ens["test_accuracy"], acc)
            self.assertEqual(ens["best_epoch"].size, 5)
            self.assertTrue(np.all((ens["best_epoch"] >= 1) & (ens["best_epoch"] <= 4)))
            self.assertAlmostEqual(ens["mean"], acc.mean(), places=12)
            self.assertAlmostEqual(ens["stderr"], acc.std(ddof=1) / np.sqrt(5), places=12)
        self.assertGreater(len(set(ens["test_accuracy"].tolist())), 1)  # independent trainings
        # a single-training file is not an ensemble file, and the reverse
        self.assertTrue(plot_sgd.is_ensemble(self.ensemble))
        self.assertFalse(plot_sgd.is_ensemble(self.h5))
        with self.assertRaises(plot_sgd.InputError):
            plot_sgd.read_run(self.ensemble)

    def test_bad_inputs(self):
        r = run(PLOT, os.path.join(self.dir, "missing.h5"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such file", r.stderr)
        other = os.path.join(self.dir, "other.h5")
        with h5py.File(other, "w") as f:
            f.attrs["program"] = "nnsim-digest"
        r = run(PLOT, other, "-o", os.path.join(self.dir, "none"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("not an nnsim-sgd output", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "none-sgd-curves.png")))


if __name__ == "__main__":
    unittest.main()
