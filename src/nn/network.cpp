#include "ocr/nn/network.h"

#include <cctype>
#include <sstream>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/nn/layers/batch_norm.h"
#include "ocr/nn/layers/collapse.h"
#include "ocr/nn/layers/conv2d.h"
#include "ocr/nn/layers/gru.h"
#include "ocr/nn/layers/linear.h"
#include "ocr/nn/layers/log_softmax.h"
#include "ocr/nn/layers/lstm.h"
#include "ocr/nn/layers/max_pool.h"
#include "ocr/nn/layers/parallel.h"
#include "ocr/nn/layers/relu.h"
#include "ocr/nn/layers/residual.h"
#include "ocr/nn/layers/reverse.h"
#include "ocr/nn/layers/squeeze_excite.h"

namespace ocr {

namespace {

struct Shape {
  int channels;
  int height;
  bool sequence() const { return height == 1; }
};

// Parses "a,b,c" after a prefix into exactly `count` positive integers; false if malformed.
bool parse_ints(const std::string& s, size_t count, std::vector<int>& out) {
  out.clear();
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty() || part.size() > 6) return false;
    for (char c : part)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    int v = std::stoi(part);
    if (v <= 0) return false;
    out.push_back(v);
  }
  return out.size() == count;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::vector<std::string> split_tokens(const std::string& spec) {
  std::stringstream ss(spec);
  std::string tok;
  std::vector<std::string> tokens;
  while (ss >> tok) tokens.push_back(tok);
  return tokens;
}

// Dilations beyond this reach past any tile the detector trains on.
constexpr int kMaxDilation = 64;
// Caps on what a spec (typed, or read from a model file) may ask for, checked before anything is
// allocated: far above any useful net (the shipped one has 128 channels, 1 M parameters), far
// below what exhausts memory or takes minutes per line.
constexpr int kMaxWidth = 4096;       // channels, units, maps
constexpr int kMaxKernel = 31;        // convolution kernel side
constexpr int kMaxPool = 16;          // pooling window side
constexpr int64_t kMaxParams = 25'000'000;  // 100 MB of weights (found by fuzz_net_spec: 76 M took 12 s to build)

class SpecBuilder {
 public:
  SpecBuilder(const std::string& spec, int height, int classes)
      : spec_(spec), shape_{1, height}, classes_(classes) {}

  void build(Sequential& root) {
    const std::vector<std::string> tokens = split_tokens(spec_);
    if (tokens.empty()) throw FormatError("net spec is empty");
    maps_ = starts_with(tokens.back(), "Om");
    for (size_t i = 0; i < tokens.size(); ++i) {
      index_ = i + 1;
      token_ = tokens[i];
      if ((token_ == "O" || starts_with(token_, "Om")) && i + 1 != tokens.size())
        error(token_ + " must be the last token");
      add(root, token_);
    }
    if (tokens.back() != "O" && !maps_)
      throw FormatError("net spec \"" + spec_ + "\" must end with O (a recognizer) or Om<n> (maps)");
  }

  bool maps() const { return maps_; }
  int classes() const { return classes_; }
  int height_divisor() const { return height_divisor_; }

 private:
  [[noreturn]] void error(const std::string& why) const {
    throw FormatError("net spec \"" + spec_ + "\": token " + std::to_string(index_) + " '" +
                      token_ + "': " + why);
  }

  void need_image() const {
    if (collapsed_) error("needs a 2-D feature map, but Col came before it");
  }
  void need_sequence() const {
    if (maps_) error("a map spec (ending in Om<n>) is fully convolutional: no Col, LSTM, GRU, Fc or O");
    if (!collapsed_) error("needs a sequence: put Col before it");
  }
  int dilation(int d) const {
    if (d > kMaxDilation) error("dilation " + std::to_string(d) + " is over " + std::to_string(kMaxDilation));
    return d;
  }
  void conv_sizes(int kh, int kw, int n) {
    cap(kh, kMaxKernel, "kernel size");
    cap(kw, kMaxKernel, "kernel size");
    cap(n, kMaxWidth, "channels");
    weigh(int64_t(kh) * kw * shape_.channels * n + n);
  }
  void cap(int v, int limit, const char* what) const {
    if (v > limit) error(std::string(what) + " " + std::to_string(v) + " is over the limit of " + std::to_string(limit));
  }
  // Counts the parameters a layer will have before it is built, so a huge spec is refused
  // without allocating it.
  void weigh(int64_t params) {
    params_ += params;
    if (params_ > kMaxParams)
      error("the net would have over " + std::to_string(kMaxParams) + " parameters (limit)");
  }

