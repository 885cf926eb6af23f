// A trained recognizer: network spec + weights, alphabet, input geometry and training metadata.
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

struct ModelMetadata {
  int64_t iterations = 0;       // training iterations done so far
  int64_t lines_seen = 0;       // training lines seen so far
  double validation_cer = -1;   // best validation CER (fraction), -1 if never validated
  std::string created;          // ISO 8601 date of the last save
  std::string data;             // description of the training data
  std::map<std::string, std::string> extra;  // free-form key/values (decoder α, β, ...)
};

class Model {
 public:
  // Builds a model with freshly initialised weights. Throws FormatError on a bad spec.
  Model(const std::string& spec, Alphabet alphabet, int input_height, uint64_t seed);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Throws IoError / FormatError naming the file and what is wrong.
  static std::shared_ptr<Model> load(const std::string& path);
  // Atomic: writes path.tmp then renames, so an interrupted save never leaves a broken file.
  void save(const std::string& path) const;

  const std::string& spec() const { return spec_; }
  const Alphabet& alphabet() const { return alphabet_; }
  int input_height() const { return input_height_; }
  ModelMetadata& metadata() { return metadata_; }
  const ModelMetadata& metadata() const { return metadata_; }

  // The trainable network (training mutates it in place).
  Network& network() { return *network_; }
  const Network& network() const { return *network_; }
  // A private copy for inference in one thread, with batch norm folded into convolutions.
  std::unique_ptr<Network> instantiate_for_inference() const;
  // Checkpoint averaging: a model whose every tensor (batch-norm statistics included) is the
  // mean of the models' tensors, for checkpoints of one run late in its learning-rate decay.
  // Throws Error naming `names[i]` when a model's spec, alphabet or input height differs from
  // the first's. Metadata comes from the model with the most iterations; validation_cer is -1
  // (the average has not been validated).
  static std::shared_ptr<Model> average(const std::vector<std::shared_ptr<const Model>>& models,
                                        const std::vector<std::string>& names);
  // Grows the output layer to the extended alphabet, keeping the trained rows of old labels.
  void extend_alphabet(const Alphabet& extra, uint64_t seed);
  int64_t parameter_count() const;

 private:
  Model() = default;
  std::string spec_;
  Alphabet alphabet_;
  int input_height_ = 32;
  ModelMetadata metadata_;
  std::unique_ptr<Network> network_;
};

}  // namespace ocr
