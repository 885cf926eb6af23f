// Page-level capture damage for synthetic pages (issue 14): what a scanner, a fax machine, a
// phone camera or a screenshot does to a clean rendered page. Every strength is drawn at random,
// from mild to harsh, so the line detector trained on the result learns the whole range.
// Geometric changes move the core mask with the same mapping as the image and move polygons and
// baselines with its forward transform, so the labels stay exact.
#pragma once
#include <cstddef>
#include <string>

#include "ocr/core/rng.h"

namespace ocr::synth {

struct SyntheticPage;  // ocr/synth/page_generator.h

enum class PageCapture { Clean, Scan, Fax, Photo, Screen };

// Applies the damage of `capture` to a clean rendered page (paper ~255, dark ink, CV_8UC1).
// The image may change size (scan borders, the background around a photo); core always keeps
// the image's size. Darkening effects never add core; core, polygons and baselines are clipped
// where a line leaves the image, and lines mostly outside it are dropped.
// Scan: skew, borders, paper tone and texture, bleed-through, stamps, punch holes, a crease,
// blur, noise, sometimes binarisation, JPEG. Fax: ~100 dpi, hard binarised, streaks, speckle.
// Photo: perspective, curl, a background around the page, uneven light, shadow, blur, noise,
// low contrast, JPEG. Screen: at most a rescale or a JPEG round trip. Clean: nothing.
// Lines the capture left without visible ink are then dropped, with their core (see below).
void capture_page(SyntheticPage& page, PageCapture capture, Rng& rng);

// Each line's clean_ink: the share of its outline that is ink (16 levels or more from the
// outline's median, whichever the polarity), on the page as rendered, before any capture.
void measure_clean_ink(SyntheticPage& page);
// Drops the lines that kept under 20 % of their clean ink, or whose ink reaches under a fifth of
// their rows or a tenth of their columns (a streak, an underline), and clears their core: text a
// binarisation or a fax threshold took away, whole or all but specks. Returns how many it dropped.
size_t drop_vanished_lines(SyntheticPage& page);

// "clean", "scan", "fax", "photo" or "screen"; FormatError naming the value otherwise.
PageCapture parse_capture(const std::string& name);

// The name parse_capture accepts for `capture`.
const char* capture_name(PageCapture capture);

}  // namespace ocr::synth
