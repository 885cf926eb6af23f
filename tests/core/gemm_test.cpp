// The hand-written wide GEMM against a plain triple loop, on every edge of its register blocking
// (rows around 16 and 32, columns around 12), with strided operands and accumulation.
#include <gtest/gtest.h>

#include "ocr/core/gemm.h"
#include "ocr/core/rng.h"
#include "ocr/core/threads.h"

namespace ocr {
namespace {

Matrix random_matrix(Rng& rng, Index rows, Index cols) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = Scalar(rng.uniform(-1, 1));
  return m;
}

// c against c0 (if accumulating) + Σ_k a(i, k) · b_at(k, j), summed in double.
template <class BAt>
void expect_product_of(const Matrix& a, BAt b_at, const Matrix& c0, const Matrix& c, bool accumulate) {
  for (Index j = 0; j < c.cols(); ++j)
    for (Index i = 0; i < c.rows(); ++i) {
      // Raw pointers, not Eigen's element access: CI's sanitizer build compiles tests at -O0,
      // where each access is a chain of calls.
      const Scalar* a_row = a.data() + i;
      double sum = accumulate ? double(c0(i, j)) : 0.0;
      for (Index k = 0; k < a.cols(); ++k) sum += double(a_row[k * a.rows()]) * double(b_at(k, j));
      ASSERT_NEAR(double(c(i, j)), sum, 1e-4 * (1 + a.cols())) << i << "," << j;
    }
}

void expect_product(const Matrix& a, const Matrix& b, const Matrix& c0, const Matrix& c,
                    bool accumulate) {
  expect_product_of(a, [&](Index k, Index j) { return b.data()[k + j * b.rows()]; }, c0, c, accumulate);
}

void expect_product_nt(const Matrix& a, const Matrix& b, const Matrix& c0, const Matrix& c,
                       bool accumulate) {
  expect_product_of(a, [&](Index k, Index j) { return b.data()[j + k * b.rows()]; }, c0, c, accumulate);
}

TEST(Gemm, MatchesPlainLoopOnAllBlockEdges) {
  Rng rng(11);
  for (Index m : {1, 5, 15, 16, 17, 31, 32, 33, 48, 64, 100})
    for (Index k : {1, 3, 64, 150})
      for (Index p : {1, 7, 11, 12, 13, 25, 40}) {
        Matrix a = random_matrix(rng, m, k), b = random_matrix(rng, k, p);
        Matrix c0 = random_matrix(rng, m, p);
        for (bool acc : {false, true}) {
          Matrix c = c0;
          gemm_wide(a, b, c, acc);
          expect_product(a, b, c0, c, acc);
        }
      }
}

TEST(Gemm, StridedBlocksLeaveTheRestUntouched) {
  Rng rng(12);
  Matrix a = random_matrix(rng, 40, 30);
  Matrix big_b = random_matrix(rng, 30, 50);
  Matrix big_c = random_matrix(rng, 50, 60), before = big_c;
  auto b = big_b.middleCols(5, 29);
  auto c = big_c.block(3, 7, 40, 29);  // outer stride 50, rows offset 3
  gemm_wide(a, b, c);
  expect_product(a, Matrix(b), Matrix::Zero(40, 29), Matrix(c), false);
  for (Index j = 0; j < big_c.cols(); ++j)
    for (Index i = 0; i < big_c.rows(); ++i)
      if (!(i >= 3 && i < 43 && j >= 7 && j < 36)) {
        ASSERT_EQ(big_c(i, j), before(i, j));
      }
}

TEST(Gemm, ThreadedEqualsSingleThreaded) {
  Rng rng(13);
  Matrix a = random_matrix(rng, 64, 300), b = random_matrix(rng, 300, 1000);
  Matrix c1(64, 1000), c2(64, 1000);
  set_thread_count(1);
  gemm_wide(a, b, c1);
  set_thread_count(2);
  gemm_wide(a, b, c2);
  set_thread_count(0);
  // The hand-written kernel splits columns between threads: the same sums, bit for bit. Eigen's
  // product (builds without AVX-512) may split the contraction too: equal up to rounding.
  if (gemm_wide_is_native()) {
    EXPECT_EQ((c1 - c2).cwiseAbs().maxCoeff(), 0);
  } else {
    EXPECT_LT((c1 - c2).cwiseAbs().maxCoeff(), 1e-4);
  }
}

}  // namespace
}  // namespace ocr

namespace ocr {
namespace {

// A·Bᵀ with the contraction over the long side, across its chunk boundary (256).
TEST(Gemm, TransposedMatchesPlainLoop) {
  Rng rng(14);
  for (Index m : {1, 16, 17, 33, 64})
    for (Index n : {1, 11, 12, 13, 30})
      for (Index p : {1, 5, 256, 300, 700}) {
        Matrix a = random_matrix(rng, m, p), b = random_matrix(rng, n, p);
        Matrix c0 = random_matrix(rng, m, n);
        for (bool acc : {false, true}) {
          Matrix c = c0;
          gemm_wide_nt(a, b, c, acc);
          expect_product_nt(a, b, c0, c, acc);
        }
      }
  // Column blocks of larger matrices, as the LSTM's recurrent weight gradient uses them.
  Matrix big_a = random_matrix(rng, 20, 90), big_b = random_matrix(rng, 7, 90);
  Matrix c = Matrix::Zero(20, 7);
  gemm_wide_nt(big_a.rightCols(80), big_b.leftCols(80), c);
  expect_product_nt(Matrix(big_a.rightCols(80)), Matrix(big_b.leftCols(80)), c, c, false);
}

}  // namespace
}  // namespace ocr
