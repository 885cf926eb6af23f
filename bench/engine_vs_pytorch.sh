#!/bin/sh
# Engine speed side by side with PyTorch on the same net and input (32 x 400 lines), at 1 and 2
# threads, in one run. Needs python3-torch (tools/install-deps.sh --bench) and a built tree.
# Nothing else should run on the machine meanwhile.
# Usage: bench/engine_vs_pytorch.sh [BUILD_DIR] [SECONDS]
set -e
BUILD=${1:-build}
SECS=${2:-15}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$BUILD/ocr-bench-engine"
# Debian's python3-torch lives in the system Python, not in a pyenv/venv python3 on PATH.
PY=${PY:-/usr/bin/python3}
[ -x "$BENCH" ] || { echo "build $BENCH first: cmake --build $BUILD --target ocr-bench-engine" >&2; exit 1; }
$PY -c "import torch" 2>/dev/null || { echo "python3-torch missing: tools/install-deps.sh --bench" >&2; exit 1; }
# Debian's torch does its LSTM and linear GEMMs through the system BLAS: with the reference BLAS
# (libblas3 alone) it runs ~20x slower than with OpenBLAS, which install-deps.sh --bench installs.
case "$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null)" in
  *openblas*) ;;
  *) echo "warning: the system BLAS is not OpenBLAS; PyTorch's figures will be far too low" >&2 ;;
esac
get() { echo "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
printf "%-8s %-22s %10s %10s %8s\n" threads metric ocr pytorch ratio
for T in 1 2; do
  OURS=$(OMP_NUM_THREADS=$T "$BENCH" --threads "$T" --seconds "$SECS")
  # ocr train --bf16 (mixed precision), where the CPU has AVX512-BF16; PyTorch stays float.
  OURS_BF16=$(OMP_NUM_THREADS=$T "$BENCH" --threads "$T" --seconds "$SECS" --bf16-train 1)
  # OpenBLAS overrides exported on this machine push PyTorch onto slow kernels: drop them here only.
  THEIRS=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=$T \
    $PY "$ROOT/bench/pytorch_engine.py" --threads "$T" --seconds "$SECS")
  for M in train_lines_per_s infer_b1_lines_per_s infer_b16_lines_per_s; do
    A=$(get "$OURS" $M); B=$(get "$THEIRS" $M)
    printf "%-8s %-22s %10s %10s %8s\n" "$T" "$M" "$A" "$B" "$(echo "$A $B" | awk '{ printf "%.2f", $1 / $2 }')"
    if [ "$M" = train_lines_per_s ]; then
      A=$(get "$OURS_BF16" $M)
      printf "%-8s %-22s %10s %10s %8s\n" "$T" "train (ocr --bf16)" "$A" "$B" "$(echo "$A $B" | awk '{ printf "%.2f", $1 / $2 }')"
    fi
  done
  echo "         forward GFLOP/line $(get "$OURS" forward_gflop); ocr train GFLOP/s $(get "$OURS" train_gflops), infer b1 GFLOP/s $(get "$OURS" infer_b1_gflops), b16 $(get "$OURS" infer_b16_gflops)"
done
