#!/usr/bin/python3
"""Plots the overlap m_1(t) of a Hopfield network against time in sweeps
(B. Mehlig, "Machine learning with neural networks", Fig. 3.2 style).

Input: an HDF5 file written by `nnsim-hopfield` with `--trace-every K` (experiments
order-parameter, phase-diagram or steady-state).

  /usr/bin/python3 analysis/plot_traces.py RUN.h5 [-o OUT.png] [--points I,J,...] [--samples K]

/results/overlap_trace/samples [P, S, T] holds m_1 = (1/N) sum_i x_i^1 s_i of every trajectory
after sweeps t = 0, K, 2K, ... (K = root attribute trace-every), /results/overlap_trace/mean
[P, T] its average over the S independent samples. All selected points go into one panel, one
colour per point: thin lines for up to --samples individual trajectories (default 3), a thick
line for the ensemble mean, and a dashed horizontal line at the mean-field m_1 of the point
(/theory/overlap_time_average, the retrieval solution of (3.26), (3.33), (3.38), 0 where it does
not exist; for steady-state files /theory/final_overlap of (3.39)-(3.41), absent above alpha_c).
For stochastic runs (files with /points/noise) the transient left out of the time average
(3.2) is shaded grey. Steady-state files come from deterministic dynamics that stop at a fixed
point (the trace keeps the final value); their time axis is cut a little after the last run
stopped.

--points takes 0-based point indices (see `analysis/nnsim_h5.py FILE` for the /points
datasets). By default all points are drawn, at most 6: with more, 6 evenly spread points are
chosen and the others are listed on stderr.

The default output is FILE with ".h5" replaced by "-traces.png"; the path of the written PNG
is printed. A missing or invalid input file, a file without /results/overlap_trace (run
nnsim-hopfield with --trace-every K) or a bad --points gives exit code 2 and a message on stderr.
"""

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

OBSERVABLE = "overlap_trace"
MAX_POINTS = 6
STOCHASTIC = ("order-parameter", "phase-diagram")


def default_output(path):
    return nnsim_h5.default_output(path, "-traces.png")


def _point_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip() != ""]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated point indices, e.g. 0,2,5; "
                                         "got '%s'" % text)
    if not values:
        raise argparse.ArgumentTypeError("expected at least one point index")
    return values


def _non_negative(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer >= 0, got '%s'" % text)
    if value < 0:
        raise argparse.ArgumentTypeError("expected an integer >= 0, got %d" % value)
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot m_1(t) against t in sweeps (Mehlig Fig. 3.2) from an nnsim-hopfield "
                    "HDF5 file written with --trace-every K.")
    parser.add_argument("file", metavar="FILE", help="HDF5 file from nnsim-hopfield ... --trace-every K")
    nnsim_h5.add_output_option(parser, "-traces.png")
    parser.add_argument("--points", type=_point_list, metavar="I,J,...",
                        help="0-based indices of the points to draw (default: all, at most %d)" % MAX_POINTS)
    parser.add_argument("--samples", type=_non_negative, default=3, metavar="K",
                        help="individual trajectories drawn per point as thin lines (default: 3)")
    return parser.parse_args(argv)


def _int_attr(attrs, key):
    """Root attribute `key` as an int, or None if absent or not a number."""
    value = attrs.get(key)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return int(value) if math.isfinite(value) else None


def _read(f, name):
    """Dataset `name` of the open file `f` as a float array; SystemExit naming it on failure."""
    ds = nnsim_h5.require_dataset(f, name)
    try:
        return np.asarray(ds[()], dtype=float)
    except Exception as exc:
        raise SystemExit("error: %s: cannot read dataset '%s' (%s)" % (f.filename, name, exc))


