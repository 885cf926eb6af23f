#!/usr/bin/env python3
"""Whole pages, `ocr recognize` beside its peers, per page set: CER, order-blind word scores, time per
page and peak memory, on one thread each.

Usage: bench/pages/bench_pages.py [--ocr build/ocr] [--model default|FILE] [--shared ../shared]
           [--threads 1] [--repeat N] [--set pages|receipts|forms|receipt-photos|all ...] [--only NAME ...]
           [--skip-tesseract] [--skip-peers] [--peers /tmp/peers] [--keep DIR] [--json FILE]
           [-- extra ocr flags]

Sets (under ../shared/data, NAME.gt.txt beside each image):
  pages           pages/*.tif                  case-sensitive; PaddleOCR with --order xycut (columns)
  receipts        receipts/pages/*.jpg         case-insensitive (ground truth is upper case)
  forms           forms/pages/*.png            case-sensitive
  receipt-photos  receipt-photos/pages/*.jpg   case-insensitive and spaceless (ground truth has no spaces)

Engines, each limited to --threads (default 1) so that speed compares per core:
  ocr            `ocr -q recognize -m MODEL -j N [extra] IMAGE`, one process per page
  tess-deb       `tesseract IMAGE stdout` (Debian's eng, tessdata_fast), one process per page
  tess-best-int  `python3 PEERS/tess_run.py --model best_int --mode page` (always one thread), and
  paddle-v4      `node PEERS/paddle_ocr.mjs page --threads N` (PP-OCRv4, Chinese+English): one batch
                 process per set (model loaded once), when ../shared/peers is installed in --peers
                 (see ../shared/peers/README.md); run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE.

Scores are totals over the set, not means of page scores:
  CER       total edits / total ground-truth characters after Unicode NFC and collapsing all whitespace
            (newlines included) to single spaces; receipt sets are upper-cased on both sides, and for
            receipt-photos all whitespace is removed on both sides.
  words     order-blind, since no engine is bound to the ground truth's reading order: both sides are
            split at whitespace after the same folding; matched = size of the multiset intersection;
            recall = matched / GT words, precision = matched / output words, F1 = harmonic mean.
  receipt-photos has no words, so there each ground-truth line (folded, spaces removed, empty lines
            dropped) is looked for as a substring of the spaceless folded output, longest line first; a
            found occurrence is cut out of the output so that no output character counts twice.
            recall = found lines / GT lines; precision = characters of found lines / output characters.
  empty     pages whose folded output is empty although the ground truth is not (failed runs apart).
  len x     output characters / GT characters after folding; pages over 2 are listed as "long" (garbage
            or duplicated text usually).
Time and memory:
  ocr, tess-deb: per page, CPU seconds (user+sys) and wall seconds of the process; the median over the
            set is reported. Peak MiB = the largest max RSS of those processes (/usr/bin/time %M).
  peers:    s/page = CPU (wall) seconds of the runner's own stderr timing line / pages: Tesseract's
            includes its one model load, PaddleOCR's excludes its ~1 s load. Peak MiB = max RSS of the
            batch process (for tess_run.py, the tesseract child it waits for is included).
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAVE_TIME = os.path.exists("/usr/bin/time")
LONG_RATIO = 2.0  # output over this many times the GT length is listed as "long"

# dir / glob under data; fold_case; spaceless; extra PaddleOCR flags.
PageSet = namedtuple("PageSet", "name pattern fold_case spaceless paddle_flags")
SETS = [
    PageSet("pages", "pages/*.tif", False, False, ["--order", "xycut"]),
    PageSet("receipts", "receipts/pages/*.jpg", True, False, []),
    PageSet("forms", "forms/pages/*.png", False, False, []),
    PageSet("receipt-photos", "receipt-photos/pages/*.jpg", True, True, []),
]
PEERS = ["tess-best-int", "paddle-v4"]


def normalise(text, fold_case):
    t = unicodedata.normalize("NFC", text)
    t = re.sub(r"\s+", " ", t).strip()
    return t.upper() if fold_case else t


def fold(text, s):
    """The set's comparison form of text (see the module docstring)."""
    t = normalise(text, s.fold_case)
    return t.replace(" ", "") if s.spaceless else t


def edit_distance(a, b):
    # Shared prefix and suffix cost nothing and shorten the quadratic part a lot on good pages.
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    a, b = a[i:len(a) - j], b[i:len(b) - j]
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def word_counts(ref, hyp):
    """(matched, GT words, matched, output words): multiset intersection of whitespace-separated words."""
    r, h = Counter(ref.split()), Counter(hyp.split())
    m = sum((r & h).values())
    return m, sum(r.values()), m, sum(h.values())


