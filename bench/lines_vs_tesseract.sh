#!/bin/sh
# Line recognition, ocr against Tesseract 5, side by side in one run on the same line images,
# both on one thread: CER/WER through the same `ocr eval --pred` code (NFC, whitespace collapsed,
# quote/dash styles folded; receipts also case-insensitive, their ground truth is upper case),
# and lines/s (Tesseract reads a list file in one process, as a batch user would run it).
# Usage: bench/lines_vs_tesseract.sh [OCR_ARGS...]   env: OCR=build/ocr MODEL=models/eng.ocrm
#        DATA=../shared/data  OUT=/tmp/ocr-lines-bench  REPEAT=3 (runs per engine; median time)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${OCR:-$ROOT/build/ocr}
MODEL=${MODEL:-$ROOT/models/eng.ocrm}
DATA=${DATA:-$ROOT/../shared/data}
OUT=${OUT:-/tmp/ocr-lines-bench}
REPEAT=${REPEAT:-3}
[ -d "$DATA" ] || { echo "shared data not found at $DATA (set DATA=...): nothing to measure" >&2; exit 1; }
command -v tesseract >/dev/null || { echo "tesseract missing: tools/install-deps.sh --bench" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
now() { date +%s.%N; }
printf "%-16s %6s | %8s %8s %9s | %8s %8s %9s | %s\n" set lines "ocr CER" "ocr WER" "ocr l/s" "tess CER" "tess WER" "tess l/s" "speed ratio"
for set in uw3-dev uw3-galil receipts/lines; do
  dir="$DATA/$set"
  [ -d "$dir" ] || { echo "skip $set: not found"; continue; }
  name=$(echo "$set" | tr / _)
  flags="--fold"
  [ "$set" = receipts/lines ] && flags="--fold --ignore-case"
  ls "$dir" | grep -E '\.(png|tif|jpg)$' | sed "s|^|$dir/|" > "$OUT/$name.list"
  n=$(wc -l < "$OUT/$name.list")
  # Each engine REPEAT times, taking turns; the median time of each counts.
  ocr_times="" tess_times=""
  for r in $(seq "$REPEAT"); do
    # ocr, one thread (--force: the output folder is resumable and would be skipped).
    t0=$(now)
    OMP_THREAD_LIMIT=1 "$OCR" -q recognize --model "$MODEL" --layout line -j 1 --force --output-dir "$OUT/$name.ocr" "$@" "$dir"
    t1=$(now)
    # Tesseract, one thread, one process over the list; pages are separated by form feeds.
    OMP_THREAD_LIMIT=1 tesseract "$OUT/$name.list" "$OUT/$name.tess" --psm 7 -l eng quiet 2>/dev/null
    t2=$(now)
    ocr_times="$ocr_times $t0,$t1" tess_times="$tess_times $t1,$t2"
  done
  mkdir -p "$OUT/$name.tesspred"
  python3 - "$OUT/$name.list" "$OUT/$name.tess.txt" "$OUT/$name.tesspred" <<'PY'
import os, sys
paths = open(sys.argv[1]).read().split("\n")[:-1]
pages = open(sys.argv[2], encoding="utf-8").read().split("\f")
for i, p in enumerate(paths):
    stem = os.path.basename(p).split(".")[0]
    text = pages[i].strip() if i < len(pages) else ""
    open(os.path.join(sys.argv[3], stem + ".txt"), "w", encoding="utf-8").write(text.replace("\n", " ") + "\n")
PY
  o=$("$OCR" -q eval --gt "$dir" --pred "$OUT/$name.ocr" $flags --json)
  t=$("$OCR" -q eval --gt "$dir" --pred "$OUT/$name.tesspred" $flags --json)
  python3 - "$set" "$n" "$ocr_times" "$tess_times" "$o" "$t" <<'PY'
import json, statistics, sys
s, n = sys.argv[1], int(sys.argv[2])
def median_span(spans):  # "start,end start,end ..." -> median of end - start
    return statistics.median(float(b) - float(a) for a, b in (x.split(",") for x in spans.split()))
ocr_s, tess_s = median_span(sys.argv[3]), median_span(sys.argv[4])
o, t = json.loads(sys.argv[5]), json.loads(sys.argv[6])
ol, tl = n / ocr_s, n / tess_s
print(f"{s:16s} {n:6d} | {100*o['cer']:7.2f}% {100*o['wer']:7.2f}% {ol:9.1f} | {100*t['cer']:7.2f}% {100*t['wer']:7.2f}% {tl:9.1f} | {ol/tl:.2f}x")
PY
done
echo "per-line outputs in $OUT (*.ocr, *.tesspred); lines/s from the median of $REPEAT runs each; ocr args: $*"
