#!/usr/bin/python3
"""Tests for the pandas / xarray helpers of analysis/nnsim_h5.py (to_dataframe,
series_to_dataframe, to_xarray, grid_axes) and its units vocabulary (normalise_units,
axis_label), on files written by the real driver, every value checked against a plain h5py read.

Run:  NNSIM_HOPFIELD=build/apps/nnsim-hopfield /usr/bin/python3 tests/analysis/test_nnsim_tables.py
The driver is $NNSIM_HOPFIELD, else ../../build/apps/nnsim-hopfield relative to this file; the
driver tests are skipped if it does not exist. Needs Debian's python3-pandas and python3-xarray.
"""

import os
import shutil
import sys
import tempfile
import unittest
import warnings

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, DRIVER, requires_driver, run_driver  # noqa: E402

sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import nnsim_h5  # noqa: E402

# 2 N x 2 alpha x 3 noise = 12 points, 3 samples, m_1(t) every 5 sweeps (5 values).
OP_ARGS = ["--experiment", "order-parameter", "--N", "100,200", "--alpha", "0.05,0.1",
           "--noise", "0.3,0.6,0.9", "--sweeps", "20", "--transient", "5", "--samples", "3",
           "--trace-every", "5"]
PD_ARGS = ["--experiment", "phase-diagram", "--N", "100", "--alpha", "0.05,0.1", "--noise", "0.5",
           "--sweeps", "10", "--transient", "2", "--samples", "2"]
OS_ARGS = ["--experiment", "one-step", "--N", "100,200", "--alpha", "0.1:0.3:0.1", "--samples", "3"]
VOCABULARY = {"1", "sweeps", "1/sweep"}


