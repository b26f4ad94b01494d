#!/usr/bin/python3
"""The reproduction report: one HTML page from a folder of nnsim result files.

Used by `analysis/report DIR [-o OUT.html]` (see there and the README, "Reproduction report").
The page holds every figure the plot scripts (analysis/plot_*.py, imported here) can draw from
the files, a table of the measured numbers next to the book's reference values (with the book's
equation numbers, shared/reference/book-values.md) and their deviation in standard errors, the
provenance of every file (its root attributes) and the files that could not be used, with the
reason.

Deviation z = (measured - reference) / s, s = sqrt(se_measured^2 + se_reference^2); the
reference values of theory have no error (se_reference = 0) except the Monte-Carlo
extrapolation alpha_c = 0.143 +- 0.002 (3.49). A measured value without a standard error (a
count, or a mean whose samples are all equal) has no z: the column then says "exact" when it
equals the reference, the difference for a count ("-3": three fewer), and "no s.e." otherwise.
Upper bounds (r_max of (11.4)) say "below" when z < 0.

Everything the page shows is also written as JSON beside it (OUT with .html replaced by .json):
{"files": [...], "rows": [...], "figures": [...], "unusable": [...]}, for tests and scripts.
"""

import base64
import contextlib
import datetime
import html
import io
import json
import math
import os
import sys
import traceback

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

# The book's reference values (shared/reference/book-values.md).
ALPHA_C_RS = 0.137906         # (3.42), replica symmetric
ALPHA_C_RSB = 0.138187        # (3.48), replica-symmetry breaking (Steffan & Kuehn 1994)
ALPHA_C_MC = 0.143            # (3.49), Monte-Carlo extrapolation (Volk 1998)
ALPHA_C_MC_STDERR = 0.002
R_MAX = 0.1                   # (11.4), associative task of Fig. 11.2
FASHION_MLP_ACCURACY = 0.8833  # published Fashion-MNIST MLP 256-128-100 test accuracy

# Rows of a table per file and observable: at most this many points (evenly spread).
MAX_POINT_ROWS = 8

# Provenance: the root attributes shown for every file, in this order.
PROVENANCE = ("program", "experiment", "command_line", "seed", "version", "git_commit", "mpi_ranks",
              "omp_threads", "host", "start_time", "end_time")
REQUIRED_PROVENANCE = ("program", "command_line", "seed", "git_commit", "mpi_ranks", "start_time")


class Unusable(Exception):
    """A file the report cannot use; the message is the reason shown on the page."""


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.reshape(-1)[0].item())
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return _text(value[0])
    return value if isinstance(value, str) else str(value)


def _finite(x):
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def deviation(measured, stderr, reference, reference_stderr=0.0):
    """(measured - reference) / sqrt(stderr^2 + reference_stderr^2); None when there is no
    finite positive combined error (see the module docstring)."""
    if not (_finite(measured) and _finite(reference)):
        return None
    se2 = (float(stderr) if _finite(stderr) else 0.0) ** 2 + float(reference_stderr or 0.0) ** 2
    if se2 <= 0.0:
        return None
    return (float(measured) - float(reference)) / math.sqrt(se2)


def spread(indices, limit=MAX_POINT_ROWS):
    """At most `limit` of `indices`, evenly spread and always with the first and last."""
    indices = list(indices)
    if len(indices) <= limit:
        return indices
    picks = np.unique(np.round(np.linspace(0, len(indices) - 1, limit)).astype(int))
    return [indices[i] for i in picks]


