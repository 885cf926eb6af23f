// The MPI communicator; built only when CMake found MPI (OCR_HAVE_MPI).
#ifdef OCR_HAVE_MPI
#include <mpi.h>

#include <algorithm>
#include <cstdlib>

#include "ocr/core/error.h"
#include "ocr/train/communicator.h"

namespace ocr {

namespace {

// MPI counts are int: larger buffers go in pieces.
constexpr size_t kMaxCount = size_t(1) << 30;

class MpiWorld : public Communicator {
 public:
  MpiWorld() {
    int provided = 0;
    // FUNNELED: OpenMP workers and the data thread never call MPI, the main thread does.
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      throw Error("MPI_Init_thread failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // Errors abort every rank (the default); stated so that no one relies on return codes.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  }
  ~MpiWorld() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, size_t count) override {
    for (size_t off = 0; off < count; off += kMaxCount)
      MPI_Allreduce(MPI_IN_PLACE, data + off, int(std::min(kMaxCount, count - off)), MPI_FLOAT,
                    MPI_SUM, MPI_COMM_WORLD);
  }
  void broadcast(void* data, size_t bytes, int root) override {
    auto* p = static_cast<char*>(data);
    for (size_t off = 0; off < bytes; off += kMaxCount)
      MPI_Bcast(p + off, int(std::min(kMaxCount, bytes - off)), MPI_BYTE, root, MPI_COMM_WORLD);
  }
  void send(const void* data, size_t bytes, int dest) override {
    const auto* p = static_cast<const char*>(data);
    for (size_t off = 0; off < bytes; off += kMaxCount)
      MPI_Send(p + off, int(std::min(kMaxCount, bytes - off)), MPI_BYTE, dest, 0, MPI_COMM_WORLD);
  }
  void receive(void* data, size_t bytes, int source) override {
    auto* p = static_cast<char*>(data);
    for (size_t off = 0; off < bytes; off += kMaxCount)
      MPI_Recv(p + off, int(std::min(kMaxCount, bytes - off)), MPI_BYTE, source, 0, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
  }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
  }

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace

Communicator& world_communicator() {
  if (!launched_by_mpi()) return single_process();
  // A function-local static: initialised once, finalised at exit after main returns.
  static MpiWorld world;
  return world;
}

}  // namespace ocr
#endif