def line_counts(gt_lines, hyp):
    """(found lines, GT lines, characters of found lines, output characters) for spaceless ground truth."""
    rest, found, chars = hyp, 0, 0
    for line in sorted(gt_lines, key=len, reverse=True):
        i = rest.find(line)
        if i >= 0:
            # A separator, not nothing: the text on either side must not join into a false match.
            rest = rest[:i] + "\0" + rest[i + len(line):]
            found += 1
            chars += len(line)
    return found, len(gt_lines), chars, len(hyp)


def measure(cmd, env, cwd=None):
    """Runs cmd; returns (stdout, stderr, exit code, wall s, CPU s, peak RSS MiB).

    CPU is the change in our children's usage (microseconds; /usr/bin/time prints hundredths, 3 % of
    a 0.15 s page, and its own ~1 ms is counted with the command). /usr/bin/time writes the peak RSS
    to a file of its own so that the command's stderr stays parseable."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = (["/usr/bin/time", "-o", tf.name, "-f", "TIME %U %S %M"] if HAVE_TIME else []) + cmd
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        wall = time.monotonic() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        m = re.findall(r"^TIME ([\d.]+) ([\d.]+) (\d+)$", Path(tf.name).read_text(), re.M)
    cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    mib = int(m[-1][2]) / 1024.0 if m else float("nan")  # no /usr/bin/time: RSS unknown
    return (p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), p.returncode,
            wall, cpu, mib)


def run_timed(cmd, env):
    """Runs cmd; returns (stdout, wall seconds, peak RSS MiB, exit code, stderr)."""
    out, err, rc, wall, _, mib = measure(cmd, env)
    return out, wall, mib, rc, err


def engine_commands(a, img, with_tesseract):
    """(engine, command) pairs reading img one process per page: ocr with a's flags, then Tesseract if wanted."""
    # --model default: no -m, so `ocr` picks a shipped model per page (--engines auto), as a user's
    # plain `ocr recognize` does.
    model = [] if a.model == "default" else ["-m", a.model]
    cmds = [("ocr", [a.ocr, "-q", "recognize"] + model + ["-j", str(a.threads)] + a.extra + [str(img)])]
    if with_tesseract:
        cmds.append(("tess-deb", ["tesseract", str(img), "stdout"]))
    return cmds


def peer_commands(a, s, list_file, out_dirs):
    """(engine, command, cwd) for the batch peers over list_file, writing out_dirs[engine]/STEM.txt."""
    return [("tess-best-int", ["/usr/bin/python3", str(a.peers / "tess_run.py"), "--model", "best_int",
                               "--mode", "page", "--out", str(out_dirs["tess-best-int"]), "--list", list_file],
             str(a.peers)),
            ("paddle-v4", ["node", "paddle_ocr.mjs", "page", "--out", str(out_dirs["paddle-v4"]),
                           "--threads", str(a.threads)] + s.paddle_flags + ["--list", list_file],
             str(a.peers))]


def peers_installed(d):
    return all((d / f).exists() for f in ["tess_run.py", "paddle_ocr.mjs", "node_modules",
                                          "tessdata_best_int/eng.traineddata"])


def score_page(s, gt_raw, hyp_raw):
    """Per-page numbers of one engine: edits, lengths and the four word (or line) counts."""
    ref, hyp = fold(gt_raw, s), fold(hyp_raw, s)
    if s.spaceless:
        lines = [x for x in (fold(l, s) for l in gt_raw.splitlines()) if x]
        counts = line_counts(lines, hyp)
    else:
        counts = word_counts(ref, hyp)
    return {"edits": edit_distance(ref, hyp), "gt_chars": len(ref), "out_chars": len(hyp),
            "counts": list(counts), "empty": not hyp and bool(ref)}


def ratio(a, b):
    return a / b if b else float("nan")


def f1(r, p):
    # An undefined side (no output, so no precision) counts as 0: an empty page scores F1 0.
    r, p = (0.0 if x != x else x for x in (r, p))
    return 2 * r * p / (r + p) if r + p else 0.0


