// The public C++ API of libocr: open a model once, read images, PDFs and line crops, get pages →
// lines → words with boxes and confidences. This is the only header installed; it uses nothing
// but the standard library, so a program linking ocr::ocr (CMake) or `pkg-config ocr` needs no
// OpenCV, Eigen or spdlog. It builds as C++11 or later.
//
//   ocr::Engine engine("eng");  // a model name from the search path, or a .ocrm file
//   for (const ocr::Page& page : engine.recognize_file("scan.pdf"))
//     for (const ocr::Line& line : page.lines)
//       std::printf("%s (%.2f)\n", line.text.c_str(), line.confidence);
//
// Errors are thrown as ocr::Error, whose message names the file (or image) and what is wrong.
//
// Threads: an Engine is safe to share. Its recognize calls are const and may run concurrently
// from several threads on one Engine; each call borrows its own network buffers. Loading a model
// is the costly part (tens of MB of weights), so open one Engine and keep it.
#ifndef OCR_OCR_H
#define OCR_OCR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef OCR_API
#if defined(__GNUC__) || defined(__clang__)
#define OCR_API __attribute__((visibility("default")))
#else
#define OCR_API
#endif
#endif

// The same class as the engine's own ocr::Error (include/ocr/core/error.h holds an identical
// copy under the same guard, since this header is installed alone): a program catches exactly
// what the engine throws. Keep the two token for token the same.
#ifndef OCR_ERROR_CLASS_DEFINED
#define OCR_ERROR_CLASS_DEFINED
namespace ocr {
class OCR_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
}  // namespace ocr
#endif

namespace ocr {

// The library's version, "MAJOR.MINOR.PATCH".
OCR_API const char* version();

// How the image is cut into lines.
enum class Layout {
  Auto,   // a page, unless the image is a single line of text
  Page,   // columns, blocks and scattered text (Tesseract's psm 3, 11)
  Block,  // one block of text (psm 4, 6)
  Line,   // the image is one line of text (psm 7, 8, 13)
};

enum class Decoding {
  Beam,    // beam search with the model's language model and word list, when it has them
  Greedy,  // the best class per frame: faster, a little less accurate
};

struct EngineOptions {
  Layout layout = Layout::Auto;
  Decoding decoding = Decoding::Beam;
  // Cores a call uses; 0: all (capped by OMP_THREAD_LIMIT). The engine's math kernels share one
  // process-wide setting, which the last Engine opened with threads > 0 decides.
  int threads = 0;
  // Searched first for model names (after it: $OCR_MODEL_DIR, ~/.local/share/ocr/models, the
  // installed models).
  std::string model_dir;
};

// Half-open pixel rectangle in the image as given (a PDF page's: as rendered): x0 <= x < x1,
// y0 <= y < y1, origin top-left.
struct Rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
};

struct Word {
  std::string text;  // UTF-8
  Rect box;
  float confidence = 0;  // 0..1, calibrated: the chance the word is right
};

struct Line {
  std::string text;  // its words joined by single spaces
  Rect box;
  float confidence = 0;  // 0..1
  int block = 0;         // the text block (column, region) it belongs to, in reading order
  std::vector<Word> words;
};

struct Page {
  int index = 0;  // 0-based page of the file (PDFs, multi-page TIFFs)
  int width = 0, height = 0;
  double dpi = 0;        // from the file, else estimated from the text size
  int orientation = 0;   // degrees the page was turned clockwise to be read (0, 90, 180, 270)
  std::string text;      // the lines in reading order, a blank line between blocks
  std::vector<Line> lines;
};

enum class ChannelOrder { RGB, BGR };

// Raw 8-bit pixels in memory, row by row: 1 channel (grey), 3 (colour) or 4 (colour + alpha,
// composited on white). Only read during the call.
struct ImageView {
  const void* pixels = nullptr;
  int width = 0, height = 0;
  int channels = 1;
  std::size_t stride = 0;  // bytes from one row to the next; 0: width × channels
  ChannelOrder order = ChannelOrder::RGB;
};

class OCR_API Engine {
 public:
  // Loads the model: a .ocrm file, a name looked up in the search path ("eng" finds eng.ocrm),
  // or several joined by '+' whose readings are fused; "" is the default ($OCR_MODEL, else each
  // page read with the shipped model its scene calls for, as `ocr recognize --engines auto`).
  // The language model and word list shipped beside it are loaded too. Throws Error naming the
  // file, or the folders searched for a name.
  explicit Engine(const std::string& model = "", const EngineOptions& options = EngineOptions());
  ~Engine();
  // A moved-from Engine may only be assigned to or destroyed.
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Reads one image in memory. Throws Error for bad geometry or a null pointer.
  Page recognize(const ImageView& image) const;
  // Reads an encoded file held in memory (PNG, JPEG, TIFF, BMP, PNM, WebP, PDF): one Page per
  // page. `name` stands for it in error messages.
  std::vector<Page> recognize_encoded(const void* data, std::size_t size,
                                      const std::string& name = "image in memory") const;
  // Reads an image file or PDF ("-": standard input): one Page per page. Throws Error naming
  // the file.
  std::vector<Page> recognize_file(const std::string& path) const;

  // The model file loaded (the first one, for a fused list; eng's when models are chosen by scene).
  const std::string& model_path() const;
  const EngineOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocr

#endif  // OCR_OCR_H
