// A network built from a spec string (in the spirit of Tesseract's VGSL). Tokens, separated by
// spaces, applied left to right to a 1-channel input of the model's height:
//   C<kh>,<kw>,<n>  convolution, n output channels, stride 1, same padding (e.g. C3,3,32)
//   Cd<kh>,<kw>,<n>,<d>  the same with dilation d: taps d pixels apart (e.g. Cd3,3,32,2)
//   Bn              batch norm          Relu   rectified linear unit
//   Mp<kh>,<kw>     max pool, stride = window (e.g. Mp2,2; Mp2,1 halves only the height)
//   R<n>            residual block: C3,3,n Bn Relu C3,3,n Bn + shortcut (C1,1,n Bn when the
//                   channels change, else identity), then Relu
//   Rd<n>,<d>       the same block with both 3x3 convolutions dilated by d (e.g. Rd32,4)
//   Se<r>           squeeze-excitation with reduction r
//   Col             collapse height into features: the feature map becomes a sequence
//   Lfx<n> Lrx<n> Lbx<n>  LSTM forward / reversed / bidirectional (2n outputs), after Col
//   Gfx<n> Grx<n> Gbx<n>  the same with GRUs
//   Fc<n>           per-frame fully connected layer (follow with Relu for a nonlinearity)
//   O               linear to the alphabet size + log-softmax; must be the last token
//   Om<n>           1x1 convolution to n per-pixel logit maps; the last token of a map spec
// Example: "C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O".
//
// A spec ending in O is a recognizer: its output is a sequence of log-probabilities over the
// alphabet. A spec ending in Om<n> is a map network (the text-line detector), fully
// convolutional: no Col, recurrent, Fc or O tokens. Its output is n maps of logits at the
// resolution the pooling leaves (height / height_divisor(), width / width_divisor()), and it
// runs on inputs of any width and of any height that is a multiple of height_divisor();
// input_height() is then only the nominal height of its training tiles.
// Example: "C3,3,8 Bn Relu Mp2,2 R16 Mp2,2 R32 Rd32,2 Rd32,4 Rd32,8 Om1".
#pragma once
#include <memory>
#include <string>

#include "ocr/nn/layers/sequential.h"

namespace ocr {

class Network {
 public:
  // Throws FormatError pointing at the offending token. For a map spec num_classes is the n of
  // its Om<n> (0 takes it from the spec; another value is an error).
  Network(const std::string& spec, int input_height, int num_classes = 0);
  // Whether the spec ends in Om<n> (see above).
  static bool is_map_spec(const std::string& spec);

  const std::string& spec() const { return spec_; }
  int input_height() const { return input_height_; }
  // Alphabet size with blank (recognizer) or number of maps (map network).
  int num_classes() const { return num_classes_; }
  bool outputs_maps() const { return outputs_maps_; }
  // Frames (or map columns) = input width / width_divisor().
  int width_divisor() const { return root_.width_divisor(); }
  // Map rows = input height / height_divisor(): the product of the pooling heights.
  int height_divisor() const { return height_divisor_; }

  // input: 1 × (W·N·H) activations of height input_height() (a map network: any multiple of
  // height_divisor()). It must stay alive and unchanged until backward(). Returns
  // log-probabilities, num_classes × (T·N), time-major; a map network returns its logit maps,
  // num_classes channels of height H / height_divisor().
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
  // See Layer::set_keep_inference_buffers: false for inputs as large as a page strip.
  void set_keep_inference_buffers(bool keep) { root_.set_keep_inference_buffers(keep); }
  // Multiply-adds of one forward pass over a line of the given input width (and height, for a
  // map network's input of another height than input_height()).
  double forward_macs(int input_width) const { return forward_macs(input_width, input_height_); }
  double forward_macs(int input_width, int input_height) const;
  // One line per top-level layer: kind and output shape.
  std::string summary() const;

 private:
  std::string spec_;
  int input_height_, num_classes_;
  bool outputs_maps_ = false;
  int height_divisor_ = 1;
  Sequential root_;
  const Activations* input_ = nullptr;
  Activations output_;
};

}  // namespace ocr
