#!/bin/sh
# Fusion against single models on the dev line sets (issue 17), in one run with one binary:
# character edits per set (`ocr eval --fold`; receipts also --ignore-case, receipt photos also
# --ignore-spaces: their ground truth has none) and the CPU seconds of each configuration.
#
#   bench/fusion/bench_fusion.sh                       the shipped models, alone, fused, auto
#   CONFIGS="eng eng_photo eng+eng_photo" bench/fusion/bench_fusion.sh
#
# A configuration is a model name or file, a '+'-list (fused as --fusion says: FUSION=auto by
# default), `auto` (no model named: --engines auto) or `all` (--engines all). OCR is the binary,
# SHARED the shared data folder, THREADS the threads of each run (1: CPU time comparable across
# configurations), EXTRA more `ocr eval` options for every run, REPS how many times each run is
# repeated (the configurations interleaved; CPU time is the median over the repetitions of each
# configuration's total: on a shared VM one run's system time wanders by a second or more).
set -e
cd "$(dirname "$0")/../.."
OCR=${OCR:-build/ocr}
SHARED=${SHARED:-../shared}
THREADS=${THREADS:-1}
REPS=${REPS:-1}
FUSION=${FUSION:-auto}
SETS=${SETS:-"uw3-dev uw3-galil receipts/lines forms/lines receipt-photos/lines"}
CONFIGS=${CONFIGS:-"eng eng_rough eng_photo auto all eng_rough+eng_photo"}
[ -x "$OCR" ] || { echo "no binary at $OCR (build first)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for rep in $(seq "$REPS"); do
for set in $SETS; do
  dir="$SHARED/data/$set"
  [ -d "$dir" ] || { echo "missing $dir" >&2; exit 1; }
  flags="--fold"
  case "$set" in
    receipts/*) flags="$flags --ignore-case" ;;
    receipt-photos/*) flags="$flags --ignore-case --ignore-spaces" ;;
  esac
  for config in $CONFIGS; do
    case "$config" in
      auto) model="--engines auto" ;;
      all) model="--engines all" ;;
      *) model="--model $config --fusion $FUSION" ;;
    esac
    key=$(echo "$set-$config" | tr '/+' '__')
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S" -o "$out/$key.time" env -u OCR_MODEL "$OCR" -q eval --gt "$dir" $model $flags \
      --threads "$THREADS" $EXTRA > "$out/$key.txt"
    edits=$(sed -n 's/^CER: .*(\([0-9]*\) edits.*/\1/p' "$out/$key.txt")
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$out/$key.time")
    echo "$set $config $edits $cpu $rep" >> "$out/rows"
  done
done
done
awk -v configs="$CONFIGS" -v reps="$REPS" '
  function median(v, n,   i, j, x) {
    for (i = 2; i <= n; ++i) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; --j) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  {
    if (($1, $2) in e && e[$1, $2] != $3) { printf "edits differ between repetitions: %s %s %s against %s\n", $1, $2, $3, e[$1, $2] > "/dev/stderr"; bad = 1 }
    e[$1, $2] = $3; t[$2, $5] += $4
    if (!($1 in seen)) { seen[$1] = 1; sets[++ns] = $1 }
  }
  END {
    nc = split(configs, c, " ")
    printf "%-22s", "edits"; for (j = 1; j <= nc; ++j) printf " %14s", c[j]; printf "\n"
    for (i = 1; i <= ns; ++i) {
      printf "%-22s", sets[i]
      for (j = 1; j <= nc; ++j) { printf " %14s", e[sets[i], c[j]]; sum[j] += e[sets[i], c[j]] }
      printf "\n"
    }
    for (j = 1; j <= nc; ++j) { for (r = 1; r <= reps; ++r) v[r] = t[c[j], r]; cpu[j] = median(v, reps) }
    printf "%-22s", "sum"; for (j = 1; j <= nc; ++j) printf " %14d", sum[j]; printf "\n"
    printf "%-22s", (reps > 1 ? "CPU s (median of " reps ")" : "CPU s"); for (j = 1; j <= nc; ++j) printf " %14.1f", cpu[j]; printf "\n"
    best = 0; for (j = 1; j <= nc; ++j) if (c[j] !~ /[+]/ && c[j] != "auto" && c[j] != "all" && (best == 0 || sum[j] < sum[best])) best = j
    if (best) for (j = 1; j <= nc; ++j) if (j != best)
      printf "%s against the best single model (%s): %+.1f %% edits, %.2fx its CPU time\n", c[j], c[best], 100 * (sum[j] - sum[best]) / sum[best], cpu[j] / cpu[best]
    for (j = 1; j <= nc; ++j) { if (c[j] == "auto") a = j; if (c[j] == "all") l = j }
    if (best && a && l && sum[best] > sum[l])
      printf "auto keeps %.0f %% of all'"'"'s gain over %s\n", 100 * (sum[best] - sum[a]) / (sum[best] - sum[l]), c[best]
    exit bad
  }' "$out/rows"