def h5_read(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def h5_names(path, group):
    with h5py.File(path, "r") as f:
        return sorted(f[group].keys()) if group in f else []


class UnitsTest(unittest.TestCase):
    def test_old_spellings(self):
        for old in ("1", "dimensionless", "dimensionless (probability)", "code", "", " Dimensionless "):
            self.assertEqual(nnsim_h5.normalise_units(old), "1", old)
        self.assertEqual(nnsim_h5.normalise_units(b"dimensionless"), "1")
        self.assertEqual(nnsim_h5.normalise_units("sweeps"), "sweeps")
        self.assertEqual(nnsim_h5.normalise_units("sweep"), "sweeps")
        self.assertEqual(nnsim_h5.normalise_units("1/sweeps"), "1/sweep")
        self.assertEqual(nnsim_h5.normalise_units("seconds"), "seconds")  # unknown: kept
        self.assertIsNone(nnsim_h5.normalise_units(None))

    def test_axis_label(self):
        self.assertEqual(nnsim_h5.axis_label("m_1", "dimensionless"), "m_1")
        self.assertEqual(nnsim_h5.axis_label("m_1", "1"), "m_1")
        self.assertEqual(nnsim_h5.axis_label("m_1", None), "m_1")
        self.assertEqual(nnsim_h5.axis_label("t", "sweeps"), "t [sweeps]")
        self.assertEqual(nnsim_h5.axis_label("flips", "1/sweeps"), "flips [1/sweep]")


@requires_driver
class DriverFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-tables-")
        cls.op = os.path.join(cls.tmp, "op.h5")
        cls.pd = os.path.join(cls.tmp, "pd.h5")
        cls.os = os.path.join(cls.tmp, "os.h5")
        run_driver(DRIVER, ((OP_ARGS, cls.op), (PD_ARGS, cls.pd), (OS_ARGS, cls.os)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- grid axes --------------------------------------------------------------------------------

    def test_grid_axes(self):
        with h5py.File(self.op, "r") as f:
            self.assertEqual(nnsim_h5.grid_axes(f), ["N", "alpha", "noise"])
        with h5py.File(self.os, "r") as f:
            self.assertEqual(nnsim_h5.grid_axes(f), ["N", "alpha"])
        with h5py.File(self.pd, "r") as f:  # one N and one noise: still axes, outermost first
            self.assertEqual(nnsim_h5.grid_axes(f)[-1], "alpha")
            self.assertEqual(sorted(nnsim_h5.grid_axes(f)), ["N", "alpha", "noise"])

    # -- pandas -----------------------------------------------------------------------------------

    def check_dataframe(self, path, time_series=()):
        df = nnsim_h5.to_dataframe(path)
        n_points = h5_read(path, "/points/alpha").shape[0]
        self.assertEqual(len(df), n_points)
        self.assertEqual(df.index.name, "point")
        np.testing.assert_array_equal(df.index.values, np.arange(n_points))
        expected = []
        for name in h5_names(path, "/points"):
            np.testing.assert_array_equal(df[name].values, h5_read(path, "/points/" + name), name)
            expected.append(name)
        for obs in h5_names(path, "/results"):
            mean = h5_read(path, "/results/%s/mean" % obs)
            if mean.ndim != 1:
                self.assertIn(obs, time_series)
                self.assertNotIn(obs + "_mean", df.columns)
                continue
            for key in ("mean", "stderr", "count"):
                col = "%s_%s" % (obs, key)
                np.testing.assert_array_equal(df[col].values, h5_read(path, "/results/%s/%s" % (obs, key)), col)
                expected.append(col)
        with h5py.File(path, "r") as f:
            per_point = [k for k in f.get("/theory", {}).keys()
                         if f["/theory/" + k].shape == (n_points,) and not k.startswith("boundary")]
        for name in per_point:
            np.testing.assert_array_equal(df["theory_" + name].values, h5_read(path, "/theory/" + name), name)
            expected.append("theory_" + name)
        self.assertEqual(sorted(df.columns), sorted(expected))
        self.assertEqual(sorted(df.attrs["time_series"]), sorted(time_series))
        self.assertEqual(df.attrs["seed"], 1)
        with h5py.File(path, "r") as f:
            self.assertEqual(df.attrs["command_line"], nnsim_h5.read_attrs(f)["command_line"])
        return df

    def test_dataframe_order_parameter(self):
        df = self.check_dataframe(self.op, time_series=("overlap_trace",))
        self.assertEqual(list(df.columns[:3]), ["N", "alpha", "noise"])
        self.assertIn("theory_overlap_time_average", df.columns)
        self.assertIn("theory_overlap_small_load", df.columns)
        indexed = nnsim_h5.to_dataframe(self.op, index=True)
        self.assertEqual(list(indexed.index.names), ["N", "alpha", "noise"])
        self.assertTrue(indexed.index.is_unique)
        self.assertNotIn("alpha", indexed.columns)
        row = indexed.loc[(200, 0.1, 0.6)]
        k = int(np.flatnonzero((df["N"] == 200) & (df["alpha"] == 0.1) & (df["noise"] == 0.6))[0])
        self.assertEqual(row["overlap_time_average_mean"], h5_read(self.op, "/results/overlap_time_average/mean")[k])

    def test_dataframe_one_step_and_phase_diagram(self):
        self.check_dataframe(self.os)
        df = self.check_dataframe(self.pd)
        self.assertNotIn("theory_boundary", df.columns)  # a curve on its own axis, not per point

    def test_series_dataframe(self):
        long = nnsim_h5.series_to_dataframe(self.op, "overlap_trace")
        mean = h5_read(self.op, "/results/overlap_trace/mean")
        stderr = h5_read(self.op, "/results/overlap_trace/stderr")
        n_points, length = mean.shape
        self.assertEqual(length, 5)  # t = 0, 5, 10, 15, 20
        self.assertEqual(len(long), n_points * length)
        np.testing.assert_array_equal(long["sweep"].values[:length], np.arange(length) * 5)
        np.testing.assert_array_equal(long["overlap_trace_mean"].values, mean.reshape(-1))
        np.testing.assert_array_equal(long["overlap_trace_stderr"].values, stderr.reshape(-1))
        np.testing.assert_array_equal(long["noise"].values, np.repeat(h5_read(self.op, "/points/noise"), length))
        with self.assertRaises(SystemExit):
            nnsim_h5.series_to_dataframe(self.op, "energy")  # not a time series

    # -- xarray -----------------------------------------------------------------------------------

    def test_xarray_points(self):
        ds = nnsim_h5.to_xarray(self.op)
        n_points = h5_read(self.op, "/points/alpha").shape[0]
        self.assertEqual(ds.sizes["point"], n_points)
        self.assertEqual(ds.sizes["sample"], 3)
        for name in h5_names(self.op, "/points"):
            self.assertEqual(ds[name].dims, ("point",))
            np.testing.assert_array_equal(ds[name].values, h5_read(self.op, "/points/" + name))
        for obs in h5_names(self.op, "/results"):
            for key in ("mean", "stderr", "count", "samples"):
                np.testing.assert_array_equal(ds["%s_%s" % (obs, key)].values,
                                              h5_read(self.op, "/results/%s/%s" % (obs, key)), obs + key)
        self.assertEqual(ds["overlap_time_average_samples"].dims, ("point", "sample"))
        self.assertEqual(ds["overlap_trace_mean"].dims, ("point", "sweep"))
        self.assertEqual(ds["overlap_trace_samples"].dims, ("point", "sample", "sweep"))
        np.testing.assert_array_equal(ds["sweep"].values, np.arange(5) * 5)
        np.testing.assert_array_equal(ds["theory_overlap_time_average"].values,
                                      h5_read(self.op, "/theory/overlap_time_average"))
        with h5py.File(self.op, "r") as f:
            attrs = nnsim_h5.read_attrs(f)
            self.assertEqual(ds.attrs["command_line"], attrs["command_line"])
            self.assertEqual(ds.attrs["seed"], 1)
            self.assertEqual(ds.attrs["experiment"], "order-parameter")
            self.assertEqual(ds["overlap_time_average_mean"].attrs["description"],
                             nnsim_h5.read_attrs(f["/results/overlap_time_average/mean"])["description"])
        for name, var in list(ds.variables.items()):
            self.assertIn(var.attrs.get("units"), VOCABULARY, name)
        self.assertEqual(ds["sweep"].attrs["units"], "sweeps")
        self.assertNotIn("overlap_time_average_samples", nnsim_h5.to_xarray(self.op, samples=False))

    def test_xarray_grid(self):
        flat = nnsim_h5.to_xarray(self.op)
        g = nnsim_h5.to_xarray(self.op, grid=True)
        self.assertEqual(dict(g.sizes), {"N": 2, "alpha": 2, "noise": 3, "sample": 3, "sweep": 5})
        self.assertEqual(g["overlap_time_average_samples"].dims, ("N", "alpha", "noise", "sample"))
        self.assertEqual(g["overlap_trace_samples"].dims, ("N", "alpha", "noise", "sample", "sweep"))
        N, alpha, noise = (h5_read(self.op, "/points/" + k) for k in ("N", "alpha", "noise"))
        mean = h5_read(self.op, "/results/overlap_time_average/mean")
        samples = h5_read(self.op, "/results/overlap_time_average/samples")
        count = h5_read(self.op, "/results/overlap_time_average/count")
        p = h5_read(self.op, "/points/p")
        for k in range(N.shape[0]):
            at = g.sel(N=N[k], alpha=alpha[k], noise=noise[k])
            self.assertEqual(float(at["overlap_time_average_mean"]), mean[k])
            np.testing.assert_array_equal(at["overlap_time_average_samples"].values, samples[k])
            self.assertEqual(int(at["overlap_time_average_count"]), count[k])
            self.assertEqual(int(at["p"]), p[k])  # derived columns become coordinates on the grid
        self.assertEqual(g["overlap_time_average_count"].dtype.kind, "i")  # complete grid: no NaN fill
        # The documented one-liner gives the same.
        with warnings.catch_warnings():  # numpy's cast warning inside xarray 2023.01's unstack
            warnings.simplefilter("ignore", RuntimeWarning)
            by_hand = flat.set_index(point=["N", "alpha", "noise"]).unstack("point")
        np.testing.assert_array_equal(by_hand["overlap_time_average_mean"].transpose("N", "alpha", "noise").values,
                                      g["overlap_time_average_mean"].values)
        # One-step: a 2-D grid.
        g = nnsim_h5.to_xarray(self.os, grid=True)
        self.assertEqual(g["one_step_error_mean"].dims, ("N", "alpha"))
        self.assertEqual(g["one_step_error_samples"].dims, ("N", "alpha", "sample"))

    def test_xarray_theory_curve(self):
        ds = nnsim_h5.to_xarray(self.pd)
        self.assertEqual(ds["theory_boundary"].dims, ("boundary_alpha",))
        np.testing.assert_array_equal(ds["theory_boundary"].values, h5_read(self.pd, "/theory/boundary"))
        np.testing.assert_array_equal(ds["boundary_alpha"].values, h5_read(self.pd, "/theory/boundary_alpha"))
        self.assertEqual(ds["theory_overlap_time_average"].dims, ("point",))

    def test_repeated_points(self):
        # A file whose points repeat: no grid (clear error), the point view still works.
        path = os.path.join(self.tmp, "repeated.h5")
        with h5py.File(self.os, "r") as fin, h5py.File(path, "w") as fout:
            for key, value in fin.attrs.items():
                fout.attrs[key] = value
            twice = lambda a: np.concatenate([a, a])  # noqa: E731
            for name in fin["/points"]:
                fout["/points/" + name] = twice(fin["/points/" + name][()])
            for key in ("mean", "stderr", "count"):
                fout["/results/one_step_error/" + key] = twice(fin["/results/one_step_error/" + key][()])
        with h5py.File(path, "r") as f, self.assertRaises(SystemExit) as ctx:
            nnsim_h5.grid_axes(f)
        self.assertIn("uniquely", str(ctx.exception))
        with self.assertRaises(SystemExit):
            nnsim_h5.to_xarray(path, grid=True)
        with self.assertRaises(SystemExit):
            nnsim_h5.to_dataframe(path, index=True)
        self.assertEqual(nnsim_h5.to_xarray(path).sizes["point"], 12)
        np.testing.assert_array_equal(nnsim_h5.to_dataframe(path)["one_step_error_mean"].values,
                                      h5_read(path, "/results/one_step_error/mean"))

    def test_describe_units(self):
        text = nnsim_h5.describe(self.op)
        for line in text.splitlines():
            if line.strip().startswith("units:"):
                value = line.split("units:", 1)[1].strip()
                shown = value.split("  (= ")[1].rstrip(")") if "  (= " in value else value
                self.assertIn(shown, VOCABULARY, line)

    def test_missing_file(self):
        with self.assertRaises(SystemExit) as ctx:
            nnsim_h5.to_dataframe(os.path.join(self.tmp, "nope.h5"))
        self.assertIn("no such file", str(ctx.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)
