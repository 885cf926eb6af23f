// Error types thrown at the edges. Messages carry the context (file, token, tensor) a user
// needs to fix the problem; OCR_CHECK guards internal invariants.
#pragma once
#include <stdexcept>
#include <string>

namespace ocr {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
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