  void add(Sequential& seq, const std::string& t) {
    std::vector<int> v;
    if (t == "Bn") {
      seq.add(std::make_unique<BatchNorm>(shape_.channels));
    } else if (t == "Relu") {
      seq.add(std::make_unique<Relu>());
    } else if (t == "Col") {
      if (maps_) error("a map spec (ending in Om<n>) is fully convolutional: no Col, LSTM, GRU, Fc or O");
      if (collapsed_) error("Col appears twice");
      seq.add(std::make_unique<Collapse>(shape_.height));
      shape_ = {shape_.channels * shape_.height, 1};
      collapsed_ = true;
    } else if (t == "O") {
      need_sequence();
      weigh(int64_t(shape_.channels + 1) * classes_);  // the classes come from a model's alphabet
      seq.add(std::make_unique<Linear>(shape_.channels, classes_));
      seq.add(std::make_unique<LogSoftmax>());
      shape_.channels = classes_;
    } else if (t == "Om") {
      error("Om needs the number of maps, e.g. Om1");
    } else if (starts_with(t, "Om") && parse_ints(t.substr(2), 1, v)) {
      need_image();
      if (classes_ != 0 && classes_ != v[0])
        error("the spec gives " + std::to_string(v[0]) + " maps, the caller asked for " + std::to_string(classes_));
      cap(v[0], kMaxWidth, "maps");
      weigh(int64_t(shape_.channels + 1) * v[0]);
      seq.add(std::make_unique<Conv2d>(1, 1, shape_.channels, v[0]));
      shape_.channels = classes_ = v[0];
    } else if (t[0] == 'C' && parse_ints(t.substr(1), 3, v)) {
      need_image();
      if (v[0] % 2 == 0 || v[1] % 2 == 0) error("kernel sizes must be odd (same padding)");
      conv_sizes(v[0], v[1], v[2]);
      seq.add(std::make_unique<Conv2d>(v[0], v[1], shape_.channels, v[2]));
      shape_.channels = v[2];
    } else if (starts_with(t, "Cd") && parse_ints(t.substr(2), 4, v)) {
      need_image();
      if (v[0] % 2 == 0 || v[1] % 2 == 0) error("kernel sizes must be odd (same padding)");
      conv_sizes(v[0], v[1], v[2]);
      seq.add(std::make_unique<Conv2d>(v[0], v[1], shape_.channels, v[2], dilation(v[3])));
      shape_.channels = v[2];
    } else if (starts_with(t, "Mp") && parse_ints(t.substr(2), 2, v)) {
      need_image();
      if (shape_.height < v[0])
        error("feature map height " + std::to_string(shape_.height) + " is less than the window");
      cap(v[0], kMaxPool, "pooling window");
      cap(v[1], kMaxPool, "pooling window");
      seq.add(std::make_unique<MaxPool>(v[0], v[1]));
      shape_.height /= v[0];
      height_divisor_ *= v[0];
    } else if (starts_with(t, "Se") && parse_ints(t.substr(2), 1, v)) {
      need_image();
      cap(v[0], kMaxWidth, "squeeze ratio");
      weigh(2 * int64_t(shape_.channels) * (shape_.channels / v[0] + 1));
      seq.add(std::make_unique<SqueezeExcite>(shape_.channels, v[0]));
    } else if (starts_with(t, "Fc") && parse_ints(t.substr(2), 1, v)) {
      need_sequence();
      cap(v[0], kMaxWidth, "units");
      weigh(int64_t(shape_.channels + 1) * v[0]);
      seq.add(std::make_unique<Linear>(shape_.channels, v[0]));
      shape_.channels = v[0];
    } else if (t[0] == 'R' && t != "Relu" && parse_ints(t.substr(1), 1, v)) {
      need_image();
      add_residual(seq, v[0], 1);
    } else if (starts_with(t, "Rd") && parse_ints(t.substr(2), 2, v)) {
      need_image();
      add_residual(seq, v[0], dilation(v[1]));
    } else if ((t[0] == 'L' || t[0] == 'G') && t.size() > 3 && t[2] == 'x' &&
               (t[1] == 'f' || t[1] == 'r' || t[1] == 'b') && parse_ints(t.substr(3), 1, v)) {
      need_sequence();
      cap(v[0], kMaxWidth, "units");
      weigh(int64_t(t[0] == 'L' ? 4 : 3) * (shape_.channels + v[0] + 1) * v[0] * (t[1] == 'b' ? 2 : 1));
      add_recurrent(seq, t[0] == 'L', t[1], v[0]);
    } else {
      error("unknown layer (expected C<kh>,<kw>,<n>, Cd<kh>,<kw>,<n>,<d>, Bn, Relu, Mp<kh>,<kw>, "
            "R<n>, Rd<n>,<d>, Se<r>, Col, Lfx/Lrx/Lbx<n>, Gfx/Grx/Gbx<n>, Fc<n>, O or Om<n>)");
    }
  }

