#include "ocr/preprocess/preprocess.h"

#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "image/test_pages.h"
#include "ocr/core/error.h"
#include "ocr/segment/layout.h"

namespace {

cv::Mat text_block(int lines = 8) {
  cv::Mat img(600, 800, CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < lines; ++i) ocr::test::draw_line(img, 60, 80 + 55 * i, 5, i);
  return img;
}

cv::Mat rotate(const cv::Mat& img, double deg) {
  cv::Mat r = cv::getRotationMatrix2D({img.cols / 2.0f, img.rows / 2.0f}, deg, 1.0), out;
  cv::warpAffine(img, out, r, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 255);
  return out;
}

}  // namespace

TEST(Preprocess, EstimatesSkewInBothDirections) {
  cv::Mat img = text_block();
  EXPECT_NEAR(ocr::estimate_skew(img), 0.0, 0.15);
  EXPECT_NEAR(ocr::estimate_skew(rotate(img, 3.0)), 3.0, 0.3);   // counter-clockwise: rises right
  EXPECT_NEAR(ocr::estimate_skew(rotate(img, -2.0)), -2.0, 0.3);
}

// A phone held at 20-45 degrees: beyond the usual 15, where the profile is flat but for a narrow
// peak, the wider sweep finds it (the lines were read as scraps); the usual range alone does
// not, and sideways text is left to the orientation check.
TEST(Preprocess, EstimatesTiltsBeyondTheUsualRange) {
  cv::Mat img(1300, 1300, CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < 8; ++i) ocr::test::draw_line(img, 300, 440 + 55 * i, 8, i);
  for (double deg : {20.0, -27.0, 34.0, -43.0}) {
    EXPECT_NEAR(ocr::estimate_skew(rotate(img, deg), 45), deg, 0.5) << deg;
    EXPECT_LE(std::abs(ocr::estimate_skew(rotate(img, deg), 15)), 15.5) << deg;
  }
  EXPECT_NEAR(ocr::estimate_skew(img, 45), 0.0, 0.15);
  EXPECT_NEAR(ocr::estimate_skew(rotate(img, 4.0), 45), 4.0, 0.3);
  cv::Mat sideways;
  cv::rotate(img, sideways, cv::ROTATE_90_CLOCKWISE);
  EXPECT_LE(std::abs(ocr::estimate_skew(sideways, 45)), 1.0);
}

