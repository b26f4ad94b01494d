#!/usr/bin/python3
"""Plots the phase diagram of a Hopfield network with stochastic neurons: the ensemble-averaged
overlap m_1 as a colour map over the (alpha = p/N, noise 1/beta) plane, with the mean-field
retrieval boundary (B. Mehlig, "Machine learning with neural networks", Fig. 3.5 style).

Input: the HDF5 file written by `nnsim-hopfield --experiment phase-diagram` (or
`--experiment order-parameter`, which has the same points but no boundary curve).

  /usr/bin/python3 analysis/plot_phase_diagram.py RUN.h5 [--N N] [-o OUT.png]

The colour of each cell is /results/overlap_time_average/mean, the time average (3.2) of
m_1 = (1/N) sum_i x_i^1 s_i after the transient, averaged over the independent samples, at
the realised load p/N (x) and the noise level 1/beta (y). The points must form a complete
(alpha x noise) grid. If the file holds several N, the largest is drawn (a note goes to
stderr) unless --N chooses one. /theory/boundary against /theory/boundary_alpha, the noise
level above which the mean-field retrieval solution of (3.26), (3.33), (3.38) disappears, is
drawn as a white line with a black edge; the file stores 0 above alpha_c, so the line is ended
at (alpha_c, 0) with alpha_c = 0.1379 from (3.39)-(3.41).

The default output is FILE with ".h5" replaced by "-phase-diagram.png"; the path of the written
PNG is printed. A missing or invalid input file, or points that do not form a complete grid,
give exit code 2 and a message on stderr.
"""

import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as path_effects  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402
import plot_steady_state  # noqa: E402  (alpha_c of (3.39)-(3.41))

OBSERVABLE = "overlap_time_average"
EXPERIMENTS = ("phase-diagram", "order-parameter")


def default_output(path):
    return nnsim_h5.default_output(path, "-phase-diagram.png")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot the time-averaged overlap m_1 over the (alpha = p/N, noise 1/beta) plane "
                    "with the mean-field retrieval boundary (Mehlig Fig. 3.5) from an "
                    "nnsim-hopfield phase-diagram or order-parameter HDF5 file.")
    parser.add_argument("file", metavar="FILE",
                        help="HDF5 file from nnsim-hopfield --experiment phase-diagram (or order-parameter)")
    parser.add_argument("--N", type=int, metavar="N",
                        help="number of neurons to draw if the file holds several (default: the largest)")
    nnsim_h5.add_output_option(parser, "-phase-diagram.png")
    return parser.parse_args(argv)


def load(path):
    """Everything the plot needs, as numpy arrays; SystemExit(message) on a bad file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        points = nnsim_h5.load_points(f)
        experiment = attrs.get("experiment")
        what = (" (experiment '%s'; expected a phase-diagram or order-parameter file)" % experiment
                if experiment not in EXPERIMENTS and experiment is not None else "")
        nnsim_h5.require_points(path, points, ("N", "alpha", "noise"), what)
        if "/results/%s/mean" % OBSERVABLE not in f:
            raise SystemExit("error: %s: missing dataset '/results/%s/mean'%s" % (path, OBSERVABLE, what))
        obs = nnsim_h5.load_observable(f, OBSERVABLE)
        boundary = nnsim_h5.load_theory(f, "boundary")
        boundary_alpha = nnsim_h5.load_theory(f, "boundary_alpha")
    n_points = points["alpha"].shape[0]
    if n_points == 0:
        raise SystemExit("error: %s: the file holds no points" % path)
    arrays = {"/points/N": points["N"], "/points/noise": points["noise"],
              "/results/%s/mean" % OBSERVABLE: obs["mean"],
              "/results/%s/count" % OBSERVABLE: obs["count"]}
    if "p" in points:
        arrays["/points/p"] = points["p"]
    nnsim_h5.check_point_arrays(path, arrays, n_points)
    if (boundary is None) != (boundary_alpha is None):
        missing = "boundary_alpha" if boundary_alpha is None else "boundary"
        raise SystemExit("error: %s: missing dataset '/theory/%s' (the other half of the "
                         "retrieval boundary is present)" % (path, missing))
    if boundary is not None and (boundary.ndim != 1 or boundary.shape != boundary_alpha.shape):
        raise SystemExit("error: %s: '/theory/boundary' has shape %s, '/theory/boundary_alpha' has "
                         "shape %s" % (path, list(boundary.shape), list(boundary_alpha.shape)))
    return attrs, points, obs, boundary, boundary_alpha


def select_N(path, N, wanted):
    """The N to draw: `wanted` if given (exit 2 if absent), else the largest (noted on stderr)."""
    values = np.unique(N)
    if wanted is not None:
        if wanted not in values:
            raise SystemExit("error: %s: no points with N = %d (the file has N = %s)"
                             % (path, wanted, ", ".join(str(int(v)) for v in values)))
        return int(wanted)
    n = int(values.max())
    if values.size > 1:
        sys.stderr.write("note: %s holds N = %s; drawing N = %d (choose with --N)\n"
                         % (path, ", ".join(str(int(v)) for v in values), n))
    return n


def grid(path, x, y, mean, count):
    """Arranges the points of one N on the (x, y) grid: returns (xs, ys, M) with M[j, i] the
    count-weighted mean at (xs[i], ys[j]). SystemExit if a grid cell has no point."""
    xk, yk = np.round(x, 12), np.round(y, 12)
    xs, ix = np.unique(xk, return_inverse=True)
    ys, iy = np.unique(yk, return_inverse=True)
    filled = np.zeros((ys.size, xs.size), dtype=int)
    np.add.at(filled, (iy, ix), 1)
    empty = np.argwhere(filled == 0)
    if empty.size:
        examples = ", ".join("(%g, %g)" % (xs[i], ys[j]) for j, i in empty[:5])
        raise SystemExit("error: %s: the points do not form a complete (alpha x noise) grid: "
                         "%d of %d x %d cells have no point, e.g. (alpha, noise) = %s"
                         % (path, len(empty), xs.size, ys.size, examples))
    if np.any(filled > 1):
        sys.stderr.write("note: %s: %d grid cell(s) hold several points (requested loads that "
                         "round to the same p); their means are averaged\n"
                         % (path, int(np.count_nonzero(filled > 1))))
    w = np.where(np.isfinite(mean), np.maximum(np.asarray(count, dtype=float), 1.0), 0.0)
    total = np.zeros(filled.shape)
    weight = np.zeros(filled.shape)
    np.add.at(total, (iy, ix), np.where(np.isfinite(mean), mean, 0.0) * w)
    np.add.at(weight, (iy, ix), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        M = np.where(weight > 0, total / weight, np.nan)
    return xs, ys, M


def edges(centers):
    """Cell edges for pcolormesh: midpoints between centres, half a spacing beyond the ends."""
    c = np.asarray(centers, dtype=float)
    if c.size == 1:
        d = 0.05 * abs(c[0]) if c[0] != 0 else 0.5
        return np.array([c[0] - d, c[0] + d])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def boundary_line(boundary, boundary_alpha, alpha_c):
    """The boundary as (alpha, noise) arrays for drawing: the positive part, ended at
    (alpha_c, 0) when the file's alpha axis reaches alpha_c (where it stores 0)."""
    ok = np.isfinite(boundary) & np.isfinite(boundary_alpha)
    a, t = boundary_alpha[ok], boundary[ok]
    order = np.argsort(a, kind="stable")
    a, t = a[order], t[order]
    pos = t > 0
    xa, yt = a[pos], t[pos]
    if np.any(~pos & (a >= (xa.max() if xa.size else 0.0))) and (not xa.size or xa.max() < alpha_c):
        xa, yt = np.append(xa, alpha_c), np.append(yt, 0.0)
    return xa, yt


