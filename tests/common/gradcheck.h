// Finite-difference gradient check for any Layer (built in double: test_gradcheck links
// ocr_engine_f64). The loss is Σ out ⊙ R for a fixed random R, so d loss / d out = R.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "ocr/core/rng.h"
#include "ocr/nn/layer.h"

namespace ocr::test {

inline Activations random_batch(Rng& rng, int channels, int height, std::vector<int> widths) {
  Activations a;
  int w = 0;
  for (int x : widths) w = std::max(w, x);
  a.resize(channels, int(widths.size()), height, w, widths);
  for (Index i = 0; i < a.data.size(); ++i) a.data.data()[i] = Scalar(rng.normal());
  a.zero_padding();
  return a;
}

struct GradCheckOptions {
  double step = 1e-6;
  double tolerance = 1e-5;  // on |analytic − numeric| / (1 + |analytic| + |numeric|)
  int max_checks_per_tensor = 60;
  bool check_input = true;
};

struct GradCheckResult {
  int checked = 0;
  int skipped_kinks = 0;
  double worst = 0;
  std::string worst_where;
};

// Checks d loss / d input (valid entries only) and d loss / d every trainable parameter.
inline GradCheckResult check_gradients(Layer& layer, Activations input, Rng& rng,
                                       const GradCheckOptions& opt = {}) {
  Activations out;
  layer.forward(input, out, Mode::Train);
  Activations r;
  r.reshape_like(out, out.channels());
  for (Index i = 0; i < r.data.size(); ++i) r.data.data()[i] = Scalar(rng.normal());
  r.zero_padding();
  auto loss = [&]() {
    Activations o;
    layer.forward(input, o, Mode::Train);
    return double((o.data.array() * r.data.array()).sum());
  };
  ParamList params;
  layer.collect_params(params, "");
  zero_grads(params);
  layer.forward(input, out, Mode::Train);
  Activations din;
  layer.backward(input, out, r, opt.check_input ? &din : nullptr);

  GradCheckResult result;
  auto check = [&](Scalar* value, double analytic, const std::string& where) {
    const Scalar saved = *value;
    *value = saved + Scalar(opt.step);
    double lp = loss();
    *value = saved - Scalar(opt.step);
    double lm = loss();
    *value = saved;
    double l0 = loss();
    double numeric = (lp - lm) / (2 * opt.step);
    // A kink (ReLU at 0, max-pool tie) shows as one-sided slopes that disagree: skip it.
    double right = (lp - l0) / opt.step, left = (l0 - lm) / opt.step;
    if (std::abs(right - left) > 1e-3 * (1 + std::abs(right) + std::abs(left))) {
      ++result.skipped_kinks;
      return;
    }
    double err = std::abs(analytic - numeric) / (1 + std::abs(analytic) + std::abs(numeric));
    ++result.checked;
    if (err > result.worst) {
      result.worst = err;
      result.worst_where = where + " analytic " + std::to_string(analytic) + " numeric " +
                           std::to_string(numeric);
    }
  };
  if (opt.check_input) {
    std::vector<Index> valid;
    for (int n = 0; n < input.batch; ++n)
      for (int x = 0; x < input.widths[n]; ++x)
        for (int y = 0; y < input.height; ++y)
          for (int c = 0; c < input.channels(); ++c)
            valid.push_back(input.column(x, n, y) * input.channels() + c);
    for (int k = 0; k < opt.max_checks_per_tensor && !valid.empty(); ++k) {
      Index i = valid[size_t(rng.integer(0, Index(valid.size()) - 1))];
      check(input.data.data() + i, double(din.data.data()[i]), "input[" + std::to_string(i) + "]");
    }
  }
  for (const auto& p : params) {
    if (!p.trainable()) continue;
    const Index size = p.value->size();
    const bool all = size <= opt.max_checks_per_tensor;
    for (Index k = 0; k < (all ? size : opt.max_checks_per_tensor); ++k) {
      Index i = all ? k : Index(rng.integer(0, size - 1));
      check(p.value->data() + i, double(p.grad->data()[i]), p.name + "[" + std::to_string(i) + "]");
    }
  }
  return result;
}

#define EXPECT_GRADIENTS_MATCH(result, tol)                                         \
  do {                                                                              \
    EXPECT_GT((result).checked, 0);                                                 \
    EXPECT_LT((result).worst, tol) << "worst at " << (result).worst_where;          \
    EXPECT_LT((result).skipped_kinks, std::max(3, (result).checked / 10));          \
  } while (0)

}  // namespace ocr::test