class FileReport:
    """What the report learned from one file: its figures, table rows and notes."""

    def __init__(self, path, name, attrs):
        self.path, self.name, self.attrs = path, name, attrs
        self.figures, self.rows, self.notes = [], [], []

    def row(self, quantity, equation, measured, stderr=None, reference=None, reference_stderr=0.0,
            note="", kind="value"):
        z = deviation(measured, stderr, reference, reference_stderr) if reference is not None else None
        if kind == "count" and reference is not None and _finite(measured) and _finite(reference):
            z = None  # counts have no error bar: equal or not
            diff = float(measured) - float(reference)
            status = "exact" if diff == 0 else "%+d" % diff
        elif z is None and reference is not None and _finite(measured) and _finite(reference):
            status = "exact" if float(measured) == float(reference) else "no s.e."
        elif kind == "bound" and z is not None:
            status = "%+.2f (%s)" % (z, "below" if z < 0 else "not below")
        else:
            status = "" if z is None else "%+.2f" % z
        self.rows.append({"file": self.name, "quantity": quantity, "equation": equation,
                          "measured": None if not _finite(measured) else float(measured),
                          "stderr": None if not _finite(stderr) else float(stderr),
                          "reference": None if not _finite(reference) else float(reference),
                          "reference_stderr": float(reference_stderr or 0.0),
                          "z": z, "status": status, "note": note, "kind": kind})

    def figure(self, caption, fn, *args, **kwargs):
        """Calls a plot function that writes a PNG; a failure becomes a note, not a crash."""
        try:
            result = fn(*args, **kwargs)
        except SystemExit as exc:
            self.notes.append("figure '%s' not drawn: %s" % (caption, exc.code))
            return
        except Exception as exc:  # noqa: BLE001 - the page says what went wrong
            self.notes.append("figure '%s' not drawn: %s: %s" % (caption, type(exc).__name__, exc))
            return
        finally:
            plt.close("all")
        paths = result if isinstance(result, (list, tuple)) else [result]
        for p in paths:
            if p and os.path.isfile(p):
                self.figures.append({"file": self.name, "caption": caption, "path": p})


# -- Hopfield networks ------------------------------------------------------------------------


def _largest_n_rows(points):
    N = np.asarray(points["N"])
    n = int(N.max())
    return n, np.flatnonzero(N == n)


def _hopfield_one_step(rep, fig_prefix):
    import plot_one_step
    attrs, points, obs, theory, exact = plot_one_step.load(rep.path)
    rep.figure("Fig. 2.7: one-step error probability against alpha", plot_one_step.plot,
               rep.path, fig_prefix + "-fig2.7.png", False)
    load = nnsim_h5.realised_load(points)
    n, idx = _largest_n_rows(points)
    for i in spread(idx):
        rep.row("P_error(t=1), N = %d, alpha = p/N = %.4g" % (n, load[i]), "(2.39)",
                obs["mean"][i], obs["stderr"][i], plot_one_step.book_one_step_error(load[i]),
                note="large-N formula 1/2 erfc(sqrt(1/(2 alpha)))")
        if exact is not None:
            rep.row("P_error(t=1), N = %d, alpha = p/N = %.4g" % (n, load[i]), "exact finite N",
                    obs["mean"][i], obs["stderr"][i], exact[i],
                    note="the file's /theory/one_step_error_exact")
    _chi2_row(rep, "P_error(t=1), all points", "(2.39)", obs["mean"], obs["stderr"],
              plot_one_step.book_one_step_error(load))


def _chi2_row(rep, quantity, equation, mean, stderr, reference):
    mean, stderr, reference = (np.asarray(a, dtype=float) for a in (mean, stderr, reference))
    ok = np.isfinite(mean) & np.isfinite(reference) & np.isfinite(stderr) & (stderr > 0)
    if not ok.any():
        return
    z = (mean[ok] - reference[ok]) / stderr[ok]
    rep.rows.append({"file": rep.name, "quantity": quantity, "equation": equation,
                     "measured": float(np.sum(z ** 2)), "stderr": None, "reference": float(ok.sum()),
                     "reference_stderr": math.sqrt(2.0 * ok.sum()), "z": float(np.max(np.abs(z))),
                     "status": "max |z| %.2f" % float(np.max(np.abs(z))),
                     "note": "chi^2 of the %d points with an error bar against their expectation "
                             "(chi^2 ~ %d +- %.1f if they agree)" % (ok.sum(), ok.sum(),
                                                                      math.sqrt(2.0 * ok.sum())),
                     "kind": "chi2"})


