#include "ocr/model/model.h"

#include <cmath>
#include <ctime>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"
#include "ocr/model/model_file.h"
#include "ocr/nn/network.h"

namespace ocr {

const char* model_kind_name(ModelKind kind) {
  return kind == ModelKind::Detector ? "detector" : "recognizer";
}

Model::Model(const std::string& spec, Alphabet alphabet, int input_height, uint64_t seed)
    : spec_(spec), alphabet_(std::move(alphabet)), input_height_(input_height) {
  if (Network::is_map_spec(spec_))
    throw FormatError("net spec \"" + spec_ + "\" ends in Om<n>: that is a detector, which has no alphabet");
  network_ = std::make_unique<Network>(spec_, input_height_, network_classes());
  Rng rng(seed);
  network_->init_params(rng);
}

Model::Model(const std::string& spec, int tile_height, uint64_t seed)
    : kind_(ModelKind::Detector), spec_(spec), input_height_(tile_height) {
  if (!Network::is_map_spec(spec_))
    throw FormatError("net spec \"" + spec_ + "\" is not a detector's: it must end in Om<n>");
  network_ = std::make_unique<Network>(spec_, input_height_, network_classes());
  Rng rng(seed);
  network_->init_params(rng);
}

Model::~Model() = default;

int Model::num_classes() const { return network_->num_classes(); }

int64_t Model::parameter_count() const {
  return int64_t(count_trainable(const_cast<Network&>(*network_).params()));
}

namespace {

std::string iso_date_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

long long parse_int(const std::string& path, const std::string& key, const std::string& v) {
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used);
    if (used == v.size()) return x;
  } catch (const std::exception&) {
  }
  throw FormatError(path + ": metadata '" + key + "' is not an integer: '" + v + "'");
}

void copy_params(Network& from, Network& to) {
  ParamList a = from.params(), b = to.params();
  OCR_CHECK(a.size() == b.size(), "networks of the same spec differ in parameters");
  for (size_t i = 0; i < a.size(); ++i) *b[i].value = *a[i].value;
}

}  // namespace

void Model::save(const std::string& path) const {
  ModelFileContents c;
  c.metadata = {{"kind", model_kind_name(kind_)}, {"spec", spec_}};
  if (!is_detector()) c.metadata.emplace_back("alphabet", utf8_encode(alphabet_.chars()));
  c.metadata.insert(c.metadata.end(),
               {{"input_height", std::to_string(input_height_)},
                {"iterations", std::to_string(metadata_.iterations)},
                {"lines_seen", std::to_string(metadata_.lines_seen)},
                {"validation_cer", std::to_string(metadata_.validation_cer)},
                {"created", iso_date_now()},
                {"data", metadata_.data}});
  for (const auto& kv : metadata_.extra) c.metadata.emplace_back("extra." + kv.first, kv.second);
  for (const auto& p : const_cast<Network&>(*network_).params()) {
    StoredTensor t;
    t.name = p.name;
    t.rows = int(p.value->rows());
    t.cols = int(p.value->cols());
    t.values.resize(size_t(p.value->size()));
    for (Index i = 0; i < p.value->size(); ++i) t.values[size_t(i)] = float(p.value->data()[i]);
    c.tensors.push_back(std::move(t));
  }
  write_model_file(path, c);
}

std::shared_ptr<Model> Model::load(const std::string& path, ModelKind expected) {
  return load_file(path, &expected);
}

std::shared_ptr<Model> Model::load_any(const std::string& path) { return load_file(path, nullptr); }

