// PDF through poppler's C++ binding, as a plugin (include/ocr/image/pdf_backend.h): only a run
// that reads a PDF loads poppler. It calls nothing of ocr's: its one dependency is poppler-cpp.
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <exception>

#include "ocr/core/plugin.h"
#include "ocr/image/pdf_backend.h"

namespace ocr {

namespace {

std::vector<std::string> g_messages;  // callers hold one lock around every call

void collect_message(const std::string& msg, void*) {
  if (g_messages.size() < 100) g_messages.push_back(msg);
}

class PopplerDocument : public PdfDocumentBackend {
 public:
  explicit PopplerDocument(poppler::document* doc) : doc_(doc) {}
  int pages() const override { return doc_->pages(); }
  bool locked() const override { return doc_->is_locked(); }
  bool has_text(int i, bool* text) const override {
    auto p = page(i);
    if (!p) return false;
    const std::vector<char> utf8 = p->text().to_utf8();
    *text = std::any_of(utf8.begin(), utf8.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
    return true;
  }
  bool media_box(int i, double* width_pt, double* height_pt) const override {
    auto p = page(i);
    if (!p) return false;
    const poppler::rectf box = p->page_rect(poppler::media_box);
    *width_pt = box.width(), *height_pt = box.height();
    return true;
  }
  bool crop_box(int i, double* width_pt, double* height_pt, bool* quarter_turned) const override {
    auto p = page(i);
    if (!p) return false;
    const poppler::rectf box = p->page_rect(poppler::crop_box);
    *width_pt = box.width(), *height_pt = box.height();
    const auto o = p->orientation();
    *quarter_turned = o == poppler::page::landscape || o == poppler::page::seascape;
    return true;
  }
  bool render_bgr(int i, double dpi, std::vector<uint8_t>* pixels, int* width, int* height,
                  int* stride) const override {
    auto p = page(i);
    if (!p) return false;
    poppler::page_renderer r;
    r.set_render_hint(poppler::page_renderer::antialiasing);
    r.set_render_hint(poppler::page_renderer::text_antialiasing);
    r.set_image_format(poppler::image::format_bgr24);
    const poppler::image img = r.render_page(p.get(), dpi, dpi);
    if (!img.is_valid() || img.width() <= 0 || img.height() <= 0 || img.bytes_per_row() < 3 * img.width())
      return false;
    *width = img.width(), *height = img.height(), *stride = img.bytes_per_row();
    const auto* data = reinterpret_cast<const uint8_t*>(img.const_data());
    pixels->assign(data, data + size_t(img.bytes_per_row()) * size_t(img.height()));
    return true;
  }

 private:
  std::unique_ptr<poppler::page> page(int i) const {
    if (i < 0 || i >= doc_->pages()) return nullptr;
    return std::unique_ptr<poppler::page>(doc_->create_page(i));
  }
  std::unique_ptr<poppler::document> doc_;
};

class PopplerBackend : public PdfBackend {
 public:
  // Poppler prints its complaints on stderr unless told otherwise: they are collected instead,
  // and PdfFile reports them with the file's name.
  PopplerBackend() { poppler::set_debug_error_function(collect_message, nullptr); }
  std::unique_ptr<PdfDocumentBackend> open(const uint8_t* bytes, int size) override {
    poppler::document* doc = poppler::document::load_from_raw_data(reinterpret_cast<const char*>(bytes), size);
    if (!doc) return nullptr;
    return std::make_unique<PopplerDocument>(doc);
  }
  void clear_messages() override { g_messages.clear(); }
  std::vector<std::string> messages() const override { return g_messages; }
};

}  // namespace

}  // namespace ocr

extern "C" {

[[gnu::visibility("default")]] int ocr_plugin_abi() { return ocr::kPluginAbi; }

[[gnu::visibility("default")]] ocr::PdfBackend* ocr_pdf_backend() {
  static ocr::PopplerBackend backend;
  return &backend;
}

}  // extern "C"
