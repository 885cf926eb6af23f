#include "ocr/eval/xml_gt.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "ocr/core/error.h"
#include "ocr/core/file.h"
#include "ocr/core/utf8.h"

namespace fs = std::filesystem;

namespace ocr {

namespace {

using Point = std::array<double, 2>;

const char* const kPageImageExts[] = {".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bin.png", ".nrm.png"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Elements are matched by local name, so any namespace prefix (pc:, alto:) and schema version work.
bool named(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::string attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string content(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

const xmlNode* child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (named(c, name)) return c;
  return nullptr;
}

std::vector<const xmlNode*> children(const xmlNode* n, const char* name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (named(c, name)) out.push_back(c);
  return out;
}

// Every descendant element with this name, in document order.
void descendants(const xmlNode* n, const char* name, std::vector<const xmlNode*>& out) {
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (named(c, name)) out.push_back(c);
    else descendants(c, name, out);  // lines do not nest
  }
}

// Transcriptions are one line: inner line breaks and runs of white space become one space.
std::string one_line(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "x,y x,y ..." (PAGE 2013+) or "x y x y ..." / "x,y,x,y" (ALTO Polygon): numbers in pairs.
// Stops (false) past kXmlMaxOutlinePoints, so a hostile outline costs no more than that.
bool parse_points(const std::string& s, std::vector<Point>& out, bool* too_many = nullptr) {
  std::vector<double> v;
  const char* p = s.c_str();
  while (*p) {
    if (*p == ',' || std::isspace(static_cast<unsigned char>(*p))) { ++p; continue; }
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    if (end == p) return false;
    if (v.size() >= 2 * size_t(kXmlMaxOutlinePoints)) {
      if (too_many) *too_many = true;
      return false;
    }
    v.push_back(x);
    p = end;
  }
  if (v.size() < 4 || v.size() % 2) return false;
  for (size_t i = 0; i < v.size(); i += 2) out.push_back({v[i], v[i + 1]});
  return true;
}

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// The image a transcription belongs to: as named (relative to the XML), else beside the XML with
// its stem (x.xml, x.page.xml → x.png, ...).
std::string find_page_image(const fs::path& xml, const std::string& named_file) {
  std::error_code ec;
  if (!named_file.empty()) {
    fs::path p(named_file);
    if (p.is_relative()) {
      const fs::path beside = xml.parent_path() / p;
      if (fs::is_regular_file(beside, ec)) return beside.string();
      // Exports often keep folders apart (page/x.xml, images/x.png) but name the bare file.
      const fs::path by_name = xml.parent_path() / p.filename();
      if (fs::is_regular_file(by_name, ec)) return by_name.string();
    } else if (fs::is_regular_file(p, ec)) {
      return p.string();
    }
  }
  std::string stem = xml.filename().string();
  stem = stem.substr(0, stem.find('.'));
  for (const char* ext : kPageImageExts) {
    const fs::path cand = xml.parent_path() / (stem + ext);
    if (fs::is_regular_file(cand, ec)) return cand.string();
  }
  return "";
}

struct Reader {
  std::string path;
  std::vector<std::string>* problems;
  void note(const std::string& msg) const {
    if (problems) problems->push_back(path + ": " + msg);
  }
};

// Why an outline cannot be used (empty if it can): too many points, or coordinates no page has.
std::string outline_problem(const std::vector<Point>& region) {
  if (region.size() > size_t(kXmlMaxOutlinePoints))
    return "outline has " + std::to_string(region.size()) + " points (limit " + std::to_string(kXmlMaxOutlinePoints) + ")";
  for (const auto& [x, y] : region)
    if (!(std::abs(x) <= kXmlMaxCoordinate && std::abs(y) <= kXmlMaxCoordinate))
      return "outline coordinate beyond " + std::to_string(int64_t(kXmlMaxCoordinate)) + " (limit)";
  return "";
}

// The work of cutting the lines out is their boxes' area; lines that overlap many times over
// (each spanning the page) would cut the page again and again. Refuses (with a note) a file whose
// boxes add up to more than kXmlMaxOverlap times the box around them all, or that has more than
// kXmlMaxLines lines or kXmlMaxTotalPoints points.
bool work_bounded(const Reader& r, const std::vector<GtPair>& lines) {
  if (lines.size() > size_t(kXmlMaxLines)) {
    r.note(std::to_string(lines.size()) + " text lines (limit " + std::to_string(kXmlMaxLines) + "), file refused");
    return false;
  }
  double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300, sum = 0;
  size_t points = 0;
  for (const GtPair& g : lines) {
    double a0 = 1e300, b0 = 1e300, a1 = -1e300, b1 = -1e300;
    for (const auto& [x, y] : g.region) a0 = std::min(a0, x), a1 = std::max(a1, x), b0 = std::min(b0, y), b1 = std::max(b1, y);
    // +1: a box is at least a pixel each way, as the crop is.
    sum += (a1 - a0 + 1) * (b1 - b0 + 1);
    x0 = std::min(x0, a0), x1 = std::max(x1, a1), y0 = std::min(y0, b0), y1 = std::max(y1, b1);
    points += g.region.size();
  }
  if (points > size_t(kXmlMaxTotalPoints)) {
    r.note(std::to_string(points) + " outline points in all (limit " + std::to_string(kXmlMaxTotalPoints) +
           "), file refused");
    return false;
  }
  if (!lines.empty() && sum > kXmlMaxOverlap * (x1 - x0 + 1) * (y1 - y0 + 1)) {
    r.note("the text lines' boxes cover their page " + std::to_string(int64_t(sum / ((x1 - x0 + 1) * (y1 - y0 + 1)))) +
           " times over (limit " + std::to_string(int(kXmlMaxOverlap)) + "), file refused");
    return false;
  }
  return true;
}

// Counts the attributes of each start tag in the raw text, so a tag with thousands of them (the
// parser checks duplicates pairwise) is refused before parsing. Comments, CDATA, processing
// instructions and quoted values are skipped; false with *count set if a tag has too many.
bool attributes_bounded(const std::string& xml, size_t* count) {
  const size_t n = xml.size();
  size_t i = 0;
  while ((i = xml.find('<', i)) != std::string::npos) {
    if (xml.compare(i, 4, "<!--") == 0) {
      i = xml.find("-->", i + 4);
    } else if (xml.compare(i, 9, "<![CDATA[") == 0) {
      i = xml.find("]]>", i + 9);
    } else if (xml.compare(i, 2, "<?") == 0) {
      i = xml.find("?>", i + 2);
    } else {
      size_t k = 0;
      char quote = 0;
      for (++i; i < n; ++i) {
        const char c = xml[i];
        if (quote) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '=') {
          if (++k > size_t(kXmlMaxAttributes)) {
            *count = k;
            return false;
          }
        } else if (c == '>' || c == '<') {
          break;
        }
      }
    }
    if (i == std::string::npos) break;
  }
  return true;
}

// A text line's pair without its outline: false (and a note) if it has no usable text.
bool begin_line(const Reader& r, const xmlNode* line, int number, const char* id_attr, const std::string& image,
                std::string text, GtPair& g) {
  std::string id = attr(line, id_attr);
  if (id.empty()) id = "line" + std::to_string(number);
  if (text.empty()) {
    r.note("TextLine " + id + " has no text, skipped");
    return false;
  }
  if (!utf8_valid(text)) {
    r.note("TextLine " + id + ": text is not valid UTF-8, skipped");
    return false;
  }
  g = GtPair{image, r.path, std::move(text)};
  g.line_id = id;
  return true;
}

// PAGE: a TextLine's own TextEquiv (the lowest index when several), else its Words' joined.
std::string page_text(const xmlNode* line) {
  const xmlNode* best = nullptr;
  long best_index = 0;
  for (const xmlNode* te : children(line, "TextEquiv")) {
    const std::string idx = attr(te, "index");
    const long i = idx.empty() ? 0 : std::strtol(idx.c_str(), nullptr, 10);
    if (!best || i < best_index) best = te, best_index = i;
  }
  if (best) {
    if (const xmlNode* u = child(best, "Unicode")) return one_line(content(u));
    return "";
  }
  std::string joined;
  for (const xmlNode* w : children(line, "Word")) {
    const xmlNode* te = child(w, "TextEquiv");
    const std::string t = te ? one_line(content(child(te, "Unicode"))) : "";
    if (t.empty()) continue;
    if (!joined.empty()) joined += ' ';
    joined += t;
  }
  return joined;
}

std::vector<GtPair> read_page(const Reader& r, const xmlNode* root) {
  const xmlNode* page = child(root, "Page");
  if (!page) {
    r.note("PAGE file without a Page element");
    return {};
  }
  const std::string image = find_page_image(r.path, attr(page, "imageFilename"));
  if (image.empty()) {
    r.note("page image '" + attr(page, "imageFilename") + "' not found (nor an image with the XML's stem beside it)");
    return {};
  }
  std::vector<const xmlNode*> lines;
  descendants(page, "TextLine", lines);
  std::vector<GtPair> out;
  int number = 0;
  for (const xmlNode* line : lines) {
    GtPair g;
    if (!begin_line(r, line, ++number, "id", image, page_text(line), g)) continue;
    const std::string& id = g.line_id;
    const xmlNode* coords = child(line, "Coords");
    bool too_many = false;
    bool ok = coords && parse_points(attr(coords, "points"), g.region, &too_many);
    if (coords && !ok && !too_many) {  // PAGE 2010: <Point x= y=/> children
      g.region.clear();
      for (const xmlNode* pt = coords->children; pt && g.region.size() <= size_t(kXmlMaxOutlinePoints); pt = pt->next) {
        double x, y;
        if (named(pt, "Point") && parse_number(attr(pt, "x"), x) && parse_number(attr(pt, "y"), y))
          g.region.push_back({x, y});
      }
      ok = g.region.size() >= 2;
    }
    if (too_many) {
      r.note("TextLine " + id + ": outline has over " + std::to_string(kXmlMaxOutlinePoints) + " points (limit), skipped");
      continue;
    }
    if (!ok) {
      r.note("TextLine " + id + " has no usable Coords, skipped");
      continue;
    }
    if (const std::string why = outline_problem(g.region); !why.empty()) {
      r.note("TextLine " + id + ": " + why + ", skipped");
      continue;
    }
    out.push_back(std::move(g));
  }
  if (!work_bounded(r, out)) return {};
  return out;
}

// ALTO: String CONTENT in order, SP as a space (a space is also assumed between Strings without
// one), HYP's CONTENT (the hyphen) appended.
std::string alto_text(const xmlNode* line) {
  std::string t;
  bool need_space = false;
  for (const xmlNode* c = line->children; c; c = c->next) {
    if (named(c, "String")) {
      if (need_space && !t.empty()) t += ' ';
      t += one_line(attr(c, "CONTENT"));
      need_space = true;
    } else if (named(c, "SP")) {
      if (!t.empty()) t += ' ';
      need_space = false;
    } else if (named(c, "HYP")) {
      const std::string h = attr(c, "CONTENT");
      t += h.empty() ? "-" : h;
      need_space = false;
    }
  }
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return one_line(t);
}

std::vector<GtPair> read_alto(const Reader& r, const xmlNode* root) {
  const xmlNode* desc = child(root, "Description");
  double units_per_inch = 0;
  const std::string unit = desc ? one_line(content(child(desc, "MeasurementUnit"))) : "";
  if (unit == "mm10") units_per_inch = 254;
  else if (unit == "inch1200") units_per_inch = 1200;
  else if (!unit.empty() && unit != "pixel") {
    r.note("unknown MeasurementUnit '" + unit + "' (pixel, mm10 or inch1200)");
    return {};
  }
  std::string file_name;
  if (const xmlNode* src = child(desc, "sourceImageInformation")) file_name = one_line(content(child(src, "fileName")));
  const std::string image = find_page_image(r.path, file_name);
  if (image.empty()) {
    r.note("page image '" + file_name + "' not found (nor an image with the XML's stem beside it)");
    return {};
  }
  const xmlNode* layout = child(root, "Layout");
  if (!layout) {
    r.note("ALTO file without a Layout element");
    return {};
  }
  std::vector<const xmlNode*> lines;
  descendants(layout, "TextLine", lines);
  std::vector<GtPair> out;
  int number = 0;
  for (const xmlNode* line : lines) {
    GtPair g;
    if (!begin_line(r, line, ++number, "ID", image, alto_text(line), g)) continue;
    const std::string& id = g.line_id;
    g.units_per_inch = units_per_inch;
    const xmlNode* shape = child(line, "Shape");
    const xmlNode* polygon = child(shape, "Polygon");
    bool too_many = false;
    if (polygon && parse_points(attr(polygon, "POINTS"), g.region, &too_many)) {
      if (const std::string why = outline_problem(g.region); !why.empty()) {
        r.note("TextLine " + id + ": " + why + ", skipped");
        continue;
      }
      out.push_back(std::move(g));
      continue;
    }
    if (too_many) {
      r.note("TextLine " + id + ": outline has over " + std::to_string(kXmlMaxOutlinePoints) + " points (limit), skipped");
      continue;
    }
    g.region.clear();
    double x, y, w, h;
    if (!parse_number(attr(line, "HPOS"), x) || !parse_number(attr(line, "VPOS"), y) ||
        !parse_number(attr(line, "WIDTH"), w) || !parse_number(attr(line, "HEIGHT"), h) || w <= 0 || h <= 0) {
      r.note("TextLine " + id + " has no usable HPOS/VPOS/WIDTH/HEIGHT, skipped");
      continue;
    }
    g.region = {{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}};
    if (const std::string why = outline_problem(g.region); !why.empty()) {
      r.note("TextLine " + id + ": " + why + ", skipped");
      continue;
    }
    out.push_back(std::move(g));
  }
  if (!work_bounded(r, out)) return {};
  return out;
}

}  // namespace

bool is_xml_gt(const std::string& path) {
  const std::string l = lower(fs::path(path).filename().string());
  return l.size() > 4 && l.compare(l.size() - 4, 4, ".xml") == 0;
}

std::vector<GtPair> read_xml_gt(const std::string& xml_path, std::vector<std::string>* problems) {
  const Reader r{xml_path, problems};
  std::string text;
  try {
    text = read_file(xml_path, kXmlMaxBytes);
  } catch (const Error& e) {  // "PATH: why": the note adds the path again
    const std::string why = e.what();
    r.note(why.substr(std::min(xml_path.size() + 2, why.size())) +
           (dynamic_cast<const FormatError*>(&e) ? " (limit for a PAGE/ALTO file)" : ""));
    return {};
  }
  if (size_t k = 0; !attributes_bounded(text, &k)) {
    r.note("an element has over " + std::to_string(kXmlMaxAttributes) + " attributes (limit), file refused");
    return {};
  }
  // No network, no entity expansion from outside: a transcription is data, not a fetch request.
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(
      xmlReadMemory(text.data(), int(text.size()), xml_path.c_str(), nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeDoc);
  if (!doc) {
    const xmlError* e = xmlGetLastError();
    std::string why = e && e->message ? one_line(e->message) : "cannot read";
    if (e && e->line > 0) why = "line " + std::to_string(e->line) + ": " + why;
    r.note("not well-formed XML (" + why + ")");
    return {};
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (named(root, "PcGts")) return read_page(r, root);
  if (named(root, "alto")) return read_alto(r, root);
  r.note(std::string("neither PAGE (PcGts) nor ALTO (alto) but <") +
         (root ? reinterpret_cast<const char*>(root->name) : "") + ">");
  return {};
}

}  // namespace ocr
