#!/usr/bin/python3
"""Plots the storage capacity of a Hopfield network from a finite-size study: the retrieval
probability against the load, the extrapolation of the finite-N capacities alpha_c(N) to
N -> infinity, and the finite-size-scaling collapse (B. Mehlig, "Machine learning with neural
networks", section 3.4: alpha_c = 0.1379 of (3.42)).

Input: the HDF5 file written by `nnsim-capacity` (layout in the README / docs: /points,
/results/retrieved, /capacity, /extrapolation, /scaling).

  /usr/bin/python3 analysis/plot_capacity.py RUN.h5 [-o PREFIX]

Three figures, one PNG each (PREFIX defaults to RUN.h5 without ".h5"):

  PREFIX-capacity-pret.png           P_ret against alpha = p/N for every N:
      /results/retrieved/mean +- stderr (the fraction of disorder samples whose final overlap
      exceeds m_cut, +-1 standard error) at /points/alpha, one colour per N (dark = small N).
      The fitted crossing alpha_c(N) of /capacity/alpha_c, where the probit ML fit of P_ret
      passes the crossing level (root attribute crossing-level, default 1/2), is marked by a
      diamond on the level line with its bootstrap standard error (/capacity/alpha_c_stderr;
      the Fisher error where that is not finite). Where /capacity/width is finite and
      /capacity/status is "converged" the fitted curve P = Phi((alpha_0 - alpha)/w) is drawn,
      with alpha_0 = alpha_c + w Phi^-1(level). The curves sharpen with N.
  PREFIX-capacity-extrapolation.png  alpha_c(N) +- s.e. against N^(-x), x the exponent of the
      recommended fit (/extrapolation attribute `recommended`; x = 1/2 when that is absent or
      its exponent is NaN). Every fit /extrapolation/<fit> with status "ok" is drawn as
      alpha_c = a_inf + amplitude N^(-exponent) (a straight line for the recommended one, a
      curve for other exponents), with a_inf +- s.e. of the recommended fit at N^(-x) = 0.
      Horizontal lines: the replica-symmetric alpha_c_rs (3.42), the replica-symmetry-breaking
      alpha_c_rsb and the Monte-Carlo estimate alpha_c_monte_carlo with a +-1 s.e. band (root
      attributes; the attribute `literature` names the sources).
  PREFIX-capacity-collapse.png       P_ret against the scaling variable
      x = (alpha - alpha_inf) (N / N_ref)^(1/nu) (/scaling/x) for every N, with the fitted probit
      master curve P = Phi((b - x) / w_0) of the joint ML collapse (/scaling: alpha_inf, nu,
      width = w_0, shift = b, reference_size = N_ref). Skipped (a note on stderr, no file) when
      /scaling is missing or its status is not "converged".

Sizes whose alpha_c is NaN (no crossing) are left out of the crossing marks and the
extrapolation plot (a note on stderr says which); with no usable extrapolation fit (e.g. too few
sizes: x fixed needs 3, x free 4) the alpha_c(N) points are drawn alone (a note says so).

The paths of the written PNGs are printed, one per line. A missing or invalid input file (not
an nnsim-capacity file, or a dataset missing or of the wrong shape) gives exit code 2 and a
message on stderr, and no figure is written.
"""

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import ndtr, ndtri  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

PROGRAM = "nnsim-capacity"
EXPERIMENT = "capacity"
OBSERVABLE = "retrieved"
SUFFIXES = {"pret": "-capacity-pret.png",
            "extrapolation": "-capacity-extrapolation.png",
            "collapse": "-capacity-collapse.png"}
DEFAULT_EXPONENT = 0.5
# Drawn first in the extrapolation legend; other fit names follow in file order.
FIT_ORDER = ("x_free", "x_0.5", "x_0.667", "x_1")


