#include "ocr/synth/font_table.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <hb-ft.h>
#include <hb.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/core.hpp>
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
    if (!e.print && !e.receipt)
      throw FormatError(where + ": use must list print and/or receipt, got '" + f[3] + "'");
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

namespace {

// Loads glyph for c at the face's current size and returns its outline bounding box in pixels
// (y up); false when the face lacks c.
bool glyph_box(FT_Face f, char32_t c, FT_BBox* box) {
  FT_UInt g = FT_Get_Char_Index(f, c);
  if (!g || FT_Load_Glyph(f, g, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP)) return false;
  FT_Outline_Get_CBox(&f->glyph->outline, box);
  return true;
}

// Stroke width / x-height of a clean render at 48 px per em, thresholded at half coverage.
double measure_stroke_ratio(FT_Face f, double x_height_em) {
  const int em = 48;
  FT_Set_Pixel_Sizes(f, 0, em);
  const char32_t sample[] = U"nxoeaumdhs";
  double area = 0, per = 0;
  for (const char32_t* p = sample; *p; ++p) {
    FT_UInt g = FT_Get_Char_Index(f, *p);
    if (!g || FT_Load_Glyph(f, g, FT_LOAD_NO_HINTING | FT_LOAD_RENDER)) continue;
    const FT_Bitmap& b = f->glyph->bitmap;
    if (b.rows == 0 || b.width == 0) continue;
    cv::Mat m(b.rows, b.width, CV_8UC1, b.buffer, b.pitch);
    cv::Mat mask = m > 127;
    area += cv::countNonZero(mask);
    per += ink_perimeter(mask);
  }
  if (per <= 0) return 0.15;
  return 2.0 * area / per / (x_height_em * em);
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
    // Metrics in em from outlines at 1000 px per em (exact, unhinted).
    FT_Set_Pixel_Sizes(f, 0, 1000);
    FT_BBox box;
    if (!glyph_box(f, U'x', &box)) {
      log::warn("synth: font {} has no 'x', skipped", face->path);
      FT_Done_Face(f);
      continue;
    }
    face->x_height_em = box.yMax / 64.0 / 1000.0;
    if (glyph_box(f, U'H', &box)) face->cap_height_em = box.yMax / 64.0 / 1000.0;
    double asc = 0, desc = 0;
    for (char32_t c : std::u32string(U"bdfhklt"))
      if (glyph_box(f, c, &box)) asc = std::max(asc, box.yMax / 64.0 / 1000.0);
    for (char32_t c : std::u32string(U"gjpqy"))
      if (glyph_box(f, c, &box)) desc = std::max(desc, -box.yMin / 64.0 / 1000.0);
    if (asc > 0) face->ascender_em = asc;
    if (desc > 0) face->descender_em = desc;
    face->stroke_ratio = measure_stroke_ratio(f, face->x_height_em);
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
