#!/usr/bin/python3
"""pytest tests of analysis/report (nnsim_report.py) on the small driver files of the fixture
make_files.py ($NNSIM_REPORT_OUT/files, rendered to $NNSIM_REPORT_OUT/report/report.html).

Run by CTest (report.pytest), or by hand after the fixture:
  NNSIM_REPORT_OUT=build/tests/report/out /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/report
"""

import base64
import json
import math
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

sys.dont_write_bytecode = True
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
ANALYSIS = os.environ.get("NNSIM_ANALYSIS_DIR") or os.path.join(ROOT, "analysis")
sys.path.insert(0, ANALYSIS)
import nnsim_report  # noqa: E402
from scipy.special import erfc  # noqa: E402

OUT = os.environ.get("NNSIM_REPORT_OUT", "")
FILES = os.path.join(OUT, "files")
PAGE = os.path.join(OUT, "report", "report.html")
GOOD = ["capacity.h5", "digest.h5", "hopfield/phase-diagram.h5", "hopfield/steady-state.h5", "one-step.h5",
        "rl/associative-q.h5", "rl/reward-penalty.h5", "rl/td-lambda.h5", "rl/tictactoe.h5", "sgd-ensemble.h5",
        "sgd.h5"]

if not os.path.isfile(PAGE):  # a failure, not a skip: CTest runs this only after the fixture
    raise RuntimeError("no report page at %r: run make_files.py OUT first and set NNSIM_REPORT_OUT=OUT" % PAGE)


@pytest.fixture(scope="module")
def report():
    with open(os.path.splitext(PAGE)[0] + ".json") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def page():
    with open(PAGE) as fh:
        return fh.read()


def rows_of(report, name):
    return [r for r in report["rows"] if r["file"] == name]


def test_every_good_file_is_used_and_every_bad_one_listed(report):
    assert sorted(f["file"] for f in report["files"]) == GOOD
    reasons = {u["file"]: u["reason"] for u in report["unusable"]}
    assert sorted(reasons) == ["bad/no-program.h5", "bad/not-hdf5.h5", "bad/one-step-no-results.h5"]
    assert "not a readable HDF5 file" in reasons["bad/not-hdf5.h5"]
    assert "no root attribute 'program'" in reasons["bad/no-program.h5"]
    assert "/results" in reasons["bad/one-step-no-results.h5"]


def test_every_figure_is_drawn_and_embedded(report, page):
    captions = " | ".join(f["caption"] for f in report["figures"])
    for wanted in ("Fig. 2.7", "Fig. 3.2", "Fig. 3.4", "Fig. 3.5", "Fig. 4.1", "Fig. 11.2", "Fig. 11.5", "Fig. 11.7",
                   "alpha_c(N) extrapolated", "order parameter", "TD(lambda)", "SGD learning curves",
                   "confusion matrix", "SGD ensemble"):
        assert wanted in captions
    images = re.findall(r"<img alt='[^']*' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>", page)
    assert len(images) == len(report["figures"])
    for fig, b64 in zip(report["figures"], images):
        png = base64.b64decode(b64)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
        with open(os.path.join(os.path.dirname(PAGE), fig["path"]), "rb") as fh:
            assert fh.read() == png  # the figure beside the page is the embedded one
    for f in report["files"]:  # no figure of a good file failed
        assert not [n for n in f["notes"] if "' not drawn:" in n or "figures not drawn:" in n], f


def test_provenance_is_read_from_the_root_attributes(report, page):
    by_name = {f["file"]: f for f in report["files"]}
    for name in GOOD:
        prov = by_name[name]["provenance"]
        with h5py.File(os.path.join(FILES, name), "r") as f:
            attrs = {k: nnsim_report._text(v) for k, v in f.attrs.items()}
        for key in ("program", "command_line", "seed", "git_commit", "mpi_ranks", "start_time"):
            assert key in attrs, "driver of %s does not write the root attribute %s" % (name, key)
            assert str(prov[key]) == str(attrs[key]), (name, key)
        assert "<code>%s</code>" % nnsim_report.html.escape(str(attrs["command_line"])) in page
    assert str(by_name["hopfield/steady-state.h5"]["provenance"]["mpi_ranks"]) == "2"
    assert str(by_name["one-step.h5"]["provenance"]["mpi_ranks"]) == "1"
    assert str(by_name["digest.h5"]["provenance"]["seed"]) == "7"


def test_capacity_deviation_from_the_book(report):
    with h5py.File(os.path.join(FILES, "capacity.h5"), "r") as f:
        a = float(f["/extrapolation/alpha_c_inf"][()])
        se = float(f["/extrapolation/alpha_c_inf_stderr"][()])
        z_driver = float(f["/extrapolation/z_rsb"][()])
    rows = {r["equation"]: r for r in rows_of(report, "capacity.h5") if r["quantity"].startswith("alpha_c(N -> inf)")}
    assert rows["(3.48) RSB"]["reference"] == 0.138187
    assert rows["(3.48) RSB"]["z"] == pytest.approx((a - 0.138187) / se, rel=1e-12)
    assert rows["(3.48) RSB"]["z"] == pytest.approx(z_driver, rel=1e-9)  # the driver's own (C++) value
    mc = rows["(3.49) Monte Carlo"]
    assert (mc["reference"], mc["reference_stderr"]) == (0.143, 0.002)
    assert mc["z"] == pytest.approx((a - 0.143) / math.hypot(se, 0.002), rel=1e-12)