def _traces_figure(rep, fig_prefix):
    with h5py.File(rep.path, "r") as f:
        has = "/results/overlap_trace/mean" in f
    if has:
        import plot_traces
        rep.figure("Fig. 3.2: overlap m_1(t) of single runs", plot_traces.plot, rep.path,
                   fig_prefix + "-fig3.2.png")


def _hopfield_steady_state(rep, fig_prefix):
    import plot_steady_state
    attrs, points, obs, theory = plot_steady_state.load(rep.path)
    rep.figure("Fig. 3.4: steady-state error against alpha", plot_steady_state.plot, rep.path,
               fig_prefix + "-fig3.4.png", False)
    _traces_figure(rep, fig_prefix)
    load = nnsim_h5.realised_load(points)
    alpha_c = plot_steady_state.critical_load()
    n, idx = _largest_n_rows(points)
    below = [i for i in idx if load[i] < alpha_c]
    for i in spread(below):
        ref = plot_steady_state.steady_state_error(load[i])
        rep.row("P_error(t=inf), N = %d, alpha = %.4g" % (n, load[i]), "(3.18), (3.39)-(3.41)",
                obs["mean"][i], obs["stderr"][i], ref,
                note="mean-field (1 - m_1)/2 with m_1 = erf(y); finite N differs")
    above = [i for i in idx if load[i] >= alpha_c]
    if above:
        rep.notes.append("%d load(s) of N = %d at or above alpha_c = %.6f (3.42) have no "
                         "retrieval solution to compare with" % (len(above), n, alpha_c))


def _hopfield_overlap(rep, fig_prefix, experiment):
    import plot_order_parameter
    import plot_phase_diagram
    if experiment == "phase-diagram":
        rep.figure("Fig. 3.5: m_1 on the (alpha, 1/beta) plane and the retrieval boundary",
                   plot_phase_diagram.plot, rep.path, fig_prefix + "-fig3.5.png")
    rep.figure("order parameter m_1 against the noise 1/beta with mean-field theory",
               plot_order_parameter.plot, rep.path, fig_prefix + "-order-parameter.png")
    _traces_figure(rep, fig_prefix)
    attrs, points, obs, theory, small, _ = plot_order_parameter.load(rep.path)
    if theory is None:
        rep.notes.append("no /theory/overlap_time_average: no mean-field comparison")
        return
    n, idx = _largest_n_rows(points)
    load = nnsim_h5.realised_load(points)
    noise = np.asarray(points["noise"], dtype=float)
    for i in spread(idx):
        rep.row("<m_1>, N = %d, alpha = %.4g, 1/beta = %.3g" % (n, load[i], noise[i]),
                "(3.26), (3.33), (3.38)", obs["mean"][i], obs["stderr"][i], theory[i],
                note="finite-beta mean field" if theory[i] != 0 else
                "mean field has no retrieval solution here (0); a finite network's |m_1| stays "
                "of order 1/sqrt(N) above 0")
    _chi2_row(rep, "<m_1>, all points", "(3.26), (3.33), (3.38)", obs["mean"], obs["stderr"], theory)


# -- Capacity -----------------------------------------------------------------------------------