std::shared_ptr<Model> Model::load_file(const std::string& path, const ModelKind* expected) {
  ModelFileContents c = read_model_file(path);
  auto need = [&](const char* key) -> const std::string& {
    const std::string* v = c.find(key);
    if (!v) throw FormatError(path + ": model lacks metadata '" + key + "'");
    return *v;
  };
  std::shared_ptr<Model> m(new Model());
  // Files written before detectors existed have no kind: they are recognizers.
  if (const std::string* kind = c.find("kind")) {
    if (*kind == "detector") m->kind_ = ModelKind::Detector;
    else if (*kind != "recognizer")
      throw FormatError(path + ": unknown model kind '" + *kind + "' (expected recognizer or detector)");
  }
  if (expected && *expected != m->kind_)
    throw FormatError(path + " is a " + model_kind_name(m->kind_) + " model; a " + model_kind_name(*expected) +
                      " is needed here" +
                      (*expected == ModelKind::Recognizer ? " (give the recognizer, e.g. eng.ocrm)" : ""));
  m->spec_ = need("spec");
  if (Network::is_map_spec(m->spec_) != m->is_detector())
    throw FormatError(path + ": a " + model_kind_name(m->kind_) + "'s spec must end in " +
                      (m->is_detector() ? "Om<n>" : "O") + ", got \"" + m->spec_ + "\"");
  if (m->is_detector()) {
    if (c.find("alphabet")) throw FormatError(path + ": a detector has no alphabet, but the file gives one");
  } else {
    try {
      m->alphabet_ = Alphabet(utf8_decode(need("alphabet")));
    } catch (const FormatError& e) {
      throw FormatError(path + ": bad alphabet: " + e.what());
    }
  }
  long long h = parse_int(path, "input_height", need("input_height"));
  // A detector's tiles may be taller than any line.
  const long long max_height = m->is_detector() ? 1024 : 512;
  if (h < 8 || h > max_height) throw FormatError(path + ": input height " + std::to_string(h) + " out of range");
  m->input_height_ = int(h);
  for (const auto& kv : c.metadata) {
    const std::string& k = kv.first;
    if (k == "iterations") m->metadata_.iterations = parse_int(path, k, kv.second);
    else if (k == "lines_seen") m->metadata_.lines_seen = parse_int(path, k, kv.second);
    else if (k == "validation_cer") m->metadata_.validation_cer = std::atof(kv.second.c_str());
    else if (k == "created") m->metadata_.created = kv.second;
    else if (k == "data") m->metadata_.data = kv.second;
    else if (k.rfind("extra.", 0) == 0) m->metadata_.extra[k.substr(6)] = kv.second;
  }
  try {
    m->network_ = std::make_unique<Network>(m->spec_, m->input_height_, m->network_classes());
  } catch (const Error& e) {
    throw FormatError(path + ": " + e.what());
  }
  ParamList params = m->network_->params();
  if (params.size() != c.tensors.size())
    throw FormatError(path + ": the spec needs " + std::to_string(params.size()) +
                      " tensors, the file has " + std::to_string(c.tensors.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    const StoredTensor& t = c.tensors[i];
    if (t.name != p.name)
      throw FormatError(path + ": tensor " + std::to_string(i) + " is '" + t.name + "', expected '" +
                        p.name + "'");
    if (t.rows != p.value->rows() || t.cols != p.value->cols())
      throw FormatError(path + ": tensor '" + t.name + "' has shape " + std::to_string(t.rows) +
                        "x" + std::to_string(t.cols) + ", the spec needs " +
                        std::to_string(p.value->rows()) + "x" + std::to_string(p.value->cols()));
    for (size_t j = 0; j < t.values.size(); ++j) {
      if (!std::isfinite(t.values[j]))
        throw FormatError(path + ": tensor '" + t.name + "' holds a non-finite value");
      p.value->data()[j] = Scalar(t.values[j]);
    }
  }
  return m;
}

std::unique_ptr<Network> Model::instantiate_for_inference() const {
  auto net = std::make_unique<Network>(spec_, input_height_, network_classes());
  copy_params(const_cast<Network&>(*network_), *net);
  net->prepare_inference();
  return net;
}

std::shared_ptr<Model> Model::average(const std::vector<std::shared_ptr<const Model>>& models,
                                      const std::vector<std::string>& names) {
  if (models.empty()) throw Error("average: no models given");
  OCR_CHECK(names.size() == models.size(), "one name per model");
  const Model& first = *models.front();
  size_t newest = 0;
  for (size_t k = 0; k < models.size(); ++k) {
    const Model& m = *models[k];
    auto differs = [&](const std::string& what) {
      return Error(names[k] + ": " + what + " differs from " + names.front() + "'s; only checkpoints of one run average");
    };
    if (m.kind_ != first.kind_) throw differs("model kind");
    if (m.spec_ != first.spec_) throw differs("network spec");
    if (m.alphabet_.chars() != first.alphabet_.chars()) throw differs("alphabet");
    if (m.input_height_ != first.input_height_) throw differs("input height");
    if (m.metadata_.iterations > models[newest]->metadata_.iterations) newest = k;
  }
  std::shared_ptr<Model> out(new Model());
  out->kind_ = first.kind_;
  out->spec_ = first.spec_;
  out->alphabet_ = first.alphabet_;
  out->input_height_ = first.input_height_;
  out->metadata_ = models[newest]->metadata_;
  out->metadata_.validation_cer = -1;
  out->network_ = std::make_unique<Network>(out->spec_, out->input_height_, out->network_classes());
  ParamList sum = out->network_->params();
  // Summed in double: sixteen float checkpoints lose no bits to the order of additions.
  std::vector<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>> acc(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) acc[i].setZero(sum[i].value->rows(), sum[i].value->cols());
  for (const auto& m : models) {
    ParamList p = const_cast<Network&>(*m->network_).params();
    for (size_t i = 0; i < p.size(); ++i) acc[i] += p[i].value->cast<double>();
  }
  for (size_t i = 0; i < sum.size(); ++i) *sum[i].value = (acc[i] / double(models.size())).cast<Scalar>();
  return out;
}

void Model::extend_alphabet(const Alphabet& extra, uint64_t seed) {
  if (is_detector()) throw Error("a detector has no alphabet to extend");
  Alphabet grown = alphabet_;
  if (grown.extend(extra) == 0) return;
  auto net = std::make_unique<Network>(spec_, input_height_, grown.size());
  Rng rng(seed);
  net->init_params(rng);
  ParamList old_params = network_->params(), new_params = net->params();
  for (size_t i = 0; i < old_params.size(); ++i) {
    Matrix& from = *old_params[i].value;
    Matrix& to = *new_params[i].value;
    if (from.rows() == to.rows() && from.cols() == to.cols()) {
      to = from;
    } else {
      // The output layer grew: keep the rows of existing labels (label ids are unchanged).
      OCR_CHECK(from.cols() == to.cols() && from.rows() < to.rows(), "unexpected shape change");
      to.topRows(from.rows()) = from;
      if (to.cols() == 1) to.bottomRows(to.rows() - from.rows()).setConstant(Scalar(-2));
    }
  }
  network_ = std::move(net);
  alphabet_ = std::move(grown);
}

}  // namespace ocr
