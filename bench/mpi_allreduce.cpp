// Time of the training all-reduce alone (issue 16): MPI_Allreduce in place of N floats (default
// the shipped net's gradient, 974 135 parameters + 2), the mean over R repetitions after a
// barrier each, so that waiting for a slower rank is not counted.
// Usage: mpirun -np 2 ocr-bench-allreduce [N] [R]
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int n = argc > 1 ? std::atoi(argv[1]) : 974137;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 50;
  std::vector<float> buf(size_t(n), 1.f);
  double total = 0;
  for (int r = 0; r <= reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, buf.data(), n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    if (r > 0) total += MPI_Wtime() - t;  // the first one sets up the connections
  }
  if (rank == 0)
    std::printf("%d ranks, %d floats (%.2f MB): %.2f ms per all-reduce\n", size, n, 4e-6 * n,
                1e3 * total / reps);
  MPI_Finalize();
  return 0;
}
