#!/usr/bin/python3
"""Browser test of the reproduction report (CTest report.browser): opens the page that the
fixture make_files.py rendered ($NNSIM_REPORT_OUT/report/report.html) in headless Chromium
(Debian's `chromium`), as a user would see it:

1. a copy of the page with a small script that, once the page has loaded, counts the images that
   loaded (img.complete && naturalWidth > 0) and the rows of the numbers table into a marker
   element; Chromium's --dump-dom prints the DOM after that, and the test requires every image
   loaded, as many images as the report has figures, and every table row present;
2. the same check on a copy with one image corrupted must report it (the check can fail);
3. a screenshot of the page (OUT/report/screenshot.png, 1400 x 2400 pixels) that must be a PNG
   that is not blank.

Exit 0 pass, 1 fail, 77 skipped (Chromium not installed: the reason is printed).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

OUT = os.environ.get("NNSIM_REPORT_OUT", "")
PAGE = os.path.join(OUT, "report", "report.html")
SKIP = 77
CHECK = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var rows = document.querySelectorAll('#numbers-table tbody tr').length;
  var d = document.createElement('div');
  d.id = 'nnsim-check';
  d.textContent = 'images-loaded ' + ok + ' of ' + imgs.length + '; table-rows ' + rows;
  document.body.appendChild(d);
});
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(binary, args, url):
    profile = tempfile.mkdtemp(prefix="nnsim-chromium.")  # a new empty profile every time
    try:
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile] + args + [url]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def check(binary, html_path):
    r = run_chromium(binary, ["--virtual-time-budget=10000", "--dump-dom"], "file://" + html_path)
    m = re.search(r"<div id=\"nnsim-check\">images-loaded (\d+) of (\d+); table-rows (\d+)</div>", r.stdout)
    if not m:
        raise SystemExit("FAIL: no marker in Chromium's DOM of %s (exit %d)\n%s" % (html_path, r.returncode,
                                                                                  r.stderr[-3000:]))
    return tuple(int(g) for g in m.groups())


def main():
    binary = chromium()
    if binary is None:
        print("SKIP: Chromium is not installed (Debian package `chromium`, installed by scripts/setup): "
              "the report page cannot be opened in a browser here")
        return SKIP
    if not os.path.isfile(PAGE):
        print("FAIL: no report page at %s (the fixture make_files.py did not run?)" % PAGE)
        return 1
    with open(os.path.splitext(PAGE)[0] + ".json") as fh:
        report = json.load(fh)
    with open(PAGE) as fh:
        page = fh.read()
    work = tempfile.mkdtemp(prefix="nnsim-browser.")
    try:
        good = os.path.join(work, "checked.html")
        with open(good, "w") as fh:
            fh.write(page.replace("</body>", CHECK + "</body>"))
        loaded, images, rows = check(binary, good)
        print("page: %d of %d images loaded, %d table rows" % (loaded, images, rows))
        expect = (len(report["figures"]), len(report["figures"]), len(report["rows"]))
        if (loaded, images, rows) != expect or images < 15:
            print("FAIL: expected %d of %d images loaded and %d table rows (at least 15 figures)" % expect)
            return 1
        broken = os.path.join(work, "broken.html")
        with open(broken, "w") as fh:
            fh.write(page.replace("src='data:image/png;base64,i", "src='data:image/png;base64,AAAAi", 1)
                     .replace("</body>", CHECK + "</body>"))
        loaded_b, images_b, _ = check(binary, broken)
        print("page with one corrupted image: %d of %d images loaded" % (loaded_b, images_b))
        if (loaded_b, images_b) != (images - 1, images):
            print("FAIL: the check did not notice the corrupted image")
            return 1
        shot = os.path.join(os.path.dirname(PAGE), "screenshot.png")
        if os.path.exists(shot):
            os.remove(shot)
        r = run_chromium(binary, ["--window-size=1400,2400", "--hide-scrollbars", "--virtual-time-budget=10000",
                                  "--screenshot=" + shot], "file://" + PAGE)
        if not os.path.isfile(shot):
            print("FAIL: no screenshot written (exit %d)\n%s" % (r.returncode, r.stderr[-3000:]))
            return 1
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.image as mpimg
        import numpy as np
        img = mpimg.imread(shot)
        colours = len(np.unique(np.round(img[..., :3].reshape(-1, 3) * 255).astype(int), axis=0))
        print("screenshot %s: %d x %d pixels, %d colours" % (shot, img.shape[1], img.shape[0], colours))
        if img.shape[0] != 2400 or img.shape[1] != 1400 or colours < 50:
            print("FAIL: the screenshot is not a 1400 x 2400 page with content")
            return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
