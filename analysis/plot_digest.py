#!/usr/bin/python3
"""Plots simulated annealing for the double-digest problem (restriction mapping; B. Mehlig,
"Machine learning with neural networks", section 4.3): energy traces of single runs, the
distribution of the time to the first solution, and the restriction maps found.

Input: the HDF5 file written by `nnsim-digest` (one point per instance, /points/name; per-run
values /results/<obs>/samples [points, samples]; variable-length records /results/<rec>/values
with /results/<rec>/offsets, the rows of task t = point * samples + sample being
values[offsets[t]:offsets[t+1]]; per-instance summaries /instances/<name>/).

  /usr/bin/python3 analysis/plot_digest.py RUN.h5 [MORE.h5 ...] [-o PREFIX] [--instance NAMES]
                                           [--runs K] [--log-steps] [--maps M]

Three figures, one PNG each (PREFIX defaults to RUN.h5 without ".h5"):

  PREFIX-digest-energy.png  The energy H (4.15) of the first K runs (samples; --runs, default 4)
      of every instance against the Metropolis step, from the record /results/trace (step,
      energy every trace-every steps), one panel per instance, ending at the run's final state
      (/results/steps, /results/final_energy): the idea of the book's Fig. 4.1. The energy
      axis is logarithmic; H = 0 (|H| < 1e-6: the smallest non-zero H of integer lengths is
      >= 1/L) is drawn on a dashed floor line a decade below the lowest positive energy, its
      tick labelled "H = 0". A star marks where a run first
      reached H = 0 (/results/steps_to_solution of the solved runs; the legend gives the step):
      with a coarse trace the first solution often lies between two trace points. The step
      axis is linear; --log-steps makes it logarithmic above step 1 and linear below (symlog),
      which separates early solutions (tens of steps for the small instances) from step 0.
      Skipped (a note on stderr, no file) when the file holds no trace rows (--trace-every 0).
  PREFIX-digest-tts.png     The time-to-solution distribution of every instance: the empirical
      CDF of /results/steps_to_solution over the solved runs, as a fraction of all runs, so
      the curve ends at the success rate, not at 1, when some runs were censored (no solution
      within the budget; a cross at the budget, a dotted line at the step budget). The legend
      gives solved / runs (the success rate) and the median steps of the solved runs. With
      several files, one curve per (file, instance): colour by instance, line style by file
      (e.g. one file per cooling schedule); the other two figures use the first file.
  PREFIX-digest-maps.png    The distinct restriction maps found (/instances/<name>/a_cuts,
      b_cuts) as cut diagrams, one panel per instance: one horizontal line [0, L] per map with
      the A cuts as ticks above it and the B cuts below it, in two colours; at most M maps per
      instance (--maps, default 24), then a note how many more. A map and its mirror image
      (x -> L - x) are drawn next to each other, labelled k and k'; the number on the right is
      /instances/<name>/runs_meeting (how many runs met the map). Maps of the exact enumeration
      (--exact) that no run found follow, pale on a dashed line, labelled "k missing". The panel title gives
      the counts: distinct maps, maps up to mirror, ordered pairs (sigma, mu), the exact ones
      when present and found_all.

--instance NAMES (comma-separated) restricts all three figures to those instances.

The paths of the written PNGs are printed, one per line. A missing or invalid input file (not
an nnsim-digest file, i.e. root attribute program != "nnsim-digest", or a dataset missing or of
the wrong shape) gives exit code 2 and a message on stderr, and no figure is written.
"""

import argparse
import math
import os
import sys

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import h5py  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nnsim_h5  # noqa: E402

PROGRAM = "nnsim-digest"
SUFFIXES = {"energy": "-digest-energy.png", "tts": "-digest-tts.png", "maps": "-digest-maps.png"}
# |H| below this is a solution: H (4.15) of integer fragment lengths is either 0 (up to rounding,
# ~1e-11 in the files) or at least 1/L.
ZERO_ENERGY = 1e-6
FILE_STYLES = ("-", "--", ":", "-.")
A_COLOUR, B_COLOUR, MISSING_COLOUR = "tab:blue", "tab:red", "0.6"


