#!/bin/sh
# OCR a folder tree with a Slurm job array: each task reads its own shard of the inputs
# (`ocr recognize --shard auto`, from SLURM_ARRAY_TASK_ID/COUNT) into one shared output tree.
# A task that dies (time limit, preemption, node failure) is simply resubmitted: outputs that
# exist are skipped, so only what is missing is redone.
#
#   sbatch --array=0-15 bench/cluster/ocr-array.sh SCANS OUT [ocr recognize options...]
#   sbatch --array=3 bench/cluster/ocr-array.sh SCANS OUT     # redo task 3 alone
#
# The array size is the shard count; ids need not start at 0 (--array=1-16 works too).
# OCR names the binary (default: ocr on PATH). Exit status is ocr's: 1 if an input failed.
#SBATCH --job-name=ocr
#SBATCH --array=0-3
#SBATCH --cpus-per-task=4
#SBATCH --output=ocr-%A_%a.log
set -eu
if [ $# -lt 2 ]; then
  echo "usage: sbatch --array=0-N bench/cluster/ocr-array.sh IN_DIR OUT_DIR [ocr recognize options...]" >&2
  exit 2
fi
in=$1
out=$2
shift 2
# One task per shard, threads from the allocation (0 = all cores the task may use).
exec "${OCR:-ocr}" recognize --shard auto --recursive --no-progress --output-dir "$out" \
  -j "${SLURM_CPUS_PER_TASK:-0}" "$@" "$in"
