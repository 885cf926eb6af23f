#include "ocr/train/data_parallel.h"

#include <omp.h>

#include "ocr/core/error.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/pipeline/network_input.h"

namespace ocr {

std::vector<double> forward_backward(Network& net, const std::vector<const PreparedLine*>& lines,
                                     double normaliser) {
  std::vector<const MatrixF*> inputs;
  for (const auto* l : lines) inputs.push_back(&l->input);
  Activations input = make_network_input(inputs);
  const Activations& out = net.forward(input, Mode::Train);
  Activations dout;
  dout.reshape_like(out, out.channels());
  dout.data.setZero();
  std::vector<double> losses(lines.size());
  for (size_t n = 0; n < lines.size(); ++n) {
    Matrix lp = sequence_of(out, int(n)), grad;
    losses[n] = ctc_loss(lp, lines[n]->labels, &grad);
    for (int t = 0; t < lp.cols(); ++t)
      dout.data.col(out.column(t, int(n), 0)) = grad.col(t) / Scalar(normaliser);
  }
  net.backward(dout);
  return losses;
}

DataParallelStep::DataParallelStep(Network& master, int threads) : master_(master) {
  if (threads <= 1) return;
  for (int i = 0; i < threads; ++i)
  {
    replicas_.push_back(
        std::make_unique<Network>(master.spec(), master.input_height(), master.num_classes()));
    replicas_.back()->freeze_layers(master.frozen_layers());
  }
}

DataParallelStep::~DataParallelStep() = default;

std::vector<double> DataParallelStep::run(const std::vector<PreparedLine>& batch, double normaliser) {
  const double n_total = normaliser > 0 ? normaliser : double(batch.size());
  return run(batch.size(), [&](Network& net, const std::vector<size_t>& ids) {
    std::vector<const PreparedLine*> part;
    for (size_t i : ids) part.push_back(&batch[i]);
    return forward_backward(net, part, n_total);
  });
}

std::vector<double> DataParallelStep::run(size_t count, const ReplicaWork& work) {
  std::vector<double> losses(count);
  if (count == 0) {
    // An MPI rank none of whose lines fell in this step's batch: it adds zero gradients.
    ParamList master = master_.params();
    size_grads(master);
    return losses;
  }
  if (replicas_.empty()) {
    std::vector<size_t> all(count);
    for (size_t i = 0; i < count; ++i) all[i] = i;
    return work(master_, all);
  }
  const int k = std::min(int(replicas_.size()), int(count));
  ParamList master = master_.params();
  std::vector<std::string> errors(static_cast<size_t>(k));
#pragma omp parallel num_threads(k)
  try {
    const int r = omp_get_thread_num();
    Network& net = *replicas_[size_t(r)];
    ParamList mine = net.params();
    for (size_t i = 0; i < mine.size(); ++i) {
      *mine[i].value = *master[i].value;
      if (mine[i].grad) mine[i].grad->setZero(mine[i].value->rows(), mine[i].value->cols());
    }
    // Round-robin over a batch sorted by width gives each replica a similar amount of work.
    std::vector<size_t> ids;
    for (size_t i = size_t(r); i < count; i += size_t(k)) ids.push_back(i);
    std::vector<double> l = work(net, ids);
    for (size_t j = 0; j < ids.size(); ++j) losses[ids[j]] = l[j];
  } catch (const std::exception& e) {
    // An exception must not leave an OpenMP region: carry it out and rethrow.
    errors[size_t(omp_get_thread_num())] = e.what();
  }
  for (const auto& e : errors)
    if (!e.empty()) throw Error(e);
  // Sum gradients; average the running statistics of batch norm.
  std::vector<ParamList> replica_params;
  for (int r = 0; r < k; ++r) replica_params.push_back(replicas_[size_t(r)]->params());
  size_grads(master);
  for (size_t i = 0; i < master.size(); ++i) {
    if (master[i].grad) {
      for (int r = 0; r < k; ++r) *master[i].grad += *replica_params[size_t(r)][i].grad;
    } else {
      master[i].value->setZero();
      for (int r = 0; r < k; ++r) *master[i].value += *replica_params[size_t(r)][i].value;
      *master[i].value /= Scalar(k);
    }
  }
  return losses;
}

}  // namespace ocr
