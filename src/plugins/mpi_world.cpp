// The MPI communicator (issue 16) as a plugin, libocr_mpi_world.so: only `ocr train` started by an MPI
// launcher loads it (src/train/communicator.cpp), so no other run loads Open MPI and the libraries
// it pulls in. It calls nothing of ocr's: its one dependency is MPI.
#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "ocr/core/plugin.h"
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
      throw std::runtime_error("MPI_Init_thread failed");
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

}  // namespace ocr

extern "C" {

[[gnu::visibility("default")]] int ocr_plugin_abi() { return ocr::kPluginAbi; }

// MPI's world, initialised on the first call and finalised at exit; null with the reason in
// *error when MPI cannot start.
[[gnu::visibility("default")]] ocr::Communicator* ocr_mpi_world(std::string* error) {
  try {
    static ocr::MpiWorld world;  // a function-local static: its destructor finalises MPI at exit
    return &world;
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}

}  // extern "C"
