#include "ocr/nn/layers/max_pool.h"

#include <algorithm>

#include "ocr/core/error.h"

namespace ocr {

MaxPool::MaxPool(int kh, int kw) : kh_(kh), kw_(kw) {}

int MaxPool::output_height(int in_height) const {
  if (in_height < kh_)
    throw ShapeError("MaxPool " + std::to_string(kh_) + "x" + std::to_string(kw_) +
                     " needs input height >= " + std::to_string(kh_) + ", got " +
                     std::to_string(in_height));
  return in_height / kh_;
}

template <int kC>
void MaxPool::forward_infer(const Activations& in, Activations& out) const {
  using Pixel = Eigen::Array<Scalar, kC, 1>;
  const int N = in.batch, OH = out.height, OW = out.width;
  // The greatest output, channel by channel: of a map that is nowhere negative (a ReLU's), it is
  // the next int8 convolution's quantisation range, known here at the price of one max a pixel.
  const bool nonnegative = in.range_known && in.range_lo == 0;
  Scalar greatest = 0;
#pragma omp parallel
  {
    Pixel mine = Pixel::Zero();
#pragma omp for schedule(static)
    for (int x = 0; x < OW; ++x)
      for (int n = 0; n < N; ++n)
        for (int y = 0; y < OH; ++y) {
          Eigen::Map<Pixel> dst(out.data.data() + out.column(x, n, y) * kC);
          if (x >= out.widths[size_t(n)]) {
            dst.setZero();
            continue;
          }
          Pixel m = Eigen::Map<const Pixel>(in.data.data() + in.column(x * kw_, n, y * kh_) * kC);
          for (int ky = 0; ky < kh_; ++ky)
            for (int kx = ky == 0 ? 1 : 0; kx < kw_; ++kx)
              m = m.max(Eigen::Map<const Pixel>(in.data.data() + in.column(x * kw_ + kx, n, y * kh_ + ky) * kC));
          dst = m;
          if (nonnegative) mine = mine.max(m);
        }
#pragma omp critical(pool_range)
    for (int c = 0; c < kC; ++c) greatest = std::max(greatest, mine[c]);  // (Eigen's maxCoeff here trips GCC 12's -Wuninitialized)
  }
  if (nonnegative) out.set_range(0, float(greatest));
}

void MaxPool::forward(const Activations& in, Activations& out, Mode mode) {
  const int C = in.channels(), N = in.batch;
  const int OH = output_height(in.height), OW = in.width / kw_;
  std::vector<int> widths(N);
  for (int n = 0; n < N; ++n) widths[n] = in.widths[n] / kw_;
  out.resize(C, N, OH, OW, widths);
  const bool train = mode == Mode::Train;
  if (train) argmax_.assign(size_t(out.data.size()), -1);
  if (!train) {
    // Inference: no argmax to keep. With the channel count a constant, a pixel's channels are
    // one or two vector registers and the window's max is a few vector instructions.
    switch (C) {
      case 8: return forward_infer<8>(in, out);
      case 16: return forward_infer<16>(in, out);
      case 32: return forward_infer<32>(in, out);
      case 64: return forward_infer<64>(in, out);
      default: break;
    }
  }
  // Channels of a pixel are contiguous: take the window's first pixel, then fold in the others
  // channel-vectorised. Ties keep the first maximum in (ky, kx) order.
#pragma omp parallel for schedule(static)
  for (int x = 0; x < OW; ++x) {
    for (int n = 0; n < N; ++n) {
      for (int y = 0; y < OH; ++y) {
        const Index oc = out.column(x, n, y);
        Scalar* dst = out.data.data() + oc * C;
        if (x >= widths[n]) {
          std::fill(dst, dst + C, Scalar(0));
          continue;
        }
        Index* best_at = train ? argmax_.data() + oc * C : nullptr;
        for (int ky = 0; ky < kh_; ++ky) {
          for (int kx = 0; kx < kw_; ++kx) {
            const Index base = in.column(x * kw_ + kx, n, y * kh_ + ky) * C;
            const Scalar* src = in.data.data() + base;
            if (ky == 0 && kx == 0) {
              std::copy(src, src + C, dst);
              if (train)
                for (int c = 0; c < C; ++c) best_at[c] = base + c;
            } else if (train) {
              for (int c = 0; c < C; ++c)
                if (src[c] > dst[c]) dst[c] = src[c], best_at[c] = base + c;
            } else {
              for (int c = 0; c < C; ++c) dst[c] = std::max(dst[c], src[c]);
            }
          }
        }
      }
    }
  }
}

void MaxPool::backward(const Activations& in, const Activations& out, const Activations& dout,
                       Activations* din) {
  if (!din) return;
  din->reshape_like(in, in.channels());
  din->data.setZero();
  // Windows do not overlap (stride = window), so each input element has at most one writer.
  const Index total = out.data.size();
  for (Index i = 0; i < total; ++i) {
    Index at = argmax_[size_t(i)];
    if (at >= 0) din->data.data()[at] += dout.data.data()[i];
  }
}

}  // namespace ocr
