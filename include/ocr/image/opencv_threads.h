// Keeps OpenCV's own thread pool to one thread for a scope, restoring it after: where OpenMP (or
// `-j 1`) owns the cores, OpenCV spreading a filter over more would oversubscribe them.
#pragma once
#include <opencv2/core/utility.hpp>

namespace ocr {

class OpenCvSingleThread {
 public:
  explicit OpenCvSingleThread(bool active = true) : active_(active) {
    if (active_) cv::setNumThreads(1);
  }
  ~OpenCvSingleThread() {
    if (active_) cv::setNumThreads(saved_);
  }
  OpenCvSingleThread(const OpenCvSingleThread&) = delete;
  OpenCvSingleThread& operator=(const OpenCvSingleThread&) = delete;

 private:
  int saved_ = cv::getNumThreads();
  bool active_;
};

}  // namespace ocr
