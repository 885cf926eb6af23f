// The int8 GEMM: each kernel the CPU runs (VNNI, AVX2) against the scalar loops (same integer sums, same float
// epilogue: the same bits), and against the double-precision product within the bound the
// quantisation steps give, on every edge of the register blocking and of the packing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ocr/core/error.h"
#include "ocr/core/gemm_int8.h"
#include "ocr/core/rng.h"

namespace ocr {
namespace {

TEST(Int8, QuantisationHoldsZeroAndTheRange) {
  const U8Quant q = u8_quant_for_range(-1.0f, 3.0f);
  EXPECT_EQ(quantize_u8(0.0f, q), q.zero);  // the zero padding stays exact
  EXPECT_EQ(quantize_u8(-1.0f, q), 0);
  EXPECT_EQ(quantize_u8(3.0f, q), 255);
  EXPECT_EQ(quantize_u8(-5.0f, q), 0);   // out of range: clamped
  EXPECT_EQ(quantize_u8(50.0f, q), 255);
  const U8Quant relu = u8_quant_for_range(0.5f, 2.0f);  // widened to hold 0
  EXPECT_EQ(relu.zero, 0);
  EXPECT_FLOAT_EQ(relu.scale, 2.0f / 255);
  const U8Quant flat = u8_quant_for_range(0.0f, 0.0f);
  EXPECT_EQ(quantize_u8(0.0f, flat), flat.zero);
  // The bulk conversion (each kernel's vector instructions) equals the scalar one.
  Rng rng(5);
  std::vector<float> x(1001);
  for (auto& v : x) v = float(rng.normal(0.5, 2));
  x[7] = 0.5f * q.scale;  // halfway between two steps: rounded to even as the scalar one does
  x[8] = 1.5f * q.scale;
  for (Int8Kernel kernel : int8_kernels_on_this_cpu()) {
    const ScopedInt8Kernel use(kernel);
    std::vector<std::uint8_t> bulk(x.size());
    quantize_u8(x.data(), Index(x.size()), q, bulk.data());
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(bulk[i], quantize_u8(x[i], q)) << int8_kernel_name(kernel) << " " << i << " " << x[i];
  }
}

// The kernel in use is the best of those the CPU runs, and a scoped choice ends with its scope.
TEST(Int8, ScopedKernelChoice) {
  const std::vector<Int8Kernel> here = int8_kernels_on_this_cpu();
  ASSERT_EQ(here.front(), Int8Kernel::Scalar);
  const Int8Kernel best = int8_kernel();
  EXPECT_EQ(best, here.back());
  {
    const ScopedInt8Kernel use(Int8Kernel::Scalar);
    EXPECT_EQ(int8_kernel(), Int8Kernel::Scalar);
    EXPECT_FALSE(gemm_int8_is_native());
  }
  EXPECT_EQ(int8_kernel(), best);
  if (best != Int8Kernel::Vnni) {
    EXPECT_THROW(ScopedInt8Kernel{Int8Kernel::Vnni}, Error);
  }
}

// The one-pass range (vector instructions where native) against the plain search, on lengths
// around the vector width, with the extremes anywhere.
TEST(Int8, ValueRangeEqualsMinAndMax) {
  for (Int8Kernel kernel : int8_kernels_on_this_cpu()) {
  const ScopedInt8Kernel use(kernel);
  SCOPED_TRACE(int8_kernel_name(kernel));
  Rng rng(8);
  for (Index n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 1003}) {
    std::vector<float> x(size_t(n) + 3);
    for (auto& v : x) v = float(rng.normal(-0.5, 3));
    const float* first = x.data() + 3;  // unaligned
    float lo = 1e9f, hi = -1e9f;
    value_range(first, n, &lo, &hi);
    EXPECT_EQ(lo, *std::min_element(first, first + n)) << n;
    EXPECT_EQ(hi, *std::max_element(first, first + n)) << n;
  }
  float lo = 1, hi = 1;
  value_range(nullptr, 0, &lo, &hi);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 0.0f);
  }
}

Matrix random_matrix(Rng& rng, Index rows, Index cols, double lo, double hi) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = Scalar(rng.uniform(lo, hi));
  return m;
}

