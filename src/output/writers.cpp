#include "ocr/output/writers.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "ocr/core/error.h"
#include "ocr/core/utf8.h"

namespace ocr {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Shortest plain decimal for a probability-like value (no exponent, no trailing zeros).
std::string num(double v, int decimals = 4) {
  if (!std::isfinite(v)) v = 0;
  std::string s = fmt(("%." + std::to_string(decimals) + "f").c_str(), v);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

double clamp01(double v) { return std::isfinite(v) ? std::min(1.0, std::max(0.0, v)) : 0.0; }

int pct(double conf) { return static_cast<int>(std::lround(100 * clamp01(conf))); }

std::string now_iso(const WriterInfo& info) {
  if (!info.created.empty()) return info.created;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::string bbox(const Box& b) {
  return std::to_string(b.x0) + " " + std::to_string(b.y0) + " " + std::to_string(b.x1) + " " +
         std::to_string(b.y1);
}

std::string points(const Box& b) {
  auto p = [](int x, int y) { return std::to_string(x) + "," + std::to_string(y); };
  return p(b.x0, b.y0) + " " + p(b.x1, b.y0) + " " + p(b.x1, b.y1) + " " + p(b.x0, b.y1);
}

// Baseline y at x, from hOCR's slope/offset relative to the bottom-left of the line box.
int baseline_y(const LineResult& l, int x) {
  return static_cast<int>(std::lround(l.box.y1 + l.baseline_offset + l.baseline_slope * (x - l.box.x0)));
}

bool has_words(const LineResult& l) { return !l.words.empty(); }

std::string json_box(const Box& b) {
  return "[" + std::to_string(b.x0) + "," + std::to_string(b.y0) + "," + std::to_string(b.x1) +
         "," + std::to_string(b.y1) + "]";
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 at all.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') o += "\xEF\xBF\xBD";
        else o += static_cast<char>(c);
    }
  }
  return o;
}

std::string json_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      case '\b': o += "\\b"; break;
      case '\f': o += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o;
}

std::vector<OutputFormat> parse_formats(const std::string& list) {
  std::vector<OutputFormat> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    // Tesseract-style configs may be given with spaces or '+'.
    std::string f;
    for (char c : item)
      if (c != ' ') f += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (f.empty()) continue;
    OutputFormat v;
    if (f == "txt" || f == "text") v = OutputFormat::Txt;
    else if (f == "json") v = OutputFormat::Json;
    else if (f == "hocr") v = OutputFormat::Hocr;
    else if (f == "tsv") v = OutputFormat::Tsv;
    else if (f == "alto" || f == "xml") v = OutputFormat::Alto;
    else if (f == "page" || f == "pagexml") v = OutputFormat::Page;
    else if (f == "pdf") v = OutputFormat::Pdf;
    else if (f == "jsonl" || f == "ndjson") v = OutputFormat::Jsonl;
    else
      throw FormatError("unknown output format '" + item +
                        "' (expected txt, json, jsonl, hocr, tsv, alto, page or pdf)");
    bool dup = false;
    for (auto o : out) dup |= o == v;
    if (!dup) out.push_back(v);
  }
  if (out.empty()) throw FormatError("no output format given");
  return out;
}

const char* format_name(OutputFormat f) {
  switch (f) {
    case OutputFormat::Txt: return "txt";
    case OutputFormat::Json: return "json";
    case OutputFormat::Hocr: return "hocr";
    case OutputFormat::Tsv: return "tsv";
    case OutputFormat::Alto: return "alto";
    case OutputFormat::Page: return "page";
    case OutputFormat::Pdf: return "pdf";
    case OutputFormat::Jsonl: return "jsonl";
  }
  return "?";
}

const char* format_extension(OutputFormat f) {
  switch (f) {
    case OutputFormat::Txt: return ".txt";
    case OutputFormat::Json: return ".json";
    case OutputFormat::Hocr: return ".hocr";
    case OutputFormat::Tsv: return ".tsv";
    case OutputFormat::Alto: return ".xml";
    case OutputFormat::Page: return ".page.xml";
    case OutputFormat::Pdf: return ".pdf";
    case OutputFormat::Jsonl: return ".jsonl";
  }
  return "";
}

std::string write_txt(const std::vector<PageResult>& pages) {
  std::string out;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (i > 0) out += '\f';  // Tesseract separates pages with a form feed
    out += pages[i].text();
  }
  return out;
}