def summarise(s, pages, eng, peer_timing):
    """Totals of one engine over a set's page records."""
    rs = [p["engines"][eng] for p in pages if eng in p["engines"]]
    if not rs:
        return None
    c = [sum(r["counts"][i] for r in rs) for i in range(4)]
    rec, prec = ratio(c[0], c[1]), ratio(c[2], c[3])
    ran = [r for r in rs if not r["failed"]]
    if eng in PEERS:
        t = peer_timing or {}
        cpu, wall, peak = t.get("cpu_per_page"), t.get("wall_per_page"), t.get("peak_mib")
        basis = t.get("basis", "no timing")
    else:
        cpu = statistics.median(r["cpu"] for r in ran) if ran else None
        wall = statistics.median(r["wall"] for r in ran) if ran else None
        peak = max((r["mib"] for r in ran), default=None)
        basis = "median of per-page processes"
    edits, gt = sum(r["edits"] for r in rs), sum(r["gt_chars"] for r in rs)
    return {"set": s.name, "engine": eng, "pages": len(rs), "cer": ratio(edits, gt), "edits": edits,
            "gt_chars": gt, "out_chars": sum(r["out_chars"] for r in rs),
            "word_unit": "GT lines / chars (spaceless)" if s.spaceless else "words",
            "word_recall": rec, "word_precision": prec, "word_f1": f1(rec, prec),
            "cpu_s_per_page": cpu, "wall_s_per_page": wall, "time_basis": basis, "peak_mib": peak,
            "empty": sum(r["empty"] for r in rs), "failed": sum(r["failed"] for r in rs),
            "empty_pages": [p["image"] for p in pages if p["engines"].get(eng, {}).get("empty")],
            "failed_pages": [p["image"] for p in pages if p["engines"].get(eng, {}).get("failed")],
            "long_pages": [p["image"] for p in pages if eng in p["engines"]
                           and p["engines"][eng]["out_chars"] > LONG_RATIO * max(1, p["engines"][eng]["gt_chars"])]}


def finite(x):
    """x with NaN replaced by None, recursively: JSON has no NaN."""
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x


def num(x, fmt):
    """x formatted as fmt, or a dash of the same width when it is unknown."""
    if x is None or x != x:
        return "-".rjust(int(re.match(r"\d*", fmt).group() or 0))
    return format(x, fmt)


def print_set_table(s, pages, engines, summary):
    """One row per page with every engine's CER %, word F1 % and length ratio side by side, then totals."""
    print(f"== {s.name}: {len(pages)} pages, {sum(p['gt_chars'] for p in pages)} GT chars; "
          f"{'case-insensitive' if s.fold_case else 'case-sensitive'}"
          f"{', spaceless (word F1 = GT-line recall / char precision)' if s.spaceless else ''} ==")
    w = max([18] + [len(p["image"]) for p in pages])
    print(f"{'':{w}}" + "".join(f" | {e:^20}" for e in engines))
    print(f"{'image':{w}}" + " | {:>6} {:>6} {:>6}".format("CER%", "F1%", "len x") * len(engines))
    for p in pages:
        row = f"{p['image']:{w}}"
        for e in engines:
            r = p["engines"].get(e)
            if r is None:
                row += f" | {'-':>20}"
                continue
            cr, cp = ratio(r["counts"][0], r["counts"][1]), ratio(r["counts"][2], r["counts"][3])
            flag = "F" if r["failed"] else "E" if r["empty"] else "!" if r["out_chars"] > LONG_RATIO * max(
                1, r["gt_chars"]) else " "
            row += (f" | {num(100 * ratio(r['edits'], r['gt_chars']), '6.2f')} {num(100 * f1(cr, cp), '6.1f')} "
                    f"{num(ratio(r['out_chars'], r['gt_chars']), '5.2f')}{flag}")
        print(row)
    print(f"{'TOTAL':{w}}" + "".join(
        f" | {num(100 * t['cer'], '6.2f')} {num(100 * t['word_f1'], '6.1f')} "
        f"{num(ratio(t['out_chars'], t['gt_chars']), '5.2f')} " if t else f" | {'-':>20}"
        for t in (summary.get(e) for e in engines)))
    print("(flags: E empty output, F failed, ! output over "
          f"{LONG_RATIO:g}x the GT length)\n")


def print_summary(rows):
    print("== summary (s/page: median of per-page CPU s for ocr and tess-deb; batch CPU s / pages for peers) ==")
    print(f"{'set':15} {'engine':14} {'pages':>5} {'CER%':>7} {'W-rec%':>7} {'W-prec%':>7} {'W-F1%':>6} "
          f"{'s/page':>7} {'wall s/pg':>9} {'peak MiB':>8} {'empty':>5} {'failed':>6}")
    for t in rows:
        print(f"{t['set']:15} {t['engine']:14} {t['pages']:5d} {num(100 * t['cer'], '7.2f')} "
              f"{num(100 * t['word_recall'], '7.1f')} {num(100 * t['word_precision'], '7.1f')} "
              f"{num(100 * t['word_f1'], '6.1f')} {num(t['cpu_s_per_page'], '7.2f')} "
              f"{num(t['wall_s_per_page'], '9.2f')} {num(t['peak_mib'], '8.1f')} {t['empty']:5d} {t['failed']:6d}")
    lists = [(t, k) for t in rows for k in ("empty_pages", "failed_pages", "long_pages") if t[k]]
    if lists:
        print()
    for t, k in lists:
        print(f"{t['set']} {t['engine']} {k.replace('_', ' ')}: {' '.join(t[k])}")


