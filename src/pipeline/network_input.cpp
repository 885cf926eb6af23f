#include "ocr/pipeline/network_input.h"

#include "ocr/core/error.h"

namespace ocr {

Activations make_network_input(const std::vector<const MatrixF*>& lines) {
  OCR_CHECK(!lines.empty(), "no lines");
  const int N = int(lines.size()), H = int(lines[0]->rows());
  int W = 0;
  std::vector<int> widths(static_cast<size_t>(N));
  for (int n = 0; n < N; ++n) {
    OCR_CHECK(lines[size_t(n)]->rows() == H, "lines of one batch must share their height");
    widths[size_t(n)] = int(lines[size_t(n)]->cols());
    W = std::max(W, widths[size_t(n)]);
  }
  Activations a;
  a.resize(1, N, H, W, widths);
  a.data.setZero();
  for (int n = 0; n < N; ++n) {
    const MatrixF& img = *lines[size_t(n)];
    for (int x = 0; x < img.cols(); ++x)
      for (int y = 0; y < H; ++y) a.data(0, a.column(x, n, y)) = Scalar(img(y, x));
  }
  return a;
}

Matrix sequence_of(const Activations& seq, int n) {
  OCR_CHECK(seq.height == 1, "not a sequence");
  const int T = seq.widths[size_t(n)];
  Matrix out(seq.channels(), T);
  for (int t = 0; t < T; ++t) out.col(t) = seq.data.col(seq.column(t, n, 0));
  return out;
}

}  // namespace ocr
