#!/bin/sh
# Builds data/corpus/eng.txt, the English text the synthetic-line generator samples from, out of
# Debian packages (sources and licences: tools/corpus/SOURCES.md). Packages are only downloaded and
# unpacked (apt-get download + dpkg-deb -x), never installed. Needs python3, man-db, perl (pod2text).
# Usage: tools/build-corpus.sh [WORKDIR]   (WORKDIR defaults to build-corpus/, reusable)
set -e
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$ROOT/build-corpus}
OUT=$ROOT/data/corpus
CLEAN="python3 $ROOT/tools/corpus/clean.py"
mkdir -p "$WORK/deb" "$WORK/x" "$WORK/txt" "$OUT"
MB=1000000

fetch() {  # fetch PACKAGE: download and unpack into $WORK/x/PACKAGE
  [ -d "$WORK/x/$1" ] && return 0
  (cd "$WORK/deb" && apt-get download "$1" >/dev/null 2>&1) || { echo "skip $1: download failed" >&2; return 1; }
  mkdir -p "$WORK/x/$1"
  dpkg-deb -x "$WORK/deb/$1"_*.deb "$WORK/x/$1"
}

src() {  # src NAME KIND CAP_MB FILES...: clean into $WORK/txt/NAME.txt
  name=$1 kind=$2 cap=$3; shift 3
  [ $# -gt 0 ] || { echo "skip $name: no files" >&2; return 0; }
  $CLEAN "$kind" $((cap * MB)) "$@" > "$WORK/txt/$name.txt"
  echo "$name: $(wc -c < "$WORK/txt/$name.txt") bytes" >&2
}

files() { find "$@" -type f 2>/dev/null | sort; }

if fetch miscfiles; then
  src miscfiles text 1 $(files "$WORK/x/miscfiles/usr/share/state" "$WORK/x/miscfiles/usr/share/misc" -name '*.gz' ! -name 'unicode*' ! -name 'ascii*')
fi
for d in dict-gcide:5 dict-foldoc:3 dict-jargon:1 dict-devil:1 dict-vera:1; do
  p=${d%:*}
  fetch "$p" && src "$p" dictd "${d#*:}" $(files "$WORK/x/$p/usr/share/dictd" -name '*.dz')
done
fetch fortunes && src fortunes fortune 2 $(files "$WORK/x/fortunes/usr/share/games/fortunes" ! -name '*.dat' ! -name '*.u8')
fetch fortunes-min && src fortunes-min fortune 1 $(files "$WORK/x/fortunes-min/usr/share/games/fortunes" ! -name '*.dat' ! -name '*.u8')
fetch python3.11-doc && src python-doc rst 4 $(files "$WORK/x/python3.11-doc/usr/share/doc/python3.11/html/_sources" -name '*.txt')
fetch linux-doc-6.1 && src linux-doc rst 5 $(files "$WORK/x/linux-doc-6.1/usr/share/doc/linux-doc-6.1/Documentation" -name '*.rst*')
if fetch perl-doc; then
  mkdir -p "$WORK/perlpod"
  for f in $(files "$WORK/x/perl-doc/usr/share/perl" -name '*.pod' | head -400); do
    pod2text -w 200 "$f" > "$WORK/perlpod/$(basename "$f").txt" 2>/dev/null || true
  done
  src perl-doc text 4 $(files "$WORK/perlpod")
fi
for p in manpages manpages-dev; do
  if fetch "$p"; then
    mkdir -p "$WORK/man-$p"
    for f in $(files "$WORK/x/$p/usr/share/man" -name '*.gz'); do
      MANWIDTH=200 man --nh --nj -l "$f" 2>/dev/null | col -bx > "$WORK/man-$p/$(basename "$f").txt" || true
    done
    src "$p" text 2 $(files "$WORK/man-$p")
  fi
done
fetch debian-reference-en && src debian-reference html 1 $(files "$WORK/x/debian-reference-en/usr/share/debian-reference" -name '*.en.html')
fetch developers-reference && src developers-reference rst 1 $(files "$WORK/x/developers-reference/usr/share/developers-reference/_sources" -name '*.txt')
fetch debian-handbook && src debian-handbook html 1 $(files "$WORK/x/debian-handbook/usr/share/doc/debian-handbook/html/en-US" -name '*.html')
for p in debian-faq maint-guide; do
  fetch "$p" && src "$p" html 1 $(files "$WORK/x/$p/usr/share/doc" -name '*.en.html')
done
fetch git-doc && src git-doc text 2 $(files "$WORK/x/git-doc/usr/share/doc/git-doc" -name '*.txt')
fetch postgresql-doc-15 && src postgresql-doc html 3 $(files "$WORK/x/postgresql-doc-15/usr/share/doc" -name '*.html')

# Merge, dropping lines repeated across sources.
cat "$WORK"/txt/*.txt | awk '!seen[$0]++' > "$OUT/eng.txt.tmp"
mv "$OUT/eng.txt.tmp" "$OUT/eng.txt"
echo "wrote $OUT/eng.txt: $(wc -l < "$OUT/eng.txt") lines, $(wc -c < "$OUT/eng.txt") bytes" >&2
