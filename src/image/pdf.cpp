#include "ocr/image/pdf.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <cstring>
#include <mutex>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"

namespace ocr {

namespace {

// One lock for every poppler call: the batch renders pages on several threads, and poppler does
// not promise that one document (or its global state) takes concurrent calls. Rendering is a
// small part of reading a page.
std::mutex& poppler_mutex() {
  static std::mutex m;
  return m;
}

// Poppler's complaints (it prints them on stderr by default) are collected here, under the lock,
// and reported with the file's name.
std::vector<std::string>& poppler_messages() {
  static std::vector<std::string> v;
  return v;
}

void collect_message(const std::string& msg, void*) {
  if (poppler_messages().size() < 100) poppler_messages().push_back(msg);
}

void take_poppler_messages() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(collect_message, nullptr); });
  poppler_messages().clear();
}

std::string first_message() {
  const auto& v = poppler_messages();
  if (v.empty()) return std::string();
  const std::string& m = v.front();
  return m.rfind("error: ", 0) == 0 ? m.substr(7) : m;
}

// Scans are drawn at whole-page size: an image with the page's proportions (either way round).
double image_dpi(cv::Size image, double page_w_pt, double page_h_pt) {
  if (image.width <= 0 || page_w_pt <= 0 || page_h_pt <= 0) return 0;
  for (bool turned : {false, true}) {
    const double w = turned ? page_h_pt : page_w_pt, h = turned ? page_w_pt : page_h_pt;
    const double dx = image.width * 72.0 / w, dy = image.height * 72.0 / h;
    if (std::abs(dx - dy) <= 0.02 * std::max(dx, dy)) {
      const double dpi = std::sqrt(dx * dy);
      // A thumbnail-sized image is not a scan; over 1200 dpi gains nothing for reading.
      return !(dpi >= 50) ? 0 : std::min(dpi, 1200.0);  // NaN too
    }
  }
  return 0;
}

}  // namespace

struct PdfFile::Impl {
  std::vector<uint8_t> bytes;
  std::string name;
  std::unique_ptr<poppler::document> doc;
  std::vector<cv::Size> images;  // per page, from pdf_page_image_sizes

  std::unique_ptr<poppler::page> page(int i) const {
    std::unique_ptr<poppler::page> p(doc->create_page(i));
    if (!p) throw FormatError(name + ": damaged PDF (page " + std::to_string(i + 1) + " cannot be read)");
    return p;
  }
};

