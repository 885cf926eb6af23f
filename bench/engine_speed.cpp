// Measures the engine on synthetic input of a fixed shape: training lines/s (forward + CTC +
// backward + Adam) and inference lines/s at batch 1 and 16, plus achieved GFLOP/s.
// Usage: ocr-bench-engine [--spec S] [--height 32] [--width 400] [--threads N] [--classes K]
//                         [--train-batch 32] [--seconds 10] [--bf16-train 0|1]
// Prints one "key value" per line for bench/engine_vs_pytorch.sh.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ocr/core/gemm_bf16.h"
#include "ocr/core/rng.h"
#include "ocr/core/heap.h"
#include "ocr/core/threads.h"
#include "ocr/ctc/ctc_loss.h"
#include "ocr/nn/network.h"
#include "ocr/pipeline/network_input.h"
#include "ocr/train/data_parallel.h"
#include "ocr/train/optimizer.h"

using namespace ocr;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  std::string spec = "C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O";
  int height = 32, width = 400, threads = 1, classes = 100, train_batch = 32;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--spec") spec = v;
    else if (k == "--height") height = std::atoi(v);
    else if (k == "--width") width = std::atoi(v);
    else if (k == "--threads") threads = std::atoi(v);
    else if (k == "--classes") classes = std::atoi(v);
    else if (k == "--train-batch") train_batch = std::atoi(v);
    else if (k == "--seconds") seconds = std::atof(v);
    else if (k == "--bf16-train") set_bf16_training(std::atoi(v) != 0);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  set_thread_count(threads);
  keep_freed_memory();
  Rng rng(1);
  Network net(spec, height, classes);
  net.init_params(rng);
  const double gflop = 2 * net.forward_macs(width) / 1e9;
  std::printf("spec %s\nthreads %d\nforward_gflop %.3f\n", spec.c_str(), threads, gflop);

  auto make_batch = [&](int n) {
    std::vector<MatrixF> imgs(static_cast<size_t>(n), MatrixF(height, width));
    for (auto& m : imgs) m = MatrixF::Random(height, width).cwiseAbs();
    std::vector<const MatrixF*> ptrs;
    for (auto& m : imgs) ptrs.push_back(&m);
    return make_network_input(ptrs);
  };

  // Training: the trainer's own data-parallel step.
  {
    ParamList params = net.params();
    Adam adam(params);
    DataParallelStep step_runner(net, threads);
    const int frames = width / net.width_divisor();
    std::vector<PreparedLine> batch(static_cast<size_t>(train_batch));
    for (auto& l : batch) {
      l.input = MatrixF::Random(height, width).cwiseAbs();
      for (int i = 0; i < frames / 3; ++i) l.labels.push_back(int(rng.integer(1, classes - 1)));
    }
    auto step = [&] {
      step_runner.run(batch);
      adam.step(1e-4);
    };
    step();  // warm-up: buffers sized
    int iters = 0;
    auto t0 = Clock::now();
    double el = 0;
    while (el < seconds || iters < 2) {
      step();
      ++iters;
      el = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    double lps = iters * train_batch / el;
    std::printf("train_lines_per_s %.2f\ntrain_gflops %.1f\n", lps, lps * gflop * 3);
  }
  // Inference on an inference copy with batch norm folded.
  Network inf(spec, height, classes);
  {
    auto a = net.params(), b = inf.params();
    for (size_t i = 0; i < a.size(); ++i) *b[i].value = *a[i].value;
    inf.prepare_inference();
  }
  for (int bs : {1, 16}) {
    Activations in = make_batch(bs);
    inf.forward(in, Mode::Infer);
    int iters = 0;
    auto t0 = Clock::now();
    double el = 0;
    while (el < seconds / 2 || iters < 3) {
      inf.forward(in, Mode::Infer);
      ++iters;
      el = std::chrono::duration<double>(Clock::now() - t0).count();
    }
    double lps = iters * bs / el;
    std::printf("infer_b%d_lines_per_s %.2f\ninfer_b%d_gflops %.1f\n", bs, lps, bs, lps * gflop);
  }
  return 0;
}
