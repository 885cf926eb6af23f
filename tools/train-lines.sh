#!/bin/sh
# Trains the shipped text-line detector, models/lines.ocrm, on synthetic pages only.
#   tools/train-lines.sh                                   from scratch
#   LR=1.5e-3 SEED=22 tools/train-lines.sh --init models/lines.ocrm      resume / continue
#   MINUTES=90 LR=1e-3 WARMUP=100 SEED=23 tools/train-lines.sh --init models/lines.ocrm --text-height 8
#                                                          the fax detector, models/lines_fax.ocrm
# Extra arguments go to `ocr train`. MINUTES sets the time budget (the learning-rate decay is
# timed to end with it), LR/WARMUP/SEED the schedule, BUILD the build folder, OCR the binary
# itself (e.g. a copy that a rebuild cannot replace mid-run), NET the net of a new model, KEEP the checkpoints kept, OUT the output model (default
# runs/lines/lines.ocrm). Needs the fonts (tools/install-deps.sh --fonts) and the corpus
# (tools/build-corpus.sh, run here if data/corpus/eng.txt is missing). Copy the result to
# models/ when it is better (bench/pages/bench_pages.py -- --detector FILE measures it).
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-runs/lines/lines.ocrm}
MINUTES=${MINUTES:-90}
OCR=${OCR:-$BUILD/ocr}
LR=${LR:-2e-3}
WARMUP=${WARMUP:-200}
SEED=${SEED:-21}
NET=${NET:-"C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Rd32,2 Rd32,4 Rd32,8 Om1"}
[ -f data/corpus/eng.txt ] || tools/build-corpus.sh
mkdir -p "$(dirname "$OUT")"
exec "$OCR" train --train synth-pages --out "$OUT" \
  --net "$NET" \
  --iterations 1000000 --time-budget "$MINUTES" --batch 8 --lr "$LR" --warmup "$WARMUP" --decay 0.25 \
  --val-every 500 --val-pages 24 --seed "$SEED" --precision auto --keep-checkpoints "${KEEP:-4}" \
  --page-kinds article=0.25,form=0.25,table=0.1,receipt=0.2,letter=0.08,screenshot=0.12 \
  "$@"