def default_outputs(path, prefix=None):
    """The three output paths: PREFIX + suffix, PREFIX defaulting to `path` without ".h5"."""
    if prefix is None:
        return {k: nnsim_h5.default_output(path, s) for k, s in SUFFIXES.items()}
    return {k: prefix + s for k, s in SUFFIXES.items()}


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a positive integer, got '%s'" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer, got %d" % value)
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Plot energy traces, the time-to-solution distribution and the restriction "
                    "maps found from nnsim-digest HDF5 files (three PNGs).")
    parser.add_argument("files", metavar="FILE", nargs="+",
                        help="HDF5 file(s) from nnsim-digest; several files add curves to the "
                             "time-to-solution figure (the other figures use the first)")
    parser.add_argument("-o", "--output", metavar="PREFIX",
                        help="output prefix; writes PREFIX%s, PREFIX%s and PREFIX%s "
                             "(default: the first FILE without .h5)" % tuple(SUFFIXES.values()))
    parser.add_argument("--instance", metavar="NAMES",
                        help="comma-separated instance names to plot (default: all)")
    parser.add_argument("--runs", metavar="K", type=_positive_int, default=4,
                        help="runs (samples) per instance in the energy figure (default 4)")
    parser.add_argument("--log-steps", action="store_true",
                        help="energy figure: logarithmic step axis (symlog: linear below 1)")
    parser.add_argument("--maps", metavar="M", type=_positive_int, default=24,
                        help="maps drawn per instance in the maps figure (default 24)")
    return parser.parse_args(argv)


def note(path, text):
    sys.stderr.write("note: %s: %s\n" % (path, text))


def _strings(values):
    return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
            for v in np.asarray(values).reshape(-1).tolist()]


def _per_run(f, name, shape):
    """/results/<name>/samples as floats of shape [points, samples]; SystemExit otherwise."""
    key = "/results/%s/samples" % name
    value = np.asarray(nnsim_h5.require_dataset(f, key)[()], dtype=float)
    if value.shape != shape:
        raise SystemExit("error: %s: dataset '%s' has shape %s, expected %s"
                         % (f.filename, key, list(value.shape), list(shape)))
    return value


def _record(f, name, n_tasks):
    """(values [rows, width], offsets [tasks + 1]) of the record /results/<name>."""
    base = "/results/%s/" % name
    values = np.asarray(nnsim_h5.require_dataset(f, base + "values")[()], dtype=float)
    offsets = np.asarray(nnsim_h5.require_dataset(f, base + "offsets")[()]).astype(np.int64)
    if values.ndim != 2:
        raise SystemExit("error: %s: dataset '%svalues' has shape %s, expected [rows, width]"
                         % (f.filename, base, list(values.shape)))
    if (offsets.shape != (n_tasks + 1,) or offsets[0] != 0 or np.any(np.diff(offsets) < 0)
            or offsets[-1] != values.shape[0]):
        raise SystemExit("error: %s: dataset '%soffsets' (shape %s) does not index the %d rows "
                         "of %d tasks" % (f.filename, base, list(offsets.shape), values.shape[0],
                                          n_tasks))
    return values, offsets


def _scalar(group, key, default=math.nan):
    if key not in group:
        return default
    value = np.asarray(group[key][()])
    return value.reshape(-1)[0].item() if value.size == 1 else default


def _cuts(f, group, key):
    """The cut table /instances/<name>/<key> [maps, cuts] as an int array (None if absent)."""
    if key not in group:
        return None
    value = np.asarray(group[key][()])
    if value.ndim != 2:
        raise SystemExit("error: %s: dataset '%s/%s' has shape %s, expected [maps, cuts]"
                         % (f.filename, group.name, key, list(value.shape)))
    return value.astype(np.int64)