def _capacity(rep, fig_prefix):
    import plot_capacity
    data = plot_capacity.load(rep.path)

    def draw():
        return plot_capacity.plot(rep.path, fig_prefix).split("\n")
    try:
        written = draw()
    except SystemExit as exc:
        rep.notes.append("capacity figures not drawn: %s" % exc.code)
        written = []
    finally:
        plt.close("all")
    captions = {"pret": "P_ret against alpha for every N", "extrapolation":
                "alpha_c(N) extrapolated to N -> infinity", "collapse": "finite-size-scaling collapse"}
    for key, suffix in plot_capacity.SUFFIXES.items():
        p = fig_prefix + suffix
        if p in written and os.path.isfile(p):
            rep.figures.append({"file": rep.name, "caption": captions[key], "path": p})
    cap = data["capacity"]
    for k, n in enumerate(cap["N"]):
        rep.row("alpha_c(N = %d)" % n, "(3.42) at finite N", cap["alpha_c"][k],
                plot_capacity.crossing_errors(cap)[k], None,
                note="crossing of P_ret with the level %s" % rep.attrs.get("crossing-level", "1/2"))
    info = data["extrapolation"]
    if info is None or not _finite(info.get("alpha_c_inf")):
        rep.notes.append("no extrapolation alpha_c(N -> inf) in the file (too few sizes?)")
        return
    a, se = info["alpha_c_inf"], info["alpha_c_inf_stderr"]
    fit = info.get("recommended") or "?"
    rep.row("alpha_c(N -> inf), fit %s" % fit, "(3.48) RSB", a, se, ALPHA_C_RSB,
            note="Steffan & Kuehn 1994")
    rep.row("alpha_c(N -> inf), fit %s" % fit, "(3.49) Monte Carlo", a, se, ALPHA_C_MC,
            ALPHA_C_MC_STDERR, note="Volk 1998, 0.143 +- 0.002")
    rep.row("alpha_c(N -> inf), fit %s" % fit, "(3.42) RS", a, se, ALPHA_C_RS,
            note="replica-symmetric theory")


# -- Double digest ----------------------------------------------------------------------------


def _digest(rep, fig_prefix):
    import plot_digest
    data = plot_digest.load(rep.path)

    def draw():
        return plot_digest.plot([rep.path], fig_prefix).split("\n")
    try:
        written = draw()
    except SystemExit as exc:
        rep.notes.append("digest figures not drawn: %s" % exc.code)
        written = []
    finally:
        plt.close("all")
    captions = {"energy": "annealing energy (4.15) of single runs",
                "tts": "time to solution", "maps": "restriction maps found (Fig. 4.1, Table 4.1)"}
    for key, suffix in plot_digest.SUFFIXES.items():
        p = fig_prefix + suffix
        if p in written and os.path.isfile(p):
            rep.figures.append({"file": rep.name, "caption": captions.get(key, key), "path": p})
    for name, inst in data["instances"].items():
        exact = inst.get("exact_distinct_maps", math.nan)
        for label, found_key, exact_key in (
                ("distinct maps", "distinct_maps", "exact_distinct_maps"),
                ("maps up to mirror", "distinct_maps_up_to_mirror", "exact_distinct_maps_up_to_mirror"),
                ("ordered pairs (sigma, mu)", "ordered_pairs", "exact_ordered_pairs")):
            found, ref = inst.get(found_key, math.nan), inst.get(exact_key, math.nan)
            rep.row("%s: %s found by annealing" % (name, label), "Table 4.1, (4.15) = 0",
                    found, None, ref if _finite(ref) else None,
                    note="reference: exact enumeration (--exact)" if _finite(ref) else
                    "no enumeration in the file (run with --exact)", kind="count")
        if not _finite(exact):
            continue
        runs, solved = inst.get("runs", math.nan), inst.get("solved_runs", math.nan)
        if _finite(runs) and runs > 0 and _finite(solved):
            rate = solved / runs
            rep.row("%s: success rate (H = 0 reached)" % name, "(4.15)", rate,
                    math.sqrt(max(rate * (1 - rate), 0.0) / runs), None,
                    note="%d of %d runs" % (solved, runs))


# -- Reinforcement learning -------------------------------------------------------------------


