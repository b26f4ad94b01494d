#!/usr/bin/python3
"""Tests for analysis/plot_traces.py (Fig. 3.2: m_1(t) against t), run on files written by the
real driver with --trace-every K.

Runs nnsim-hopfield with tiny parameters (order-parameter files with trace-every 2 and 1, a
steady-state file with trace-every 1 and a file without traces), checks what the stored traces
mean (they start at m_1 = 1 for --flip-fraction 0; after the transient they average to
/results/overlap_time_average), then runs the plot script as a subprocess with /usr/bin/python3
and checks the PNGs and the error handling.

Run:  NNSIM_HOPFIELD=build/apps/nnsim-hopfield /usr/bin/python3 tests/analysis/test_plot_traces.py
The driver is $NNSIM_HOPFIELD, else ../../build/apps/nnsim-hopfield relative to this file; the
driver tests are skipped if it does not exist. The script is found through $NNSIM_ANALYSIS_DIR,
else ../../analysis relative to this file.
"""

import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_test_support  # noqa: E402
from plot_test_support import ANALYSIS_DIR, DRIVER, requires_driver, run_driver  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_traces.py")

sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import plot_traces  # noqa: E402

SWEEPS, TRANSIENT = 60, 10
OP_ARGS = ["--experiment", "order-parameter", "--N", "300", "--alpha", "0.05", "--noise", "0.3,0.9",
           "--sweeps", str(SWEEPS), "--transient", str(TRANSIENT), "--samples", "3", "--flip-fraction", "0"]
SS_ARGS = ["--experiment", "steady-state", "--N", "300", "--alpha", "0.05,0.2", "--samples", "3",
           "--max-sweeps", "30", "--trace-every", "1", "--flip-fraction", "0"]
NO_TRACE_ARGS = ["--experiment", "order-parameter", "--N", "200", "--alpha", "0.05", "--noise", "0.5",
                 "--sweeps", "20", "--transient", "5", "--samples", "2"]


def start_plot(*args):
    return plot_test_support.start(PLOT, *args)


def assert_png(test, path):
    """A PNG with coloured traces (one colour per point)."""
    return plot_test_support.assert_png(test, path, require_colour=True)


def read(path, *names):
    with h5py.File(path, "r") as f:
        return [f[name][()] for name in names]


class HelperTest(unittest.TestCase):
    """Pure functions of plot_traces.py."""

    def test_default_output(self):
        self.assertEqual(plot_traces.default_output("/a/b/run.h5"), "/a/b/run-traces.png")
        self.assertEqual(plot_traces.default_output("/a/b/run.hdf5"), "/a/b/run-traces.png")
        self.assertEqual(plot_traces.default_output("/a/b/run"), "/a/b/run-traces.png")

    def test_select_points(self):
        self.assertEqual(plot_traces.select_points("f.h5", 3, None), [0, 1, 2])
        self.assertEqual(plot_traces.select_points("f.h5", 6, None), list(range(6)))
        self.assertEqual(plot_traces.select_points("f.h5", 5, [4, 0, 4]), [4, 0])
        with self.assertRaises(SystemExit) as ctx:
            plot_traces.select_points("f.h5", 3, [1, 3])
        self.assertIn("--points 3", str(ctx.exception.code))

    def test_parse_args(self):
        args = plot_traces.parse_args(["x.h5", "--points", "2,0", "--samples", "0"])
        self.assertEqual((args.points, args.samples, args.output), ([2, 0], 0, None))
        self.assertEqual(plot_traces.parse_args(["x.h5"]).samples, 3)


