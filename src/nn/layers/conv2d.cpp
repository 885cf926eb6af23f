#include "ocr/nn/layers/conv2d.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"
#include "ocr/nn/layers/batch_norm.h"

namespace ocr {

Conv2d::Conv2d(int kh, int kw, int in, int out)
    : kh_(kh), kw_(kw), in_(in), out_(out),
      weight_(Matrix::Zero(out, Index(kh) * kw * in)), bias_(Matrix::Zero(out, 1)),
      weight_grad_(Matrix::Zero(out, Index(kh) * kw * in)), bias_grad_(Matrix::Zero(out, 1)) {}

int Conv2d::output_channels(int in_channels) const {
  if (in_channels != in_)
    throw ShapeError("Conv2d expects " + std::to_string(in_) + " input channels, got " +
                     std::to_string(in_channels));
  return out_;
}

void Conv2d::init_params(Rng& rng) {
  // He initialisation: the convolutions feed ReLUs.
  double stddev = std::sqrt(2.0 / (double(kh_) * kw_ * in_));
  for (Index i = 0; i < weight_.size(); ++i) weight_.data()[i] = Scalar(rng.normal(0, stddev));
  bias_.setZero();
}

void Conv2d::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "weight", &weight_, &weight_grad_});
  out.push_back({prefix + "bias", &bias_, &bias_grad_});
}

void Conv2d::im2col(const Activations& in, int x_begin, int x_end, Matrix& col) const {
  const int H = in.height, W = in.width, N = in.batch, C = in_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  const Index first = in.column(x_begin, 0, 0);
  col.resize(Index(kh_) * kw_ * C, Index(x_end - x_begin) * N * H);
#pragma omp parallel for schedule(static)
  for (int x = x_begin; x < x_end; ++x) {
    for (int n = 0; n < N; ++n) {
      for (int y = 0; y < H; ++y) {
        Scalar* dst = col.data() + (in.column(x, n, y) - first) * col.rows();
        for (int ky = 0; ky < kh_; ++ky) {
          int sy = y + ky - ph;
          for (int kx = 0; kx < kw_; ++kx, dst += C) {
            int sx = x + kx - pw;
            if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
              std::fill(dst, dst + C, Scalar(0));
            } else {
              const Scalar* src = in.data.data() + in.column(sx, n, sy) * C;
              std::copy(src, src + C, dst);
            }
          }
        }
      }
    }
  }
}

void Conv2d::forward(const Activations& in, Activations& out, Mode mode) {
  output_channels(in.channels());
  out.reshape_like(in, out_);
  if (mode == Mode::Train) {
    OCR_CHECK(!fused_relu_, "a convolution with a fused ReLU is for inference only");
    im2col(in, 0, in.width, col_);  // kept whole for backward
    gemm_wide(weight_, col_, out.data);
    out.data.colwise() += bias_.col(0);
  } else {
    // Inference needs no col matrix afterwards: build it a few image columns at a time, so a
    // page's worth of lines never holds a (kh·kw·C) × pixels matrix at once.
    const Index per_x = Index(in.batch) * in.height;
    const int step = int(std::max<Index>(1, kInferenceChunkPixels / std::max<Index>(1, per_x)));
    for (int x0 = 0; x0 < in.width; x0 += step) {
      const int x1 = std::min(in.width, x0 + step);
      im2col(in, x0, x1, col_);
      auto chunk = out.data.middleCols(x0 * per_x, (x1 - x0) * per_x);
      gemm_wide(weight_, col_, chunk);
      chunk.colwise() += bias_.col(0);
      if (fused_relu_) chunk = chunk.cwiseMax(Scalar(0));
    }
  }
  out.zero_padding();
}

void Conv2d::backward(const Activations& in, const Activations&, const Activations& dout,
                      Activations* din) {
  // col_ still holds the forward im2col of in (forward(Train) is always followed by backward
  // before the next forward of this layer).
  gemm_wide_nt(dout.data, col_, weight_grad_, true);
  bias_grad_.col(0) += dout.data.rowwise().sum();
  if (!din) return;
  weight_t_ = weight_.transpose();
  dcol_.resize(weight_t_.rows(), dout.data.cols());
  gemm_wide(weight_t_, dout.data, dcol_);
  // col2im as a gather: each input pixel sums the patch entries that read it, so threads never
  // write the same pixel.
  const int H = in.height, W = in.width, N = in.batch, C = in_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  din->reshape_like(in, C);
#pragma omp parallel for schedule(static)
  for (int x = 0; x < W; ++x) {
    for (int n = 0; n < N; ++n) {
      for (int y = 0; y < H; ++y) {
        Scalar* dst = din->data.data() + in.column(x, n, y) * C;
        std::fill(dst, dst + C, Scalar(0));
        if (x >= in.widths[n]) continue;
        for (int ky = 0; ky < kh_; ++ky) {
          int oy = y - ky + ph;
          if (oy < 0 || oy >= H) continue;
          for (int kx = 0; kx < kw_; ++kx) {
            int ox = x - kx + pw;
            if (ox < 0 || ox >= W) continue;
            const Scalar* src =
                dcol_.data() + in.column(ox, n, oy) * dcol_.rows() + (Index(ky) * kw_ + kx) * C;
            for (int c = 0; c < C; ++c) dst[c] += src[c];
          }
        }
      }
    }
  }
}

void Conv2d::fold(const BatchNorm& bn) {
  // y = γ (Wx + b − μ) / σ + β  =  (γ/σ) W x + (γ/σ)(b − μ) + β
  Vector scale = bn.inference_scale();
  Vector shift = bn.inference_shift();
  weight_ = scale.asDiagonal() * weight_;
  bias_.col(0) = scale.cwiseProduct(bias_.col(0)) + shift;
}

}  // namespace ocr