def default_outputs(path, prefix=None):
    """The three output paths: PREFIX + suffix, PREFIX defaulting to `path` without ".h5"."""
    if prefix is None:
        return {k: nnsim_h5.default_output(path, s) for k, s in SUFFIXES.items()}
    return {k: prefix + s for k, s in SUFFIXES.items()}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot the retrieval probability against alpha = p/N, the extrapolation of the "
                    "finite-size capacities alpha_c(N) and the finite-size-scaling collapse from "
                    "an nnsim-capacity HDF5 file (three PNGs).")
    parser.add_argument("file", metavar="FILE", help="HDF5 file from nnsim-capacity")
    parser.add_argument("-o", "--output", metavar="PREFIX",
                        help="output prefix; writes PREFIX%s, PREFIX%s and PREFIX%s "
                             "(default: FILE without .h5)" % tuple(SUFFIXES.values()))
    return parser.parse_args(argv)


def note(path, text):
    sys.stderr.write("note: %s: %s\n" % (path, text))


def _scalar(f, name):
    """A scalar dataset (or a one-element array) as a float; NaN if absent or not numeric."""
    if name not in f:
        return math.nan
    value = np.asarray(nnsim_h5.require_dataset(f, name)[()])
    if value.size != 1 or value.dtype.kind not in "biuf":
        raise SystemExit("error: %s: dataset '%s' should be a number, has shape %s and type %s"
                         % (f.filename, name, list(value.shape), value.dtype))
    return float(value.reshape(-1)[0])


def _strings(values):
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            for v in np.asarray(values).reshape(-1).tolist()]


