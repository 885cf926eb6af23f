#!/bin/sh
# tests/install/run.sh BUILD_DIR SOURCE_DIR: installs the build into a temporary prefix, builds
# tests/install/consumer against it with find_package(ocr) and with pkg-config, and runs both on
# the sample line. Skipped (77) for a sanitized build, whose library an unsanitized program
# cannot load.
set -eu
build=$1
src=$2
if grep -Eq '^OCR_(SANITIZE|FUZZ):BOOL=ON' "$build/CMakeCache.txt"; then
  echo "skipped: sanitized build"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() {
  echo "FAIL: $*"
  exit 1
}

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "install"; }
headers=$(cd "$prefix/include" && find . -type f)
[ "$headers" = "./ocr/ocr.h" ] || fail "installed headers should be ocr/ocr.h alone: $headers"
pc=$(find "$prefix" -name ocr.pc)
[ -n "$pc" ] || fail "no ocr.pc installed"
libdir=$(dirname "$(dirname "$pc")")

# Only the API leaves the library: no OpenCV, Eigen, spdlog, fmt or internal symbols (the
# standard library's headers keep their own visibility, and the linker adds a few markers).
leaked=$(nm -DC --defined-only "$libdir/libocr.so" | sed 's/^[0-9a-f]* [A-Za-z] //' |
  grep -Ev '^ocr::(Engine::|version\(\))|^(typeinfo|typeinfo name|vtable) for (ocr::Error|std::)|^std::|^(_init|_fini|_edata|_end|__bss_start)$' ||
  true)
[ -z "$leaked" ] || fail "libocr.so exports more than the API:
$(echo "$leaked" | head -20)"

cmake -S "$src/tests/install/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "find_package(ocr)"; }
cmake --build "$tmp/cmake" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building with ocr::ocr"; }

flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs ocr) || fail "pkg-config ocr"
${CXX:-c++} -o "$tmp/consumer-pc" "$src/tests/install/consumer/main.cpp" $flags -Wl,-rpath,"$libdir" ||
  fail "building with pkg-config ($flags)"

# The model by path: the search path compiled in names the configured prefix, not this one.
for program in "$tmp/cmake/consumer" "$tmp/consumer-pc"; do
  out=$("$program" "$src/models/eng.ocrm" "$src/data/sample-line.png") || fail "$program exited $?: $out"
  echo "$out"
  for want in "quick brown fox" "scanned pages" "word The " "caught: no-such-scan.png"; do
    case $out in
      *"$want"*) ;;
      *) fail "$program: '$want' not in its output" ;;
    esac
  done
done
# The installed ocr reads a PDF through the installed plugin, found beside the moved tree's own
# binary (bin/../lib/<arch>/ocr) before the build tree's.
mv "$prefix" "$tmp/moved"
moved=$tmp/moved
"$moved/bin/ocr" recognize -m "$src/models/eng.ocrm" -f pdf -o "$tmp/line.pdf" "$src/data/sample-line.png" ||
  fail "installed ocr writing a PDF"
out=$("$moved/bin/ocr" -vv recognize -m "$src/models/eng.ocrm" "$tmp/line.pdf" 2>&1) || fail "installed ocr reading a PDF: $out"
case $out in
  *"plugin $moved/"*libocr_pdf_poppler.so*) ;;
  *) fail "the installed ocr did not load the moved tree's PDF plugin: $out" ;;
esac
case $out in
  *"quick brown"*) ;;
  *) fail "the installed ocr did not read the PDF: $out" ;;
esac
echo "ok"
