// Eigen aliases for the engine. Scalar is float in the product and double in the
// gradient-check build of the same sources (OCR_SCALAR_DOUBLE).
#pragma once
#include <Eigen/Core>
#include <cstdint>

namespace ocr {

#ifdef OCR_SCALAR_DOUBLE
using Scalar = double;
#else
using Scalar = float;
#endif

using Index = Eigen::Index;
// Column-major: a column is one pixel's channel vector or one frame's feature vector.
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;
using MatrixF = Eigen::MatrixXf;  // always float, e.g. network input and output

}  // namespace ocr
