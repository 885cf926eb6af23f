#!/bin/sh
# Runs every fuzz target (or those named) for SECONDS each, JOBS at a time, from the seeds in
# corpus/<target>/; new inputs go to a scratch corpus, never into the repository. Prints the
# executions per target and exits non-zero if any target found a crash, leak, timeout or OOM
# (the reproducer is left in ARTIFACTS, default /tmp/ocr-fuzz-artifacts).
# Usage: [JOBS=N] tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
set -u
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
artifacts=${ARTIFACTS:-/tmp/ocr-fuzz-artifacts}
mkdir -p "$artifacts"
targets=${*:-$(cd "$build/tests/fuzz" && ls fuzz_* | sort)}
status=$(mktemp -u)  # exists once any target has failed
one() {
  t=$1
  name=${t#fuzz_}
  scratch=$(mktemp -d)
  # The files the targets write each input to: in memory where possible (see fuzz_common.h).
  files=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
  log=$artifacts/$t.log
  # -timeout: one input may take at most 10 s; -rss_limit_mb: at most 2 GB (the image targets cap
  # pages at 4 M pixels, the spec target at 25 M parameters).
  OCR_FUZZ_DIR=$files "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$scratch" "$here/corpus/$name" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  echo "$t: ${execs:-?} executions, exit $rc"
  if [ $rc -ne 0 ]; then
    touch "$status"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
  rm -rf "$scratch" "$files"
}
n=0
for t in $targets; do
  one "$t" &
  n=$((n + 1))
  # JOBS targets at a time (default 1): CI runs two, one per core.
  if [ $((n % ${JOBS:-1})) -eq 0 ]; then wait; fi
done
wait
[ ! -e "$status" ] || { rm -f "$status"; exit 1; }
