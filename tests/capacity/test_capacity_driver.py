#!/usr/bin/python3
"""nnsim-capacity against an independent calculation with the same criterion (issue 7).

  NNSIM_CAPACITY=build/apps/nnsim-capacity NNSIM_HOPFIELD=build/apps/nnsim-hopfield \\
    /usr/bin/python3 tests/capacity/test_capacity_driver.py

1. `nnsim-capacity --N 512,1024 --samples 400` (default criterion: m_cut = 0.9, level 1/2,
   random sequential zero-noise updates, Hebb's rule with zero diagonal, start at pattern 1).
2. The independent calculation: `nnsim-hopfield --experiment steady-state` (the same criterion
   through another driver: retrieved = final overlap > --retrieved-threshold 0.9) on a fixed
   alpha grid with 400 samples per load and another seed, so its samples are independent of (1);
   the probit maximum-likelihood fit is done here with scipy, not with the suite's fit. The two
   alpha_c(N) must agree within 3 standard errors of their difference (errors added in
   quadrature; fixed seeds, so the test is deterministic).
3. The driver's own fit re-done with scipy from the per-sample final overlaps it wrote: the same
   alpha_c(N) (to 1e-6) at m_cut 0.9 and 0.8, so /capacity is what its samples say.
4. P_ret is monotonic within its errors (no rise of more than 3 standard errors between
   neighbouring loads) and sharpens with N (the fitted width at N = 1024 is smaller than at 512
   by more than 2 standard errors of the difference).
5. The criterion at small N against a direct count: N = 16, 32, 48; every sample's `retrieved`
   equals final_overlap > m_cut counted here, P_ret is that count over the samples, every run
   ended at a fixed point, and a single stored pattern (p = 1, where probed) is always retrieved.
"""

import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir))
CAPACITY = os.environ.get("NNSIM_CAPACITY") or os.path.join(ROOT, "build", "apps", "nnsim-capacity")
HOPFIELD = os.environ.get("NNSIM_HOPFIELD") or os.path.join(ROOT, "build", "apps", "nnsim-hopfield")


def env():
    e = dict(os.environ)
    e.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1"})
    return e


