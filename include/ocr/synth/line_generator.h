// Synthetic training lines: text from a corpus and generators, rendered with exact font files
// (FreeType + HarfBuzz) and degraded like scans, photos, screenshots or receipts.
//
// Data files (found next to the fonts table, by default <data dir>/...):
//   fonts.tsv      the faces, their classes, weights and train/holdout split (format in its header)
//   eng.alphabet   one UTF-8 line listing every character a label may contain, each once, the space
//                  first; a final newline is not part of it
//   corpus/eng.txt the corpus built by tools/build-corpus.sh, else corpus-sample.txt
// The data dir is $OCR_DATA_DIR if set, else the first of ./data, <exe>/../data,
// <exe>/../../data, <exe>/../share/ocr and the source tree's data/ that holds fonts.tsv.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/image/line_sample.h"

namespace ocr::synth {

struct GeneratorConfig {
  std::string fonts_table;  // default: <data dir>/fonts.tsv
  std::vector<std::string> font_dirs = {"/usr/share/fonts", "/usr/share/texmf/fonts"};
  std::string corpus;       // UTF-8, one paragraph per line; default: data/corpus/eng.txt, else
                            // data/corpus-sample.txt
  std::string split = "train";  // "train" or "holdout" fonts
  uint64_t seed = 1;
  // Profile name -> relative weight; empty = defaults (scan_binary 0.38, scan_gray 0.2, photo 0.08,
  // screen 0.1, receipt 0.1, fax 0.07, phone 0.07). Unknown names or no positive weight throw
  // FormatError.
  std::map<std::string, double> profile_weights;
  // Screen profile: keep dark-mode lines light-on-dark (default: inverted back to dark-on-light,
  // as the recognizer inverts light-on-dark input before the network).
  bool keep_dark_mode = false;
  // Accents sprinkled on random letters of some lines teach the network accented glyphs that an
  // English corpus rarely shows. They also make words no language has: a set for tuning the
  // decoder's language model turns them off, to be scored on text as written.
  bool accent_noise = true;
  // Share of the fax profile's lines written in a handwriting face: FUNSD-like forms have about
  // one field in six filled in by hand; a member trained to read hands raises it. In [0, 1].
  double hand_share = 0.18;
  std::string alphabet;     // default: <data dir>/eng.alphabet
};

// Weighted choice: an index into w (weights >= 0, some > 0), drawn from rng; the line and page
// generators draw profiles, kinds, captures and faces with it.
size_t pick_weighted(Rng& rng, const std::vector<double>& w);

// Names of the degradation profiles, in a fixed order.
const std::vector<std::string>& profile_names();
// The data directory described above; throws IoError when none holds fonts.tsv.
std::string default_data_dir();

class LineGenerator {
 public:
  // Loads fonts, alphabet and corpus once; throws IoError on no usable font or no corpus,
  // FormatError on malformed tables or weights.
  explicit LineGenerator(const GeneratorConfig& config);
  ~LineGenerator();
  LineGenerator(const LineGenerator&) = delete;
  LineGenerator& operator=(const LineGenerator&) = delete;

  // The next line: a deterministic sequence for a given seed and configuration. The image is
  // CV_8UC1 dark text on a light background; the text holds only alphabet characters, no leading,
  // trailing or double spaces, and every character is covered by the faces it was drawn with.
  LineSample next();
  // Line `index` of this seed's indexed stream: drawn from its own seed (stream_seed), so it is
  // the same line whichever lines were drawn before; a separate stream from next()'s.
  LineSample at(uint64_t index);
  // The next line of one profile (by name), ignoring the weights.
  LineSample next(const std::string& profile);

  // The alphabet labels are drawn from (code points, in file order).
  const std::u32string& alphabet() const;
  size_t face_count() const;
  std::string profile_of_last() const;
  std::string font_of_last() const;  // file name of the last line's main face
  // The profile mix (shares summing to 1) and the hand share this generator draws with, for a
  // model's data note: "profiles fax=0.45,phone=0.2; fax lines by hand 0.4".
  std::string describe_mix() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocr::synth
