// The processes one training run is spread over (issue 16): `mpirun -np N ocr train ...` gives
// an MPI communicator of N ranks; a plain run, or a build without MPI, a single process whose
// collectives do nothing. Only the trainer's main thread calls these (MPI_THREAD_FUNNELED).
#pragma once
#include <cstddef>
#include <string>

namespace ocr {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sum over all ranks, in place. Every rank gets the same result (Open MPI's
  // algorithms reduce each element in one order; the trainer still re-sends rank 0's weights at
  // every validation, so no drift could outlive one interval).
  virtual void allreduce_sum(float* data, size_t count) = 0;
  // Rank root's bytes overwrite everyone else's.
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  // A message of bytes to one other rank, and its receipt (the receiver knows the size). Messages
  // between two ranks arrive in the order they were sent. The single process has no one to send
  // to: both throw there.
  virtual void send(const void* data, size_t bytes, int dest) = 0;
  virtual void receive(void* data, size_t bytes, int source) = 0;
  // Ends every rank with this exit code (a failed rank must not leave the others waiting in a
  // collective for ever).
  [[noreturn]] virtual void abort(int code) = 0;
};

// The single-process communicator.
Communicator& single_process();
// MPI's world when this process was started by an MPI launcher (OMPI_COMM_WORLD_SIZE, PMI_SIZE
// or PMIX_RANK in the environment), from the plugin libocr_mpi_world.so (built where CMake finds MPI);
// MPI is initialised on the first call and finalised at exit. Otherwise single_process(). Throws
// Error when launched by MPI without the plugin, or when MPI does not start.
Communicator& world_communicator();
// True when the environment says an MPI launcher started this process.
bool launched_by_mpi();

}  // namespace ocr
