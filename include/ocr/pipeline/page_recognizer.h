// Reads a whole page: preprocess → layout → line crops → line recognition (all lines of the page
// in one call, which batches and threads internally) → PageResult in input-image coordinates.
// The work is split into prepare() (image side, no network) and finish() so that a batch run can
// pool the lines of several small inputs into one recognition call.
#pragma once
#include <functional>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ocr/detect/detector.h"
#include "ocr/output/page_result.h"
#include "ocr/pipeline/line_recognizer.h"
#include "ocr/preprocess/preprocess.h"
#include "ocr/preprocess/scene.h"
#include "ocr/segment/layout.h"

namespace ocr {

class PageReaderChoice;

struct PageRecognizerOptions {
  PreprocessOptions preprocess;
  LayoutOptions layout;
  // The learned text-line detector; null: the connected-component layout (segment/layout.h).
  // Page and auto layouts use it (a page where it finds nothing falls back to the layout);
  // block and line layouts do not.
  std::shared_ptr<const TextLineDetector> detector;
  // Faxes (Scene::Fax: bitonal or grey print scanned below ~190 dpi, enlarged several times by the
  // preprocessing) are read with this detector when set: one that reads at a smaller scale, as
  // their enlarged pixels hold no detail the larger scale would see. Null: `detector` reads them.
  std::shared_ptr<const TextLineDetector> fax_detector;
  // Drop page lines read as marks only (see is_mark_line): separators of dashes or asterisks,
  // barcode bars, speckle; and readings no text line gives (RecognizedLine::implausible). Off
  // keeps every line the layout found. Line layout keeps all (an implausible one with a low
  // confidence).
  bool drop_mark_lines = true;
  // Reject threshold: words whose confidence is below it are left out (lines left without words
  // go too). 0 keeps every word.
  double min_word_confidence = 0;
  // Page orientation: -1 detects pages scanned upside down or sideways (page layouts whose reading
  // is unsure are read again turned 180°, and 90° both ways when their ink runs in columns; a
  // turn is kept only if its reading is clearly surer); 0, 90, 180, 270 turn every page clockwise
  // by that much before reading. Boxes are always given on the input image.
  int rotate = -1;
  // Chooses each page's line reader (--engines auto, pipeline/scene_models.h); null: every page
  // is read by the recognizer's reader.
  std::shared_ptr<const PageReaderChoice> choice;
};

// A recognised line with no letter or digit that is nothing but marks (dashes, bars, dots,
// asterisks, brackets, quotes), or that holds other symbols read with low confidence: the
// reading of a rule, a barcode or speckle, not text.
bool is_mark_line(const RecognizedLine& line);

// The per-line recognition step: line crops (dark on light) in, one RecognizedLine per crop out.
using LineReader = std::function<std::vector<RecognizedLine>(const std::vector<cv::Mat>&)>;

struct PreparedPage;

// Picks the reader of each page from the page itself. Pages whose readers have the same key are
// read together (one pooled call per key in recognize_pages).
class PageReaderChoice {
 public:
  virtual ~PageReaderChoice() = default;
  // image: the page as decoded (turned, for a turned reading); page: prepared. May note what it
  // chose in page.page; returns the key of the page's reader.
  virtual std::string choose(const cv::Mat& image, PreparedPage& page) const = 0;
  // The reader of a key choose() returned.
  virtual LineReader reader(const std::string& key) const = 0;
};

// Another cut of a page's lines, to be read too; the surer reading stays.
struct LayoutAlternative {
  PageLayout layout;
  std::vector<cv::Mat> lines;
};

// A page after preprocessing and layout, waiting for its lines to be read.
struct PreparedPage {
  PageResult page;          // metadata filled in, no blocks yet
  PreprocessedPage pre;
  PageLayout layout;
  std::vector<cv::Mat> lines;  // crops in reading order, as the reader gets them
  // A line image whose line layout band held several detected lines one above another also gets
  // the detector's cut along its main line's centreline (see keep_surer_alternative).
  std::optional<LayoutAlternative> alternative;
  // The key of its reader (PageReaderChoice::choose); "" = the recognizer's own reader.
  std::string reader_key;
  const TextLineDetector* detector = nullptr;  // the one that found its lines; null: the layout
  // The detector read the page (it had marks of a glyph's size) and found no line in it.
  bool no_line_detected = false;
  std::optional<Scene> scene;  // classified once, when the fax detector or a reader choice needs it
  // The page as it came, in grey: what a turned reading starts from. A colour page's three bytes
  // a pixel are let go once this copy and a sample of its colours for the scene are made (a 12 MP
  // photo's 37 MB stayed in memory through the detector and the reading).
  cv::Mat original_gray;
};

// Reads prep's alternative, if any, and keeps it (layout, crops and readings) in place of what
// lines holds when its reading is clearly surer. Either way the alternative is gone afterwards.
void keep_surer_alternative(PreparedPage& prep, std::vector<RecognizedLine>& lines, const LineReader& reader);

// The first half of reading a page, which needs no network: preprocessing, layout, line crops.
// A colour image moved in is freed before preprocessing (its grey copy and a sample of its
// colours for the scene are kept).
PreparedPage prepare_page(cv::Mat image, const PageRecognizerOptions& options,
                          const std::string& source = "", int page_index = 0, double dpi = 0);

// The crop `ocr recognize --layout line` hands the network for a line image (contrast, skew,
// scale and polarity corrected). Training on labelled lines reads them through it too, so a
// model is fitted to the pixels it will see. Empty if the image holds no line.
cv::Mat prepare_line_image(const cv::Mat& image, const PreprocessOptions& preprocess = {},
                           double dpi = 0);

// One page to read in a group (see PageRecognizer::recognize_pages).
struct PageSource {
  cv::Mat image;
  std::string source;
  int page_index = 0;
  double dpi = 0;
};

// What became of it: a result, or the message of what failed (neither: the page was skipped).
struct PageOutcome {
  std::optional<PageResult> result;
  std::string error;
};

class PageRecognizer {
 public:
  PageRecognizer(std::shared_ptr<const LineRecognizer> recognizer, PageRecognizerOptions options = {});
  PageRecognizer(LineReader reader, PageRecognizerOptions options = {});