def run_peers(a, s, images, gt, pages, keep):
    """Runs the batch peers once over the set, scores their DIR/STEM.txt into pages; returns their timing."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["OMP_THREAD_LIMIT"] = str(a.threads)
    timing = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        list_file = os.path.join(tmp, "images.list")
        Path(list_file).write_text("".join(f"{img.resolve()}\n" for img in images))
        base = Path(keep) / s.name if keep else Path(tmp)
        out_dirs = {e: base / e for e in PEERS}
        for eng, cmd, cwd in peer_commands(a, s, list_file, out_dirs):
            out_dirs[eng].mkdir(parents=True, exist_ok=True)
            for img in images:  # no stale output from an earlier --keep run may stand in for a failure
                (out_dirs[eng] / (img.name.split(".")[0] + ".txt")).unlink(missing_ok=True)
            print(f"[{s.name}] {eng}: {len(images)} pages in one process ...", file=sys.stderr, flush=True)
            _, err, rc, wall, cpu, mib = measure(cmd, env, cwd)
            # Their own timing line: "... N images, ... S s, ... cpu C s, ..." (wall after model load).
            m = re.search(r"(\d+) images, (?:\d+ lines recognised, )?([\d.]+) s, .*?cpu ([\d.]+) s", err)
            n = max(1, len(images))
            if m:
                t = {"cpu_per_page": float(m.group(3)) / n, "wall_per_page": float(m.group(2)) / n,
                     "basis": "runner's CPU (wall) seconds / pages"}
            else:
                t = {"cpu_per_page": cpu / n, "wall_per_page": wall / n,
                     "basis": "whole batch process CPU (wall) seconds / pages (no timing line)"}
            t.update(peak_mib=mib, exit_code=rc, timing_line=m.group(0) if m else None,
                     notes=[l for l in err.splitlines() if l.strip() and (not m or m.group(0) not in l)][:20])
            timing[eng] = t
            # PaddleOCR names each failed image on stderr ("PATH: message") and writes an empty file for it.
            failed = {l.split(": ")[0] for l in err.splitlines() if ": " in l}
            for img, p in zip(images, pages):
                f = out_dirs[eng] / (img.name.split(".")[0] + ".txt")
                bad = not f.exists() or str(img.resolve()) in failed
                r = score_page(s, gt[img], "" if bad else f.read_text(encoding="utf-8", errors="replace"))
                r.update(failed=bad, empty=r["empty"] and not bad)
                p["engines"][eng] = r
            print(f"[{s.name}] {eng}: exit {rc}, {t['timing_line'] or 'no timing line'}", file=sys.stderr, flush=True)
    return timing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ocr", default=str(ROOT / "build" / "ocr"))
    ap.add_argument("--model", default="default",
                    help="model file; 'default' (the default): no -m, a shipped model per page as a "
                         "plain `ocr recognize` picks (--engines auto)")
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--threads", type=int, default=1, help="threads of every engine (default 1)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run ocr and Tesseract N times per page and keep the median time (default 1)")
    ap.add_argument("--skip-tesseract", action="store_true", help="leave out Debian's tesseract")
    ap.add_argument("--skip-peers", action="store_true", help="leave out Tesseract best_int and PaddleOCR")
    ap.add_argument("--peers", type=Path, default=Path(os.environ.get("PEERS") or "/tmp/peers"),
                    help="installed copy of ../shared/peers (default $PEERS, else /tmp/peers)")
    # nargs "+": `--set forms receipts` names two sets (with a single value the second word was
    # taken for an ocr flag, and every page failed).
    ap.add_argument("--set", choices=[s.name for s in SETS] + ["all"], action="extend", nargs="+",
                    help="only these sets (repeatable; default all)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="only images whose file name contains NAME (repeatable)")
    ap.add_argument("--keep", metavar="DIR", help="write every engine's output to DIR/SET/ENGINE/STEM.txt")
    ap.add_argument("--json", metavar="FILE", help="write pages, per-set totals and the summary here")
    ap.add_argument("extra", nargs="*", help="extra flags for ocr recognize")
    a = ap.parse_args()

    data = Path(a.shared) / "data"
    if not data.is_dir():
        sys.exit(f"bench_pages: {data} is missing: this benchmark needs ../shared/data")
    if not Path(a.ocr).exists():
        sys.exit(f"bench_pages: {a.ocr} not found: build first (cmake --build build)")
    if a.model != "default" and not Path(a.model).exists():
        sys.exit(f"bench_pages: model {a.model} not found (models/eng.ocrm, or --model)")
    have_tess = not a.skip_tesseract and subprocess.run(["sh", "-c", "command -v tesseract"],
                                                        stdout=subprocess.DEVNULL).returncode == 0
    if not a.skip_tesseract and not have_tess:
        print("bench_pages: tesseract not installed (tools/install-deps.sh --bench); left out", file=sys.stderr)
    have_peers = not a.skip_peers and peers_installed(a.peers)
    if not a.skip_peers and not have_peers:
        print(f"bench_pages: peers not installed in {a.peers} (cp -r ../shared/peers /tmp/peers && "
              "/tmp/peers/install.sh): best_int and PaddleOCR left out", file=sys.stderr)
    if not HAVE_TIME:
        print("bench_pages: /usr/bin/time missing (apt-get install time): no peak memory", file=sys.stderr)

    env = dict(os.environ, OMP_THREAD_LIMIT=str(a.threads))
    chosen = [s for s in SETS if not a.set or "all" in a.set or s.name in a.set]
    engines = ["ocr"] + (["tess-deb"] if have_tess else []) + (PEERS if have_peers else [])
    report = {"command": sys.argv, "threads": a.threads, "ocr": a.ocr, "model": a.model, "extra": a.extra,
              "engines": engines, "sets": {}, "summary": []}
    for s in chosen:
        images = [i for i in sorted(data.glob(s.pattern)) if i.with_suffix(".gt.txt").exists()
                  and (not a.only or any(o in i.name for o in a.only))]
        if not images:
            print(f"bench_pages: no images with ground truth in {data / s.pattern}", file=sys.stderr)
            continue
        gt = {img: img.with_suffix(".gt.txt").read_text(encoding="utf-8") for img in images}
        pages = [{"image": img.name, "gt_chars": len(fold(gt[img], s)), "engines": {}} for img in images]
        for k, (img, p) in enumerate(zip(images, pages), 1):
            for eng, cmd in engine_commands(a, img, have_tess):
                out, err, rc, wall, cpu, mib = measure(cmd, env)
                # More runs for the time only: the median of each engine's CPU and wall time.
                if a.repeat > 1 and rc == 0:
                    runs = [(wall, cpu)] + [measure(cmd, env)[3:5] for _ in range(a.repeat - 1)]
                    wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
                # A failed run is scored as empty output, so that CER and recall count its loss.
                r = score_page(s, gt[img], out if rc == 0 else "")
                r.update(failed=rc != 0, empty=r["empty"] and rc == 0, wall=wall, cpu=cpu, mib=mib, exit_code=rc)
                if rc != 0:
                    r["error"] = err.strip()[-300:]
                    print(f"[{s.name}] {img.name} {eng}: {r['error']}", file=sys.stderr, flush=True)
                p["engines"][eng] = r
                if a.keep:
                    d = Path(a.keep) / s.name / eng
                    d.mkdir(parents=True, exist_ok=True)
                    (d / (img.name.split(".")[0] + ".txt")).write_text(out, encoding="utf-8")
                print(f"[{s.name}] {k}/{len(images)} {img.name} {eng}: CER "
                      f"{100 * ratio(r['edits'], r['gt_chars']):.2f}% cpu {cpu:.2f}s {mib:.0f} MiB"
                      f"{f' FAILED (exit {rc})' if rc else ''}", file=sys.stderr, flush=True)
        timing = run_peers(a, s, images, gt, pages, a.keep) if have_peers else {}
        summary = {e: summarise(s, pages, e, timing.get(e)) for e in engines}
        print_set_table(s, pages, engines, summary)
        report["sets"][s.name] = {"fold_case": s.fold_case, "spaceless": s.spaceless, "pages": pages,
                                  "peer_timing": timing, "totals": summary}
        report["summary"] += [t for t in summary.values() if t]
    print_summary(report["summary"])
    print(f"\nCER: edits / GT chars after NFC and whitespace collapsing (receipt sets upper-cased; "
          f"receipt-photos spaceless). Words: order-blind multiset match (receipt-photos: GT lines as "
          f"substrings). One thread each (OMP_THREAD_LIMIT={a.threads}); ocr flags: {' '.join(a.extra) or '-'}")
    if a.json:
        Path(a.json).write_text(json.dumps(finite(report), indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
