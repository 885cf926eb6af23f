# OCRmyPDF plugin: `ocr` reads the pages instead of Tesseract.
#
#   ocrmypdf --plugin tools/ocrmypdf/ocr_plugin.py in.pdf out.pdf
#
# OCRmyPDF (14.x) rasterizes each page and hands the image to this engine; `ocr recognize`
# writes hOCR and plain text for it, and OCRmyPDF's own hOCR renderer lays the words as
# invisible text over the page. Options:
#   --ocr-binary PATH   the `ocr` executable (default: $OCR_BINARY, else `ocr` on PATH)
#   --ocr-model MODEL   model file or name, or a list (eng+eng_rough); default $OCR_MODEL, else
#                       the -l languages as model names (`ocr models` lists them; -l eng is
#                       OCRmyPDF's default)
#   --ocr-timeout S     give up on a page after S seconds and keep it without text (default 600)
#   --ocr-args ARGS     more `ocr recognize` options, e.g. "--binarize sauvola"
# --rotate-pages and --deskew work: `ocr` finds the orientation and the skew.
# Tesseract's own plugin stays loaded (OCRmyPDF reads its options), but does not read pages.

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from ocrmypdf import hookimpl
from ocrmypdf.exceptions import BadArgsError, MissingDependencyError, SubprocessOutputError
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence

log = logging.getLogger(__name__)

# An orientation `ocr` reports it is sure of (it turns a page only when the turned reading is
# clearly surer); OCRmyPDF's --rotate-pages-threshold is 14 by default on Tesseract's scale.
SURE = 15.0

EMPTY_HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml">
 <head><title></title></head>
 <body>
  <div class="ocr_page" id="page_1" title="bbox 0 0 {w} {h}"></div>
 </body>
