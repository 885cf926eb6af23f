#include "ocr/synth/text_source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr::synth {

std::u32string read_alphabet_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read alphabet file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.find('\n') != std::string::npos)
    throw FormatError(path + ": alphabet must be a single line");
  std::u32string chars;
  try {
    chars = utf8_decode(s);
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  }
  if (chars.empty()) throw FormatError(path + ": alphabet is empty");
  std::u32string sorted = chars;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw FormatError(path + ": alphabet lists a character twice");
  return chars;
}

std::u32string normalize_spaces(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    bool sp = c == U' ' || c == U'\n' || c == U'\r' || c == U'\u00a0';
    if (sp) {
      if (!out.empty() && out.back() != U' ') out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}

namespace {

bool is_letter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') ||
         (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}
bool is_vowel(char32_t c) { return std::u32string_view(U"aeiouyAEIOUYéèàäöüáíó").find(c) != std::u32string_view::npos; }

char32_t upper(char32_t c) {
  if (c >= U'a' && c <= U'z') return c - 32;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0x153) return 0x152;
  return c;
}

std::u32string to_upper(std::u32string s) {
  for (auto& c : s)
    if (c != 0xDF) c = upper(c);  // ß has no single-character capital in the alphabet
  return s;
}

std::u32string U(const std::string& s) { return utf8_decode(s); }

template <class T>
const T& pick(Rng& rng, const std::vector<T>& v) {
  return v[static_cast<size_t>(rng.integer(0, static_cast<int64_t>(v.size()) - 1))];
}

std::u32string num(Rng& rng, int64_t lo, int64_t hi) { return U(std::to_string(rng.integer(lo, hi))); }
std::u32string digits(Rng& rng, int n) {
  std::u32string s;
  for (int i = 0; i < n; ++i) s.push_back(U'0' + rng.integer(0, 9));
  return s;
}
std::u32string grouped(int64_t v, char32_t sep) {
  std::string d = std::to_string(v);
  std::u32string out;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) out.push_back(sep);
    out.push_back(d[i]);
  }
  return out;
}
std::u32string amount(Rng& rng, double max_log10 = 4) {
  double v = std::pow(10.0, rng.uniform(-0.5, max_log10));
  int64_t cents = static_cast<int64_t>(v * 100);
  std::u32string s = grouped(cents / 100, U',');
  s += U'.';
  s += U(std::to_string(100 + cents % 100).substr(1));
  return s;
}

const std::vector<std::string> kMonths = {"January", "February", "March", "April", "May", "June", "July",
                                          "August", "September", "October", "November", "December"};
const std::vector<std::string> kDays = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// Where a word may break with a hyphen: between a vowel and a following consonant, or inside a
// double consonant; both halves keep at least 2 and 3 letters.
std::vector<size_t> break_points(const std::u32string& w) {
  std::vector<size_t> out;
  size_t n = 0;
  while (n < w.size() && is_letter(w[n])) ++n;
  for (size_t k = 2; k + 3 <= n; ++k) {
    bool v1 = is_vowel(w[k - 1]), v2 = is_vowel(w[k]);
    if ((v1 && !v2) || (!v1 && !v2 && w[k - 1] == w[k])) out.push_back(k);
  }
  return out;
}

std::vector<std::u32string> split_words(const std::u32string& s) {
  std::vector<std::u32string> out;
  std::u32string cur;
  for (char32_t c : s) {
    if (c == U' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

TextSource::TextSource(const std::string& corpus_path, const std::u32string& alphabet)
    : path_(corpus_path) {
  allowed_.assign(0x2200, 0);
  for (char32_t c : alphabet)
    if (c < allowed_.size()) allowed_[c] = 1;
  int fd = ::open(corpus_path.c_str(), O_RDONLY);
  if (fd < 0) throw IoError("cannot open corpus " + corpus_path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < 2) {
    ::close(fd);
    throw IoError("corpus " + corpus_path + " is empty or unreadable");
  }
  size_ = static_cast<size_t>(st.st_size);
  void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) throw IoError("cannot map corpus " + corpus_path + ": " + std::strerror(errno));
  data_ = static_cast<const char*>(p);
}

TextSource::~TextSource() {
  if (data_) munmap(const_cast<char*>(data_), size_);
}

// Keeps alphabet characters only (others become spaces), collapses spaces.
std::u32string TextSource::clean(std::u32string s) const {
  for (auto& c : s) {
    if (c == U'\t' || c == 0x2010 || c == 0x2011 || c == 0x2212) c = c == U'\t' ? U' ' : U'-';
    if (!allowed(c)) c = U' ';
  }
  return normalize_spaces(s);
}

std::u32string TextSource::paragraph(Rng& rng) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    size_t at = static_cast<size_t>(rng.integer(0, static_cast<int64_t>(size_) - 1));
    // Paragraphs are chosen in proportion to their length, i.e. every corpus character alike.
    size_t b = at;
    while (b > 0 && data_[b - 1] != '\n') --b;
    size_t e = at;
    while (e < size_ && data_[e] != '\n') ++e;
    if (e - b > 200000) e = b + 200000;
    std::string_view raw(data_ + b, e - b);
    if (!utf8_valid(raw)) continue;
    std::u32string p = clean(utf8_decode(raw));
    if (p.size() >= 3) return p;
  }
  throw FormatError("corpus " + path_ + " yields no usable text (is it UTF-8 with alphabet characters?)");
}

