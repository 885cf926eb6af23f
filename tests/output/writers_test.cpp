#include "ocr/output/writers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <zlib.h>

#include "ocr/core/error.h"

namespace {

ocr::CharResult ch(const std::string& t, int x0, int x1, float conf, int y0 = 10, int y1 = 30) {
  return {t, {x0, y0, x1, y1}, conf};
}

ocr::LineResult line_from(const std::string& text, int x, int y, float conf) {
  std::vector<ocr::CharResult> chars;
  int cx = x;
  for (char c : text) {
    chars.push_back(ch(std::string(1, c), cx, cx + 10, conf, y, y + 20));
    cx += 12;
  }
  ocr::LineResult l;
  l.words = ocr::split_words(chars);
  l.baseline_slope = 0.01;
  l.baseline_offset = -4;
  l.angle_degrees = 1.5;
  ocr::finalize_line(l);
  return l;
}

// Two blocks: "Hello <world> & co" / "second line", then "bar".
std::vector<ocr::PageResult> sample_pages() {
  ocr::PageResult p;
  p.source = "scans/a \"quoted\".png";
  p.width = 800;
  p.height = 600;
  p.dpi = 300;
  p.skew_degrees = 1.5;
  p.layout = "page";
  ocr::BlockResult b1;
  ocr::ParagraphResult par;
  par.lines.push_back(line_from("Hello <world> & co", 10, 10, 0.9f));
  par.lines.push_back(line_from("second line", 10, 40, 0.5f));
  b1.paragraphs.push_back(par);
  ocr::BlockResult b2;
  ocr::ParagraphResult par2;
  par2.lines.push_back(line_from("bar", 400, 300, 1.0f));
  b2.paragraphs.push_back(par2);
  p.blocks = {b1, b2};
  ocr::finalize_boxes(p);
  return {p};
}

bool have(const char* tool) {
  std::string cmd = std::string("command -v ") + tool + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Runs `cmd` on the text through a temporary file; returns the exit status.
int run_on(const std::string& text, const std::string& cmd, const std::string& suffix) {
  std::string path = "/tmp/ocr-writer-test-" + std::to_string(::getpid()) + suffix;
  std::ofstream(path) << text;
  int rc = std::system((cmd + " '" + path + "' >/dev/null 2>&1").c_str());
  std::remove(path.c_str());
  return rc;
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t i = s.find(what); i != std::string::npos; i = s.find(what, i + 1)) ++n;
  return n;
}

ocr::WriterInfo fixed_info() {
  ocr::WriterInfo i;
  i.created = "2024-01-02T03:04:05";
  return i;
}

}  // namespace

TEST(Words, SplitAtSpacesWithBoxesAndConfidence) {
  std::vector<ocr::CharResult> chars = {ch(" ", 0, 5, 1), ch("a", 5, 10, 0.5f), ch("b", 10, 20, 1.0f),
                                        ch(" ", 20, 25, 1), ch(" ", 25, 30, 1), ch("c", 30, 40, 0.2f),
                                        ch(" ", 40, 45, 1)};
  auto words = ocr::split_words(chars);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(words[0].text, "ab");
  EXPECT_EQ(words[0].box.x0, 5);
  EXPECT_EQ(words[0].box.x1, 20);
  EXPECT_FLOAT_EQ(words[0].confidence, 0.5f);  // its weakest character
  EXPECT_EQ(words[1].text, "c");
  EXPECT_TRUE(ocr::split_words({}).empty());
  ocr::LineResult l;
  l.words = words;
  ocr::finalize_line(l);
  EXPECT_EQ(l.text, "ab c");
  EXPECT_NEAR(l.confidence, (0.5 + 1.0 + 0.2) / 3, 1e-6);
}

TEST(Writers, TxtHasLinesInOrderAndBlankLineBetweenBlocks) {
  auto pages = sample_pages();
  EXPECT_EQ(ocr::write_txt(pages), "Hello <world> & co\nsecond line\n\nbar\n");
  auto two = pages;
  two.push_back(pages[0]);
  EXPECT_EQ(count(ocr::write_txt(two), "\f"), 1);
  EXPECT_EQ(ocr::write_txt({}), "");
}