def _load_instance(f, name):
    group = f.get("/instances/" + name)
    if not isinstance(group, h5py.Group):
        raise SystemExit("error: %s: missing group '/instances/%s'" % (f.filename, name))
    inst = {key: _scalar(group, key) for key in (
        "distinct_maps", "distinct_maps_up_to_mirror", "ordered_pairs", "runs", "solved_runs",
        "success_rate", "found_all", "missing_maps", "exact_distinct_maps",
        "exact_distinct_maps_up_to_mirror", "exact_ordered_pairs", "exact_complete",
        "seconds_per_solution")}
    for key in ("a_cuts", "b_cuts", "exact_a_cuts", "exact_b_cuts"):
        inst[key] = _cuts(f, group, key)
    for a, b in (("a_cuts", "b_cuts"), ("exact_a_cuts", "exact_b_cuts")):
        if (inst[a] is None) != (inst[b] is None) or (
                inst[a] is not None and inst[a].shape[0] != inst[b].shape[0]):
            raise SystemExit("error: %s: '%s/%s' and '%s' do not describe the same maps"
                             % (f.filename, group.name, a, b))
    if inst["a_cuts"] is None:
        raise SystemExit("error: %s: missing dataset '%s/a_cuts'" % (f.filename, group.name))
    meeting = np.asarray(group["runs_meeting"][()]) if "runs_meeting" in group else None
    if meeting is not None and meeting.shape != (inst["a_cuts"].shape[0],):
        raise SystemExit("error: %s: dataset '%s/runs_meeting' has shape %s, expected [%d]"
                         % (f.filename, group.name, list(meeting.shape), inst["a_cuts"].shape[0]))
    inst["runs_meeting"] = meeting
    return inst


def load(path):
    """Everything the figures need from one file; SystemExit(message) on a missing or invalid
    file."""
    with nnsim_h5.open_file(path) as f:
        attrs = nnsim_h5.root_attributes(f)
        program = attrs.get("program")
        if program != PROGRAM:
            raise SystemExit("error: %s: not an nnsim-digest file (program = %s)"
                             % (path, "'%s'" % program if program is not None else "absent"))
        points = nnsim_h5.load_points(f)
        nnsim_h5.require_points(path, points, ("name", "L"))
        names = _strings(points["name"])
        n_points = len(names)
        if n_points == 0:
            raise SystemExit("error: %s: the file holds no instances" % path)
        solved_ds = nnsim_h5.require_dataset(f, "/results/solved/samples")
        if solved_ds.ndim != 2 or solved_ds.shape[0] != n_points:
            raise SystemExit("error: %s: dataset '/results/solved/samples' has shape %s, expected "
                             "[%d, samples]" % (path, list(solved_ds.shape), n_points))
        n_samples = solved_ds.shape[1]
        if "samples" in attrs and int(attrs["samples"]) != n_samples:
            raise SystemExit("error: %s: root attribute samples = %s, but the per-run datasets "
                             "hold %d samples" % (path, attrs["samples"], n_samples))
        shape = (n_points, n_samples)
        runs = {"solved": _per_run(f, "solved", shape) > 0.5,
                "steps_to_solution": _per_run(f, "steps_to_solution", shape)}
        for name in ("steps", "final_energy", "best_energy"):
            runs[name] = _per_run(f, name, shape) if ("/results/%s/samples" % name) in f else None
        trace = _record(f, "trace", n_points * n_samples) if "/results/trace" in f else None
        instances = {name: _load_instance(f, name) for name in names}
        # Configurations (--energy, --replicas, --schedule, --move-mix lists): point = instance *
        # C + c; the label of c is /instances/<name>/by_configuration/label[c].
        configs = [None] * n_points
        if "configuration" in points:
            index = np.asarray(points["configuration"], dtype=int)
            for p, name in enumerate(names):
                labels = f.get("/instances/%s/by_configuration/label" % name)
                if labels is not None and index[p] < labels.shape[0]:
                    configs[p] = (int(index[p]), _strings(labels[()])[index[p]])
    budget = attrs.get("steps")
    return {"path": path, "attrs": attrs, "names": names, "L": np.asarray(points["L"], dtype=float),
            "samples": n_samples, "first_sample": int(attrs.get("first-sample", 0) or 0),
            "runs": runs, "trace": trace, "instances": instances, "configs": configs,
            "n_configs": len({c[0] for c in configs if c is not None}) or 1,
            "budget": float(budget) if isinstance(budget, (int, float)) else math.nan}


def select_instances(data, wanted):
    """The point indices of the instances named in `wanted` (comma-separated; None = all), in
    that order; SystemExit naming the unknown ones."""
    if not wanted:
        return list(range(len(data["names"])))
    chosen = [w.strip() for w in wanted.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in data["names"]]
    if unknown or not chosen:
        raise SystemExit("error: %s: no instance %s (the file has %s)"
                         % (data["path"], ", ".join("'%s'" % u for u in unknown) or "given",
                            ", ".join(data["names"])))
    # every point of each instance (one per configuration), instances in the order asked for
    return [p for w in chosen for p, n in enumerate(data["names"]) if n == w]


