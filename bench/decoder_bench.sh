#!/bin/sh
# Decoder bench (issue 5). Always: decoding time per line on synthetic network output of a
# realistic shape (K=170 labels, T=150 frames), greedy vs beam vs beam + LM, one core.
# With a model: CER/WER of greedy, beam and beam + LM (grid over α, β) on the shared line sets,
# the network's forward time per line, and the confidence calibration table.
# Usage: bench/decoder_bench.sh   (env: OCR=build/ocr MODEL=models/eng.ocrm LM=models/eng.lm
#                                  DATA=../shared/data LIMIT=300 ALPHAS=... BETAS=...)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${OCR:-$ROOT/build/ocr}
MODEL=${MODEL:-$ROOT/models/eng.ocrm}
LM=${LM:-$ROOT/models/eng.lm}
DATA=${DATA:-$ROOT/../shared/data}
LIMIT=${LIMIT:-300}
ALPHAS=${ALPHAS:-0,0.25,0.5,0.75,1}
BETAS=${BETAS:-0,0.5,1,2}
TEXT=/usr/share/common-licenses/GPL-3
[ -f "$ROOT/data/corpus/eng.txt" ] && TEXT=$ROOT/data/corpus/eng.txt

echo "== decoding speed, synthetic posteriors =="
for w in 4 8 16 32; do
  "$OCR" -q lm bench --lm "$LM" --text "$TEXT" --lines 300 --beam-width "$w"
done

[ -f "$MODEL" ] || { echo "no model at $MODEL: skipping accuracy and calibration"; exit 0; }
for set in uw3-dev uw3-galil receipts/lines; do
  [ -d "$DATA/$set" ] || { echo "skip $set: not found"; continue; }
  echo "== $set =="
  "$OCR" -q lm tune --model "$MODEL" --lm "$LM" --gt "$DATA/$set" --limit "$LIMIT" \
    --alphas "$ALPHAS" --betas "$BETAS"
done
if [ -d "$DATA/uw3-dev" ]; then
  echo "== confidence calibration, uw3-dev =="
  "$OCR" -q lm calibrate --model "$MODEL" --lm "$LM" --gt "$DATA/uw3-dev" --limit "$LIMIT"
fi
