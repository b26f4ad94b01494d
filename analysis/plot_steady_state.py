#!/usr/bin/python3
"""Plots the steady-state error probability of a Hopfield network against alpha = p/N
(B. Mehlig, "Machine learning with neural networks", Fig. 3.4 style).

Input: the HDF5 file written by `nnsim-hopfield --experiment steady-state`.

  /usr/bin/python3 analysis/plot_steady_state.py RUN.h5 [--one-step ONE.h5] [-o OUT.png] [--linear]

For every N in the file the simulated steady-state error (/results/steady_state_error, the
fraction of wrong bits at the fixed point reached from a stored pattern under zero-noise
asynchronous dynamics) is drawn with error bars (mean +- 1 standard error) against the realised
load p/N. The mean-field result (3.39)-(3.41),

    y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = erf(y),   m_1 = erf(y),
    P_error^{t=inf} = (1 - m_1) / 2                                         (3.18)

(largest root y), is solved here on a fine alpha grid and drawn as a black line up to
alpha_c = 0.1379, where the retrieval solution disappears (vertical dotted line). The one-step
error (2.39) is drawn as a dashed grey line for contrast; --one-step adds the simulated one-step
error of a `nnsim-hopfield --experiment one-step` file (open squares). The y axis is logarithmic
by default (zero means cannot be shown there and are left out); --linear gives a linear axis.

The default output is FILE with ".h5" replaced by "-steady-state.png"; the path of the written
PNG is printed. A missing or invalid input file gives exit code 2 and a message on stderr.
"""

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import brentq  # noqa: E402
from scipy.special import erf, erfc  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

OBSERVABLE = "steady_state_error"
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _residual(y, alpha):
    """f(y) = erf(y) - y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)); its roots solve (3.39)-(3.41)."""
    return math.erf(y) - y * (math.sqrt(2.0 * alpha) + _TWO_OVER_SQRT_PI * math.exp(-y * y))


def _residual_peak(alpha):
    """The position y2 > 1 of the local maximum of f(y) for y > 0, or None if f has none.

    f'(y) = (4/sqrt(pi)) y^2 exp(-y^2) - sqrt(2 alpha): f falls, rises between the two roots
    y1 < 1 < y2 of y^2 exp(-y^2) = c = sqrt(2 alpha pi) / 4, and falls again after y2. A
    non-trivial root exists iff f(y2) >= 0, and then the largest root lies in
    [y2, 1/sqrt(2 alpha)] (f < 0 there since erf(y) < 1 <= y sqrt(2 alpha)).
    """
    c = math.sqrt(2.0 * alpha * math.pi) / 4.0
    if c >= math.exp(-1.0):  # y^2 exp(-y^2) <= 1/e: f is decreasing, only the root y = 0
        return None
    return brentq(lambda y: y * y * math.exp(-y * y) - c, 1.0, 50.0, xtol=1e-15, rtol=1e-15)


def largest_root(alpha):
    """The largest root y of (3.39)-(3.41) at load alpha (scalar or array); NaN where only
    the trivial root y = 0 exists (alpha > alpha_c) or alpha <= 0."""
    a = np.asarray(alpha, dtype=float)
    out = np.full(a.shape, np.nan)
    flat = out.reshape(-1)
    for k, al in enumerate(a.reshape(-1)):
        al = float(al)
        if not (np.isfinite(al) and al > 0.0):
            continue
        y2 = _residual_peak(al)
        if y2 is None:
            continue
        top = _residual(y2, al)
        if top < 0.0:
            continue
        if top == 0.0:
            flat[k] = y2
            continue
        y_hi = 1.0 / math.sqrt(2.0 * al)
        if _residual(y_hi, al) >= 0.0:  # cannot happen (see _residual_peak); be safe anyway
            y_hi = 50.0
        flat[k] = brentq(_residual, y2, y_hi, args=(al,), xtol=1e-15, rtol=1e-15, maxiter=500)
    return out if a.shape else float(out)


def steady_state_overlap(alpha):
    """m_1 = erf(y) with y the largest root of (3.39)-(3.41); NaN above alpha_c."""
    y = largest_root(alpha)
    return erf(y) if np.ndim(y) else float(erf(y))


def steady_state_error(alpha):
    """(3.18) with (3.39)-(3.41): (1 - m_1)/2 = erfc(y)/2 (no cancellation at small alpha);
    NaN above alpha_c."""
    y = largest_root(alpha)
    return 0.5 * erfc(y) if np.ndim(y) else float(0.5 * erfc(y))


_ALPHA_C = None


def critical_load():
    """alpha_c, the largest load with a retrieval solution of (3.39)-(3.41) (0.137906...)."""
    global _ALPHA_C
    if _ALPHA_C is None:
        def peak_value(a):
            y2 = _residual_peak(a)
            return -1.0 if y2 is None else _residual(y2, a)
        _ALPHA_C = brentq(peak_value, 0.05, 0.3, xtol=1e-14, rtol=1e-15)
    return _ALPHA_C


