#!/bin/sh
# Statistics check of the synthetic-line generator: p10 / median / p90 of line height, x-height,
# stroke width, stroke width / x-height, edge roughness and ink density, for N generated lines of
# a profile side by side with folders of real line images (measured by the same code:
# src/synth/line_stats.cpp).
# Usage: bench/synth_stats.sh [OCR_BINARY] [N] [PROFILE]
#   defaults: build/ocr, 500, scan_binary; real folders: ../shared/data/uw3-dev and uw3-galil
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${1:-$ROOT/build/ocr}
N=${2:-500}
PROFILE=${3:-scan_binary}
SHARED=${OCR_SHARED_DATA:-$ROOT/../shared/data}
set --
for d in "$SHARED/uw3-dev" "$SHARED/uw3-galil"; do
  [ -d "$d" ] && set -- "$@" --stats "$d"
done
[ $# -gt 0 ] || { echo "no real line folders under $SHARED" >&2; exit 1; }
exec "$OCR" -q synth --count "$N" --seed 7 --profile "$PROFILE=1" "$@"
