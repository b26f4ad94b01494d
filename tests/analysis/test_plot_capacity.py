#!/usr/bin/python3
"""Tests for analysis/plot_capacity.py (retrieval probability, extrapolation of alpha_c(N),
finite-size-scaling collapse).

Builds synthetic files in the layout `nnsim-capacity` writes (2 and 4 sizes; with and without
/extrapolation and /scaling; NaN crossings, fits with too few points, a collapse that did not
converge), runs the plot script as a subprocess with /usr/bin/python3 and checks the PNGs, the
notes and the error handling.

Run:  /usr/bin/python3 tests/analysis/test_plot_capacity.py
The scripts are found through $NNSIM_ANALYSIS_DIR, else ../../analysis relative to this file.
If $NNSIM_CAPACITY names an nnsim-capacity binary, a small real run is plotted as well
(arguments $NNSIM_CAPACITY_ARGS, split on blanks, else DRIVER_ARGS below); skipped otherwise.
"""

import json
import math
import os
import shlex
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot_test_support import ANALYSIS_DIR, assert_png, run, run_driver  # noqa: E402

PLOT = os.path.join(ANALYSIS_DIR, "plot_capacity.py")
sys.path.insert(0, ANALYSIS_DIR)

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import curve_fit  # noqa: E402
from scipy.special import ndtr  # noqa: E402

CAPACITY_DRIVER = os.environ.get("NNSIM_CAPACITY", "")
DRIVER_ARGS = shlex.split(os.environ.get("NNSIM_CAPACITY_ARGS", "")) or [
    "--N", "64,128", "--bracket", "0.08:0.25", "--samples", "8"]
SUFFIXES = ("-capacity-pret.png", "-capacity-extrapolation.png", "-capacity-collapse.png")
SEED = 2024

# Synthetic truth: alpha_c(N) = ALPHA_INF + AMPLITUDE N^(-1/2), width w(N) = W_AMPLITUDE N^(-1/2),
# i.e. a collapse with nu = 2 and a shift b.
ALPHA_INF, AMPLITUDE, W_AMPLITUDE = 0.138, 0.35, 0.45
LITERATURE = {"alpha_c_rs": 0.137906, "alpha_c_rsb": 0.138187, "alpha_c_monte_carlo": 0.143,
              "alpha_c_monte_carlo_stderr": 0.002}


def truth_crossing(n):
    return ALPHA_INF + AMPLITUDE * n ** -0.5


def truth_width(n):
    return W_AMPLITUDE * n ** -0.5


def power_law_fit(N, a, s, exponent=None):
    """Weighted least squares of a = a_inf + amp N^(-x) (x fixed, or free with exponent=None):
    dict of the /extrapolation/<fit> datasets and the status attribute."""
    N, a, s = (np.asarray(v, dtype=float) for v in (N, a, s))
    need = 3 if exponent is not None else 4
    nan = dict.fromkeys(("a_inf", "a_inf_stderr", "amplitude", "amplitude_stderr", "exponent",
                         "exponent_stderr", "chi2", "dof", "chi2_per_dof"), math.nan)
    if N.size < need:
        nan["exponent"] = exponent if exponent is not None else math.nan
        return nan, "too_few_points", "need at least %d sizes, got %d" % (need, N.size)
    if exponent is not None:
        f = lambda n, a_inf, amp: a_inf + amp * n ** (-exponent)  # noqa: E731
        p0 = (a.mean(), 0.0)
    else:
        f = lambda n, a_inf, amp, x: a_inf + amp * n ** (-x)  # noqa: E731
        p0 = (a.mean(), 0.3, 0.5)
    # x in [0.05, 3] as the C++ profile search (capacity/extrapolation.hpp)
    bounds = ((-np.inf, -np.inf), (np.inf, np.inf)) if exponent is not None else \
        ((-np.inf, -np.inf, 0.05), (np.inf, np.inf, 3.0))
    popt, pcov = curve_fit(f, N, a, p0=p0, sigma=s, absolute_sigma=True, bounds=bounds, maxfev=20000)
    err = np.sqrt(np.diag(pcov))
    chi2 = float(np.sum(((a - f(N, *popt)) / s) ** 2))
    dof = N.size - len(popt)
    out = {"a_inf": popt[0], "a_inf_stderr": err[0], "amplitude": popt[1], "amplitude_stderr": err[1],
           "exponent": exponent if exponent is not None else popt[2],
           "exponent_stderr": 0.0 if exponent is not None else err[2],
           "chi2": chi2, "dof": float(dof), "chi2_per_dof": chi2 / dof if dof > 0 else math.nan}
    return out, "ok", ""