def _float_attr(attrs, key, default):
    """A numeric root attribute (options may be stored as text); `default` if absent or bad."""
    try:
        value = float(attrs[key])
    except (KeyError, TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def _array(f, name, n, dtype=float):
    """The 1-D dataset `name` of length n; SystemExit naming it otherwise."""
    value = np.asarray(nnsim_h5.require_dataset(f, name)[()])
    if value.ndim != 1 or value.shape[0] != n:
        raise SystemExit("error: %s: dataset '%s' has shape %s, expected [%d]"
                         % (f.filename, name, list(value.shape), n))
    return value.astype(dtype) if dtype is not None else value


def _optional_array(f, name, n, dtype=float):
    return _array(f, name, n, dtype) if name in f else None


def _load_capacity(f, path):
    """/capacity as a dict of arrays of length K (the sizes in --N order)."""
    if not isinstance(f.get("/capacity"), h5py.Group):
        raise SystemExit("error: %s: missing group '/capacity'" % path)
    sizes = np.asarray(nnsim_h5.require_dataset(f, "/capacity/N")[()])
    if sizes.ndim != 1 or sizes.shape[0] == 0:
        raise SystemExit("error: %s: dataset '/capacity/N' has shape %s, expected [K], K >= 1"
                         % (path, list(sizes.shape)))
    k = sizes.shape[0]
    cap = {"N": sizes.astype(np.int64),
           "alpha_c": _array(f, "/capacity/alpha_c", k),
           "alpha_c_stderr": _array(f, "/capacity/alpha_c_stderr", k)}
    fisher = _optional_array(f, "/capacity/alpha_c_stderr_fisher", k)
    width = _optional_array(f, "/capacity/width", k)
    status = _optional_array(f, "/capacity/status", k, dtype=None)
    cap["alpha_c_stderr_fisher"] = fisher if fisher is not None else np.full(k, np.nan)
    cap["width"] = width if width is not None else np.full(k, np.nan)
    cap["status"] = _strings(status) if status is not None else ["?"] * k
    return cap


def _load_fit(f, group):
    fit = {key: _scalar(f, "%s/%s" % (group.name, key))
           for key in ("a_inf", "a_inf_stderr", "amplitude", "amplitude_stderr", "exponent",
                       "exponent_stderr", "chi2", "dof", "chi2_per_dof")}
    attrs = nnsim_h5.read_attrs(group)
    fit["status"] = str(attrs.get("status", "?"))
    fit["message"] = str(attrs.get("message", ""))
    return fit


def _load_extrapolation(f):
    """(fits, info): fits maps fit name -> dict, info holds the recommendation (None if the file
    has no /extrapolation)."""
    grp = f.get("/extrapolation")
    if not isinstance(grp, h5py.Group):
        return {}, None
    names = [k for k in grp.keys() if isinstance(grp[k], h5py.Group)]
    names.sort(key=lambda k: (FIT_ORDER.index(k) if k in FIT_ORDER else len(FIT_ORDER), k))
    fits = {k: _load_fit(f, grp[k]) for k in names}
    attrs = nnsim_h5.read_attrs(grp)
    info = {"recommended": str(attrs.get("recommended", "") or ""),
            "reason": str(attrs.get("reason", "") or "")}
    for key in ("alpha_c_inf", "alpha_c_inf_stderr", "z_rs", "z_rsb", "z_monte_carlo"):
        info[key] = _scalar(f, "/extrapolation/" + key)
    return fits, info


def _load_scaling(f, n_points):
    """/scaling as a dict (None if absent); x is checked to have one value per point."""
    grp = f.get("/scaling")
    if not isinstance(grp, h5py.Group):
        return None
    attrs = nnsim_h5.read_attrs(grp)
    sc = {key: _scalar(f, "/scaling/" + key)
          for key in ("alpha_inf", "alpha_inf_stderr", "nu", "nu_stderr", "width", "width_stderr",
                      "shift", "shift_stderr", "reference_size", "deviance", "dof")}
    sc["status"] = str(attrs.get("status", "") or "")
    sc["message"] = str(attrs.get("message", "") or "")
    sc["x"] = _array(f, "/scaling/x", n_points) if sc["status"] == "converged" else None
    return sc


def load(path):
    """Everything the figures need; SystemExit(message) on a missing or invalid file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        program, experiment = attrs.get("program"), attrs.get("experiment")
        if program != PROGRAM and experiment != EXPERIMENT:
            raise SystemExit("error: %s: not an nnsim-capacity file (program = %s, experiment = %s)"
                             % (path, "'%s'" % program if program is not None else "absent",
                                "'%s'" % experiment if experiment is not None else "absent"))
        points = nnsim_h5.load_points(f)
        nnsim_h5.require_points(path, points, ("N", "alpha"))
        obs = nnsim_h5.load_observable(f, OBSERVABLE)
        n_points = points["alpha"].shape[0]
        if n_points == 0:
            raise SystemExit("error: %s: the file holds no points" % path)
        nnsim_h5.check_point_arrays(path, {"/points/N": points["N"],
                                           "/results/%s/mean" % OBSERVABLE: obs["mean"],
                                           "/results/%s/stderr" % OBSERVABLE: obs["stderr"]},
                                    n_points)
        cap = _load_capacity(f, path)
        fits, extrapolation = _load_extrapolation(f)
        scaling = _load_scaling(f, n_points)
    return {"attrs": attrs, "N": np.asarray(points["N"], dtype=np.int64),
            "alpha": np.asarray(points["alpha"], dtype=float), "obs": obs, "capacity": cap,
            "fits": fits, "extrapolation": extrapolation, "scaling": scaling}


# -- Shared drawing helpers -------------------------------------------------------------------


def size_colours(sizes):
    """One colour per N from a sequential map (dark = small N, light = large N)."""
    sizes = sorted(set(int(n) for n in sizes))
    cmap = plt.get_cmap("viridis")
    if len(sizes) == 1:
        return {sizes[0]: cmap(0.35)}
    return {n: cmap(0.85 * k / (len(sizes) - 1)) for k, n in enumerate(sizes)}


def _pm(value, err, digits=4):
    if not math.isfinite(value):
        return "NaN"
    if math.isfinite(err) and err > 0:
        return "%.*f \u00b1 %.*f" % (digits, value, digits, err)
    return "%.*f" % (digits, value)


def crossing_errors(cap):
    """The error bar of alpha_c(N): bootstrap s.e., else the Fisher s.e., else 0 (no bar)."""
    err = np.where(np.isfinite(cap["alpha_c_stderr"]), cap["alpha_c_stderr"],
                   cap["alpha_c_stderr_fisher"])
    return np.where(np.isfinite(err) & (err >= 0), err, 0.0)


def _draw_retrieval(ax, data, colours, x_of_point, label_notes=None):
    """P_ret +- stderr of every N against x_of_point (alpha or the scaling variable);
    returns the legend handles. label_notes maps N to a remark added to its legend entry."""
    N, mean, stderr = data["N"], data["obs"]["mean"], data["obs"]["stderr"]
    handles = []
    for n in sorted(set(N.tolist())):
        idx = np.flatnonzero((N == n) & np.isfinite(mean) & np.isfinite(x_of_point))
        if idx.size == 0:
            continue
        idx = idx[np.argsort(x_of_point[idx], kind="stable")]
        err = np.where(np.isfinite(stderr[idx]), stderr[idx], 0.0)
        h = ax.errorbar(x_of_point[idx], mean[idx], yerr=err, fmt="o-", ms=4, lw=0.8, capsize=2.5,
                        color=colours[n], zorder=3,
                        label="N = %d%s" % (n, (label_notes or {}).get(n, "")))
        handles.append(h)
    return handles


def title_text(what, attrs, count):
    update = attrs.get("update", "random")
    m_cut = _float_attr(attrs, "m-cut", math.nan)
    return ("%s (nnsim-capacity)\n%s updates, retrieved: final overlap m > %s, "
            "seed = %s, %s" % (what, update, "%g" % m_cut if math.isfinite(m_cut) else "m_cut",
                               attrs.get("seed", "?"), nnsim_h5.samples_per_point(count)))


# -- Figure 1: P_ret(alpha) -------------------------------------------------------------------


def plot_retrieval(path, data, output):
    attrs, cap = data["attrs"], data["capacity"]
    level = _float_attr(attrs, "crossing-level", 0.5)
    colours = size_colours(list(data["N"]) + list(cap["N"]))
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    no_crossing = {int(n): " (no crossing: %s)" % status
                   for n, a_c, status in zip(cap["N"], cap["alpha_c"], cap["status"])
                   if not math.isfinite(a_c)}
    handles = _draw_retrieval(ax, data, colours, data["alpha"], no_crossing)

    alpha = data["alpha"][np.isfinite(data["alpha"])]
    lo, hi = (alpha.min(), alpha.max()) if alpha.size else (0.1, 0.2)
    pad = 0.04 * (hi - lo if hi > lo else max(hi, 0.01))
    grid = np.linspace(lo - pad, hi + pad, 400)
    err = crossing_errors(cap)
    z_level = float(ndtri(level))
    marked, missing = False, []
    for k, n in enumerate(cap["N"].tolist()):
        a_c, w, status = cap["alpha_c"][k], cap["width"][k], cap["status"][k]
        if not math.isfinite(a_c):
            missing.append("N = %d (status %s)" % (n, status))
            continue
        if status == "converged" and math.isfinite(w) and w > 0:
            ax.plot(grid, ndtr((a_c - grid) / w + z_level), "-", lw=1.4, alpha=0.6,
                    color=colours[n], zorder=2)
        ax.errorbar([a_c], [level], xerr=[err[k]], fmt="D", ms=7, mec="black", mew=0.8,
                    color=colours[n], ecolor="black", elinewidth=1.2, capsize=4, zorder=4)
        marked = True
    if missing:
        note(path, "no crossing alpha_c(N) to mark for %s" % ", ".join(missing))
    if marked:
        handles.append(ax.errorbar([], [], xerr=[], fmt="D", ms=7, mec="black", color="0.7",
                                   ecolor="black", capsize=4,
                                   label=r"fitted crossing $\alpha_c(N)$ (probit ML, $\pm$1 s.e.)"))
        handles += ax.plot([], [], "-", color="0.5", lw=1.4,
                           label=r"probit fit $\Phi((\alpha_0-\alpha)/w)$")
    handles.append(ax.axhline(level, color="0.4", ls="--", lw=0.9, zorder=1,
                              label="crossing level %g" % level))
    rs = _float_attr(attrs, "alpha_c_rs", math.nan)
    if math.isfinite(rs) and lo - pad <= rs <= hi + pad:
        handles.append(ax.axvline(rs, color="black", ls=":", lw=1.1, zorder=1,
                                  label=r"$\alpha_c$ replica symmetric (3.42) = %.4f" % rs))

    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel(r"load $\alpha = p/N$")
    ax.set_ylabel(r"retrieval probability $P_\mathrm{ret}$ (mean $\pm$1 s.e.)")
    ax.set_title(title_text("Retrieval probability against the load", attrs,
                            data["obs"]["count"]), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, fontsize=8, loc="lower left")
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


# -- Figure 2: alpha_c(N) against N^(-x) ------------------------------------------------------


def axis_exponent(path, fits, info):
    """(x, name of the recommended fit or None) for the N^(-x) axis."""
    if info is None:
        note(path, "no /extrapolation group; using N^(-1/2) and drawing the points only")
        return DEFAULT_EXPONENT, None
    name = info["recommended"]
    if not name:
        note(path, "/extrapolation names no recommended fit; using N^(-1/2)")
        return DEFAULT_EXPONENT, None
    if name not in fits:
        note(path, "the recommended fit '%s' is not in /extrapolation; using N^(-1/2)" % name)
        return DEFAULT_EXPONENT, None
    x = fits[name]["exponent"]
    if not (math.isfinite(x) and x > 0):
        note(path, "the recommended fit '%s' has no exponent (status %s); using N^(-1/2)"
             % (name, fits[name]["status"]))
        return DEFAULT_EXPONENT, name
    return x, name


def _fit_label(name, fit, recommended):
    x = fit["exponent"]
    free = math.isfinite(fit["exponent_stderr"]) and fit["exponent_stderr"] > 0
    exponent = ("x = %s" % _pm(x, fit["exponent_stderr"], 3)) if free else "x = %.3g" % x
    chi = ", $\\chi^2$/dof = %.2g" % fit["chi2_per_dof"] if math.isfinite(fit["chi2_per_dof"]) else ""
    return "%s%s: %s, $\\alpha_c(\\infty)$ = %s%s" % (
        name, " (recommended)" if recommended else "", exponent,
        _pm(fit["a_inf"], fit["a_inf_stderr"]), chi)


def extrapolation_limits(a_c, err, attrs, fits):
    """y limits of the extrapolation plot: the alpha_c(N) bars and the literature values, widened
    to the fits' alpha_c(infinity) where these lie near them (a wild fit is cut off, not allowed
    to squash the data)."""
    core = [a_c - err, a_c + err]
    for key in ("alpha_c_rs", "alpha_c_rsb"):
        core.append([_float_attr(attrs, key, math.nan)])
    mc = _float_attr(attrs, "alpha_c_monte_carlo", math.nan)
    mc_err = _float_attr(attrs, "alpha_c_monte_carlo_stderr", 0.0)
    core.append([mc - mc_err, mc + mc_err])
    values = np.concatenate([np.asarray(v, dtype=float) for v in core])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.1, 0.2
    lo, hi = values.min(), values.max()
    span = max(hi - lo, 1e-3)
    for fit in fits.values():
        for v in (fit["a_inf"] - fit["a_inf_stderr"], fit["a_inf"] + fit["a_inf_stderr"]):
            if math.isfinite(v) and lo - 2 * span <= v <= hi + 2 * span:
                lo, hi = min(lo, v), max(hi, v)
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def plot_extrapolation(path, data, output):
    attrs, cap, fits, info = data["attrs"], data["capacity"], data["fits"], data["extrapolation"]
    x_axis, recommended = axis_exponent(path, fits, info)
    colours = size_colours(cap["N"])
    fig, ax = plt.subplots(figsize=(7.5, 8.0))
    handles = []

    ok = np.isfinite(cap["alpha_c"]) & (cap["N"] > 0)
    skipped = [int(n) for n in cap["N"][~ok]]
    if skipped:
        note(path, "alpha_c(N) is NaN (no crossing) for N = %s; left out of the extrapolation plot"
             % ", ".join(str(n) for n in skipped))
    u = cap["N"][ok].astype(float) ** (-x_axis)
    a_c, err = cap["alpha_c"][ok], crossing_errors(cap)[ok]
    for n, uu, a, e in zip(cap["N"][ok].tolist(), u, a_c, err):
        ax.errorbar([uu], [a], yerr=[e], fmt="o", ms=6, capsize=3, color=colours[n],
                    mec="black", mew=0.6, zorder=4)
        ax.annotate("N = %d" % n, (uu, a), xytext=(6, 6), textcoords="offset points", fontsize=8)
    if u.size:
        handles.append(ax.errorbar([], [], yerr=[], fmt="o", ms=6, capsize=3, color="0.6",
                                   mec="black", mew=0.6,
                                   label=r"$\alpha_c(N)$, probit crossing ($\pm$1 s.e., bootstrap)"))
    u_max = 1.08 * u.max() if u.size else 1.08 * 64.0 ** (-x_axis)

    usable = {k: fit for k, fit in fits.items() if fit["status"] == "ok"
              and all(math.isfinite(fit[q]) for q in ("a_inf", "amplitude", "exponent"))}
    if not usable:
        why = sorted(set(fit["status"] for fit in fits.values())) if fits else ["no /extrapolation"]
        ax.text(0.99, 0.02, "no extrapolation fit (%s): points only" % ", ".join(why),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.35")
        if fits:
            note(path, "no extrapolation fit has status ok (%s); drawing the points only"
                 % "; ".join("%s: %s%s" % (k, fit["status"], " (%s)" % fit["message"] if fit["message"] else "")
                             for k, fit in fits.items()))
        elif info is not None:
            note(path, "/extrapolation holds no fits; drawing the points only")
    else:
        left_out = ["%s (%s)" % (k, fit["status"]) for k, fit in fits.items() if k not in usable]
        if left_out:
            note(path, "extrapolation fits not drawn: %s" % ", ".join(left_out))
        if info is not None and info["reason"]:
            note(path, "recommended extrapolation %s: %s" % (info["recommended"] or "none", info["reason"]))
    grid = np.linspace(0.0, u_max, 300)
    styles = iter(["--", "-.", (0, (5, 2, 1, 2)), (0, (1, 1.5)), (0, (8, 3))])
    fit_colours = iter(["C3", "C1", "C2", "C4", "C5", "C6"])
    for name, fit in usable.items():
        is_rec = name == recommended
        curve = fit["a_inf"] + fit["amplitude"] * grid ** (fit["exponent"] / x_axis)
        colour = "black" if is_rec else next(fit_colours, "0.5")
        handles += ax.plot(grid, curve, ls="-" if is_rec else next(styles, "--"), color=colour,
                           lw=2.0 if is_rec else 1.3, zorder=3 if is_rec else 2,
                           label=_fit_label(name, fit, is_rec))
        if is_rec:
            ax.errorbar([0.0], [fit["a_inf"]], yerr=[fit["a_inf_stderr"]]
                        if math.isfinite(fit["a_inf_stderr"]) else None,
                        fmt="s", ms=6, color="black", capsize=4, zorder=5)

    literature = [("alpha_c_rs", r"replica symmetric (3.42)", ":", "0.2"),
                  ("alpha_c_rsb", r"replica-symmetry breaking (3.48)", (0, (6, 2)), "0.45")]
    for key, what, style, colour in literature:
        value = _float_attr(attrs, key, math.nan)
        if math.isfinite(value):
            handles.append(ax.axhline(value, color=colour, ls=style, lw=1.2, zorder=1,
                                      label="%s: %.6g" % (what, value)))
    mc = _float_attr(attrs, "alpha_c_monte_carlo", math.nan)
    if math.isfinite(mc):
        mc_err = _float_attr(attrs, "alpha_c_monte_carlo_stderr", math.nan)
        h = ax.axhline(mc, color="C9", ls="-", lw=1.2, zorder=1)
        if math.isfinite(mc_err) and mc_err > 0:
            ax.axhspan(mc - mc_err, mc + mc_err, color="C9", alpha=0.15, lw=0, zorder=0)
        h.set_label("Monte Carlo (3.49): %s" % _pm(mc, mc_err, 3))
        handles.append(h)

    ax.set_xlim(-0.03 * u_max, u_max)
    ax.set_ylim(*extrapolation_limits(a_c, err, attrs, usable))
    from_fit = recommended is not None and fits[recommended]["exponent"] == x_axis
    ax.set_xlabel(r"$N^{-x}$ with $x$ = %.3g (%s)"
                  % (x_axis, "exponent of the recommended fit %s" % recommended if from_fit
                     else "default, no recommended exponent"))
    ax.set_ylabel(r"storage capacity $\alpha_c$")
    sub = ""
    if info is not None and math.isfinite(info["alpha_c_inf"]):
        z = ", ".join("%s %+.1f" % (k, info[q]) for k, q in (("RS", "z_rs"), ("RSB", "z_rsb"),
                                                          ("MC", "z_monte_carlo"))
                      if math.isfinite(info[q]))
        sub = "\n$\\alpha_c(\\infty)$ = %s%s" % (_pm(info["alpha_c_inf"], info["alpha_c_inf_stderr"]),
                                               "; deviation in s.e.: " + z if z else "")
    ax.set_title("Extrapolation of the finite-size capacity, $\\alpha_c(N) = \\alpha_c(\\infty) + "
                 "a N^{-x}$ (nnsim-capacity)%s" % sub, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1)
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


# -- Figure 3: scaling collapse -----------------------------------------------------------------


def plot_collapse(path, data, output):
    """The collapse figure, or None (with a note) when /scaling is missing or not converged."""
    sc = data["scaling"]
    if sc is None:
        note(path, "no /scaling group; the collapse figure is skipped")
        return None
    if sc["status"] != "converged":
        note(path, "/scaling status is '%s'%s; the collapse figure is skipped"
             % (sc["status"] or "absent", " (%s)" % sc["message"] if sc["message"] else ""))
        return None
    w0, b = sc["width"], sc["shift"]
    if not (math.isfinite(w0) and w0 > 0):
        note(path, "/scaling/width is %r; the collapse figure is skipped" % w0)
        return None
    if not math.isfinite(b):
        b = 0.0
    x = np.asarray(sc["x"], dtype=float)
    colours = size_colours(data["N"])
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    handles = _draw_retrieval(ax, data, colours, x)
    shown = x[np.isfinite(x) & np.isfinite(data["obs"]["mean"])]
    lo, hi = (shown.min(), shown.max()) if shown.size else (b - 3 * w0, b + 3 * w0)
    pad = 0.05 * (hi - lo if hi > lo else w0)
    grid = np.linspace(lo - pad, hi + pad, 400)
    handles += ax.plot(grid, ndtr((b - grid) / w0), "-", color="black", lw=2.0, zorder=2,
                       label=r"master curve $\Phi((b - x)/w_0)$")
    handles.append(ax.axhline(0.5, color="0.4", ls="--", lw=0.9, zorder=1, label="P = 1/2"))
    text = "\n".join([
        r"$\alpha_\infty$ = %s" % _pm(sc["alpha_inf"], sc["alpha_inf_stderr"]),
        r"$\nu$ = %s" % _pm(sc["nu"], sc["nu_stderr"], 3),
        r"$w_0$ = %s" % _pm(w0, sc["width_stderr"], 3),
        r"$b$ = %s" % _pm(sc["shift"], sc["shift_stderr"], 3),
        r"$N_\mathrm{ref}$ = %.4g" % sc["reference_size"],
        "deviance / dof = %.3g / %.0f" % (sc["deviance"], sc["dof"])])
    ax.text(0.98, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8.5,
            bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9))
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel(r"scaling variable $x = (\alpha - \alpha_\infty)\,(N/N_\mathrm{ref})^{1/\nu}$")
    ax.set_ylabel(r"retrieval probability $P_\mathrm{ret}$ (mean $\pm$1 s.e.)")
    ax.set_title(title_text("Finite-size-scaling collapse of the retrieval probability",
                            data["attrs"], data["obs"]["count"]), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, fontsize=8, loc="lower left")
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


def plot(path, prefix=None):
    """Writes the figures; returns the written paths, one per line."""
    data = load(path)  # every check before the first figure: a bad file writes nothing
    outputs = default_outputs(path, prefix)
    written = [plot_retrieval(path, data, outputs["pret"]),
               plot_extrapolation(path, data, outputs["extrapolation"]),
               plot_collapse(path, data, outputs["collapse"])]
    return "\n".join(w for w in written if w is not None)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return nnsim_h5.run_plot("plot_capacity.py", lambda: plot(args.file, args.output))


if __name__ == "__main__":
    sys.exit(main())
