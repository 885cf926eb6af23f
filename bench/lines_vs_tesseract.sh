#!/bin/sh
# Line recognition, ocr against its peers side by side in one run on the same line images, every
# engine on one thread: Tesseract 5 (Debian's eng, tessdata_fast) always; Tesseract best_int and
# PaddleOCR PP-OCRv4 when ../shared/peers is installed in $PEERS (cp -r ../shared/peers /tmp/peers
# && /tmp/peers/install.sh). CER/WER through the same `ocr eval --pred` code (NFC, whitespace
# collapsed, quote/dash styles folded; receipts also case-insensitive, their ground truth is upper
# case; receipt photos also with all spaces removed, their ground truth has none), and lines/s
# (Tesseract reads a list file in one process, as a batch user would run it).
# Usage: bench/lines_vs_tesseract.sh [OCR_ARGS...]   env: OCR=build/ocr MODEL=models/eng.ocrm
#        DATA=../shared/data  OUT=/tmp/ocr-lines-bench  REPEAT=3 (timed runs of ocr and Tesseract;
#        median)  SETS="uw3-dev uw3-galil receipts/lines forms/lines receipt-photos/lines"
#        PEERS=/tmp/peers (PEERS= skips best_int and PaddleOCR; they run once, their speed is
#        lines per CPU-second from their runners)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${OCR:-$ROOT/build/ocr}
MODEL=${MODEL:-$ROOT/models/eng.ocrm}
DATA=${DATA:-$ROOT/../shared/data}
OUT=${OUT:-/tmp/ocr-lines-bench}
REPEAT=${REPEAT:-3}
SETS=${SETS:-"uw3-dev uw3-galil receipts/lines forms/lines receipt-photos/lines"}
PEERS=${PEERS-/tmp/peers}
[ -d "$DATA" ] || { echo "shared data not found at $DATA (set DATA=...): nothing to measure" >&2; exit 1; }
command -v tesseract >/dev/null || { echo "tesseract missing: tools/install-deps.sh --bench" >&2; exit 1; }
have_peers=0
if [ -n "$PEERS" ] && [ -f "$PEERS/paddle_ocr.mjs" ] && [ -f "$PEERS/tessdata_best_int/eng.traineddata" ]; then
  have_peers=1
else
  echo "peers not installed at PEERS=$PEERS: best_int and PaddleOCR left out" >&2
fi
rm -rf "$OUT"; mkdir -p "$OUT"
now() { date +%s.%N; }
score() {  # score SET PRED_DIR FLAGS -> JSON report
  "$OCR" -q eval --gt "$DATA/$1" --pred "$2" $3 --json
}
printf "%-20s %5s | %7s %7s %7s %7s | %7s %7s %6s | %s\n" set lines "ocr" "tess" "best_int" "paddle" "ocr l/s" "tess l/s" ratio "(CER %; ocr and tess l/s: median wall time of $REPEAT runs)"
for set in $SETS; do
  dir="$DATA/$set"
  [ -d "$dir" ] || { echo "skip $set: not found"; continue; }
  name=$(echo "$set" | tr / _)
  flags="--fold"
  case "$set" in
    receipts/*) flags="--fold --ignore-case" ;;
    receipt-photos/*) flags="--fold --ignore-case --ignore-spaces" ;;
  esac
  ls "$dir" | grep -E '\.(png|tif|jpg)$' | sed "s|^|$dir/|" > "$OUT/$name.list"
  n=$(wc -l < "$OUT/$name.list")
  # ocr and Tesseract REPEAT times, taking turns; the median time of each counts.
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
  o=$(score "$set" "$OUT/$name.ocr" "$flags")
  t=$(score "$set" "$OUT/$name.tesspred" "$flags")
  b="{}" p="{}"
  if [ "$have_peers" = 1 ]; then
    (cd /tmp && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$PEERS/tess_run.py" --model best_int --mode line \
      --out "$OUT/$name.bestint" --list "$OUT/$name.list") 2> "$OUT/$name.bestint.log"
    (cd "$PEERS" && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE node paddle_ocr.mjs rec --threads 1 \
      --out "$OUT/$name.paddle" --list "$OUT/$name.list" > /dev/null) 2> "$OUT/$name.paddle.log"
    b=$(score "$set" "$OUT/$name.bestint" "$flags")
    p=$(score "$set" "$OUT/$name.paddle" "$flags")
  fi
  python3 - "$set" "$n" "$ocr_times" "$tess_times" "$o" "$t" "$b" "$p" <<'PY'
import json, statistics, sys
s, n = sys.argv[1], int(sys.argv[2])
def median_span(spans):  # "start,end start,end ..." -> median of end - start
    return statistics.median(float(b) - float(a) for a, b in (x.split(",") for x in spans.split()))
ocr_s, tess_s = median_span(sys.argv[3]), median_span(sys.argv[4])
cer = lambda j: f"{100 * json.loads(j)['cer']:6.2f}%" if json.loads(j) else "      -"
ol, tl = n / ocr_s, n / tess_s
print(f"{s:20s} {n:5d} | {cer(sys.argv[5])} {cer(sys.argv[6])} {cer(sys.argv[7])} {cer(sys.argv[8])} | {ol:7.1f} {tl:7.1f} {ol/tl:5.2f}x")
PY
done
echo "per-line outputs in $OUT (*.ocr, *.tesspred, *.bestint, *.paddle; peers' timing lines in *.log); ocr args: $*"
