// A small reader of PDF objects, enough to walk the page tree to each page's image XObjects: the
// resolution of a scanned page is its image's pixels over the page's size, and poppler's C++
// binding does not show images. It indexes objects by scanning for "N G obj" (as poppler does to
// repair a damaged xref) and reads Flate object streams, so it needs no xref table. It is fed
// outside data: recursion is capped, work is budgeted, any surprise gives up on that page.
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ocr/image/pdf.h"

namespace ocr {

namespace {

struct Obj {
  enum Kind { Null, Bool, Num, Name, String, Array, Dict, Ref, Keyword } kind = Null;
  double num = 0;
  std::string str;  // name without '/', keyword
  int ref = 0;
  std::vector<Obj> items;                         // array
  std::vector<std::pair<std::string, Obj>> dict;  // dict
  const Obj* get(const char* key) const {
    for (const auto& [k, v] : dict)
      if (k == key) return &v;
    return nullptr;
  }
  bool is_name(const char* n) const { return kind == Name && str == n; }
};

constexpr int kMaxDepth = 32;

bool is_space(uint8_t c) { return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }
bool is_delim(uint8_t c) { return std::strchr("()<>[]{}/%", c) != nullptr && c != 0; }
bool is_regular(uint8_t c) { return !is_space(c) && !is_delim(c); }

class Parser {
 public:
  Parser(const uint8_t* data, size_t size, size_t pos) : d_(data), n_(size), p_(pos) {}
  size_t pos() const { return p_; }

  void skip_space() {
    while (p_ < n_) {
      if (is_space(d_[p_])) {
        ++p_;
      } else if (d_[p_] == '%') {
        while (p_ < n_ && d_[p_] != '\n' && d_[p_] != '\r') ++p_;
      } else {
        break;
      }
    }
  }

  // One object; a Keyword (endobj, stream, R out of place...) or Null at the end.
  Obj parse(int depth = 0) {
    Obj o;
    skip_space();
    if (p_ >= n_) return o;
    if (depth > kMaxDepth) {  // as damaged: the containers above give up
      o.kind = Obj::Keyword;
      return o;
    }
    const uint8_t c = d_[p_];
    if (c == '/') {
      ++p_;
      o.kind = Obj::Name;
      while (p_ < n_ && is_regular(d_[p_])) o.str += static_cast<char>(d_[p_++]);
    } else if (c == '(') {
      o.kind = Obj::String;
      int nest = 0;
      for (; p_ < n_; ++p_) {
        if (d_[p_] == '\\') { ++p_; continue; }
        if (d_[p_] == '(') ++nest;
        if (d_[p_] == ')' && --nest == 0) { ++p_; break; }
      }
    } else if (c == '<' && p_ + 1 < n_ && d_[p_ + 1] == '<') {
      p_ += 2;
      o.kind = Obj::Dict;
      for (;;) {
        skip_space();
        if (p_ + 1 < n_ && d_[p_] == '>' && d_[p_ + 1] == '>') { p_ += 2; break; }
        Obj key = parse(depth + 1);
        if (key.kind != Obj::Name) return Obj();  // damaged: give up on this object
        Obj value = parse(depth + 1);
        if (value.kind == Obj::Keyword) return Obj();
        o.dict.emplace_back(std::move(key.str), std::move(value));
      }
    } else if (c == '<') {
      o.kind = Obj::String;
      while (p_ < n_ && d_[p_] != '>') ++p_;
      ++p_;
    } else if (c == '[') {
      ++p_;
      o.kind = Obj::Array;
      for (;;) {
        skip_space();
        if (p_ >= n_) return Obj();
        if (d_[p_] == ']') { ++p_; break; }
        Obj item = parse(depth + 1);
        if (item.kind == Obj::Keyword || (item.kind == Obj::Null && p_ >= n_)) return Obj();
        o.items.push_back(std::move(item));
      }
    } else if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) {
      size_t start = p_;
      while (p_ < n_ && (d_[p_] == '+' || d_[p_] == '-' || d_[p_] == '.' || (d_[p_] >= '0' && d_[p_] <= '9'))) ++p_;
      o.kind = Obj::Num;
      o.num = std::strtod(std::string(reinterpret_cast<const char*>(d_ + start), p_ - start).c_str(), nullptr);
      // "N G R": a reference.
      size_t save = p_;
      skip_space();
      size_t g = p_;
      while (p_ < n_ && d_[p_] >= '0' && d_[p_] <= '9') ++p_;
      if (p_ > g) {
        skip_space();
        if (p_ < n_ && d_[p_] == 'R' && (p_ + 1 >= n_ || !is_regular(d_[p_ + 1])) && o.num >= 0 && o.num < 1e8) {
          ++p_;
          o.kind = Obj::Ref;
          o.ref = static_cast<int>(o.num);
          return o;
        }
      }
      p_ = save;
    } else if (is_regular(c)) {
      while (p_ < n_ && is_regular(d_[p_])) o.str += static_cast<char>(d_[p_++]);
      if (o.str == "true" || o.str == "false") o.kind = Obj::Bool;
      else if (o.str == "null") o.kind = Obj::Null;
      else o.kind = Obj::Keyword;
    } else {
      ++p_;  // a stray ')' '>' '}' '{'
      o.kind = Obj::Keyword;
    }
    return o;
  }

