// Data-parallel training step: the mini-batch is split across threads, each running forward,
// CTC loss and backward on its own replica of the network with single-threaded math, and the
// replicas' gradients are summed into the master network. One synchronisation per batch, so it
// scales on a busy machine where fine-grained parallel GEMMs stall at every barrier (measured:
// 2 threads with per-GEMM parallelism trained 3.5x slower than 1 thread under load).
// Batch norm sees per-replica statistics, as with several GPUs without synchronised BN.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "ocr/nn/network.h"
#include "ocr/train/line_source.h"

namespace ocr {

class DataParallelStep {
 public:
  DataParallelStep(Network& master, int threads);
  ~DataParallelStep();
  // Accumulates d(mean loss)/d(params) into the master's gradients; returns each line's loss.
  // normaliser > 0 divides by it instead of batch.size(): the global batch size when this batch
  // is one rank's share of it (training over MPI).
  std::vector<double> run(const std::vector<PreparedLine>& batch, double normaliser = 0);
  // The same for any loss: work(net, ids) runs forward, loss and backward of the items `ids`
  // (of 0..count-1, dealt round-robin) on net, accumulating gradients already scaled for the
  // whole batch, and returns the items' losses in the order of ids.
  using ReplicaWork = std::function<std::vector<double>(Network& net, const std::vector<size_t>& ids)>;
  std::vector<double> run(size_t count, const ReplicaWork& work);
  int threads() const { return int(replicas_.size()) > 0 ? int(replicas_.size()) : 1; }

 private:
  Network& master_;
  std::vector<std::unique_ptr<Network>> replicas_;
};

// Forward, CTC and backward of lines on one network (no threading of its own beyond Eigen's).
// Gradients are scaled by 1/normaliser. Returns each line's loss.
std::vector<double> forward_backward(Network& net, const std::vector<const PreparedLine*>& lines,
                                     double normaliser);

}  // namespace ocr
