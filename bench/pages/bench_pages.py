#!/usr/bin/env python3
"""Whole-page CER, time per page and peak memory: `ocr recognize` vs `tesseract IMAGE stdout`.

Usage: bench/pages/bench_pages.py [--ocr build/ocr] [--model models/eng.ocrm] [--shared ../shared]
                                  [--threads N] [--skip-tesseract] [--set pages|receipts]
                                  [--only NAME ...] [-- extra ocr flags]

Reads ../shared/data/pages/*.tif and ../shared/data/receipts/pages/*.jpg with NAME.gt.txt beside
them. CER = total edit distance / total ground-truth characters after Unicode NFC and collapsing
all whitespace (newlines included) to single spaces; receipts are compared case-insensitively
(their ground truth is upper case). Both engines run with the same thread limit (OMP_THREAD_LIMIT).
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def normalise(text, fold_case):
    t = unicodedata.normalize("NFC", text)
    t = re.sub(r"\s+", " ", t).strip()
    return t.upper() if fold_case else t


def edit_distance(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def run(cmd, env):
    """Runs cmd; returns (stdout, seconds, peak RSS of this child in MiB, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    dt = time.monotonic() - t0
    # ru_maxrss of children is the max over all children so far: run the bigger engine last or
    # read it per process with /usr/bin/time when available.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return p.stdout.decode("utf-8", "replace"), dt, max(peak, before) / 1024.0, p.returncode, p.stderr.decode()


def run_timed(cmd, env):
    if os.path.exists("/usr/bin/time"):
        out, dt, _, rc, err = run(["/usr/bin/time", "-f", "MAXRSS %M"] + cmd, env)
        m = re.findall(r"MAXRSS (\d+)", err)
        return out, dt, (int(m[-1]) / 1024.0 if m else float("nan")), rc, err
    return run(cmd, env)


def engine_commands(a, img, with_tesseract):
    """(engine, command) pairs reading img: ocr with a's flags, then Tesseract if wanted."""
    cmds = [("ocr", [a.ocr, "-q", "recognize", "-m", a.model, "-j", str(a.threads)] + a.extra + [str(img)])]
    if with_tesseract:
        cmds.append(("tesseract", ["tesseract", str(img), "stdout"]))
    return cmds


def add_result(totals, key, ref, hyp, seconds, mib):
    """Adds one page to totals[key] = [edits, reference chars, seconds, peak MiB, pages]; returns its edits."""
    d = edit_distance(ref, hyp)
    t = totals.setdefault(key, [0, 0, 0.0, 0.0, 0])
    t[0] += d; t[1] += len(ref); t[2] += seconds; t[3] = max(t[3], mib); t[4] += 1
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ocr", default=str(ROOT / "build" / "ocr"))
    ap.add_argument("--model", default=str(ROOT / "models" / "eng.ocrm"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--skip-tesseract", action="store_true")
    ap.add_argument("--set", choices=["pages", "receipts"], action="append",
                    help="only this set (repeatable; default both)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="only images whose file name contains NAME (repeatable)")
    ap.add_argument("extra", nargs="*", help="extra flags for ocr recognize")
    a = ap.parse_args()

    data = Path(a.shared) / "data"
    if not data.is_dir():
        sys.exit(f"bench_pages: {data} is missing: this benchmark needs ../shared/data (pages, receipts)")
    if not Path(a.ocr).exists():
        sys.exit(f"bench_pages: {a.ocr} not found: build first (cmake --build build)")
    if not Path(a.model).exists():
        sys.exit(f"bench_pages: model {a.model} not found (models/eng.ocrm, or --model)")
    have_tess = not a.skip_tesseract and subprocess.run(["sh", "-c", "command -v tesseract"],
                                                        stdout=subprocess.DEVNULL).returncode == 0
    if not a.skip_tesseract and not have_tess:
        print("bench_pages: tesseract not installed (tools/install-deps.sh --bench); ours only", file=sys.stderr)

    env = dict(os.environ, OMP_THREAD_LIMIT=str(a.threads))
    sets = [("pages", sorted((data / "pages").glob("*.tif")), False),
            ("receipts", sorted((data / "receipts" / "pages").glob("*.jpg")), True)]
    sets = [x for x in sets if not a.set or x[0] in a.set]
    if a.only:
        sets = [(n, [i for i in imgs if any(o in i.name for o in a.only)], f) for n, imgs, f in sets]
    print(f"{'set':9} {'image':18} {'engine':9} {'CER%':>7} {'sec':>6} {'MiB':>7}")
    totals = {}
    for name, images, fold in sets:
        for img in images:
            gt_path = img.with_suffix(".gt.txt")
            if not gt_path.exists():
                continue
            gt = normalise(gt_path.read_text(encoding="utf-8"), fold)
            for eng, cmd in engine_commands(a, img, have_tess):
                out, dt, mib, rc, err = run_timed(cmd, env)
                if rc != 0:
                    print(f"{name:9} {img.name:18} {eng:9} failed (exit {rc}): {err.strip()[:200]}")
                    continue
                d = add_result(totals, (name, eng), gt, normalise(out, fold), dt, mib)
                print(f"{name:9} {img.name:18} {eng:9} {100.0 * d / max(1, len(gt)):7.2f} {dt:6.2f} {mib:7.1f}")
    print()
    print(f"{'set':9} {'engine':9} {'CER%':>7} {'s/page':>7} {'peak MiB':>9}")
    for (name, eng), (d, n, dt, mib, k) in sorted(totals.items()):
        print(f"{name:9} {eng:9} {100.0 * d / max(1, n):7.2f} {dt / max(1, k):7.2f} {mib:9.1f}")
    print("\nCER: edits / GT chars after NFC and whitespace collapsing; receipts case-insensitive; "
          f"OMP_THREAD_LIMIT={a.threads}")


if __name__ == "__main__":
    main()