def book_one_step_error(alpha):
    """Eq. (2.39): (1 - erf(sqrt(1/(2 alpha)))) / 2 = erfc(sqrt(1/(2 alpha))) / 2."""
    alpha = np.asarray(alpha, dtype=float)
    return 0.5 * erfc(np.sqrt(1.0 / (2.0 * alpha)))


def load_one_step(path):
    """(attrs, N, p/N, observable) of a one-step file for --one-step; SystemExit on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        alpha = realised_load(path, points)
        obs = nnsim_h5.load_observable(f, "one_step_error")
    if obs["mean"].shape != alpha.shape:
        raise SystemExit("error: %s: dataset '/results/one_step_error/mean' has shape %s, expected %s "
                         "like /points/alpha" % (path, list(obs["mean"].shape), list(alpha.shape)))
    return attrs, np.asarray(points["N"]), alpha, obs


def default_output(path):
    return nnsim_h5.default_output(path, "-steady-state.png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot the steady-state error probability against alpha = p/N "
                    "(Mehlig Fig. 3.4) from an nnsim-hopfield steady-state HDF5 file.")
    parser.add_argument("file", metavar="FILE", help="HDF5 file from nnsim-hopfield --experiment steady-state")
    parser.add_argument("--one-step", metavar="FILE2",
                        help="also draw the simulated one-step error of this "
                             "nnsim-hopfield --experiment one-step file")
    nnsim_h5.add_output_option(parser, "-steady-state.png")
    parser.add_argument("--linear", action="store_true",
                        help="linear y axis (default: logarithmic)")
    return parser.parse_args(argv)


def realised_load(path, points):
    """p/N per point (the load the simulation and the file's theory use), else /points/alpha."""
    nnsim_h5.require_points(path, points, ("N", "alpha"))
    return nnsim_h5.realised_load(points)


def load(path):
    """Everything the plot needs, as numpy arrays; SystemExit(message) on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        realised_load(path, points)  # checks /points/N and /points/alpha
        obs = nnsim_h5.load_observable(f, OBSERVABLE)
        theory = nnsim_h5.load_theory(f, OBSERVABLE)
    n_points = points["alpha"].shape[0]
    if n_points == 0:
        raise SystemExit("error: %s: the file holds no points" % path)
    arrays = {"/points/N": points["N"], "/results/%s/mean" % OBSERVABLE: obs["mean"],
              "/results/%s/stderr" % OBSERVABLE: obs["stderr"],
              "/results/%s/count" % OBSERVABLE: obs["count"]}
    if theory is not None:
        arrays["/theory/%s" % OBSERVABLE] = theory
    nnsim_h5.check_point_arrays(path, arrays, n_points)
    return attrs, points, obs, theory


def title_text(attrs, count):
    seed = attrs.get("seed", "?")
    samples = nnsim_h5.samples_per_point(count)
    update = attrs.get("update", "random")
    return ("Steady-state error probability (nnsim-hopfield, steady-state)\n"
            "zero noise, %s updates, seed = %s, %s" % (update, seed, samples))


def _errorbars(ax, a, m, s, log, **kwargs):
    """Draws mean +- stderr where finite (and > 0 on a log axis); returns (handle or None,
    values drawn, number of zero means left out)."""
    keep = np.isfinite(m)
    zeros = 0
    if log:
        zeros = int(np.count_nonzero(keep & (m <= 0)))
        keep &= m > 0
    if not np.any(keep):
        return None, np.array([]), zeros
    err = np.where(np.isfinite(s[keep]), s[keep], 0.0)
    if log:  # the lower bar must stay above 0 on a log axis
        err = np.vstack([np.minimum(err, m[keep] * (1.0 - 1e-9)), err])
    h = ax.errorbar(a[keep], m[keep], yerr=err, **kwargs)
    return h, m[keep], zeros


def plot(path, output, linear, one_step_path=None):
    attrs, points, obs, theory = load(path)
    nnsim_h5.warn_unexpected_experiment(path, attrs.get("experiment"), "steady-state")
    one_step = None
    if one_step_path is not None:
        os_attrs, os_N, os_alpha, os_obs = load_one_step(one_step_path)
        nnsim_h5.warn_unexpected_experiment(one_step_path, os_attrs.get("experiment"), "one-step")
        one_step = (os_N, os_alpha, os_obs)

    N = np.asarray(points["N"])
    alpha = realised_load(path, points)
    mean, stderr = obs["mean"], obs["stderr"]
    log = not linear
    alpha_c = critical_load()

    # Sanity check: the file's (3.39)-(3.41) values should agree with the Python solver.
    if theory is not None:
        mine = steady_state_error(alpha)
        both = np.isfinite(theory) & np.isfinite(mine)
        if (np.any(np.isfinite(theory) != np.isfinite(mine))
                or (np.any(both) and not np.allclose(theory[both], mine[both], rtol=1e-6, atol=1e-12))):
            sys.stderr.write("warning: %s: /theory/%s differs from the solution of (3.39)-(3.41)\n"
                             % (path, OBSERVABLE))

    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2", "C3"])
    all_N = np.unique(np.concatenate([N, one_step[0]]) if one_step is not None else N)
    color_of = {n: colors[k % len(colors)] for k, n in enumerate(all_N)}
    shown = []  # positive values drawn, for the log-axis limits
    masked_zero = 0
    handles = []

    for n in np.unique(N):
        idx = np.flatnonzero(N == n)
        idx = idx[np.argsort(alpha[idx], kind="stable")]
        h, vals, zeros = _errorbars(ax, alpha[idx], mean[idx], stderr[idx], log, fmt="o", ms=5,
                                    capsize=3, color=color_of[n], zorder=3,
                                    label="N = %d, steady state, simulation (mean \u00b11 s.e.)" % n)
        masked_zero += zeros
        if h is not None:
            handles.append(h)
            shown.append(vals)
    if one_step is not None:
        os_N, os_alpha, os_obs = one_step
        for n in np.unique(os_N):
            idx = np.flatnonzero(os_N == n)
            idx = idx[np.argsort(os_alpha[idx], kind="stable")]
            h, vals, zeros = _errorbars(ax, os_alpha[idx], os_obs["mean"][idx], os_obs["stderr"][idx],
                                        log, fmt="s", ms=5, mfc="none", capsize=2,
                                        color=color_of[n], zorder=3,
                                        label="N = %d, one step, simulation" % n)
            masked_zero += zeros
            if h is not None:
                handles.append(h)
                shown.append(vals)

    # Range of the curves: the data's loads (both files), from near 0 if the data start low.
    loads = [alpha[np.isfinite(alpha) & (alpha > 0)]]
    if one_step is not None:
        loads.append(one_step[1][np.isfinite(one_step[1]) & (one_step[1] > 0)])
    loads = np.concatenate(loads)
    lo, hi = (loads.min(), loads.max()) if loads.size else (0.01, 0.2)
    hi = max(hi, 1.05 * alpha_c) if lo < alpha_c else hi
    pad = 0.03 * (hi - lo)
    x_lo, x_hi = max(lo - pad, 1e-4), hi + pad

    # (3.39)-(3.41) on a fine grid up to alpha_c (ending exactly there).
    if x_lo < alpha_c:
        grid = np.concatenate([np.linspace(x_lo, min(x_hi, alpha_c), 400)[:-1], [min(x_hi, alpha_c)]])
        grid[-1] = min(grid[-1], alpha_c * (1.0 - 1e-12))
        curve = steady_state_error(grid)
        ok = np.isfinite(curve) & ((curve > 0) if log else True)
        if np.any(ok):
            handles += ax.plot(grid[ok], curve[ok], "-", color="black", lw=1.8, zorder=2,
                               label=r"mean field (3.39)-(3.41): $(1-m_1)/2$, "
                                     r"$m_1=\mathrm{erf}(y)$")
    handles.append(ax.axvline(alpha_c, color="black", ls=":", lw=1.2, zorder=1,
                              label=r"$\alpha_c$ = %.4f" % alpha_c))
    # (2.39) over the whole range.
    grid = np.linspace(x_lo, x_hi, 500)
    one = book_one_step_error(grid)
    ok = (one > 0) if log else np.isfinite(one)
    handles += ax.plot(grid[ok], one[ok], "--", color="0.5", lw=1.4, zorder=1,
                       label=r"one step (2.39): $\frac{1}{2}[1-\mathrm{erf}(\sqrt{1/(2\alpha)})]$")

    ax.set_xlim(x_lo, x_hi)
    ax.set_xlabel("alpha = p/N")
    ax.set_ylabel("error probability")
    ax.set_title(title_text(attrs, obs["count"]), fontsize=11)
    if log:
        ax.set_yscale("log")
        vals = nnsim_h5.positive_values(shown)
        if vals.size:
            ax.set_ylim(max(vals.min() / 5.0, 1e-12), min(1.0, vals.max() * 3.0))
        else:  # no data to show: the range of the one-step curve
            ax.set_ylim(max(one[ok].min(), 1e-12) if np.any(ok) else 1e-6, 1.0)
    else:
        ax.set_ylim(bottom=0.0)
    nnsim_h5.finish_error_plot(fig, ax, handles, log, masked_zero)
    return nnsim_h5.save_figure(fig, output)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output = args.output or default_output(args.file)
    return nnsim_h5.run_plot("plot_steady_state.py", lambda: plot(args.file, output, args.linear, args.one_step))


if __name__ == "__main__":
    sys.exit(main())