def _rl(rep, fig_prefix, experiment):
    import plot_rl
    if experiment not in plot_rl.PLOTS:
        raise Unusable("nnsim-rl experiment '%s' unknown to plot_rl.py" % experiment)
    suffix, draw = plot_rl.PLOTS[experiment]
    captions = {"associative-q": "Fig. 11.5: Q-learning on the associative task",
                "reward-penalty": "Fig. 11.2: associative reward-penalty rule",
                "tictactoe": "Fig. 11.7: tic-tac-toe self-play",
                "td-lambda": "TD(lambda) error against lambda (11.20)"}
    with h5py.File(rep.path, "r") as f:
        out = fig_prefix + suffix

        def plot():
            try:
                draw(f, out, plt)
            except (KeyError, ValueError, plot_rl.InputError) as e:
                raise SystemExit("missing or malformed data: %s" % e)
            return out
        rep.figure(captions[experiment], plot)
        labels = _rl_point_labels(f)
        if experiment == "associative-q":
            g = f["results/final_q_table"]
            mean, se = g["mean"][()], g["stderr"][()]
            limit = f["results/q_table/theory_limit"][()]
            names = ["Q(x1, -1)", "Q(x1, +1)", "Q(x2, -1)", "Q(x2, +1)"]
            for p in range(mean.shape[0]):
                for k in range(4):
                    eps = float(f["points/epsilon"][p]) if "points/epsilon" in f else 1.0
                    rep.row("%s, %s" % (names[k], labels[p]), "(11.30) Q* = 2 p - 1",
                            mean[p, k], se[p, k], limit[k],
                            note="after %s episodes%s" % (
                                _text(f.attrs.get("episodes", "?")), "" if eps >= 1 else
                                "; at epsilon < 1 a non-greedy entry relaxes only at the rate "
                                "epsilon alpha/4 (11.29) and may not have reached Q* yet"))
        elif experiment == "reward-penalty":
            g = f["results/expected_reward"]
            mean, se = g["mean"][()], g["stderr"][()]
            r_max = f["theory/r_max"][()] if "theory/r_max" in f else np.full(mean.shape[0], R_MAX)
            for p in range(mean.shape[0]):
                rep.row("expected reward at the end, %s" % labels[p], "(11.4) r_max, (11.10)",
                        mean[p, -1], se[p, -1], float(r_max[p]), kind="bound",
                        note="an upper bound: the rule stays below r_max and approaches it as "
                             "delta -> 0 (green: not significantly above it)")
        elif experiment == "tictactoe":
            g = f["results/greedy_self_play"]
            mean, se = g["mean"][()], g["stderr"][()]
            for p in range(mean.shape[0]):
                rep.row("greedy self-play draws, %s" % labels[p], "Figs. 11.6-11.7", mean[p, 0],
                        se[p, 0], 1.0, note="the book: under its schedule every game is a draw")
            if "tictactoe/position_code" in f:
                rep.row("reachable positions", "Section 11 (5,478)",
                        f["tictactoe/position_code"].shape[0], None, 5478, kind="count")
        elif experiment == "td-lambda":
            g = f["results/rms_error_average"]
            mean, se = g["mean"][()], g["stderr"][()]
            lam, rate = f["points/lambda"][()], f["points/learning-rate"][()]
            for a in np.unique(rate):
                idx = np.flatnonzero(rate == a)
                best = idx[np.nanargmin(mean[idx])]
                rep.row("best lambda at learning rate %g: lambda = %g, RMS error of V" % (a, lam[best]),
                        "(11.20)", mean[best], se[best], None,
                        note="RMS error against the chain's values, averaged over the episodes; "
                             "lowest of lambda = %s" % ", ".join("%g" % v for v in lam[idx]))


def _rl_point_labels(f):
    pts = f["points"]
    names = [k for k in pts.keys() if k != "key" and isinstance(pts[k], h5py.Dataset)]
    n = pts[names[0]].shape[0] if names else 0
    return ["%s" % ", ".join("%s = %s" % (k, _fmt(pts[k][p])) for k in names) for p in range(n)]


def _fmt(v):
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, float):
        return "%g" % v
    return str(v)


# -- SGD ----------------------------------------------------------------------------------------