def run(cmd):
    proc = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (" ".join(cmd), proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout + proc.stderr


def probit_fit(alpha, k, n):
    """ML fit of P = Phi((a0 - alpha) / w) to counts; returns (a0, stderr a0, w, stderr w).
    Errors from the inverse of the numerical Hessian of -ln L in (a0, w)."""
    alpha, k, n = (np.asarray(x, dtype=float) for x in (alpha, k, n))

    def nll(theta):
        a0, w = theta
        if w <= 0:
            return np.inf
        z = (a0 - alpha) / w
        lp, lq = norm.logcdf(z), norm.logcdf(-z)
        return -np.sum(k * lp + (n - k) * lq)

    frac = k / n
    a_start = alpha[np.argmin(np.abs(frac - 0.5))]
    best = minimize(nll, [a_start, 0.02], method="Nelder-Mead",
                    options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    best = minimize(nll, best.x, method="Nelder-Mead",
                    options={"xatol": 1e-13, "fatol": 1e-13, "maxiter": 20000, "maxfev": 40000})
    theta = best.x
    h = np.array([1e-5, 1e-5]) * max(theta[1], 1e-3) / 1e-2
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            hess[i, j] = (nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej)
                          + nll(theta - ei - ej)) / (4 * h[i] * h[j])
    cov = np.linalg.inv(hess)
    return theta[0], math.sqrt(cov[0, 0]), theta[1], math.sqrt(cov[1, 1])


def loads(f, n):
    sel = f["points/N"][:] == n
    return sel


@unittest.skipUnless(os.access(CAPACITY, os.X_OK) and os.access(HOPFIELD, os.X_OK),
                     "drivers not built (set NNSIM_CAPACITY and NNSIM_HOPFIELD)")
class CapacityAgainstIndependentCalculation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="nnsim-capacity-test.")
        cls.out = os.path.join(cls.tmp.name, "capacity.h5")
        cls.summary = run(["mpirun", "--oversubscribe", "-n", "2", CAPACITY, "--N", "512,1024", "--samples", "400",
                           "--seed", "1", "-o", cls.out])
        cls.independent = os.path.join(cls.tmp.name, "steady.h5")
        run(["mpirun", "--oversubscribe", "-n", "2", HOPFIELD, "--experiment", "steady-state", "--N", "512,1024",
             "--alpha", "0.13:0.21:0.005", "--samples", "400", "--seed", "99", "--quiet", "-o", cls.independent])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_alpha_c_agrees_with_the_independent_calculation(self):
        with h5py.File(self.out, "r") as f, h5py.File(self.independent, "r") as g:
            sizes = list(f["capacity/N"][:])
            self.assertEqual(sizes, [512, 1024])
            for i, n in enumerate(sizes):
                a, e = f["capacity/alpha_c"][i], f["capacity/alpha_c_stderr"][i]
                sel = g["points/N"][:] == n
                alpha = g["points/p"][sel] / n
                k = g["results/retrieved/samples"][sel].sum(axis=1)
                m = g["results/retrieved/count"][sel]
                a_ind, e_ind, _, _ = probit_fit(alpha, k, m)
                z = (a - a_ind) / math.hypot(e, e_ind)
                print("N = %d: nnsim-capacity %.5f +- %.5f, independent %.5f +- %.5f, z = %.2f"
                      % (n, a, e, a_ind, e_ind, z))
                self.assertLess(abs(z), 3.0)
                # and the errors are of the size the sample counts allow
                self.assertLess(e, 0.003)
                self.assertGreater(e, 1e-4)

    def test_alpha_c_is_what_the_written_samples_say(self):
        with h5py.File(self.out, "r") as f:
            overlap = f["results/final_overlap/samples"][:]
            count = f["results/final_overlap/count"][:]
            for i, n in enumerate(f["capacity/N"][:]):
                sel = f["points/N"][:] == n
                alpha = f["points/alpha"][sel]
                self.assertTrue(np.array_equal(alpha, f["points/p"][sel] / n))
                for m_cut, name in ((0.9, "alpha_c"), (0.8, "alpha_c_m_cut_0.8")):
                    k = np.array([np.sum(row[:c] > m_cut) for row, c in zip(overlap[sel], count[sel])])
                    a, _, _, _ = probit_fit(alpha, k, count[sel])
                    self.assertAlmostEqual(a, f["capacity/" + name][i], delta=1e-6, msg="%s N=%d" % (name, n))
                shift = f["capacity/alpha_c_m_cut_0.8"][i] - f["capacity/alpha_c_m_cut_0.9"][i]
                self.assertAlmostEqual(shift, f["capacity/m_cut_shift"][i], delta=1e-12)

    def test_p_ret_is_monotonic_and_sharpens_with_n(self):
        with h5py.File(self.out, "r") as f:
            widths = {}
            for i, n in enumerate(f["capacity/N"][:]):
                sel = f["points/N"][:] == n
                k = f["results/retrieved/samples"][sel]
                c = f["results/retrieved/count"][sel]
                p_hat = np.nansum(k, axis=1) / c
                # Jeffreys-smoothed binomial errors, so 0/n and n/n loads still carry an error
                p_j = (np.nansum(k, axis=1) + 0.5) / (c + 1)
                se = np.sqrt(p_j * (1 - p_j) / c)
                rises = (p_hat[1:] - p_hat[:-1]) / np.hypot(se[1:], se[:-1])
                self.assertLess(rises.max(), 3.0, "P_ret rises by %.2f standard errors at N = %d" % (rises.max(), n))
                widths[n] = (f["capacity/width"][i], f["capacity/width_stderr"][i])
            (w1, e1), (w2, e2) = widths[512], widths[1024]
            print("width: N = 512 %.5f +- %.5f, N = 1024 %.5f +- %.5f" % (w1, e1, w2, e2))
            self.assertGreater((w1 - w2) / math.hypot(e1, e2), 2.0)

    def test_summary_states_the_literature_comparison_and_the_file(self):
        self.assertIn("alpha_c(N): P_ret crosses", self.summary)
        self.assertIn("no extrapolation", self.summary)  # two sizes: too few for a fit in N
        with h5py.File(self.out, "r") as f:
            self.assertEqual(f["extrapolation"].attrs["recommended"], "")
            self.assertTrue(np.isnan(f["extrapolation/alpha_c_inf"][()]))


@unittest.skipUnless(os.access(CAPACITY, os.X_OK), "nnsim-capacity not built (set NNSIM_CAPACITY)")
class CriterionAtSmallN(unittest.TestCase):
    def test_direct_count(self):
        with tempfile.TemporaryDirectory(prefix="nnsim-capacity-small.") as tmp:
            out = os.path.join(tmp, "small.h5")
            run([CAPACITY, "--N", "16,32,48", "--samples", "200", "--bracket", "0.05:0.6", "--seed", "3", "--quiet",
                 "-o", out])
            with h5py.File(out, "r") as f:
                m_cut = float(f.attrs["m-cut"])
                overlap = f["results/final_overlap/samples"][:]
                retrieved = f["results/retrieved/samples"][:]
                count = f["results/retrieved/count"][:]
                converged = f["results/converged/samples"][:]
                for i in range(len(count)):
                    c = count[i]
                    direct = (overlap[i, :c] > m_cut).astype(float)
                    self.assertTrue(np.array_equal(direct, retrieved[i, :c]))
                    self.assertAlmostEqual(direct.mean(), f["results/retrieved/mean"][i], delta=1e-15)
                    self.assertTrue(np.all(converged[i, :c] == 1.0))
                    # overlaps of N neurons are multiples of 2/N
                    n = f["points/N"][i]
                    self.assertTrue(np.allclose(overlap[i, :c] * n / 2, np.round(overlap[i, :c] * n / 2)))
                    if f["points/p"][i] == 1:
                        self.assertTrue(np.all(direct == 1.0))
                a = f["capacity/alpha_c"][:]
                self.assertTrue(np.all(np.isfinite(a)), a)
                print("small N: alpha_c(16, 32, 48) =", a)


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    unittest.main(verbosity=2)