int TextSource::sample_length(Rng& rng) {
  double u = rng.uniform();
  if (u < 0.11) return static_cast<int>(rng.integer(3, 26));     // fragments, paragraph ends
  if (u < 0.86) return std::clamp(static_cast<int>(std::lround(rng.normal(55, 8))), 26, 74);
  return static_cast<int>(rng.integer(60, 90));                  // wide columns, small print
}

std::u32string TextSource::corpus_line(Rng& rng, int target_len) {
  std::u32string p = paragraph(rng);
  std::vector<std::u32string> words = split_words(p);
  size_t start = 0;
  if (words.size() > 1 && rng.chance(0.6)) start = static_cast<size_t>(rng.integer(0, words.size() - 1));
  std::u32string out;
  // Sometimes begin with the tail of a word hyphenated on the previous line.
  if (start < words.size() && rng.chance(0.05)) {
    auto bp = break_points(words[start]);
    if (!bp.empty()) {
      out = words[start].substr(pick(rng, bp));
      ++start;
    }
  }
  for (size_t i = start;; ++i) {
    if (i >= words.size()) {
      // Most short paragraphs (dictionary entries, man page lines) do not end a printed line:
      // running text continues with the next one.
      if (out.size() >= 0.75 * target_len || !rng.chance(0.85)) break;
      words = split_words(paragraph(rng));
      i = 0;
      if (words.empty()) break;
    }
    const std::u32string& w = words[i];
    size_t need = out.size() + (out.empty() ? 0 : 1) + w.size();
    if (need <= static_cast<size_t>(target_len) || out.empty()) {
      if (!out.empty()) out.push_back(U' ');
      out += w.size() > 100 ? w.substr(0, 100) : w;
      continue;
    }
    // The word does not fit: hyphenate it at the last break that fits (about 15% of all lines).
    if (rng.chance(0.55)) {
      auto bp = break_points(w);
      size_t best = 0;
      if (out.size() + 1 < static_cast<size_t>(target_len)) {
        size_t room = target_len - out.size() - 1;
        for (size_t k : bp)
          if (k + 1 <= room + 2) best = k;
      }
      if (best) out += U' ' + w.substr(0, best) + U'-';
    }
    break;
  }
  return out;
}

std::u32string TextSource::word(Rng& rng) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    size_t at = static_cast<size_t>(rng.integer(0, static_cast<int64_t>(size_) - 1));
    while (at < size_ && data_[at] != ' ' && data_[at] != '\n') ++at;
    size_t b = ++at, e = b;
    while (e < size_ && e - b < 40 && data_[e] != ' ' && data_[e] != '\n') ++e;
    std::string_view raw(data_ + b, e - b);
    if (raw.size() < 3 || raw.size() > 12 || !utf8_valid(raw)) continue;
    std::u32string w = utf8_decode(raw);
    if (std::all_of(w.begin(), w.end(), [&](char32_t c) { return is_letter(c) && allowed(c); }))
      return w;
  }
  return U"text";
}

