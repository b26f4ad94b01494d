#!/usr/bin/python3
"""Plots the time-averaged overlap m_1 of a Hopfield network with stochastic neurons against the
noise level 1/beta, with its mean-field theory (B. Mehlig, "Machine learning with neural
networks", Section 3.2-3.3: (3.2), (3.14), (3.26)-(3.38)).

Input: the HDF5 file written by `nnsim-hopfield --experiment order-parameter` (a phase-diagram
file has the same layout and works too).

  /usr/bin/python3 analysis/plot_order_parameter.py RUN.h5 [-o OUT.png]

For every (N, alpha) of the file one series: /results/overlap_time_average/mean, the time
average (3.2) of m_1 = (1/N) sum_i x_i^1 s_i after the transient, averaged over the independent
samples, with error bars of +-1 standard error of that mean (/results/overlap_time_average/stderr),
against the noise level 1/beta (/points/noise). Theory:

  - each series' mean-field m_1 from the file, /theory/overlap_time_average ((3.26), (3.33),
    (3.38) at the realised load p/N; 0 where there is no retrieval solution), drawn as short
    horizontal bars of the series' colour at the simulated noise levels (the file has it only
    there, and it can jump to 0 between two of them, so no line joins them);
  - the alpha -> 0 limit (3.14), m_1 = tanh(m_1 / T) with T = 1/beta, solved here with scipy on
    a fine noise grid (the file's /theory/overlap_small_load has it only at the points and is
    checked against this solution; a warning goes to stderr if they differ): a black line.

The default output is FILE with ".h5" replaced by "-order-parameter.png"; the path of the
written PNG is printed. A missing or invalid input file (e.g. a one-step or steady-state file,
which has no /points/noise) gives exit code 2 and a message on stderr.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import brentq  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

OBSERVABLE = "overlap_time_average"
THEORY = "overlap_time_average"
SMALL_LOAD = "overlap_small_load"
EXPERIMENTS = ("order-parameter", "phase-diagram")
MARKERS = ("o", "s", "^", "D", "v", "P")


def small_load_overlap(noise):
    """(3.14): the largest solution m_1 >= 0 of m_1 = tanh(beta m_1), beta = 1/noise (scalar or
    array); 0 for noise >= 1 (only m_1 = 0 solves it there), NaN for noise <= 0."""
    t = np.asarray(noise, dtype=float)
    out = np.full(t.shape, np.nan)
    flat = out.reshape(-1)
    for k, temp in enumerate(t.reshape(-1)):
        temp = float(temp)
        if not (np.isfinite(temp) and temp > 0.0):
            continue
        if temp >= 1.0:
            flat[k] = 0.0
            continue
        f = lambda m: m - np.tanh(m / temp)  # noqa: E731
        if f(1.0) <= 0.0:  # tanh(1/T) rounds to 1: m_1 = 1 to double precision
            flat[k] = 1.0
            continue
        # f < 0 just above 0 (slope 1 - 1/T < 0) and f(1) > 0: one root in between.
        flat[k] = brentq(f, 1e-300, 1.0, xtol=1e-15, rtol=1e-15, maxiter=500)
    return out if t.shape else float(out)


def default_output(path):
    return nnsim_h5.default_output(path, "-order-parameter.png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot the time-averaged overlap m_1 against the noise level 1/beta for every "
                    "(N, alpha) with the mean-field theory (3.14) and (3.26)-(3.38), from an "
                    "nnsim-hopfield order-parameter HDF5 file.")
    parser.add_argument("file", metavar="FILE",
                        help="HDF5 file from nnsim-hopfield --experiment order-parameter")
    nnsim_h5.add_output_option(parser, "-order-parameter.png")
    return parser.parse_args(argv)


def load(path):
    """(attrs, points, observable, theory, small_load, units of /points/noise) as numpy arrays;
    theory and small_load are None if the file lacks them. SystemExit(message) on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        nnsim_h5.require_points(path, points, ("N", "alpha", "noise"),
                                " (not an order-parameter file? experiment is '%s')"
                                % attrs.get("experiment", "?"))
        obs = nnsim_h5.load_observable(f, OBSERVABLE)
        theory = nnsim_h5.load_theory(f, THEORY)
        small = nnsim_h5.load_theory(f, SMALL_LOAD)
        noise_units = nnsim_h5.read_attrs(f["/points/noise"]).get("units")
    n_points = points["alpha"].shape[0]
    if n_points == 0:
        raise SystemExit("error: %s: the file holds no points" % path)
    arrays = {"/points/N": points["N"], "/points/noise": points["noise"],
              "/results/%s/mean" % OBSERVABLE: obs["mean"],
              "/results/%s/stderr" % OBSERVABLE: obs["stderr"],
              "/results/%s/count" % OBSERVABLE: obs["count"]}
    if theory is not None:
        arrays["/theory/%s" % THEORY] = theory
    if small is not None:
        arrays["/theory/%s" % SMALL_LOAD] = small
    nnsim_h5.check_point_arrays(path, arrays, n_points)
    return attrs, points, obs, theory, small, noise_units


