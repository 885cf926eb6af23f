#include <gtest/gtest.h>

#include "ocr/core/error.h"
#include "ocr/nn/network.h"

namespace ocr {
namespace {

std::string spec_error(const std::string& spec, int height = 32) {
  try {
    Network n(spec, height, 10);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Spec, BuildsTheDefaultNetAndCountsItsCost) {
  Network n("C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O", 32, 100);
  EXPECT_EQ(n.width_divisor(), 4);
  double gflop = 2 * n.forward_macs(400) / 1e9;
  EXPECT_GT(gflop, 0.8);  // the figure for this net: 0.9 GFLOP per 32×400 line
  EXPECT_LT(gflop, 1.0);
}

TEST(Spec, BadTokensArePointedAt) {
  EXPECT_NE(spec_error("C3,3,32 Bn Foo Col Lbx8 O").find("token 3 'Foo'"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,32 Lbx8 O").find("put Col before it"), std::string::npos);
  EXPECT_NE(spec_error("C3,3 Col O").find("token 1"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,8 Col Lbx8").find("must end with O"), std::string::npos);
  EXPECT_NE(spec_error("C3,3,8 Col O Lbx8").find("last token"), std::string::npos);
  EXPECT_NE(spec_error("Mp2,2 Mp2,2 Col O", 2).find("token 2"), std::string::npos);
  EXPECT_NE(spec_error("C2,2,8 Col O").find("odd"), std::string::npos);
  EXPECT_NE(spec_error("").find("empty"), std::string::npos);
  EXPECT_EQ(spec_error("C3,3,8 Bn Relu Mp2,2 R16 Se4 Mp2,1 Col Fc32 Relu Gbx8 Lfx4 Lrx4 O"), "");
}

}  // namespace
}  // namespace ocr
