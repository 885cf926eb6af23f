#!/bin/sh
# Builds the shipped character language model models/eng.lm (order 7, modified Kneser-Ney,
# count-pruned to about 5 MB) and the decoder's word list models/eng.words from
# data/corpus/eng.txt (made by tools/build-corpus.sh).
# Every 100th corpus line is held out to report the model's cross-entropy.
# Usage: tools/build-lm.sh [OCR_BINARY]   (default: build/ocr)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${1:-$ROOT/build/ocr}
CORPUS=$ROOT/data/corpus/eng.txt
[ -f "$CORPUS" ] || { echo "missing $CORPUS: run tools/build-corpus.sh first" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
awk 'NR % 100 != 0' "$CORPUS" > "$TMP/train.txt"
awk 'NR % 100 == 0' "$CORPUS" > "$TMP/heldout.txt"
"$OCR" lm build "$TMP/train.txt" -o "$ROOT/models/eng.lm" --order 7 --prune 1,5,15,30,50,80
"$OCR" lm info "$ROOT/models/eng.lm" --text "$TMP/heldout.txt"
# Word list: runs of letters (the decoder ends a word at any other character, so "don't" is
# "don" + "t") seen at least 3 times, lower-cased (the lexicon also accepts Capitalised and UPPER
# forms), in code-point order (the lexicon loads a sorted list without sorting it).
LC_ALL=C.UTF-8 grep -oE '[[:alpha:]]+' "$TMP/train.txt" | tr 'A-Z' 'a-z' | LC_ALL=C sort | LC_ALL=C uniq -c |
  awk '$1 >= 3 {print $2}' > "$ROOT/models/eng.words"
echo "models/eng.words: $(wc -l < "$ROOT/models/eng.words") words"