TEST(Preprocess, FilledPanelsDoNotSetTheSkew) {
  // A screenshot: text above, on and beside filled grey and dark panels. The panels are big
  // blocks of Otsu ink whose edges once outvoted the text (14°); only glyph-sized ink votes.
  cv::Mat img(600, 900, CV_8UC1, cv::Scalar(255));
  cv::rectangle(img, cv::Rect(20, 60, 860, 240), cv::Scalar(180), cv::FILLED);
  cv::rectangle(img, cv::Rect(20, 320, 420, 260), cv::Scalar(60), cv::FILLED);
  for (int i = 0; i < 6; ++i) ocr::test::draw_line(img, 40, 90 + 35 * i, 6, i, 0.5);
  for (int i = 0; i < 5; ++i) {
    cv::putText(img, "Dark panel light text", {40, 350 + 40 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.5, 240, 1, cv::LINE_AA);
    ocr::test::draw_line(img, 470, 350 + 40 * i, 3, i, 0.5);
  }
  cv::resize(img, img, cv::Size(), 2.44, 2.44, cv::INTER_LINEAR);  // as preprocess scales small text
  EXPECT_NEAR(ocr::estimate_skew(img), 0.0, 0.15);
  EXPECT_NEAR(ocr::estimate_skew(rotate(img, 2.0)), 2.0, 0.3);
}

TEST(Preprocess, LightTextOnADarkPanelIsTurnedDarkOnLight) {
  // A dark-mode sidebar beside ordinary text, a bold black word with touching letters, and a
  // solid black box: only the panel is text on a dark ground.
  cv::Mat img(500, 900, CV_8UC1, cv::Scalar(250));
  const cv::Rect panel(20, 40, 400, 260), word(500, 380, 300, 80), box(100, 380, 200, 80);
  cv::rectangle(img, panel, cv::Scalar(45), cv::FILLED);
  for (int i = 0; i < 5; ++i)
    cv::putText(img, "Light text line", {40, 90 + 45 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 235, 2, cv::LINE_AA);
  for (int i = 0; i < 5; ++i) ocr::test::draw_line(img, 470, 90 + 45 * i, 3, i);
  cv::putText(img, "MOON", {510, 450}, cv::FONT_HERSHEY_SIMPLEX, 2.4, 0, 14, cv::LINE_AA);
  cv::rectangle(img, box, cv::Scalar(0), cv::FILLED);
  ocr::PreprocessOptions opt;
  opt.rescale = false;
  opt.deskew = false;
  const auto page = ocr::preprocess(img, opt);
  ASSERT_EQ(page.gray.size(), img.size());
  EXPECT_FALSE(page.inverted);
  // The panel is reported (for the layout) in working coordinates, here the input's.
  ASSERT_EQ(page.panels.size(), 1u);
  EXPECT_LE((page.panels[0] & panel).area(), panel.area());
  EXPECT_GE((page.panels[0] & panel).area(), 0.95 * panel.area());
  // The panel now reads as paper (its ground light, its letters the darkest pixels)...
  EXPECT_GT(cv::mean(page.gray(panel))[0], 170);
  double lo, hi;
  cv::minMaxLoc(page.gray(panel), &lo, &hi);
  EXPECT_LT(lo, 60);
  ocr::LayoutOptions page_mode;
  page_mode.mode = ocr::LayoutMode::Page;
  int panel_lines = 0;
  for (const auto& b : ocr::analyze_layout(page.gray, page_mode).blocks)
    for (const auto& p : b.paragraphs)
      for (const auto& l : p.lines) panel_lines += (l.box & panel) == l.box;
  EXPECT_EQ(panel_lines, 5);
  // ... while the bold word and the black box stay dark.
  EXPECT_LT(cv::mean(page.gray(box))[0], 40);
  EXPECT_LT(cv::mean(page.gray(cv::Rect(520, 400, 80, 40)))[0], 128);  // inside the M's strokes
  // --invert no leaves the panel dark (flattening lightens only its empty parts).
  opt.invert = ocr::Toggle::Off;
  EXPECT_LT(cv::mean(ocr::preprocess(img, opt).gray(panel))[0], cv::mean(page.gray(panel))[0] - 30);
}

TEST(Preprocess, DeskewsAndMapsBackToInput) {
  cv::Mat img = rotate(text_block(), 4.0);
  ocr::PreprocessOptions opt;
  auto p = ocr::preprocess(img, opt);
  EXPECT_NEAR(p.skew_degrees, 4.0, 0.3);
  EXPECT_NEAR(ocr::estimate_skew(p.gray), 0.0, 0.3);
  // Ink of the working image maps back onto ink of the input.
  const cv::Mat ink_mask = ocr::binarize_otsu(p.gray), ink_in_mask = ocr::binarize_otsu(img);
  cv::Mat ink_in_grown;
  cv::dilate(ink_in_mask, ink_in_grown, cv::Mat::ones(3, 3, CV_8U));  // a pixel of rounding
  int on_ink = 0, total = 0;
  for (int y = 0; y < ink_mask.rows; y += 2)
    for (int x = 0; x < ink_mask.cols; x += 2) {
      if (!ink_mask.at<uint8_t>(y, x)) continue;
      cv::Mat back = p.to_original * (cv::Mat_<double>(3, 1) << x, y, 1.0);
      const int bx = int(std::lround(back.at<double>(0))), by = int(std::lround(back.at<double>(1)));
      ++total;
      on_ink += bx >= 0 && by >= 0 && bx < img.cols && by < img.rows && ink_in_grown.at<uint8_t>(by, bx);
    }
  ASSERT_GT(total, 100);
  EXPECT_GT(on_ink, 0.95 * total);
  const cv::Rect ink = cv::boundingRect(ink_mask), ink_in = cv::boundingRect(ink_in_mask);
  // Deskewing adds no blank band: the margins around the ink stay those of the input.
  EXPECT_NEAR(ink.y, ink_in.y, 3);
  EXPECT_NEAR(p.gray.rows - ink.br().y, img.rows - ink_in.br().y, 3);
  opt.deskew = false;
  EXPECT_EQ(ocr::preprocess(img, opt).skew_degrees, 0.0);
}

// Small print is enlarged and turned: the margins around the ink, the paper level and the map
// back are measured on the page before it is enlarged, and must still hold after.
TEST(Preprocess, EnlargedSmallPrintIsDeskewedWithItsMarginsKept) {
  cv::Mat big = rotate(text_block(), 3.0), img;
  cv::resize(big, img, cv::Size(), 0.3, 0.3, cv::INTER_AREA);
  auto p = ocr::preprocess(img, {});
  ASSERT_GT(p.scale, 1.5);
  EXPECT_NEAR(p.skew_degrees, 3.0, 0.4);
  EXPECT_NEAR(ocr::estimate_skew(p.gray), 0.0, 0.3);
  const cv::Rect ink = cv::boundingRect(ocr::binarize_otsu(p.gray)), ink_in = cv::boundingRect(ocr::binarize_otsu(img));
  const double s = p.scale;
  EXPECT_NEAR(ink.x, ink_in.x * s, 2 * s);
  EXPECT_NEAR(ink.y, ink_in.y * s, 2 * s);
  EXPECT_NEAR(p.gray.cols - ink.br().x, (img.cols - ink_in.br().x) * s, 2 * s);
  EXPECT_NEAR(p.gray.rows - ink.br().y, (img.rows - ink_in.br().y) * s, 2 * s);
  // The uncovered corners are paper, not white or black: no corner pixel is ink.
  const cv::Mat ink_mask = ocr::binarize_otsu(p.gray);
  for (cv::Point c : {cv::Point(0, 0), cv::Point(p.gray.cols - 1, 0), cv::Point(0, p.gray.rows - 1),
                      cv::Point(p.gray.cols - 1, p.gray.rows - 1)})
    EXPECT_EQ(ink_mask.at<uint8_t>(c), 0) << c;
  // The ink's centre maps back onto the input's.
  const cv::Mat back = p.to_original * (cv::Mat_<double>(3, 1) << ink.x + ink.width / 2.0, ink.y + ink.height / 2.0, 1.0);
  EXPECT_NEAR(back.at<double>(0), ink_in.x + ink_in.width / 2.0, 3);
  EXPECT_NEAR(back.at<double>(1), ink_in.y + ink_in.height / 2.0, 3);
}

TEST(Preprocess, DetectsAndInvertsLightOnDark) {
  cv::Mat img = text_block(), dark;
  cv::bitwise_not(img, dark);
  EXPECT_FALSE(ocr::looks_inverted(img));
  EXPECT_TRUE(ocr::looks_inverted(dark));
  auto p = ocr::preprocess(dark, {});
  EXPECT_TRUE(p.inverted);
  EXPECT_GT(cv::mean(p.gray)[0], 200);  // paper is light again
  ocr::PreprocessOptions never;
  never.invert = ocr::Toggle::Off;
  EXPECT_FALSE(ocr::preprocess(dark, never).inverted);
  cv::Mat colour;
  cv::cvtColor(dark, colour, cv::COLOR_GRAY2BGR);
  EXPECT_TRUE(ocr::preprocess(colour, {}).inverted);
}

// A photographed line whose paper darkens towards one side: a global split calls most of it ink.
// A page with a black scanner border. And a crop of big bold white letters on black, which fill
// most of it: still light-on-dark.
TEST(Preprocess, InversionIsJudgedByThePaperAroundTheText) {
  cv::Mat line(40, 600, CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(line, 8, 28, 5, 1);
  cv::Mat shaded(line.size(), CV_8UC1);
  for (int y = 0; y < line.rows; ++y)
    for (int x = 0; x < line.cols; ++x)
      shaded.at<uint8_t>(y, x) = static_cast<uint8_t>(line.at<uint8_t>(y, x) ? 70 + 160 * std::pow(double(x) / line.cols, 3) : 10);
  cv::Mat bin;
  cv::threshold(shaded, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  ASSERT_LT(cv::countNonZero(bin), 0.4 * double(bin.total()));  // what fooled the global test
  EXPECT_FALSE(ocr::looks_inverted(shaded));

  // A page scanned with black margins around it is still dark-on-light.
  cv::Mat page = text_block();
  cv::Mat bordered;
  cv::copyMakeBorder(page, bordered, 60, 60, 60, 60, cv::BORDER_CONSTANT, cv::Scalar(0));
  EXPECT_FALSE(ocr::looks_inverted(bordered));

  cv::Mat bold(110, 400, CV_8UC1, cv::Scalar(40));
  for (int i = 0; i < 3; ++i) cv::rectangle(bold, cv::Rect(20 + 130 * i, 12, 95, 86), cv::Scalar(235), cv::FILLED);
  EXPECT_TRUE(ocr::looks_inverted(bold));
}

// A crop of a line of dense print (a fax's paragraph) whose top and bottom rows run through the
// slices of the lines above and below: its thin outer ring is mostly those slices' ink, but its
// ends are paper, and it is not light-on-dark; the same crop's negative is.
TEST(Preprocess, NeighboursSlicesAlongALineCropDoNotMakeItLookInverted) {
  cv::Mat crop(21, 560, CV_8UC1, cv::Scalar(255));
  for (int x = 6; x < 552; x += 5) {  // the slices: strokes across the top and bottom rows
    cv::line(crop, {x, 0}, {x, 3}, cv::Scalar(0), 2);
    cv::line(crop, {x + 2, 17}, {x + 2, 20}, cv::Scalar(0), 2);
  }
  cv::putText(crop, "use of the individual or entity named above", {8, 14}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
              cv::Scalar(0), 1, cv::LINE_AA);
  cv::Mat ring_rows = crop.row(0) < 128, ring_bottom = crop.row(crop.rows - 1) < 128;
  ASSERT_GT(cv::countNonZero(ring_rows) + cv::countNonZero(ring_bottom), crop.cols);  // mostly ink
  EXPECT_FALSE(ocr::looks_inverted(crop));
  cv::Mat negative;
  cv::bitwise_not(crop, negative);
  EXPECT_TRUE(ocr::looks_inverted(negative));
}

// A narrow receipt photographed on a grey table: the paper is a fifth of the photo, so one
// global split calls the table paper; the tiles around the print know better.
TEST(Preprocess, ASmallReceiptOnAGreyTableIsNotInverted) {
  cv::Mat photo(1000, 750, CV_8UC1);
  cv::RNG rng(11);
  rng.fill(photo, cv::RNG::NORMAL, 125, 6);
  cv::Mat receipt = photo(cv::Rect(280, 150, 220, 700));
  receipt.setTo(235);
  for (int i = 0; i < 20; ++i) ocr::test::draw_line(receipt, 10, 30 + 32 * i, 2, i, 0.55);
  cv::Mat bin;
  cv::threshold(photo, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  ASSERT_LT(cv::countNonZero(bin), 0.4 * double(bin.total()));  // what fooled the global test
  EXPECT_FALSE(ocr::looks_inverted(photo));
  cv::Mat negative;
  cv::bitwise_not(photo, negative);
  EXPECT_TRUE(ocr::looks_inverted(negative));
}

TEST(Preprocess, RescalesTinyAndHugeText) {
  cv::Mat img = text_block(), tiny, huge;
  cv::resize(img, tiny, {}, 0.4, 0.4, cv::INTER_AREA);
  cv::resize(img, huge, {}, 5.0, 5.0, cv::INTER_LINEAR);
  double h = ocr::estimate_text_height(img);
  EXPECT_GT(h, 8);
  EXPECT_LT(h, 30);
  auto pt = ocr::preprocess(tiny, {});
  EXPECT_GT(pt.scale, 1.5);
  EXPECT_GT(pt.text_height, 12);
  auto ph = ocr::preprocess(huge, {});
  EXPECT_LT(ph.scale, 0.6);
  EXPECT_LT(ph.text_height, 50);
  EXPECT_GT(ph.dpi, 0);
  ocr::PreprocessOptions off;
  off.rescale = false;
  EXPECT_EQ(ocr::preprocess(tiny, off).scale, 1.0);
}

// A faint receipt with a barcode: one global split gives the bars the dark class and leaves the
// grey letters on the paper's side, and the bars' height would pose as the print's (read at a
// third of its size). Local thresholds find the letters, and the small print is enlarged.
TEST(Preprocess, AFaintReceiptsBarcodeDoesNotSetItsTextHeight) {
  cv::Mat page(900, 500, CV_8UC1, cv::Scalar(245));
  cv::RNG rng(7);
  for (int row = 0; row < 40; ++row)
    for (int col = 0; col < 2; ++col)
      cv::putText(page, col == 0 ? "ITEM NAME" : "12.99", {30 + 320 * col, 40 + 16 * row}, cv::FONT_HERSHEY_PLAIN, 0.7,
                  cv::Scalar(165), 1, cv::LINE_AA);
  for (int i = 0; i < 30; ++i) page(cv::Rect(80 + 11 * i, 700, 3 + (i % 3) * 2, 24)).setTo(0);
  const ocr::PreprocessedPage out = ocr::preprocess(page, ocr::PreprocessOptions{});
  EXPECT_GT(out.scale, 1.8) << "the letters' height, not the bars'";
}

TEST(Preprocess, LineImageTextHeightIsItsLettersNotItsCommas) {
  // The same line alone in a tight crop and on a tall page must measure the same text height:
  // a cap of a third of the image height once left only commas and dots to count in the crop,
  // and the line was then blown up 4x before every filter.
  cv::Mat line = ocr::test::single_line(420, 40);
  cv::Mat page(600, 420, CV_8UC1, cv::Scalar(255));
  line.copyTo(page(cv::Rect(0, 280, 420, 40)));
  const double on_page = ocr::estimate_text_height(page);
  EXPECT_GT(on_page, 10);
  EXPECT_NEAR(ocr::estimate_text_height(line), on_page, 1.0);
  EXPECT_EQ(ocr::preprocess(line, {}).scale, 1.0);
}

TEST(Preprocess, FlattensUnevenLightingAndBinarizes) {
  cv::Mat img = text_block();
  cv::Mat shade(img.size(), CV_8UC1);
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) shade.at<uint8_t>(y, x) = static_cast<uint8_t>(120 + x * 130 / img.cols);
  cv::Mat photo;
  cv::min(img, shade, photo);
  ocr::PreprocessOptions opt;
  opt.binarize = ocr::Binarization::Sauvola;
  auto p = ocr::preprocess(photo, opt);
  // Binary output: only two levels, and the dark left edge is paper again.
  cv::Mat other = (p.gray != 0) & (p.gray != 255);
  EXPECT_EQ(cv::countNonZero(other), 0);
  EXPECT_GT(cv::mean(p.gray(cv::Rect(0, 0, 40, p.gray.rows)))[0], 230);
  opt.binarize = ocr::Binarization::Otsu;
  const cv::Mat otsu = ocr::preprocess(photo, opt).gray;
  EXPECT_GT(cv::mean(otsu(cv::Rect(0, 0, 40, otsu.rows)))[0], 230);
  EXPECT_THROW(ocr::parse_binarization("magic"), ocr::FormatError);
  EXPECT_EQ(ocr::parse_binarization("sauvola"), ocr::Binarization::Sauvola);
}

// A phone photo's crop of big, heavy print: flattening the lighting must not take the strokes,
// wider than a twentieth of the crop, for paper and hollow the letters out.
TEST(Preprocess, FlatteningKeepsTheStrokesOfBigPrint) {
  cv::Mat img(90, 700, CV_8UC1, cv::Scalar(200));
  cv::putText(img, "2875 BOUL", {10, 75}, cv::FONT_HERSHEY_SIMPLEX, 2.6, cv::Scalar(40), 14, cv::LINE_AA);
  cv::Mat ink = img < 120;
  ocr::PreprocessOptions opt;
  opt.rescale = false;
  opt.deskew = false;
  auto p = ocr::preprocess(img, opt);
  ASSERT_EQ(p.gray.size(), img.size());
  // The cores of the strokes (ink eroded by a few pixels) stay dark.
  cv::Mat core;
  cv::erode(ink, core, cv::getStructuringElement(cv::MORPH_ELLIPSE, {7, 7}));
  ASSERT_GT(cv::countNonZero(core), 500);
  EXPECT_LT(cv::mean(p.gray, core)[0], 60);
}

// A receipt photographed on a table: bright paper, tilted, on a darker textured surface.
cv::Mat receipt_on_table(cv::Mat* paper_mask = nullptr) {
  cv::Mat img(900, 700, CV_8UC1);
  cv::RNG rng(5);
  rng.fill(img, cv::RNG::NORMAL, 95, 22);  // wood or fabric: fine texture
  cv::GaussianBlur(img, img, {0, 0}, 0.8);
  cv::Mat paper(900, 700, CV_8UC1, cv::Scalar(0));
  const cv::RotatedRect r({350, 450}, {380, 760}, 4);
  cv::Point2f c[4];
  r.points(c);
  std::vector<cv::Point> poly(c, c + 4);
  cv::fillConvexPoly(paper, poly, 255);
  img.setTo(225, paper);
  for (int i = 0; i < 12; ++i) ocr::test::draw_line(img, 200, 150 + 50 * i, 3, i, 0.6);
  if (paper_mask) *paper_mask = paper;
  return img;
}

// The document is found and cut out; its surroundings no longer reach the layout.
TEST(Preprocess, FindsAPhotographedDocumentAndCutsItOut) {
  cv::Mat paper;
  const cv::Mat photo = receipt_on_table(&paper);
  const cv::Mat doc = ocr::find_document(photo);
  ASSERT_FALSE(doc.empty());
  const cv::Rect found = cv::boundingRect(doc), truth = cv::boundingRect(paper);
  EXPECT_LE(found.x, truth.x + 2);
  EXPECT_LE(found.y, truth.y + 2);
  EXPECT_GE(found.br().x, truth.br().x - 2);
  EXPECT_GE(found.br().y, truth.br().y - 2);
  EXPECT_LE(found.area(), 1.15 * truth.area());
  ocr::PreprocessOptions opt;
  opt.rescale = false;
  auto p = ocr::preprocess(photo, opt);
  EXPECT_EQ(p.document, found);
  EXPECT_FALSE(p.inverted);
  // The working image maps back onto the input: its centre is the paper's.
  const cv::Mat& m = p.to_original;
  const double cx = m.at<double>(0, 0) * p.gray.cols / 2 + m.at<double>(0, 1) * p.gray.rows / 2 + m.at<double>(0, 2);
  const double cy = m.at<double>(1, 0) * p.gray.cols / 2 + m.at<double>(1, 1) * p.gray.rows / 2 + m.at<double>(1, 2);
  EXPECT_NEAR(cx, 350, 15);
  EXPECT_NEAR(cy, 450, 15);
  ocr::LayoutOptions lo;
  lo.mode = ocr::LayoutMode::Page;
  EXPECT_EQ(ocr::analyze_layout(p.gray, lo).line_count(), 12);
  opt.find_document = false;
  EXPECT_TRUE(ocr::preprocess(photo, opt).document.empty());
}

// A phone's full-size photo of the same receipt (five times the pixels a side, its print 60 px
// and more): shrunk to the working size before the rest reads it, and still mapped back onto the
// input, its document box and resolution in the input's pixels.
TEST(Preprocess, ABigPhotoOfBigPrintIsShrunkFirstAndMapsBack) {
  cv::Mat paper, big, big_paper;
  const cv::Mat photo = receipt_on_table(&paper);
  cv::resize(photo, big, {}, 5.0, 5.0, cv::INTER_CUBIC);
  cv::resize(paper, big_paper, {}, 5.0, 5.0, cv::INTER_NEAREST);
  ocr::PreprocessOptions opt;
  const auto small = ocr::preprocess(photo, opt), p = ocr::preprocess(big, opt);
  EXPECT_NEAR(p.text_height, 22, 4);
  // At the working size: the small photo's print, 17 px, is left as it is; the big one's is
  // brought to 22 px.
  const double want = 22.0 / small.text_height;
  EXPECT_NEAR(p.scale * 5, want, 0.2 * want);
  EXPECT_NEAR(double(p.gray.cols), want * small.gray.cols, 0.15 * want * small.gray.cols);
  const cv::Rect truth = cv::boundingRect(big_paper);
  ASSERT_FALSE(p.document.empty());
  EXPECT_LE(p.document.x, truth.x + 12);
  EXPECT_GE(p.document.br().x, truth.br().x - 12);
  EXPECT_LE((p.document & truth).area(), truth.area());
  EXPECT_GE((p.document & truth).area(), 0.95 * truth.area());
  EXPECT_NEAR(p.dpi, 5 * small.dpi, 0.25 * 5 * small.dpi);
  const cv::Mat& m = p.to_original;
  const double cx = m.at<double>(0, 0) * p.gray.cols / 2 + m.at<double>(0, 1) * p.gray.rows / 2 + m.at<double>(0, 2);
  const double cy = m.at<double>(1, 0) * p.gray.cols / 2 + m.at<double>(1, 1) * p.gray.rows / 2 + m.at<double>(1, 2);
  EXPECT_NEAR(cx, 5 * 350, 5 * 15);
  EXPECT_NEAR(cy, 5 * 450, 5 * 15);
}

// A receipt's end in shade, cut out of its photo along an outline that hugs its heading: the paint
// around it is the page's bright paper level. Flattening must take the shaded paper's own level
// as its background, not the paint's: the paper came out dark around the heading, which was then
// read as a light-on-dark line, inverted, and as garbage.
TEST(Preprocess, FlatteningIgnoresThePaintAroundACutOutDocument) {
  cv::Mat img(300, 500, CV_8UC1, cv::Scalar(150));  // shaded paper
  cv::Mat heading(img.size(), CV_8UC1, cv::Scalar(255));
  ocr::test::draw_line(heading, 60, 120, 3, 7, 0.7);
  const cv::Mat ink = heading < 128;
  img.setTo(30, ink);
  // The outline: a box a few pixels round the heading; beyond it, the paint.
  cv::Mat inside = cv::Mat::zeros(img.size(), CV_8UC1);
  inside(cv::boundingRect(ink) + cv::Size(12, 12) - cv::Point(6, 6)).setTo(255);
  const cv::Mat paint = ~inside;
  img.setTo(230, paint);
  cv::Mat strokes_grown;
  cv::dilate(ink, strokes_grown, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
  const cv::Mat paper = inside & ~strokes_grown;
  ASSERT_GT(cv::countNonZero(paper), 3000);
  const cv::Mat flat = ocr::flatten_background(img, paint);
  EXPECT_GT(cv::mean(flat, paper)[0], 235);
  EXPECT_LT(cv::mean(flat, ink)[0], 90);
  EXPECT_GT(cv::mean(flat, paint)[0], 235);
  EXPECT_FALSE(ocr::looks_inverted(flat(cv::boundingRect(inside))));
  // Taken into the estimate, the paint darkens that paper to about 150 · 255 / 230.
  EXPECT_LT(cv::mean(ocr::flatten_background(img), paper)[0], 200);
}

// A small photo of a receipt on a dark grille: the global split falls between the grille and the
// paper, the faint 5 px print stays on the paper's side, and only local thresholds see it.
TEST(Preprocess, TinyFaintPrintOnADarkSurroundIsFoundAndScaledUp) {
  cv::Mat img(450, 340, CV_8UC1, cv::Scalar(35));
  for (int x = 0; x < img.cols; x += 12) img.col(x).setTo(70);  // the grille's bars
  img(cv::Rect(60, 30, 220, 400)).setTo(200);
  for (int i = 0; i < 24; ++i) {
    cv::Mat line(img.size(), CV_8UC1, cv::Scalar(255));
    ocr::test::draw_line(line, 75, 50 + 15 * i, 3, i, 0.22);
    img.setTo(140, line < 128);
  }
  cv::Mat otsu;
  cv::threshold(img, otsu, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  ASSERT_EQ(cv::countNonZero(~otsu & (img == 140)), 0);  // the print is paper to one global split
  auto p = ocr::preprocess(img, ocr::PreprocessOptions{});
  EXPECT_GE(p.scale, 2.5);
  EXPECT_GT(p.text_height, 12);
}

// A hand's shadow over the left third of the paper makes it as dark as the table: the outline of
// the bright paper runs through the lines, and the print in the shadow must not be painted over.
TEST(Preprocess, PrintInAShadowOverThePaperStaysOnTheDocument) {
  cv::Mat paper;
  cv::Mat photo = receipt_on_table(&paper);
  const cv::Rect shadow(0, 0, 290, photo.rows);
  cv::Mat shaded = paper(shadow);
  photo(shadow).setTo(100, shaded);
  for (int i = 0; i < 12; ++i) {  // the print, darker still in the shadow
    cv::Mat line = photo(shadow).clone();
    line.setTo(255);
    ocr::test::draw_line(line, 200, 150 + 50 * i, 3, i, 0.6);
    photo(shadow).setTo(25, (line < 128) & shaded);
  }
  const cv::Mat print = (photo < 60) & paper;
  const cv::Mat print_in_shadow = print(shadow);
  ASSERT_GT(cv::countNonZero(print_in_shadow), 1000);
  const cv::Mat doc = ocr::find_document(photo);
  ASSERT_FALSE(doc.empty());
  // Without the print beyond the outline, the mask would leave most of the shadowed print out.
  EXPECT_GE(cv::countNonZero(print_in_shadow & doc(shadow)), 0.97 * cv::countNonZero(print_in_shadow));
  EXPECT_GE(cv::countNonZero(print & doc), 0.98 * cv::countNonZero(print));
  // And what is cut out keeps the table out: the found region is little more than the paper.
  EXPECT_LE(cv::countNonZero(doc), 1.3 * cv::countNonZero(paper));
}

// The top of a receipt lies in shade as dark as the table, its first lines too far from the
// bright paper's outline to join it: rather than paint them over, nothing is cut out.
TEST(Preprocess, PrintLeftOutsideTheOutlineKeepsThePhotoWhole) {
  cv::Mat paper;
  cv::Mat photo = receipt_on_table(&paper);
  const cv::Rect shade(0, 0, photo.cols, 215);
  photo(shade).setTo(100, paper(shade));
  cv::Mat lines(photo.size(), CV_8UC1, cv::Scalar(255));
  for (int i = 0; i < 2; ++i) ocr::test::draw_line(lines, 200, 150 + 50 * i, 3, i, 0.6);
  photo.setTo(25, (lines < 128) & paper);
  const cv::Mat shaded_print = (photo < 60) & paper;
  ASSERT_GT(cv::countNonZero(shaded_print(shade)), 300);
  cv::Mat outline;
  const cv::Mat doc = ocr::find_document(photo, &outline);
  if (!doc.empty()) {
    EXPECT_GE(cv::countNonZero(shaded_print & doc), 0.98 * cv::countNonZero(shaded_print));
  } else {
    // Left whole, but its outline is handed back: the skew is measured inside it.
    ASSERT_FALSE(outline.empty());
    EXPECT_LE(cv::countNonZero(outline), 1.3 * cv::countNonZero(paper));
    EXPECT_GE(cv::countNonZero(outline & paper), 0.6 * cv::countNonZero(paper));
  }
  ocr::PreprocessOptions opt;
  opt.rescale = false;
  opt.deskew = false;
  const auto p = ocr::preprocess(photo, opt);
  const cv::Rect kept = p.document.empty() ? cv::Rect(0, 0, photo.cols, photo.rows) : p.document;
  EXPECT_LE(kept.y, cv::boundingRect(shaded_print).y);
}

// A bright, textured table beside a shaded receipt is the brightest region, but the print is on
// the receipt: nothing is cut out, the receipt is not painted over.
TEST(Preprocess, ABrightRegionWithoutThePrintIsNoDocument) {
  cv::Mat img(900, 700, CV_8UC1);
  cv::RNG rng(6);
  rng.fill(img, cv::RNG::NORMAL, 120, 20);
  cv::Mat table = img(cv::Rect(420, 0, 280, 900));
  rng.fill(table, cv::RNG::NORMAL, 235, 8);
  for (int i = 0; i < 12; ++i) ocr::test::draw_line(img, 30, 150 + 50 * i, 3, i, 0.6);
  EXPECT_TRUE(ocr::find_document(img).empty());
}

// Scans, screenshots and unevenly lit pages have no photographed surroundings to cut.
TEST(Preprocess, NoDocumentIsCutFromScansScreensOrShading) {
  EXPECT_TRUE(ocr::find_document(text_block()).empty());
  cv::Mat screen = text_block();
  screen(cv::Rect(0, 0, 220, screen.rows)).setTo(40);  // a flat dark sidebar
  EXPECT_TRUE(ocr::find_document(screen).empty());
  // A dark theme with a light panel: light text on the dark part, dark text in the panel.
  cv::Mat dark(600, 800, CV_8UC1, cv::Scalar(30));
  for (int i = 0; i < 8; ++i) {
    std::string s = "alpha beta gamma delta";
    cv::putText(dark, s, {40, 60 + 60 * i}, cv::FONT_HERSHEY_SIMPLEX, 0.7, cv::Scalar(220), 2, cv::LINE_AA);
  }
  dark(cv::Rect(520, 0, 280, 600)).setTo(235);
  for (int i = 0; i < 8; ++i) ocr::test::draw_line(dark, 540, 60 + 60 * i, 2, i);
  EXPECT_TRUE(ocr::find_document(dark).empty());
  cv::Mat shaded = text_block();
  for (int y = 0; y < shaded.rows; ++y)
    for (int x = 0; x < shaded.cols; ++x)
      shaded.at<uint8_t>(y, x) = std::min<int>(shaded.at<uint8_t>(y, x), 120 + x * 130 / shaded.cols);
  EXPECT_TRUE(ocr::find_document(shaded).empty());
}

TEST(Preprocess, DenoisesSpeckles) {
  cv::Mat img = text_block();
  cv::RNG rng(7);
  for (int i = 0; i < 3000; ++i) img.at<uint8_t>(rng.uniform(0, img.rows), rng.uniform(0, img.cols)) = 0;
  ocr::PreprocessOptions opt;
  opt.deskew = false;
  opt.rescale = false;
  auto p = ocr::preprocess(img, opt);
  cv::Mat ink = ocr::binarize_otsu(p.gray), labels;
  int n = cv::connectedComponents(ink, labels);
  EXPECT_LT(n, 600);  // without the median filter there are > 3000 specks
}

TEST(Preprocess, BlankPageIsHarmless) {
  cv::Mat blank(300, 200, CV_8UC1, cv::Scalar(255));
  auto p = ocr::preprocess(blank, {});
  EXPECT_EQ(p.skew_degrees, 0);
  EXPECT_EQ(p.gray.size(), blank.size());
  EXPECT_THROW(ocr::preprocess(cv::Mat(), {}), ocr::ShapeError);
}

// Sauvola's thresholds from window sums over the whole page at once (an integral image in
// double, the page's edge rows and columns repeated beyond it): the banded implementation must
// give the same pixels, bands and all.
cv::Mat sauvola_reference(const cv::Mat& gray, int window, double k) {
  const int r = window / 2;
  cv::Mat padded, f, ii, ii2;
  cv::copyMakeBorder(gray, padded, r, r, r, r, cv::BORDER_REPLICATE);
  padded.convertTo(f, CV_64F);
  cv::integral(f, ii, ii2, CV_64F, CV_64F);
  cv::Mat bin(gray.size(), CV_8UC1);
  const double area = double(window) * window;
  for (int y = 0; y < gray.rows; ++y)
    for (int x = 0; x < gray.cols; ++x) {
      auto box = [&](const cv::Mat& m) {
        return m.at<double>(y + window, x + window) - m.at<double>(y, x + window) - m.at<double>(y + window, x) +
               m.at<double>(y, x);
      };
      const double m = box(ii), s = box(ii2);
      const float mean = float(m / area), var = float(s / area - (m / area) * (m / area));
      const float sd = std::sqrt(std::max(0.0f, var));
      const float t = mean * (1 + static_cast<float>(k) * (sd / 128.0f - 1));
      bin.at<uint8_t>(y, x) = gray.at<uint8_t>(y, x) < t ? 255 : 0;
    }
  return bin;
}

TEST(Preprocess, SauvolaInBandsEqualsTheWholePage) {
  // 20 000 columns: bands of 104 rows, so a 250-row page is read in three with a 15-row reach.
  cv::Mat gray(250, 20000, CV_8UC1);
  cv::RNG rng(4);
  rng.fill(gray, cv::RNG::UNIFORM, 120, 256);
  for (int i = 0; i < 400; ++i)
    cv::putText(gray, "ink", {rng.uniform(0, 19900), rng.uniform(10, 250)}, cv::FONT_HERSHEY_SIMPLEX, 0.8, 30, 2);
  for (int window : {31, 7}) {
    const cv::Mat got = ocr::binarize_sauvola(gray, window), want = sauvola_reference(gray, window, 0.2);
    EXPECT_EQ(cv::countNonZero(got != want), 0) << "window " << window;
    EXPECT_GT(cv::countNonZero(got), 1000);
  }
}

// The one-pass split against OpenCV's: the same threshold, class sizes and masked means, on
// print, noise, two levels, one level and a view into a bigger image.
TEST(Preprocess, OtsuSplitFromOneHistogramEqualsOpenCvs) {
  cv::RNG rng(11);
  std::vector<cv::Mat> images;
  cv::Mat noise(97, 131, CV_8UC1);
  rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
  images.push_back(noise);
  cv::Mat print = text_block(6);
  cv::GaussianBlur(print, print, {5, 5}, 1.2);
  images.push_back(print);
  cv::Mat normal(64, 200, CV_8UC1);
  rng.fill(normal, cv::RNG::NORMAL, 140, 30);
  images.push_back(normal);
  cv::Mat two(40, 40, CV_8UC1, cv::Scalar(200));
  two(cv::Rect(0, 0, 13, 40)).setTo(60);
  images.push_back(two);
  images.push_back(cv::Mat(30, 30, CV_8UC1, cv::Scalar(255)));
  images.push_back(print(cv::Rect(50, 60, 300, 120)));
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& g = images[i];
    cv::Mat bin;
    const double t = cv::threshold(g, bin, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    const ocr::OtsuSplit split = ocr::otsu_split(g);
    EXPECT_EQ(split.threshold, int(t)) << "image " << i;
    EXPECT_EQ(split.light, cv::countNonZero(bin)) << "image " << i;
    EXPECT_EQ(split.dark, long(g.total()) - cv::countNonZero(bin)) << "image " << i;
    EXPECT_NEAR(split.light_mean, cv::mean(g, bin)[0], 1e-9) << "image " << i;
    EXPECT_NEAR(split.dark_mean, cv::mean(g, ~bin)[0], 1e-9) << "image " << i;
  }
}

namespace {

// Isolated one-pixel specks, enough that the page counts as speckled.
cv::Mat with_specks(cv::Mat img, int count, uint64_t seed) {
  cv::RNG rng(seed);
  for (int i = 0; i < count; ++i) img.at<uint8_t>(rng.uniform(0, img.rows), rng.uniform(0, img.cols)) = 0;
  return img;
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

// The median that takes specks off a page also takes the 1-2 px strokes of small print: small
// print keeps its specks (the recognizer is trained on noise), large print loses them.
TEST(Preprocess, SpecksAreFilteredOffLargePrintButNotOffSmallPrint) {
  ocr::PreprocessOptions none, median;
  none.denoise = ocr::Denoise::None;
  median.denoise = ocr::Denoise::Median;

  cv::Mat small;
  cv::resize(text_block(), small, {}, 0.4, 0.4, cv::INTER_AREA);
  small = with_specks(small, 600, 7);
  const auto small_auto = ocr::preprocess(small, {});
  EXPECT_GT(small_auto.scale, 1.5);
  EXPECT_TRUE(same_pixels(small_auto.gray, ocr::preprocess(small, none).gray));
  EXPECT_FALSE(same_pixels(small_auto.gray, ocr::preprocess(small, median).gray));

  cv::Mat large;
  cv::resize(text_block(), large, {}, 1.5, 1.5, cv::INTER_LINEAR);
  large = with_specks(large, 3000, 8);
  const auto large_auto = ocr::preprocess(large, {});
  EXPECT_EQ(large_auto.scale, 1.0);
  EXPECT_TRUE(same_pixels(large_auto.gray, ocr::preprocess(large, median).gray));
  EXPECT_FALSE(same_pixels(large_auto.gray, ocr::preprocess(large, none).gray));
}
