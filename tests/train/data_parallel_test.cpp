// The data-parallel step (replicas on threads) must give the gradients of the plain
// single-network step.
#include <gtest/gtest.h>

#include "ocr/core/rng.h"
#include "ocr/train/data_parallel.h"

namespace ocr {
namespace {

std::vector<PreparedLine> make_lines(Rng& rng, int count, int height) {
  std::vector<PreparedLine> lines(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto& l = lines[size_t(i)];
    int w = 24 + 8 * i;
    l.input = MatrixF::Random(height, w).cwiseAbs();
    for (int k = 0; k < w / 12; ++k) l.labels.push_back(int(rng.integer(1, 4)));
  }
  return lines;
}

TEST(DataParallel, GradientsEqualTheSingleNetworkStep) {
  // No batch norm: per-replica batch statistics would legitimately differ.
  const char* spec = "C3,3,4 Relu Mp2,2 C3,3,6 Relu Mp2,1 Col Lbx6 O";
  Rng rng(1);
  Network a(spec, 8, 5), b(spec, 8, 5);
  a.init_params(rng);
  auto pa = a.params(), pb = b.params();
  for (size_t i = 0; i < pa.size(); ++i) *pb[i].value = *pa[i].value;
  auto lines = make_lines(rng, 5, 8);
  zero_grads(pa);
  zero_grads(pb);
  DataParallelStep single(a, 1), parallel(b, 2);
  auto la = single.run(lines);
  auto lb = parallel.run(lines);
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) EXPECT_NEAR(la[i], lb[i], 1e-3 * (1 + std::abs(la[i])));
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!pa[i].grad) continue;
    double scale = 1e-6 + pa[i].grad->cwiseAbs().maxCoeff();
    EXPECT_LT((*pa[i].grad - *pb[i].grad).cwiseAbs().maxCoeff() / scale, 1e-4) << pa[i].name;
  }
}

}  // namespace
}  // namespace ocr
