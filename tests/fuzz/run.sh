#!/bin/sh
# Runs every fuzz target (or those named) for SECONDS each, one after another, from the seeds in
# corpus/<target>/; new inputs go to a scratch corpus, never into the repository. Prints the
# executions per target and exits non-zero if any target found a crash, leak, timeout or OOM
# (the reproducer is left in ARTIFACTS, default /tmp/ocr-fuzz-artifacts).
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
set -u
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
artifacts=${ARTIFACTS:-/tmp/ocr-fuzz-artifacts}
mkdir -p "$artifacts"
targets=${*:-$(cd "$build/tests/fuzz" && ls fuzz_* | sort)}
failed=0
for t in $targets; do
  name=${t#fuzz_}
  scratch=$(mktemp -d)
  # The files the targets write each input to: in memory where possible (see fuzz_common.h).
  files=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
  log=$artifacts/$t.log
  # -timeout: one input may take at most 10 s; -rss_limit_mb: at most 2 GB (the image targets cap
  # pages at 4 M pixels, the spec target at 100 M parameters).
  OCR_FUZZ_DIR=$files "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$scratch" "$here/corpus/$name" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$t: ${execs:-?} executions, exit $rc"
  if [ $rc -ne 0 ]; then
    failed=1
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
  rm -rf "$scratch" "$files"
done
exit $failed
