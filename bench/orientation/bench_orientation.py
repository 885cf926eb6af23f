#!/usr/bin/env python3
"""Page orientation: pages turned by 0, 90, 180 and 270 degrees, `ocr recognize` against
Tesseract's orientation detection (`tesseract IMAGE - --psm 0`, osd.traineddata) side by side.

Usage: bench/orientation/bench_orientation.py [--ocr build/ocr] [--model models/eng.ocrm]
                                              [--screens 6] [--seed 3] [--shared ../shared]
                                              [--photos N] [--forms N]

Pages: ../shared/data/pages (phototest, eurotext) and receipts/pages, plus screenshots rendered as
in bench/screens (seed differs from that bench's). Each is turned clockwise by 0, 90, 180, 270
(PIL, expand) and read with -f json on one thread; a page turned by t must be read turned by
(360 - t) % 360 (the JSON's `orientation`; Tesseract's `Rotate:`). Also prints ocr's CER on the
turned pages against the ground truth, and the seconds per page by turn. Needs python3-pil and
tesseract-ocr-osd (tools/install-deps.sh --bench). --photos N and --forms N add N pages each,
evenly spaced, of receipt-photos/pages (CER without spaces: their ground truth has none) and
forms/pages; `--model default` reads with the model each page's scene picks, as `ocr recognize`
does without -m.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "pages"))
sys.path.insert(0, str(ROOT / "bench" / "screens"))
from bench_pages import edit_distance, normalise  # noqa: E402

try:
    from PIL import Image
    from bench_screens import find_fonts, render, text_lines  # noqa: E402
except ImportError:
    sys.exit("bench_orientation: needs PIL (apt-get install python3-pil, or tools/install-deps.sh --bench)")


def pages(a, work):
    """(name, image path, ground truth, case-insensitive, spaceless) of every upright page."""
    out = []
    data = Path(a.shared) / "data"
    for sub, fold, spaceless, count in (("pages", False, False, None), ("receipts/pages", True, False, None),
                                        ("receipt-photos/pages", True, True, a.photos),
                                        ("forms/pages", False, False, a.forms)):
        found = []
        for img in sorted((data / sub).glob("*")):
            gt = img.with_name(img.name.split(".")[0] + ".gt.txt")
            if img.suffix.lower() in (".tif", ".png", ".jpg") and gt.exists():
                found.append((img.stem, img, gt.read_text(encoding="utf-8"), fold, spaceless))
        if count is not None:
            found = found[:: max(1, len(found) // count)][:count] if count > 0 else []
        out += found
    fonts = find_fonts()
    if fonts and a.screens:
        rng = random.Random(a.seed)
        lines = text_lines(rng)
        for i in range(a.screens):
            img = work / f"screen{i:02d}.png"
            gt, _ = render(rng, fonts, lines, img)
            out.append((img.stem, img, gt, False, False))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ocr", default=str(ROOT / "build" / "ocr"))
    ap.add_argument("--model", default=str(ROOT / "models" / "eng.ocrm"))
    ap.add_argument("--screens", type=int, default=6)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--photos", type=int, default=0, help="receipt photos added (evenly spaced)")
    ap.add_argument("--forms", type=int, default=0, help="forms added (evenly spaced)")
    a = ap.parse_args()
    model = [] if a.model == "default" else ["-m", a.model]
    have_osd = os.system("tesseract --list-langs 2>/dev/null | grep -qx osd") == 0
    work = Path(tempfile.mkdtemp(prefix="ocr-orient-"))
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    right = {"ocr": [0, 0], "tesseract": [0, 0]}
    cer = {}  # turn -> [edits, chars]
    secs = {}  # turn -> [seconds, pages]
    print(f"{'page':14} {'turn':>4} {'ocr':>5} {'tess':>5} {'ocr CER%':>9} {'sec':>6}")
    for name, path, gt, fold, spaceless in pages(a, work):
        upright = Image.open(path)
        upright.load()
        for turn in (0, 90, 180, 270):
            img = work / f"{name}-{turn}.png"
            upright.rotate(-turn, expand=True).save(img)
            want = (360 - turn) % 360
            t0 = time.monotonic()
            p = subprocess.run([a.ocr, "-q", "recognize", *model, "-j", "1", "-f", "json", str(img)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            dt = time.monotonic() - t0
            got, text = "fail", ""
            if p.returncode == 0:
                page = json.loads(p.stdout)["pages"][0]
                got, text = page.get("orientation", 0), page["text"]
            right["ocr"][0] += got == want
            right["ocr"][1] += 1
            ref, hyp = normalise(gt, fold), normalise(text, fold)
            if spaceless:
                ref, hyp = re.sub(r"\s", "", ref), re.sub(r"\s", "", hyp)
            e = edit_distance(ref, hyp)
            c = cer.setdefault(turn, [0, 0]); c[0] += e; c[1] += len(ref)
            s = secs.setdefault(turn, [0.0, 0]); s[0] += dt; s[1] += 1
            tess = "-"
            if have_osd:
                q = subprocess.run(["tesseract", str(img), "-", "--psm", "0"], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=env)
                m = re.search(r"Rotate: (\d+)", q.stdout.decode("utf-8", "replace"))
                tess = int(m.group(1)) if m else 0  # no answer: the page is read as it is
                right["tesseract"][0] += tess == want
                right["tesseract"][1] += 1
            print(f"{name:14} {turn:4d} {str(got):>5} {str(tess):>5} {100.0 * e / max(1, len(ref)):9.2f} {dt:6.2f}")
    print()
    for eng, (ok, n) in right.items():
        if n:
            print(f"{eng:10} orientation right on {ok}/{n} turned pages")
    for turn in (0, 90, 180, 270):
        e, n = cer[turn]
        s, k = secs[turn]
        print(f"turn {turn:3d}: ocr CER {100.0 * e / max(1, n):6.2f} %, {s / max(1, k):.2f} s per page")
    print(f"pages in {work}")


if __name__ == "__main__":
    main()
