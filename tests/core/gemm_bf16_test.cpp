// The bfloat16 GEMM against a plain loop over the same rounded operands (products of two bf16
// values are exact in float, so only the order of the sums differs), on every edge of its register
// blocking, and the rounding against the definition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "ocr/core/gemm_bf16.h"
#include "ocr/core/rng.h"

namespace ocr {
namespace {

float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(to_bf16(-2.0f), 0xC000);
  // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1).
  EXPECT_EQ(to_bf16(bits_to_float(0x3F808000u)), 0x3F80);
  // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ (odd) and 1 + 2⁻⁶: up to the even one.
  EXPECT_EQ(to_bf16(bits_to_float(0x3F818000u)), 0x3F82);
  // Just above the halfway point rounds up.
  EXPECT_EQ(to_bf16(bits_to_float(0x3F808001u)), 0x3F81);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(from_bf16(to_bf16(1e-40f)), 0.0f);  // denormals flush, as the hardware does
  // The largest float rounds to infinity, as it should: it is past bf16's largest value.
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::max()), 0x7F80);
}

TEST(Bf16, BulkConversionEqualsScalar) {
  Rng rng(3);
  std::vector<float> x(1000);
  for (auto& v : x) v = float(rng.normal(0, 10));
  x[5] = 0.0f, x[6] = -0.0f, x[7] = bits_to_float(0x3F808000u), x[8] = bits_to_float(0x3F818000u);
  x[9] = std::numeric_limits<float>::infinity(), x[10] = 3e38f;
  std::vector<bf16> bulk(x.size());
  to_bf16(x.data(), Index(x.size()), bulk.data());  // the vector instruction where native
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(bulk[i], to_bf16(x[i])) << i << " " << x[i];
}

// p < 8 runs the matrix-vector kernel (up to 8 panels in flight), p >= 8 the column blocks.
TEST(Bf16, GemmMatchesPlainLoopOnAllBlockEdges) {
  Rng rng(21);
  for (Index m : {1, 5, 15, 16, 17, 31, 32, 33, 48, 64, 100, 128, 129, 512})
    for (Index k : {1, 2, 3, 9, 64, 145})
      for (Index p : {1, 2, 7, 8, 11, 12, 13, 25, 40}) {
        Matrix a(m, k);
        for (Index i = 0; i < a.size(); ++i) a.data()[i] = Scalar(rng.uniform(-1, 1));
        const Index ld = k + (k & 1) + 2;  // even, with slack: the kernel must honour ld
        std::vector<bf16> b(size_t(ld * p), bf16(0x7FC0));  // NaN where nothing may be read
        for (Index j = 0; j < p; ++j) {
          for (Index r = 0; r < k; ++r) b[size_t(j * ld + r)] = to_bf16(float(rng.uniform(-1, 1)));
          if (k & 1) b[size_t(j * ld + k)] = 0;  // the zero pad of an odd length
        }
        const Index ldc = m + 3;
        for (bool acc : {false, true}) {
          std::vector<float> c(size_t(ldc * p), -7.0f);
          gemm_bf16(pack_bf16_panels(a), b.data(), ld, c.data(), ldc, p, acc);
          for (Index j = 0; j < p; ++j)
            for (Index i = 0; i < ldc; ++i) {
              if (i >= m) {
                ASSERT_EQ(c[size_t(j * ldc + i)], -7.0f) << "wrote past row " << m;
                continue;
              }
              // Raw pointers, not Eigen's element access: CI's sanitizer build compiles tests at -O0.
              const Scalar* a_row = a.data() + i;
              double sum = acc ? -7.0 : 0.0;
              for (Index r = 0; r < k; ++r)
                sum += double(from_bf16(to_bf16(float(a_row[r * m])))) * double(from_bf16(b[size_t(j * ld + r)]));
              ASSERT_NEAR(c[size_t(j * ldc + i)], sum, 1e-5 * (1 + k))
                  << m << "x" << k << "x" << p << (acc ? " accumulating" : "") << " at " << i << "," << j;
            }
        }
      }
}

