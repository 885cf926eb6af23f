#!/bin/sh
# Training over MPI against threads on one machine (issue 16): lines/s of the shipped net for
# 1 process × 2 threads (batch 16) and mpirun -np 2 × 1 thread (batch 8 per rank, the same 16
# lines per step), and the time per step rank 0 spends in the all-reduce (its log); first on
# lines rendered once to a folder (ocr synth, not augmented: the data thread does little), then on
# lines the generator renders while training (--train synth), where each rank renders only its
# own share of the stream.
# lines/s is the run's mean (its "done" line: 40 validation lines and a save included).
# Then the all-reduce alone (ocr-bench-allreduce, bench/mpi_allreduce.cpp, beside the binary).
# Usage: bench/mpi_train.sh [OCR_BINARY] [ITERATIONS]   (defaults: build/ocr, 100)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OCR=${1:-$ROOT/build/ocr}
BIN=$(dirname "$OCR")
# A copy: a rebuild relinking build/ocr mid-run would pull it away.
cp "$OCR" "${TMPDIR:-/tmp}/ocr-mpi-bench.$$" && OCR="${TMPDIR:-/tmp}/ocr-mpi-bench.$$"
IT=${2:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$OCR"' EXIT
"$OCR" -q synth --count 600 --seed 7 --out "$tmp/lines"
"$OCR" -q synth --count 40 --seed 8 --split holdout --out "$tmp/val"
common="train --train $tmp/lines --val $tmp/val --no-augment --iterations $IT --val-every 100000 --warmup 20"
MPI="mpirun --oversubscribe --allow-run-as-root --bind-to none -np 2"
rate() { grep -o '[0-9.]* lines/s' "$1" | tail -1; }

"$OCR" $common --batch 16 --threads 2 --out "$tmp/a.ocrm" 2> "$tmp/a.log" || { cat "$tmp/a.log"; exit 1; }
echo "1 process x 2 threads, batch 16:      $(rate "$tmp/a.log")"
$MPI "$OCR" $common --batch 8 --threads 1 --out "$tmp/b.ocrm" 2> "$tmp/b.log" || { cat "$tmp/b.log"; exit 1; }
echo "2 ranks x 1 thread, batch 8 per rank: $(rate "$tmp/b.log")"
grep -o 'all-reduce .*' "$tmp/b.log"
grep -o '[0-9]* parameters' "$tmp/a.log" | head -1
synth="train --train synth --val $tmp/val --iterations $IT --val-every 100000 --warmup 20"
"$OCR" $synth --batch 16 --threads 2 --out "$tmp/c.ocrm" 2> "$tmp/c.log" || { cat "$tmp/c.log"; exit 1; }
echo "rendered while training: 1 process x 2 threads, batch 16:      $(rate "$tmp/c.log")"
$MPI "$OCR" $synth --batch 8 --threads 1 --out "$tmp/d.ocrm" 2> "$tmp/d.log" || { cat "$tmp/d.log"; exit 1; }
echo "rendered while training: 2 ranks x 1 thread, batch 8 per rank: $(rate "$tmp/d.log")"
grep -o 'all-reduce .*' "$tmp/d.log"
# The all-reduce alone, after a barrier (no waiting for a slower rank): shared memory, then TCP.
if [ -x "$BIN/ocr-bench-allreduce" ]; then
  $MPI "$BIN/ocr-bench-allreduce"
  $MPI --mca btl tcp,self "$BIN/ocr-bench-allreduce" | sed 's/$/ (TCP loopback)/'
fi
