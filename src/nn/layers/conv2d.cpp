#include "ocr/nn/layers/conv2d.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ocr/core/error.h"
#include "ocr/core/gemm.h"
#include "ocr/core/gemm_int8.h"
#include "ocr/core/threads.h"
#include "ocr/nn/layers/batch_norm.h"

namespace ocr {

Conv2d::Conv2d(int kh, int kw, int in, int out, int dilation)
    : kh_(kh), kw_(kw), in_(in), out_(out), dilation_(dilation),
      weight_(Matrix::Zero(out, Index(kh) * kw * in)), bias_(Matrix::Zero(out, 1)) {
  OCR_CHECK(dilation >= 1, "convolution dilation must be at least 1");
}

int Conv2d::output_channels(int in_channels) const {
  if (in_channels != in_)
    throw ShapeError("Conv2d expects " + std::to_string(in_) + " input channels, got " +
                     std::to_string(in_channels));
  return out_;
}

void Conv2d::init_params(Rng& rng) {
  // He initialisation: the convolutions feed ReLUs.
  double stddev = std::sqrt(2.0 / (double(kh_) * kw_ * in_));
  for (Index i = 0; i < weight_.size(); ++i) weight_.data()[i] = Scalar(rng.normal(0, stddev));
  bias_.setZero();
}

void Conv2d::collect_params(ParamList& out, const std::string& prefix) {
  out.push_back({prefix + "weight", &weight_, &weight_grad_});
  out.push_back({prefix + "bias", &bias_, &bias_grad_});
}

Index Conv2d::chunk_pixels() const {
  return std::max<Index>(48, kChunkBytes / (Index(kh_) * kw_ * in_ * Index(sizeof(Scalar))));
}

void Conv2d::im2col(const Activations& in, Index c_begin, Index c_end, Matrix& col) const {
  const int H = in.height, W = in.width, N = in.batch, C = in_, d = dilation_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  col.resize(Index(kh_) * kw_ * C, c_end - c_begin);
  int y = int(c_begin % H), n = int((c_begin / H) % N), x = int(c_begin / (Index(H) * N));  // as in im2col_packed
  for (Index c = c_begin; c < c_end; ++c, ++y) {
    if (y == H) {
      y = 0;
      if (++n == N) n = 0, ++x;
    }
    Scalar* dst = col.data() + (c - c_begin) * col.rows();
    for (int ky = 0; ky < kh_; ++ky) {
      const int sy = y + (ky - ph) * d;
      for (int kx = 0; kx < kw_; ++kx, dst += C) {
        const int sx = x + (kx - pw) * d;
        if (sy < 0 || sy >= H || sx < 0 || sx >= W) {
          std::fill(dst, dst + C, Scalar(0));
        } else {
          const Scalar* src = in.data.data() + in.column(sx, n, sy) * C;
          std::copy(src, src + C, dst);
        }
      }
    }
  }
}

void Conv2d::prepare_inference() {
  bf16_.prepare();
  int8_.prepare();
}

namespace {

// Copies and fills of a few dozen bytes, the size of one patch column: inline, in fixed-size
// chunks the compiler turns into vector moves (a call to memmove or memset per tap cost as much
// as the copy).
template <class T>
inline void copy_small(const T* src, Index n, T* dst) {
  auto* d = reinterpret_cast<unsigned char*>(dst);
  const auto* s = reinterpret_cast<const unsigned char*>(src);
  const size_t bytes = size_t(n) * sizeof(T);
  size_t i = 0;
  for (; i + 32 <= bytes; i += 32) std::memcpy(d + i, s + i, 32);
  for (; i + 8 <= bytes; i += 8) std::memcpy(d + i, s + i, 8);
  for (; i < bytes; ++i) d[i] = s[i];
}

template <class T>
inline void fill_small(T* dst, Index n, T value) {
  for (Index i = 0; i < n; ++i) dst[i] = value;
}

}  // namespace

// Patches in (kx, ky, c) order, unlike the float path's (ky, kx, c): the kh pixels of one input
// column are adjacent in memory (y runs fastest), so without dilation each kx is one copy
// instead of kh.
template <class T>
void Conv2d::im2col_packed(const Activations& in, const T* pixels, Index c_begin, Index c_end,
                           Index ld, T zero, std::vector<T>& col) const {
  const int H = in.height, W = in.width, N = in.batch, C = in_, d = dilation_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  const Index k = Index(kh_) * kw_ * C;
  col.resize(size_t(ld * (c_end - c_begin)));
  // The pixel's (x, n, y), stepped along rather than divided out of c: three 64-bit divisions per
  // pixel cost more than its copies.
  int y = int(c_begin % H), n = int((c_begin / H) % N), x = int(c_begin / (Index(H) * N));
  for (Index c = c_begin; c < c_end; ++c, ++y) {
    if (y == H) {
      y = 0;
      if (++n == N) n = 0, ++x;
    }
    // Taps ky0..ky1-1 read rows inside the image: 0 <= y + (ky - ph)·d < H.
    const int ky0 = d == 1 ? std::max(0, ph - y) : std::max(0, ph - y / d);
    const int ky1 = d == 1 ? std::min(kh_, ph + H - y) : std::min(kh_, ph + (H - 1 - y) / d + 1);
    T* dst = col.data() + (c - c_begin) * ld;
    for (int kx = 0; kx < kw_; ++kx, dst += Index(kh_) * C) {
      const int sx = x + (kx - pw) * d;
      if (sx < 0 || sx >= W || ky1 <= ky0) {
        fill_small(dst, Index(kh_) * C, zero);
        continue;
      }
      fill_small(dst, Index(ky0) * C, zero);
      const T* src = pixels + in.column(sx, n, y + (ky0 - ph) * d) * C;
      if (d == 1) {
        copy_small(src, Index(ky1 - ky0) * C, dst + Index(ky0) * C);
      } else {
        for (int ky = ky0; ky < ky1; ++ky, src += Index(d) * C) copy_small(src, C, dst + Index(ky) * C);
      }
      fill_small(dst + Index(ky1) * C, Index(kh_ - ky1) * C, zero);
    }
    fill_small(dst, ld - k, zero);
  }
}

Matrix Conv2d::patch_order_weights() const {
  Matrix reordered(weight_.rows(), weight_.cols());
  for (int ky = 0; ky < kh_; ++ky)
    for (int kx = 0; kx < kw_; ++kx)
      reordered.middleCols((Index(kx) * kh_ + ky) * in_, in_) = weight_.middleCols((Index(ky) * kw_ + kx) * in_, in_);
  return reordered;
}

void Conv2d::forward_bf16(const Activations& in, Activations& out) {
#ifdef OCR_SCALAR_DOUBLE
  (void)in;
  (void)out;
  throw Error("bfloat16 convolution in the double build");
#else
  if (!bf16_.packed()) bf16_.pack(patch_order_weights());
  const Bf16Panels& panels = bf16_.panels();
  // Every input value lands in kh·kw patches: round each once, here. A local buffer: one kept
  // per layer would add up to more than the activations themselves on a page.
  std::vector<bf16> in_bf16(size_t(in.data.size()));
  to_bf16(in.data.data(), in.data.size(), in_bf16.data());
  const Index k = weight_.cols(), ld = k + (k & 1);
  // Chunks sized like the float path's: the bf16 patches take half its bytes.
  const Index total = in.data.cols(), step = chunk_pixels();
  const bool threads = !omp_in_parallel() && thread_count() > 1 && total > step;
#pragma omp parallel if (threads)
  {
    std::vector<bf16> col;
#pragma omp for schedule(static)
    for (Index c0 = 0; c0 < total; c0 += step) {
      const Index len = std::min(step, total - c0);
      im2col_packed(in, in_bf16.data(), c0, c0 + len, ld, bf16(0), col);
      auto chunk = out.data.middleCols(c0, len);
      gemm_bf16(panels, col.data(), ld, chunk.data(), out.data.outerStride(), len);
      chunk.colwise() += bias_.col(0);
      if (fused_relu_) chunk = chunk.cwiseMax(Scalar(0));
    }
  }
  out.zero_padding();
#endif
}

void Conv2d::forward_int8(const Activations& in, Activations& out) {
#ifdef OCR_SCALAR_DOUBLE
  (void)in;
  (void)out;
  throw Error("int8 convolution in the double build");
#else
  if (!int8_.packed()) int8_.pack(patch_order_weights());
  const Int8Panels& panels = int8_.panels();
  // One scale and zero point for the whole map (its range, widened to hold 0: the padding),
  // each value quantised once, as in forward_bf16.
  float lo = in.range_lo, hi = in.range_hi;
  if (!in.range_known) value_range(in.data.data(), in.data.size(), &lo, &hi);
  const U8Quant q = u8_quant_for_range(lo, hi);
  if (in_ % 4 == 0) return forward_int8_padded(in, out, q);
  std::vector<std::uint8_t> in_u8(size_t(in.data.size()));
  quantize_u8(in.data.data(), in.data.size(), q, in_u8.data());
  const Index ld = 4 * panels.quads;
  // The u8 patches take a quarter of the float path's bytes: chunks four times as wide.
  const Index total = in.data.cols(), step = 4 * chunk_pixels();
  const bool threads = !omp_in_parallel() && thread_count() > 1 && total > step;
#pragma omp parallel if (threads)
  {
    std::vector<std::uint8_t> col;
#pragma omp for schedule(static)
    for (Index c0 = 0; c0 < total; c0 += step) {
      const Index len = std::min(step, total - c0);
      im2col_packed(in, in_u8.data(), c0, c0 + len, ld, std::uint8_t(q.zero), col);
      auto chunk = out.data.middleCols(c0, len);
      gemm_int8(panels, col.data(), ld, q, chunk.data(), out.data.outerStride(), len);
      chunk.colwise() += bias_.col(0);
      if (fused_relu_) chunk = chunk.cwiseMax(Scalar(0));
    }
  }
  out.zero_padding();
#endif
}

namespace {

// The rows of one output column of a one-channel convolution, channel fastest as the output
// stores them: each row's outputs are the bias plus, per tap, one input value times the tap's
// weight vector. The inputs come from zero-padded columns, so the loop has no bounds checks;
// with the channel count a constant (16 for the shipped recognizer, 8 for the detector) the
// sums stay in one vector register.
// acc += x·w, lane by lane, fused (one rounding each): spelled out because whether Eigen's
// `acc += x * w` becomes FMAs or a multiply and an add depends on the loop around it and on the
// CPU GCC tunes for, and the fused pooling path below must round exactly as this one (on Zen 4
// they differed in the last bit).
template <int kO>
inline void multiply_add(Scalar x, const Scalar* w, Scalar* acc) {
  for (int o = 0; o < kO; ++o) acc[o] = std::fma(x, w[o], acc[o]);
}

template <int kO>
void single_channel_rows(const std::vector<const Scalar*>& tap_in, const std::vector<const Scalar*>& tap_w, int H,
                         int O, const Scalar* bias, bool relu, Scalar* dst) {
  const size_t taps = tap_in.size();
  if constexpr (kO > 0) {
    // Eigen's fixed-size arrays: GCC unrolls a plain loop over kO into scalar FMAs.
    using Lane = Eigen::Array<Scalar, kO, 1>;
    const Lane b = Eigen::Map<const Lane>(bias);
    for (int y = 0; y < H; ++y, dst += kO) {
      Lane acc = b;
      for (size_t t = 0; t < taps; ++t) multiply_add<kO>(tap_in[t][y], tap_w[t], acc.data());
      if (relu) acc = acc.max(Scalar(0));
      Eigen::Map<Lane> out(dst);
      out = acc;
    }
  } else {
    for (int y = 0; y < H; ++y, dst += O) {
      std::copy_n(bias, O, dst);
      for (size_t t = 0; t < taps; ++t) {
        const Scalar v = tap_in[t][y];
        const Scalar* w = tap_w[t];
        for (int o = 0; o < O; ++o) dst[o] += v * w[o];
      }
      if (relu)
        for (int o = 0; o < O; ++o) dst[o] = std::max(dst[o], Scalar(0));
    }
  }
}

// A 3x3 convolution with its 2x2 max pooling, one output column: cols[j] is the input column
// 2·xo - 1 + j zero-padded by one row above and below (a zero column beyond the map). The four
// sums of a window are made as single_channel_rows makes them (the bias first, then the taps
// kernel column by kernel column), so the pooled value is bit for bit the unfused one; the nine
// weight vectors stay in registers, where the general loop reloads every tap's pointers per row
// (on the detector's 8 channels this was 18 % of its time).
template <int kO>
void pooled_3x3_column(const Scalar* const cols[4], int OH, const Scalar* weights, const Scalar* bias, bool relu,
                       Scalar* dst, Scalar& greatest) {
  using Lane = Eigen::Array<Scalar, kO, 1>;
  Lane w[9];
  for (int t = 0; t < 9; ++t) w[t] = Eigen::Map<const Lane>(weights + Index(t) * kO);
  const Lane b = Eigen::Map<const Lane>(bias);
  Lane most = Lane::Zero();
  // The window's sum at column offset dx, row offset dy.
  auto sum = [&](int yo, int dx, int dy) {
    Lane acc = b;
    for (int kx = 0; kx < 3; ++kx) {
      const Scalar* in = cols[dx + kx] + 2 * yo + dy;  // padded row 2·yo + dy + ky
      for (int ky = 0; ky < 3; ++ky) multiply_add<kO>(in[ky], w[ky * 3 + kx].data(), acc.data());
    }
    return acc;
  };
  for (int yo = 0; yo < OH; ++yo, dst += kO) {
    Lane pooled = sum(yo, 0, 0);
    pooled = pooled.max(sum(yo, 0, 1));
    pooled = pooled.max(sum(yo, 1, 0));
    pooled = pooled.max(sum(yo, 1, 1));
    if (relu) pooled = pooled.max(Scalar(0));
    most = most.max(pooled);
    Eigen::Map<Lane> out(dst);
    out = pooled;
  }
  // Lane by lane: Eigen's vector reduction of 16 doubles trips GCC 12's uninitialised-register
  // warning inside avx512fintrin.h.
  for (int o = 0; o < kO; ++o) greatest = std::max(greatest, most[o]);
}

}  // namespace

// Without im2col: the input is quantised once into columns padded with ph·d rows of zeros (the
// zero point) above and below, plus one column of zeros for taps left or right of the map. Output
// pixel y's taps of kernel column kx then sit at y·C bytes into that input column, for every y, so
// the GEMM reads its patch columns straight from there (gemm_int8_pieces), one piece per kernel
// column (its kh taps are adjacent without dilation) or per tap. The copies of im2col cost as
// much as the multiplications on the detector's maps.
void Conv2d::forward_int8_padded(const Activations& in, Activations& out, U8Quant q) {
#ifdef OCR_SCALAR_DOUBLE
  (void)in, (void)out, (void)q;
  throw Error("int8 convolution in the double build");
#else
  const int H = in.height, W = in.width, N = in.batch, C = in_, d = dilation_, O = out_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  const Index pad = Index(ph) * d, column_bytes = (H + 2 * pad) * C;
  const Index columns = Index(W) * N;
  std::vector<std::uint8_t> padded(size_t((columns + 1) * column_bytes), std::uint8_t(q.zero));
  const std::uint8_t* zeros = padded.data() + columns * column_bytes;
  const bool threads = !omp_in_parallel() && thread_count() > 1 && columns * H > 4096;
#pragma omp parallel for schedule(static) if (threads)
  for (Index col = 0; col < columns; ++col)
    quantize_u8(in.data.data() + col * H * C, Index(H) * C, q, padded.data() + col * column_bytes + pad * C);
  const Int8Panels& panels = int8_.panels();
  // Without dilation a kernel column's kh taps are adjacent: one piece each; else one per tap.
  const bool joined = d == 1;
  const int pieces = joined ? kw_ : kw_ * kh_;
  const Index piece_quads = (joined ? Index(kh_) * C : C) / 4;
  Scalar greatest = 0;  // of the ReLU's outputs, for the next convolution's quantisation
#pragma omp parallel if (threads)
  {
    Scalar mine = 0;
    std::vector<const std::uint8_t*> base(static_cast<size_t>(pieces));
    const std::vector<Index> quads(static_cast<size_t>(pieces), piece_quads);
#pragma omp for schedule(static)
    for (int x = 0; x < W; ++x)
      for (int n = 0; n < N; ++n) {
        if (!in.valid(x, n)) continue;  // zeroed below
        for (int kx = 0; kx < kw_; ++kx) {
          const int sx = x + (kx - pw) * d;
          const std::uint8_t* column =
              sx < 0 || sx >= W ? zeros : padded.data() + (Index(sx) * N + n) * column_bytes;
          // Output row y, tap ky reads input row y + (ky - ph)·d: padded row y + ky·d.
          if (joined) base[size_t(kx)] = column;
          else
            for (int ky = 0; ky < kh_; ++ky) base[size_t(kx * kh_ + ky)] = column + Index(ky) * d * C;
        }
        const Index first = in.column(x, n, 0);
        gemm_int8_pieces(panels, base.data(), quads.data(), pieces, C, q, out.data.data() + first * O, O, H);
        auto chunk = out.data.middleCols(first, H);
        chunk.colwise() += bias_.col(0);
        if (fused_relu_) {
          chunk = chunk.cwiseMax(Scalar(0));
          mine = std::max(mine, chunk.maxCoeff());
        }
      }
#pragma omp critical(conv_range)
    greatest = std::max(greatest, mine);
  }
  out.zero_padding();
  if (fused_relu_) out.set_range(0, float(greatest));
#endif
}

// With a fused pooling, a window's pool_w_ output columns go to a scratch and each window's
// maximum (as MaxPool takes it: the same values, so the same result) to the output.
void Conv2d::forward_single_channel(const Activations& in, Activations& out) const {
  const int H = in.height, W = in.width, N = in.batch, d = dilation_;
  const int ph = kh_ / 2, pw = kw_ / 2, O = out_;
  const int OH = out.height, OW = out.width;
  const bool pooled = fused_pool();
  const Scalar* image = in.data.data();  // one value per pixel, y fastest
  const Scalar* weights = weight_.data();  // O x (kh·kw), column-major: a tap's weights are adjacent
  // Where inference multiplies in bfloat16, round the operands as gemm_bf16 would: its products
  // of rounded values are exact in float, so both paths give the same sums up to their order.
  std::vector<Scalar> rounded_image;
  Matrix rounded_weights;
  if (bf16_.on()) {
    std::vector<bf16> image_bf16(size_t(in.data.size()));
    to_bf16(image, in.data.size(), image_bf16.data());
    rounded_image.resize(image_bf16.size());
    std::transform(image_bf16.begin(), image_bf16.end(), rounded_image.begin(),
                   [](bf16 v) { return Scalar(from_bf16(v)); });
    rounded_weights = weight_.unaryExpr([](Scalar v) { return Scalar(from_bf16(to_bf16(float(v)))); });
    image = rounded_image.data();
    weights = rounded_weights.data();
  }
  const auto rows = O == 16 ? single_channel_rows<16> : O == 8 ? single_channel_rows<8> : O == 32 ? single_channel_rows<32>
                                                                                                  : single_channel_rows<0>;
  const bool threads = !omp_in_parallel() && thread_count() > 1 && Index(W) * N * H > 4096;
  const int pad = ph * d, padded_height = H + 2 * pad;
  Scalar greatest = 0;  // of the ReLU's outputs, for the next convolution's quantisation
#pragma omp parallel if (threads)
  {
    Scalar mine = 0;
    // The kw input columns an output column reads, with ph·d zero rows above and below.
    std::vector<Scalar> columns(size_t(kw_) * size_t(padded_height), Scalar(0));
    std::vector<Scalar> window(pooled ? size_t(pool_w_) * size_t(H) * size_t(O) : 0);
    std::vector<const Scalar*> tap_in, tap_w;
    // Input column x's convolution, all H rows, into dst.
    auto convolve_column = [&](int x, int n, Scalar* dst) {
      tap_in.clear();
      tap_w.clear();
      for (int kx = 0; kx < kw_; ++kx) {
        const int sx = x + (kx - pw) * d;
        if (sx < 0 || sx >= W) continue;  // the padding: no contribution
        Scalar* column = columns.data() + size_t(kx) * size_t(padded_height);
        std::copy_n(image + in.column(sx, n, 0), H, column + pad);
        // Output row y reads input row y + (ky - ph)·d, padded row y + ky·d.
        for (int ky = 0; ky < kh_; ++ky) {
          tap_in.push_back(column + ky * d);
          tap_w.push_back(weights + (Index(ky) * kw_ + kx) * O);
        }
      }
      rows(tap_in, tap_w, H, O, bias_.data(), fused_relu_, dst);
    };
    using Pixel = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
    const auto pooled_3x3 = !(pooled && kh_ == 3 && kw_ == 3 && d == 1 && pool_h_ == 2 && pool_w_ == 2)
                                ? nullptr
                                : O == 8 ? pooled_3x3_column<8> : O == 16 ? pooled_3x3_column<16> : nullptr;
    const std::vector<Scalar> zero_column(pooled_3x3 ? size_t(padded_height) : 0, Scalar(0));
    if (pooled_3x3) columns.assign(size_t(4) * size_t(padded_height), Scalar(0));
#pragma omp for schedule(static)
    for (int xo = 0; xo < OW; ++xo)
      for (int n = 0; n < N; ++n) {
        if (!out.valid(xo, n)) continue;  // zeroed below
        Scalar* dst = out.data.data() + out.column(xo, n, 0) * O;
        if (pooled_3x3) {
          const Scalar* cols[4];
          for (int j = 0; j < 4; ++j) {
            const int sx = 2 * xo - 1 + j;
            if (sx < 0 || sx >= W) {
              cols[j] = zero_column.data();
              continue;
            }
            Scalar* column = columns.data() + size_t(j) * size_t(padded_height);
            std::copy_n(image + in.column(sx, n, 0), H, column + 1);
            cols[j] = column;
          }
          const Scalar before = mine;
          pooled_3x3(cols, OH, weights, bias_.data(), fused_relu_, dst, mine);
          if (!fused_relu_) mine = before;  // the range is only tracked after a ReLU
          continue;
        }
        if (!pooled) {
          convolve_column(xo, n, dst);
        } else {
          for (int j = 0; j < pool_w_; ++j) convolve_column(xo * pool_w_ + j, n, window.data() + size_t(j) * H * O);
          for (int yo = 0; yo < OH; ++yo) {
            Eigen::Map<Pixel> pixel(dst + Index(yo) * O, O);
            pixel = Eigen::Map<const Pixel>(window.data() + size_t(yo * pool_h_) * O, O);
            for (int j = 0; j < pool_w_; ++j)
              for (int ky = 0; ky < pool_h_; ++ky)
                pixel = pixel.max(Eigen::Map<const Pixel>(window.data() + (size_t(j) * H + size_t(yo * pool_h_ + ky)) * O, O));
          }
        }
        if (fused_relu_) mine = std::max(mine, Eigen::Map<const Vector>(dst, Index(OH) * O).maxCoeff());
      }
#pragma omp critical(conv_range)
    greatest = std::max(greatest, mine);
  }
  out.zero_padding();
  if (fused_relu_) out.set_range(0, float(greatest));
}

int Conv2d::output_height(int in_height) const {
  if (in_height < pool_h_)
    throw ShapeError("a convolution pooled " + std::to_string(pool_h_) + "x" + std::to_string(pool_w_) +
                     " needs input height >= " + std::to_string(pool_h_) + ", got " + std::to_string(in_height));
  return in_height / pool_h_;
}

void Conv2d::fuse_pool(int kh, int kw) {
  OCR_CHECK(in_ == 1 && kh >= 1 && kw >= 1, "only a one-channel convolution takes a pooling in");
  pool_h_ = kh;
  pool_w_ = kw;
}

void Conv2d::forward(const Activations& in, Activations& out, Mode mode) {
  output_channels(in.channels());
  OCR_CHECK(mode == Mode::Infer || !fused_relu_,
            "a convolution with a fused ReLU is for inference only");
  if (fused_pool()) {
    OCR_CHECK(mode == Mode::Infer && in_ == 1, "a convolution with a fused pooling is for one-channel inference only");
    std::vector<int> widths(in.widths.size());
    for (size_t n = 0; n < widths.size(); ++n) widths[n] = in.widths[n] / pool_w_;
    out.resize(out_, in.batch, output_height(in.height), in.width / pool_w_, widths);
    return forward_single_channel(in, out);
  }
  out.reshape_like(in, out_);
  if (mode == Mode::Infer && in_ == 1) return forward_single_channel(in, out);
  if (bf16_.active(mode)) {
    if (mode == Mode::Train) bf16_.invalidate();  // the optimizer has moved the weights
    return forward_bf16(in, out);
  }
  if (mode == Mode::Infer && int8_.on()) return forward_int8(in, out);
  // im2col + GEMM one cache-sized chunk of pixels at a time: the patch matrix of a whole batch
  // (hundreds of MB in training) would stream through memory twice; a chunk stays in L2.
  // Backward rebuilds the chunks it needs instead of keeping them.
  const Index total = in.data.cols(), step = chunk_pixels();
  const bool threads = !omp_in_parallel() && thread_count() > 1 && total > step;
#pragma omp parallel if (threads)
  {
    Matrix col;
#pragma omp for schedule(static)
    for (Index c0 = 0; c0 < total; c0 += step) {
      const Index len = std::min(step, total - c0);
      im2col(in, c0, c0 + len, col);
      auto chunk = out.data.middleCols(c0, len);
      gemm_wide(weight_, col, chunk);
      chunk.colwise() += bias_.col(0);
      if (fused_relu_) chunk = chunk.cwiseMax(Scalar(0));
    }
  }
  out.zero_padding();
}

void Conv2d::backward(const Activations& in, const Activations&, const Activations& dout,
                      Activations* din) {
  size_grad(weight_grad_, weight_);
  size_grad(bias_grad_, bias_);
  bias_grad_.col(0) += dout.data.rowwise().sum();
  const int H = in.height, W = in.width, N = in.batch, C = in_, d = dilation_;
  const int ph = kh_ / 2, pw = kw_ / 2;
  const bool bf16 = bf16_training_enabled();
  if (din) {
    din->reshape_like(in, C);
    din->data.setZero();
    weight_t_ = weight_.transpose();
    bf16_t_.invalidate();
  }
  const Index total = in.data.cols(), step = chunk_pixels();
  for (Index c0 = 0; c0 < total; c0 += step) {
    const Index len = std::min(step, total - c0);
    const auto dy = dout.data.middleCols(c0, len);
    im2col(in, c0, c0 + len, col_);
    if (bf16) gemm_nt_bf16(dy, col_, weight_grad_, true);
    else gemm_wide_nt(dy, col_, weight_grad_, true);
    if (!din) continue;
    // col2im: each output pixel's patch gradient goes back to the input pixels it read.
    dcol_.resize(weight_t_.rows(), len);
    if (bf16) bf16_t_.multiply(weight_t_, dy, dcol_);
    else gemm_wide(weight_t_, dy, dcol_);
    int y = int(c0 % H), n = int((c0 / H) % N), x = int(c0 / (Index(H) * N));  // as in im2col_packed
    for (Index c = c0; c < c0 + len; ++c, ++y) {
      if (y == H) {
        y = 0;
        if (++n == N) n = 0, ++x;
      }
      const Scalar* src = dcol_.data() + (c - c0) * dcol_.rows();
      for (int ky = 0; ky < kh_; ++ky) {
        const int sy = y + (ky - ph) * d;
        for (int kx = 0; kx < kw_; ++kx, src += C) {
          const int sx = x + (kx - pw) * d;
          if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
          Scalar* dst = din->data.data() + in.column(sx, n, sy) * C;
          for (int ch = 0; ch < C; ++ch) dst[ch] += src[ch];
        }
      }
    }
  }
  if (din) din->zero_padding();  // padding pixels were read as zeros: no gradient to them
}

void Conv2d::fold(const BatchNorm& bn) {
  // y = γ (Wx + b − μ) / σ + β  =  (γ/σ) W x + (γ/σ)(b − μ) + β
  Vector scale = bn.inference_scale();
  Vector shift = bn.inference_shift();
  weight_ = scale.asDiagonal() * weight_;
  bias_.col(0) = scale.cwiseProduct(bias_.col(0)) + shift;
  bf16_.invalidate();  // repack the folded weights
  int8_.invalidate();
}

}  // namespace ocr