def title_text(attrs, n, count):
    count = np.asarray(count)
    samples = attrs.get("samples")
    if samples is None and count.size:
        samples = int(count.max())
    parts = ["N = %d" % n]
    if samples is not None:
        parts.append("%s samples per point" % samples)
    sweeps = attrs.get("sweeps")
    if sweeps is not None:
        transient = attrs.get("transient")
        parts.append("%s sweeps" % sweeps + (" (%s transient)" % transient if transient is not None else ""))
    parts.append("seed = %s" % attrs.get("seed", "?"))
    experiment = attrs.get("experiment", "phase-diagram")
    return ("Time-averaged overlap m_1 (nnsim-hopfield, %s)\n%s" % (experiment, ", ".join(parts)))


def plot(path, output, wanted_N=None):
    attrs, points, obs, boundary, boundary_alpha = load(path)
    nnsim_h5.warn_unexpected_experiment(path, attrs.get("experiment"), "phase-diagram", EXPERIMENTS)

    N = np.asarray(points["N"])
    n = select_N(path, N, wanted_N)
    sel = np.flatnonzero(N == n)
    # Place the cells at the realised load p/N.
    x = nnsim_h5.realised_load(points)[sel]
    y = np.asarray(points["noise"], dtype=float)[sel]
    xs, ys, M = grid(path, x, y, obs["mean"][sel], obs["count"][sel])
    xe, ye = edges(xs), edges(ys)

    fig, ax = plt.subplots(figsize=(7.5, 5.8))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("0.75")
    finite = M[np.isfinite(M)]
    negative = finite.size and finite.min() < 0
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(M), cmap=cmap, vmin=0.0, vmax=1.0,
                         shading="flat", zorder=1)
    cbar = fig.colorbar(mesh, ax=ax, extend="min" if negative else "neither")
    cbar.set_label("m_1")

    handles = []
    if boundary is not None:
        alpha_c = plot_steady_state.critical_load()
        bx, by = boundary_line(boundary, boundary_alpha, alpha_c)
        if bx.size:
            line, = ax.plot(bx, by, "-", color="white", lw=2.2, zorder=3,
                            label="mean-field retrieval boundary")
            line.set_path_effects([path_effects.Stroke(linewidth=4.0, foreground="black"),
                                   path_effects.Normal()])
            handles.append(line)
    else:
        sys.stderr.write("note: %s has no /theory/boundary (an order-parameter file?); "
                         "drawing m_1 only\n" % path)

    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("alpha = p/N")
    ax.set_ylabel("noise 1/beta")
    ax.set_title(title_text(attrs, n, obs["count"][sel]), fontsize=11)
    if handles:
        leg = ax.legend(handles=handles, fontsize=9, loc="upper right", framealpha=0.85)
        leg.get_frame().set_facecolor("0.85")
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output = args.output or default_output(args.file)
    return nnsim_h5.run_plot("plot_phase_diagram.py", lambda: plot(args.file, output, args.N))


if __name__ == "__main__":
    sys.exit(main())
