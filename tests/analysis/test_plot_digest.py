#!/usr/bin/python3
"""Tests for analysis/plot_digest.py (energy traces, time to solution, restriction maps of the
double-digest annealing, book section 4.3).

Runs the real nnsim-digest on the instance L10000 of Table 4.1 (6 runs of 10^5 steps with
--continue-after-solution --exact, under a second), runs the plot script as a subprocess with
/usr/bin/python3 and checks the PNGs, the numbers the figures are drawn from, and the error
handling (missing file, a file of another program, an unknown instance).

Run:  NNSIM_DIGEST=build/apps/nnsim-digest /usr/bin/python3 tests/analysis/test_plot_digest.py
The scripts are found through $NNSIM_ANALYSIS_DIR, else ../../analysis relative to this file.
The tests that need a driver file are skipped when $NNSIM_DIGEST does not name a binary.
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, ROOT, assert_png, run, run_driver  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_digest.py")
sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

DIGEST_DRIVER = os.environ.get("NNSIM_DIGEST", "")
INSTANCES = os.path.join(ROOT, "data", "double-digest-table-4.1.json")
DRIVER_ARGS = ["--instances", INSTANCES, "--instance", "L10000", "--samples", "6",
               "--steps", "100000", "--continue-after-solution", "--exact", "--seed", "7"]
SUFFIXES = ("-digest-energy.png", "-digest-tts.png", "-digest-maps.png")

requires_digest = unittest.skipUnless(
    DIGEST_DRIVER and os.path.isfile(DIGEST_DRIVER) and os.access(DIGEST_DRIVER, os.X_OK),
    "nnsim-digest not available (set NNSIM_DIGEST)")


class DigestPlotErrorsTest(unittest.TestCase):
    """Bad input: exit code 2, a message on stderr naming the file, no figure."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-digest-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_fails(self, h5, *words):
        prefix = os.path.join(self.tmp, "failed")
        r = run(PLOT, h5, "-o", prefix)
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn(h5, r.stderr)
        for word in words:
            self.assertIn(word, r.stderr)
        for s in SUFFIXES:
            self.assertFalse(os.path.exists(prefix + s), "a figure was written for a bad file")

    def test_missing_file(self):
        self.run_fails(os.path.join(self.tmp, "does-not-exist.h5"), "no such file")

    def test_not_hdf5(self):
        bogus = os.path.join(self.tmp, "bogus.h5")
        with open(bogus, "w") as fh:
            fh.write("this is not HDF5\n")
        self.run_fails(bogus, "not a readable HDF5 file")

    def test_not_a_digest_file(self):
        other = os.path.join(self.tmp, "other.h5")
        with h5py.File(other, "w") as f:
            f.attrs["program"] = "other"
            f.attrs["samples"] = np.uint64(2)
            f.create_dataset("/points/name", data=np.array(["L10000"], dtype=object),
                             dtype=h5py.string_dtype())
            f.create_dataset("/points/L", data=np.array([10000], np.int64))
            f.create_dataset("/results/solved/samples", data=np.ones((1, 2)))
        self.run_fails(other, "not an nnsim-digest file", "'other'")