std::string write_json(const std::vector<PageResult>& pages, const WriterInfo& info) {
  std::string o = "{\"software\":\"" + json_escape(info.software + " " + info.version) + "\"";
  // Pages read with models chosen by their scene list those, and the document the ones used.
  std::vector<std::string> models;
  for (const auto& p : pages)
    for (const auto& m : p.models)
      if (std::find(models.begin(), models.end(), m) == models.end()) models.push_back(m);
  if (models.empty()) models = info.models;
  auto model_list = [](const std::vector<std::string>& list) {
    std::string l = "[";
    for (size_t i = 0; i < list.size(); ++i) l += (i ? ",\"" : "\"") + json_escape(list[i]) + "\"";
    return l + "]";
  };
  if (!models.empty()) o += ",\"models\":" + model_list(models);
  o += ",\"pages\":[";
  for (size_t pi = 0; pi < pages.size(); ++pi) {
    const auto& p = pages[pi];
    if (pi) o += ',';
    o += "\n{\"source\":\"" + json_escape(p.source) + "\",\"page\":" +
         std::to_string(p.page_index + 1) + ",\"width\":" + std::to_string(p.width) +
         ",\"height\":" + std::to_string(p.height) + ",\"dpi\":" + num(p.dpi, 1) +
         ",\"skew_angle\":" + num(p.skew_degrees, 3) + ",\"inverted\":" +
         (p.inverted ? "true" : "false") + ",\"orientation\":" + std::to_string(p.orientation) + ",\"layout\":\"" + json_escape(p.layout) + "\"" +
         (p.scene.empty() ? std::string() : ",\"scene\":\"" + json_escape(p.scene) + "\"") +
         (p.models.empty() ? std::string() : ",\"models\":" + model_list(p.models)) + ",\"text\":\"" + json_escape(p.text()) + "\"" +
         (p.empty_reason.empty() ? std::string() : ",\"empty_reason\":\"" + json_escape(p.empty_reason) + "\"") + ",\"blocks\":[";
    for (size_t bi = 0; bi < p.blocks.size(); ++bi) {
      const auto& b = p.blocks[bi];
      if (bi) o += ',';
      o += "\n {\"bbox\":" + json_box(b.box) + ",\"lines\":[";
      bool first_line = true;
      for (size_t par = 0; par < b.paragraphs.size(); ++par)
        for (const auto& l : b.paragraphs[par].lines) {
          if (!first_line) o += ',';
          first_line = false;
          o += "\n  {\"text\":\"" + json_escape(l.text) + "\",\"bbox\":" + json_box(l.box) +
               ",\"confidence\":" + num(clamp01(l.confidence)) + ",\"paragraph\":" +
               std::to_string(par + 1) + ",\"baseline\":{\"slope\":" + num(l.baseline_slope, 5) +
               ",\"offset\":" + num(l.baseline_offset, 2) + "},\"angle\":" +
               num(l.angle_degrees, 3) + ",\"words\":[";
          for (size_t wi = 0; wi < l.words.size(); ++wi) {
            const auto& w = l.words[wi];
            if (wi) o += ',';
            o += "{\"text\":\"" + json_escape(w.text) + "\",\"bbox\":" + json_box(w.box) +
                 ",\"confidence\":" + num(clamp01(w.confidence)) + ",\"chars\":[";
            for (size_t ci = 0; ci < w.chars.size(); ++ci) {
              const auto& c = w.chars[ci];
              if (ci) o += ',';
              o += "{\"text\":\"" + json_escape(c.text) + "\",\"bbox\":" + json_box(c.box) +
                   ",\"confidence\":" + num(clamp01(c.confidence)) + "}";
            }
            o += "]}";
          }
          o += "]}";
        }
      o += "]}";
    }
    o += "]}";
  }
  o += "]}\n";
  return o;
}

std::string jsonl_page_record(const PageResult& p, bool multi_page) {
  // Mean over words, as Tesseract's mean text confidence: one number a filter can threshold.
  double sum = 0;
  int words = 0;
  for (const auto& b : p.blocks)
    for (const auto& par : b.paragraphs)
      for (const auto& l : par.lines)
        for (const auto& w : l.words) {
          sum += clamp01(w.confidence);
          ++words;
        }
  std::string o = "{\"path\":\"" + json_escape(p.source) + "\"";
  if (multi_page) o += ",\"page\":" + std::to_string(p.page_index + 1);
  o += ",\"status\":\"ok\",\"text\":\"" + json_escape(p.text()) + "\",\"confidence\":" +
       (words ? num(sum / words) : std::string("null"));
  if (!p.empty_reason.empty()) o += ",\"empty_reason\":\"" + json_escape(p.empty_reason) + "\"";
  return o + "}\n";
}