// Against the float product the error is the rounding of the inputs: ≤ 2⁻⁸ relative per factor.
TEST(Bf16, GemmStaysCloseToTheFloatProduct) {
  Rng rng(22);
  const Index m = 64, k = 576, p = 200;
  Matrix a(m, k), bf(k, p);
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = Scalar(rng.normal(0, 0.05));
  for (Index i = 0; i < bf.size(); ++i) bf.data()[i] = Scalar(std::max(0.0, rng.normal()));
  std::vector<bf16> b(size_t(k * p));
  for (Index j = 0; j < p; ++j) to_bf16(bf.col(j).data(), k, b.data() + j * k);
  std::vector<float> c(size_t(m * p));
  gemm_bf16(pack_bf16_panels(a), b.data(), k, c.data(), m, p);
  const Matrix exact = a * bf;
  const Matrix bound = a.cwiseAbs() * bf.cwiseAbs() * Scalar(2 * std::ldexp(1.0, -8));
  for (Index j = 0; j < p; ++j)
    for (Index i = 0; i < m; ++i) ASSERT_LE(std::abs(c[size_t(j * m + i)] - exact(i, j)), bound(i, j)) << i << "," << j;
}

// A·Bᵀ over a long contraction (weight gradients): chunked along p, both sides packed in pairs.
TEST(Bf16, GemmNtMatchesPlainLoopOnRoundedOperands) {
  Rng rng(24);
  auto r16 = [](float v) { return double(from_bf16(to_bf16(v))); };
  for (Index m : {1, 5, 16, 17, 33, 64})
    for (Index n : {1, 7, 12, 13, 40})
      for (Index p : {1, 2, 3, 255, 256, 257, 600}) {
        Matrix a(m + 2, p), b(n + 3, p);  // leading dimensions past the rows used
        for (Index i = 0; i < a.size(); ++i) a.data()[i] = Scalar(rng.uniform(-1, 1));
        for (Index i = 0; i < b.size(); ++i) b.data()[i] = Scalar(rng.uniform(-1, 1));
        const Index ldc = m + 1;
        for (bool acc : {false, true}) {
          std::vector<float> c(size_t(ldc * n), 0.5f);
          gemm_bf16_nt(a.data(), a.rows(), b.data(), b.rows(), c.data(), ldc, m, n, p, acc);
          for (Index j = 0; j < n; ++j)
            for (Index i = 0; i < ldc; ++i) {
              if (i >= m) {
                ASSERT_EQ(c[size_t(j * ldc + i)], 0.5f) << "wrote past row " << m;
                continue;
              }
              const Scalar* a_row = a.data() + i;  // raw pointers, as above
              const Scalar* b_row = b.data() + j;
              double sum = acc ? 0.5 : 0.0;
              for (Index k = 0; k < p; ++k) sum += r16(a_row[k * a.rows()]) * r16(b_row[k * b.rows()]);
              ASSERT_NEAR(c[size_t(j * ldc + i)], sum, 1e-5 * (1 + p))
                  << m << "x" << n << "x" << p << (acc ? " accumulating" : "") << " at " << i << "," << j;
            }
        }
      }
}

// Float columns are rounded on the way in, odd lengths padded: the same as rounding first.
TEST(Bf16, FloatColumnsEqualRoundedColumns) {
  Rng rng(23);
  for (Index k : {7, 64}) {
    Matrix a(40, k), b(k + 5, 9);  // b: a block of a taller matrix (leading dimension k + 5)
    for (Index i = 0; i < a.size(); ++i) a.data()[i] = Scalar(rng.normal());
    for (Index i = 0; i < b.size(); ++i) b.data()[i] = Scalar(rng.normal());
    const Bf16Panels panels = pack_bf16_panels(a);
    const Index ld = k + (k & 1);
    std::vector<bf16> rounded(size_t(ld * b.cols()), 0);
    for (Index j = 0; j < b.cols(); ++j) to_bf16(b.col(j).data(), k, rounded.data() + j * ld);
    std::vector<float> expect(size_t(40 * b.cols())), got(expect.size());
    gemm_bf16(panels, rounded.data(), ld, expect.data(), 40, b.cols());
    std::vector<bf16> scratch(3, bf16(0x7FC0));  // stale contents must not leak in
    gemm_bf16(panels, b.data(), b.rows(), k, got.data(), 40, b.cols(), false, scratch);
    EXPECT_EQ(got, expect);
  }
}

}  // namespace
}  // namespace ocr
