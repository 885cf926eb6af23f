#!/bin/sh
# Trains the shipped English model, models/eng.ocrm, from synthetic lines only.
#   tools/train-eng.sh                      from scratch (the recipe of the shipped model)
#   tools/train-eng.sh --init models/eng.ocrm --lr 3e-4 --warmup 50   resume / continue
# Extra arguments go to `ocr train`. MINUTES sets the time budget (the learning-rate decay is timed
# to end with it), BUILD the build folder, OUT the output model (default runs/eng/eng.ocrm).
# Needs the font packages (tools/install-deps.sh --fonts) and the corpus (tools/build-corpus.sh,
# run here if data/corpus/eng.txt is missing). Copy the result to models/ when it is better.
set -e
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=${OUT:-runs/eng/eng.ocrm}
MINUTES=${MINUTES:-100}
[ -f data/corpus/eng.txt ] || tools/build-corpus.sh
mkdir -p "$(dirname "$OUT")"
exec "$BUILD/ocr" train --train synth --out "$OUT" \
  --net "C3,3,16 Bn Relu Mp2,2 R32 Mp2,2 R64 R64 Mp2,1 Col Lbx128 Lbx128 O" \
  --iterations 1000000 --time-budget "$MINUTES" --batch 16 --lr 1e-3 --warmup 300 --decay 0.25 \
  --val-every 1000 --val-lines 400 --seed 1 \
  --data-description "synthetic lines from ocr's generator (data/fonts.tsv train faces, corpus from Debian packages via tools/build-corpus.sh), default profile mix" \
  "$@"