// The fields of a row (a receipt's item and its price, a form's label and value) are one line of
// text; a line below, or one that starts left of the line before it, is not.
TEST(Writers, TxtPutsTheFieldsOfARowOnOneLine) {
  ocr::PageResult p;
  p.width = 800;
  p.height = 600;
  ocr::BlockResult b;
  ocr::ParagraphResult par;
  par.lines.push_back(line_from("MEAT", 10, 10, 0.9f));
  par.lines.push_back(line_from("3.49", 500, 13, 0.9f));  // a little lower: the photo's tilt
  par.lines.push_back(line_from("TAX", 10, 40, 0.9f));
  par.lines.push_back(line_from("0.20", 500, 58, 0.9f));  // half a line lower: the next row's
  par.lines.push_back(line_from("TOTAL", 10, 60, 0.9f));   // same height, but left of it
  b.paragraphs.push_back(par);
  p.blocks = {b};
  ocr::finalize_boxes(p);
  EXPECT_EQ(ocr::write_txt({p}), "MEAT 3.49\nTAX\n0.20\nTOTAL\n");
}

TEST(Writers, TsvHasTesseractColumnsLevelsAndConf) {
  std::string tsv = ocr::write_tsv(sample_pages());
  std::istringstream in(tsv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext");
  std::string row;
  int counts[6] = {0};
  while (std::getline(in, row)) {
    std::vector<std::string> f;
    std::stringstream rs(row);
    std::string cell;
    while (std::getline(rs, cell, '\t')) f.push_back(cell);
    if (row.back() == '\t') f.push_back("");
    ASSERT_EQ(f.size(), 12u) << row;
    int level = std::stoi(f[0]);
    ASSERT_GE(level, 1);
    ASSERT_LE(level, 5);
    ++counts[level];
    EXPECT_EQ(f[1], "1");
    if (level < 5) {
      EXPECT_EQ(f[10], "-1") << row;
      EXPECT_EQ(f[11], "") << row;
    } else {
      double conf = std::stod(f[10]);
      EXPECT_GE(conf, 0);
      EXPECT_LE(conf, 100);
      EXPECT_FALSE(f[11].empty());
      EXPECT_GT(std::stoi(f[8]), 0);   // width, not right edge
      EXPECT_GT(std::stoi(f[9]), 0);
    }
  }
  EXPECT_EQ(counts[1], 1);
  EXPECT_EQ(counts[2], 2);
  EXPECT_EQ(counts[3], 2);
  EXPECT_EQ(counts[4], 3);
  EXPECT_EQ(counts[5], 4 + 2 + 1);
  EXPECT_TRUE(std::regex_search(tsv, std::regex("\t(89\\.9999|90\\.0000)[0-9]+\tHello\n"))) << tsv;
  // Page row spans the page.
  EXPECT_NE(tsv.find("1\t1\t0\t0\t0\t0\t0\t0\t800\t600\t-1\t\n"), std::string::npos);
}

TEST(Writers, HocrIsWellFormedWithTesseractStructure) {
  std::string h = ocr::write_hocr(sample_pages());
  EXPECT_EQ(count(h, "name=\"ocr-system\""), 1);
  EXPECT_EQ(count(h, "name=\"ocr-capabilities\""), 1);
  EXPECT_EQ(count(h, "class=\"ocr_page\""), 1);
  EXPECT_EQ(count(h, "<div class=\"ocr_carea\""), 2);
  EXPECT_EQ(count(h, "<p class=\"ocr_par\""), 2);
  EXPECT_EQ(count(h, "<span class=\"ocr_line\""), 3);
  EXPECT_EQ(count(h, "<span class=\"ocrx_word\""), 7);
  EXPECT_NE(h.find("id=\"page_1\""), std::string::npos);
  EXPECT_NE(h.find("id=\"block_1_2\""), std::string::npos);
  EXPECT_NE(h.find("id=\"line_1_3\""), std::string::npos);
  EXPECT_NE(h.find("id=\"word_1_7\""), std::string::npos);
  EXPECT_NE(h.find("bbox 0 0 800 600; ppageno 0; scan_res 300 300"), std::string::npos);
  EXPECT_NE(h.find("&lt;world&gt;"), std::string::npos);
  // OCRmyPDF parses bbox and x_wconf with \d+: integers only.
  std::regex bbox_re("bbox (-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+)");
  for (auto it = std::sregex_iterator(h.begin(), h.end(), bbox_re); it != std::sregex_iterator(); ++it)
    for (int g = 1; g <= 4; ++g) EXPECT_TRUE(std::regex_match((*it)[g].str(), std::regex("[0-9]+"))) << (*it)[0];
  std::regex wconf_re("x_wconf ([^;\"]+)");
  int nw = 0;
  for (auto it = std::sregex_iterator(h.begin(), h.end(), wconf_re); it != std::sregex_iterator(); ++it, ++nw) {
    ASSERT_TRUE(std::regex_match((*it)[1].str(), std::regex("[0-9]+")));
    EXPECT_LE(std::stoi((*it)[1].str()), 100);
  }
  EXPECT_EQ(nw, 7);
  EXPECT_NE(h.find("x_wconf 90; x_confs 90 90 90 90 90;"), std::string::npos);
  EXPECT_NE(h.find("baseline 0.01 -4"), std::string::npos);
  EXPECT_EQ(h.find("textangle"), std::string::npos);  // upright
  if (have("xmllint")) {
    EXPECT_EQ(run_on(h, "xmllint --noout", ".hocr"), 0);
  }
  // A page read turned by 90 degrees: its lines say so, and x_size is measured across the line.
  auto turned = sample_pages();
  turned[0].orientation = 90;
  const std::string t = ocr::write_hocr(turned);
  EXPECT_EQ(count(t, "; textangle 90\""), 3);
  const auto& l0 = turned[0].blocks[0].paragraphs[0].lines[0];
  EXPECT_NE(t.find("x_size " + std::to_string(l0.box.width()) + "; textangle 90"), std::string::npos);
}

TEST(Writers, AltoV4PixelUnitsContentWcAndSpaces) {
  std::string a = ocr::write_alto(sample_pages(), fixed_info());
  EXPECT_NE(a.find("xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\""), std::string::npos);
  EXPECT_NE(a.find("<MeasurementUnit>pixel</MeasurementUnit>"), std::string::npos);
  EXPECT_NE(a.find("<fileName>scans/a &quot;quoted&quot;.png</fileName>"), std::string::npos);
  EXPECT_EQ(count(a, "<String "), 7);
  EXPECT_EQ(count(a, "<SP "), 7 - 3);  // between words only
  EXPECT_EQ(count(a, "<TextLine "), 3);
  EXPECT_EQ(count(a, "<TextBlock "), 2);
  EXPECT_NE(a.find("CONTENT=\"&lt;world&gt;\""), std::string::npos);
  EXPECT_NE(a.find("WC=\"0.9\" CC=\"11111\" CONTENT=\"Hello\""), std::string::npos) << a;
  EXPECT_NE(a.find("WC=\"1\" CC=\"000\" CONTENT=\"bar\""), std::string::npos);
  std::regex wc_re("WC=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(a.begin(), a.end(), wc_re); it != std::sregex_iterator(); ++it) {
    double wc = std::stod((*it)[1].str());
    EXPECT_GE(wc, 0);
    EXPECT_LE(wc, 1);
  }
  if (have("xmllint")) {
    EXPECT_EQ(run_on(a, "xmllint --noout", ".xml"), 0);
  }
}

TEST(Writers, PageXml2019StrictHierarchy) {
  std::string p = ocr::write_page_xml(sample_pages(), fixed_info());
  EXPECT_NE(p.find("http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"), std::string::npos);
  EXPECT_EQ(count(p, "<TextRegion "), 2);
  EXPECT_EQ(count(p, "<TextLine "), 3);
  EXPECT_EQ(count(p, "<Word "), 7);
  EXPECT_EQ(count(p, "<Glyph "), 5 + 7 + 1 + 2 + 6 + 4 + 3);
  EXPECT_EQ(count(p, "<Baseline "), 3);
  EXPECT_EQ(count(p, "<RegionRefIndexed "), 2);
  EXPECT_NE(p.find("<TextEquiv conf=\"0.9\"><Unicode>Hello</Unicode></TextEquiv>"), std::string::npos);
  EXPECT_NE(p.find("<Created>2024-01-02T03:04:05</Created>"), std::string::npos);
  // Children in schema order: Coords, Baseline, Word..., TextEquiv.
  size_t line = p.find("<TextLine ");
  size_t coords = p.find("<Coords", line), base = p.find("<Baseline", line), word = p.find("<Word", line),
         eq = p.find("<TextEquiv conf=\"0.9\"><Unicode>Hello &lt;world&gt; &amp; co", line);
  EXPECT_LT(coords, base);
  EXPECT_LT(base, word);
  EXPECT_LT(word, eq);
  EXPECT_NE(eq, std::string::npos);
  if (have("xmllint")) {
    EXPECT_EQ(run_on(p, "xmllint --noout", ".page.xml"), 0);
  }
  EXPECT_THROW(ocr::write_page_xml(sample_pages(), fixed_info(), 3), ocr::FormatError);
}

TEST(Writers, JsonHasPagesBlocksLinesWordsAndAngles) {
  std::string j = ocr::write_json(sample_pages());
  EXPECT_NE(j.find("\"skew_angle\":1.5"), std::string::npos);
  EXPECT_NE(j.find("\"angle\":1.5"), std::string::npos);
  EXPECT_NE(j.find("\"text\":\"Hello <world> & co\""), std::string::npos);
  EXPECT_NE(j.find("\"source\":\"scans/a \\\"quoted\\\".png\""), std::string::npos);
  EXPECT_EQ(count(j, "\"words\":"), 3);
  if (have("python3")) {
    EXPECT_EQ(run_on(j, "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                        "assert len(d[\"pages\"][0][\"blocks\"])==2; "
                        "assert all(0<=w[\"confidence\"]<=1 for b in d[\"pages\"][0][\"blocks\"] for l in b[\"lines\"] for w in l[\"words\"])'",
                     ".json"),
              0);
  }
}

// Pages read with models chosen by their scene (--engines auto) name the scene and the model;
// the document lists the models used, not the ones the run was given.
TEST(Writers, JsonNamesEachPagesSceneAndModel) {
  ocr::PageResult photo, scan, named;
  photo.scene = "photo";
  photo.models = {"m/eng_photo.ocrm"};
  scan.scene = "scan";
  scan.models = {"m/eng.ocrm"};
  ocr::WriterInfo info;
  info.models = {"m/eng.ocrm"};
  const std::string j = ocr::write_json({photo, scan, photo}, info);
  EXPECT_NE(j.find("{\"software\":\"ocr 0.1.0\",\"models\":[\"m/eng_photo.ocrm\",\"m/eng.ocrm\"]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"scene\":\"photo\",\"models\":[\"m/eng_photo.ocrm\"]"), std::string::npos) << j;
  EXPECT_NE(j.find("\"scene\":\"scan\",\"models\":[\"m/eng.ocrm\"]"), std::string::npos) << j;
  // Models named for the run: the run's list, no scene.
  const std::string n = ocr::write_json({named}, info);
  EXPECT_NE(n.find("\"models\":[\"m/eng.ocrm\"]"), std::string::npos) << n;
  EXPECT_EQ(n.find("\"scene\""), std::string::npos) << n;
  if (have("python3")) {
    EXPECT_EQ(run_on(j, "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                        "assert [p[\"scene\"] for p in d[\"pages\"]]==[\"photo\",\"scan\",\"photo\"]'",
                     ".json"),
              0);
  }
}

TEST(Writers, EmptyPageIsValidEverywhere) {
  ocr::PageResult p;
  p.source = "blank.png";
  p.width = 10;
  p.height = 10;
  std::vector<ocr::PageResult> pages = {p};
  EXPECT_EQ(ocr::write_txt(pages), "");
  EXPECT_EQ(count(ocr::write_tsv(pages), "\n"), 2);
  if (have("xmllint")) {
    EXPECT_EQ(run_on(ocr::write_hocr(pages), "xmllint --noout", ".hocr"), 0);
    EXPECT_EQ(run_on(ocr::write_alto(pages), "xmllint --noout", ".xml"), 0);
    EXPECT_EQ(run_on(ocr::write_page_xml(pages), "xmllint --noout", ".xml"), 0);
  }
}

TEST(Writers, FormatsParseAndEscape) {
  auto f = ocr::parse_formats("txt,hocr, alto,page,tsv,json,txt");
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[2], ocr::OutputFormat::Alto);
  EXPECT_STREQ(ocr::format_extension(ocr::OutputFormat::Page), ".page.xml");
  EXPECT_STREQ(ocr::format_extension(ocr::OutputFormat::Alto), ".xml");
  EXPECT_THROW(ocr::parse_formats("txt,pdfx"), ocr::FormatError);
  EXPECT_THROW(ocr::parse_formats(""), ocr::FormatError);
  EXPECT_EQ(ocr::xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(ocr::json_escape("a\"\\\n\x01"), "a\\\"\\\\\\n\\u0001");
}

namespace {

// The object whose number is `id`, from its xref offset: the offset must land on "id 0 obj".
std::string object_at(const std::string& pdf, int id) {
  const size_t xref = pdf.rfind("\nxref\n");
  const size_t entry = pdf.find('\n', pdf.find('\n', xref + 6) + 1) + 1 + size_t(id - 1) * 20;
  const size_t offset = std::stoul(pdf.substr(entry, 10));
  const std::string head = std::to_string(id) + " 0 obj\n";
  if (pdf.compare(offset, head.size(), head) != 0) return "";
  return pdf.substr(offset, pdf.find("endobj", offset) - offset);
}

std::shared_ptr<ocr::PageImageData> grey_image(int w, int h) {
  auto img = std::make_shared<ocr::PageImageData>();
  img->width = w;
  img->height = h;
  for (int i = 0; i < w * h; ++i) img->bytes.push_back(static_cast<uint8_t>(i * 7));
  return img;
}

}  // namespace

// A searchable PDF: the page sized from its dpi, every xref offset on its object, the pixels
// deflated losslessly, and each word in invisible text in Windows-1252 with PDF escapes.
TEST(Writers, PdfHasTheImageAndInvisibleWordsWhereTheyArePrinted) {
  auto pages = sample_pages();
  pages[0].image = grey_image(800, 600);
  // Words a character per code point: "(x)", "café", "€5", "→" (outside Windows-1252).
  ocr::LineResult& last = pages[0].blocks[1].paragraphs[0].lines[0];
  last.words.clear();
  int x = 400;
  for (std::string w : {"(x)", "caf\u00e9", "\u20ac" "5", "\u2192"}) {
    ocr::WordResult word;
    word.text = w;
    word.box = {x, 300, x + 40, 320};
    word.confidence = 1;
    last.words.push_back(word);
    x += 50;
  }
  ocr::finalize_line(last);
  ocr::finalize_boxes(pages[0]);
  const std::string pdf = ocr::write_pdf(pages, fixed_info());
  ASSERT_EQ(pdf.rfind("%PDF-1.5\n", 0), 0u);
  ASSERT_EQ(pdf.substr(pdf.size() - 6), "%%EOF\n");
  const size_t startxref = std::stoul(pdf.substr(pdf.rfind("startxref\n") + 10));
  EXPECT_EQ(pdf.compare(startxref, 5, "xref\n"), 0);
  const int objects = std::stoi(pdf.substr(pdf.find("/Size ") + 6)) - 1;
  EXPECT_EQ(objects, 7);  // catalog, page tree, font, info; page, content, image
  for (int id = 1; id <= objects; ++id) EXPECT_FALSE(object_at(pdf, id).empty()) << "object " << id;
  // 800 × 600 px at 300 dpi = 192 × 144 pt.
  EXPECT_NE(pdf.find("/MediaBox [0 0 192 144]"), std::string::npos);
  EXPECT_NE(pdf.find("/BaseFont /Helvetica /Encoding /WinAnsiEncoding"), std::string::npos);
  // The words: invisible (3 Tr), a space after all but a line's last, escapes and 1252 bytes.
  EXPECT_NE(pdf.find("3 Tr"), std::string::npos);
  // "Hello" starts at x = 10 px = 2.4 pt; its line's baseline is 4 px above the box bottom.
  EXPECT_NE(pdf.find(" Tz 1 0 0 1 2.4 "), std::string::npos);
  for (const char* shown : {"(Hello ) Tj", "(co) Tj", "(\\(x\\) ) Tj", "(caf\\351 ) Tj", "(\\2005 ) Tj", "(?) Tj"})
    EXPECT_NE(pdf.find(shown), std::string::npos) << shown;
  // The image: Flate-compressed grey pixels that inflate back exactly.
  const std::string image = object_at(pdf, 7);
  ASSERT_NE(image.find("/Width 800 /Height 600 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode"),
            std::string::npos);
  const size_t length = std::stoul(image.substr(image.find("/Length ") + 8));
  const std::string packed = image.substr(image.find("stream\n") + 7, length);
  std::vector<uint8_t> pixels(800 * 600);
  uLongf size = pixels.size();
  ASSERT_EQ(uncompress(pixels.data(), &size, reinterpret_cast<const Bytef*>(packed.data()), packed.size()), Z_OK);
  EXPECT_EQ(size, pixels.size());
  EXPECT_EQ(pixels, pages[0].image->bytes);
  // A JPEG is embedded as it is.
  auto jpeg = std::make_shared<ocr::PageImageData>();
  jpeg->width = 4;
  jpeg->height = 2;
  jpeg->channels = 3;
  jpeg->jpeg = true;
  jpeg->bytes = {0xFF, 0xD8, 0xFF, 0xD9};
  pages[0].image = jpeg;
  const std::string with_jpeg = ocr::write_pdf(pages);
  EXPECT_NE(with_jpeg.find("/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length 4 >>\nstream\n\xFF\xD8\xFF\xD9\nendstream"),
            std::string::npos);
  // Without the image there is no PDF to write.
  pages[0].image = nullptr;
  EXPECT_THROW(ocr::write_pdf(pages), ocr::Error);
  EXPECT_EQ(ocr::parse_formats("pdf")[0], ocr::OutputFormat::Pdf);
  EXPECT_STREQ(ocr::format_extension(ocr::OutputFormat::Pdf), ".pdf");
}

TEST(Writers, JsonlIsOneRecordPerPageWithMeanWordConfidence) {
  auto pages = sample_pages();
  std::string j = ocr::write_jsonl(pages);
  EXPECT_EQ(count(j, "\n"), 1);
  // Words: four at 0.9, two at 0.5, one at 1.0 → mean 0.8. One page: no "page" field.
  EXPECT_EQ(j.rfind("{\"path\":\"scans/a \\\"quoted\\\".png\",\"status\":\"ok\",\"text\":\"Hello <world> & co\\n", 0), 0u) << j;
  EXPECT_NE(j.find("\"confidence\":0.8}"), std::string::npos) << j;
  // Two pages of one file: each record says which (1-based).
  pages.push_back(pages[0]);
  pages[1].page_index = 1;
  pages[1].blocks.clear();
  j = ocr::write_jsonl(pages);
  EXPECT_EQ(count(j, "\n"), 2);
  EXPECT_NE(j.find("\"page\":1,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"page\":2,\"status\":\"ok\",\"text\":\"\",\"confidence\":null}"), std::string::npos) << j;
  const std::string e = ocr::jsonl_error_record("bad\n.png", "bad\n.png: not an image");
  EXPECT_EQ(e, "{\"path\":\"bad\\n.png\",\"status\":\"error\",\"error\":\"bad\\n.png: not an image\"}\n");
  if (have("python3")) {
    EXPECT_EQ(run_on(j + e, "python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; "
                            "assert [x[\"status\"] for x in r]==[\"ok\",\"ok\",\"error\"]'",
                     ".jsonl"),
              0);
  }
  EXPECT_EQ(ocr::parse_formats("jsonl")[0], ocr::OutputFormat::Jsonl);
  EXPECT_STREQ(ocr::format_extension(ocr::OutputFormat::Jsonl), ".jsonl");
}