// The packing (column by column, quantised in bulk) against its definition written out element
// by element: sa_i = max_k |A(i, k)| / 127 (1 for a zero row), q = round(A / sa) in -127..127,
// panels of 16 rows × groups of 4 columns, zero padding, and the row sums of q.
TEST(Int8, PackingEqualsItsDefinition) {
  Rng rng(8);
  for (Index rows : {1, 15, 16, 17, 40})
    for (Index cols : {1, 3, 4, 9}) {
      Matrix a = random_matrix(rng, rows, cols, -2, 2);
      a.row(rows / 2).setZero();
      const Int8Panels got = pack_int8_panels(a);
      const Index quads = (cols + 3) / 4, panels = (rows + 15) / 16;
      ASSERT_EQ(got.rows, rows);
      ASSERT_EQ(got.quads, quads);
      ASSERT_EQ(got.data.size(), size_t(panels * quads * 64));
      std::vector<std::int8_t> data(got.data.size(), 0);
      for (Index i = 0; i < rows; ++i) {
        float amax = 0;
        for (Index k = 0; k < cols; ++k) amax = std::max(amax, std::abs(float(a(i, k))));
        const float s = amax > 0 ? amax / 127.0f : 1.0f;
        ASSERT_EQ(got.scale[size_t(i)], s) << rows << "x" << cols << " row " << i;
        int sum = 0;
        for (Index k = 0; k < cols; ++k) {
          const int q = std::clamp(int(std::nearbyint(float(a(i, k)) / s)), -127, 127);
          data[size_t((((i / 16) * quads + k / 4) * 16 + i % 16) * 4 + k % 4)] = std::int8_t(q);
          sum += q;
        }
        ASSERT_EQ(got.sums[size_t(i)], sum) << rows << "x" << cols << " row " << i;
      }
      ASSERT_EQ(got.data, data) << rows << "x" << cols;
    }
}

// Every M, K, P up to past two register blocks (32 rows, 12 columns) and several 4-groups of K,
// B as a block of a taller matrix (leading dimension past K), C likewise.
TEST(Int8, GemmWithinTheQuantisationBoundOnAllBlockEdges) {
  for (Int8Kernel kernel : int8_kernels_on_this_cpu()) {
  const ScopedInt8Kernel use(kernel);
  SCOPED_TRACE(int8_kernel_name(kernel));
  Rng rng(31);
  int checked = 0;
  for (Index m = 1; m <= 40; m += (m < 18 ? 1 : 7))
    for (Index k = 1; k <= 70; k += (k < 9 ? 1 : 13))
      for (Index p = 1; p <= 50; p += (p < 14 ? 1 : 9)) {
        const Matrix a = random_matrix(rng, m, k, -1, 1);
        // Some inputs all non-negative (after a ReLU: zero point 0), some of both signs.
        const double lo = (m + k + p) % 2 ? 0.0 : -0.7;
        const Matrix b = random_matrix(rng, k + 3, p, lo, 2.0);
        const Int8Panels panels = pack_int8_panels(a);
        const Index ldc = m + 2;
        for (bool acc : {false, true}) {
          std::vector<float> c(size_t(ldc * p), 0.25f), c_scalar;
          std::vector<std::uint8_t> scratch(5, 77);  // stale contents must not leak in
          gemm_int8(panels, b.data(), b.rows(), k, c.data(), ldc, p, acc, scratch);
          // The same quantised operand through the scalar loops: the same bits.
          c_scalar.assign(c.size(), 0.25f);
          const float lo_b = float(b.topRows(k).minCoeff()), hi_b = float(b.topRows(k).maxCoeff());
          const U8Quant q = u8_quant_for_range(lo_b, hi_b);
          gemm_int8_scalar(panels, scratch.data(), 4 * panels.quads, q, c_scalar.data(), ldc, p, acc);
          ASSERT_EQ(c, c_scalar) << m << "x" << k << "x" << p;
          for (Index j = 0; j < p; ++j)
            for (Index i = 0; i < ldc; ++i) {
              const float got = c[size_t(j * ldc + i)];
              if (i >= m) {
                ASSERT_EQ(got, 0.25f) << "wrote past row " << m;
                continue;
              }
              // Through raw pointers (column-major): CI's sanitizer build compiles tests at -O0,
              // where each Eigen element access is a chain of calls (59 s for this test, not 14).
              const Scalar* a_row = a.data() + i;
              const Scalar* b_col = b.data() + j * b.rows();
              double exact = acc ? 0.25 : 0.0, abs_a = 0, abs_b = 0, abs_ab = 0;
              for (Index r = 0; r < k; ++r) {
                const double ar = double(a_row[r * m]), br = double(b_col[r]);
                exact += ar * br;
                abs_a += std::abs(ar);
                abs_b += std::abs(br);
                abs_ab += std::abs(ar * br);
              }
              // |ΔA| ≤ sa/2, |ΔB| ≤ sb/2 (plus the float rounding of x·(1/sb) + zb, < 10⁻⁴ of a
              // step), and the float epilogue's own rounding.
              const double sa = double(panels.scale[size_t(i)]), sb = double(q.scale);
              const double da = 0.5 * sa, db = 0.5001 * sb;
              const double bound = abs_a * db + abs_b * da + double(k) * da * db + 1e-5 * (abs_ab + 1);
              ASSERT_LE(std::abs(double(got) - exact), bound)
                  << m << "x" << k << "x" << p << (acc ? " accumulating" : "") << " at " << i << "," << j;
              ++checked;
            }
        }
      }
  EXPECT_GT(checked, 100000);
  }
}

