#!/bin/bash
# Runs every fuzz target (or those named) until it has made RUNS executions (default 100 000) or
# for SECONDS, whichever comes first, JOBS at a time (a new target starts as soon as one ends);
# from the seeds in corpus/<target>/, new inputs go to a scratch corpus, never into the
# repository. Prints the executions per target and exits non-zero if any target found a crash,
# leak, timeout or OOM (the reproducer is left in ARTIFACTS, default /tmp/ocr-fuzz-artifacts).
# Usage: [JOBS=N] [RUNS=N] tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#   RUNS=0: no cap on executions (SECONDS each).
set -u
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
artifacts=${ARTIFACTS:-/tmp/ocr-fuzz-artifacts}
runs=${RUNS:-100000}
mkdir -p "$artifacts"
# The targets that run to the time cap rather than to RUNS start first, so that with JOBS at a
# time the last minute is not one capped target alone (in alphabetical order net_spec came last).
targets=${*:-$(cd "$build/tests/fuzz" && ls fuzz_* | sort | awk '/^fuzz_(list|net_spec|lexicon)$/ {print; next} {rest = rest $0 "\n"} END {printf "%s", rest}')}
status=$(mktemp -u)  # exists once any target has failed
one() {
  t=$1
  name=${t#fuzz_}
  scratch=$(mktemp -d)
  # The files the targets write each input to: in memory where possible (see fuzz_common.h).
  files=$(mktemp -d -p "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")")
  log=$artifacts/$t.log
  cap=()
  [ "$runs" -gt 0 ] && cap=(-runs="$runs")
  # -timeout: one input may take at most 10 s; -rss_limit_mb: at most 2 GB (the image targets cap
  # pages at 4 M pixels, the spec target at 25 M parameters).
  OCR_FUZZ_DIR=$files "$build/tests/fuzz/$t" "${cap[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "$scratch" "$here/corpus/$name" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  echo "$t: ${execs:-?} executions${secs:+ in $secs s}, exit $rc"
  if [ $rc -ne 0 ]; then
    touch "$status"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5
  fi
  rm -rf "$scratch" "$files"
}
for t in $targets; do
  # JOBS targets at a time (default 1): CI runs two, one per core.
  while [ "$(jobs -rp | wc -l)" -ge "${JOBS:-1}" ]; do wait -n; done
  one "$t" &
done
wait
[ ! -e "$status" ] || { rm -f "$status"; exit 1; }