@requires_digest
class DigestPlotDriverTest(unittest.TestCase):
    """A file written by the real nnsim-digest (tiny parameters)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-digest-driver-")
        cls.h5 = os.path.join(cls.tmp, "run.h5")
        run_driver(DIGEST_DRIVER, ((DRIVER_ARGS, cls.h5),))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_ok(self, *args, prefix=None, figures=SUFFIXES):
        r = run(PLOT, *args)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertNotIn("Traceback", r.stderr)
        prefix = prefix or self.h5[: -len(".h5")]
        expected = [prefix + s for s in figures]
        self.assertEqual(r.stdout.strip().splitlines(), expected)
        for out in expected:
            assert_png(self, out, require_colour=True)
        return r

    def test_real_file(self):
        self.run_ok(self.h5)

    def test_options_and_several_files(self):
        prefix = os.path.join(self.tmp, "chosen")
        self.run_ok(self.h5, self.h5, "-o", prefix, "--instance", "L10000", "--runs", "2",
                    "--maps", "5", "--log-steps", prefix=prefix)

    def test_unknown_instance(self):
        prefix = os.path.join(self.tmp, "unknown")
        r = run(PLOT, self.h5, "-o", prefix, "--instance", "L99")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no instance 'L99'", r.stderr)
        self.assertIn("L10000", r.stderr)
        self.assertFalse(os.path.exists(prefix + SUFFIXES[0]))

    def test_figure_data(self):
        import plot_digest
        data = plot_digest.load(self.h5)
        self.assertEqual(data["names"], ["L10000"])
        self.assertEqual(data["samples"], 6)
        inst = data["instances"]["L10000"]
        with h5py.File(self.h5, "r") as f:
            steps_to_solution = f["/results/steps_to_solution/samples"][0]
            solved = f["/results/solved/samples"][0] > 0.5
            success_rate = float(f["/instances/L10000/success_rate"][()])
        # The CDF steps up at the solved runs' steps and ends at the success rate.
        x, y = plot_digest.solved_fraction(steps_to_solution, solved)
        np.testing.assert_array_equal(x[1:], np.sort(steps_to_solution[solved]))
        self.assertAlmostEqual(y[-1], success_rate)
        # A censored run (the C++ writes the budget as its steps_to_solution) is not counted.
        censored = solved.copy()
        censored[0] = False
        self.assertAlmostEqual(plot_digest.solved_fraction(steps_to_solution, censored)[1][-1],
                               (solved.sum() - 1) / solved.size)
        # Every map found is drawn once; k' is the mirror image of k; with found_all no map of
        # the exact enumeration is left to draw as missing.
        rows = plot_digest.map_rows(inst, data["L"][0])
        self.assertEqual(len(rows), inst["distinct_maps"])
        self.assertEqual(inst["found_all"], 1, "6 runs of 1e5 steps find all 24 maps of L10000")
        self.assertTrue(all(r["found"] for r in rows))
        by_label = {r["label"]: r for r in rows}
        pairs = [k for k in by_label if k.endswith("'")]
        for primed in pairs:
            a, b = plot_digest.mirror(by_label[primed[:-1]]["a"], by_label[primed[:-1]]["b"], 10000)
            np.testing.assert_array_equal(a, by_label[primed]["a"])
            np.testing.assert_array_equal(b, by_label[primed]["b"])
        self.assertEqual(len(rows) - len(pairs), inst["distinct_maps_up_to_mirror"])
        # The trace of a run ends at its final state.
        steps, energy = plot_digest.run_curve(data, 0, 0)
        self.assertEqual(steps[-1], 100000)
        with h5py.File(self.h5, "r") as f:
            self.assertAlmostEqual(energy[-1], f["/results/final_energy/samples"][0, 0])

    def test_missing_instance_group(self):
        # A digest file whose /instances/<name> group is gone: exit 2 naming it.
        broken = os.path.join(self.tmp, "broken.h5")
        shutil.copy(self.h5, broken)
        with h5py.File(broken, "a") as f:
            del f["/instances/L10000"]
        prefix = os.path.join(self.tmp, "broken")
        r = run(PLOT, broken, "-o", prefix)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("/instances/L10000", r.stderr)
        for s in SUFFIXES:
            self.assertFalse(os.path.exists(prefix + s))


@requires_digest
class DigestPlotConfigurationsTest(unittest.TestCase):
    """A grid of configurations (--energy, --replicas, --move-mix lists): one curve per instance and
    configuration in the time-to-solution figure, labelled by the configuration."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-digest-grid-")
        cls.h5 = os.path.join(cls.tmp, "grid.h5")
        run_driver(DIGEST_DRIVER, ((["--instances", INSTANCES, "--instance", "L10000,L20000", "--samples", "3",
                                     "--steps", "50000", "--seed", "9", "--energy", "unmatched,book",
                                     "--space", "orderings", "--replicas", "1,4", "--move-mix", "1,0,0;0.5,0.25,0.25"], cls.h5),))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_curves_by_configuration(self):
        sys.path.insert(0, ANALYSIS_DIR)
        import plot_digest  # noqa: E402
        data = plot_digest.load(self.h5)
        self.assertEqual(data["n_configs"], 8)
        points = plot_digest.select_instances(data, "L20000")
        self.assertEqual(len(points), 8)  # every configuration of the instance
        self.assertEqual(plot_digest.first_per_instance(data, plot_digest.select_instances(data, None)), [0, 8])
        labels = [data["configs"][p][1] for p in points]
        self.assertIn("energy=book, replicas=4, schedule=geometric, move-mix=0.5,0.25,0.25", labels)
        prefix = os.path.join(self.tmp, "grid")
        r = run(PLOT, self.h5, "-o", prefix)
        self.assertEqual(r.returncode, 0, r.stderr)
        for suffix in SUFFIXES:
            assert_png(self, prefix + suffix)
        # 16 curves: the legend goes beside the axes, which widens the figure (PNG width at bytes 16-20)
        with open(prefix + "-digest-tts.png", "rb") as png:
            width = int.from_bytes(png.read(24)[16:20], "big")
        self.assertGreater(width, 1200)

if __name__ == "__main__":
    unittest.main(verbosity=2)
