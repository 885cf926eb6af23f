// Error types thrown at the edges. Messages carry the context (file, token, tensor) a user
// needs to fix the problem; OCR_CHECK guards internal invariants.
#pragma once
#include <stdexcept>
#include <string>

#ifndef OCR_API
#if defined(__GNUC__) || defined(__clang__)
#define OCR_API __attribute__((visibility("default")))
#else
#define OCR_API
#endif
#endif

// The public API's exception: include/ocr/ocr.h, installed alone, holds an identical copy under
// the same guard, so a program using libocr catches what the engine throws. Keep the two token for
// token the same.
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

class IoError : public Error {  // missing, unreadable or unwritable file
 public:
  using Error::Error;
};
class FormatError : public Error {  // malformed content: model, image, spec, list, ground truth
 public:
  using Error::Error;
};
class ShapeError : public Error {  // tensor or input geometry mismatch
 public:
  using Error::Error;
};

[[noreturn]] void fail_check(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace ocr

#define OCR_CHECK(cond, msg)                                       \
  do {                                                             \
    if (!(cond)) ::ocr::fail_check(#cond, __FILE__, __LINE__, msg); \
  } while (0)