std::u32string TextSource::generated_line(Rng& rng) {
  auto cap = [&](std::u32string w) {
    w[0] = upper(w[0]);
    return w;
  };
  auto name = [&] { return cap(word(rng)); };
  auto initial = [&] { return std::u32string(1, U'A' + rng.integer(0, 25)) + U"."; };
  auto lower_word = [&] {
    auto w = word(rng);
    for (auto& c : w)
      if (c >= U'A' && c <= U'Z') c += 32;
    return w;
  };
  auto year = [&] { return num(rng, 1850, 2030); };
  std::u32string s;
  switch (rng.integer(0, 14)) {
    case 0: {  // postal address
      s = num(rng, 1, 9999) + U" " + name() + U" " +
          U(pick(rng, std::vector<std::string>{"Street", "St.", "Avenue", "Ave.", "Road", "Rd.", "Lane", "Drive", "Boulevard", "Place", "Court"}));
      if (rng.chance(0.3)) s += U", " + U(pick(rng, std::vector<std::string>{"Suite", "Apt.", "Room", "Floor"})) + U" " + num(rng, 1, 999);
      s += U", " + name() + U", ";
      if (rng.chance(0.6)) s += std::u32string{U'A' + char32_t(rng.integer(0, 25)), U'A' + char32_t(rng.integer(0, 25))} + U" " + digits(rng, 5);
      else s += digits(rng, 5) + U" " + name();
      break;
    }
    case 1: {  // phone and fax numbers
      std::vector<std::u32string> f = {
          U"(" + digits(rng, 3) + U") " + digits(rng, 3) + U"-" + digits(rng, 4),
          U"+" + num(rng, 1, 99) + U" " + digits(rng, 2) + U" " + digits(rng, 4) + U" " + digits(rng, 4),
          digits(rng, 3) + U"." + digits(rng, 3) + U"." + digits(rng, 4),
          U"0" + digits(rng, 1) + U"-" + digits(rng, 4) + U" " + digits(rng, 4)};
      s = U(pick(rng, std::vector<std::string>{"Tel.", "Phone:", "Fax:", "Tel:", "Telephone", "Mobile:", "Call"})) + U" " + pick(rng, f);
      if (rng.chance(0.4)) s += U", " + U(pick(rng, std::vector<std::string>{"ext.", "Fax", "or"})) + U" " + digits(rng, 3);
      break;
    }
    case 2: {  // dates and times
      int d = static_cast<int>(rng.integer(1, 28)), m = static_cast<int>(rng.integer(1, 12));
      auto two = [](int v) { return U(std::to_string(100 + v).substr(1)); };
      std::vector<std::u32string> f = {
          U(kMonths[m - 1]) + U" " + U(std::to_string(d)) + U", " + year(),
          U(std::to_string(d)) + U" " + U(kMonths[m - 1]) + U" " + year(),
          year() + U"-" + two(m) + U"-" + two(d),
          two(d) + U"/" + two(m) + U"/" + year(),
          U(kDays[rng.integer(0, 6)]) + U", " + U(kMonths[m - 1]) + U" " + U(std::to_string(d)),
          U(kMonths[m - 1].substr(0, 3)) + U". " + U(std::to_string(d)) + U", " + year() + U" at " +
              U(std::to_string(rng.integer(1, 12))) + U":" + two(static_cast<int>(rng.integer(0, 59))) +
              U(rng.chance(0.5) ? " a.m." : " p.m.")};
      s = pick(rng, f);
      if (rng.chance(0.5)) s = U(pick(rng, std::vector<std::string>{"Received", "Dated", "Accepted", "Revised", "Date:", "Published", "Due"})) + U" " + s;
      break;
    }
    case 3: {  // money
      std::vector<std::u32string> cur = {U"$", U"$", U"£", U"€", U"¥", U"USD ", U"EUR ", U"US$"};
      s = lower_word() + U" " + pick(rng, cur) + amount(rng, 6);
      if (rng.chance(0.5)) s += U" and " + pick(rng, cur) + amount(rng, 3);
      if (rng.chance(0.3)) s += U" (" + num(rng, 1, 99) + U"¢ each)";
      break;
    }
    case 4: {  // quantities with units
      std::vector<std::string> units = {"mm", "cm", "m", "km", "kg", "g", "mg", "ml", "l", "s", "ms", "Hz", "kHz", "MHz", "V", "mA", "W", "kW", "psi", "ft", "in.", "lb", "oz", "%", "°C", "°F", "dB", "K", "MB", "GB"};
      int n = static_cast<int>(rng.integer(1, 4));
      for (int i = 0; i < n; ++i) {
        if (i) s += U(pick(rng, std::vector<std::string>{", ", " and ", " to ", " × ", " ± ", " – "}));
        double v = std::pow(10.0, rng.uniform(-2, 4));
        std::string txt = std::to_string(v);
        txt = txt.substr(0, txt.find('.') + static_cast<size_t>(rng.integer(0, 3)));
        if (txt.back() == '.') txt.pop_back();
        s += U(txt) + (rng.chance(0.8) ? U" " : U"") + U(pick(rng, units));
      }
      if (rng.chance(0.5)) s = lower_word() + U" " + s;
      if (rng.chance(0.2)) s += U" (" + U(pick(rng, std::vector<std::string>{"½", "¼", "¾"})) + U" " + lower_word() + U")";
      break;
    }
    case 5: {  // bibliographic references, several styles
      std::u32string title = lower_word();
      title[0] = upper(title[0]);
      for (int i = 0, n = static_cast<int>(rng.integer(2, 6)); i < n; ++i) {
        title += U' ';
        title += lower_word();
      }
      std::u32string pages = num(rng, 1, 400);
      pages += U(rng.chance(0.5) ? "–" : "-") + num(rng, 401, 900);
      switch (rng.integer(0, 3)) {
        case 0: s = U"[" + num(rng, 1, 60) + U"] " + initial() + U" " + name() + U" and " + initial() + U" " + name() + U", “" + title + U",” " + name() + U" " + name() + U", vol. " + num(rng, 1, 80) + U", no. " + num(rng, 1, 12) + U", pp. " + pages + U", " + year() + U"."; break;
        case 1: s = name() + U", " + initial() + U" (" + year() + U"). " + title + U". " + name() + U", " + num(rng, 1, 80) + U"(" + num(rng, 1, 12) + U"), " + pages + U"."; break;
        case 2: s = U"(" + name() + U" et al., " + year() + U"; " + name() + U", " + year() + U")"; break;
        default: s = U(pick(rng, std::vector<std::string>{"See", "Cf.", "cf.", "see also"})) + U" " + U(pick(rng, std::vector<std::string>{"§", "Fig.", "Table", "Eq.", "Section", "p.", "pp.", "Chapter", "¶"})) + U" " + num(rng, 1, 40) + (rng.chance(0.5) ? U"." + num(rng, 1, 9) : U"") + U" and [" + num(rng, 1, 40) + U"]."; break;
      }
      break;
    }
    case 6: {  // e-mail
      std::vector<std::string> tld = {"com", "org", "edu", "net", "gov", "co.uk", "de", "fr", "io"};
      s = U(pick(rng, std::vector<std::string>{"E-mail: ", "Email: ", "mailto:", "Contact ", ""})) + lower_word() +
          (rng.chance(0.5) ? U"." + lower_word() : U"") + (rng.chance(0.3) ? num(rng, 1, 99) : U"") + U"@" +
          lower_word() + U"." + U(pick(rng, tld));
      break;
    }
    case 7: {  // URL
      std::vector<std::string> ext = {".html", ".htm", ".pdf", ".txt", "/", "", ".php?id=", ".tar.gz"};
      s = U(pick(rng, std::vector<std::string>{"http://", "https://", "https://www.", "ftp://ftp.", "www."})) + lower_word() + U"." +
          U(pick(rng, std::vector<std::string>{"com", "org", "edu", "net", "gov"}));
      for (int i = 0, n = static_cast<int>(rng.integer(0, 3)); i < n; ++i) {
        s += U'/';
        s += lower_word();
      }
      s += U(pick(rng, ext));
      if (s.back() == U'=') s += digits(rng, 4);
      break;
    }
    case 8: {  // code-like strings
      auto id = [&] { return lower_word() + (rng.chance(0.3) ? U"_" + lower_word() : U""); };
      std::vector<std::u32string> f = {
          U"int " + id() + U" = " + id() + U"(" + id() + U", " + num(rng, 0, 255) + U");",
          U"if (" + id() + U"[i] > " + num(rng, 0, 99) + U") { " + id() + U" += " + id() + U"[i]; }",
          U"$ " + lower_word() + U" -" + std::u32string(1, U'a' + rng.integer(0, 25)) + U" /usr/" + lower_word() + U"/" + lower_word(),
          id() + U" = {\"" + lower_word() + U"\": " + num(rng, 0, 999) + U", '" + lower_word() + U"': None}",
          U"#define " + to_upper(id()) + U" 0x" + U(pick(rng, std::vector<std::string>{"1F", "FF", "80", "3C", "7FFF"})),
          U"for (i = 0; i < " + id() + U"; i++) " + id() + U"->" + id() + U" = NULL;",
          id() + U"(" + id() + U", &" + id() + U") == -1 || " + id() + U" != 0",
          U"<" + lower_word() + U" " + lower_word() + U"=\"" + lower_word() + U"\">" + lower_word() + U"</" + lower_word() + U">",
          U"return " + id() + U" * " + num(rng, 2, 64) + U" % " + id() + U";"};
      s = pick(rng, f);
      break;
    }
    case 9: {  // number-heavy lines: table rows, statistics
      int n = static_cast<int>(rng.integer(2, 9));
      if (rng.chance(0.4)) s = name() + U" ";
      for (int i = 0; i < n; ++i) {
        if (i) s += U" ";
        switch (rng.integer(0, 4)) {
          case 0: s += num(rng, 0, 999); break;
          case 1: s += U(std::to_string(rng.integer(0, 99))) + U"." + digits(rng, static_cast<int>(rng.integer(1, 3))); break;
          case 2: s += grouped(rng.integer(1000, 99999999), U','); break;
          case 3: s += std::u32string(rng.chance(0.5) ? U"-" : U"") + U"0." + digits(rng, static_cast<int>(rng.integer(2, 4))); break;
          default: s += num(rng, 1, 100) + U"%"; break;
        }
      }
      break;
    }
    case 10: {  // page numbers, running heads
      std::vector<std::u32string> f = {num(rng, 1, 999), U"- " + num(rng, 1, 999) + U" -", U"Page " + num(rng, 1, 40) + U" of " + num(rng, 40, 99),
                                        U(pick(rng, std::vector<std::string>{"ii", "iv", "vii", "xii", "xiv", "xxi"})),
                                        num(rng, 1, 999) + U" " + to_upper(name() + U" " + name()),
                                        name() + U" " + name() + U" " + num(rng, 1, 999)};
      s = pick(rng, f);
      break;
    }
    case 11:  // all-caps line
      s = to_upper(corpus_line(rng, sample_length(rng)));
      break;
    case 12: {  // title-cased heading
      int n = static_cast<int>(rng.integer(1, 7));
      if (rng.chance(0.5)) s = num(rng, 1, 12) + U"." + (rng.chance(0.5) ? num(rng, 1, 9) + U" " : U" ");
      for (int i = 0; i < n; ++i) {
        if (i) s += U' ';
        s += rng.chance(0.8) ? name() : lower_word();
      }
      break;
    }
    case 13: {  // leaders and enumerations: tables of contents, indexes, math lists
      auto leader = [&] {
        int dots = static_cast<int>(rng.integer(3, 14));
        std::u32string l;
        bool spaced = rng.chance(0.5);
        for (int i = 0; i < dots; ++i) l += spaced && i ? U" ." : U".";
        return l;
      };
      switch (rng.integer(0, 2)) {
        case 0:
          s = (rng.chance(0.5) ? num(rng, 1, 20) + U". " : U"") + name() + U" " + lower_word() + U" " + leader() + U" " + num(rng, 1, 400);
          break;
        case 1: {
          std::u32string v = std::u32string(1, U'a' + rng.integer(0, 25));
          s = lower_word() + U" " + v + U" = 1,2, . . . ," + std::u32string(1, U'A' + rng.integer(0, 25)) + U" and " + name() + U", " + num(rng, 1, 99) + U", " + num(rng, 1, 99) + U"," + leader();
          break;
        }
        default:
          s = name() + U", " + num(rng, 1, 400) + U", " + num(rng, 1, 400) + U"; " + lower_word() + U", " + num(rng, 1, 400) + U"–" + num(rng, 1, 400);
          break;
      }
      break;
    }
    default: {  // symbols and typographic characters in prose
      std::vector<std::string> sym = {"©", "®", "§", "¶", "•", "…", "°", "±", "×", "€", "£", "¢", "¥", "½", "¼", "¾", "—", "–"};
      s = corpus_line(rng, static_cast<int>(rng.integer(20, 60)));
      auto words = split_words(s);
      if (!words.empty()) {
        size_t k = static_cast<size_t>(rng.integer(0, words.size() - 1));
        words.insert(words.begin() + k, U(pick(rng, sym)) + (rng.chance(0.5) ? num(rng, 1, 99) : U""));
        s.clear();
        for (size_t i = 0; i < words.size(); ++i) s += (i ? U" " : U"") + words[i];
      }
      break;
    }
  }
  return s;
}

