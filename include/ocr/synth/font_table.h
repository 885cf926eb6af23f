// The font faces the line generator renders with: data/fonts.tsv parsed, files located, each face
// opened once in FreeType (outlines, or pixel strikes) and HarfBuzz (shaping), with its alphabet coverage and the
// metrics that the renderer scales by.
#pragma once
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

typedef struct FT_LibraryRec_* FT_Library;
typedef struct FT_FaceRec_* FT_Face;
typedef struct hb_font_t hb_font_t;

namespace ocr::synth {

// One row of data/fonts.tsv (format documented in the file's header).
struct FontEntry {
  std::string cls;     // times, cm, helvetica, courier, book, sans, mono, ocr, hand
  double weight = 0;   // sampling weight as a line's main face
  std::string split;   // train | holdout
  bool print = false;  // usable by the scan, photo and screen profiles
  bool receipt = false;
  bool hand = false;   // handwriting: fields filled in by hand on forms (the fax profile)
  std::string family, style, package, file, note;
};

// Parses a fonts table; throws IoError (unreadable) or FormatError (naming file and line).
std::vector<FontEntry> read_font_table(const std::string& path);

// A face opened for rendering. Not copyable; owned by a FontSet.
struct Face {
  FontEntry entry;
  std::string path;
  FT_Face ft = nullptr;
  hb_font_t* hb = nullptr;  // scaled to font units (upem): positions are size independent
  int upem = 1000;
  double x_height_em = 0.5;     // height of 'x' / em
  double ascender_em = 0.8;     // tallest of 'bdfhklt' / em
  double cap_height_em = 0.7;   // height of 'H' / em
  double descender_em = 0.25;   // deepest of 'gjpqy' / em (positive)
  double stroke_ratio = 0.15;   // stroke width / x-height of a clean render
  bool bitmap = false;          // no outlines, only pixel strikes (rendered scaled from a strike)
  std::vector<uint8_t> covers;  // covers[c] for code points below covers.size()
  int italic = -1, bold = -1, regular = -1;  // sibling faces in the set (-1: none)

  bool has(char32_t c) const { return c < covers.size() && covers[c]; }
  bool has_all(const std::u32string& s) const;
};

// Bitmap-only faces: selects the strike to scale to px pixels per em (the smallest no more than a
// tenth too small, else the largest) and returns its pixels per em.
double select_strike(FT_Face f, double px);
// Loads glyph (an index) at the selected strike as 0/255 coverage with its offset from the pen
// (left, and top above the baseline); false when FreeType cannot.
bool load_strike_glyph(FT_Face f, unsigned glyph, cv::Mat* coverage, int* left, int* top);

// All usable faces of a table. Owns its FreeType library, so one FontSet per thread.
class FontSet {
 public:
  // Opens every face of the table found under font_dirs (recursive search by file name) whose
  // split matches ("train" or "holdout"); faces missing on disk are skipped with a log line.
  // Throws IoError when no face could be opened.
  FontSet(const std::string& table_path, const std::vector<std::string>& font_dirs,
          const std::string& split);
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  size_t size() const { return faces_.size(); }
  Face& operator[](size_t i) { return *faces_[i]; }
  const Face& operator[](size_t i) const { return *faces_[i]; }
  FT_Library library() const { return lib_; }

 private:
  FT_Library lib_ = nullptr;
  std::vector<std::unique_ptr<Face>> faces_;
};

}  // namespace ocr::synth
