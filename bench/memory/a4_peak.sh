#!/bin/sh
# Peak memory of `ocr recognize -j 1` on a 300-dpi A4 page (issue 20: <= 100 MiB), three ways:
# grey text (PNG), the same as a colour scan (JPEG) and as a phone photo of a page on a dark table
# (JPEG, blurred). The pages are rendered here with PIL (python3-pil, tools/install-deps.sh
# --bench) from the repository's corpus sample, so the numbers do not depend on ../shared.
#
#   bench/memory/a4_peak.sh                 OCR=build/ocr by default
set -e
cd "$(dirname "$0")/../.."
OCR=${OCR:-build/ocr}
[ -x "$OCR" ] || { echo "no binary at $OCR (build first)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/python3 - "$out" <<'PY'
import random, sys
from PIL import Image, ImageDraw, ImageFilter, ImageFont
out = sys.argv[1]
random.seed(3)
W, H = 2480, 3508  # A4 at 300 dpi
font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 42)  # ~10 pt
words = open("data/corpus-sample.txt", encoding="utf-8").read().split()
page = Image.new("L", (W, H), 255)
draw = ImageDraw.Draw(page)
for y in range(250, H - 300, 62):
    draw.text((250, y), " ".join(random.choice(words) for _ in range(14))[:80], font=font, fill=0)
page.save(f"{out}/grey.png")
Image.merge("RGB", [page.point(lambda v: int(v * 0.96 + 5)), page.point(lambda v: int(v * 0.94 + 8)),
                    page.point(lambda v: int(v * 0.85 + 20))]).save(f"{out}/colour.jpg", quality=90)
photo = Image.new("RGB", (W, H), (70, 60, 50))
photo.paste(page.resize((1300, 3000)).convert("RGB"), (590, 250))
photo.filter(ImageFilter.GaussianBlur(1.2)).save(f"{out}/photo.jpg", quality=85)
PY
for f in grey.png colour.jpg photo.jpg; do
  /usr/bin/time -f "%M %U %S" -o "$out/t" "$OCR" -q recognize -j 1 "$out/$f" > "$out/txt"
  awk -v f="$f" -v w="$(wc -w < "$out/txt")" '{printf "%-11s peak %6.1f MiB  CPU %.2f s  %s words\n", f, $1 / 1024, $2 + $3, w}' "$out/t"
done