 private:
  const uint8_t* d_;
  size_t n_, p_;
};

// Where an object's text is: in the file, or in a decoded object stream.
struct Loc {
  int buffer = -1;  // -1: the file
  size_t offset = 0;
};

class ObjectIndex {
 public:
  explicit ObjectIndex(const std::vector<uint8_t>& b) : b_(b) { scan(); }

  // The object a reference points at (objects that are not references come back as they are).
  Obj resolve(const Obj& o, int hops = 0) {
    if (o.kind != Obj::Ref) return o;
    auto it = index_.find(o.ref);
    if (it == index_.end() || hops > 8 || !spend(1)) return Obj();
    Obj r = parse_at(it->second);
    return r.kind == Obj::Ref ? resolve(r, hops + 1) : r;
  }
  const Obj& root() const { return root_; }
  bool out_of_budget() const { return budget_ <= 0; }

 private:
  bool spend(int64_t n) { return (budget_ -= n) > 0; }

  Obj parse_at(const Loc& l) {
    const std::string* buf = l.buffer >= 0 ? &buffers_[size_t(l.buffer)] : nullptr;
    const uint8_t* d = buf ? reinterpret_cast<const uint8_t*>(buf->data()) : b_.data();
    const size_t n = buf ? buf->size() : b_.size();
    Parser p(d, n, l.offset);
    Obj o = p.parse();
    spend(static_cast<int64_t>(p.pos() - l.offset) / 64);
    return o;
  }

  // Walks the file for "N G obj", skipping stream data; object streams are opened as found, so a
  // later definition (an incremental update) wins as it does for poppler.
  void scan() {
    const uint8_t* d = b_.data();
    const size_t n = b_.size();
    size_t p = 0;
    size_t trailer_at = 0;
    while (p + 3 < n && spend(1)) {
      const void* hit = memmem(d + p, n - p, "obj", 3);
      if (!hit) break;
      size_t at = static_cast<const uint8_t*>(hit) - d;
      p = at + 3;
      if (p < n && is_regular(d[p])) continue;  // "objstm" and the like
      // Back over "<num> <gen> ".
      size_t q = at;
      auto back_digits = [&](size_t& k) {
        size_t end = k;
        while (k > 0 && d[k - 1] >= '0' && d[k - 1] <= '9') --k;
        return k < end;
      };
      auto back_space = [&](size_t& k) {
        size_t end = k;
        while (k > 0 && is_space(d[k - 1])) --k;
        return k < end;
      };
      if (!back_space(q) || !back_digits(q)) continue;
      if (!back_space(q)) continue;
      size_t num_end = q;
      if (!back_digits(q) || num_end - q > 8 || (q > 0 && is_regular(d[q - 1]))) continue;
      const int num = std::atoi(std::string(reinterpret_cast<const char*>(d + q), num_end - q).c_str());
      index_[num] = Loc{-1, p};
      Parser parser(d, n, p);
      Obj o = parser.parse();
      Obj kw = parser.parse();
      if (o.kind == Obj::Dict && o.get("Root") && o.get("Type") && o.get("Type")->is_name("XRef")) {
        root_ = *o.get("Root");
        trailer_at = p;
      }
      if (kw.kind == Obj::Keyword && kw.str == "stream") {
        size_t start = parser.pos();
        if (start < n && d[start] == '\r') ++start;
        if (start < n && d[start] == '\n') ++start;
        const void* e = memmem(d + start, n - start, "endstream", 9);
        size_t end = e ? static_cast<const uint8_t*>(e) - d : n;
        if (o.kind == Obj::Dict && o.get("Type") && o.get("Type")->is_name("ObjStm"))
          read_object_stream(o, start, end);
        p = end;
      } else {
        p = std::max(p, parser.pos());
      }
    }
    // A classic trailer after the last cross-reference stream names the root instead.
    for (size_t k = n; k-- > std::max<size_t>(trailer_at, 7) ;) {
      if (std::memcmp(d + k - 7, "trailer", 7) != 0) continue;
      Parser parser(d, n, k);
      Obj t = parser.parse();
      if (t.kind == Obj::Dict && t.get("Root")) {
        root_ = *t.get("Root");
        break;
      }
    }
  }