// Accented letters by base letter: the corpus is English, so without help the network sees
// Western European accents too rarely to read them (eurotext lost every one).
static const std::vector<std::pair<char32_t, std::u32string>>& accent_table() {
  static const std::vector<std::pair<char32_t, std::u32string>> table = {
      {U'a', U"áàâäãå"}, {U'e', U"éèêë"}, {U'i', U"íìîï"}, {U'o', U"óòôöõø"}, {U'u', U"úùûü"},
      {U'c', U"ç"},      {U'n', U"ñ"},    {U'y', U"ýÿ"},   {U'A', U"ÁÀÂÄÃÅ"}, {U'E', U"ÉÈÊË"},
      {U'I', U"ÍÌÎÏ"},   {U'O', U"ÓÒÔÖÕØ"}, {U'U', U"ÚÙÛÜ"}, {U'C', U"Ç"},     {U'N', U"Ñ"}};
  return table;
}

std::u32string TextSource::accent_some_letters(std::u32string s, Rng& rng) const {
  int changes = static_cast<int>(rng.integer(1, 4));
  for (int tries = 0; tries < 40 && changes > 0; ++tries) {
    size_t at = static_cast<size_t>(rng.integer(0, static_cast<int64_t>(s.size()) - 1));
    for (const auto& [base, variants] : accent_table()) {
      if (s[at] != base) continue;
      char32_t v = variants[static_cast<size_t>(rng.integer(0, static_cast<int64_t>(variants.size()) - 1))];
      if (allowed(v)) s[at] = v, --changes;
      break;
    }
  }
  return s;
}

