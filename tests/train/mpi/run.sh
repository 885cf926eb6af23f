#!/bin/sh
# MPI training tests (issue 16). Usage: run.sh equivalence|batchnorm|failure CHECK_BINARY MPIEXEC
# MPIEXEC empty: a build without MPI, or the sanitizer build (Open MPI's own allocations at
# exit are reported as leaks there): skipped with 77.
set -u
mode=$1 check=$2 mpiexec=${3:-}
if [ -z "$mpiexec" ]; then echo "MPI not built in (or sanitizer build): skipped"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --bind-to none: ranks and their threads share the cores with whatever else runs (CI, a busy
# machine); CMA single copy needs ptrace rights that containers often lack.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
run2() { "$mpiexec" --oversubscribe --allow-run-as-root --bind-to none -np 2 "$@"; }

case "$mode" in
equivalence)
  # 2 ranks × batch 4 take the same steps as 1 process × batch 8: equal weights after 20 steps,
  # each rank having drawn (read, augmented, prepared) only half of the lines one process draws.
  "$check" train "$tmp/one" "$tmp/one.ocrm" 8 20 > "$tmp/one.out" || exit 1
  run2 "$check" train "$tmp/two" "$tmp/two.ocrm" 4 20 > "$tmp/two.out" || exit 1
  cat "$tmp/one.out" "$tmp/two.out"
  "$check" compare "$tmp/one.ocrm.last" "$tmp/two.ocrm.last" 1e-5 || exit 1
  one=$(sed -n 's/^rank 0 drew \([0-9]*\) lines$/\1/p' "$tmp/one.out")
  for r in 0 1; do
    mine=$(sed -n "s/^rank $r drew \\([0-9]*\\) lines\$/\\1/p" "$tmp/two.out")
    [ -n "$one" ] && [ -n "$mine" ] && [ $((2 * mine)) -eq "$one" ] ||
      { echo "rank $r drew '$mine' lines; one process drew '$one'"; exit 1; }
  done
  ;;
batchnorm)
  # A net with Bn: its running statistics (no gradients) are averaged over the ranks, not summed
  # as gradients; 2 ranks train and write a model.
  run2 "$check" train "$tmp/bn" "$tmp/bn.ocrm" 4 5 -1 "C3,3,8 Bn Relu Mp2,2 Col Lbx24 O" || exit 1
  [ -s "$tmp/bn.ocrm.last" ] || { echo "no model written"; exit 1; }
  ;;
failure)
  # Rank 1 throws before its first collective; rank 0 waits in one. MPI_Abort must end both
  # with a non-zero status (ctest's TIMEOUT catches a hang).
  if run2 "$check" train "$tmp/fail" "$tmp/fail.ocrm" 4 20 1; then
    echo "expected a non-zero exit"; exit 1
  fi
  ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
exit 0