def _sgd(rep, fig_prefix):
    import plot_sgd
    with h5py.File(rep.path, "r") as f:
        ensemble = "/history" not in f and "/results/test_accuracy/mean" in f
        if ensemble:
            a = float(np.asarray(f["/results/test_accuracy/mean"][()]).reshape(-1)[0])
            se = float(np.asarray(f["/results/test_accuracy/stderr"][()]).reshape(-1)[0])
            n = int(np.asarray(f["/results/test_accuracy/count"][()]).reshape(-1)[0])
    if ensemble:
        rep.row("test accuracy, mean of %d trainings (%s)" % (n, rep.attrs.get("layers", "?")),
                "Fashion-MNIST MLP 256-128-100", a, se, FASHION_MLP_ACCURACY,
                note="ensemble mode; s.e. of the mean over trainings")
        try:
            ens = plot_sgd.read_ensemble(rep.path)
        except plot_sgd.InputError as e:
            raise Unusable(str(e))
        rep.figure("SGD ensemble: test accuracy of each independent training, kept epochs",
                   lambda: plot_sgd.plot_ensemble(ens, fig_prefix + "-sgd-ensemble.png") or
                   fig_prefix + "-sgd-ensemble.png")
        return
    try:
        run = plot_sgd.read_run(rep.path)
    except plot_sgd.InputError as e:
        raise Unusable(str(e))
    rep.figure("SGD learning curves (Fig. 6.7 shape), early stopping marked",
               lambda: plot_sgd.plot_curves(run, fig_prefix + "-sgd-curves.png") or
               fig_prefix + "-sgd-curves.png")
    rep.figure("SGD confusion matrix of the test set",
               lambda: plot_sgd.plot_confusion(run, fig_prefix + "-sgd-confusion.png") or
               fig_prefix + "-sgd-confusion.png")
    a = run["test_accuracy"]
    n = int(run["confusion"].sum())
    limit = rep.attrs.get("train-limit")
    rep.row("test accuracy (%s, %s%s)" % (run["layers"], run["optimizer"],
                                          ", --train-limit %s" % limit if limit not in (None, 0, "0")
                                          else ""),
            "Fashion-MNIST MLP 256-128-100", a, math.sqrt(max(a * (1 - a), 0.0) / n) if n else None,
            FASHION_MLP_ACCURACY,
            note="binomial s.e. over %d test images; published value (Xiao et al. 2017)" % n)


# -- Scanning ----------------------------------------------------------------------------------


def identify(path):
    """(program, experiment, root attributes) of an nnsim file; Unusable with the reason."""
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise Unusable("not a readable HDF5 file (%s)" % str(exc).split("(")[0].strip().rstrip(","))
    with f:
        attrs = nnsim_h5.root_attributes(f)
        if "checkpoint" in os.path.basename(path) and "program" not in attrs:
            raise Unusable("a checkpoint, not a result file")
    program = attrs.get("program")
    if not program:
        raise Unusable("no root attribute 'program': not an nnsim result file")
    return _text(program), _text(attrs.get("experiment", "")), attrs


def analyse(path, name, fig_prefix):
    """The FileReport of one file; Unusable (or another exception) if it cannot be used."""
    program, experiment, attrs = identify(path)
    if os.path.basename(path).endswith(".checkpoint.h5"):
        raise Unusable("a checkpoint of %s, not a finished result file" % program)
    rep = FileReport(path, name, attrs)
    rep.program, rep.experiment = program, experiment
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            _analyse(rep, program, experiment, fig_prefix)
    finally:
        for line in captured.getvalue().splitlines():
            line = line.replace(path, name).strip()
            if line:
                rep.notes.append(line if len(line) <= 300 else line[:297] + "...")
    missing = [k for k in REQUIRED_PROVENANCE if k not in attrs]
    if missing:
        rep.notes.append("provenance attribute(s) missing from the file: %s" % ", ".join(missing))
    return rep


def _analyse(rep, program, experiment, fig_prefix):
    if program == "nnsim-hopfield":
        if experiment == "one-step":
            _hopfield_one_step(rep, fig_prefix)
        elif experiment == "steady-state":
            _hopfield_steady_state(rep, fig_prefix)
        elif experiment in ("order-parameter", "phase-diagram"):
            _hopfield_overlap(rep, fig_prefix, experiment)
        else:
            raise Unusable("nnsim-hopfield experiment '%s' has no figure in the report" % experiment)
    elif program == "nnsim-capacity":
        _capacity(rep, fig_prefix)
    elif program == "nnsim-digest":
        _digest(rep, fig_prefix)
    elif program == "nnsim-rl":
        _rl(rep, fig_prefix, experiment)
    elif program == "nnsim-sgd":
        _sgd(rep, fig_prefix)
    else:
        raise Unusable("program '%s' is not an nnsim driver the report knows" % program)


