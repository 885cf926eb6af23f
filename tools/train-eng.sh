#!/bin/sh
# Trains the shipped English model, models/eng.ocrm, from synthetic lines only.
#   tools/train-eng.sh                      from scratch (the recipe of the shipped model)
#   LR=5e-4 WARMUP=100 SEED=2 tools/train-eng.sh --init models/eng.ocrm   resume / continue
# Extra arguments go to `ocr train` (options it already sets come from the environment instead:
# CLI11 takes each option once). MINUTES sets the time budget (the learning-rate decay is timed to
# end with it), LR/WARMUP/SEED the schedule, NET the network spec, BUILD the build folder (OCR the binary itself, e.g. a
# copy that a rebuild cannot replace mid-run), OUT the output model (default runs/eng/eng.ocrm).
# Mixed precision (--bf16) from session 4 on: 1.4x the lines/s where the CPU has AVX512-BF16
# (float elsewhere); the runs before it were float. Since 2026-12-04 --precision auto: bf16 only
# where a timing at the start finds it faster (on one Xeon with AVX512-BF16 it was 0.8x).
# Needs the font packages (tools/install-deps.sh --fonts) and the corpus (tools/build-corpus.sh,
# run here if data/corpus/eng.txt is missing). Copy the result to models/ when it is better.
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-runs/eng/eng.ocrm}
MINUTES=${MINUTES:-100}
OCR=${OCR:-$BUILD/ocr}
LR=${LR:-1e-3}
WARMUP=${WARMUP:-300}
SEED=${SEED:-1}
# The shipped recognizers' net; another for a fusion member of another kind (models/wip).
NET=${NET:-"C3,3,16 Bn Relu Mp2,2 R32 Mp2,2 R64 R64 Mp2,1 Col Lbx128 Lbx128 O"}
[ -f data/corpus/eng.txt ] || tools/build-corpus.sh
mkdir -p "$(dirname "$OUT")"
exec "$OCR" train --train synth --out "$OUT" \
  --net "$NET" \
  --iterations 1000000 --time-budget "$MINUTES" --batch 16 --lr "$LR" --warmup "$WARMUP" --decay 0.25 \
  --val-every 1000 --val-lines 400 --seed "$SEED" --precision auto \
  --data-description "synthetic lines from ocr's generator (data/fonts.tsv train faces, corpus from Debian packages via tools/build-corpus.sh)" \
  "$@"