// Typography of printed text: curly quotes (English, or the German „…“ and French «…» styles
// where the alphabet has them) and em dashes for `--` in prose.
std::u32string TextSource::finish(std::u32string s, Rng& rng, bool typographic) {
  if (typographic) {
    char32_t open_double = U'“', close_double = U'”';
    double style = rng.uniform();
    if (style < 0.1 && allowed(U'„')) open_double = U'„', close_double = U'“';
    else if (style < 0.2 && allowed(U'«') && allowed(U'»')) open_double = U'«', close_double = U'»';
    std::u32string out;
    for (size_t i = 0; i < s.size(); ++i) {
      char32_t c = s[i];
      char32_t prev = i ? s[i - 1] : U' ';
      bool open = prev == U' ' || prev == U'(' || prev == U'[' || prev == U'{' || prev == U'“' || prev == U'‘';
      if (c == U'"') c = open ? open_double : close_double;
      else if (c == U'\'') c = open ? U'‘' : U'’';
      else if (c == U'-' && i + 1 < s.size() && s[i + 1] == U'-' && (i + 2 >= s.size() || s[i + 2] != U'-') &&
               !(prev == U' ' && i + 2 < s.size() && s[i + 2] != U' ') && prev != U'-') {
        c = U'—';
        ++i;
      }
      out.push_back(c);
    }
    s = out;
  }
  s = clean(s);
  // No printed line is longer than ~100 characters; cut long generated lines at a word end.
  if (s.size() > 100) {
    size_t cut = s.rfind(U' ', 100);
    s = normalize_spaces(s.substr(0, cut == std::u32string::npos || cut < 40 ? 100 : cut));
  }
  if (s.empty()) s = word(rng);
  return s;
}

