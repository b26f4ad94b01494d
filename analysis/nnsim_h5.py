#!/usr/bin/python3
"""Reading nnsim HDF5 result files.

Every nnsim driver writes one HDF5 file per run:

  /            root attributes: program, experiment, version, git_commit, command_line,
               parameters_json, seed, mpi_ranks, omp_threads, start_time, end_time, host
  /points/*    one 1-D dataset per swept parameter (all of length P, the number of points)
  /results/<observable>/{mean,stderr,count,samples}
  /theory/<name>   theory values at the points (optional)

This module loads those pieces into numpy arrays and can summarise a file:

  /usr/bin/python3 analysis/nnsim_h5.py RUN.h5      # "what's in this file"

It also turns a file into a table or a labelled array in one line (pandas and xarray are
imported only by these functions; Debian: python3-pandas, python3-xarray):

  df = nnsim_h5.to_dataframe("RUN.h5")             # one row per point
  ds = nnsim_h5.to_xarray("RUN.h5")                # dimension "point" (and "sample")
  grid = nnsim_h5.to_xarray("RUN.h5", grid=True)   # dimensions N, alpha[, noise]

A missing dataset raises SystemExit with a message naming the file and the dataset, so
scripts built on this module fail with a clear message instead of a KeyError traceback.
"""

import json
import os
import sys

import h5py
import numpy as np

__all__ = [
    "open_file",
    "require_dataset",
    "read_attrs",
    "load_points",
    "load_observable",
    "load_theory",
    "root_attributes",
    "parameters",
    "describe",
    "require_points",
    "check_point_arrays",
    "realised_load",
    "samples_per_point",
    "warn_unexpected_experiment",
    "default_output",
    "add_output_option",
    "positive_values",
    "finish_error_plot",
    "save_figure",
    "run_plot",
    "normalise_units",
    "axis_label",
    "grid_axes",
    "to_dataframe",
    "series_to_dataframe",
    "to_xarray",
]


def _file_name(f):
    """The file name of an open h5py object (for messages)."""
    try:
        return f.file.filename
    except Exception:  # pragma: no cover - closed file or odd object
        return "<unknown file>"


