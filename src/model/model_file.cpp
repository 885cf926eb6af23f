#include "ocr/model/model_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "ocr/core/error.h"
#include "ocr/core/file.h"

namespace ocr {

namespace {

constexpr char kMagic[8] = {'O', 'C', 'R', 'M', '\r', '\n', 0x1a, '\n'};
// Caps on sizes read from a file, checked before allocating.
constexpr uint64_t kMaxFileBytes = 1ull << 30;
constexpr uint32_t kMaxStringBytes = 16u << 20;
constexpr uint32_t kMaxEntries = 100000;
constexpr uint64_t kMaxTensorElements = 64ull << 20;

class Reader {
 public:
  Reader(const std::string& path, std::string_view buf, size_t pos, size_t end)
      : path_(path), buf_(buf), pos_(pos), end_(end) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError(path_ + ": " + why + " (at byte " + std::to_string(pos_) + ")");
  }
  void need(uint64_t n) const {
    if (n > end_ - pos_) fail("unexpected end of data");
  }
  uint32_t u32() {
    need(4);
    uint32_t v;
    std::memcpy(&v, buf_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    if (n > kMaxStringBytes) fail("string of " + std::to_string(n) + " bytes exceeds the limit");
    need(n);
    std::string s(buf_.data() + pos_, n);
    pos_ += n;
    return s;
  }
  void floats(float* out, uint64_t n) {
    need(n * 4);
    if (n == 0) return;  // out may be null (an empty tensor): memcpy must not see it
    std::memcpy(out, buf_.data() + pos_, n * 4);
    pos_ += n * 4;
  }
  bool done() const { return pos_ == end_; }

 private:
  const std::string& path_;
  std::string_view buf_;
  size_t pos_, end_;
};

void put_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put_str(std::string& out, const std::string& s) {
  put_u32(out, uint32_t(s.size()));
  out += s;
}

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  // Slicing by 8: eight table lookups per 8 bytes instead of a dependent chain per byte, so the
  // check of a model and its LM (9 MB) no longer adds ~20 ms to every start.
  static uint32_t table[8][256];
  static bool ready = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int t = 1; t < 8; ++t) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
    return true;
  }();
  (void)ready;
  crc = ~crc;
  const auto* p = static_cast<const unsigned char*>(data);
  for (; size >= 8; size -= 8, p += 8) {
    const uint32_t lo = crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
    crc = table[7][lo & 0xFF] ^ table[6][(lo >> 8) & 0xFF] ^ table[5][(lo >> 16) & 0xFF] ^ table[4][lo >> 24] ^
          table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
  }
  for (; size > 0; --size) crc = table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

const std::string* ModelFileContents::find(const std::string& key) const {
  for (const auto& kv : metadata)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

ModelFileContents read_model_file(const std::string& path) {
  const MappedFile file(path, kMaxFileBytes);
  const std::string_view buf = file.bytes();
  if (buf.size() < 8 || std::memcmp(buf.data(), kMagic, 8) != 0)
    throw FormatError(path + ": not an ocr model file (bad magic)");
  Reader header(path, buf, 8, buf.size());
  uint32_t version = header.u32();
  if (version > kModelFormatVersion)
    throw FormatError(path + ": model format version " + std::to_string(version) +
                      " is newer than this ocr reads (" + std::to_string(kModelFormatVersion) +
                      "): upgrade ocr");
  if (version == 0) throw FormatError(path + ": invalid model format version 0");
  uint32_t lo = header.u32(), hi = header.u32();
  uint64_t payload = (uint64_t(hi) << 32) | lo;
  const size_t start = 20;
  if (buf.size() < start + 4 || payload > buf.size() - start - 4)
    throw FormatError(path + ": truncated model file (" + std::to_string(buf.size()) +
                      " bytes, header promises " + std::to_string(payload + start + 4) + ")");
  if (payload + start + 4 != buf.size())
    throw FormatError(path + ": model file has trailing data after the checksum");
  uint32_t stored_crc;
  std::memcpy(&stored_crc, buf.data() + start + payload, 4);
  if (crc32(buf.data() + start, payload) != stored_crc)
    throw FormatError(path + ": checksum mismatch, the model file is corrupted");

  Reader r(path, buf, start, start + payload);
  ModelFileContents out;
  uint32_t n_meta = r.u32();
  if (n_meta > kMaxEntries) r.fail("too many metadata entries");
  for (uint32_t i = 0; i < n_meta; ++i) {
    std::string k = r.str();
    std::string v = r.str();
    out.metadata.emplace_back(std::move(k), std::move(v));
  }
  uint32_t n_tensors = r.u32();
  if (n_tensors > kMaxEntries) r.fail("too many tensors");
  for (uint32_t i = 0; i < n_tensors; ++i) {
    StoredTensor t;
    t.name = r.str();
    uint32_t rows = r.u32(), cols = r.u32();
    if (uint64_t(rows) * cols > kMaxTensorElements)
      r.fail("tensor '" + t.name + "' of " + std::to_string(rows) + "x" + std::to_string(cols) +
             " exceeds the size limit");
    t.rows = int(rows);
    t.cols = int(cols);
    r.need(uint64_t(rows) * cols * 4);
    t.values.resize(size_t(rows) * cols);
    r.floats(t.values.data(), t.values.size());
    out.tensors.push_back(std::move(t));
  }
  if (!r.done()) r.fail("unexpected data after the last tensor");
  return out;
}

void write_model_file(const std::string& path, const ModelFileContents& c) {
  std::string payload;
  put_u32(payload, uint32_t(c.metadata.size()));
  for (const auto& kv : c.metadata) {
    put_str(payload, kv.first);
    put_str(payload, kv.second);
  }
  put_u32(payload, uint32_t(c.tensors.size()));
  for (const auto& t : c.tensors) {
    put_str(payload, t.name);
    put_u32(payload, uint32_t(t.rows));
    put_u32(payload, uint32_t(t.cols));
    payload.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * 4);
  }
  std::string file(kMagic, 8);
  put_u32(file, kModelFormatVersion);
  put_u32(file, uint32_t(payload.size() & 0xFFFFFFFFu));
  put_u32(file, uint32_t(uint64_t(payload.size()) >> 32));
  file += payload;
  put_u32(file, crc32(payload.data(), payload.size()));

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(path + ": cannot write model (" + std::strerror(errno) + ")");
    out.write(file.data(), std::streamsize(file.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw IoError(path + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw IoError(path + ": cannot rename temporary file (" + std::strerror(errno) + ")");
  }
}

}  // namespace ocr