std::string jsonl_error_record(const std::string& path, const std::string& message) {
  return "{\"path\":\"" + json_escape(path) + "\",\"status\":\"error\",\"error\":\"" +
         json_escape(message) + "\"}\n";
}

std::string write_jsonl(const std::vector<PageResult>& pages) {
  // A page is one of several when its file gave more than one (pages of a file are adjacent).
  std::string o;
  for (size_t i = 0; i < pages.size(); ++i) {
    const bool multi = (i > 0 && pages[i - 1].source == pages[i].source) ||
                       (i + 1 < pages.size() && pages[i + 1].source == pages[i].source) ||
                       pages[i].page_index > 0;
    o += jsonl_page_record(pages[i], multi);
  }
  return o;
}

std::string write_hocr(const std::vector<PageResult>& pages, const WriterInfo& info) {
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
      "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
      " <head>\n"
      "  <title></title>\n"
      "  <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
      "  <meta name=\"ocr-system\" content=\"" + xml_escape(info.software + " " + info.version) +
      "\"/>\n"
      "  <meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_par ocr_line ocrx_word "
      "ocrp_wconf\"/>\n"
      " </head>\n"
      " <body>\n";
  for (size_t pi = 0; pi < pages.size(); ++pi) {
    const auto& p = pages[pi];
    int pn = static_cast<int>(pi) + 1;
    std::string ps = std::to_string(pn);
    int res = static_cast<int>(std::lround(p.dpi > 0 ? p.dpi : 0));
    o += "  <div class=\"ocr_page\" id=\"page_" + ps + "\" title=\"" +
         xml_escape("image \"" + p.source + "\"; bbox 0 0 " + std::to_string(p.width) + " " +
                    std::to_string(p.height) + "; ppageno " + std::to_string(pi) +
                    (res > 0 ? "; scan_res " + std::to_string(res) + " " + std::to_string(res)
                             : std::string())) +
         "\">\n";
    int nb = 0, np = 0, nl = 0, nw = 0;
    for (const auto& b : p.blocks) {
      o += "   <div class=\"ocr_carea\" id=\"block_" + ps + "_" + std::to_string(++nb) +
           "\" title=\"bbox " + bbox(b.box) + "\">\n";
      for (const auto& par : b.paragraphs) {
        o += "    <p class=\"ocr_par\" id=\"par_" + ps + "_" + std::to_string(++np) +
             "\" title=\"bbox " + bbox(par.box) + "\">\n";
        for (const auto& l : par.lines) {
          if (!has_words(l)) continue;
          o += "     <span class=\"ocr_line\" id=\"line_" + ps + "_" + std::to_string(++nl) +
               "\" title=\"bbox " + bbox(l.box) + "; baseline " + num(l.baseline_slope, 3) + " " +
               std::to_string(static_cast<int>(std::lround(l.baseline_offset))) + "; x_size " +
               // A page read turned: its text runs at that angle on the image (hOCR: counter-
               // clockwise from horizontal), the baseline is in the text's own frame.
               std::to_string(p.orientation % 180 ? l.box.width() : l.box.height()) +
               (p.orientation ? "; textangle " + std::to_string(p.orientation) : std::string()) + "\">\n";
          for (const auto& w : l.words) {
            std::string confs, boxes;
            for (const auto& c : w.chars) {
              confs += " " + num(100 * clamp01(c.confidence), 2);
              boxes += " " + bbox(c.box);
            }
            o += "      <span class=\"ocrx_word\" id=\"word_" + ps + "_" + std::to_string(++nw) +
                 "\" title=\"bbox " + bbox(w.box) + "; x_wconf " +
                 std::to_string(pct(w.confidence)) + "; x_confs" + confs + "; x_bboxes" + boxes +
                 "\">" + xml_escape(w.text) + "</span>\n";
          }
          o += "     </span>\n";
        }
        o += "    </p>\n";
      }
      o += "   </div>\n";
    }
    o += "  </div>\n";
  }
  o += " </body>\n</html>\n";
  return o;
}

