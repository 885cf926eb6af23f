// C = A · B for the engine's typical shape: A small (weights, M × K), B wide (K × P patches or
// frames, P in the thousands). Eigen's kernel keeps a 48 × 4 block in 12 registers and packs B
// on every call; with AVX-512 this one keeps a 32 × 12 block in 24 registers, reads B in place
// (its columns are contiguous), and A in place too. Other builds (no AVX-512, or double precision
// for the gradient checks) use Eigen.
#pragma once
#include "ocr/core/tensor.h"

namespace ocr {

// dst (M × P) = a (M × K) · b (K × P), or += with accumulate. dst must not alias a or b; dst and b
// may be column blocks of larger matrices (any outer stride).
template <class Dst, class B>
void gemm_wide(const Matrix& a, const B& b, Dst&& dst, bool accumulate = false);

// dst (M × N) = a (M × P) · bᵀ (b is N × P), or += with accumulate: weight gradients, where the
// contraction runs over the pixels or frames.
template <class Dst, class A, class B>
void gemm_wide_nt(const A& a, const B& b, Dst&& dst, bool accumulate = false);

// The raw kernels: column-major operands with leading dimensions. Exposed for tests.
void gemm_wide_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                   Index m, Index k, Index p, bool accumulate);
void gemm_wide_nt_raw(const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
                      Index m, Index n, Index p, bool accumulate);
// True when the gemm_wide kernels run runs the hand-written kernel rather than Eigen.
bool gemm_wide_is_native();

template <class Dst, class B>
void gemm_wide(const Matrix& a, const B& b, Dst&& dst, bool accumulate) {
  eigen_assert(a.cols() == b.rows() && dst.rows() == a.rows() && dst.cols() == b.cols());
  gemm_wide_raw(a.data(), a.outerStride(), b.data(), b.outerStride(), dst.data(), dst.outerStride(),
                a.rows(), a.cols(), b.cols(), accumulate);
}

template <class Dst, class A, class B>
void gemm_wide_nt(const A& a, const B& b, Dst&& dst, bool accumulate) {
  eigen_assert(a.cols() == b.cols() && dst.rows() == a.rows() && dst.cols() == b.rows());
  gemm_wide_nt_raw(a.data(), a.outerStride(), b.data(), b.outerStride(), dst.data(),
                   dst.outerStride(), a.rows(), b.rows(), a.cols(), accumulate);
}

}  // namespace ocr
