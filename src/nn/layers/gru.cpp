#include "ocr/nn/layers/gru.h"

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"

namespace ocr {

Gru::Gru(int in, int hidden)
    : in_(in), hidden_(hidden), wx_(Matrix::Zero(3 * hidden, in)),
      wh_(Matrix::Zero(3 * hidden, hidden)), bx_(Matrix::Zero(3 * hidden, 1)),
      bh_(Matrix::Zero(3 * hidden, 1)) {}

int Gru::output_channels(int in_channels) const {
  if (in_channels != in_)
    throw ShapeError("Gru expects " + std::to_string(in_) + " input features, got " +
                     std::to_string(in_channels));
  return hidden_;
}

void Gru::init_params(Rng& rng) {
  double bx = std::sqrt(6.0 / (in_ + 3.0 * hidden_));
  double bh = std::sqrt(6.0 / (4.0 * hidden_));
  for (Index i = 0; i < wx_.size(); ++i) wx_.data()[i] = Scalar(rng.uniform(-bx, bx));
  for (Index i = 0; i < wh_.size(); ++i) wh_.data()[i] = Scalar(rng.uniform(-bh, bh));
  bx_.setZero();
  bh_.setZero();
}

void Gru::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "wx", &wx_, &wx_grad_});
  out.push_back({prefix + "wh", &wh_, &wh_grad_});
  out.push_back({prefix + "bx", &bx_, &bx_grad_});
  out.push_back({prefix + "bh", &bh_, &bh_grad_});
}

void Gru::prepare_inference() {
  bf16_x_.prepare();
  bf16_h_.prepare();
  int8_x_.prepare();
  int8_h_.prepare();
}

void Gru::forward(const Activations& in, Activations& out, Mode mode) {
  OCR_CHECK(in.height == 1, "Gru needs a sequence (height 1)");
  output_channels(in.channels());
  const int H = hidden_, N = in.batch, T = in.width;
  out.reshape_like(in, H);
  const bool infer = mode == Mode::Infer;
  const bool bf16 = infer && bf16_x_.on(), int8 = infer && !bf16 && int8_x_.on();
  gates_.resize(3 * H, in.data.cols());
  if (bf16) bf16_x_.multiply(wx_, in.data, gates_);
  else if (int8) int8_x_.multiply(wx_, in.data, gates_);
  else gemm_wide(wx_, in.data, gates_);
  gates_.colwise() += bx_.col(0);
  hidden_n_.resize(H, Index(T) * N);
  Matrix gh(3 * H, N);
  for (int t = 0; t < T; ++t) {
    auto g = gates_.middleCols(Index(t) * N, N);
    const auto h_prev = out.data.middleCols(Index(std::max(t - 1, 0)) * N, N);
    if (t == 0) gh.setZero();  // h_{-1} = 0
    else if (bf16) bf16_h_.multiply(wh_, h_prev, gh);
    else if (int8) int8_h_.multiply(wh_, h_prev, gh);
    else gemm_wide(wh_, h_prev, gh);
    gh.colwise() += bh_.col(0);
    g.topRows(2 * H) += gh.topRows(2 * H);
    g.topRows(2 * H) = (Scalar(1) + (-g.topRows(2 * H).array()).exp()).inverse().matrix();
    hidden_n_.middleCols(Index(t) * N, N) = gh.bottomRows(H);
    g.bottomRows(H) =
        (g.bottomRows(H) + g.topRows(H).cwiseProduct(gh.bottomRows(H))).array().tanh().matrix();
    auto h = out.data.middleCols(Index(t) * N, N);
    auto z = g.middleRows(H, H);
    h = (Scalar(1) - z.array()).matrix().cwiseProduct(g.bottomRows(H));
    if (t > 0) h += z.cwiseProduct(h_prev);
    for (int n = 0; n < N; ++n)
      if (t >= in.widths[n]) h.col(n).setZero();
  }
}

void Gru::backward(const Activations& in, const Activations& out, const Activations& dout,
                   Activations* din) {
  size_grad(wx_grad_, wx_);
  size_grad(wh_grad_, wh_);
  size_grad(bx_grad_, bx_);
  size_grad(bh_grad_, bh_);
  const int H = hidden_, N = in.batch, T = in.width;
  dgx_.resize(3 * H, Index(T) * N);
  dgh_.resize(3 * H, Index(T) * N);
  Matrix dh_next = Matrix::Zero(H, N);
  Matrix zero_h = Matrix::Zero(H, N);
  for (int t = T - 1; t >= 0; --t) {
    auto g = gates_.middleCols(Index(t) * N, N);
    auto r = g.topRows(H), z = g.middleRows(H, H), nn = g.bottomRows(H);
    auto hn = hidden_n_.middleCols(Index(t) * N, N);
    const Matrix h_prev = t > 0 ? Matrix(out.data.middleCols(Index(t - 1) * N, N)) : zero_h;
    Matrix dh = dout.data.middleCols(Index(t) * N, N) + dh_next;
    for (int n = 0; n < N; ++n)
      if (t >= in.widths[n]) dh.col(n).setZero();
    auto dx = dgx_.middleCols(Index(t) * N, N);
    auto dhh = dgh_.middleCols(Index(t) * N, N);
    Matrix dn_pre = (dh.array() * (1 - z.array()) * (1 - nn.array().square())).matrix();
    Matrix dz_pre =
        (dh.array() * (h_prev - nn).array() * z.array() * (1 - z.array())).matrix();
    Matrix dr_pre = (dn_pre.array() * hn.array() * r.array() * (1 - r.array())).matrix();
    dx.topRows(H) = dr_pre;
    dx.middleRows(H, H) = dz_pre;
    dx.bottomRows(H) = dn_pre;
    dhh.topRows(H) = dr_pre;
    dhh.middleRows(H, H) = dz_pre;
    dhh.bottomRows(H) = dn_pre.cwiseProduct(r);
    dh_next = dh.cwiseProduct(z);
    dh_next.noalias() += wh_.transpose() * dhh;
  }
  wx_grad_.noalias() += dgx_ * in.data.transpose();
  bx_grad_.col(0) += dgx_.rowwise().sum();
  bh_grad_.col(0) += dgh_.rowwise().sum();
  if (T > 1)
    wh_grad_.noalias() +=
        dgh_.rightCols(Index(T - 1) * N) * out.data.leftCols(Index(T - 1) * N).transpose();
  if (!din) return;
  din->reshape_like(in, in_);
  din->data.noalias() = wx_.transpose() * dgx_;
}

}  // namespace ocr
