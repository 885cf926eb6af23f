// A network built from a spec string (in the spirit of Tesseract's VGSL). Tokens, separated by
// spaces, applied left to right to a 1-channel input of the model's height:
//   C<kh>,<kw>,<n>  convolution, n output channels, stride 1, same padding (e.g. C3,3,32)
//   Bn              batch norm          Relu   rectified linear unit
//   Mp<kh>,<kw>     max pool, stride = window (e.g. Mp2,2; Mp2,1 halves only the height)
//   R<n>            residual block: C3,3,n Bn Relu C3,3,n Bn + shortcut (C1,1,n Bn when the
//                   channels change, else identity), then Relu
//   Se<r>           squeeze-excitation with reduction r
//   Col             collapse height into features: the feature map becomes a sequence
//   Lfx<n> Lrx<n> Lbx<n>  LSTM forward / reversed / bidirectional (2n outputs), after Col
//   Gfx<n> Grx<n> Gbx<n>  the same with GRUs
//   Fc<n>           per-frame fully connected layer (follow with Relu for a nonlinearity)
//   O               linear to the alphabet size + log-softmax; must be the last token
// Example: "C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O".
#pragma once
#include <memory>
#include <string>

#include "ocr/nn/layers/sequential.h"

namespace ocr {

class Network {
 public:
  // Throws FormatError pointing at the offending token.
  Network(const std::string& spec, int input_height, int num_classes);

  const std::string& spec() const { return spec_; }
  int input_height() const { return input_height_; }
  int num_classes() const { return num_classes_; }
  // Frames = input width / width_divisor().
  int width_divisor() const { return root_.width_divisor(); }

  // input: 1 × (W·N·H) activations of height input_height(). It must stay alive and unchanged
  // until backward(). Returns log-probabilities, num_classes × (T·N), time-major.
  const Activations& forward(const Activations& input, Mode mode);
  // Gradient of the loss with respect to the output of the last forward(Train); accumulates
  // parameter gradients (the input gradient is not computed).
  void backward(const Activations& doutput);

  ParamList params();
  // Freezes the convolutional backbone, every layer up to and including Col, for fine-tuning:
  // those layers then train as they infer and get no gradients. Returns the number of frozen
  // top-level layers; throws Error if the spec has no Col.
  int freeze_backbone();
  void freeze_layers(int n) { root_.set_frozen_prefix(size_t(n)); }
  int frozen_layers() const { return int(root_.frozen_prefix()); }
  // The parameters that training updates: params() without the frozen layers'.
  ParamList trainable_params();
  void init_params(Rng& rng) { root_.init_params(rng); }
  void prepare_inference() { root_.prepare_inference(); }
  // Multiply-adds of one forward pass over a line of the given input width.
  double forward_macs(int input_width) const;
  // One line per top-level layer: kind and output shape.
  std::string summary() const;

 private:
  std::string spec_;
  int input_height_, num_classes_;
  Sequential root_;
  const Activations* input_ = nullptr;
  Activations output_;
};

}  // namespace ocr
