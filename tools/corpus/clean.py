#!/usr/bin/env python3
"""Turns extracted Debian package files into corpus paragraphs for the line generator.

Usage: clean.py KIND CAP_BYTES FILE... > out.txt
KIND says how to read the files: text (plain, paragraphs split by blank lines), fortune (records
split by '%'), dictd (gzip'd dictd data, headword lines dropped), html, rst, pod (rendered text),
code (keep lines as they are: program listings, commands). Output: one paragraph per line, NFC,
only characters of data/eng.alphabet, whitespace collapsed, deduplicated, at most CAP_BYTES.
"""
import gzip
import html
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHABET = open(os.path.join(HERE, "..", "..", "data", "eng.alphabet"), encoding="utf-8").read()
ALPHABET = set(ALPHABET.rstrip("\n"))
# Typographic characters that have a plain equivalent in the alphabet.
FOLD = {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ",
        "\u202f": " ", "\u2002": " ", "\u2003": " ", "\u201a": ",", "\u2032": "'", "\u2033": '"',
        "\t": " ", "\u00ad": ""}


def read(path):
    raw = gzip.open(path).read() if path.endswith((".gz", ".dz")) else open(path, "rb").read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def clean_line(s):
    s = unicodedata.normalize("NFC", s)
    s = re.sub(r"\[(1913 Webster|PJC|Century Dict\.|Webster 1913 Suppl\.)\]", "", s)
    s = "".join(FOLD.get(c, c) for c in s)
    s = re.sub(r"\s+", " ", s).strip()
    if not s or any(c not in ALPHABET for c in s):
        return None
    letters = sum(c.isalpha() for c in s)
    return s if letters >= 3 else None


def paragraphs(text):
    for block in re.split(r"\n\s*\n", text):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        # Indented or symbol-heavy blocks are listings: keep their lines.
        if all(l.startswith(("    ", "\t")) for l in lines) or \
                sum(c in "{}();=<>$#[]" for c in block) > 0.06 * len(block):
            yield from lines
        else:
            yield " ".join(l.strip() for l in lines)


def strip_html(t):
    t = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", t)
    t = re.sub(r"(?is)<pre\b[^>]*>(.*?)</pre>",
               lambda m: "\n\n" + re.sub(r"<[^>]+>", "", m.group(1)).replace("\n", "\n\n") + "\n\n", t)
    t = re.sub(r"(?i)</?(p|div|h\d|li|dt|dd|tr|table|br|section|blockquote)\b[^>]*>", "\n\n", t)
    t = re.sub(r"<[^>]+>", "", t)
    return html.unescape(t)


def strip_rst(t):
    t = re.sub(r"(?m)^\s*\.\. .*$", "", t)                   # directives, comments
    t = re.sub(r"(?m)^[=\-~^\"'`#*+]{3,}\s*$", "", t)          # section underlines
    t = re.sub(r":[a-z:]+:`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", t)  # roles
    t = re.sub(r"``([^`]+)``", r"\1", t)
    t = re.sub(r"`([^`<]+?)(?:\s*<[^>]*>)?`_*", r"\1", t)
    t = re.sub(r"\*\*([^*]+)\*\*", r"\1", t)
    return t


def records(kind, text):
    if kind == "fortune":
        for rec in re.split(r"(?m)^%\s*$", text):
            yield from paragraphs(rec)
    elif kind == "dictd":
        # Entries start with an unindented headword line; bodies are indented text.
        body = "\n".join(l[2:] if l.startswith("  ") else "" for l in text.split("\n"))
        body = re.sub(r"[{}]", "", body)
        yield from paragraphs(body)
    elif kind == "html":
        yield from paragraphs(strip_html(text))
    elif kind == "rst":
        yield from paragraphs(strip_rst(text))
    elif kind == "code":
        for l in text.split("\n"):
            yield l
    else:
        yield from paragraphs(text)


def main():
    kind, cap, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    seen, size = set(), 0
    out = sys.stdout
    for path in sorted(files):
        try:
            text = read(path)
        except OSError:
            continue
        for rec in records(kind, text):
            s = clean_line(rec)
            if s is None or len(s) < 8:
                continue
            h = hash(s)
            if h in seen:
                continue
            seen.add(h)
            out.write(s + "\n")
            size += len(s.encode()) + 1
            if size >= cap:
                return


if __name__ == "__main__":
    main()
