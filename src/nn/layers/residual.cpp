#include "ocr/nn/layers/residual.h"

#include <algorithm>

#include "ocr/core/error.h"

namespace ocr {

Residual::Residual(std::unique_ptr<Sequential> body, std::unique_ptr<Sequential> shortcut)
    : body_(std::move(body)), shortcut_(std::move(shortcut)) {}

int Residual::output_channels(int c) const {
  int b = body_->output_channels(c), s = shortcut_->output_channels(c);
  if (b != s)
    throw ShapeError("residual body gives " + std::to_string(b) + " channels but the shortcut " +
                     std::to_string(s));
  return b;
}

void Residual::forward(const Activations& in, Activations& out, Mode mode) {
  OCR_CHECK(mode == Mode::Infer || !fused_relu_, "a residual block with a fused ReLU is for inference only");
  if (mode == Mode::Infer) {
    // Backward needs nothing kept: the body writes straight into out, one map fewer per block
    // (on a detector's page strip, tens of MB).
    body_->forward(in, out, mode);
    const Matrix& shortcut = shortcut_->empty() ? in.data : (shortcut_->forward(in, short_out_, mode), short_out_.data);
    if (fused_relu_) {
      // The sum, its ReLU and its greatest value (the next int8 convolution's quantisation range)
      // a block at a time, while the block is in cache.
      using Block = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
      constexpr Index kBlock = 4096;
      Scalar* o = out.data.data();
      const Scalar* s = shortcut.data();
      const Index n = out.data.size();
      Scalar greatest = 0;
      for (Index i = 0; i < n; i += kBlock) {
        const Index len = std::min(kBlock, n - i);
        Eigen::Map<Block> sum(o + i, len);
        sum = (sum + Eigen::Map<const Block>(s + i, len)).max(Scalar(0));
        greatest = std::max(greatest, sum.maxCoeff());
      }
      out.set_range(0, float(greatest));
    } else {
      out.data += shortcut;
      out.range_known = false;
    }
    if (!keep_inference_buffers_) short_out_ = Activations();
    return;
  }
  body_->forward(in, body_out_, mode);
  out.reshape_like(body_out_, body_out_.channels());
  if (shortcut_->empty()) {
    out.data = body_out_.data + in.data;
  } else {
    shortcut_->forward(in, short_out_, mode);
    out.data = body_out_.data + short_out_.data;
  }
}

void Residual::backward(const Activations& in, const Activations&, const Activations& dout,
                        Activations* din) {
  body_->backward(in, body_out_, dout, din);
  if (shortcut_->empty()) {
    if (din) din->data += dout.data;
  } else {
    shortcut_->backward(in, short_out_, dout, din ? &din_short_ : nullptr);
    if (din) din->data += din_short_.data;
  }
}

void Residual::set_keep_inference_buffers(bool keep) {
  keep_inference_buffers_ = keep;
  body_->set_keep_inference_buffers(keep);
  shortcut_->set_keep_inference_buffers(keep);
}

void Residual::collect_params(ParamList& out, const std::string& prefix) {
  body_->collect_params(out, prefix + "body.");
  shortcut_->collect_params(out, prefix + "shortcut.");
}

void Residual::init_params(Rng& rng) {
  body_->init_params(rng);
  shortcut_->init_params(rng);
}

void Residual::prepare_inference() {
  body_->prepare_inference();
  shortcut_->prepare_inference();
}

}  // namespace ocr