def first_per_instance(data, points):
    """The first point of each instance among `points` (configuration 0 of a grid run)."""
    seen, out = set(), []
    for p in points:
        if data["names"][p] not in seen:
            seen.add(data["names"][p])
            out.append(p)
    return out


def is_zero(energy):
    return np.abs(energy) < ZERO_ENERGY


def _run_label(data, sample):
    return "run %d" % (data["first_sample"] + sample)


def _steps_text(steps):
    return "%.3g" % steps if steps >= 1e4 else "%d" % int(round(steps))


# -- Figure 1: energy traces ------------------------------------------------------------------


def zero_floor_formatter(floor):
    """Log-axis tick labels with the tick at `floor` (where H = 0 is drawn) labelled "H = 0"."""
    log_format = matplotlib.ticker.LogFormatterSciNotation()

    def label(value, pos=None):
        if math.isclose(value, floor, rel_tol=1e-9):
            return "H = 0"
        return log_format(value, pos)
    return matplotlib.ticker.FuncFormatter(label)


def run_curve(data, point, sample):
    """(steps, energies) of one run: its trace rows, then its final state if that comes later."""
    values, offsets = data["trace"]
    t = point * data["samples"] + sample
    rows = values[offsets[t]:offsets[t + 1]]
    steps, energy = rows[:, 0].copy(), rows[:, 1].copy()
    runs = data["runs"]
    if runs["steps"] is not None and runs["final_energy"] is not None:
        end, final = runs["steps"][point, sample], runs["final_energy"][point, sample]
        if math.isfinite(end) and math.isfinite(final) and (steps.size == 0 or end > steps[-1]):
            steps, energy = np.append(steps, end), np.append(energy, final)
    return steps, energy


def plot_energy(data, points, n_runs, output, log_steps=False):
    values, _ = data["trace"]
    if values.shape[0] == 0 or values.shape[1] < 2:
        note(data["path"], "no energy trace in /results/trace (run with --trace-every > 0); the "
                           "energy figure is skipped")
        return None
    n_runs = min(n_runs, data["samples"])
    curves = {(p, s): run_curve(data, p, s) for p in points for s in range(n_runs)}
    energies = np.concatenate([e for _, e in curves.values()] + [np.array([])])
    positive = energies[np.isfinite(energies) & ~is_zero(energies)]
    log = positive.size > 0
    floor = 10.0 ** (math.floor(math.log10(positive.min())) - 1) if log else 0.0

    fig, axes = plt.subplots(len(points), 1, figsize=(11, 0.6 + 3.2 * len(points)), squeeze=False)
    colours = plt.get_cmap("tab10")
    runs = data["runs"]
    for ax, p in zip(axes[:, 0], points):
        for s in range(n_runs):
            steps, energy = curves[(p, s)]
            drawn = np.where(is_zero(energy), floor, energy)
            solved = runs["solved"][p, s]
            if solved:
                label = "%s: H = 0 at step %s" % (_run_label(data, s),
                                                  _steps_text(runs["steps_to_solution"][p, s]))
            else:
                best = runs["best_energy"][p, s] if runs["best_energy"] is not None else math.nan
                label = "%s: not solved (lowest H = %.3g)" % (_run_label(data, s), best)
            ax.plot(steps, drawn, "-", lw=1.1, marker="o", ms=2.5, color=colours(s % 10),
                    alpha=0.85, label=label, zorder=2)
            if solved:
                ax.plot([runs["steps_to_solution"][p, s]], [floor], "*", ms=13, mec="black",
                        mew=0.7, color=colours(s % 10), zorder=4)
        if log_steps:
            ax.set_xscale("symlog", linthresh=1.0, linscale=0.4)
        ax.set_xlim(left=0)
        if log:
            ax.set_yscale("log")
            ax.axhline(floor, ls="--", lw=0.8, color="0.4", zorder=1)
            ax.yaxis.set_major_formatter(zero_floor_formatter(floor))
            ax.set_ylim(bottom=floor / 2.5)
        ax.set_xlabel("Metropolis step")
        ax.set_ylabel("energy H (4.15)")
        ax.set_title("%s (L = %d)" % (data["names"][p], data["L"][p]), fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        handles, _ = ax.get_legend_handles_labels()
        handles.append(Line2D([], [], ls="none", marker="*", ms=11, mec="black", color="0.75",
                              label="first H = 0"))
        ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0)
    fig.suptitle("Annealing energy of single runs (nnsim-digest, %s schedule, seed = %s, trace "
                 "every %s steps)" % (data["attrs"].get("schedule", "?"),
                                      data["attrs"].get("seed", "?"),
                                      data["attrs"].get("trace-every", "?")), fontsize=10)
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