  void read_object_stream(const Obj& dict, size_t start, size_t end) {
    const Obj* filter = dict.get("Filter");
    if (filter && filter->kind == Obj::Array && filter->items.size() == 1) filter = &filter->items[0];
    if (!filter || !filter->is_name("FlateDecode") || dict.get("DecodeParms")) return;
    const Obj* count = dict.get("N");
    const Obj* first = dict.get("First");
    if (!count || !first || count->kind != Obj::Num || first->kind != Obj::Num) return;
    if (!(count->num >= 0 && count->num <= 1e6) || !(first->num >= 0)) return;
    std::string out;
    if (!inflate(b_.data() + start, end - start, out)) return;
    if (first->num > out.size()) return;
    buffers_.push_back(std::move(out));
    const int buffer = static_cast<int>(buffers_.size() - 1);
    const std::string& s = buffers_.back();
    Parser header(reinterpret_cast<const uint8_t*>(s.data()), static_cast<size_t>(first->num), 0);
    for (int k = 0; k < static_cast<int>(count->num); ++k) {
      Obj num = header.parse(), off = header.parse();
      if (num.kind != Obj::Num || off.kind != Obj::Num || !(num.num >= 0 && num.num < 1e8) || !(off.num >= 0) ||
          first->num + off.num >= s.size())
        break;
      index_[static_cast<int>(num.num)] = Loc{buffer, static_cast<size_t>(first->num + off.num)};
    }
  }

  // zlib with a cap: a small stream may claim gigabytes.
  bool inflate(const uint8_t* data, size_t size, std::string& out) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return false;
    z.next_in = const_cast<Bytef*>(data);
    z.avail_in = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    char chunk[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      rc = ::inflate(&z, Z_NO_FLUSH);
      out.append(chunk, sizeof chunk - z.avail_out);
      if (out.size() > (32u << 20) || !spend(static_cast<int64_t>(sizeof chunk / 256))) rc = Z_DATA_ERROR;
      if (rc == Z_OK && z.avail_out != 0 && z.avail_in == 0) break;  // a stream cut short
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END || (rc == Z_OK && !out.empty());
  }

  const std::vector<uint8_t>& b_;
  std::map<int, Loc> index_;
  std::vector<std::string> buffers_;
  Obj root_;
  int64_t budget_ = 50'000'000;  // parse steps: a hostile file is given up on, not followed
};

void walk_pages(ObjectIndex& idx, const Obj& node_ref, const Obj& inherited, int depth, std::set<int>& seen,
                std::vector<cv::Size>& out) {
  if (depth > 64 || out.size() > 1'000'000 || idx.out_of_budget()) return;
  if (node_ref.kind == Obj::Ref && !seen.insert(node_ref.ref).second) return;
  Obj node = idx.resolve(node_ref);
  if (node.kind != Obj::Dict) return;
  Obj resources = inherited;
  if (const Obj* r = node.get("Resources")) resources = idx.resolve(*r);
  const Obj* kids = node.get("Kids");
  const Obj* type = node.get("Type");
  if (kids && !(type && type->is_name("Page"))) {
    Obj list = idx.resolve(*kids);
    for (const Obj& kid : list.items) walk_pages(idx, kid, resources, depth + 1, seen, out);
    return;
  }
  cv::Size size(0, 0);
  if (resources.kind == Obj::Dict) {
    if (const Obj* x = resources.get("XObject")) {
      Obj xobjects = idx.resolve(*x);
      if (xobjects.dict.size() == 1) {
        Obj image = idx.resolve(xobjects.dict[0].second);
        const Obj* subtype = image.get("Subtype");
        const Obj* w = image.get("Width");
        const Obj* h = image.get("Height");
        if (subtype && subtype->is_name("Image") && w && h) {
          Obj wv = idx.resolve(*w), hv = idx.resolve(*h);
          if (wv.kind == Obj::Num && hv.kind == Obj::Num && wv.num >= 1 && hv.num >= 1 && wv.num < 1e6 &&
              hv.num < 1e6)
            size = cv::Size(static_cast<int>(wv.num), static_cast<int>(hv.num));
        }
      }
    }
  }
  out.push_back(size);
}

}  // namespace

std::vector<cv::Size> pdf_page_image_sizes(const std::vector<uint8_t>& bytes) {
  ObjectIndex idx(bytes);
  Obj catalog = idx.resolve(idx.root());
  if (catalog.kind != Obj::Dict || !catalog.get("Pages")) return {};
  std::vector<cv::Size> out;
  std::set<int> seen;
  walk_pages(idx, *catalog.get("Pages"), Obj(), 0, seen, out);
  if (idx.out_of_budget()) return {};
  return out;
}

}  // namespace ocr
