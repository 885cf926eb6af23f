// 2-D convolution, stride 1, "same" zero padding, by im2col + GEMM over cache-sized chunks.
// weight: out × (kh · kw · in), patch order (ky, kx, c) with c fastest — a patch is kh · kw whole
// pixels copied from the input; bias: out × 1. With dilation d the kernel taps are d pixels
// apart (tap (ky, kx) reads (y + (ky − kh/2)·d, x + (kx − kw/2)·d)): a 3×3 kernel then sees a
// (2d + 1)² window at the cost of nine taps, and the padding is (kh/2)·d rows, (kw/2)·d columns.
#pragma once
#include "ocr/nn/bf16_weights.h"
#include "ocr/nn/int8_weights.h"
#include "ocr/nn/layer.h"

namespace ocr {

class BatchNorm;

class Conv2d : public Layer {
 public:
  Conv2d(int kernel_h, int kernel_w, int in_channels, int out_channels, int dilation = 1);
  std::string kind() const override { return "Conv2d"; }
  int output_channels(int in_channels) const override;
  void forward(const Activations& in, Activations& out, Mode mode) override;
  void backward(const Activations& in, const Activations& out, const Activations& dout,
                Activations* din) override;
  void collect_params(ParamList& out, const std::string& prefix) override;
  void init_params(Rng& rng) override;
  // The weights are final: inference may multiply in bfloat16 or int8 (inference_precision()).
  void prepare_inference() override;
  double macs_per_output_column(int, int) const override { return double(weight_.size()) * pool_h_ * pool_w_; }
  int output_height(int in_height) const override;
  int width_divisor() const override { return pool_w_; }
  // Folds an inference-mode batch norm that follows this convolution into weight and bias.
  void fold(const BatchNorm& bn);
  // True when inference runs the bfloat16 kernel (after prepare_inference, on a capable CPU).
  bool uses_bf16() const { return bf16_.on(); }
  // True when inference runs the int8 kernel (after prepare_inference, with AVX512-VNNI). The
  // input is quantised with one scale for the whole map, per call; a 1-channel input stays float.
  bool uses_int8() const { return int8_.on(); }
  // Applies ReLU to the output in inference, so a following Relu layer can be dropped: the
  // activation is applied while each chunk of the output is still in cache.
  void fuse_relu() { fused_relu_ = true; }
  bool fused_relu() const { return fused_relu_; }
  // Takes the max pooling (kh × kw, as MaxPool) that follows a one-channel convolution in
  // inference: each window's maximum is taken from the output columns while they are in cache,
  // and the full-resolution map (the net's biggest: 8 or 16 floats a pixel) is never written.
  // The output then has MaxPool's geometry.
  void fuse_pool(int kh, int kw);
  bool fused_pool() const { return pool_h_ * pool_w_ > 1; }

  int dilation() const { return dilation_; }
  int input_channels() const { return in_; }
  Matrix& weight() { return weight_; }
  Matrix& bias() { return bias_; }

 private:
  // Patches of the pixel columns c_begin..c_end-1 of in.data, one column each.
  void im2col(const Activations& in, Index c_begin, Index c_end, Matrix& col) const;
  // The same patches from a copy of in.data in another type (bf16, u8), in (kx, ky, c) order,
  // each column ld long, the padding pixels and rows past the patch set to zero.
  template <class T>
  void im2col_packed(const Activations& in, const T* pixels, Index c_begin, Index c_end, Index ld,
                     T zero, std::vector<T>& col) const;
  // weight_ with its columns in that (kx, ky, c) order.
  Matrix patch_order_weights() const;
  void forward_bf16(const Activations& in, Activations& out);
  void forward_int8(const Activations& in, Activations& out);
  void forward_int8_padded(const Activations& in, Activations& out, U8Quant q);
  // Inference on a 1-channel input (a detector's page, a recognizer's line): each output pixel
  // sums kh·kw taps straight from the image. A patch matrix of 9 values per pixel made the
  // GEMM run at a tenth of its speed on the widest map of the net.
  // With a fused pooling (fuse_pool), out has the pooling's geometry.
  void forward_single_channel(const Activations& in, Activations& out) const;
  // Pixels per im2col chunk: its patch matrix stays around kChunkBytes, within L2.
  Index chunk_pixels() const;
  static constexpr Index kChunkBytes = 256 * 1024;
  int kh_, kw_, in_, out_, dilation_;
  bool fused_relu_ = false;
  int pool_h_ = 1, pool_w_ = 1;  // a fused max pooling's window (1 × 1: none)
  Bf16Weights bf16_;    // weight_ (in patch order kx, ky, c) for the forward pass
  Bf16Weights bf16_t_;  // weight_t_ for the input gradient in mixed-precision training
  Int8Weights int8_;    // weight_ (in patch order kx, ky, c) for the forward pass
  Matrix weight_, bias_, weight_grad_, bias_grad_;
  Matrix col_, dcol_, weight_t_;  // scratch, reused across calls
};

}  // namespace ocr