  void add_residual(Sequential& seq, int n, int dilation) {
    const int in = shape_.channels;
    cap(n, kMaxWidth, "channels");
    weigh(9 * int64_t(in + n) * n + int64_t(in) * n);
    auto body = std::make_unique<Sequential>();
    body->add(std::make_unique<Conv2d>(3, 3, in, n, dilation));
    body->add(std::make_unique<BatchNorm>(n));
    body->add(std::make_unique<Relu>());
    body->add(std::make_unique<Conv2d>(3, 3, n, n, dilation));
    body->add(std::make_unique<BatchNorm>(n));
    auto shortcut = std::make_unique<Sequential>();
    if (in != n) {
      shortcut->add(std::make_unique<Conv2d>(1, 1, in, n));
      shortcut->add(std::make_unique<BatchNorm>(n));
    }
    seq.add(std::make_unique<Residual>(std::move(body), std::move(shortcut)));
    seq.add(std::make_unique<Relu>());
    shape_.channels = n;
  }

  LayerPtr make_rnn(bool lstm, int in, int n) {
    if (lstm) return std::make_unique<Lstm>(in, n);
    return std::make_unique<Gru>(in, n);
  }

  void add_recurrent(Sequential& seq, bool lstm, char dir, int n) {
    const int in = shape_.channels;
    if (dir == 'f') {
      seq.add(make_rnn(lstm, in, n));
      shape_.channels = n;
    } else if (dir == 'r') {
      seq.add(std::make_unique<Reverse>(make_rnn(lstm, in, n)));
      shape_.channels = n;
    } else {
      auto par = std::make_unique<Parallel>();
      par->add(make_rnn(lstm, in, n));
      par->add(std::make_unique<Reverse>(make_rnn(lstm, in, n)));
      seq.add(std::move(par));
      shape_.channels = 2 * n;
    }
  }

  std::string spec_;
  Shape shape_;
  int classes_;
  bool collapsed_ = false;
  bool maps_ = false;
  int height_divisor_ = 1;
  int64_t params_ = 0;
  size_t index_ = 0;
  std::string token_;
};

}  // namespace

bool Network::is_map_spec(const std::string& spec) {
  const std::vector<std::string> tokens = split_tokens(spec);
  return !tokens.empty() && starts_with(tokens.back(), "Om");
}

