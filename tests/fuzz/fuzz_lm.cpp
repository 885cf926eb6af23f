// The binary n-gram LM (OCRNGLM) past its checksum. The input is the header's fields (u32
// version, unit, order, vocabulary; u64 nodes) and then the payload; the payload size and its
// checksum are filled in here, so mutations reach the arrays. Then a few characters are scored.
#include <cstring>

#include "fuzz_common.h"
#include "ocr/ctc/ngram_lm.h"

namespace {

// The checksums of ngram_lm.cpp (version 1: FNV-1a; version 2: four lanes), copied: they are
// private there and must match byte for byte.
uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= 1099511628211ull;
  }
  return h;
}
uint64_t fnv1a_wide(const char* p, size_t n) {
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t lane[4] = {1469598103934665603ull, 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full,
                      0x165667b19e3779f9ull};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * k, 8);
      uint64_t h = (lane[k] ^ w) * kPrime;
      lane[k] = h ^ (h >> 29);
    }
  uint64_t h = fnv1a(p + i, n - i);
  for (uint64_t l : lane) {
    h ^= l;
    h *= kPrime;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kFields = 4 * 4 + 8;
  std::string file("OCRNGLM\x1a", 8);
  if (size < kFields) {
    file.append(reinterpret_cast<const char*>(data), size);
  } else {
    const char* payload = reinterpret_cast<const char*>(data) + kFields;
    const uint64_t n = size - kFields;
    uint32_t version;
    std::memcpy(&version, data, 4);
    const uint64_t sum = version == 1 ? fnv1a(payload, n) : fnv1a_wide(payload, n);
    file.append(reinterpret_cast<const char*>(data), kFields);
    file.append(reinterpret_cast<const char*>(&n), 8);
    file.append(reinterpret_cast<const char*>(&sum), 8);
    file.append(payload, n);
  }
  const std::string path = ocr::fuzz::put("m.lm", file);
  try {
    ocr::NgramLm lm = ocr::NgramLm::load(path);
    ocr::LmState s = lm.start();
    for (char32_t c : std::u32string(U"the cat, 12 \u00e9!")) lm.score(s, c);
    lm.score_end(s);
  } catch (const ocr::Error&) {
  }
  return 0;
}
