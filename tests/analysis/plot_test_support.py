#!/usr/bin/python3
"""Helpers shared by the tests of the plot scripts (tests/analysis/test_plot_*.py).

The test files import this module from their own directory (sys.path); set
sys.dont_write_bytecode before importing it to keep __pycache__ out of the source tree.

The scripts are found through $NNSIM_ANALYSIS_DIR, else ../../analysis relative to this file;
the driver is $NNSIM_HOPFIELD, else ../../build/apps/nnsim-hopfield relative to this file.
"""

import os
import subprocess
import tempfile
import unittest

import numpy as np

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir))
ANALYSIS_DIR = os.path.abspath(os.environ.get("NNSIM_ANALYSIS_DIR") or os.path.join(ROOT, "analysis"))
DRIVER = os.environ.get("NNSIM_HOPFIELD") or os.path.join(ROOT, "build", "apps", "nnsim-hopfield")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Decorates the test classes that run the driver: skipped if it is not built.
requires_driver = unittest.skipUnless(os.path.isfile(DRIVER) and os.access(DRIVER, os.X_OK),
                                      "driver %s not built (set NNSIM_HOPFIELD)" % DRIVER)


def subprocess_env():
    """The environment of the subprocesses: matplotlib without a display, MPI as root, no
    bytecode files, one OpenMP thread."""
    env = dict(os.environ)
    env.update({"MPLBACKEND": "Agg", "OMPI_ALLOW_RUN_AS_ROOT": "1",
                "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "PYTHONDONTWRITEBYTECODE": "1",
                "OMP_NUM_THREADS": "1"})
    env.setdefault("MPLCONFIGDIR", tempfile.gettempdir())
    return env


def run(*args):
    """Runs /usr/bin/python3 ARGS to completion; the CompletedProcess (text stdout, stderr)."""
    return subprocess.run([PYTHON] + list(args), capture_output=True, text=True,
                          env=subprocess_env(), timeout=300)


def start(*args):
    """Starts /usr/bin/python3 ARGS without waiting; the Popen (text stdout, stderr pipes)."""
    return subprocess.Popen([PYTHON] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=subprocess_env())


def run_driver(driver, runs):
    """Runs `driver ARGS -o OUT --force -q` for every (ARGS, OUT) of `runs`, all at once (the
    runs are independent); RuntimeError with the output of the first run that fails."""
    procs = []
    for args, out in runs:
        cmd = [driver] + args + ["-o", out, "--force", "-q"]
        procs.append((cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True, env=subprocess_env())))
    for cmd, proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError("%s failed with exit code %d:\n%s\n%s"
                               % (" ".join(cmd), proc.returncode, stdout, stderr))


def assert_png(test, path, require_colour=False, min_colour=0.002):
    """Asserts (on the unittest.TestCase `test`) that `path` is a PNG of at least 300 x 300
    pixels that is not blank; with require_colour, also that it has coloured traces. Returns
    the image as an array [rows, columns, channels] of floats in [0, 1]."""
    test.assertTrue(os.path.isfile(path), "no PNG written at %s" % path)
    size = os.path.getsize(path)
    test.assertGreater(size, 1000, "PNG %s is suspiciously small (%d bytes)" % (path, size))
    with open(path, "rb") as fh:
        test.assertEqual(fh.read(8), PNG_MAGIC, "%s does not start with the PNG signature" % path)
    import matplotlib.image as mpimg
    img = mpimg.imread(path)
    test.assertGreaterEqual(img.shape[0], 300)
    test.assertGreaterEqual(img.shape[1], 300)
    # Not a blank canvas: many distinct colours (data markers, anti-aliased lines, text,
    # shading, colour map) ...
    colours = np.unique(np.round(img[..., :3].reshape(-1, 3) * 255).astype(int), axis=0)
    test.assertGreater(len(colours), 20, "PNG looks blank")
    if require_colour:
        # ... and coloured traces, not only black text and grey axes.
        coloured = np.ptp(img[..., :3], axis=-1) > 0.2
        test.assertGreater(coloured.mean(), min_colour, "no coloured traces in %s" % path)
    return img
