// The precision a training run multiplies in: Float and Bf16 as asked (Bf16 only where native),
// Auto resolved once by timing, Int8 refused.
#include "ocr/core/precision.h"

#include <gtest/gtest.h>

#include "ocr/core/error.h"
#include "ocr/core/gemm_bf16.h"

using ocr::Precision;

TEST(Precision, TrainingTakesFloatOrBf16AndRefusesInt8) {
  const bool native = ocr::gemm_bf16_is_native();
  EXPECT_EQ(ocr::training_precision(Precision::Float), Precision::Float);
  EXPECT_EQ(ocr::training_precision(Precision::Bf16), native ? Precision::Bf16 : Precision::Float);
  const Precision automatic = ocr::training_precision(Precision::Auto);
  EXPECT_TRUE(automatic == Precision::Float || (native && automatic == Precision::Bf16));
  EXPECT_EQ(ocr::training_precision(Precision::Auto), automatic);  // timed once, then kept
  EXPECT_THROW(ocr::training_precision(Precision::Int8), ocr::Error);
  EXPECT_EQ(ocr::parse_precision("bf16"), Precision::Bf16);
  EXPECT_EQ(ocr::parse_precision("auto"), Precision::Auto);
  EXPECT_THROW(ocr::parse_precision("fp16"), ocr::Error);
}