def _decode(value):
    """Turns HDF5 attribute values into plain Python / numpy values (bytes -> str)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("S", "O"):
            out = [_decode(v) for v in value.tolist()]
            return out[0] if value.shape == () else out
        if value.shape == ():
            return value.item()
        if value.size == 1:
            return value.reshape(-1)[0].item()
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_attrs(obj):
    """The attributes of an HDF5 object as a dict of plain values.

    Attributes that h5py cannot read into Python values (e.g. the object references HDF5
    dimension scales keep in DIMENSION_LIST / REFERENCE_LIST) are reported as a short string.
    """
    out = {}
    for key in obj.attrs.keys():
        try:
            out[key] = _decode(obj.attrs[key])
        except Exception as exc:  # unreadable attribute types
            out[key] = "<unreadable attribute: %s>" % type(exc).__name__
    return out


def open_file(path):
    """Opens an nnsim HDF5 file read-only; SystemExit with a clear message on failure."""
    if not os.path.exists(path):
        raise SystemExit("error: %s: no such file" % path)
    if os.path.isdir(path):
        raise SystemExit("error: %s: is a directory, not an HDF5 file" % path)
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise SystemExit("error: %s: not a readable HDF5 file (%s)" % (path, exc))


def require_dataset(f, name):
    """The dataset `name` (an absolute or root-relative path) of file/group `f`.

    Raises SystemExit naming the file and the dataset if it is absent or not a dataset.
    """
    key = name if name.startswith("/") else "/" + name
    obj = f.get(key)
    if obj is None:
        raise SystemExit("error: %s: missing dataset '%s'" % (_file_name(f), key))
    if not isinstance(obj, h5py.Dataset):
        raise SystemExit("error: %s: '%s' is a %s, expected a dataset"
                         % (_file_name(f), key, type(obj).__name__))
    return obj


def _read(f, name):
    ds = require_dataset(f, name)
    try:
        return ds[()]
    except Exception as exc:
        raise SystemExit("error: %s: cannot read dataset '%s' (%s)" % (_file_name(f), ds.name, exc))


def load_points(f):
    """All datasets under /points as a dict name -> 1-D numpy array (all of one length)."""
    grp = f.get("/points")
    if grp is None or not isinstance(grp, h5py.Group):
        raise SystemExit("error: %s: missing group '/points'" % _file_name(f))
    points = {}
    for key in grp.keys():
        if isinstance(grp[key], h5py.Dataset):
            points[key] = np.asarray(_read(f, "/points/" + key))
    if not points:
        raise SystemExit("error: %s: group '/points' holds no datasets" % _file_name(f))
    lengths = {k: v.shape[0] if v.ndim else 1 for k, v in points.items()}
    if len(set(lengths.values())) != 1:
        raise SystemExit("error: %s: datasets under '/points' differ in length: %s"
                         % (_file_name(f), lengths))
    return points


def load_observable(f, name):
    """/results/<name>/{mean,stderr,count,samples} as a dict of numpy arrays.

    `mean`, `stderr` and `count` are required; `samples` is None if the file omits it.
    Time-series observables (e.g. overlap_trace) have `mean` and `stderr` of shape [P, T] and
    `samples` [P, S, T]; `count` is always [P].
    """
    base = "/results/%s/" % name
    out = {
        "mean": np.asarray(_read(f, base + "mean"), dtype=float),
        "stderr": np.asarray(_read(f, base + "stderr"), dtype=float),
        "count": np.asarray(_read(f, base + "count")),
    }
    out["samples"] = np.asarray(_read(f, base + "samples"), dtype=float) if (base + "samples") in f else None
    n = out["mean"].shape
    expected = {"stderr": n, "count": n[:1]}
    for key in ("stderr", "count"):
        if out[key].shape != expected[key]:
            raise SystemExit("error: %s: '%s%s' has shape %s, '%smean' has shape %s"
                             % (_file_name(f), base, key, out[key].shape, base, n))
    return out


def load_theory(f, name):
    """/theory/<name> as a numpy array, or None if the file has no such dataset."""
    key = "/theory/" + name
    if key not in f:
        return None
    return np.asarray(_read(f, key), dtype=float)


def root_attributes(f):
    """The root attributes of the file as a dict of plain values."""
    return read_attrs(f)


def parameters(f):
    """The root attribute parameters_json decoded into a dict ({} if absent or invalid)."""
    raw = read_attrs(f).get("parameters_json")
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _short(value, limit=200):
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SKIP_ATTRS = {"DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid"}


def describe(path):
    """A human-readable summary of an nnsim file: root attributes and every dataset with
    its shape, dtype, description, equation and units (an old spelling of a unit is followed
    by its value in the vocabulary of normalise_units, e.g. "dimensionless  (= 1)")."""
    lines = []
    with open_file(path) as f:
        lines.append("file: %s" % path)
        lines.append("root attributes:")
        attrs = read_attrs(f)
        width = max([len(k) for k in attrs] + [1])
        for key in sorted(attrs):
            if key == "parameters_json":
                continue
            lines.append("  %-*s = %s" % (width, key, _short(attrs[key])))
        if "parameters_json" in attrs:
            params = parameters(f)
            if params:
                lines.append("  parameters_json:")
                pw = max(len(k) for k in params)
                for key in sorted(params):
                    lines.append("    %-*s = %s" % (pw, key, _short(json.dumps(params[key]))))
            else:
                lines.append("  %-*s = %s" % (width, "parameters_json", _short(attrs["parameters_json"])))

        lines.append("datasets:")
        datasets = []
        f.visititems(lambda name, obj: datasets.append(obj) if isinstance(obj, h5py.Dataset) else None)
        for ds in datasets:
            shape = "[" + ", ".join(str(d) for d in ds.shape) + "]" if ds.shape else "scalar"
            lines.append("  %s  %s %s" % (ds.name, shape, ds.dtype))
            dattrs = read_attrs(ds)
            for key in ("description", "equation", "units"):
                if key in dattrs and dattrs[key] != "":
                    value = _short(dattrs[key])
                    if key == "units" and normalise_units(dattrs[key]) != dattrs[key]:
                        value += "  (= %s)" % normalise_units(dattrs[key])  # old spelling
                    lines.append("      %-12s %s" % (key + ":", value))
            for key in sorted(dattrs):
                if key in ("description", "equation", "units") or key in _SKIP_ATTRS:
                    continue
                lines.append("      %-12s %s" % (key + ":", _short(dattrs[key])))
    return "\n".join(lines)


# -- Shared by the plot scripts (analysis/plot_*.py) ------------------------------------------


def require_points(path, points, keys, what=""):
    """SystemExit naming the first of `keys` missing from `points` (as '/points/<key>'),
    followed by `what` (e.g. a note on the file's experiment)."""
    for key in keys:
        if key not in points:
            raise SystemExit("error: %s: missing dataset '/points/%s'%s" % (path, key, what))


def check_point_arrays(path, arrays, n_points):
    """SystemExit unless every array of the dict name -> array `arrays` is 1-D of length
    `n_points` (one value per point, like /points/alpha)."""
    for name, arr in arrays.items():
        if arr.ndim != 1 or arr.shape[0] != n_points:
            raise SystemExit("error: %s: dataset '%s' has shape %s, expected [%d] like /points/alpha"
                             % (path, name, list(arr.shape), n_points))


def realised_load(points):
    """The load p/N per point as floats (the simulation stores p = round(alpha N) patterns, and
    the file's theory is evaluated there), or /points/alpha if the file has no /points/p."""
    if "p" in points:
        return np.asarray(points["p"], dtype=float) / np.asarray(points["N"], dtype=float)
    return np.asarray(points["alpha"], dtype=float)


def samples_per_point(count):
    """'K samples per point', 'K1-K2 samples per point' or 'no samples' for /results/.../count."""
    count = np.asarray(count)
    if count.size and count.min() == count.max():
        return "%d samples per point" % int(count[0])
    if count.size:
        return "%d-%d samples per point" % (int(count.min()), int(count.max()))
    return "no samples"


def warn_unexpected_experiment(path, experiment, expected, accepted=None):
    """A warning on stderr if the root attribute `experiment` is set and not in `accepted`
    (default: just `expected`, the experiment the message names)."""
    if experiment is not None and experiment not in (accepted or (expected,)):
        sys.stderr.write("warning: %s: experiment is '%s', not '%s'\n" % (path, experiment, expected))


def default_output(path, suffix):
    """The default output of a plot script: `path` with ".h5" (or ".hdf5") replaced by
    `suffix`, e.g. "-one-step.png"; `suffix` is appended to other names."""
    root, ext = os.path.splitext(path)
    if ext.lower() in (".h5", ".hdf5"):
        return root + suffix
    return path + suffix


def add_output_option(parser, suffix):
    """Adds the -o/--output option whose default is default_output(FILE, suffix)."""
    parser.add_argument("-o", "--output", metavar="OUT.png",
                        help="output PNG (default: FILE with .h5 replaced by %s)" % suffix)


def positive_values(shown):
    """The finite positive values of a list of arrays (the values drawn on a log axis)."""
    vals = np.concatenate(shown) if shown else np.array([])
    return vals[np.isfinite(vals) & (vals > 0)]


def finish_error_plot(fig, ax, handles, log, masked_zero):
    """The common end of the error-probability plots (plot_one_step, plot_steady_state), after
    their y limits are set: on a log axis a note on the `masked_zero` zero means left out, then
    the grid, the legend of `handles` (moved up above the note) and tight_layout."""
    if log and masked_zero:
        ax.text(0.99, 0.01, "%d point(s) with zero mean not shown (log scale)" % masked_zero,
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.35")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(handles=handles, fontsize=8, loc="lower right" if log else "upper left",
              bbox_to_anchor=(1.0, 0.05) if (log and masked_zero) else None)
    fig.tight_layout()


def save_figure(fig, output, **savefig_args):
    """Writes a matplotlib figure (dpi 120 unless given) and closes it; an unwritable output
    becomes a SystemExit naming the file."""
    import matplotlib.pyplot as plt
    savefig_args.setdefault("dpi", 120)
    try:
        fig.savefig(output, **savefig_args)
    except OSError as exc:
        raise SystemExit("error: cannot write %s (%s)" % (output, exc))
    finally:
        plt.close(fig)
    return output


def run_plot(script, make_plot):
    """main() of a plot script: prints the written file and returns 0, or prints the error
    message of a SystemExit(str) on stderr and returns 2."""
    try:
        written = make_plot()
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            raise
        sys.stderr.write("%s: %s\n" % (script, exc.code))
        return 2
    print(written)
    return 0


# -- Units ------------------------------------------------------------------------------------

# The units vocabulary of the files (README, "Units"): "1" for pure numbers (counts, fractions,
# probabilities, overlaps, loads, noise levels, energies per neuron, 0/1 flags and integer
# codes), "sweeps" for times counted in sweeps (1 sweep = N single-neuron updates), "1/sweep"
# for rates per sweep. Older files wrote other spellings; they are mapped here so that nothing
# downstream depends on them.
_UNIT_SPELLINGS = {
    "": "1", "1": "1", "dimensionless": "1", "code": "1", "count": "1", "counts": "1",
    "probability": "1", "dimensionless (probability)": "1",
    "sweep": "sweeps", "sweeps": "sweeps",
    "1/sweep": "1/sweep", "1/sweeps": "1/sweep", "per sweep": "1/sweep", "sweep-1": "1/sweep",
}


def normalise_units(units):
    """The units string `units` (an attribute value, possibly bytes or None) in the documented
    vocabulary: "1", "sweeps" or "1/sweep"; any spelling starting with "dimensionless" is "1".
    Unknown strings are returned stripped; None stays None (no units attribute)."""
    if units is None:
        return None
    text = _decode(units) if not isinstance(units, str) else units
    text = str(text).strip()
    key = text.lower()
    if key in _UNIT_SPELLINGS:
        return _UNIT_SPELLINGS[key]
    if key.startswith("dimensionless"):
        return "1"
    return text


def axis_label(label, units):
    """An axis label: `label` alone for pure numbers (units "1" in any spelling) or unknown
    units, else "label [units]", e.g. "t [sweeps]"."""
    units = normalise_units(units)
    if units in (None, "1"):
        return label
    return "%s [%s]" % (label, units)


# -- Tables and labelled arrays (pandas, xarray) ----------------------------------------------


def grid_axes(f, points=None, check=True):
    """The names of the /points columns that span the grid of file `f`, outermost first (e.g.
    ["N", "alpha", "noise"]).

    They are the /points columns named like an option of the run (parameters_json, or a root
    attribute); derived columns such as p or weight_storage are not axes. The order is that of
    the points: the outermost axis changes least often along the point index. With check,
    SystemExit if these columns do not identify each point uniquely (repeated points).
    """
    points = load_points(f) if points is None else points
    options = set(parameters(f)) | set(f.attrs.keys())
    axes = [name for name in points if name in options] or list(points)
    n_points = next(iter(points.values())).shape[0]

    def changes(name):
        v = points[name]
        return int(np.count_nonzero(v[1:] != v[:-1]))
    axes.sort(key=lambda name: (changes(name), name))
    if check and n_points:
        combos = np.rec.fromarrays([points[a] for a in axes], names=axes)
        if np.unique(combos).shape[0] != n_points:
            raise SystemExit("error: %s: the /points columns %s do not identify the %d points "
                             "uniquely (repeated points); use the 'point' dimension instead of the grid"
                             % (_file_name(f), ", ".join(axes), n_points))
    return axes


def _column_order(f, points):
    """The /points names: grid axes first (outermost first), then the others by name."""
    axes = grid_axes(f, points, check=False)
    return axes, axes + sorted(k for k in points if k not in axes)


def _is_scale(ds):
    return _decode(ds.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"


def _attached_scales(ds):
    """The paths of the dimension scales attached to dimension 0 of `ds` ([] if none)."""
    if ds.ndim == 0:
        return []
    try:
        return [s.name for s in ds.dims[0].values()]
    except Exception:  # pragma: no cover - unreadable dimension list
        return []


def _observable_names(f):
    grp = f.get("/results")
    if grp is None or not isinstance(grp, h5py.Group):
        return []
    return [k for k in grp.keys() if isinstance(grp[k], h5py.Group) and "mean" in grp[k]]


def _theory_layout(f, n_points):
    """(per_point, curves): the /theory datasets with one value per point (name -> dataset), and
    the curves on their own axis (name -> (dataset, axis dataset)). Axes themselves (dimension
    scales) are in neither."""
    per_point, curves = {}, {}
    grp = f.get("/theory")
    if grp is None or not isinstance(grp, h5py.Group):
        return per_point, curves
    for key in grp.keys():
        ds = grp[key]
        if not isinstance(ds, h5py.Dataset) or _is_scale(ds) or ds.ndim != 1:
            continue
        own_axes = [s for s in _attached_scales(ds) if s.startswith("/theory/")]
        if own_axes:
            curves[key] = (ds, f[own_axes[0]])
        elif ds.shape[0] == n_points:
            per_point[key] = ds
    return per_point, curves


def _variable_attrs(ds):
    """description, units (normalised) and equation of a dataset, for xarray attributes."""
    attrs = read_attrs(ds)
    out = {}
    if "description" in attrs:
        out["description"] = attrs["description"]
    units = normalise_units(attrs.get("units"))
    if units is not None:
        out["units"] = units
    if attrs.get("equation"):
        out["equation"] = attrs["equation"]
    return out


def _trace_axis(name, length, attrs):
    """(dimension name, values, attributes) of the last axis of a time-series observable:
    "sweep" (0, K, 2K, ...) for overlap_trace with root attribute trace-every = K, else
    "<name>_index" (0, 1, 2, ...)."""
    every = attrs.get("trace-every")
    if name == "overlap_trace" and isinstance(every, (int, float)) and every >= 1:
        return "sweep", np.arange(length, dtype=np.int64) * int(every), {
            "description": "sweeps made before the value (root attribute trace-every = %d)" % int(every),
            "units": "sweeps"}
    return "%s_index" % name, np.arange(length, dtype=np.int64), {
        "description": "index along the last axis of /results/%s" % name, "units": "1"}


def to_dataframe(path, index=False):
    """The points of an nnsim file as a pandas.DataFrame, one row per point (row k = point k).

    Columns: the /points columns (grid axes first, e.g. N, alpha, noise, then p, ...), then for
    every observable with one value per point `<obs>_mean`, `<obs>_stderr`, `<obs>_count`, then
    `theory_<name>` for every /theory dataset with one value per point. Time-series observables
    (mean of shape [P, T], e.g. overlap_trace) are left out; their names are in
    df.attrs["time_series"] (use series_to_dataframe or to_xarray for them). Samples are left
    out too (to_xarray has them). The row index is the point number, named "point"; with
    index=True the grid axes (grid_axes) become a MultiIndex instead and stay out of the columns.
    df.attrs holds the root attributes of the file and "file" (the path).
    """
    import pandas as pd
    with open_file(path) as f:
        points = load_points(f)
        n_points = next(iter(points.values())).shape[0]
        axes, order = _column_order(f, points)
        columns = {name: points[name] for name in order}
        time_series = []
        for name in _observable_names(f):
            obs = load_observable(f, name)
            if obs["mean"].ndim != 1:
                time_series.append(name)
                continue
            for key in ("mean", "stderr", "count"):
                columns["%s_%s" % (name, key)] = obs[key]
        per_point, _ = _theory_layout(f, n_points)
        for name, ds in per_point.items():
            columns["theory_" + name] = np.asarray(ds[()], dtype=float)
        attrs = read_attrs(f)
    df = pd.DataFrame(columns)
    df.index.name = "point"
    df.attrs.update(attrs)
    df.attrs["file"] = path
    df.attrs["time_series"] = time_series
    if index:
        with open_file(path) as f:
            grid_axes(f)  # SystemExit if the points repeat
        df = df.set_index(axes)
    return df


def series_to_dataframe(path, name="overlap_trace"):
    """A time-series observable (mean of shape [P, T]) as a long pandas.DataFrame: one row per
    (point, time), with the /points columns, the time column ("sweep" for overlap_trace, else
    "<name>_index", see to_xarray), `<name>_mean`, `<name>_stderr` and `<name>_count`."""
    import pandas as pd
    with open_file(path) as f:
        points = load_points(f)
        _, order = _column_order(f, points)
        obs = load_observable(f, name)
        attrs = read_attrs(f)
    mean = obs["mean"]
    if mean.ndim != 2:
        raise SystemExit("error: %s: '/results/%s/mean' has shape %s, not [points, times]; "
                         "use to_dataframe" % (path, name, list(mean.shape)))
    n_points, length = mean.shape
    time_name, times, _ = _trace_axis(name, length, attrs)
    columns = {"point": np.repeat(np.arange(n_points), length)}
    for key in order:
        columns[key] = np.repeat(points[key], length)
    columns[time_name] = np.tile(times, n_points)
    columns[name + "_mean"] = mean.reshape(-1)
    columns[name + "_stderr"] = obs["stderr"].reshape(-1)
    columns[name + "_count"] = np.repeat(obs["count"], length)
    df = pd.DataFrame(columns)
    df.attrs.update(attrs)
    df.attrs["file"] = path
    return df


def to_xarray(path, grid=False, samples=True):
    """An nnsim file as an xarray.Dataset.

    Dimensions: "point" (P), "sample" (S) and, for time-series observables, "sweep" (overlap_trace;
    0, K, 2K, ... with K = trace-every) or "<obs>_index". Coordinates along "point": every /points
    column. Variables: `<obs>_mean`, `<obs>_stderr`, `<obs>_count` (point[, time]),
    `<obs>_samples` (point, sample[, time]; left out with samples=False), `theory_<name>` (point)
    for per-point theory, and theory curves on their own axis (e.g. theory_boundary along
    boundary_alpha). Each variable carries description, units (normalise_units) and equation;
    ds.attrs holds the root attributes.

    grid=True unstacks "point" into the grid axes (grid_axes: e.g. N, alpha, noise), the same as
    ds.set_index(point=["N", "alpha"]).unstack("point"); combinations the file does not hold
    become NaN.
    """
    import xarray as xr
    with open_file(path) as f:
        points = load_points(f)
        n_points = next(iter(points.values())).shape[0]
        axes, order = _column_order(f, points)
        attrs = read_attrs(f)
        coords = {name: ("point", points[name], _variable_attrs(f["/points/" + name])) for name in order}
        data = {}
        for name in _observable_names(f):
            obs = load_observable(f, name)
            base = "/results/%s/" % name
            dims = ("point",)
            if obs["mean"].ndim == 2:
                time_name, times, time_attrs = _trace_axis(name, obs["mean"].shape[1], attrs)
                coords[time_name] = (time_name, times, time_attrs)
                dims = ("point", time_name)
            elif obs["mean"].ndim != 1:
                raise SystemExit("error: %s: '%smean' has shape %s; expected [P] or [P, T]"
                                 % (path, base, list(obs["mean"].shape)))
            data[name + "_mean"] = (dims, obs["mean"], _variable_attrs(f[base + "mean"]))
            data[name + "_stderr"] = (dims, obs["stderr"], _variable_attrs(f[base + "stderr"]))
            data[name + "_count"] = (("point",), obs["count"], _variable_attrs(f[base + "count"]))
            if samples and obs["samples"] is not None:
                s_dims = dims[:1] + ("sample",) + dims[1:]
                if obs["samples"].ndim != len(s_dims):
                    raise SystemExit("error: %s: '%ssamples' has shape %s" % (path, base, list(obs["samples"].shape)))
                data[name + "_samples"] = (s_dims, obs["samples"], _variable_attrs(f[base + "samples"]))
        per_point, curves = _theory_layout(f, n_points)
        for name, ds in per_point.items():
            data["theory_" + name] = (("point",), np.asarray(ds[()], dtype=float), _variable_attrs(ds))
        for name, (ds, axis) in curves.items():
            axis_name = axis.name.rsplit("/", 1)[-1]
            coords[axis_name] = (axis_name, np.asarray(axis[()]), _variable_attrs(axis))
            data["theory_" + name] = ((axis_name,), np.asarray(ds[()], dtype=float), _variable_attrs(ds))
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    if grid:
        with open_file(path) as f:
            grid_axes(f)  # SystemExit if the points repeat
        if len(axes) == 1:
            ds = ds.swap_dims(point=axes[0])
        else:
            import warnings
            with warnings.catch_warnings():
                # numpy warns while xarray 2023.01 prepares the NaN fill of integer variables,
                # even for a complete grid, where no value is filled.
                warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)
                ds = ds.set_index(point=axes).unstack("point")
        # grid axes first, then sample, then time (unstack puts the new dimensions last)
        ds = ds.transpose(*axes, "sample", ..., missing_dims="ignore")
    return ds


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: nnsim_h5.py FILE.h5\n"
                         "Prints the root attributes and every dataset (shape, description,\n"
                         "equation, units) of an nnsim HDF5 result file.\n")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        print(describe(argv[0]))
    except SystemExit as exc:
        sys.stderr.write("%s\n" % exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
