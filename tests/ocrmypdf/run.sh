#!/bin/sh
# OCRmyPDF with `ocr` instead of Tesseract (tools/ocrmypdf/ocr_plugin.py): a scanned PDF of
# data/sample-page.png (an image, no text) comes out with a text layer whose words pdftotext
# finds where they are on the page, and the PDF names `ocr` as the engine that read it.
# Usage: tests/ocrmypdf/run.sh OCR_BINARY SOURCE_DIR (ctest runs it); exit 77 = skipped.
set -eu
OCR=$1
SRC=$(cd "$2" && pwd)
case $OCR in */*) OCR=$(cd "$(dirname "$OCR")" && pwd)/$(basename "$OCR") ;; esac  # it cds away
for tool in ocrmypdf pdftotext pdfinfo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (tools/install-deps.sh installs it)"
    exit 77
  fi
done
# The Python OCRmyPDF runs on has img2pdf (a dependency of OCRmyPDF): the scan is made with it.
PY=$(sed -n '1s/^#! *//p' "$(command -v ocrmypdf)")
[ -n "$PY" ] || PY=python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ocrmypdf-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
fail() { echo "FAIL: $*"; exit 1; }

# 1700 x 1100 px at 200 dpi: an 8.5 x 5.5 in page, 612 x 396 pt.
$PY -c 'import sys, img2pdf
open("scan.pdf", "wb").write(img2pdf.convert(sys.argv[1], layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))' \
  "$SRC/data/sample-page.png"
[ -z "$(pdftotext scan.pdf - | tr -d ' \n\f')" ] || fail "the scan already has text"

# The model by name (eng, OCRmyPDF's default language), found in the source tree's models/.
unset OCR_MODEL
export OCR_MODEL_DIR="$SRC/models"
# Both of OCRmyPDF's renderers: hocr (the plugin's default; OCRmyPDF lays out the hOCR) and
# sandwich (the plugin's generate_pdf gives the text-only page).
for renderer in hocr sandwich; do
  start=$(date +%s)
  rc=0
  ocrmypdf --plugin "$SRC/tools/ocrmypdf/ocr_plugin.py" --ocr-binary "$OCR" --pdf-renderer $renderer \
    --output-type pdf --optimize 0 -j 1 --sidecar out.txt scan.pdf out.pdf 2>err.txt || rc=$?
  [ "$rc" -eq 0 ] || { cat err.txt; fail "$renderer: ocrmypdf exited with $rc"; }
  echo "$renderer: ocrmypdf took $(($(date +%s) - start)) s"

  pdfinfo out.pdf >info.txt
  grep -q '^Creator:.*/ ocr [0-9]' info.txt || { cat info.txt; fail "$renderer: the PDF does not name ocr as its OCR engine"; }
  pdftotext out.pdf out-text.txt
  for w in Notes recognition Reading columns lines inside straightens network trained Broken reported harder; do
    grep -qw "$w" out-text.txt || { cat out-text.txt; fail "$renderer: '$w' is not in the PDF's text"; }
    grep -qw "$w" out.txt || { cat out.txt; fail "$renderer: '$w' is not in the sidecar text"; }
  done
  # Where the words are: "Notes" is at x 521..650, y 58..92 px in the image, 187.6..234 pt and
  # 20.9..33.1 pt from the top on the page; the text layer must cover it.
  pdftotext -bbox out.pdf - | awk -v r=$renderer '
    />Notes</ { for (i = 1; i <= NF; ++i) if (split($i, kv, "=") == 2) { gsub(/"/, "", kv[2]); v[kv[1]] = kv[2] + 0 }
                found = 1
                if (v["xMin"] < 182 || v["xMin"] > 194 || v["yMin"] < 14 || v["yMin"] > 28 || v["yMax"] < 28 || v["yMax"] > 40) {
                  print "FAIL: " r ": Notes at x " v["xMin"] "..." v["xMax"] ", y " v["yMin"] "..." v["yMax"] " pt"; bad = 1 } }
    END { if (!found) print "FAIL: " r ": no box for Notes"; exit (found && !bad) ? 0 : 1 }'
  rm -f out.pdf out.txt
done
echo "PASS: ocrmypdf with the ocr plugin put the page's words in the PDF"
