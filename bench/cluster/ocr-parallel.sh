#!/bin/sh
# OCR a folder tree with GNU parallel: N shards (`ocr recognize --shard K/N`) as N job slots,
# on this machine or, with parallel's -S host1,host2 and a shared file system, on several.
# Resumable like the Slurm array: run it again and only missing outputs are redone.
#
#   bench/cluster/ocr-parallel.sh SCANS OUT [N] [ocr recognize options...]
#
# N defaults to the number of cores; each shard runs single-threaded (-j 1), so N slots use N
# cores. OCR names the binary (default: ocr on PATH). Exits non-zero if any shard did.
set -eu
if [ $# -lt 2 ]; then
  echo "usage: bench/cluster/ocr-parallel.sh IN_DIR OUT_DIR [N] [ocr recognize options...]" >&2
  exit 2
fi
in=$1
out=$2
shift 2
n=$(nproc)
if [ $# -gt 0 ]; then n=$1; shift; fi
# --halt never: a shard with a bad input still lets the others finish (parallel's exit status
# counts the failed shards).
exec parallel --will-cite --quote --halt never -j "$n" \
  "${OCR:-ocr}" recognize --shard {}/"$n" --recursive --no-progress -j 1 --output-dir "$out" "$@" "$in" \
  ::: $(seq 0 $((n - 1)))
