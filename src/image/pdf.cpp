#include "ocr/image/pdf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <mutex>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/plugin.h"
#include "ocr/image/pdf_backend.h"

namespace ocr {

namespace {

// One lock for every poppler call: the batch renders pages on several threads, and poppler does
// not promise that one document (or its global state) takes concurrent calls. Rendering is a
// small part of reading a page.
std::mutex& poppler_mutex() {
  static std::mutex m;
  return m;
}

std::string first_message(const std::vector<std::string>& v) {
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

PdfBackend& pdf_backend() {
  static PdfBackend* backend = [] {
    using GetBackend = PdfBackend* (*)();
    return reinterpret_cast<GetBackend>(plugin_symbol("pdf_poppler", "ocr_pdf_backend"))();
  }();
  return *backend;
}

struct PdfFile::Impl {
  std::vector<uint8_t> bytes;
  std::string name;
  PdfBackend* backend = nullptr;
  std::unique_ptr<PdfDocumentBackend> doc;
  std::vector<cv::Size> images;  // per page, from pdf_page_image_sizes

  [[noreturn]] void unreadable(int i) const {
    throw FormatError(name + ": damaged PDF (page " + std::to_string(i + 1) + " cannot be read)");
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
  try {
    impl_->backend = &pdf_backend();
  } catch (const Error& e) {
    throw Error(name + ": cannot read PDF: " + e.what());
  }
  PdfBackend& backend = *impl_->backend;
  backend.clear_messages();
  impl_->doc = backend.open(b.data(), static_cast<int>(b.size()));
  if (!impl_->doc) {
    const std::string why = first_message(backend.messages());
    throw FormatError(name + ": damaged PDF, cannot be read" + (why.empty() ? "" : " (" + why + ")"));
  }
  if (impl_->doc->locked())
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
  impl_->backend->clear_messages();
  bool text = false;
  if (!impl_->doc->has_text(i, &text)) impl_->unreadable(i);
  return text;
}

double PdfFile::render_dpi(int i, double dpi) const {
  if (dpi > 0) return dpi;
  if (i < 0 || static_cast<size_t>(i) >= impl_->images.size()) return kPdfDefaultDpi;
  std::lock_guard<std::mutex> lock(poppler_mutex());
  double w = 0, h = 0;
  if (!impl_->doc->media_box(i, &w, &h)) impl_->unreadable(i);
  const double own = image_dpi(impl_->images[size_t(i)], w, h);
  return own > 0 ? own : kPdfDefaultDpi;
}

cv::Size PdfFile::render_size(int i, double dpi) const {
  std::lock_guard<std::mutex> lock(poppler_mutex());
  double box_w = 0, box_h = 0;
  bool turned = false;
  if (!impl_->doc->crop_box(i, &box_w, &box_h, &turned)) impl_->unreadable(i);
  double w = std::abs(box_w) * dpi / 72, h = std::abs(box_h) * dpi / 72;
  if (turned) std::swap(w, h);
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
    PdfBackend& backend = *impl_->backend;
    backend.clear_messages();
    std::vector<uint8_t> pixels;
    int width = 0, height = 0, stride = 0;
    if (!impl_->doc->render_bgr(i, dpi, &pixels, &width, &height, &stride)) {
      const std::string why = first_message(backend.messages());
      throw FormatError(where + ": cannot be rendered" + (why.empty() ? "" : " (" + why + ")"));
    }
    // Splash may round a pixel differently; anything more and the check above was not of this.
    if (width > size.width + 2 || height > size.height + 2)
      throw FormatError(where + ": rendered larger than its page box");
    out = cv::Mat(height, width, CV_8UC3, pixels.data(), static_cast<size_t>(stride)).clone();
    const std::vector<std::string> problems = backend.messages();
    if (!problems.empty())
      log::warn("{}: {} problem(s) while rendering, first: {}", where, problems.size(), first_message(problems));
  }
  // A page without colour is kept grey: a third of the memory, and of the PDF written from it.
  cv::Mat planes[3];
  cv::split(out, planes);
  if (cv::countNonZero(planes[0] != planes[1]) == 0 && cv::countNonZero(planes[1] != planes[2]) == 0) return planes[0];
  return out;
}

}  // namespace ocr