std::u32string TextSource::print_line(Rng& rng) {
  double u = rng.uniform();
  std::u32string s;
  bool typographic = rng.chance(0.5);
  if (u < 0.78) s = corpus_line(rng, sample_length(rng));
  else s = generated_line(rng);
  if (!s.empty() && rng.chance(accent_rate_)) s = accent_some_letters(s, rng);
  return finish(s, rng, typographic);
}

std::u32string TextSource::form_field(Rng& rng) {
  auto two = [](int64_t v) { return U(std::to_string(100 + v).substr(1)); };
  auto cap = [&](std::u32string w) {
    if (!w.empty()) w[0] = upper(w[0]);
    return w;
  };
  std::u32string s;
  const double u = rng.uniform();
  if (u < 0.4) {  // a date, month first as US forms write it, the year in two digits mostly
    const int64_t m = rng.integer(1, 12), d = rng.integer(1, 31);
    const std::u32string sep = rng.chance(0.75) ? U"/" : rng.chance(0.6) ? U"-" : U".";
    const std::u32string year = rng.chance(0.75) ? two(rng.integer(0, 99)) : num(rng, 1950, 2030);
    const bool pad = rng.chance(0.3);
    s = (pad ? two(m) : U(std::to_string(m))) + sep + (pad ? two(d) : U(std::to_string(d))) + sep + year;
    if (rng.chance(0.15)) s = U(pick(rng, std::vector<std::string>{"Date", "Rec'd", "Sent", "Due", "DOB"})) + U" " + s;
  } else if (u < 0.6) {  // an amount, a count or a code
    switch (rng.integer(0, 4)) {
      case 0: s = U"$" + num(rng, 1, 99999) + (rng.chance(0.6) ? U"." + two(rng.integer(0, 99)) : U""); break;
      case 1: s = num(rng, 1, 999999); break;
      case 2: s = U"#" + num(rng, 1, 9999) + (rng.chance(0.5) ? U"/" + num(rng, 1, 999) : U""); break;
      case 3: s = num(rng, 1, 999) + U" " + U(pick(rng, std::vector<std::string>{"mm", "cm", "lbs", "pcs", "cases", "M", "%"})); break;
      default: s = digits(rng, int(rng.integer(3, 8))) + U"." + digits(rng, int(rng.integer(1, 3))); break;
    }
  } else if (u < 0.8) {  // initials, a name, a signature's block letters
    std::u32string initials;
    for (int64_t i = 0, n = rng.integer(1, 3); i < n; ++i)
      initials += std::u32string(1, char32_t(U'A' + rng.integer(0, 25))) + (rng.chance(0.7) ? U". " : U" ");
    s = rng.chance(0.3) ? initials : initials + cap(word(rng));
    if (rng.chance(0.3)) {
      for (auto& c : s) c = upper(c);
    }
  } else {  // a few words
    s = cap(word(rng));
    for (int64_t i = 1, n = rng.integer(1, 4); i < n; ++i) s += U" " + word(rng);
  }
  return clean(s);
}

