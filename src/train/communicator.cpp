#include "ocr/train/communicator.h"

#include <cstdlib>
#include <string>

#include "ocr/core/error.h"
#include "ocr/core/plugin.h"

namespace ocr {

namespace {

class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allreduce_sum(float*, size_t) override {}
  void broadcast(void*, size_t, int) override {}
  void send(const void*, size_t, int dest) override {
    throw Error("send to rank " + std::to_string(dest) + ": a single process has no other rank");
  }
  void receive(void*, size_t, int source) override {
    throw Error("receive from rank " + std::to_string(source) + ": a single process has no other rank");
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }
};

}  // namespace

Communicator& single_process() {
  static SingleProcess one;
  return one;
}

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

Communicator& world_communicator() {
  if (!launched_by_mpi()) return single_process();
  // Open MPI comes in a plugin (src/plugins/mpi_world.cpp): a run that is not under mpirun
  // never loads it. Built without MPI, the plugin is missing and the error says so: each rank
  // training on its own would be a silent N-fold copy of one run.
  static Communicator* world = [] {
    using MakeWorld = Communicator* (*)(std::string*);
    auto make = reinterpret_cast<MakeWorld>(plugin_symbol("mpi_world", "ocr_mpi_world"));
    std::string why;
    Communicator* w = make(&why);
    if (!w) throw Error("MPI: " + why);
    return w;
  }();
  return *world;
}

}  // namespace ocr