def write_capacity_file(path, sizes, extrapolation=True, scaling=True, nan_sizes=(),
                        scaling_status="converged", recommended=None, omit=()):
    """Writes a synthetic nnsim-capacity file with the given sizes. Sizes in `nan_sizes` get a
    NaN alpha_c (status separated); `recommended` overrides the recommended fit (None: the free
    fit if it is ok, else x_0.5 if ok, else ""); datasets whose path is in `omit` are left out."""
    rng = np.random.default_rng(SEED)
    rows = []  # (N, p, P_true, count)
    for n in sizes:
        ac, w = truth_crossing(n), truth_width(n)
        for p in np.unique(np.rint(np.linspace(ac - 3 * w, ac + 3 * w, 9) * n).astype(np.int64)):
            rows.append((n, int(p), float(ndtr((ac - p / n) / w)), int(rng.integers(6, 13))))
    P = len(rows)
    N = np.array([r[0] for r in rows], dtype=np.int64)
    p = np.array([r[1] for r in rows], dtype=np.int64)
    alpha = p / N.astype(float)
    count = np.array([r[3] for r in rows], dtype=np.int64)
    s_max = int(count.max())
    overlap = np.full((P, s_max), np.nan)
    for i, (_, _, prob, c) in enumerate(rows):
        hit = rng.random(c) < prob
        overlap[i, :c] = np.where(hit, rng.uniform(0.95, 1.0, c), rng.uniform(0.1, 0.5, c))
    retrieved = np.where(np.isnan(overlap), np.nan, (overlap > 0.9).astype(float))

    def stats(samples):
        mean = np.nanmean(samples, axis=1)
        sd = np.nanstd(samples, axis=1, ddof=1)
        return mean, sd / np.sqrt(count)

    K = len(sizes)
    a_err = np.full(K, 0.0005)
    a_c = np.array([truth_crossing(n) for n in sizes]) + rng.normal(0, 1, K) * a_err
    status = np.array(["converged"] * K, dtype=object)
    for k, n in enumerate(sizes):
        if n in nan_sizes:
            a_c[k], a_err[k], status[k] = np.nan, np.nan, "separated"

    with h5py.File(path, "w") as f:
        f.attrs["program"] = "nnsim-capacity"
        f.attrs["experiment"] = "capacity"
        f.attrs["version"] = "0.1.0"
        f.attrs["git_commit"] = "0123456789abcdef"
        f.attrs["command_line"] = "nnsim-capacity --N %s" % ",".join(str(n) for n in sizes)
        f.attrs["parameters_json"] = json.dumps({"N": ",".join(str(n) for n in sizes), "seed": SEED})
        f.attrs["seed"] = np.uint64(SEED)
        f.attrs["mpi_ranks"] = np.int64(1)
        f.attrs["omp_threads"] = np.int64(1)
        f.attrs["N"] = ",".join(str(n) for n in sizes)
        f.attrs["m-cut"] = 0.9
        f.attrs["crossing-level"] = 0.5
        f.attrs["update"] = "random"
        f.attrs["bracket"] = "0.1:0.25"
        for key, value in LITERATURE.items():
            f.attrs[key] = np.float64(value)
        f.attrs["literature"] = "book eqs (3.42), (3.48), (3.49)"

        data = {"/points/N": N, "/points/p": p, "/points/alpha": alpha,
                "/points/key": np.arange(P, dtype=np.uint64), "/points/round": np.zeros(P, np.int64)}
        for obs, samples in (("final_overlap", overlap), ("retrieved", retrieved)):
            mean, stderr = stats(samples)
            data.update({"/results/%s/samples" % obs: samples, "/results/%s/count" % obs: count,
                         "/results/%s/mean" % obs: mean, "/results/%s/stderr" % obs: stderr})
        data.update({"/capacity/N": np.asarray(sizes, dtype=np.int64), "/capacity/alpha_c": a_c,
                     "/capacity/alpha_c_stderr": a_err, "/capacity/alpha_c_stderr_fisher": a_err * 0.9,
                     "/capacity/width": np.array([truth_width(n) for n in sizes]),
                     "/capacity/width_stderr": np.full(K, 1e-3),
                     "/capacity/samples": np.array([count[N == n].sum() for n in sizes], np.int64),
                     "/capacity/loads": np.array([np.sum(N == n) for n in sizes], np.int64)})
        for name, values in data.items():
            if name not in omit:
                f.create_dataset(name, data=values)
        if "/capacity/status" not in omit:
            f.create_dataset("/capacity/status", data=status, dtype=h5py.string_dtype())
            f.create_dataset("/capacity/location", data=np.array(["bracketed"] * K, dtype=object),
                             dtype=h5py.string_dtype())

        if extrapolation:
            ok = np.isfinite(a_c)
            grp = f.create_group("extrapolation")
            fits = {}
            for name, x in (("x_free", None), ("x_0.5", 0.5), ("x_0.667", 2.0 / 3.0), ("x_1", 1.0)):
                values, fit_status, message = power_law_fit(np.asarray(sizes)[ok], a_c[ok], a_err[ok], x)
                sub = grp.create_group(name)
                for key, value in values.items():
                    sub.create_dataset(key, data=np.float64(value))
                sub.attrs["status"] = fit_status
                sub.attrs["message"] = message
                fits[name] = (values, fit_status)
            if recommended is None:  # the free fit unless its x sits on the search bound
                free_ok = fits["x_free"][1] == "ok" and 0.06 < fits["x_free"][0]["exponent"] < 2.9
                recommended = "x_free" if free_ok else ("x_0.5" if fits["x_0.5"][1] == "ok" else "")
            grp.attrs["recommended"] = recommended
            grp.attrs["reason"] = "synthetic: %s" % (recommended or "no fit succeeded")
            best = fits.get(recommended, ({"a_inf": math.nan, "a_inf_stderr": math.nan}, ""))[0]
            grp.create_dataset("alpha_c_inf", data=np.float64(best["a_inf"]))
            grp.create_dataset("alpha_c_inf_stderr", data=np.float64(best["a_inf_stderr"]))
            for key, lit in (("z_rs", "alpha_c_rs"), ("z_rsb", "alpha_c_rsb"),
                             ("z_monte_carlo", "alpha_c_monte_carlo")):
                grp.create_dataset(key, data=np.float64((best["a_inf"] - LITERATURE[lit])
                                                        / best["a_inf_stderr"]))

        if scaling:
            grp = f.create_group("scaling")
            converged = scaling_status == "converged"
            n_ref = float(np.exp(np.mean(np.log(sizes))))
            nu = 2.0
            values = {"alpha_inf": ALPHA_INF, "alpha_inf_stderr": 0.001, "nu": nu, "nu_stderr": 0.2,
                      "width": W_AMPLITUDE * n_ref ** -0.5, "width_stderr": 0.001,
                      "shift": AMPLITUDE * n_ref ** -0.5, "shift_stderr": 0.001,
                      "reference_size": n_ref, "deviance": 30.0, "dof": float(P - 4)}
            for key, value in values.items():
                grp.create_dataset(key, data=np.float64(value if converged else math.nan))
            x = (alpha - ALPHA_INF) * (N / n_ref) ** (1.0 / nu)
            grp.create_dataset("x", data=x if converged else np.full(P, np.nan))
            grp.attrs["status"] = scaling_status
            grp.attrs["message"] = "" if converged else "synthetic: %s" % scaling_status
    return {"N": N, "alpha": alpha, "alpha_c": a_c}


class CapacityPlotTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-capacity-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run_ok(self, h5, *args, figures=3, prefix=None):
        """Runs the script on `h5`; asserts exit 0, the printed paths and the PNGs; returns the
        CompletedProcess."""
        r = run(PLOT, h5, *args)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertNotIn("Traceback", r.stderr)
        prefix = prefix or h5[: -len(".h5")]
        expected = [prefix + s for s in SUFFIXES[:figures]]
        self.assertEqual(r.stdout.strip().splitlines(), expected)
        for out in expected:
            # the extrapolation figure has its legend below the axes: less of it is coloured
            assert_png(self, out, require_colour=True,
                       min_colour=0.001 if out.endswith("extrapolation.png") else 0.002)
        if figures < 3:
            self.assertFalse(os.path.exists(prefix + SUFFIXES[2]))
        return r

    def run_fails(self, h5, *words):
        prefix = os.path.join(self.tmp, "failed")
        r = run(PLOT, h5, "-o", prefix)
        self.assertEqual(r.returncode, 2, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        self.assertNotIn("Traceback", r.stderr)
        self.assertIn(h5, r.stderr)
        for word in words:
            self.assertIn(word, r.stderr)
        for s in SUFFIXES:
            self.assertFalse(os.path.exists(prefix + s), "a figure was written for a bad file")
        return r

    # -- Good files ----------------------------------------------------------------------------

    def test_four_sizes_full(self):
        h5 = self.path("four.h5")
        write_capacity_file(h5, [256, 512, 1024, 2048])
        r = self.run_ok(h5)
        self.assertIn("recommended extrapolation x_free", r.stderr)

    def test_two_sizes(self):
        # Too few sizes for any extrapolation fit; the collapse (>= 2 sizes) converged.
        h5 = self.path("two.h5")
        write_capacity_file(h5, [512, 1024])
        r = self.run_ok(h5)
        self.assertIn("no extrapolation fit has status ok", r.stderr)
        self.assertIn("too_few_points", r.stderr)
        self.assertIn("points only", r.stderr)

    def test_without_extrapolation_and_scaling(self):
        h5 = self.path("bare.h5")
        write_capacity_file(h5, [256, 512, 1024, 2048], extrapolation=False, scaling=False)
        r = self.run_ok(h5, figures=2)
        self.assertIn("no /extrapolation group", r.stderr)
        self.assertIn("no /scaling group", r.stderr)

    def test_nan_crossing_and_failed_collapse(self):
        h5 = self.path("nan.h5")
        write_capacity_file(h5, [256, 512, 1024, 2048], nan_sizes=(256,), scaling_status="not_converged")
        r = self.run_ok(h5, figures=2)
        self.assertIn("N = 256", r.stderr)
        self.assertIn("NaN", r.stderr)
        self.assertIn("not_converged", r.stderr)
        self.assertIn("collapse figure is skipped", r.stderr)

    def test_two_sizes_one_nan(self):
        # One usable crossing, no fits, no collapse: still two readable figures.
        h5 = self.path("two-nan.h5")
        write_capacity_file(h5, [512, 1024], nan_sizes=(1024,), scaling_status="too_few_points")
        r = self.run_ok(h5, figures=2)
        self.assertIn("N = 1024", r.stderr)

    def test_recommended_without_exponent(self):
        # The recommendation names a fit that failed: the axis falls back to N^(-1/2).
        h5 = self.path("fallback.h5")
        write_capacity_file(h5, [256, 512, 1024], recommended="x_free")  # x free needs 4 sizes
        r = self.run_ok(h5)
        self.assertIn("has no exponent", r.stderr)
        self.assertIn("N^(-1/2)", r.stderr)

    def test_output_prefix(self):
        h5 = self.path("prefix.h5")
        write_capacity_file(h5, [256, 512, 1024, 2048])
        prefix = os.path.join(self.tmp, "sub-dir-less-prefix")
        self.run_ok(h5, "-o", prefix, prefix=prefix)
        self.assertFalse(os.path.exists(self.path("prefix" + SUFFIXES[0])))

    def test_default_outputs_and_master_curve(self):
        import plot_capacity
        self.assertEqual(plot_capacity.default_outputs("/a/b/run.h5"),
                         {"pret": "/a/b/run-capacity-pret.png",
                          "extrapolation": "/a/b/run-capacity-extrapolation.png",
                          "collapse": "/a/b/run-capacity-collapse.png"})
        self.assertEqual(plot_capacity.default_outputs("/a/b/run.h5", "/c/d")["collapse"],
                         "/c/d-capacity-collapse.png")
        # The file's /scaling/x puts every point of the synthetic truth on Phi((b - x) / w_0).
        h5 = self.path("loaded.h5")
        truth = write_capacity_file(h5, [256, 512, 1024, 2048])
        data = plot_capacity.load(h5)
        sc = data["scaling"]
        p_true = ndtr((np.array([truth_crossing(n) for n in truth["N"]]) - truth["alpha"])
                      / np.array([truth_width(n) for n in truth["N"]]))
        np.testing.assert_allclose(ndtr((sc["shift"] - sc["x"]) / sc["width"]), p_true, atol=1e-12)
        # Error bars: the bootstrap s.e., else the Fisher s.e., else none.
        cap = dict(data["capacity"])
        cap["alpha_c_stderr"] = np.array([0.002, np.nan, np.nan, 0.001])
        cap["alpha_c_stderr_fisher"] = np.array([0.5, 0.003, np.nan, 0.5])
        np.testing.assert_array_equal(plot_capacity.crossing_errors(cap), [0.002, 0.003, 0.0, 0.001])

    # -- Bad input ------------------------------------------------------------------------------

    def test_missing_file(self):
        self.run_fails(self.path("does-not-exist.h5"), "no such file")

    def test_not_hdf5(self):
        bogus = self.path("bogus.h5")
        with open(bogus, "w") as fh:
            fh.write("this is not HDF5\n")
        self.run_fails(bogus, "not a readable HDF5 file")

    def test_not_a_capacity_file(self):
        other = self.path("hopfield.h5")
        with h5py.File(other, "w") as f:
            f.attrs["program"] = "nnsim-hopfield"
            f.attrs["experiment"] = "one-step"
            f.create_dataset("/points/N", data=np.array([100, 100], np.int64))
            f.create_dataset("/points/alpha", data=np.array([0.1, 0.2]))
            for key in ("mean", "stderr"):
                f.create_dataset("/results/one_step_error/" + key, data=np.array([0.01, 0.05]))
            f.create_dataset("/results/one_step_error/count", data=np.array([4, 4], np.int64))
        self.run_fails(other, "not an nnsim-capacity file", "nnsim-hopfield")

    def test_missing_dataset(self):
        h5 = self.path("no-alpha-c.h5")
        write_capacity_file(h5, [256, 512], omit=("/capacity/alpha_c",))
        self.run_fails(h5, "/capacity/alpha_c")
        h5 = self.path("no-retrieved.h5")
        write_capacity_file(h5, [256, 512], omit=("/results/retrieved/mean",))
        self.run_fails(h5, "/results/retrieved/mean")

    def test_wrong_scaling_shape(self):
        h5 = self.path("bad-x.h5")
        write_capacity_file(h5, [256, 512])
        with h5py.File(h5, "a") as f:
            del f["/scaling/x"]
            f.create_dataset("/scaling/x", data=np.zeros(3))
        self.run_fails(h5, "/scaling/x")


@unittest.skipUnless(CAPACITY_DRIVER and os.path.isfile(CAPACITY_DRIVER)
                     and os.access(CAPACITY_DRIVER, os.X_OK),
                     "nnsim-capacity not available (set NNSIM_CAPACITY)")
class DriverCapacityPlotTest(unittest.TestCase):
    """A file written by the real nnsim-capacity (tiny parameters)."""

    def test_real_file(self):
        tmp = tempfile.mkdtemp(prefix="nnsim-test-plot-capacity-driver-")
        try:
            h5 = os.path.join(tmp, "run.h5")
            run_driver(CAPACITY_DRIVER, ((DRIVER_ARGS, h5),))
            r = run(PLOT, h5)
            self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
            written = r.stdout.strip().splitlines()
            self.assertGreaterEqual(len(written), 2)
            self.assertEqual(written[:2], [h5[:-3] + s for s in SUFFIXES[:2]])
            for out in written:
                assert_png(self, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