@requires_driver
class DriverTraceTest(unittest.TestCase):
    """Traces in files written by the real nnsim-hopfield, and their plots."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-traces-")
        cls.op2 = os.path.join(cls.tmp, "op2.h5")
        cls.op1 = os.path.join(cls.tmp, "op1.h5")
        cls.ss = os.path.join(cls.tmp, "ss.h5")
        cls.no_trace = os.path.join(cls.tmp, "no-trace.h5")
        runs = ((OP_ARGS + ["--trace-every", "2"], cls.op2), (OP_ARGS + ["--trace-every", "1"], cls.op1),
                (SS_ARGS, cls.ss), (NO_TRACE_ARGS, cls.no_trace))
        run_driver(DRIVER, runs)  # independent runs: started together

        # A file with 8 points (the order-parameter points repeated) for the "at most 6" rule.
        cls.many = os.path.join(cls.tmp, "many.h5")
        index = np.arange(8) % 2
        with h5py.File(cls.op2, "r") as fin, h5py.File(cls.many, "w") as fout:
            for key, value in fin.attrs.items():
                fout.attrs[key] = value

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    data = obj[()]
                    fout.create_dataset(name, data=data[index] if data.ndim else data)
            fin.visititems(visit)

        # The plots are independent subprocesses (a second each, mostly matplotlib start-up):
        # run them together here; the tests below check their results.
        cls.out = {
            "op2": os.path.join(cls.tmp, "op2-traces.png"),  # the default name
            "ss": os.path.join(cls.tmp, "ss-one.png"),
            "many": os.path.join(cls.tmp, "many.png"),
            "no_trace": os.path.join(cls.tmp, "no-trace.png"),
            "bad_points": os.path.join(cls.tmp, "bad-points.png"),
        }
        plots = {
            "op2": start_plot(cls.op2),
            "ss": start_plot(cls.ss, "-o", cls.out["ss"], "--points", "1", "--samples", "1"),
            "many": start_plot(cls.many, "-o", cls.out["many"], "--samples", "5"),
            "no_trace": start_plot(cls.no_trace, "-o", cls.out["no_trace"]),
            "bad_points": start_plot(cls.op2, "-o", cls.out["bad_points"], "--points", "0,7"),
        }
        cls.result = {}
        for key, proc in plots.items():
            stdout, stderr = proc.communicate(timeout=300)
            cls.result[key] = (proc.returncode, stdout, stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_ok(self, key):
        rc, stdout, stderr = self.result[key]
        self.assertEqual(rc, 0, "stdout:\n%s\nstderr:\n%s" % (stdout, stderr))
        self.assertEqual(stdout.strip().splitlines()[-1], self.out[key])
        self.assertNotIn("Traceback", stderr)
        return stderr

    # -- what the driver stores -------------------------------------------------------------------

    def test_layout(self):
        for path, every, length in ((self.op2, 2, SWEEPS // 2 + 1), (self.op1, 1, SWEEPS + 1), (self.ss, 1, 31)):
            with h5py.File(path, "r") as f:
                self.assertEqual(int(f.attrs["trace-every"]), every, path)
                self.assertEqual(f["/results/overlap_trace/samples"].shape, (2, 3, length), path)
                self.assertEqual(f["/results/overlap_trace/mean"].shape, (2, length), path)
                samples = f["/results/overlap_trace/samples"][()]
                np.testing.assert_allclose(f["/results/overlap_trace/mean"][()], samples.mean(axis=1),
                                           rtol=0, atol=1e-12)
                # The last trace value is m_1 after the last sweep (SWEEPS is a multiple of K).
                np.testing.assert_array_equal(samples[..., -1], f["/results/final_overlap/samples"][()])
        with h5py.File(self.no_trace, "r") as f:
            self.assertNotIn("/results/overlap_trace", f)

    def test_trace_starts_at_one(self):
        # --flip-fraction 0: the dynamics start at the stored pattern, m_1(0) = N/N = 1 exactly.
        for path in (self.op2, self.op1, self.ss):
            samples, mean = read(path, "/results/overlap_trace/samples", "/results/overlap_trace/mean")
            np.testing.assert_array_equal(samples[..., 0], 1.0, err_msg=path)
            np.testing.assert_array_equal(mean[:, 0], 1.0, err_msg=path)
            self.assertTrue(np.all(np.abs(samples) <= 1.0), path)
            N = read(path, "/points/N")[0]
            # m_1 = (1/N) sum_i x_i s_i moves in steps of 2/N.
            steps = (samples - 1.0) * N[:, None, None] / 2.0
            np.testing.assert_allclose(steps, np.round(steps), rtol=0, atol=1e-9, err_msg=path)

    def test_time_average_every_sweep(self):
        # trace-every 1: the trace holds m_1 after every sweep t = 0..SWEEPS; the driver's time
        # average (3.2) is over the sweeps t = TRANSIENT+1..SWEEPS (after the transient).
        trace, ta_samples, ta_mean = read(self.op1, "/results/overlap_trace/samples",
                                          "/results/overlap_time_average/samples",
                                          "/results/overlap_time_average/mean")
        after = trace[..., TRANSIENT + 1:]
        self.assertEqual(after.shape[-1], SWEEPS - TRANSIENT)
        np.testing.assert_allclose(after.mean(axis=-1), ta_samples, rtol=0, atol=1e-12)
        np.testing.assert_allclose(after.mean(axis=-1).mean(axis=-1), ta_mean, rtol=0, atol=1e-12)
        # Counting t = TRANSIENT in as well would not match (the check above is sharp).
        self.assertGreater(np.max(np.abs(trace[..., TRANSIENT:].mean(axis=-1) - ta_samples)), 1e-6)

    def test_time_average_every_second_sweep(self):
        K = 2
        trace1, = read(self.op1, "/results/overlap_trace/samples")
        trace2, ta_samples, ta_mean = read(self.op2, "/results/overlap_trace/samples",
                                           "/results/overlap_time_average/samples",
                                           "/results/overlap_time_average/mean")
        # --trace-every only records: the same seed gives the same dynamics, so the K = 2 trace is
        # every second entry of the K = 1 trace, and the time averages are the same.
        np.testing.assert_array_equal(trace2, trace1[..., ::K])
        np.testing.assert_array_equal(ta_samples, read(self.op1, "/results/overlap_time_average/samples")[0])

        # Trace entry k is t = kK; after the transient means t > TRANSIENT, i.e. k > TRANSIENT / K.
        t = K * np.arange(trace2.shape[-1])
        kept = t > TRANSIENT
        self.assertEqual(t[kept][0], TRANSIENT + K - TRANSIENT % K)
        n_kept, n_all = int(kept.sum()), SWEEPS - TRANSIENT
        self.assertEqual(n_kept, sum(1 for u in range(TRANSIENT + 1, SWEEPS + 1) if u % K == 0))
        sub = trace2[..., kept].mean(axis=-1)
        # The driver averages over all n_all sweeps; the trace sees n_kept of them. Exactly,
        #   full = (n_kept sub + (n_all - n_kept) rest) / n_all,
        # with `rest` the mean over the sweeps between the stored ones (known from the K = 1 run):
        between = np.setdiff1d(np.arange(TRANSIENT + 1, SWEEPS + 1), t[kept])
        self.assertEqual(between.size, n_all - n_kept)
        rest = trace1[..., between].mean(axis=-1)
        np.testing.assert_allclose((n_kept * sub + (n_all - n_kept) * rest) / n_all, ta_samples,
                                   rtol=0, atol=1e-12)
        # From the K = 2 trace alone the unseen sweeps are only known to have |m_1| <= 1:
        self.assertTrue(np.all(np.abs(sub - ta_samples) <= (n_all - n_kept) / n_all * (1 + np.abs(sub)) + 1e-12))
        # ... and statistically the subsample mean scatters around the full one by about
        # std / sqrt(n_kept) (per sample and for the ensemble mean over the samples).
        spread = trace2[..., kept].std(axis=-1, ddof=1)
        self.assertTrue(np.all(np.abs(sub - ta_samples) <= 4 * spread / np.sqrt(n_kept) + 1e-12),
                        (sub - ta_samples, spread))
        ens_tol = 4 * np.sqrt((spread ** 2).mean(axis=-1) / (n_kept * sub.shape[-1])) + 1e-12
        self.assertTrue(np.all(np.abs(sub.mean(axis=-1) - ta_mean) <= ens_tol),
                        (sub.mean(axis=-1) - ta_mean, ens_tol))

    def test_steady_state_trace_keeps_fixed_point(self):
        trace, sweeps, final, converged = read(self.ss, "/results/overlap_trace/samples",
                                               "/results/sweeps/samples", "/results/final_overlap/samples",
                                               "/results/converged/samples")
        self.assertLessEqual(sweeps.max(), 30)
        for p in range(trace.shape[0]):
            for s in range(trace.shape[1]):
                c = int(sweeps[p, s])
                # Stopped after c sweeps: the trace is constant from t = c on, at the final m_1.
                np.testing.assert_array_equal(trace[p, s, c:], final[p, s])
                if converged[p, s] == 1 and c >= 1:
                    # the last sweep flipped nothing
                    self.assertEqual(trace[p, s, c - 1], trace[p, s, c])
        # At alpha = 0.2 > alpha_c the network leaves the pattern.
        self.assertLess(trace[1, :, -1].mean(), 0.95)

    # -- plots ------------------------------------------------------------------------------------

    def test_order_parameter_plot(self):
        stderr = self.assert_ok("op2")
        self.assertNotIn("leaving out", stderr)
        assert_png(self, self.out["op2"])

    def test_steady_state_plot(self):
        self.assert_ok("ss")
        assert_png(self, self.out["ss"])

    def test_at_most_six_points(self):
        stderr = self.assert_ok("many")
        self.assertIn("holds 8 points", stderr)
        self.assertIn("leaving out", stderr)
        self.assertIn("--points", stderr)
        assert_png(self, self.out["many"])

    def test_no_trace(self):
        rc, stdout, stderr = self.result["no_trace"]
        self.assertEqual(rc, 2, "stdout:\n%s\nstderr:\n%s" % (stdout, stderr))
        self.assertIn(self.no_trace, stderr)
        self.assertIn("/results/overlap_trace", stderr)
        self.assertIn("--trace-every K", stderr)
        self.assertNotIn("Traceback", stderr)
        self.assertFalse(os.path.exists(self.out["no_trace"]))

    def test_bad_points(self):
        rc, stdout, stderr = self.result["bad_points"]
        self.assertEqual(rc, 2, "stdout:\n%s\nstderr:\n%s" % (stdout, stderr))
        self.assertIn("--points 7", stderr)
        self.assertIn(self.op2, stderr)
        self.assertNotIn("Traceback", stderr)
        self.assertFalse(os.path.exists(self.out["bad_points"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