def scan(folder):
    """Every HDF5-looking file under `folder` (recursively, sorted): .h5, .hdf5, .he5."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for fn in sorted(files):
            if fn.lower().endswith((".h5", ".hdf5", ".he5")):
                found.append(os.path.join(root, fn))
    return found


def build(folder, output, log=None):
    """Analyses every file of `folder`, draws the figures beside `output` (in OUTPUT-figures/)
    and returns the report as a dict (also written to OUTPUT .json and the page to `output`)."""
    log = log or (lambda text: None)
    folder = os.path.abspath(folder)
    fig_dir = os.path.splitext(output)[0] + "-figures"
    os.makedirs(fig_dir, exist_ok=True)
    reports, unusable = [], []
    for path in scan(folder):
        name = os.path.relpath(path, folder)
        stem = os.path.splitext(name)[0].replace(os.sep, "_")
        log("reading %s" % name)
        try:
            reports.append(analyse(path, name, os.path.join(fig_dir, stem)))
        except Unusable as exc:
            unusable.append({"file": name, "reason": str(exc)})
        except SystemExit as exc:
            unusable.append({"file": name, "reason": str(exc.code)})
        except Exception as exc:  # noqa: BLE001 - a bad file is listed, the report goes on
            last = traceback.extract_tb(exc.__traceback__)[-1]
            unusable.append({"file": name, "reason": "%s: %s (in %s, line %d)"
                             % (type(exc).__name__, exc, os.path.basename(last.filename), last.lineno)})
        finally:
            plt.close("all")
    data = {"folder": folder, "created": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": [{"file": r.name, "program": r.program, "experiment": r.experiment,
                       "provenance": {k: _jsonable(r.attrs.get(k)) for k in PROVENANCE},
                       "notes": r.notes} for r in reports],
            "rows": [row for r in reports for row in r.rows],
            "figures": [dict(fig, path=os.path.relpath(fig["path"], os.path.dirname(os.path.abspath(output))))
                        for r in reports for fig in r.figures],
            "unusable": unusable}
    with open(os.path.splitext(output)[0] + ".json", "w") as fh:
        json.dump(data, fh, indent=1, allow_nan=False, default=str)
    with open(output, "w") as fh:
        fh.write(render(data, os.path.dirname(os.path.abspath(output))))
    return data


def _jsonable(v):
    if v is None:
        return None
    if isinstance(v, (np.ndarray, list, tuple)):
        return [_jsonable(x) for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, (int, float, str, bool)):
        return v
    return _text(v)


# -- HTML --------------------------------------------------------------------------------------

CSS = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1300px; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; vertical-align: top; }
td.num { white-space: nowrap; }
th { background: #eef; text-align: left; } td.num { text-align: right; font-family: monospace; }
tr.bad td.z { background: #fdd; } tr.ok td.z { background: #dfd; }
figure { display: inline-block; margin: 0.6em; vertical-align: top; max-width: 100%; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; }
code { font-size: 0.92em; word-break: break-all; } .note { color: #833; font-size: 0.9em; }
"""


def _num(v, digits=6):
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v) and abs(v) < 1e12:
        return "%d" % int(v)
    return "%.*g" % (digits, v)


def _row_html(row):
    esc = html.escape
    meas = _num(row["measured"]) + (" &plusmn; %s" % _num(row["stderr"], 3) if row["stderr"] else "")
    ref = ""
    if row["reference"] is not None:
        ref = _num(row["reference"]) + (" &plusmn; %s" % _num(row["reference_stderr"], 3)
                                         if row["reference_stderr"] else "")
    z = row["z"]
    cls = ""
    if row["kind"] == "bound" and z is not None:
        cls = "ok" if z <= 3 else "bad"
    elif row["kind"] != "chi2" and z is not None:
        cls = "ok" if abs(z) <= 3 else "bad"
    elif row["status"] == "exact":
        cls = "ok"
    elif row["kind"] == "count" and row["reference"] is not None:
        cls = "bad"
    return ("<tr class='%s'><td>%s</td><td>%s</td><td>%s</td><td class='num'>%s</td><td class='num'>%s</td>"
            "<td class='num z'>%s</td><td>%s</td></tr>" % (cls, esc(row["file"]), esc(row["quantity"]),
                                                          esc(row["equation"]), meas, ref, esc(row["status"]),
                                                          esc(row["note"])))


