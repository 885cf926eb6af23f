// Text normalisation applied to ground truth and OCR output before they are compared.
#pragma once
#include <string>
#include <string_view>

namespace ocr {

struct NormalizeOptions {
  bool fold_styles = false;  // quote and dash styles → " ' - (and TeX `` '' → ")
  bool ignore_case = false;  // simple case folding (ASCII, Latin-1, Latin Extended-A)
  // Every whitespace character removed: for ground truth transcribed without spaces
  // (WildReceipt's `4801CENTRALAVE.`), where word boundaries cannot be scored.
  bool ignore_spaces = false;
};

// Unicode NFC, scoped to Latin script: canonical decomposition and composition of the precomposed
// letters of Latin-1 Supplement and Latin Extended-A (À..ž: a base letter + one of the combining
// marks U+0300..U+0328), canonical ordering of the combining marks U+0300..U+036F, and the
// canonical singletons that land there (K KELVIN SIGN → K, Å ANGSTROM SIGN → Å, U+0340/U+0341,
// Greek question mark → ';', ano teleia → '·'). Other characters pass through unchanged, so text
// outside that scope (Vietnamese stacked marks, Hangul, ...) is not fully normalised.
std::u32string nfc(std::u32string_view s);

// Runs of Unicode whitespace (tabs, newlines, no-break and typographic spaces) become one space,
// leading and trailing whitespace is removed, and zero-width characters (U+200B, U+FEFF) dropped.
std::u32string collapse_whitespace(std::u32string_view s);

// “ ” „ ‟ ″ → "   ‘ ’ ‚ ‛ ′ ` → '   ‐ ‑ ‒ – — ― − → -   and then '' → " (so TeX `` and '' too).
std::u32string fold_styles(std::u32string_view s);

// Simple (one to one) lower-casing of ASCII, Latin-1 and Latin Extended-A letters; İ → i, ſ → s.
// ß and characters outside those blocks are kept.
std::u32string fold_case(std::u32string_view s);

// nfc → fold_styles (if asked) → fold_case (if asked) → collapse_whitespace → spaces removed (if asked).
std::u32string normalize(std::u32string_view s, const NormalizeOptions& options);
// Same on UTF-8; throws FormatError on malformed UTF-8.
std::string normalize_text(std::string_view utf8, const NormalizeOptions& options);

// For reports: "NFC, whitespace collapsed, quote/dash styles folded, case ignored".
std::string describe(const NormalizeOptions& options);

}  // namespace ocr