// The kernel on u8 operands against the scalar loops with a non-zero zero point and extreme
// values (|qa| = 127, qb = 255 everywhere: the largest sums), bit for bit.
TEST(Int8, KernelEqualsScalarLoopsBitForBit) {
  const std::vector<Int8Kernel> here = int8_kernels_on_this_cpu();
  if (here.size() == 1) GTEST_SKIP() << "no AVX2 on this CPU";
  for (Int8Kernel kernel : here) {
  if (kernel == Int8Kernel::Scalar) continue;
  const ScopedInt8Kernel use(kernel);
  SCOPED_TRACE(int8_kernel_name(kernel));
  Rng rng(32);
  for (Index m : {1, 15, 16, 17, 32, 33, 64, 100})
    for (Index k : {4, 8, 144, 576, 1152})
      for (Index p : {1, 11, 12, 13, 25, 120}) {
        Matrix a = random_matrix(rng, m, k, -1, 1);
        if (m > 5) a.row(3).setConstant(-1), a.row(4).setConstant(1);
        const Int8Panels panels = pack_int8_panels(a);
        const Index ldb = 4 * panels.quads + 8;
        std::vector<std::uint8_t> b(size_t(ldb * p));
        for (auto& v : b) v = std::uint8_t(rng.uniform(0, 256));
        if (p > 3) std::fill(b.begin(), b.begin() + 2 * ldb, std::uint8_t(255));
        for (U8Quant q : {U8Quant{0.01f, 0}, U8Quant{0.02f, 37}, U8Quant{0.003f, 255}})
          for (bool acc : {false, true}) {
            std::vector<float> fast(size_t(m * p), -1.5f), slow = fast;
            gemm_int8(panels, b.data(), ldb, q, fast.data(), m, p, acc);
            gemm_int8_scalar(panels, b.data(), ldb, q, slow.data(), m, p, acc);
            ASSERT_EQ(fast, slow) << m << "x" << k << "x" << p << " zero " << q.zero;
          }
      }
  }
}

// B in pieces, as a convolution hands it over (overlapping windows of one buffer, ldb apart):
// the same bits as the scalar loops and as the plain kernel on the patches written out.
TEST(Int8, PiecesEqualPatchesWrittenOut) {
  for (Int8Kernel kernel : int8_kernels_on_this_cpu()) {
  const ScopedInt8Kernel use(kernel);
  SCOPED_TRACE(int8_kernel_name(kernel));
  Rng rng(33);
  for (Index m : {1, 16, 17, 40})
    for (Index p : {1, 5, 12, 13, 30})
      for (std::vector<Index> quads : {std::vector<Index>{1}, std::vector<Index>{2, 2, 2}, std::vector<Index>{6, 6, 6},
                                       std::vector<Index>{8, 8, 8, 8, 8, 8, 8, 8, 8}}) {
        Index k = 0;
        for (Index q : quads) k += 4 * q;
        const Matrix a = random_matrix(rng, m, k, -1, 1);
        const Int8Panels panels = pack_int8_panels(a);
        // Each piece a window of its own buffer; column j at j·ldb, ldb smaller than the piece
        // (the windows overlap, as in a convolution) or not.
        const Index ldb = 4 * quads[0] > 8 ? 8 : 4 * quads[0];
        std::vector<std::vector<std::uint8_t>> buffers;
        std::vector<const std::uint8_t*> base;
        for (Index q : quads) {
          buffers.emplace_back(size_t(p * ldb + 4 * q));
          for (auto& v : buffers.back()) v = std::uint8_t(rng.uniform(0, 256));
        }
        for (auto& b : buffers) base.push_back(b.data());
        // The patches written out: column j is the pieces' windows one after another.
        std::vector<std::uint8_t> patches(size_t(p * k));
        for (Index j = 0; j < p; ++j) {
          Index row = 0;
          for (size_t g = 0; g < quads.size(); ++g)
            for (Index r = 0; r < 4 * quads[g]; ++r) patches[size_t(j * k + row++)] = base[g][j * ldb + r];
        }
        for (U8Quant q : {U8Quant{0.01f, 0}, U8Quant{0.02f, 37}})
          for (bool acc : {false, true}) {
            std::vector<float> fast(size_t(m * p), -1.5f), slow = fast, plain = fast;
            gemm_int8_pieces(panels, base.data(), quads.data(), int(quads.size()), ldb, q, fast.data(), m, p, acc);
            gemm_int8_pieces_scalar(panels, base.data(), quads.data(), int(quads.size()), ldb, q, slow.data(), m, p, acc);
            gemm_int8(panels, patches.data(), k, q, plain.data(), m, p, acc);
            ASSERT_EQ(fast, slow) << m << "x" << k << "x" << p;
            ASSERT_EQ(fast, plain) << m << "x" << k << "x" << p;
          }
      }
  }
  // Pieces that do not add up to A's columns are refused.
  Rng rng(34);
  const Int8Panels panels = pack_int8_panels(random_matrix(rng, 4, 8, -1, 1));
  std::vector<std::uint8_t> b(64);
  const std::uint8_t* base = b.data();
  const Index one = 1;
  std::vector<float> c(4);
  EXPECT_THROW(gemm_int8_pieces(panels, &base, &one, 1, 4, U8Quant{}, c.data(), 4, 1), ShapeError);
}

}  // namespace
}  // namespace ocr