def test_one_step_deviation_on_a_known_file(tmp_path):
    """A copy of the one-step file whose largest-N points are set to (2.39) + k s.e. (k = 3, -2, ...):
    the report must give exactly those deviations."""
    folder = tmp_path / "known"
    folder.mkdir()
    path = str(folder / "one-step.h5")
    shutil.copy(os.path.join(FILES, "one-step.h5"), path)
    with h5py.File(path, "a") as f:
        N, p = f["/points/N"][()], f["/points/p"][()]
        mean, se = f["/results/one_step_error/mean"], f["/results/one_step_error/stderr"]
        idx = np.flatnonzero(N == N.max())
        wanted = {}
        for k, i in zip((3.0, -2.0, 0.5, 1.0), idx):
            ref = 0.5 * erfc(math.sqrt(N[i] / (2.0 * p[i])))
            s = max(float(se[i]), 1e-3)
            se[i], mean[i] = s, ref + k * s
            wanted[i] = k
    data = nnsim_report.build(str(folder), str(tmp_path / "known.html"))
    rows = [r for r in data["rows"] if r["equation"] == "(2.39)" and r["kind"] == "value"]
    assert len(rows) == len(idx)
    for r, i in zip(rows, idx):
        assert "N = %d" % N.max() in r["quantity"]
        assert r["z"] == pytest.approx(wanted[i], abs=1e-9)
        assert r["status"] == "%+.2f" % wanted[i]


def test_sgd_accuracy_against_the_published_value(report):
    with h5py.File(os.path.join(FILES, "sgd.h5"), "r") as f:
        a = float(f["/test/accuracy"][()])
        n = int(np.sum(f["/test/confusion"][()]))
    (row,) = rows_of(report, "sgd.h5")
    assert n == 10000
    assert row["reference"] == 0.8833 and row["measured"] == a
    assert row["z"] == pytest.approx((a - 0.8833) / math.sqrt(a * (1 - a) / n), rel=1e-12)


def test_digest_counts_against_the_enumerator(report):
    with h5py.File(os.path.join(FILES, "digest.h5"), "r") as f:
        g = f["/instances/L10000"]
        found, exact = int(g["distinct_maps"][()]), int(g["exact_distinct_maps"][()])
    (row,) = [r for r in rows_of(report, "digest.h5") if r["quantity"] == "L10000: distinct maps found by annealing"]
    assert (row["measured"], row["reference"]) == (found, exact)
    assert row["status"] == ("exact" if found == exact else "%+d" % (found - exact)) and row["z"] is None


def test_reward_penalty_below_r_max(report):
    rows = rows_of(report, "rl/reward-penalty.h5")
    with h5py.File(os.path.join(FILES, "rl/reward-penalty.h5"), "r") as f:
        m, s = f["/results/expected_reward/mean"][()], f["/results/expected_reward/stderr"][()]
        delta = f["/points/delta"][()]
    assert len(rows) == len(delta) > 1
    for p, r in enumerate(rows):
        assert r["reference"] == pytest.approx(0.1) and r["kind"] == "bound"  # r_max (11.4)
        assert r["measured"] == m[p, -1]
        assert r["z"] == pytest.approx((m[p, -1] - 0.1) / s[p, -1], rel=1e-12)
        assert r["status"].endswith("(below)") == (m[p, -1] < 0.1)


def test_q_learning_against_q_star(report):
    rows = [r for r in rows_of(report, "rl/associative-q.h5")]
    assert [r["reference"] for r in rows] == pytest.approx([0.2, 0.6, -0.4, -0.8])  # 2 p - 1 (11.30)
    with h5py.File(os.path.join(FILES, "rl/associative-q.h5"), "r") as f:
        m, s = f["/results/final_q_table/mean"][0], f["/results/final_q_table/stderr"][0]
    for k, r in enumerate(rows):
        assert r["z"] == pytest.approx((m[k] - r["reference"]) / s[k], rel=1e-12)


def test_table_html(report, page):
    body = page.split("<table id='numbers-table'>")[1].split("</table>")[0]
    assert body.count("<tr class=") == len(report["rows"]) > 30
    for eq in ("(2.39)", "(3.18), (3.39)-(3.41)", "(3.48) RSB", "(3.49) Monte Carlo", "(11.30) Q* = 2 p - 1",
               "(11.4) r_max, (11.10)", "Table 4.1", "Fashion-MNIST MLP 256-128-100"):
        assert eq in body


def test_deviation_helper():
    assert nnsim_report.deviation(1.0, 0.1, 0.8) == pytest.approx(2.0)
    assert nnsim_report.deviation(0.15, 0.003, 0.143, 0.004) == pytest.approx(1.4)
    assert nnsim_report.deviation(3, None, 3) is None
    assert nnsim_report.deviation(float("nan"), 0.1, 1.0) is None


def test_command_line_errors(tmp_path):
    report = os.path.join(ANALYSIS, "report")
    r = subprocess.run(["/usr/bin/python3", report, str(tmp_path / "missing")], capture_output=True, text=True)
    assert r.returncode == 2 and "DIR" in r.stderr and "missing" in r.stderr
    r = subprocess.run(["/usr/bin/python3", report, str(tmp_path), "-o", str(tmp_path / "nope" / "r.html")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--output" in r.stderr
    r = subprocess.run(["/usr/bin/python3", report, str(tmp_path)], capture_output=True, text=True)  # empty folder
    assert r.returncode == 0 and os.path.isfile(tmp_path / "report.html")