  // image: CV_8UC1 or CV_8UC3 as decoded; dpi 0 = unknown. Moved in, a colour image is freed
  // before preprocessing (prepare_page).
  PreparedPage prepare(cv::Mat image, const std::string& source = "", int page_index = 0,
                       double dpi = 0) const;
  // The same, the image turned clockwise by 90, 180 or 270 degrees first; coordinates still map
  // to the image as given.
  PreparedPage prepare_turned(cv::Mat image, int degrees, const std::string& source = "",
                              int page_index = 0, double dpi = 0) const;
  // lines: the reader's output for prepared.lines, same order and size.
  PageResult finish(PreparedPage&& prepared, const std::vector<RecognizedLine>& lines) const;
  PageResult recognize(const cv::Mat& image, const std::string& source = "", int page_index = 0,
                       double dpi = 0) const;

  // Reads pages 0..n-1 together, as batch runs and `ocr eval` do: load(k) gives page k (nullopt
  // skips it; it may throw) and it is prepared on its own OpenMP thread, up to `threads` at once,
  // with OpenCV's pool kept out of the way; then the lines of all pages go to the reader in one
  // call, which batches them across pages. If that call fails, each page is read on its own, so
  // only the culprit fails.
  std::vector<PageOutcome> recognize_pages(int n, const std::function<std::optional<PageSource>(int)>& load,
                                           int threads) const;

  // The orientation step of recognize/recognize_pages for one read page (see options.rotate).
  // working_gray: the upright reading's preprocessed page, looked at only for an unsure reading;
  // upright_lines: its line crops, whose widest, turned in place, first say whether a 180-degree
  // turn is worth preprocessing the page again (empty: always try it).
  // upright_readings: the readings of upright_lines, one each (else ignored): when the widest
  // lines read surely, no turn is tried.
  // reader: the one the upright page was read with (null: the recognizer's own).
  PageResult orient(const cv::Mat& image, PageResult upright, const std::string& source, int page_index,
                    double dpi, const cv::Mat& working_gray, const std::vector<cv::Mat>& upright_lines = {},
                    const std::vector<RecognizedLine>& upright_readings = {},
                    const LineReader* reader = nullptr) const;

  // The recognizer's own reader (the default model's under --engines auto).
  const LineReader& reader() const { return reader_; }
  // The reader of a prepared page: its choice's (options.choice), else reader().
  LineReader reader_for(const PreparedPage& page) const;
  const PageRecognizerOptions& options() const { return options_; }

 private:
  LineReader reader_;
  PageRecognizerOptions options_;
};

}  // namespace ocr
