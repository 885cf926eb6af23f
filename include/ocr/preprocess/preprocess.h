// Turns a decoded page into a clean grey working image with dark text on light paper: grey
// conversion, inversion of light-on-dark text, background flattening / contrast stretch,
// denoising, optional binarisation, deskew and resolution normalisation. Each step is optional;
// the defaults suit scans, phone photos and screenshots.
#pragma once
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

namespace ocr {

enum class Toggle { Auto, On, Off };
enum class Binarization { None, Otsu, Sauvola };
enum class Denoise { Auto, None, Median };
enum class ContrastMode { Auto, None, Stretch, Background };

struct PreprocessOptions {
  Toggle invert = Toggle::Auto;        // light-on-dark text: detect, force, or never
  ContrastMode contrast = ContrastMode::Auto;  // Auto: flatten uneven lighting, then stretch
  Denoise denoise = Denoise::Auto;     // Auto: median 3×3 only on speckled images
  Binarization binarize = Binarization::None;
  bool deskew = true;
  double max_skew_degrees = 45;
  double dpi = 0;                       // 0 = from the file, else estimated from text size
  double target_text_height = 0;        // working x-height in px; 0 = default (see .cpp)
  bool rescale = true;                  // upscale low-resolution text, downscale huge pages
  // Photos of a document on a table, a wallet, a hand: the page is found and what lies around it
  // is painted as paper and cut off (find_document). Off reads the whole image.
  bool find_document = true;
};

// The working image and how it relates to the input page.
struct PreprocessedPage {
  cv::Mat gray;          // CV_8UC1, dark text on light paper, deskewed and scaled
  cv::Mat to_original;   // 2×3 affine (CV_64F) mapping working coordinates to input pixels
  double scale = 1;      // working pixels per input pixel
  double skew_degrees = 0;  // estimated skew of the input (positive = text rises to the right)
  bool inverted = false;
  // Light-on-dark panels (a dark sidebar, a table header) turned dark-on-light, in working
  // coordinates: the layout keeps their lines apart from the rest of the page.
  std::vector<cv::Rect> panels;
  double text_height = 0;   // median x-height-ish component height in working pixels
  double dpi = 0;           // given, from the file, or estimated (input resolution)
  bool dpi_estimated = false;
  cv::Rect document;        // the photographed document's box in the input (empty: whole image)
};

// A document photographed on a darker, textured background (a table, a wallet, a hand): the
// mask (input size, 255 inside) of the bright regions that make up the document, or an empty Mat
// when the image is a page, a scan or a screenshot (no surrounding textured background).
// outline_only, if given, receives the document's outline (input size) when the document was
// found but is not cut out because print lies beyond the outline: the rest of the image stays,
// but the skew is measured inside the outline (a hand or a rug beside it sets angles of its own).
cv::Mat find_document(const cv::Mat& gray, cv::Mat* outline_only = nullptr);

// image: CV_8UC1 or CV_8UC3 (BGR). file_dpi: resolution recorded in the file, 0 if none.
PreprocessedPage preprocess(const cv::Mat& image, const PreprocessOptions& options,
                            double file_dpi = 0);

// Individual steps, exposed for tests and for the segmenter.
cv::Mat to_gray(const cv::Mat& image);
bool looks_inverted(const cv::Mat& gray);
// Divides out a smooth background estimate (uneven lighting in photos, yellowed paper): a closing
// wider than the strokes, blurred. Pixels under `ignore` (255: the paint around a cut-out
// document) take no part in the estimate, which reaches them from the nearest paper.
cv::Mat flatten_background(const cv::Mat& gray, const cv::Mat& ignore = cv::Mat());
cv::Mat binarize_otsu(const cv::Mat& gray);                   // ink = 255
// Otsu's split of an 8-bit image from one histogram pass: the threshold cv::threshold's
// THRESH_OTSU picks (pixels above it are light), and the two classes' sizes and mean levels (an
// empty class's mean is 0, as cv::mean's over an empty mask).
struct OtsuSplit {
  int threshold = 0;
  long light = 0, dark = 0;
  double light_mean = 0, dark_mean = 0;
};
OtsuSplit otsu_split(const cv::Mat& gray);
cv::Mat binarize_sauvola(const cv::Mat& gray, int window = 31, double k = 0.2);  // ink = 255
// Estimates the skew angle (degrees, positive = text rises to the right) of a dark-on-light page.
double estimate_skew(const cv::Mat& gray, double max_degrees = 15);
// Median height in pixels of character-sized connected components; 0 if no text-like ink.
double estimate_text_height(const cv::Mat& gray);
// Tallest component counted as a character by the text-height estimates. On a page a third of
// its height keeps pictures and frames out; an image this short holds a line or two, whose
// capitals and x-height letters must all count (capped at a third, the median was a comma's).
int max_glyph_height(int image_rows);

Binarization parse_binarization(const std::string& s);  // none|otsu|sauvola; FormatError otherwise

// Adds the pixels of a CV_8UC1 image to hist (counts per grey level).
void add_to_histogram(const cv::Mat& gray, int64_t (&hist)[256]);

}  // namespace ocr
