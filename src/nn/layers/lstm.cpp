#include "ocr/nn/layers/lstm.h"

#include <cmath>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"

namespace ocr {

namespace {
template <typename Block>
inline void sigmoid_inplace(Block&& m) {
  m = (Scalar(1) + (-m.array()).exp()).inverse().matrix();
}
}  // namespace

Lstm::Lstm(int in, int hidden)
    : in_(in), hidden_(hidden), wx_(Matrix::Zero(4 * hidden, in)),
      wh_(Matrix::Zero(4 * hidden, hidden)), bias_(Matrix::Zero(4 * hidden, 1)) {}

int Lstm::output_channels(int in_channels) const {
  if (in_channels != in_)
    throw ShapeError("Lstm expects " + std::to_string(in_) + " input features, got " +
                     std::to_string(in_channels));
  return hidden_;
}

void Lstm::init_params(Rng& rng) {
  double bx = std::sqrt(6.0 / (in_ + 4.0 * hidden_));
  double bh = std::sqrt(6.0 / (hidden_ + 4.0 * hidden_));
  for (Index i = 0; i < wx_.size(); ++i) wx_.data()[i] = Scalar(rng.uniform(-bx, bx));
  for (Index i = 0; i < wh_.size(); ++i) wh_.data()[i] = Scalar(rng.uniform(-bh, bh));
  bias_.setZero();
  bias_.middleRows(hidden_, hidden_).setOnes();  // forget gate open at the start
}

void Lstm::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "wx", &wx_, &wx_grad_});
  out.push_back({prefix + "wh", &wh_, &wh_grad_});
  out.push_back({prefix + "bias", &bias_, &bias_grad_});
}

void Lstm::prepare_inference() {
  bf16_x_.prepare();
  bf16_h_.prepare();
  int8_x_.prepare();
  int8_h_.prepare();
}

void Lstm::forward(const Activations& in, Activations& out, Mode mode) {
  OCR_CHECK(in.height == 1, "Lstm needs a sequence (height 1)");
  output_channels(in.channels());
  const int H = hidden_, N = in.batch, T = in.width;
  out.reshape_like(in, H);
  Matrix& gates = gates_;
  gates.resize(4 * H, in.data.cols());
  const bool bf16 = bf16_x_.active(mode);
  if (bf16 && mode == Mode::Train) {  // the optimizer has moved the weights
    bf16_x_.invalidate();
    bf16_h_.invalidate();
  }
  if (bf16) bf16_x_.multiply(wx_, in.data, gates);
  else if (mode == Mode::Infer && int8_x_.on()) int8_x_.multiply(wx_, in.data, gates);
  else gemm_wide(wx_, in.data, gates);
  gates.colwise() += bias_.col(0);
  cell_.resize(H, Index(T) * N);
  for (int t = 0; t < T; ++t) {
    auto g = gates.middleCols(Index(t) * N, N);
    if (t > 0) {
      const auto h_prev = out.data.middleCols(Index(t - 1) * N, N);
      if (bf16) bf16_h_.multiply(wh_, h_prev, g, true);
      else if (mode == Mode::Infer && int8_h_.on()) int8_h_.multiply(wh_, h_prev, g, true);
      else gemm_wide(wh_, h_prev, g, true);
    }
    sigmoid_inplace(g.topRows(2 * H));
    g.middleRows(2 * H, H) = g.middleRows(2 * H, H).array().tanh().matrix();
    sigmoid_inplace(g.bottomRows(H));
    auto c = cell_.middleCols(Index(t) * N, N);
    c = g.topRows(H).cwiseProduct(g.middleRows(2 * H, H));
    if (t > 0) c += g.middleRows(H, H).cwiseProduct(cell_.middleCols(Index(t - 1) * N, N));
    auto h = out.data.middleCols(Index(t) * N, N);
    h = g.bottomRows(H).cwiseProduct(c.array().tanh().matrix());
    for (int n = 0; n < N; ++n)
      if (t >= in.widths[n]) {
        h.col(n).setZero();
        c.col(n).setZero();
      }
  }
}

void Lstm::backward(const Activations& in, const Activations& out, const Activations& dout,
                    Activations* din) {
  size_grad(wx_grad_, wx_);
  size_grad(wh_grad_, wh_);
  size_grad(bias_grad_, bias_);
  const int H = hidden_, N = in.batch, T = in.width;
  dgates_.resize(4 * H, Index(T) * N);
  Matrix dh_next = Matrix::Zero(H, N), dc_next = Matrix::Zero(H, N);
  wh_t_ = wh_.transpose();
  const bool bf16 = bf16_training_enabled();
  bf16_ht_.invalidate();
  bf16_xt_.invalidate();
  for (int t = T - 1; t >= 0; --t) {
    auto g = gates_.middleCols(Index(t) * N, N);
    auto c = cell_.middleCols(Index(t) * N, N);
    auto dg = dgates_.middleCols(Index(t) * N, N);
    Matrix dh = dout.data.middleCols(Index(t) * N, N) + dh_next;
    Matrix tanh_c = c.array().tanh().matrix();
    auto i = g.topRows(H), f = g.middleRows(H, H), gg = g.middleRows(2 * H, H), o = g.bottomRows(H);
    Matrix dc = dc_next + dh.cwiseProduct(o).cwiseProduct(
                              (Scalar(1) - tanh_c.array().square()).matrix());
    // Pre-activation gradients.
    dg.bottomRows(H) = (dh.array() * tanh_c.array() * o.array() * (1 - o.array())).matrix();
    dg.topRows(H) = (dc.array() * gg.array() * i.array() * (1 - i.array())).matrix();
    dg.middleRows(2 * H, H) = (dc.array() * i.array() * (1 - gg.array().square())).matrix();
    if (t > 0) {
      auto c_prev = cell_.middleCols(Index(t - 1) * N, N);
      dg.middleRows(H, H) = (dc.array() * c_prev.array() * f.array() * (1 - f.array())).matrix();
    } else {
      dg.middleRows(H, H).setZero();
    }
    for (int n = 0; n < N; ++n)
      if (t >= in.widths[n]) {
        dg.col(n).setZero();
        dc.col(n).setZero();
      }
    dc_next = dc.cwiseProduct(f);
    if (bf16) bf16_ht_.multiply(wh_t_, dg, dh_next);
    else gemm_wide(wh_t_, dg, dh_next);
  }
  if (bf16) gemm_nt_bf16(dgates_, in.data, wx_grad_, true);
  else gemm_wide_nt(dgates_, in.data, wx_grad_, true);
  if (T > 1) {
    const auto dg_later = dgates_.rightCols(Index(T - 1) * N);
    const auto h_earlier = out.data.leftCols(Index(T - 1) * N);
    if (bf16) gemm_nt_bf16(dg_later, h_earlier, wh_grad_, true);
    else gemm_wide_nt(dg_later, h_earlier, wh_grad_, true);
  }
  bias_grad_.col(0) += dgates_.rowwise().sum();
  if (!din) return;
  din->reshape_like(in, in_);
  wx_t_ = wx_.transpose();
  if (bf16) bf16_xt_.multiply(wx_t_, dgates_, din->data);
  else gemm_wide(wx_t_, dgates_, din->data);
}

}  // namespace ocr