PdfFile::PdfFile(std::vector<uint8_t> bytes, const std::string& name) : impl_(std::make_unique<Impl>()) {
  impl_->bytes = std::move(bytes);
  impl_->name = name;
  const auto& b = impl_->bytes;
  // Poppler repairs a file cut short as best it can and renders what is left; a scan that lost its
  // last pages or half an image should fail as a truncated PNG does, not read as less.
  const size_t tail = std::min<size_t>(b.size(), 2048);
  const char* eof = "%%EOF";
  if (std::search(b.end() - static_cast<std::ptrdiff_t>(tail), b.end(), eof, eof + 5) == b.end())
    throw FormatError(name + ": truncated PDF (no %%EOF at the end)");
  if (b.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw FormatError(name + ": PDF larger than 2 GB");
  std::lock_guard<std::mutex> lock(poppler_mutex());
  take_poppler_messages();
  impl_->doc.reset(poppler::document::load_from_raw_data(reinterpret_cast<const char*>(b.data()),
                                                         static_cast<int>(b.size())));
  if (!impl_->doc) {
    const std::string why = first_message();
    throw FormatError(name + ": damaged PDF, cannot be read" + (why.empty() ? "" : " (" + why + ")"));
  }
  if (impl_->doc->is_locked())
    throw FormatError(name + ": encrypted PDF (it needs a password; remove it first, e.g. qpdf --decrypt)");
  if (impl_->doc->pages() <= 0) throw FormatError(name + ": PDF without pages");
  impl_->images = pdf_page_image_sizes(impl_->bytes);
  // Our scan and poppler must agree on the pages, or the images may belong to other pages.
  if (static_cast<int>(impl_->images.size()) != impl_->doc->pages()) {
    if (!impl_->images.empty())
      log::debug("{}: page tree scan found {} pages, poppler {}: rendering at {} dpi", name, impl_->images.size(),
                 impl_->doc->pages(), kPdfDefaultDpi);
    impl_->images.clear();
  }
}

PdfFile::~PdfFile() {
  std::lock_guard<std::mutex> lock(poppler_mutex());
  impl_->doc.reset();
}

int PdfFile::pages() const { return impl_->doc->pages(); }

bool PdfFile::has_text(int i) const {
  std::lock_guard<std::mutex> lock(poppler_mutex());
  take_poppler_messages();
  const std::vector<char> utf8 = impl_->page(i)->text().to_utf8();
  return std::any_of(utf8.begin(), utf8.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
}

double PdfFile::render_dpi(int i, double dpi) const {
  if (dpi > 0) return dpi;
  if (i < 0 || static_cast<size_t>(i) >= impl_->images.size()) return kPdfDefaultDpi;
  std::lock_guard<std::mutex> lock(poppler_mutex());
  const poppler::rectf box = impl_->page(i)->page_rect(poppler::media_box);
  const double own = image_dpi(impl_->images[size_t(i)], box.width(), box.height());
  return own > 0 ? own : kPdfDefaultDpi;
}

cv::Size PdfFile::render_size(int i, double dpi) const {
  std::lock_guard<std::mutex> lock(poppler_mutex());
  auto page = impl_->page(i);
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  double w = std::abs(box.width()) * dpi / 72, h = std::abs(box.height()) * dpi / 72;
  const auto o = page->orientation();
  if (o == poppler::page::landscape || o == poppler::page::seascape) std::swap(w, h);
  // Splash rounds up; the cast saturates a forged box instead of overflowing.
  auto px = [](double v) { return v >= 0 ? static_cast<int>(std::min(std::ceil(v), 2e9)) : 0; };
  return cv::Size(px(w), px(h));
}

cv::Mat PdfFile::render(int i, double dpi, const ImageLimits& limits) const {
  const std::string where = impl_->name + " page " + std::to_string(i + 1);
  const cv::Size size = render_size(i, dpi);
  ImageInfo info;
  info.width = size.width, info.height = size.height;
  check_limits(info, limits, where);
  if (size.width <= 0 || size.height <= 0) throw FormatError(where + ": empty page box");
  cv::Mat out;
  {
    std::lock_guard<std::mutex> lock(poppler_mutex());
    take_poppler_messages();
    auto page = impl_->page(i);
    poppler::page_renderer r;
    r.set_render_hint(poppler::page_renderer::antialiasing);
    r.set_render_hint(poppler::page_renderer::text_antialiasing);
    r.set_image_format(poppler::image::format_bgr24);
    poppler::image img = r.render_page(page.get(), dpi, dpi);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0)
      throw FormatError(where + ": cannot be rendered" + (first_message().empty() ? "" : " (" + first_message() + ")"));
    // Splash may round a pixel differently; anything more and the check above was not of this.
    if (img.width() > size.width + 2 || img.height() > size.height + 2)
      throw FormatError(where + ": rendered larger than its page box");
    out = cv::Mat(img.height(), img.width(), CV_8UC3, const_cast<char*>(img.const_data()),
                  static_cast<size_t>(img.bytes_per_row()))
              .clone();
    if (!poppler_messages().empty())
      log::warn("{}: {} problem(s) while rendering, first: {}", where, poppler_messages().size(), first_message());
  }
  // A page without colour is kept grey: a third of the memory, and of the PDF written from it.
  cv::Mat planes[3];
  cv::split(out, planes);
  if (cv::countNonZero(planes[0] != planes[1]) == 0 && cv::countNonZero(planes[1] != planes[2]) == 0) return planes[0];
  return out;
}

}  // namespace ocr
