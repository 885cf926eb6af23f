// Shapes a line of text runs with HarfBuzz and rasterizes it with FreeType straight into an ink
// coverage image at the final scale. Geometry (rotation, shear, stretch, baseline warp and jitter)
// is applied to outlines and pen positions, so nothing is resampled afterwards; only the glyphs of
// bitmap-only faces (pixel fonts of receipt printers) are resampled from their strikes.
#pragma once
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/synth/font_table.h"

typedef struct hb_buffer_t hb_buffer_t;

namespace ocr::synth {

// Consecutive text with one face (index into the FontSet).
struct TextRun {
  std::u32string text;
  int face = 0;
  double scale = 1.0;  // size relative to RenderParams::px_per_em (small capitals: < 1)
};

struct RenderParams {
  double px_per_em = 40;       // font size in pixels, the same for every run
  double letter_spacing = 0;   // px added after every glyph
  double word_spacing = 0;     // px added to every space
  double tab_width = 0;        // px added to a '\t', which renders as a space (column gaps)
  bool liga = true, kern = true, lnum = false;
  bool hinted = false;         // screen text: hinted outlines on whole-pixel positions, no geometry
  double rotation = 0;         // radians, counter-clockwise
  double shear = 0;            // x += shear · height above the baseline
  double x_stretch = 1;
  double jitter = 0;           // σ of each glyph's vertical offset, px
  double warp_amplitude = 0;   // smooth baseline displacement, px
  double warp_length = 100;    // its correlation length, px
  int pad = 8;                 // background margin around the ink, px
};

struct RenderedLine {
  cv::Mat coverage;       // CV_8UC1, 255 = full ink
  cv::Rect ink;           // bounding box of the glyph bitmaps within coverage
  double baseline = 0;    // row of the baseline at the line's start
  double advance = 0;     // pen advance of the whole line, px
};

class Renderer {
 public:
  Renderer();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // rng draws the jitter and warp phases. Empty runs give an empty coverage image.
  RenderedLine render(FontSet& fonts, const std::vector<TextRun>& runs, const RenderParams& p,
                      Rng& rng);

 struct Glyph {
    cv::Mat bitmap;  // copy of FreeType's coverage bitmap
    int x, y;        // top-left in line coordinates (y down, baseline at 0)
  };
 private:
  hb_buffer_t* buf_;
  std::vector<Glyph> glyphs_;
  std::u32string text_;
};

}  // namespace ocr::synth
