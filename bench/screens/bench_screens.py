#!/usr/bin/env python3
"""Screenshots: CER, time per page and peak memory, `ocr recognize` vs `tesseract IMAGE stdout`.

Usage: bench/screens/bench_screens.py [--ocr build/ocr] [--model models/eng.ocrm] [--count 12]
                                      [--seed 1] [--threads N] [--keep DIR] [--skip-tesseract]
                                      [-- extra ocr flags]

../shared has no screenshots, so this renders them (PIL): application-like pages 800-1280 px
wide with a menu bar, in light, grey and dark themes, some with a dark sidebar of light words
(a dark panel on a light page, or the reverse on a dark one), body text 12-18 px. Faces are the
generator's holdout faces (data/fonts.tsv split `holdout`: Carlito, Cabin, Inconsolata, STIX,
P052), which training never renders. Text comes from /usr/share/common-licenses and Debian
changelogs (/usr/share/doc/*/changelog.Debian.gz), neither of which is in the training corpus or
the language model. Ground truth is in reading order: menu bar, sidebar words, body lines.
CER as in bench/pages (NFC, whitespace collapsed). Needs python3-pil (tools/install-deps.sh
--bench) and the holdout fonts (--fonts).
"""
import argparse
import gzip
import os
import random
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "pages"))
from bench_pages import edit_distance, engine_commands, normalise, run_timed  # noqa: E402

try:
    from PIL import Image, ImageDraw, ImageFont
except ImportError:
    sys.exit("bench_screens: needs PIL (apt-get install python3-pil, or tools/install-deps.sh --bench)")

HOLDOUT_FACES = ["Carlito-Regular.ttf", "Cabin-Regular.otf", "Inconsolata.otf", "STIXGeneral-Regular.otf",
                 "P052-Roman.otf"]
MENU = ["File", "Edit", "View", "History", "Bookmarks", "Tools", "Window", "Help", "Search", "Go"]
SIDEBAR = ["Home", "Inbox", "Settings", "Profile", "Messages", "Downloads", "Projects", "Archive",
           "Calendar", "Contacts", "Reports", "Billing"]


def add_result(totals, key, ref, hyp, seconds, mib):
    """Adds one page to totals[key] = [edits, reference chars, seconds, peak MiB, pages]; returns its edits."""
    d = edit_distance(ref, hyp)
    t = totals.setdefault(key, [0, 0, 0.0, 0.0, 0])
    t[0] += d; t[1] += len(ref); t[2] += seconds; t[3] = max(t[3], mib); t[4] += 1
    return d


def find_fonts():
    found = {}
    for d in ["/usr/share/fonts", "/usr/local/share/fonts"]:
        for p in Path(d).rglob("*"):
            if p.name in HOLDOUT_FACES and p.name not in found:
                found[p.name] = str(p)
    return [found[n] for n in HOLDOUT_FACES if n in found]


def text_lines(rng):
    """Printable-ASCII lines of prose and changelog entries, in a seeded order."""
    lines = []
    for p in sorted(Path("/usr/share/common-licenses").glob("*")):
        if p.is_file():
            lines += p.read_text(encoding="utf-8", errors="replace").splitlines()
    logs = sorted(Path("/usr/share/doc").glob("*/changelog.Debian.gz"))
    for p in rng.sample(logs, min(200, len(logs))):
        try:
            lines += gzip.open(p, "rt", encoding="utf-8", errors="replace").read().splitlines()[:60]
        except OSError:
            continue
    out = []
    for line in lines:
        t = " ".join(line.split())
        if 25 <= len(t) <= 200 and all(32 <= ord(c) < 127 for c in t):
            out.append(t)
    rng.shuffle(out)
    return out