std::string write_tsv(const std::vector<PageResult>& pages) {
  std::string o = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";
  auto row = [&](int level, int page, int block, int par, int line, int word, const Box& b,
                 const std::string& conf, const std::string& text) {
    o += std::to_string(level) + "\t" + std::to_string(page) + "\t" + std::to_string(block) +
         "\t" + std::to_string(par) + "\t" + std::to_string(line) + "\t" + std::to_string(word) +
         "\t" + std::to_string(b.x0) + "\t" + std::to_string(b.y0) + "\t" +
         std::to_string(std::max(0, b.width())) + "\t" + std::to_string(std::max(0, b.height())) +
         "\t" + conf + "\t" + text + "\n";
  };
  for (size_t pi = 0; pi < pages.size(); ++pi) {
    const auto& p = pages[pi];
    int pn = static_cast<int>(pi) + 1;
    row(1, pn, 0, 0, 0, 0, {0, 0, p.width, p.height}, "-1", "");
    int bn = 0;
    for (const auto& b : p.blocks) {
      row(2, pn, ++bn, 0, 0, 0, b.box, "-1", "");
      int parn = 0;
      for (const auto& par : b.paragraphs) {
        row(3, pn, bn, ++parn, 0, 0, par.box, "-1", "");
        int ln = 0;
        for (const auto& l : par.lines) {
          if (!has_words(l)) continue;
          row(4, pn, bn, parn, ++ln, 0, l.box, "-1", "");
          int wn = 0;
          for (const auto& w : l.words) {
            std::string text;
            for (char c : w.text) text += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
            row(5, pn, bn, parn, ln, ++wn, w.box, fmt("%.6f", 100 * clamp01(w.confidence)), text);
          }
        }
      }
    }
  }
  return o;
}

std::string write_alto(const std::vector<PageResult>& pages, const WriterInfo& info) {
  std::string file = pages.empty() ? "" : pages[0].source;
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" "
      "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# "
      "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd\">\n"
      " <Description>\n"
      "  <MeasurementUnit>pixel</MeasurementUnit>\n"
      "  <sourceImageInformation>\n"
      "   <fileName>" + xml_escape(file) + "</fileName>\n"
      "  </sourceImageInformation>\n"
      "  <Processing ID=\"OCR_0\">\n"
      "   <processingDateTime>" + now_iso(info) + "</processingDateTime>\n"
      "   <processingSoftware>\n"
      "    <softwareName>" + xml_escape(info.software) + "</softwareName>\n"
      "    <softwareVersion>" + xml_escape(info.version) + "</softwareVersion>\n"
      "   </processingSoftware>\n"
      "  </Processing>\n"
      " </Description>\n"
      " <Layout>\n";
  auto pos = [](const Box& b) {
    return "HPOS=\"" + std::to_string(b.x0) + "\" VPOS=\"" + std::to_string(b.y0) +
           "\" WIDTH=\"" + std::to_string(std::max(0, b.width())) + "\" HEIGHT=\"" +
           std::to_string(std::max(0, b.height())) + "\"";
  };
  for (size_t pi = 0; pi < pages.size(); ++pi) {
    const auto& p = pages[pi];
    std::string ps = std::to_string(pi + 1);
    Box all{0, 0, p.width, p.height};
    o += "  <Page ID=\"page_" + ps + "\" PHYSICAL_IMG_NR=\"" + ps + "\" WIDTH=\"" +
         std::to_string(p.width) + "\" HEIGHT=\"" + std::to_string(p.height) + "\">\n";
    o += "   <PrintSpace " + pos(all) + ">\n";
    int nb = 0, nl = 0, nw = 0;
    for (const auto& b : p.blocks) {
      o += "    <TextBlock ID=\"block_" + ps + "_" + std::to_string(++nb) + "\" " + pos(b.box) +
           ">\n";
      for (const auto& par : b.paragraphs)
        for (const auto& l : par.lines) {
          if (!has_words(l)) continue;
          o += "     <TextLine ID=\"line_" + ps + "_" + std::to_string(++nl) + "\" " +
               pos(l.box) + ">\n";
          for (size_t wi = 0; wi < l.words.size(); ++wi) {
            const auto& w = l.words[wi];
            if (wi > 0) {
              const auto& prev = l.words[wi - 1];
              Box sp{prev.box.x1, l.box.y0, std::max(prev.box.x1, w.box.x0), l.box.y1};
              o += "      <SP WIDTH=\"" + std::to_string(sp.width()) + "\" HPOS=\"" +
                   std::to_string(sp.x0) + "\" VPOS=\"" + std::to_string(sp.y0) + "\"/>\n";
            }
            // CC: one digit per character, 0 = sure … 9 = unsure.
            std::string cc;
            for (const auto& c : w.chars)
              cc += static_cast<char>('0' + std::lround(9 * (1 - clamp01(c.confidence))));
            o += "      <String ID=\"string_" + ps + "_" + std::to_string(++nw) + "\" " +
                 pos(w.box) + " WC=\"" + num(clamp01(w.confidence)) + "\" CC=\"" + cc +
                 "\" CONTENT=\"" + xml_escape(w.text) + "\"/>\n";
          }
          o += "     </TextLine>\n";
        }
      o += "    </TextBlock>\n";
    }
    o += "   </PrintSpace>\n  </Page>\n";
  }
  o += " </Layout>\n</alto>\n";
  return o;
}