</html>
"""


@hookimpl
def add_options(parser):
    g = parser.add_argument_group("ocr", "Options of the ocr plugin (`ocr` reads the pages)")
    g.add_argument(
        '--ocr-binary',
        metavar='PATH',
        default=None,
        help="the ocr executable (default: $OCR_BINARY, else ocr on PATH)",
    )
    g.add_argument(
        '--ocr-model',
        metavar='MODEL',
        default=None,
        help="model file or name, or a list (eng+eng_rough) (default: $OCR_MODEL, else the "
        "-l languages as model names)",
    )
    g.add_argument(
        '--ocr-timeout',
        metavar='SECONDS',
        type=float,
        default=600.0,
        help="give up on a page after this many seconds and keep it without text (0: no limit)",
    )
    g.add_argument(
        '--ocr-args',
        metavar='ARGS',
        default='',
        help="more `ocr recognize` options, one string, e.g. \"--binarize sauvola\"",
    )


def _binary(options) -> str:
    exe = getattr(options, 'ocr_binary', None) or os.environ.get('OCR_BINARY') or 'ocr'
    found = shutil.which(exe)
    if not found:
        raise MissingDependencyError(
            f"the ocr plugin cannot find the ocr executable '{exe}': give --ocr-binary PATH, "
            "set OCR_BINARY, or put ocr on PATH"
        )
    return found


def _model(options) -> str | None:
    if getattr(options, 'ocr_model', None):
        return options.ocr_model
    if os.environ.get('OCR_MODEL'):
        return None  # ocr reads it
    langs = sorted(options.languages or [])
    return '+'.join(langs) if langs else None


@lru_cache(maxsize=None)
def _version(exe: str) -> str:
    # `ocr --version`: "ocr 0.1.0 (commit a5dba79)"
    out = subprocess.run([exe, '--version'], capture_output=True, text=True, check=False).stdout
    words = out.split()
    return ' '.join(words[1:]) if len(words) > 1 else 'unknown'


@lru_cache(maxsize=None)
def _models(exe: str) -> frozenset:
    # `ocr models`: a header, then NAME MB PARAMS SEEN VALIDATION PATH rows. Text-line detectors
    # (validated by F1) are not languages.
    p = subprocess.run([exe, 'models'], capture_output=True, text=True, check=False)
    names = set()
    table = False
    for line in p.stdout.splitlines():
        cols = line.split()
        if cols[:2] == ['NAME', 'MB']:
            table = True
            continue
        if table and len(cols) >= 2 and 'F1' not in cols:
            names.add(cols[0])
    return frozenset(names)


def _recognize(input_file: Path, options, formats: str, out_base: Path, extra=()) -> bool:
    """Runs `ocr recognize` on one page image into out_base.FORMAT; False if it timed out."""
    # -o names the file itself for one format, the base name for several.
    out = str(out_base) if ',' in formats else f'{out_base}.{formats}'
    args = [_binary(options), '-q', 'recognize', '--no-progress', '-f', formats, '-o', out]
    model = _model(options)
    if model:
        args += ['-m', model]
    args += list(extra)
    args += shlex.split(getattr(options, 'ocr_args', '') or '')
    args.append(os.fspath(input_file))
    timeout = getattr(options, 'ocr_timeout', 0) or None
    log.debug("running %s", ' '.join(shlex.quote(a) for a in args))
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        log.warning("ocr timed out after %g s on %s; the page is kept without text", timeout, input_file)
        return False
    for line in p.stderr.splitlines():
        if line.strip():
            log.info("ocr: %s", line)
    if p.returncode != 0:
        said = p.stderr.strip().splitlines()
        raise SubprocessOutputError(
            f"ocr failed (exit code {p.returncode}) on {input_file}" + (f": {said[-1]}" if said else '')
        )
    return True


def _page_json(input_file: Path, options, extra) -> dict:
    with tempfile.TemporaryDirectory(prefix='ocrmypdf-ocr-') as tmp:
        base = Path(tmp) / 'page'
        if not _recognize(input_file, options, 'json', base, extra):
            return {}
        doc = json.loads(base.with_suffix('.json').read_text(encoding='utf-8'))
    pages = doc.get('pages') or [{}]
    return pages[0]


def _image_size_dpi(input_file: Path):
    from PIL import Image

    with Image.open(input_file) as im:
        dpi = im.info.get('dpi', (300, 300))
        return im.width, im.height, float(dpi[0]) or 300.0


class OcrOcrEngine(OcrEngine):
    """`ocr` (CNN+BiLSTM+CTC) as OCRmyPDF's OCR engine."""

    @staticmethod
    def version():
        # check_options put the binary in OCR_BINARY, which worker processes inherit.
        return _version(_binary(None))

    @staticmethod
    def creator_tag(options):
        return f"ocr {_version(_binary(options))}"

    def __str__(self):
        return f"ocr {OcrOcrEngine.version()}"

    @staticmethod
    def languages(options):
        if getattr(options, 'ocr_model', None) or os.environ.get('OCR_MODEL'):
            # The model decides; any -l is taken.
            return set(options.languages or []) | {'eng'}
        return set(_models(_binary(options)))

    @staticmethod
    def get_orientation(input_file, options):
        page = _page_json(input_file, options, ['--rotate', 'auto'])
        if not page:
            return OrientationConfidence(angle=0, confidence=0.0)
        # `ocr` reports how far it turned the page clockwise to read it; OCRmyPDF wants the
        # page's clockwise rotation, which that turn undoes.
        turned = int(page.get('orientation', 0)) % 360
        has_text = bool(page.get('text', '').strip())
        return OrientationConfidence(angle=(360 - turned) % 360, confidence=SURE if has_text else 0.0)

    @staticmethod
    def get_deskew(input_file, options) -> float:
        page = _page_json(input_file, options, ['--rotate', '0'])
        # skew_angle: degrees the text runs counter-clockwise; OCRmyPDF turns the image
        # counter-clockwise by the angle returned.
        return -float(page.get('skew_angle', 0.0)) if page else 0.0

    @staticmethod
    def generate_hocr(input_file, output_hocr, output_text, options):
        # OCRmyPDF turns the pages itself (--rotate-pages), and its hOCR renderer knows only
        # upright lines: the boxes must be those of the image as given.
        with tempfile.TemporaryDirectory(prefix='ocrmypdf-ocr-') as tmp:
            base = Path(tmp) / 'page'
            if _recognize(input_file, options, 'hocr,txt', base, ['--rotate', '0']):
                shutil.move(base.with_suffix('.hocr'), output_hocr)
                shutil.move(base.with_suffix('.txt'), output_text)
                return
        w, h, _ = _image_size_dpi(input_file)
        Path(output_hocr).write_text(EMPTY_HOCR.format(w=w, h=h), encoding='utf-8')
        Path(output_text).write_text('', encoding='utf-8')

    @staticmethod
    def generate_pdf(input_file, output_pdf, output_text, options):
        # The sandwich renderer's text-only page: the hOCR laid out by OCRmyPDF's own renderer,
        # invisible text and nothing else, sized by the image's resolution.
        from ocrmypdf.hocrtransform import HocrTransform

        with tempfile.TemporaryDirectory(prefix='ocrmypdf-ocr-') as tmp:
            hocr = Path(tmp) / 'page.hocr'
            OcrOcrEngine.generate_hocr(input_file, hocr, output_text, options)
            _, _, dpi = _image_size_dpi(input_file)
            HocrTransform(hocr_filename=hocr, dpi=dpi).to_pdf(
                out_filename=Path(output_pdf),
                image_filename=None,
                invisible_text=True,
                interword_spaces=True,
            )


@hookimpl
def check_options(options):
    # Fails early, with a clear message, if there is no ocr; version() takes no options, so the
    # binary found is kept where every process of this run looks.
    os.environ['OCR_BINARY'] = _binary(options)
    if getattr(options, 'ocr_timeout', 0) is not None and options.ocr_timeout < 0:
        raise BadArgsError("--ocr-timeout must be 0 (no limit) or more seconds")
    try:
        shlex.split(options.ocr_args or '')
    except ValueError as e:
        raise BadArgsError(f"--ocr-args: {e}") from e
    # Tesseract's plugin would pick its own sandwich renderer; ours lays out hOCR (both work).
    if options.pdf_renderer == 'auto':
        options.pdf_renderer = 'hocr'


@hookimpl
def get_ocr_engine():
    return OcrOcrEngine()
