// Helper of the MPI training tests (run.sh beside it): trains a tiny Bn-free net on a few drawn
// lines, one process or one rank of `mpirun -np N`, and compares the weights of two models.
//   ocr-mpi-train-check train DIR OUT BATCH ITERATIONS [FAILING_RANK (-1: none)] [SPEC]
//   ocr-mpi-train-check compare A B TOLERANCE
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "ocr/model/model.h"
#include "ocr/nn/network.h"
#include "ocr/train/communicator.h"
#include "ocr/train/trainer.h"

namespace fs = std::filesystem;

namespace {

// The same lines for every rank, each in its own folder (no two processes write one file): 24
// lines of different widths, so a step's batch is a width-sorted slice of more lines than it holds.
std::string write_lines(const fs::path& dir) {
  fs::create_directories(dir);
  const char* texts[] = {"one", "two", "ten", "net", "toe", "note", "tone", "on"};
  for (int i = 0; i < 24; ++i) {
    cv::Mat img(32, 70 + 6 * i, CV_8UC1, cv::Scalar(255));
    cv::putText(img, texts[i % 8], {6 + i, 23}, cv::FONT_HERSHEY_SIMPLEX, 0.7, 0, 2, cv::LINE_AA);
    const std::string stem = (dir / ("l" + std::to_string(i))).string();
    cv::imwrite(stem + ".png", img);
    std::ofstream(stem + ".gt.txt") << texts[i % 8] << "\n";
  }
  return dir.string();
}

int train(int argc, char** argv) {
  if (argc < 6) return 2;
  const int rank = ocr::world_communicator().rank();
  ocr::TrainConfig c;
  c.train = c.val = write_lines(fs::path(argv[2]) / ("lines-" + std::to_string(rank)));
  c.out = argv[3];
  c.batch = std::atoi(argv[4]);
  c.iterations = std::atoi(argv[5]);
  c.val_every = int(c.iterations);
  // No Bn by default: per-rank batch statistics would differ from those of one process.
  c.spec = argc > 7 ? argv[7] : "C3,3,8 Relu Mp2,2 Col Lbx24 O";
  c.lr = 3e-3;
  c.warmup = 5;
  c.threads = 1;
  c.seed = 2;
  // Augmented: each line is varied by its index in the stream, by whichever rank draws it.
  c.augment = 1;
  // A rank that fails before its first collective: the others must not wait for it for ever.
  if (argc > 6 && rank == std::atoi(argv[6])) c.init = (fs::path(argv[2]) / "missing.ocrm").string();
  const ocr::TrainSummary summary = ocr::train(c);
  // run.sh checks that each rank drew only its share of the stream.
  std::printf("rank %d drew %lld lines\n", rank, static_cast<long long>(summary.lines_drawn));
  return 0;
}

int compare(int argc, char** argv) {
  if (argc < 5) return 2;
  auto a = ocr::Model::load(argv[2]), b = ocr::Model::load(argv[3]);
  const double tolerance = std::atof(argv[4]);
  ocr::ParamList pa = a->network().params(), pb = b->network().params();
  if (pa.size() != pb.size()) return 1;
  double worst = 0, largest = 0;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (pa[i].value->size() != pb[i].value->size()) return 1;
    worst = std::max(worst, double((*pa[i].value - *pb[i].value).cwiseAbs().maxCoeff()));
    largest = std::max(largest, double(pa[i].value->cwiseAbs().maxCoeff()));
  }
  std::printf("largest weight %.4g, largest difference %.3g (tolerance %.3g)\n", largest, worst, tolerance);
  return worst <= tolerance ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::string mode = argv[1];
  try {
    if (mode == "train") return train(argc, argv);
    if (mode == "compare") return compare(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 2;
}