std::string write_page_xml(const std::vector<PageResult>& pages, const WriterInfo& info,
                           size_t page) {
  std::string now = now_iso(info);
  std::string o =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15 "
      "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd\">\n"
      " <Metadata>\n"
      "  <Creator>" + xml_escape(info.software + " " + info.version) + "</Creator>\n"
      "  <Created>" + now + "</Created>\n"
      "  <LastChange>" + now + "</LastChange>\n"
      " </Metadata>\n";
  if (page >= pages.size()) throw FormatError("PAGE XML: no page " + std::to_string(page + 1));
  const auto& p = pages[page];
  o += " <Page imageFilename=\"" + xml_escape(p.source) + "\" imageWidth=\"" +
       std::to_string(p.width) + "\" imageHeight=\"" + std::to_string(p.height) + "\">\n";
  // One region per paragraph; the reading order lists them.
  std::vector<std::string> ids;
  int rn = 0;
  for (const auto& b : p.blocks)
    for (const auto& par : b.paragraphs) {
      (void)par;
      ids.push_back("r" + std::to_string(++rn));
    }
  if (!ids.empty()) {
    o += "  <ReadingOrder>\n   <OrderedGroup id=\"ro1\">\n";
    for (size_t i = 0; i < ids.size(); ++i)
      o += "    <RegionRefIndexed index=\"" + std::to_string(i) + "\" regionRef=\"" + ids[i] +
           "\"/>\n";
    o += "   </OrderedGroup>\n  </ReadingOrder>\n";
  }
  rn = 0;
  for (const auto& b : p.blocks)
    for (const auto& par : b.paragraphs) {
      std::string rid = ids[rn++];
      o += "  <TextRegion id=\"" + rid + "\" type=\"paragraph\">\n   <Coords points=\"" +
           points(par.box) + "\"/>\n";
      std::string region_text;
      int ln = 0;
      for (const auto& l : par.lines) {
        if (!has_words(l)) continue;
        std::string lid = rid + "_l" + std::to_string(++ln);
        if (!region_text.empty()) region_text += "\n";
        region_text += l.text;
        o += "   <TextLine id=\"" + lid + "\">\n    <Coords points=\"" + points(l.box) + "\"/>\n";
        o += "    <Baseline points=\"" + std::to_string(l.box.x0) + "," +
             std::to_string(baseline_y(l, l.box.x0)) + " " + std::to_string(l.box.x1) + "," +
             std::to_string(baseline_y(l, l.box.x1)) + "\"/>\n";
        int wn = 0;
        for (const auto& w : l.words) {
          std::string wid = lid + "_w" + std::to_string(++wn);
          o += "    <Word id=\"" + wid + "\">\n     <Coords points=\"" + points(w.box) + "\"/>\n";
          int gn = 0;
          for (const auto& c : w.chars) {
            o += "     <Glyph id=\"" + wid + "_g" + std::to_string(++gn) +
                 "\">\n      <Coords points=\"" + points(c.box) +
                 "\"/>\n      <TextEquiv conf=\"" + num(clamp01(c.confidence)) + "\"><Unicode>" +
                 xml_escape(c.text) + "</Unicode></TextEquiv>\n     </Glyph>\n";
          }
          o += "     <TextEquiv conf=\"" + num(clamp01(w.confidence)) + "\"><Unicode>" +
               xml_escape(w.text) + "</Unicode></TextEquiv>\n    </Word>\n";
        }
        o += "    <TextEquiv conf=\"" + num(clamp01(l.confidence)) + "\"><Unicode>" +
             xml_escape(l.text) + "</Unicode></TextEquiv>\n   </TextLine>\n";
      }
      o += "   <TextEquiv><Unicode>" + xml_escape(region_text) + "</Unicode></TextEquiv>\n";
      o += "  </TextRegion>\n";
    }
  o += " </Page>\n</PcGts>\n";
  return o;
}

std::string write_document(OutputFormat f, const std::vector<PageResult>& pages,
                           const WriterInfo& info) {
  switch (f) {
    case OutputFormat::Txt: return write_txt(pages);
    case OutputFormat::Json: return write_json(pages, info);
    case OutputFormat::Hocr: return write_hocr(pages, info);
    case OutputFormat::Tsv: return write_tsv(pages);
    case OutputFormat::Alto: return write_alto(pages, info);
    case OutputFormat::Page: return write_page_xml(pages, info, 0);
    case OutputFormat::Pdf: return write_pdf(pages, info);
    case OutputFormat::Jsonl: return write_jsonl(pages);
  }
  return {};
}

}  // namespace ocr
