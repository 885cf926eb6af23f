// A trained network of one of two kinds, stored in an .ocrm file (models/FORMAT.md):
// - a recognizer (spec ending in O): network + alphabet + line height + training metadata;
// - a text-line detector (spec ending in Om<n>, no alphabet): a fully convolutional network
//   whose input_height is the height of its training tiles (it runs on any multiple of its
//   pooling), with its post-processing settings in metadata().extra ("detector.*" keys).
// Immutable after load; each thread that runs it takes its own Network via instantiate().
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocr/ctc/alphabet.h"

namespace ocr {

class Network;

enum class ModelKind { Recognizer, Detector };
// "recognizer" or "detector", as stored in the file.
const char* model_kind_name(ModelKind kind);

struct ModelMetadata {
  int64_t iterations = 0;       // training iterations done so far
  int64_t lines_seen = 0;       // training lines seen so far
  double validation_cer = -1;   // best validation CER (fraction), -1 if never validated
  std::string created;          // ISO 8601 date of the last save
  std::string data;             // description of the training data
  std::map<std::string, std::string> extra;  // free-form key/values (decoder α, β, detector settings)
};

class Model {
 public:
  // Builds a recognizer with freshly initialised weights. Throws FormatError on a bad spec,
  // also on a detector's spec.
  Model(const std::string& spec, Alphabet alphabet, int input_height, uint64_t seed);
  // Builds a detector (spec ending in Om<n>) with freshly initialised weights; tile_height is
  // its nominal input height, a multiple of the spec's height pooling. Throws FormatError on a
  // bad spec, also on a recognizer's.
  Model(const std::string& spec, int tile_height, uint64_t seed);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Throws IoError / FormatError naming the file and what is wrong, also when the file holds a
  // model of another kind than `expected` (a detector where a recognizer is needed, or the
  // reverse).
  static std::shared_ptr<Model> load(const std::string& path, ModelKind expected = ModelKind::Recognizer);
  // Either kind, for tools that only describe models (inspect, models).
  static std::shared_ptr<Model> load_any(const std::string& path);
  // Atomic: writes path.tmp then renames, so an interrupted save never leaves a broken file.
  void save(const std::string& path) const;

  ModelKind kind() const { return kind_; }
  bool is_detector() const { return kind_ == ModelKind::Detector; }
  const std::string& spec() const { return spec_; }
  // Empty for a detector.
  const Alphabet& alphabet() const { return alphabet_; }
  // A recognizer's line height; a detector's training tile height.
  int input_height() const { return input_height_; }
  // Alphabet size with blank (recognizer) or number of output maps (detector).
  int num_classes() const;
  ModelMetadata& metadata() { return metadata_; }
  const ModelMetadata& metadata() const { return metadata_; }

  // The trainable network (training mutates it in place).
  Network& network() { return *network_; }
  const Network& network() const { return *network_; }
  // A private copy for inference in one thread, with batch norm folded into convolutions.
  std::unique_ptr<Network> instantiate_for_inference() const;
  // Checkpoint averaging: a model whose every tensor (batch-norm statistics included) is the
  // mean of the models' tensors, for checkpoints of one run late in its learning-rate decay.
  // Throws Error naming `names[i]` when a model's kind, spec, alphabet or input height differs
  // from the first's. Metadata comes from the model with the most iterations; validation_cer is -1
  // (the average has not been validated).
  static std::shared_ptr<Model> average(const std::vector<std::shared_ptr<const Model>>& models,
                                        const std::vector<std::string>& names);
  // Grows the output layer to the extended alphabet, keeping the trained rows of old labels.
  // Throws Error for a detector.
  void extend_alphabet(const Alphabet& extra, uint64_t seed);
  int64_t parameter_count() const;

 private:
  Model() = default;
  // Network's num_classes argument: the alphabet size, or 0 (from the spec) for a detector.
  int network_classes() const { return is_detector() ? 0 : alphabet_.size(); }
  static std::shared_ptr<Model> load_file(const std::string& path, const ModelKind* expected);
  ModelKind kind_ = ModelKind::Recognizer;
  std::string spec_;
  Alphabet alphabet_;
  int input_height_ = 32;
  ModelMetadata metadata_;
  std::unique_ptr<Network> network_;
};

}  // namespace ocr