def render(data, base_dir):
    esc = html.escape
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           "<title>nnsim reproduction report</title><style>%s</style></head><body>" % CSS,
           "<h1>nnsim reproduction report</h1>",
           "<p>Results in <code>%s</code>, report made %s: %d usable file(s), %d figure(s), %d number(s) "
           "compared; %d file(s) could not be used.</p>" % (esc(data["folder"]), esc(data["created"]),
                                                            len(data["files"]), len(data["figures"]),
                                                            len(data["rows"]), len(data["unusable"])),
           "<p>Contents: <a href='#numbers'>numbers against the book</a> &middot; <a href='#provenance'>"
           "provenance</a> &middot; <a href='#unusable'>files not used</a> &middot; <a href='#figures'>"
           "figures</a></p>",
           "<h2 id='numbers'>Measured numbers and the book's values</h2>",
           "<p>Deviation z = (measured &minus; reference) / sqrt(s.e.<sup>2</sup> + s.e.<sub>ref</sub><sup>2</sup>) "
           "in standard errors (green |z| &le; 3, red above); equation numbers are the book's (B. Mehlig, "
           "<i>Machine learning with neural networks</i>). Finite-size simulations may deviate "
           "systematically from the N &rarr; &infin; theory; rows marked chi<sup>2</sup> compare all points "
           "of a file at once.</p>",
           "<table id='numbers-table'><thead><tr><th>file</th><th>quantity</th><th>book</th><th>measured</th>"
           "<th>reference</th><th>z</th><th>note</th></tr></thead><tbody>"]
    out += [_row_html(r) for r in data["rows"]]
    out.append("</tbody></table>")
    out.append("<h2 id='provenance'>Provenance</h2><table id='provenance-table'><thead><tr><th>file</th>%s"
               "<th>notes</th></tr></thead><tbody>" % "".join("<th>%s</th>" % k for k in PROVENANCE))
    for f in data["files"]:
        cells = []
        for k in PROVENANCE:
            v = f["provenance"].get(k)
            cells.append("<td>%s</td>" % ("<code>%s</code>" % esc(str(v)) if v is not None
                                          else "<span class='note'>missing</span>"))
        out.append("<tr><td>%s</td>%s<td class='note'>%s</td></tr>" % (esc(f["file"]), "".join(cells),
                                                                        "<br>".join(esc(n) for n in f["notes"])))
    out.append("</tbody></table>")
    out.append("<h2 id='unusable'>Files not used</h2>")
    if data["unusable"]:
        out.append("<table id='unusable-table'><thead><tr><th>file</th><th>reason</th></tr></thead><tbody>")
        out += ["<tr><td>%s</td><td>%s</td></tr>" % (esc(u["file"]), esc(u["reason"])) for u in data["unusable"]]
        out.append("</tbody></table>")
    else:
        out.append("<p>none</p>")
    out.append("<h2 id='figures'>Figures</h2>")
    for fig in data["figures"]:
        path = os.path.join(base_dir, fig["path"])
        with open(path, "rb") as fh:
            b64 = base64.b64encode(fh.read()).decode("ascii")
        out.append("<figure><img alt='%s' src='data:image/png;base64,%s'><figcaption>%s<br><code>%s</code> "
                   "(<a href='%s'>PNG</a>)</figcaption></figure>"
                   % (esc(fig["caption"]), b64, esc(fig["caption"]), esc(fig["file"]), esc(fig["path"])))
    out.append("</body></html>\n")
    return "\n".join(out)