Network::Network(const std::string& spec, int input_height, int num_classes)
    : spec_(spec), input_height_(input_height), num_classes_(num_classes) {
  if (input_height < 1 || input_height > 1024)
    throw FormatError("input height " + std::to_string(input_height) + " is out of range");
  outputs_maps_ = is_map_spec(spec);
  SpecBuilder builder(spec, input_height, num_classes);
  builder.build(root_);
  if (!outputs_maps_ && num_classes < 2)
    throw FormatError("a network needs at least one character besides blank");
  height_divisor_ = builder.height_divisor();
  if (outputs_maps_) {
    num_classes_ = builder.classes();
    if (input_height % height_divisor_ != 0)
      throw FormatError("net spec \"" + spec + "\" pools the height by " + std::to_string(height_divisor_) +
                        ": input height " + std::to_string(input_height) + " is not a multiple of it");
    root_.output_height(input_height);  // the layers' own shape checks
    return;
  }
  // Shape walk once more through the layers' own checks.
  if (root_.output_height(input_height) != 1)
    throw FormatError("net spec \"" + spec + "\" does not end in a sequence");
}

const Activations& Network::forward(const Activations& input, Mode mode) {
  if (outputs_maps_) {
    if (input.channels() != 1 || input.height < height_divisor_ || input.height % height_divisor_ != 0)
      throw ShapeError("map network expects 1-channel input of a height that is a multiple of " +
                       std::to_string(height_divisor_) + ", got " + std::to_string(input.channels()) +
                       " channels of height " + std::to_string(input.height));
  } else if (input.channels() != 1 || input.height != input_height_) {
    throw ShapeError("network expects input of height " + std::to_string(input_height_) +
                     ", got " + std::to_string(input.height));
  }
  input_ = &input;
  root_.forward(input, output_, mode);
  return output_;
}

void Network::backward(const Activations& doutput) {
  OCR_CHECK(input_ != nullptr, "backward without forward");
  root_.backward(*input_, output_, doutput, nullptr);
}

ParamList Network::params() {
  ParamList list;
  root_.collect_params(list, "");
  return list;
}

int Network::freeze_backbone() {
  const auto& layers = root_.children();
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i]->kind() == "Collapse") {
      root_.set_frozen_prefix(i + 1);
      return int(i + 1);
    }
  throw Error("net \"" + spec_ + "\" has no Col layer: no convolutional backbone to freeze");
}

ParamList Network::trainable_params() {
  ParamList list;
  const auto& layers = root_.children();
  for (size_t i = root_.frozen_prefix(); i < layers.size(); ++i)
    layers[i]->collect_params(list, std::to_string(i) + ".");
  return list;
}

namespace {
void accumulate_macs(const Layer& layer, int& channels, int& height, double& width, double& macs) {
  if (auto* seq = dynamic_cast<const Sequential*>(&layer)) {
    for (const auto& child : seq->children()) accumulate_macs(*child, channels, height, width, macs);
    return;
  }
  const int out_c = layer.output_channels(channels);
  const int out_h = layer.output_height(height);
  const double out_w = width / layer.width_divisor();
  double per_column = layer.macs_per_output_column(channels, height);
  if (per_column == 0 && layer.kind() != "Relu" && layer.kind() != "MaxPool" &&
      layer.kind() != "Collapse" && layer.kind() != "LogSoftmax") {
    // Containers without their own count: estimate from parameter count (each weight used once
    // per output column).
    ParamList params;
    const_cast<Layer&>(layer).collect_params(params, "");
    per_column = double(count_trainable(params));
  }
  macs += per_column * out_w * out_h;
  channels = out_c;
  height = out_h;
  width = out_w;
}
}  // namespace

double Network::forward_macs(int input_width, int input_height) const {
  int c = 1, h = input_height;
  double w = input_width, macs = 0;
  accumulate_macs(root_, c, h, w, macs);
  return macs;
}

std::string Network::summary() const {
  std::ostringstream os;
  int c = 1, h = input_height_, d = 1;
  for (const auto& layer : root_.children()) {
    c = layer->output_channels(c);
    h = layer->output_height(h);
    d *= layer->width_divisor();
    os << "  " << layer->kind() << " -> " << c << " x ";
    // A map network runs on any height: give it as a fraction, like the width.
    if (outputs_maps_) os << "H/" << input_height_ / h;
    else os << h;
    os << " x W/" << d << "\n";
  }
  return os.str();
}

}  // namespace ocr