# -- Figure 2: time to solution ----------------------------------------------------------------


def solved_fraction(steps_to_solution, solved):
    """(x, y) of the empirical CDF of the first-solution steps of the solved runs, as a fraction
    of all runs (ending at the success rate), ready for a "post" step plot from x = 0."""
    n = solved.size
    steps = np.sort(steps_to_solution[solved & np.isfinite(steps_to_solution)])
    x = np.concatenate(([0.0], steps))
    y = np.arange(steps.size + 1) / float(n) if n else np.zeros(1)
    return x, y


def plot_tts(datasets, selections, output):
    fig, ax = plt.subplots(figsize=(8, 5.2))
    names = []
    for data, points in zip(datasets, selections):
        for p in points:
            if data["names"][p] not in names:
                names.append(data["names"][p])
    colours = {n: plt.get_cmap("tab10")(k % 10) for k, n in enumerate(names)}
    several = len(datasets) > 1
    budgets = set()
    x_max, censored = 1.0, False
    for k, (data, points) in enumerate(zip(datasets, selections)):
        style = FILE_STYLES[k % len(FILE_STYLES)]
        runs = data["runs"]
        by_config = data["n_configs"] > 1
        for p in points:
            name = data["names"][p]
            solved = runs["solved"][p]
            config = data["configs"][p]
            colour, ls = colours[name], style
            if by_config and config is not None:  # colour = configuration, line style = instance
                colour = plt.get_cmap("tab10")(config[0] % 10)
                ls = FILE_STYLES[names.index(name) % len(FILE_STYLES)]
            x, y = solved_fraction(runs["steps_to_solution"][p], solved)
            budget = data["budget"]  # root attribute steps; a run stops at its first
            if not math.isfinite(budget) and runs["steps"] is not None:  # solution unless
                budget = float(np.nanmax(runs["steps"][p]))  # --continue-after-solution
            end = budget if math.isfinite(budget) else max(x[-1], 1.0)
            budgets.add(end)
            x_max = max(x_max, end)
            n_solved, n_runs = int(solved.sum()), solved.size
            median = np.median(runs["steps_to_solution"][p][solved]) if n_solved else math.nan
            label = "%s%s%s: %d/%d solved (%.0f%%)%s" % (
                os.path.basename(data["path"]) + " " if several else "", name,
                " [%s]" % config[1] if by_config and config is not None else "", n_solved, n_runs,
                100.0 * n_solved / n_runs, ", median %s steps" % _steps_text(median)
                if n_solved else "")
            ax.step(np.append(x, end), np.append(y, y[-1]), where="post", ls=ls, lw=1.6,
                    color=colour, label=label)
            if n_solved < n_runs:  # censored runs: no solution within the budget
                ax.plot([end], [y[-1]], "x", ms=9, mew=2, color=colour)
                censored = True
    for b in sorted(budgets):
        ax.axvline(b, ls=":", lw=0.9, color="0.45")
    ax.set_xscale("log")
    ax.set_xlim(1, x_max * 1.6)
    ax.set_ylim(-0.02, 1.05)
    ax.axhline(1.0, lw=0.6, color="0.7")
    ax.set_xlabel("Metropolis steps to the first solution (H = 0)")
    ax.set_ylabel("fraction of runs solved")
    ax.grid(True, which="major", alpha=0.3)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls=":", marker="x" if censored else None, color="0.45",
                          label="step budget" + ("; x: runs without a solution (censored)"
                                                 if censored else "")))
    if len(handles) <= 12:
        ax.legend(handles=handles, fontsize=8, loc="upper left", framealpha=0.9)
    else:  # a grid of configurations: the legend beside the axes
        fig.set_size_inches(8 + 5.5, 5.2)
        ax.legend(handles=handles, fontsize=6, loc="upper left", bbox_to_anchor=(1.01, 1.0), framealpha=0.9)
    first = datasets[0]
    ax.set_title("Time to solution (nnsim-digest, %s schedule, seed = %s, %d run(s) per instance)"
                 % (first["attrs"].get("schedule", "?"), first["attrs"].get("seed", "?"),
                    first["samples"]) if not several else
                 "Time to solution (nnsim-digest, %d files)" % len(datasets), fontsize=10)
    fig.tight_layout()
    return nnsim_h5.save_figure(fig, output)


