#include "ocr/synth/renderer.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace ocr::synth {

namespace {

// A bitmap face's glyph from the selected strike, scaled by k, transformed by m (y up) and put
// with its pen at (ox, oy) (y up). Pixel glyphs are resampled, unlike outlines: their dots are
// the look of the thermal and dot-matrix print they stand for.
bool place_strike_glyph(FT_Face ft, unsigned glyph, double k, const cv::Matx22d& m, double ox,
                        double oy, Renderer::Glyph* out) {
  cv::Mat strike;
  int left = 0, top = 0;
  if (!load_strike_glyph(ft, glyph, &strike, &left, &top) || strike.empty()) return false;
  if (k < 0.8) {  // shrink by area first: linear interpolation alone would drop whole dots
    cv::Mat small;
    cv::resize(strike, small, cv::Size(), k, k, cv::INTER_AREA);
    if (small.empty()) return false;
    left = static_cast<int>(std::lround(left * k));
    top = static_cast<int>(std::lround(top * k));
    strike = small;
    k = 1;
  }
  // Source pixel centre (u, v) -> glyph point k·(left + u + ½, top − v − ½) (y up) -> m, pen ->
  // output pixel centre (y down), in OpenCV's integer-centre coordinates.
  cv::Matx23d a(m(0, 0) * k, -m(0, 1) * k, m(0, 0) * k * (left + 0.5) + m(0, 1) * k * (top - 0.5) + ox - 0.5,
                -m(1, 0) * k, m(1, 1) * k,
                -(m(1, 0) * k * (left + 0.5) + m(1, 1) * k * (top - 0.5) + oy) - 0.5);
  double bx0 = 1e18, by0 = 1e18, bx1 = -1e18, by1 = -1e18;
  for (double u : {-0.5, strike.cols - 0.5})
    for (double v : {-0.5, strike.rows - 0.5}) {
      const double x = a(0, 0) * u + a(0, 1) * v + a(0, 2), y = a(1, 0) * u + a(1, 1) * v + a(1, 2);
      bx0 = std::min(bx0, x), bx1 = std::max(bx1, x), by0 = std::min(by0, y), by1 = std::max(by1, y);
    }
  out->x = static_cast<int>(std::floor(bx0)) - 1;
  out->y = static_cast<int>(std::floor(by0)) - 1;
  const int w = static_cast<int>(std::ceil(bx1)) + 2 - out->x, h = static_cast<int>(std::ceil(by1)) + 2 - out->y;
  a(0, 2) -= out->x;
  a(1, 2) -= out->y;
  cv::Mat warped;
  cv::warpAffine(strike, warped, cv::Mat(a), cv::Size(w, h), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  const cv::Rect ink = cv::boundingRect(warped);
  if (ink.empty()) return false;
  out->bitmap = warped(ink).clone();
  out->x += ink.x;
  out->y += ink.y;
  return true;
}

}  // namespace

Renderer::Renderer() : buf_(hb_buffer_create()) {}
Renderer::~Renderer() { hb_buffer_destroy(buf_); }

RenderedLine Renderer::render(FontSet& fonts, const std::vector<TextRun>& runs,
                              const RenderParams& p, Rng& rng) {
  glyphs_.clear();
  // Line transform in y-up coordinates: rotation · shear · x-stretch.
  const double rot = p.hinted ? 0 : p.rotation, sh = p.hinted ? 0 : p.shear;
  const double sx = p.hinted ? 1 : p.x_stretch;
  const double c = std::cos(rot), s = std::sin(rot);
  const double m00 = c * sx, m01 = c * sh - s, m10 = s * sx, m11 = s * sh + c;
  FT_Matrix mat;
  mat.xx = static_cast<FT_Fixed>(std::lround(m00 * 65536));
  mat.xy = static_cast<FT_Fixed>(std::lround(m01 * 65536));
  mat.yx = static_cast<FT_Fixed>(std::lround(m10 * 65536));
  mat.yy = static_cast<FT_Fixed>(std::lround(m11 * 65536));
  const double ph1 = rng.uniform(0, 2 * M_PI), ph2 = rng.uniform(0, 2 * M_PI);
  const double len = std::max(1.0, p.warp_length);
  auto warp = [&](double x) {
    if (p.warp_amplitude == 0) return 0.0;
    return p.warp_amplitude * (0.7 * std::sin(x / len + ph1) + 0.3 * std::sin(2.3 * x / len + ph2));
  };
  const FT_Int32 load = p.hinted ? (FT_LOAD_TARGET_LIGHT | FT_LOAD_RENDER | FT_LOAD_NO_BITMAP)
                                 : (FT_LOAD_NO_HINTING | FT_LOAD_RENDER | FT_LOAD_NO_BITMAP);
  hb_feature_t feats[3];
  int nfeat = 0;
  auto feature = [&](const char* tag, bool on) {
    feats[nfeat].tag = hb_tag_from_string(tag, 4);
    feats[nfeat].value = on;
    feats[nfeat].start = HB_FEATURE_GLOBAL_START;
    feats[nfeat].end = HB_FEATURE_GLOBAL_END;
    ++nfeat;
  };
  feature("liga", p.liga);
  feature("kern", p.kern);
  if (p.lnum) feature("lnum", true);

  double pen = 0;
  int x0 = INT32_MAX, y0 = INT32_MAX, x1 = INT32_MIN, y1 = INT32_MIN;
  for (const auto& run : runs) {
    if (run.text.empty()) continue;
    Face& face = fonts[run.face];
    FT_Face ft = face.ft;
    const double px = p.px_per_em * run.scale;
    // A bitmap face's glyphs come from the strike nearest the size, scaled by strike_scale.
    double strike_scale = 1;
    if (face.bitmap)
      strike_scale = px / select_strike(ft, px);
    else
      FT_Set_Char_Size(ft, 0, static_cast<FT_F26Dot6>(std::lround(px * 64)), 72, 72);
    hb_buffer_clear_contents(buf_);
    // A tab is shaped as a space (fonts have no tab glyph) and widened below.
    text_ = run.text;
    for (auto& ch : text_)
      if (ch == U'\t') ch = U' ';
    hb_buffer_add_utf32(buf_, reinterpret_cast<const uint32_t*>(text_.data()),
                        static_cast<int>(text_.size()), 0, -1);
    hb_buffer_set_direction(buf_, HB_DIRECTION_LTR);
    hb_buffer_set_script(buf_, HB_SCRIPT_LATIN);
    hb_buffer_set_language(buf_, hb_language_from_string("en", 2));
    hb_shape(face.hb, buf_, feats, nfeat);
    unsigned n = 0;
    hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buf_, &n);
    hb_glyph_position_t* pos = hb_buffer_get_glyph_positions(buf_, &n);
    const double scale = px / face.upem;
    for (unsigned i = 0; i < n; ++i) {
      char32_t ch = run.text[info[i].cluster];
      bool space = ch == U' ' || ch == U'\t';
      double gx = pen + pos[i].x_offset * scale;
      double gy = pos[i].y_offset * scale;  // y up
      if (!space) {
        if (!p.hinted) {
          if (p.jitter > 0) gy += rng.normal(0, p.jitter);
          gy -= warp(pen);
        }
        double ox = m00 * gx + m01 * gy, oy = m10 * gx + m11 * gy;
        if (p.hinted) {
          ox = std::round(ox);
          oy = std::round(oy);
        }
        if (face.bitmap) {
          Glyph gl;
          if (place_strike_glyph(ft, info[i].codepoint, strike_scale,
                                 p.hinted ? cv::Matx22d(1, 0, 0, 1) : cv::Matx22d(m00, m01, m10, m11),
                                 ox, oy, &gl)) {
            x0 = std::min(x0, gl.x);
            y0 = std::min(y0, gl.y);
            x1 = std::max(x1, gl.x + gl.bitmap.cols);
            y1 = std::max(y1, gl.y + gl.bitmap.rows);
            glyphs_.push_back(std::move(gl));
          }
          pen += pos[i].x_advance * scale + p.letter_spacing;
          continue;
        }
        double fx = std::floor(ox), fy = std::floor(oy);
        FT_Vector delta{static_cast<FT_Pos>(std::lround((ox - fx) * 64)),
                        static_cast<FT_Pos>(std::lround((oy - fy) * 64))};
        FT_Set_Transform(ft, p.hinted ? nullptr : &mat, &delta);
        if (FT_Load_Glyph(ft, info[i].codepoint, load) == 0) {
          const FT_GlyphSlot g = ft->glyph;
          const FT_Bitmap& b = g->bitmap;
          if (b.rows > 0 && b.width > 0 && b.pixel_mode == FT_PIXEL_MODE_GRAY) {
            Glyph gl;
            gl.bitmap = cv::Mat(b.rows, b.width, CV_8UC1, b.buffer, b.pitch).clone();
            gl.x = static_cast<int>(fx) + g->bitmap_left;
            gl.y = -static_cast<int>(fy) - g->bitmap_top;
            x0 = std::min(x0, gl.x);
            y0 = std::min(y0, gl.y);
            x1 = std::max(x1, gl.x + gl.bitmap.cols);
            y1 = std::max(y1, gl.y + gl.bitmap.rows);
            glyphs_.push_back(std::move(gl));
          }
        }
      }
      pen += pos[i].x_advance * scale + p.letter_spacing + (space ? p.word_spacing : 0) +
             (ch == U'\t' ? p.tab_width : 0);
    }
  }
  for (const auto& run : runs) FT_Set_Transform(fonts[run.face].ft, nullptr, nullptr);
  RenderedLine out;
  out.advance = pen;
  if (glyphs_.empty()) return out;
  const int w = x1 - x0 + 2 * p.pad, h = y1 - y0 + 2 * p.pad;
  out.coverage = cv::Mat::zeros(h, w, CV_8UC1);
  for (const auto& g : glyphs_) {
    cv::Mat dst = out.coverage(cv::Rect(g.x - x0 + p.pad, g.y - y0 + p.pad, g.bitmap.cols, g.bitmap.rows));
    cv::max(dst, g.bitmap, dst);
  }
  out.ink = cv::Rect(p.pad, p.pad, x1 - x0, y1 - y0);
  out.baseline = p.pad - y0;
  return out;
}

}  // namespace ocr::synth
