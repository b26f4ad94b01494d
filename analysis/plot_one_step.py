#!/usr/bin/python3
"""Plots the one-step error probability of a Hopfield network against alpha = p/N
(B. Mehlig, "Machine learning with neural networks", Fig. 2.7 style).

Input: the HDF5 file written by `nnsim-hopfield --experiment one-step`.

  /usr/bin/python3 analysis/plot_one_step.py RUN.h5 [-o OUT.png] [--linear]

For every N in the file the simulation points are drawn with error bars (mean +- 1 standard
error), together with the exact finite-N theory (/theory/one_step_error_exact) as a thin line
of the same colour. The book's large-N result (2.39),

    P_error^{t=1} = (1 - erf(sqrt(1 / (2 alpha)))) / 2,

is drawn in black on a fine alpha grid over the range of the data, and the file's own
/theory/one_step_error values are marked on it. The y axis is logarithmic by default (zero
means cannot be shown there and are left out); --linear gives the book's linear axis.

The default output is FILE with ".h5" replaced by "-one-step.png"; the path of the written
PNG is printed. A missing or invalid input file gives exit code 2 and a message on stderr.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import erf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

OBSERVABLE = "one_step_error"


def book_one_step_error(alpha):
    """Eq. (2.39): (1 - erf(sqrt(1/(2 alpha)))) / 2, the large-N one-step error probability."""
    alpha = np.asarray(alpha, dtype=float)
    return 0.5 * (1.0 - erf(np.sqrt(1.0 / (2.0 * alpha))))


def default_output(path):
    return nnsim_h5.default_output(path, "-one-step.png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot the one-step error probability against alpha = p/N "
                    "(Mehlig Fig. 2.7) from an nnsim-hopfield one-step HDF5 file.")
    parser.add_argument("file", metavar="FILE", help="HDF5 file from nnsim-hopfield --experiment one-step")
    nnsim_h5.add_output_option(parser, "-one-step.png")
    parser.add_argument("--linear", action="store_true",
                        help="linear y axis (default: logarithmic)")
    return parser.parse_args(argv)


def load(path):
    """Everything the plot needs, as numpy arrays; SystemExit(message) on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        nnsim_h5.require_points(path, points, ("N", "alpha"))
        obs = nnsim_h5.load_observable(f, OBSERVABLE)
        theory = nnsim_h5.load_theory(f, OBSERVABLE)
        exact = nnsim_h5.load_theory(f, OBSERVABLE + "_exact")
    n_points = points["alpha"].shape[0]
    arrays = {"/points/N": points["N"], "/results/%s/mean" % OBSERVABLE: obs["mean"],
              "/results/%s/stderr" % OBSERVABLE: obs["stderr"],
              "/results/%s/count" % OBSERVABLE: obs["count"]}
    if theory is not None:
        arrays["/theory/%s" % OBSERVABLE] = theory
    if exact is not None:
        arrays["/theory/%s_exact" % OBSERVABLE] = exact
    nnsim_h5.check_point_arrays(path, arrays, n_points)
    if n_points == 0:
        raise SystemExit("error: %s: the file holds no points" % path)
    return attrs, points, obs, theory, exact


def title_text(attrs, count):
    seed = attrs.get("seed", "?")
    samples = nnsim_h5.samples_per_point(count)
    program = attrs.get("program", "nnsim-hopfield")
    experiment = attrs.get("experiment", "one-step")
    return ("One-step error probability (%s, %s)\nseed = %s, %s" % (program, experiment, seed, samples))


def plot(path, output, linear):
    attrs, points, obs, theory, exact = load(path)
    nnsim_h5.warn_unexpected_experiment(path, attrs.get("experiment"), "one-step")

    N = np.asarray(points["N"])
    # Plot against the realised load p/N, where the theory is evaluated too (it differs from
    # the requested alpha at small N).
    alpha = nnsim_h5.realised_load(points)
    mean, stderr = obs["mean"], obs["stderr"]
    log = not linear

    # Sanity check: the file's (2.39) values should agree with the formula.
    if theory is not None:
        ok = np.isfinite(theory) & (alpha > 0)
        if np.any(ok) and not np.allclose(theory[ok], book_one_step_error(alpha[ok]), rtol=1e-6, atol=1e-12):
            sys.stderr.write("warning: %s: /theory/%s differs from Eq. (2.39)\n" % (path, OBSERVABLE))

    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2", "C3"])
    shown = []  # positive values drawn, for the log-axis limits
    masked_zero = 0
    handles = []  # legend entries in drawing order (per N: simulation, exact theory; then (2.39))

    for k, n in enumerate(np.unique(N)):
        color = colors[k % len(colors)]
        idx = np.flatnonzero(N == n)
        idx = idx[np.argsort(alpha[idx], kind="stable")]
        a, m, s = alpha[idx], mean[idx], stderr[idx]
        keep = np.isfinite(m)
        if log:
            masked_zero += int(np.count_nonzero(keep & (m <= 0)))
            keep &= m > 0
        if np.any(keep):
            err = np.where(np.isfinite(s[keep]), s[keep], 0.0)
            h = ax.errorbar(a[keep], m[keep], yerr=err, fmt="o", ms=5, capsize=3, color=color,
                        label="N = %d, simulation (mean \u00b11 s.e.)" % n, zorder=3)
            handles.append(h)
            shown.append(m[keep])
        if exact is not None:
            e = exact[idx]
            ok = np.isfinite(e) & ((e > 0) if log else True)
            if np.any(ok):
                handles += ax.plot(a[ok], e[ok], "-", lw=1.0, color=color,
                                   label="N = %d, exact finite-N theory" % n, zorder=2)
                shown.append(e[ok])

    # Eq. (2.39) on a fine grid over the range of the data.
    pos = alpha[np.isfinite(alpha) & (alpha > 0)]
    if pos.size:
        lo, hi = pos.min(), pos.max()
        if hi <= lo:
            lo, hi = 0.9 * lo, 1.1 * hi
        grid = np.linspace(lo, hi, 500)
        curve = book_one_step_error(grid)
        ok = (curve > 0) if log else np.isfinite(curve)
        handles += ax.plot(grid[ok], curve[ok], "-", color="black", lw=1.6,
                label=r"Eq. (2.39): $\frac{1}{2}\,[1-\mathrm{erf}(\sqrt{1/(2\alpha)})]$", zorder=1)
    if theory is not None:
        ok = np.isfinite(theory) & ((theory > 0) if log else True)
        if np.any(ok):
            handles += ax.plot(alpha[ok], theory[ok], "s", mfc="none", mec="black", ms=6,
                    label="Eq. (2.39), file /theory/%s" % OBSERVABLE, zorder=2)
            shown.append(theory[ok])

    ax.set_xlabel(r"alpha = p/N")
    ax.set_ylabel("one-step error probability")
    ax.set_title(title_text(attrs, obs["count"]), fontsize=11)
    if log:
        ax.set_yscale("log")
        vals = nnsim_h5.positive_values(shown)
        if vals.size:
            ax.set_ylim(vals.min() / 3.0, min(1.0, vals.max() * 3.0))
    else:
        ax.set_ylim(bottom=0.0)
    nnsim_h5.finish_error_plot(fig, ax, handles, log, masked_zero)
    return nnsim_h5.save_figure(fig, output)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output = args.output or default_output(args.file)
    return nnsim_h5.run_plot("plot_one_step.py", lambda: plot(args.file, output, args.linear))


if __name__ == "__main__":
    sys.exit(main())