def render(rng, fonts, lines, path):
    size = rng.choice([12, 13, 14, 15, 16, 18])
    face = rng.choice(fonts)
    font = ImageFont.truetype(face, size)
    width = rng.choice([800, 1024, 1280])
    height = 900
    theme = rng.choice(["light", "grey", "dark"])
    bg, fg = {"light": (255, 255, 255), "grey": (238, 238, 238), "dark": (32, 33, 36)}[theme], None
    fg = (230, 230, 230) if theme == "dark" else (25, 25, 25)
    img = Image.new("RGB", (width, height), bg)
    d = ImageDraw.Draw(img)
    gt = []
    # Menu bar.
    menu = "   ".join(rng.sample(MENU, rng.randint(4, 7)))
    d.text((12, 8), menu, font=font, fill=fg)
    gt.append(menu)
    top = 8 + int(2 * size)
    d.line([(0, top - 6), (width, top - 6)], fill=(150, 150, 150), width=1)
    # Sidebar: a panel of the opposite lightness.
    x0 = 24
    if rng.random() < 0.5:
        panel = (48, 52, 64) if theme != "dark" else (225, 225, 228)
        ink = (240, 240, 240) if theme != "dark" else (20, 20, 20)
        sw = rng.choice([170, 200, 230])
        d.rectangle((0, top, sw, height), fill=panel)
        for i, w in enumerate(rng.sample(SIDEBAR, rng.randint(4, 8))):
            d.text((18, top + 20 + int(2.4 * size) * i), w, font=font, fill=ink)
            gt.append(w)
        x0 = sw + 24
    # Body: wrapped paragraphs.
    y = top + 16
    avg = max(1.0, font.getlength("abcdefghijklmnopqrstuvwxyz etaoin") / 33)
    while y < height - 2 * size:
        para = lines.pop()
        for line in textwrap.wrap(para, width=max(20, int((width - x0 - 24) / avg))):
            if font.getlength(line) > width - x0 - 12:
                continue
            d.text((x0, y), line, font=font, fill=fg)
            gt.append(line)
            y += int(1.5 * size)
            if y >= height - 2 * size:
                break
        y += size
    img.save(path)
    return "\n".join(gt) + "\n", f"{Path(face).stem} {size}px {theme}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ocr", default=str(ROOT / "build" / "ocr"))
    ap.add_argument("--model", default=str(ROOT / "models" / "eng.ocrm"))
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--keep", metavar="DIR", help="write the pages and ground truth here")
    ap.add_argument("--skip-tesseract", action="store_true")
    ap.add_argument("extra", nargs="*", help="extra flags for ocr recognize")
    a = ap.parse_args()

    if not Path(a.ocr).exists():
        sys.exit(f"bench_screens: {a.ocr} not found: build first (cmake --build build)")
    fonts = find_fonts()
    if not fonts:
        sys.exit("bench_screens: none of the holdout faces is installed (tools/install-deps.sh --fonts)")
    missing = [n for n in HOLDOUT_FACES if not any(f.endswith(n) for f in fonts)]
    if missing:
        print(f"bench_screens: faces not installed, left out: {', '.join(missing)}", file=sys.stderr)
    have_tess = not a.skip_tesseract and os.system("command -v tesseract >/dev/null") == 0
    rng = random.Random(a.seed)
    lines = text_lines(rng)
    out_dir = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="ocr-screens-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_THREAD_LIMIT=str(a.threads))
    totals = {}
    print(f"{'page':10} {'look':28} {'engine':9} {'CER%':>7} {'sec':>6} {'MiB':>7}")
    for i in range(a.count):
        img = out_dir / f"screen{i:02d}.png"
        gt, look = render(rng, fonts, lines, img)
        (out_dir / f"screen{i:02d}.gt.txt").write_text(gt, encoding="utf-8")
        ref = normalise(gt, False)
        for eng, cmd in engine_commands(a, img, have_tess):
            out, dt, mib, rc, err = run_timed(cmd, env)
            if rc != 0:
                print(f"{img.name:10} {look:28} {eng:9} failed (exit {rc}): {err.strip()[:200]}")
                continue
            e = add_result(totals, eng, ref, normalise(out, False), dt, mib)
            print(f"{img.stem:10} {look:28} {eng:9} {100.0 * e / max(1, len(ref)):7.2f} {dt:6.2f} {mib:7.1f}")
    print()
    print(f"{'engine':9} {'CER%':>7} {'edits':>6} {'s/page':>7} {'peak MiB':>9}")
    for eng, (e, n, dt, mib, k) in totals.items():
        print(f"{eng:9} {100.0 * e / max(1, n):7.2f} {e:6d} {dt / max(1, k):7.2f} {mib:9.1f}")
    print(f"\n{a.count} pages, seed {a.seed}, {sum(t[1] for t in totals.values()) // max(1, len(totals))} "
          f"ground-truth characters; OMP_THREAD_LIMIT={a.threads}; pages in {out_dir}")


if __name__ == "__main__":
    main()
