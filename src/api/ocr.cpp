#include "ocr/ocr.h"

#include <mutex>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/core/log.h"
#include "ocr/core/threads.h"
#include "ocr/image/image_io.h"
#include "ocr/pipeline/page_recognizer.h"
#include "ocr/pipeline/reader.h"

#ifndef OCR_VERSION_STRING
#define OCR_VERSION_STRING "unknown"
#endif

namespace ocr {

const char* version() { return OCR_VERSION_STRING; }

namespace {

// spdlog's default logger writes to stdout, where a program's own output goes: the engine's
// warnings go to stderr instead. A program that set a default logger of its own keeps it.
void route_logs_to_stderr() {
  static std::once_flag once;
  std::call_once(once, [] {
    const auto current = spdlog::default_logger();
    if (current && current->name().empty() && !spdlog::get("ocr")) log::init(0);
  });
}

LayoutMode layout_mode(Layout layout) {
  switch (layout) {
    case Layout::Page: return LayoutMode::Page;
    case Layout::Block: return LayoutMode::Block;
    case Layout::Line: return LayoutMode::Line;
    case Layout::Auto: break;
  }
  return LayoutMode::Auto;
}

Rect to_rect(const Box& b) {
  Rect r;
  r.x0 = b.x0;
  r.y0 = b.y0;
  r.x1 = b.x1;
  r.y1 = b.y1;
  return r;
}

Page to_page(const PageResult& result) {
  Page page;
  page.index = result.page_index;
  page.width = result.width;
  page.height = result.height;
  page.dpi = result.dpi;
  page.orientation = result.orientation;
  page.text = result.text();
  for (size_t b = 0; b < result.blocks.size(); ++b)
    for (const ParagraphResult& paragraph : result.blocks[b].paragraphs)
      for (const LineResult& in : paragraph.lines) {
        if (in.text.empty()) continue;  // as page.text leaves it out
        Line line;
        line.text = in.text;
        line.box = to_rect(in.box);
        line.confidence = in.confidence;
        line.block = int(b);
        for (const WordResult& w : in.words) {
          Word word;
          word.text = w.text;
          word.box = to_rect(w.box);
          word.confidence = w.confidence;
          line.words.push_back(std::move(word));
        }
        page.lines.push_back(std::move(line));
      }
  return page;
}

// The engine's own errors pass as they are (they name their file); anything else (OpenCV, the
// allocator) becomes an Error naming the input.
template <class F>
auto guarded(const std::string& name, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(name + ": " + e.what());
  }
}

// Pixels as the pipeline takes them: 8-bit grey or BGR, alpha composited on white. Copies, so
// the caller's buffer is only read during the call.
cv::Mat to_pipeline_image(const ImageView& v) {
  const std::string what = "image in memory (" + std::to_string(v.width) + "x" + std::to_string(v.height) +
                           ", " + std::to_string(v.channels) + " channels)";
  if (!v.pixels) throw Error(what + ": the pixel pointer is null");
  if (v.width <= 0 || v.height <= 0) throw Error(what + ": the size must be positive");
  if (v.channels != 1 && v.channels != 3 && v.channels != 4)
    throw Error(what + ": channels must be 1 (grey), 3 (colour) or 4 (colour + alpha)");
  const ImageLimits limits;
  if (v.width > limits.max_width || v.height > limits.max_height ||
      int64_t(v.width) * v.height > limits.max_pixels)
    throw Error(what + ": larger than the limits (" + std::to_string(limits.max_width) + " px a side, " +
                std::to_string(limits.max_pixels) + " pixels)");
  const size_t row = size_t(v.width) * size_t(v.channels);
  const size_t stride = v.stride == 0 ? row : v.stride;
  if (stride < row)
    throw Error(what + ": the stride (" + std::to_string(stride) + " bytes) is shorter than a row (" +
                std::to_string(row) + " bytes)");
  const cv::Mat view(v.height, v.width, CV_8UC(v.channels), const_cast<void*>(v.pixels), stride);
  cv::Mat out;
  if (v.channels == 1) {
    out = view.clone();
  } else if (v.channels == 3) {
    if (v.order == ChannelOrder::RGB) cv::cvtColor(view, out, cv::COLOR_RGB2BGR);
    else out = view.clone();
  } else {
    cv::Mat bgra;
    if (v.order == ChannelOrder::RGB) cv::cvtColor(view, bgra, cv::COLOR_RGBA2BGRA);
    else bgra = view;
    out = to_8bit(bgra);  // composites on white; a new image either way
  }
  return out;
}

}  // namespace

struct Engine::Impl {
  EngineOptions options;
  std::string model_path;
  std::unique_ptr<PageRecognizer> pages;

  // Pages one at a time, each read by PageRecognizer::recognize: it touches no process-wide
  // state (recognize_pages sets OpenCV's thread count), so concurrent calls stay independent.
  std::vector<Page> read(const ImageFile& file) const {
    std::vector<Page> out;
    for (int i = 0; i < file.pages(); ++i) {
      const PageImage image = file.page(i);
      out.push_back(to_page(pages->recognize(image.image, image.source, image.page_index, image.dpi)));
    }
    return out;
  }
};

// What `ocr recognize` reads with by default (pipeline/reader.h), save the layout, decoder and
// threads the options choose.
Engine::Engine(const std::string& model, const EngineOptions& options) : impl_(new Impl) {
  route_logs_to_stderr();
  impl_->options = options;
  if (options.threads < 0) throw Error("EngineOptions::threads must be 0 (all cores) or more");
  if (options.threads > 0) set_thread_count(options.threads);
  guarded(model.empty() ? std::string("the default model") : model, [&] {
    ReaderOptions reader;
    reader.models = model;
    reader.model_dir = options.model_dir;
    reader.decoder.kind = options.decoding == Decoding::Greedy ? "greedy" : "beam";
    reader.page.layout.mode = layout_mode(options.layout);
    Reader loaded = load_reader(reader);
    impl_->model_path = loaded.model_path;
    impl_->pages = std::move(loaded.pages);
  });
}

Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Page Engine::recognize(const ImageView& image) const {
  return guarded("image in memory", [&] {
    return to_page(impl_->pages->recognize(to_pipeline_image(image), "image in memory"));
  });
}

std::vector<Page> Engine::recognize_encoded(const void* data, std::size_t size, const std::string& name) const {
  return guarded(name, [&] {
    if (!data && size > 0) throw Error(name + ": the data pointer is null");
    const auto* bytes = static_cast<const uint8_t*>(data);
    return impl_->read(ImageFile::from_bytes(std::vector<uint8_t>(bytes, bytes + size), name));
  });
}

std::vector<Page> Engine::recognize_file(const std::string& path) const {
  return guarded(path, [&] { return impl_->read(ImageFile::open(path)); });
}

const std::string& Engine::model_path() const { return impl_->model_path; }
const EngineOptions& Engine::options() const { return impl_->options; }

}  // namespace ocr
