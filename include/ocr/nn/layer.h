// The layer interface. A layer maps Activations to Activations; forward and backward of each
// layer live side by side in its own file under nn/layers.
#pragma once
#include <memory>
#include <string>

#include "ocr/core/rng.h"
#include "ocr/nn/activations.h"
#include "ocr/nn/param.h"

namespace ocr {

// Train caches what backward needs and uses batch statistics; Infer caches nothing.
enum class Mode { Infer, Train };

class Layer {
 public:
  virtual ~Layer() = default;
  // Short type name for messages, e.g. "Conv2d".
  virtual std::string kind() const = 0;
  // Output channels and height for the given input channels and height (width handled by
  // width_divisor). Throws ShapeError if the input does not suit the layer.
  virtual int output_channels(int in_channels) const = 0;
  virtual int output_height(int in_height) const { return in_height; }
  virtual int width_divisor() const { return 1; }  // output width = input width / divisor

  // out is resized by the layer. in stays alive and unchanged until backward.
  virtual void forward(const Activations& in, Activations& out, Mode mode) = 0;
  // After forward(Train) with the same in/out: accumulates parameter gradients (sizing empty buffers,
  // see size_grad) and, when din is not null, writes the
  // gradient with respect to the input.
  virtual void backward(const Activations& in, const Activations& out, const Activations& dout,
                        Activations* din) = 0;

  // Appends this layer's parameters, names prefixed by prefix.
  virtual void collect_params(ParamList& /*out*/, const std::string& /*prefix*/) {}
  // Random initialisation (He / Xavier as fits the layer).
  virtual void init_params(Rng& /*rng*/) {}
  // Makes the layer inference-only and faster (e.g. folds batch norm); called once on a copy.
  virtual void prepare_inference() {}
  // Whether forward(Infer) keeps a container's buffers from call to call (the default: many
  // small calls, such as lines, reuse them) or frees them when the container is done, so a
  // large input (a detector's page strip) holds only the maps alive at once, not one set per
  // block. Containers pass it on to their children.
  virtual void set_keep_inference_buffers(bool /*keep*/) {}
  // Multiply-adds per output column (per pixel or per frame), for FLOP counts.
  virtual double macs_per_output_column(int /*in_channels*/, int /*in_height*/) const { return 0; }
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace ocr
