#include "ocr/synth/font_table.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <hb-ft.h>
#include <hb.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/synth/line_stats.h"

namespace ocr::synth {

namespace fs = std::filesystem;

bool Face::has_all(const std::u32string& s) const {
  for (char32_t c : s)
    if (c != U' ' && !has(c)) return false;
  return true;
}

std::vector<FontEntry> read_font_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot read font table " + path);
  std::vector<FontEntry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) f.push_back(cell);
    auto where = path + ":" + std::to_string(n);
    if (f.size() < 8) throw FormatError(where + ": expected 9 tab-separated columns, got " +
                                        std::to_string(f.size()));
    FontEntry e;
    e.cls = f[0];
    try {
      e.weight = std::stod(f[1]);
    } catch (const std::exception&) {
      throw FormatError(where + ": weight '" + f[1] + "' is not a number");
    }
    e.split = f[2];
    if (e.split != "train" && e.split != "holdout")
      throw FormatError(where + ": split must be train or holdout, got '" + e.split + "'");
    e.print = f[3].find("print") != std::string::npos;
    e.receipt = f[3].find("receipt") != std::string::npos;
    e.hand = f[3].find("hand") != std::string::npos;
    if (!e.print && !e.receipt && !e.hand)
      throw FormatError(where + ": use must list print, receipt and/or hand, got '" + f[3] + "'");
    e.family = f[4];
    e.style = f[5];
    if (e.style != "regular" && e.style != "italic" && e.style != "bold" && e.style != "bolditalic")
      throw FormatError(where + ": unknown style '" + e.style + "'");
    e.package = f[6];
    e.file = f[7];
    e.note = f.size() > 8 ? f[8] : "";
    out.push_back(e);
  }
  if (out.empty()) throw FormatError(path + ": font table lists no faces");
  return out;
}

double select_strike(FT_Face f, double px) {
  // The smallest strike no more than a tenth too small, else the largest: scaling pixel glyphs
  // down keeps their dots; scaling them far up would only make blocks.
  int best = 0;
  for (int i = 1; i < f->num_fixed_sizes; ++i) {
    const double have = f->available_sizes[i].y_ppem / 64.0, kept = f->available_sizes[best].y_ppem / 64.0;
    const bool fits = have >= 0.9 * px, kept_fits = kept >= 0.9 * px;
    if ((fits && (!kept_fits || have < kept)) || (!fits && !kept_fits && have > kept)) best = i;
  }
  FT_Select_Size(f, best);
  return f->available_sizes[best].y_ppem / 64.0;
}

bool load_strike_glyph(FT_Face f, unsigned glyph, cv::Mat* coverage, int* left, int* top) {
  if (FT_Load_Glyph(f, glyph, FT_LOAD_RENDER | FT_LOAD_TARGET_MONO)) return false;
  const FT_Bitmap& b = f->glyph->bitmap;
  *left = f->glyph->bitmap_left;
  *top = f->glyph->bitmap_top;
  *coverage = cv::Mat::zeros(static_cast<int>(b.rows), static_cast<int>(b.width), CV_8UC1);
  for (int y = 0; y < coverage->rows; ++y) {
    const unsigned char* row = b.buffer + static_cast<std::ptrdiff_t>(y) * b.pitch;
    for (int x = 0; x < coverage->cols; ++x) {
      const bool on = b.pixel_mode == FT_PIXEL_MODE_MONO ? (row[x >> 3] >> (7 - (x & 7))) & 1
                                                         : row[x] > 127;
      if (on) coverage->at<uint8_t>(y, x) = 255;
    }
  }
  // Pixel fonts' bitmaps are whole character cells: keep only the ink, as outlines give it.
  const cv::Rect ink = cv::boundingRect(*coverage);
  *left += ink.x;
  *top -= ink.y;
  *coverage = ink.empty() ? cv::Mat() : (*coverage)(ink).clone();
  return true;
}