# -- Figure 3: restriction maps -----------------------------------------------------------------


def _map_key(a, b):
    return tuple(int(v) for v in a), tuple(int(v) for v in b)


def mirror(a, b, length):
    """The mirror image x -> L - x of the map with cuts a, b (cuts in increasing order)."""
    return np.sort(length - np.asarray(a)), np.sort(length - np.asarray(b))


def map_rows(inst, length):
    """The maps of one instance in drawing order: a list of dicts (a, b, label, meeting, found),
    found maps first with each mirror pair together (k, k'; a mirror-symmetric map has no k'),
    then the maps of the exact enumeration that no run found (numbered on, "k missing")."""
    def pairs(a_cuts, b_cuts, meeting, found, number=0):
        keys = {}
        for i in range(a_cuts.shape[0]):
            keys[_map_key(a_cuts[i], b_cuts[i])] = i
        order = sorted(keys, key=lambda k: (min(k, _map_key(*mirror(k[0], k[1], length))), k))
        rows, done = [], set()
        for key in order:
            if key in done:
                continue
            number += 1
            other = _map_key(*mirror(key[0], key[1], length))
            group = [key] + ([other] if other in keys and other != key else [])
            for j, k in enumerate(group):
                done.add(k)
                i = keys[k]
                rows.append({"a": np.asarray(k[0]), "b": np.asarray(k[1]),
                             "label": "%d%s%s" % (number, "'" if j else "",
                                                  "" if found else " missing"), "found": found,
                             "meeting": int(meeting[i]) if meeting is not None else None})
        return rows
    rows = pairs(inst["a_cuts"], inst["b_cuts"], inst["runs_meeting"], True)
    if inst["exact_a_cuts"] is not None:
        found = {_map_key(r["a"], r["b"]) for r in rows}
        keep = [i for i in range(inst["exact_a_cuts"].shape[0])
                if _map_key(inst["exact_a_cuts"][i], inst["exact_b_cuts"][i]) not in found]
        numbers = [int(r["label"].rstrip("'")) for r in rows]
        rows += pairs(inst["exact_a_cuts"][keep], inst["exact_b_cuts"][keep], None, False,
                      max(numbers, default=0))
    return rows


def _count(value):
    return "%d" % value if isinstance(value, (int, float)) and math.isfinite(value) else "?"


def maps_title(name, length, inst):
    line1 = ("%s (L = %d): %s distinct maps found, %s up to mirror, %s ordered pairs (sigma, mu); "
             "%s of %s runs solved" % (name, length, _count(inst["distinct_maps"]),
                                       _count(inst["distinct_maps_up_to_mirror"]),
                                       _count(inst["ordered_pairs"]), _count(inst["solved_runs"]),
                                       _count(inst["runs"])))
    if inst["exact_a_cuts"] is None and not math.isfinite(inst["exact_distinct_maps"]):
        return line1 + "\n(no exact enumeration in the file: run with --exact)"
    found_all = inst["found_all"]
    line2 = ("exact enumeration%s: %s maps, %s up to mirror, %s ordered pairs; found all: %s"
             % ("" if inst["exact_complete"] != 0 else " (incomplete)",
                _count(inst["exact_distinct_maps"]), _count(inst["exact_distinct_maps_up_to_mirror"]),
                _count(inst["exact_ordered_pairs"]),
                "yes" if found_all == 1 else ("no (%s missing)" % _count(inst["missing_maps"])
                                              if found_all == 0 else "?")))
    return line1 + "\n" + line2


