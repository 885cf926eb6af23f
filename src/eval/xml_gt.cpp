#include "ocr/eval/xml_gt.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>

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
bool parse_points(const std::string& s, std::vector<Point>& out) {
  std::vector<double> v;
  const char* p = s.c_str();
  while (*p) {
    if (*p == ',' || std::isspace(static_cast<unsigned char>(*p))) { ++p; continue; }
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    if (end == p) return false;
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
    bool ok = coords && parse_points(attr(coords, "points"), g.region);
    if (coords && !ok) {  // PAGE 2010: <Point x= y=/> children
      g.region.clear();
      for (const xmlNode* pt : children(coords, "Point")) {
        double x, y;
        if (parse_number(attr(pt, "x"), x) && parse_number(attr(pt, "y"), y)) g.region.push_back({x, y});
      }
      ok = g.region.size() >= 2;
    }
    if (!ok) {
      r.note("TextLine " + id + " has no usable Coords, skipped");
      continue;
    }
    out.push_back(std::move(g));
  }
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
    if (polygon && parse_points(attr(polygon, "POINTS"), g.region)) {
      out.push_back(std::move(g));
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
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

bool is_xml_gt(const std::string& path) {
  const std::string l = lower(fs::path(path).filename().string());
  return l.size() > 4 && l.compare(l.size() - 4, 4, ".xml") == 0;
}

std::vector<GtPair> read_xml_gt(const std::string& xml_path, std::vector<std::string>* problems) {
  const Reader r{xml_path, problems};
  // No network, no entity expansion from outside: a transcription is data, not a fetch request.
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> doc(
      xmlReadFile(xml_path.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
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
