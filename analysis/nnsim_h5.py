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
    its shape, dtype, description, equation and units."""
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
                    lines.append("      %-12s %s" % (key + ":", _short(dattrs[key])))
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