def plot_maps(data, points, max_maps, output):
    panels = []
    for p in points:
        name = data["names"][p]
        rows = map_rows(data["instances"][name], data["L"][p])
        panels.append((p, name, rows, rows[:max_maps]))
    heights = [max(len(shown), 1) * 0.24 + 1.1 for _, _, _, shown in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, sum(heights) + 0.4), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (p, name, rows, shown) in zip(axes[:, 0], panels):
        length = data["L"][p]
        inst = data["instances"][name]
        n = len(shown)
        for i, r in enumerate(shown):
            y = n - 1 - i  # first map on top
            grey = not r["found"]
            ax.plot([0, length], [y, y], lw=1.0, color=MISSING_COLOUR if grey else "0.2",
                    ls="--" if grey else "-", zorder=1)
            ax.vlines(r["a"], y, y + 0.36, color=A_COLOUR, alpha=0.4 if grey else 1.0, lw=2.0,
                      zorder=2)
            ax.vlines(r["b"], y - 0.36, y, color=B_COLOUR, alpha=0.4 if grey else 1.0, lw=2.0,
                      zorder=2)
            ax.text(-0.01 * length, y, r["label"], ha="right", va="center", fontsize=7.5,
                    color="0.5" if grey else "black")
            if r["meeting"] is not None:
                ax.text(1.01 * length, y, "%d" % r["meeting"], ha="left", va="center",
                        fontsize=7.5, color="0.25")
        if any(r["meeting"] is not None for r in shown):
            ax.text(1.01 * length, n - 0.35, "runs", ha="left", va="bottom", fontsize=7,
                    color="0.4")
        if n == 0:
            ax.text(0.5, 0.5, "no solution found by any run", transform=ax.transAxes,
                    ha="center", va="center", fontsize=10, color="0.4")
        more = len(rows) - n
        if more > 0:
            ax.text(0.5 * length, -0.95, "... and %d more map(s) not drawn (--maps %d)" % (more, n),
                    ha="center", va="center", fontsize=8, color="0.3")
        ax.set_xlim(-0.05 * length, 1.06 * length)
        ax.set_ylim(-1.4 if more > 0 else -0.7, max(n, 1) - 0.3)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("position (0 .. L)", fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(maps_title(name, length, inst), fontsize=8.5)
    handles = [Line2D([], [], color=A_COLOUR, lw=2, label="A cuts (above)"),
               Line2D([], [], color=B_COLOUR, lw=2, label="B cuts (below)"),
               Line2D([], [], ls="none", label="k, k': a map and its mirror image; "
                                               "right: runs that met it")]
    if any(not r["found"] for _, _, _, shown in panels for r in shown):
        handles.insert(2, Line2D([], [], color=MISSING_COLOUR, lw=1.5, ls="--",
                                 label="exact map no run found"))
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=7.5, frameon=False,
               handlelength=1.6, columnspacing=1.2,
               bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / (sum(heights) + 0.4)))
    return nnsim_h5.save_figure(fig, output)


# -- Driver -------------------------------------------------------------------------------------


def plot(paths, prefix=None, instance=None, n_runs=4, max_maps=24, log_steps=False):
    # every file is checked before the first figure: a bad file writes nothing
    datasets = [load(path) for path in paths]
    selections = []
    for data in datasets:
        if instance and len(datasets) > 1:
            # other files may hold only some of the instances
            wanted = [w for w in instance.split(",") if w.strip() in data["names"]]
            selections.append(select_instances(data, ",".join(wanted)) if wanted else [])
        else:
            selections.append(select_instances(data, instance))
    if not any(selections):
        raise SystemExit("error: %s: no instance %s in any file" % (paths[0], instance))
    first, points = datasets[0], first_per_instance(datasets[0], selections[0])
    outputs = default_outputs(paths[0], prefix)
    written = [plot_energy(first, points, n_runs, outputs["energy"], log_steps) if points and
               first["trace"] is not None else None,
               plot_tts(datasets, selections, outputs["tts"]),
               plot_maps(first, points, max_maps, outputs["maps"]) if points else None]
    if first["trace"] is None:
        note(paths[0], "no /results/trace record; the energy figure is skipped")
    return "\n".join(w for w in written if w is not None)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return nnsim_h5.run_plot("plot_digest.py", lambda: plot(args.files, args.output, args.instance,
                                                            args.runs, args.maps,
                                                            args.log_steps))


if __name__ == "__main__":
    sys.exit(main())
