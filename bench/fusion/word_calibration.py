#!/usr/bin/env python3
"""Are the word confidences `ocr` reports calibrated? Reads a folder of line images (NAME.png +
NAME.gt.txt) with `ocr recognize --layout line -f json` and the given model flags, and compares each
output word's confidence with how often such words are right.

Usage: bench/fusion/word_calibration.py [--ocr build/ocr] [--threads 1] [--ignore-case] GT_DIR
           [-- ocr flags, e.g. -l eng_rough+eng_photo --fuse-below 0.8]

A word counts as right when its line's ground truth holds the same word (NFC, quote and dash styles
folded as `ocr eval --fold` does; with --ignore-case, case folded too). Words are bucketed by
confidence in tenths; ECE is the word-weighted mean of |mean confidence - accuracy| over the
buckets. Sets whose ground truth has no spaces (receipt-photos) cannot be scored by words.
"""
import argparse
import json
import os
import subprocess
import sys
import unicodedata

FOLDS = [("``", '"'), ("''", '"'), ("\u201c", '"'), ("\u201d", '"'), ("\u2018", "'"), ("\u2019", "'"),
         ("\u2013", "-"), ("\u2014", "-")]


def fold(text, ignore_case):
    text = unicodedata.normalize("NFC", text)
    for a, b in FOLDS:
        text = text.replace(a, b)
    return text.lower() if ignore_case else text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ocr", default="build/ocr")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ignore-case", action="store_true")
    ap.add_argument("gt_dir")
    ap.add_argument("flags", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    flags = a.flags[1:] if a.flags[:1] == ["--"] else a.flags
    if not os.path.isdir(a.gt_dir):
        sys.exit(f"{a.gt_dir}: no such folder")
    images = sorted(os.path.join(a.gt_dir, f) for f in os.listdir(a.gt_dir)
                    if f.endswith((".png", ".jpg", ".tif")) and
                    os.path.exists(os.path.join(a.gt_dir, os.path.splitext(f)[0] + ".gt.txt")))
    if not images:
        sys.exit(f"{a.gt_dir}: no line image with a NAME.gt.txt beside it")
    out = subprocess.run([a.ocr, "-q", "recognize", "--layout", "line", "--threads", str(a.threads), "-f", "json",
                          *flags, *images], check=True, capture_output=True, text=True).stdout
    buckets = [[0, 0.0, 0] for _ in range(10)]  # words, confidence sum, right
    for page in json.loads(out)["pages"]:
        with open(os.path.splitext(page["source"])[0] + ".gt.txt", encoding="utf-8") as f:
            truth = fold(f.read(), a.ignore_case).split()
        for block in page.get("blocks", []):
            for line in block["lines"]:
                for word in line["words"]:
                    c = word["confidence"]
                    b = buckets[min(9, int(c * 10))]
                    b[0] += 1
                    b[1] += c
                    b[2] += fold(word["text"], a.ignore_case) in truth
    n = sum(b[0] for b in buckets)
    if n == 0:
        sys.exit("no words read")
    ece = sum(abs(b[1] - b[2]) for b in buckets if b[0]) / n
    print(f"{a.gt_dir} {' '.join(flags)}: {n} words, mean confidence {sum(b[1] for b in buckets) / n:.3f}, "
          f"accuracy {sum(b[2] for b in buckets) / n:.3f}, ECE {ece:.4f}")
    for i, (count, conf, right) in enumerate(buckets):
        if count:
            print(f"  {i / 10:.1f}-{(i + 1) / 10:.1f}  {count:6d} words  confidence {conf / count:.3f}  "
                  f"right {right / count:.3f}")


if __name__ == "__main__":
    main()