namespace {

// The vertical extent of c's glyph in em (y up: top above the baseline, bottom below it is
// negative): from its outline at 1000 px per em, or from its bitmap at the selected strike of a
// bitmap-only face. False when the face lacks c.
bool glyph_extent(const Face& face, char32_t c, double* top, double* bottom) {
  FT_Face f = face.ft;
  FT_UInt g = FT_Get_Char_Index(f, c);
  if (!g) return false;
  if (face.bitmap) {
    cv::Mat m;
    int left = 0, t = 0;
    if (!load_strike_glyph(f, g, &m, &left, &t) || m.empty()) return false;
    const double ppem = f->size->metrics.y_ppem;
    *top = t / ppem;
    *bottom = (t - m.rows) / ppem;
    return true;
  }
  if (FT_Load_Glyph(f, g, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) return false;
  FT_BBox box;
  FT_Outline_Get_CBox(&f->glyph->outline, &box);
  *top = box.yMax / 64.0 / 1000.0;
  *bottom = box.yMin / 64.0 / 1000.0;
  return true;
}

// Stroke width / x-height of a clean render at 48 px per em (a bitmap face: at its selected
// strike), thresholded at half coverage.
double measure_stroke_ratio(const Face& face) {
  FT_Face f = face.ft;
  double em = 48;
  if (face.bitmap)
    em = f->size->metrics.y_ppem;
  else
    FT_Set_Pixel_Sizes(f, 0, static_cast<FT_UInt>(em));
  const char32_t sample[] = U"nxoeaumdhs";
  double area = 0, per = 0;
  for (const char32_t* p = sample; *p; ++p) {
    FT_UInt g = FT_Get_Char_Index(f, *p);
    if (!g) continue;
    cv::Mat m;
    if (face.bitmap) {
      int left = 0, top = 0;
      if (!load_strike_glyph(f, g, &m, &left, &top)) continue;
    } else {
      if (FT_Load_Glyph(f, g, FT_LOAD_NO_HINTING | FT_LOAD_RENDER)) continue;
      const FT_Bitmap& b = f->glyph->bitmap;
      if (b.pixel_mode != FT_PIXEL_MODE_GRAY) continue;
      m = cv::Mat(b.rows, b.width, CV_8UC1, b.buffer, b.pitch);
    }
    if (m.empty()) continue;
    cv::Mat mask = m > 127;
    area += cv::countNonZero(mask);
    per += ink_perimeter(mask);
  }
  if (per <= 0) return 0.15;
  return 2.0 * area / per / (face.x_height_em * em);
}

}  // namespace

FontSet::FontSet(const std::string& table_path, const std::vector<std::string>& font_dirs,
                 const std::string& split) {
  auto entries = read_font_table(table_path);
  // Index font files by name once: the table names files, not paths, so any layout works.
  std::map<std::string, std::string> files;
  for (const auto& dir : font_dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) files.emplace(it->path().filename().string(), it->path().string());
    }
  }
  if (FT_Init_FreeType(&lib_)) throw IoError("cannot initialise FreeType");
  std::vector<std::string> missing;
  for (const auto& e : entries) {
    if (e.split != split) continue;
    auto it = files.find(e.file);
    if (it == files.end()) {
      missing.push_back(e.file + " (" + e.package + ")");
      continue;
    }
    auto face = std::make_unique<Face>();
    face->entry = e;
    face->path = it->second;
    if (FT_New_Face(lib_, face->path.c_str(), 0, &face->ft)) {
      log::warn("synth: cannot open font {}, skipped", face->path);
      continue;
    }
    FT_Face f = face->ft;
    face->upem = f->units_per_EM ? f->units_per_EM : 1000;
    // A bitmap-only face (thermal and dot-matrix printers' pixel fonts) is measured at its
    // largest strike; an outline face from outlines at 1000 px per em (exact, unhinted).
    face->bitmap = !FT_IS_SCALABLE(f) && f->num_fixed_sizes > 0;
    if (face->bitmap)
      select_strike(f, 1e9);
    else
      FT_Set_Pixel_Sizes(f, 0, 1000);
    double top = 0, bottom = 0;
    if (!glyph_extent(*face, U'x', &top, &bottom)) {
      log::warn("synth: font {} has no 'x', skipped", face->path);
      FT_Done_Face(f);
      continue;
    }
    face->x_height_em = top;
    if (glyph_extent(*face, U'H', &top, &bottom)) face->cap_height_em = top;
    double asc = 0, desc = 0;
    for (char32_t c : std::u32string(U"bdfhklt"))
      if (glyph_extent(*face, c, &top, &bottom)) asc = std::max(asc, top);
    for (char32_t c : std::u32string(U"gjpqy"))
      if (glyph_extent(*face, c, &top, &bottom)) desc = std::max(desc, -bottom);
    if (asc > 0) face->ascender_em = asc;
    if (desc > 0) face->descender_em = desc;
    face->stroke_ratio = measure_stroke_ratio(*face);
    face->covers.assign(0x2200, 0);
    for (char32_t c = 0x20; c < face->covers.size(); ++c)
      face->covers[c] = FT_Get_Char_Index(f, c) != 0;
    hb_blob_t* blob = hb_blob_create_from_file(face->path.c_str());
    hb_face_t* hf = hb_face_create(blob, 0);
    face->hb = hb_font_create(hf);
    hb_font_set_scale(face->hb, face->upem, face->upem);
    hb_face_destroy(hf);
    hb_blob_destroy(blob);
    faces_.push_back(std::move(face));
  }
  if (!missing.empty())
    log::info("synth: {} font files of {} not found (optional packages?): {}", missing.size(),
              table_path, missing.front() + (missing.size() > 1 ? ", ..." : ""));
  if (faces_.empty())
    throw IoError("no usable '" + split + "' font of " + table_path +
                  " found under the font directories (install them: tools/install-deps.sh)");
  // Siblings: same family, by style.
  for (auto& a : faces_)
    for (size_t j = 0; j < faces_.size(); ++j) {
      const auto& b = faces_[j]->entry;
      if (b.family != a->entry.family) continue;
      if (b.style == "italic") a->italic = static_cast<int>(j);
      if (b.style == "bold") a->bold = static_cast<int>(j);
      if (b.style == "regular") a->regular = static_cast<int>(j);
    }
}

FontSet::~FontSet() {
  for (auto& f : faces_) {
    if (f->hb) hb_font_destroy(f->hb);
    if (f->ft) FT_Done_Face(f->ft);
  }
  faces_.clear();
  if (lib_) FT_Done_FreeType(lib_);
}

}  // namespace ocr::synth