std::u32string TextSource::receipt_line(Rng& rng) {
  auto item = [&] {
    std::u32string s = word(rng);
    for (int i = 0, n = static_cast<int>(rng.integer(0, 3)); i < n; ++i) s += U" " + word(rng);
    if (rng.chance(0.3)) s += U" " + num(rng, 1, 999) + U(pick(rng, std::vector<std::string>{"G", "ML", "KG", "PCS", "L", "S"}));
    return s;
  };
  // Separator rows (asterisks, dashes, equals signs) cross most receipts; a net that never saw
  // one labelled reads it as a confident row of letters. (Not underscores or tildes: they run
  // together into one rule whose count no reader could give.)
  if (rng.chance(0.04)) {
    const char32_t mark = U"*-=."[rng.integer(0, 3)];
    const bool spaced = rng.chance(0.25);
    std::u32string row;
    for (int i = 0, n = static_cast<int>(rng.integer(12, 44)); i < n; ++i) {
      if (spaced && i) row.push_back(U' ');
      row.push_back(mark);
    }
    return row;
  }
  // Prices as receipts print them, one style per line: bare, after a currency sign (a dollar
  // sign read as a 5 or an S, or a pound sign as an E, is the commonest slip on receipt photos),
  // or with a decimal comma, as European tills print them (read as a point otherwise).
  const int price_style = static_cast<int>(rng.integer(0, 19));
  auto price = [&](double max_log10) {
    std::u32string a = amount(rng, max_log10);
    if (price_style >= 15) {  // 1.234,56
      for (char32_t& c : a) c = c == U',' ? U'.' : c == U'.' ? U',' : c;
    }
    switch (price_style) {
      case 9: case 10: case 11: case 12: return U"$" + a;
      case 13: return U"£" + a;
      case 14: return U"-$" + a;
      case 15: return a + U" €";
      case 16: return U"€" + a;
      default: return a;
    }
  };
  // What follows a price on US tills: a tax flag or code.
  auto flag = [&] {
    return rng.chance(0.2) ? U" " + U(pick(rng, std::vector<std::string>{"T", "T1", "F", "N", "TX", "A", "B", "*"}))
                           : std::u32string();
  };
  std::u32string s;
  switch (rng.integer(0, 12)) {
    case 0: case 1: case 2: s = item() + U"\t" + price(2.5) + flag(); break;
    case 3: s = num(rng, 1, 12) + U(rng.chance(0.5) ? " X " : " @ ") + price(2) + U"\t" + price(2.5); break;
    case 12: {  // US and European till lines: totals with their currency, times, tenders
      auto two = [&](int lo, int hi) { return U(std::to_string(100 + rng.integer(lo, hi)).substr(1)); };
      std::vector<std::u32string> f = {
          U(pick(rng, std::vector<std::string>{"Subtotal", "SUBTOTAL", "Total", "TOTAL", "Tax", "TAX1", "Sales Tax", "Balance Due", "Change Due", "Amount", "MwSt 19%", "TVA 20%", "Summe", "Tip", "Gratuity"})) +
              U"\t" + price(3),
          num(rng, 1, 12) + U":" + two(0, 59) + (rng.chance(0.5) ? U" " : U"") + U(pick(rng, std::vector<std::string>{"AM", "PM", "am", "pm"})),
          U(pick(rng, std::vector<std::string>{"VISA", "MASTERCARD", "AMEX", "DEBIT", "Cash", "CASH TEND"})) + U" " +
              U(rng.chance(0.5) ? "XXXXXXXXXXXX" : "************") + digits(rng, 4) + U"\t" + price(3),
          U(pick(rng, std::vector<std::string>{"Server:", "Table", "Guests:", "Check #", "Order #", "Trans #", "Store #", "Reg"})) + U" " +
              num(rng, 1, 9999)};
      s = pick(rng, f);
      break;
    }
    case 4: s = U(pick(rng, std::vector<std::string>{"TOTAL", "SUBTOTAL", "SUB TOTAL", "CASH", "CHANGE", "ROUNDING ADJ", "TOTAL INCL. GST", "NET TOTAL", "DISCOUNT", "GST 6%", "SERVICE TAX", "TOTAL (RM)", "AMOUNT DUE", "VISA", "BALANCE"})) + U(rng.chance(0.3) ? " :" : "") + U"\t" + U(rng.chance(0.3) ? "RM" : "") + amount(rng, 3); break;
    case 5: {
      auto two = [&](int lo, int hi) { return U(std::to_string(100 + rng.integer(lo, hi)).substr(1)); };
      s = U(pick(rng, std::vector<std::string>{"DATE:", "DATE", "Date:", ""})) + U" " + two(1, 28) + U"/" + two(1, 12) + U"/" + num(rng, 2010, 2024) + U" " + U(rng.chance(0.5) ? "TIME: " : "") + two(0, 23) + U":" + two(0, 59) + (rng.chance(0.3) ? U":" + two(0, 59) : U"");
      break;
    }
    case 6: s = U(pick(rng, std::vector<std::string>{"TEL:", "TEL :", "TEL NO:", "FAX:", "PHONE"})) + U" 0" + digits(rng, 1) + U"-" + digits(rng, 4) + U" " + digits(rng, 4); break;
    case 7: s = U(pick(rng, std::vector<std::string>{"GST ID:", "GST REG NO:", "INVOICE NO:", "RECEIPT #", "BILL NO:", "CASHIER:", "TABLE", "ORDER #", "DOC NO.:", "CO. REG. NO:"})) + U" " + U(rng.chance(0.5) ? "CS" : "") + digits(rng, static_cast<int>(rng.integer(3, 12))); break;
    case 8: s = item() + U" " + U(pick(rng, std::vector<std::string>{"SDN BHD", "SDN. BHD.", "ENTERPRISE", "TRADING", "LTD", "INC.", "(M) SDN BHD", "RESTAURANT", "MART"})) + (rng.chance(0.3) ? U" (" + digits(rng, 6) + U"-" + std::u32string(1, U'A' + rng.integer(0, 25)) + U")" : U""); break;
    case 9: s = U"NO. " + num(rng, 1, 200) + U", " + U(pick(rng, std::vector<std::string>{"JALAN", "JLN", "LORONG", "TAMAN", "STREET", "ROAD"})) + U" " + word(rng) + U" " + num(rng, 1, 30) + U", " + digits(rng, 5) + U" " + word(rng); break;
    case 10: s = U(pick(rng, std::vector<std::string>{"THANK YOU", "THANK YOU. PLEASE COME AGAIN.", "GOODS SOLD ARE NOT RETURNABLE", "*** COPY ***", "TAX INVOICE", "CASH BILL", "SIMPLIFIED TAX INVOICE", "PLEASE KEEP THIS RECEIPT", "QTY\tPRICE\tAMOUNT", "ITEM\tQTY\tTOTAL"})); break;
    default: s = item() + U" " + num(rng, 1, 99) + U"\t" + price(2) + U"\t" + price(2.5) + (rng.chance(0.4) ? U" SR" : flag()); break;
  }
  if (rng.chance(0.8)) s = to_upper(s);
  // Clean each column separately so the tab gaps survive.
  std::u32string out, cur;
  s.push_back(U'\t');
  for (char32_t c : s) {
    if (c != U'\t') {
      cur.push_back(c);
      continue;
    }
    std::u32string part = clean(cur);
    cur.clear();
    if (part.empty()) continue;
    if (!out.empty()) out.push_back(U'\t');
    out += part;
  }
  if (out.empty()) out = U"TOTAL";
  return out;
}

}  // namespace ocr::synth