def load(path):
    """Everything the plot needs, as numpy arrays; SystemExit(message) on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        if "/results/%s/mean" % OBSERVABLE not in f:
            raise SystemExit("error: %s: no m_1(t) traces (missing dataset '/results/%s/mean'); "
                             "run nnsim-hopfield with --trace-every K" % (path, OBSERVABLE))
        # Not nnsim_h5.load_observable: /results/overlap_trace/count is [P] while mean is [P, T].
        trace = {"mean": _read(f, "/results/%s/mean" % OBSERVABLE),
                 "samples": (_read(f, "/results/%s/samples" % OBSERVABLE)
                             if "/results/%s/samples" % OBSERVABLE in f else None)}
        theory_name = "overlap_time_average"
        theory = nnsim_h5.load_theory(f, theory_name)
        if theory is None:
            theory_name = "final_overlap"
            theory = nnsim_h5.load_theory(f, theory_name)
        sweeps_made = None
        if "/results/sweeps/samples" in f:  # deterministic runs: sweeps until the fixed point
            sweeps_made = np.asarray(f["/results/sweeps/samples"][()], dtype=float)
    nnsim_h5.require_points(path, points, ("N", "alpha"))
    n_points = points["alpha"].shape[0]
    if n_points == 0:
        raise SystemExit("error: %s: the file holds no points" % path)
    mean = trace["mean"]
    if mean.ndim != 2 or mean.shape[0] != n_points or mean.shape[1] < 1:
        raise SystemExit("error: %s: dataset '/results/%s/mean' has shape %s, expected [%d, T] "
                         "(points x trace times)" % (path, OBSERVABLE, list(mean.shape), n_points))
    samples = trace["samples"]
    if samples is not None and (samples.ndim != 3 or samples.shape[0] != n_points
                                or samples.shape[2] != mean.shape[1]):
        raise SystemExit("error: %s: dataset '/results/%s/samples' has shape %s, expected [%d, S, %d]"
                         % (path, OBSERVABLE, list(samples.shape), n_points, mean.shape[1]))
    arrays = {"/points/N": points["N"]}
    for key in ("p", "noise"):
        if key in points:
            arrays["/points/" + key] = points[key]
    if theory is not None:
        arrays["/theory/" + theory_name] = theory
    nnsim_h5.check_point_arrays(path, arrays, n_points)
    if sweeps_made is not None and sweeps_made.shape[:1] != (n_points,):
        sweeps_made = None
    every = _int_attr(attrs, "trace-every")
    if every is None or every < 1:
        raise SystemExit("error: %s: root attribute 'trace-every' is %r, expected an integer >= 1"
                         % (path, attrs.get("trace-every")))
    return attrs, points, trace, theory, theory_name, sweeps_made, every


def select_points(path, n_points, wanted):
    """Indices of the points to draw: `wanted` (exit 2 if out of range), else all of them, or
    MAX_POINTS evenly spread ones if there are more (the others are listed on stderr)."""
    if wanted is not None:
        bad = [i for i in wanted if not 0 <= i < n_points]
        if bad:
            raise SystemExit("error: %s: --points %s: the file has %d point(s), indices 0..%d"
                             % (path, ",".join(str(i) for i in bad), n_points, n_points - 1))
        seen = []
        for i in wanted:
            if i not in seen:
                seen.append(i)
        return seen
    if n_points <= MAX_POINTS:
        return list(range(n_points))
    chosen = sorted(set(int(round(v)) for v in np.linspace(0, n_points - 1, MAX_POINTS)))
    left = [i for i in range(n_points) if i not in chosen]
    sys.stderr.write("note: %s holds %d points; drawing %d of them (%s), leaving out %s "
                     "(choose with --points)\n"
                     % (path, n_points, len(chosen), ",".join(str(i) for i in chosen),
                        ",".join(str(i) for i in left)))
    return chosen


def point_label(points, i, stochastic):
    n = int(points["N"][i])
    parts = ["N = %d" % n]
    if "p" in points:
        parts.append(r"$\alpha = p/N$ = %d/%d = %.4g" % (int(points["p"][i]), n, float(points["p"][i]) / n))
    else:
        parts.append(r"$\alpha$ = %.4g" % float(points["alpha"][i]))
    if "noise" in points:
        parts.append(r"$1/\beta$ = %.4g" % float(points["noise"][i]))
    elif not stochastic:
        parts.append("zero noise")
    return ", ".join(parts)


def title_text(attrs, experiment, n_samples, every, stochastic):
    parts = []
    if n_samples is not None:
        parts.append("%d sample(s) per point" % n_samples)
    parts.append("$m_1$ stored every %d sweep%s" % (every, "" if every == 1 else "s"))
    if stochastic:
        sweeps, transient = _int_attr(attrs, "sweeps"), _int_attr(attrs, "transient")
        if sweeps is not None:
            parts.append("%d sweeps" % sweeps
                         + (" (%d transient)" % transient if transient is not None else ""))
    parts.append("%s updates" % attrs.get("update", "random"))
    parts.append("seed = %s" % attrs.get("seed", "?"))
    dynamics = "stochastic neurons (3.1)" if stochastic else "zero-noise dynamics"
    return ("Overlap $m_1(t) = N^{-1} \\sum_i x_i^{(1)} s_i(t)$ with the fed pattern "
            "(nnsim-hopfield, %s, %s)\n%s" % (experiment or "?", dynamics, ", ".join(parts)))


def plot(path, output, wanted_points=None, n_thin=3):
    attrs, points, trace, theory, theory_name, sweeps_made, every = load(path)
    experiment = attrs.get("experiment")
    stochastic = "noise" in points or experiment in STOCHASTIC
    n_points = points["alpha"].shape[0]
    chosen = select_points(path, n_points, wanted_points)

    mean, samples = trace["mean"], trace["samples"]
    T = mean.shape[1]
    t = every * np.arange(T, dtype=float)
    t_end = t[-1]
    n_samples = samples.shape[1] if samples is not None else None
    if samples is None and n_thin > 0:
        sys.stderr.write("note: %s has no /results/%s/samples; drawing the ensemble means only\n"
                         % (path, OBSERVABLE))
    thin = 0 if samples is None else min(n_thin, samples.shape[1])

    # Deterministic runs stop at a fixed point and the trace repeats the final value: end the
    # axis a little after the last selected run stopped.
    x_hi = t_end
    stopped_at = None
    if not stochastic and sweeps_made is not None:
        made = sweeps_made[chosen]
        made = made[np.isfinite(made)]
        if made.size:
            stopped_at = float(made.max())
            if stopped_at < t_end:
                x_hi = min(t_end, stopped_at + max(2.0 * every, math.ceil(0.25 * stopped_at), 3.0))

    transient = _int_attr(attrs, "transient") if stochastic else None

    fig, ax = plt.subplots(figsize=(9.0, 5.2))
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2", "C3", "C4", "C5"])
    y_min = np.inf
    point_handles = []
    drew_theory = False
    for k, i in enumerate(chosen):
        color = colors[k % len(colors)]
        for s in range(thin):
            y = samples[i, s]
            ax.plot(t, y, "-", color=color, lw=0.7, alpha=0.55, zorder=2)
            if np.any(np.isfinite(y)):
                y_min = min(y_min, np.nanmin(y))
        m = mean[i]
        ax.plot(t, m, "-", color=color, lw=2.4, zorder=4)
        if np.any(np.isfinite(m)):
            y_min = min(y_min, np.nanmin(m))
        label = point_label(points, i, stochastic)
        if theory is not None:
            value = float(theory[i])
            if math.isfinite(value):
                ax.axhline(value, color=color, ls="--", lw=1.4, zorder=3)
                drew_theory = True
                # The file stores 0 where the retrieval solution does not exist.
                label += ("; mean field $m_1$ = %.4f" % value) if value != 0 else "; mean field $m_1$ = 0"
            else:
                label += "; no mean-field retrieval solution"
        point_handles.append(Line2D([], [], color=color, lw=2.4, label="[%d] %s" % (i, label)))

    style_handles = []
    if thin:
        style_handles.append(Line2D([], [], color="0.3", lw=0.7, alpha=0.7,
                                    label="%d individual trajector%s" % (thin, "y" if thin == 1 else "ies")))
    style_handles.append(Line2D([], [], color="0.3", lw=2.4, label="ensemble mean (%s samples)"
                                % (n_samples if n_samples is not None else "all")))
    if drew_theory:
        what = ("(3.26), (3.33), (3.38)" if theory_name == "overlap_time_average" else "(3.39)-(3.41)")
        style_handles.append(Line2D([], [], color="0.3", ls="--", lw=1.4, label="mean-field $m_1$ %s" % what))
    if transient is not None and transient > 0:
        ax.axvspan(0.0, min(transient, x_hi), color="0.85", alpha=0.6, lw=0, zorder=1)
        style_handles.append(Patch(facecolor="0.85", alpha=0.6,
                                   label="transient (%d sweeps, left out of the time average)" % transient))

    ax.set_xlim(0.0, x_hi if x_hi > 0 else 1.0)
    bottom = -0.1
    if np.isfinite(y_min) and y_min < bottom:
        bottom = y_min - 0.03
    ax.set_ylim(bottom, 1.05)
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=1)
    ax.set_xlabel("t (sweeps of N single-neuron updates)")
    ax.set_ylabel(r"overlap $m_1(t)$")
    ax.set_title(title_text(attrs, experiment, n_samples, every, stochastic), fontsize=10)
    if stopped_at is not None and x_hi < t_end:
        ax.text(0.99, 0.015, "all runs shown reached a fixed point by t = %d; the traces stay "
                "constant up to t = %d" % (int(stopped_at), int(t_end)),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.35")
    ax.grid(True, alpha=0.3)
    # Both legends below the axes, where they cannot hide traces.
    leg = ax.legend(handles=point_handles, fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.11),
                    title="points (file index, colour)", title_fontsize=8, alignment="left",
                    frameon=False)
    ax.add_artist(leg)
    # The line styles go below the point legend (their widths vary with the labels).
    box = leg.get_window_extent(fig.canvas.get_renderer()).transformed(ax.transAxes.inverted())
    ax.legend(handles=style_handles, fontsize=8, loc="upper left", bbox_to_anchor=(0.0, box.y0),
              ncol=2, title="line styles (colour as above)", title_fontsize=8, alignment="left",
              frameon=False)
    # No tight_layout (it would shrink the axes to make room for the legends below them):
    # savefig's bbox_inches="tight" takes the legends in instead.
    return nnsim_h5.save_figure(fig, output, bbox_inches="tight")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output = args.output or default_output(args.file)
    return nnsim_h5.run_plot("plot_traces.py", lambda: plot(args.file, output, args.points, args.samples))


if __name__ == "__main__":
    sys.exit(main())