def series(points, obs, theory):
    """The plotted series: a list of dicts, one per (N, alpha) in file order, with N, alpha (as
    requested), load (p/N), and per point sorted by noise: index (point numbers), noise, mean,
    stderr, theory (NaN if the file has none)."""
    N = np.asarray(points["N"])
    alpha = np.asarray(points["alpha"], dtype=float)
    load_ = nnsim_h5.realised_load(points)
    noise = np.asarray(points["noise"], dtype=float)
    out = []
    seen = []
    for k in range(N.shape[0]):
        key = (int(N[k]), float(alpha[k]))
        if key in seen:
            continue
        seen.append(key)
        idx = np.flatnonzero((N == key[0]) & (alpha == key[1]))
        idx = idx[np.argsort(noise[idx], kind="stable")]
        out.append({"N": key[0], "alpha": key[1], "load": float(load_[idx[0]]), "index": idx,
                    "noise": noise[idx], "mean": obs["mean"][idx], "stderr": obs["stderr"][idx],
                    "theory": theory[idx] if theory is not None else np.full(idx.shape, np.nan)})
    return out


def title_text(attrs, count):
    parts = [nnsim_h5.samples_per_point(count)]
    sweeps = attrs.get("sweeps")
    if sweeps is not None:
        transient = attrs.get("transient")
        parts.append("%s sweeps" % sweeps + (" (%s transient)" % transient if transient is not None else ""))
    parts.append("seed = %s" % attrs.get("seed", "?"))
    return ("Time-averaged overlap m_1 against noise (nnsim-hopfield, %s)\n%s"
            % (attrs.get("experiment", "order-parameter"), ", ".join(parts)))


def make_figure(path):
    """The figure (matplotlib Figure, not saved) and the plotted series (see series())."""
    attrs, points, obs, theory, small, noise_units = load(path)
    nnsim_h5.warn_unexpected_experiment(path, attrs.get("experiment"), "order-parameter", EXPERIMENTS)
    noise = np.asarray(points["noise"], dtype=float)
    if small is not None:
        mine = small_load_overlap(noise)
        if not np.allclose(small, mine, rtol=0, atol=1e-9, equal_nan=True):
            sys.stderr.write("warning: %s: /theory/%s differs from the solution of (3.14)\n"
                             % (path, SMALL_LOAD))
    data = series(points, obs, theory)

    fig, ax = plt.subplots(figsize=(8.5, 5.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2", "C3"])
    marker_of = {n: MARKERS[k % len(MARKERS)] for k, n in enumerate(np.unique(points["N"]))}
    handles = []
    any_theory = False
    for k, s in enumerate(data):
        color = colors[k % len(colors)]
        label = r"N = %d, $\alpha = p/N$ = %.4g" % (s["N"], s["load"])
        err = np.where(np.isfinite(s["stderr"]), s["stderr"], 0.0)
        handles.append(ax.errorbar(s["noise"], s["mean"], yerr=err, fmt=marker_of[s["N"]], ms=5,
                                   capsize=3, color=color, zorder=3,
                                   label=label + ": simulation (mean \u00b11 s.e.)"))
        # The file has the mean field only at the simulated noise levels: short bars there, not a
        # line (m_1 can jump to 0 between two levels, which a line would hide). One legend entry
        # for all of them (below).
        ok = np.isfinite(s["theory"])
        if np.any(ok):
            any_theory = True
            ax.plot(s["noise"][ok], s["theory"][ok], linestyle="none", marker="_", ms=14, mew=2.2,
                    color=color, alpha=0.75, zorder=2,
                    label=label + ": mean field (3.26)-(3.38) at these points (file)")
    if any_theory:
        handles.append(Line2D([], [], linestyle="none", marker="_", ms=14, mew=2.2, color="0.45",
                              label="mean field (3.26)-(3.38) at each point, from the file "
                                    "(colour of its series)"))

    # (3.14) on a fine grid, with the kink at T = 1 drawn exactly.
    t_max = max(1.25, 1.05 * float(np.nanmax(noise)))
    grid = np.union1d(np.linspace(1e-3, t_max, 600), [1.0])
    handles += ax.plot(grid, small_load_overlap(grid), "-", color="black", lw=1.8, zorder=1,
                       label=r"$\alpha \to 0$ (3.14): $m_1 = \tanh(m_1 / T)$, solved here (scipy)")
    ax.axhline(0.0, color="0.6", lw=0.8, zorder=0)

    ax.set_xlim(0.0, t_max)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(nnsim_h5.axis_label(r"noise level $T = 1/\beta$", noise_units))
    ax.set_ylabel(nnsim_h5.axis_label(r"time-averaged overlap $m_1$", None))
    ax.set_title(title_text(attrs, obs["count"]), fontsize=11)
    ax.grid(True, alpha=0.3)
    # Below the axes, where it cannot hide data (at high noise finite-N m_1 stays above 0).
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.11),
              ncol=1 if len(handles) <= 5 else 2, frameon=False)
    fig.tight_layout()
    return fig, data


def plot(path, output):
    fig, _ = make_figure(path)
    return nnsim_h5.save_figure(fig, output, bbox_inches="tight")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output = args.output or default_output(args.file)
    return nnsim_h5.run_plot("plot_order_parameter.py", lambda: plot(args.file, output))


if __name__ == "__main__":
    sys.exit(main())
