// Plain-loop implementations used as oracles for the fast layers. Slow and obvious on purpose.
#pragma once
#include <cmath>
#include <vector>

#include "ocr/core/tensor.h"

namespace ocr::test {

// One image as [c][y][x].
using Image3 = std::vector<std::vector<std::vector<double>>>;

// "Same" zero-padded convolution; weight is out × (kh·kw·in) with patch order (ky, kx, c). With
// dilation d, tap (ky, kx) reads the pixel (ky − kh/2)·d rows and (kx − kw/2)·d columns away.
inline Image3 reference_conv(const Image3& in, const Matrix& weight, const Matrix& bias, int kh,
                             int kw, int dilation = 1) {
  const int C = int(in.size()), H = int(in[0].size()), W = int(in[0][0].size());
  const int O = int(weight.rows());
  Image3 out(size_t(O), std::vector<std::vector<double>>(size_t(H), std::vector<double>(size_t(W), 0.0)));
  for (int o = 0; o < O; ++o)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x) {
        double s = bias(o, 0);
        for (int ky = 0; ky < kh; ++ky)
          for (int kx = 0; kx < kw; ++kx)
            for (int c = 0; c < C; ++c) {
              int sy = y + (ky - kh / 2) * dilation, sx = x + (kx - kw / 2) * dilation;
              if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
              s += weight(o, (ky * kw + kx) * C + c) * in[size_t(c)][size_t(sy)][size_t(sx)];
            }
        out[size_t(o)][size_t(y)][size_t(x)] = s;
      }
  return out;
}

inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// LSTM over one sequence (columns = frames), gates i, f, g, o.
inline Matrix reference_lstm(const Matrix& x, const Matrix& wx, const Matrix& wh,
                             const Matrix& bias) {
  const int H = int(wh.cols()), T = int(x.cols());
  Matrix out = Matrix::Zero(H, T);
  Vector h = Vector::Zero(H), c = Vector::Zero(H);
  for (int t = 0; t < T; ++t) {
    Vector g = wx * x.col(t) + wh * h + bias.col(0);
    for (int k = 0; k < H; ++k) {
      double i = sigmoid(g(k)), f = sigmoid(g(H + k)), gg = std::tanh(g(2 * H + k)),
             o = sigmoid(g(3 * H + k));
      c(k) = Scalar(f * c(k) + i * gg);
      h(k) = Scalar(o * std::tanh(double(c(k))));
    }
    out.col(t) = h;
  }
  return out;
}

// A GRU as PyTorch writes it (ocr/nn/layers/gru.h), one frame at a time in double where it counts.
inline Matrix reference_gru(const Matrix& x, const Matrix& wx, const Matrix& wh, const Matrix& bx,
                            const Matrix& bh) {
  const int H = int(wh.cols()), T = int(x.cols());
  Matrix out = Matrix::Zero(H, T);
  Vector h = Vector::Zero(H);
  for (int t = 0; t < T; ++t) {
    const Vector gx = wx * x.col(t) + bx.col(0), gh = wh * h + bh.col(0);
    Vector next(H);
    for (int k = 0; k < H; ++k) {
      const double r = sigmoid(gx(k) + gh(k)), z = sigmoid(gx(H + k) + gh(H + k));
      const double n = std::tanh(gx(2 * H + k) + r * gh(2 * H + k));
      next(k) = Scalar((1 - z) * n + z * h(k));
    }
    h = next;
    out.col(t) = h;
  }
  return out;
}

}  // namespace ocr::test
