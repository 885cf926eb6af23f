// PAGE and ALTO transcriptions as ground truth: parsing, image lookup, problems, and the crop.
#include "ocr/eval/xml_gt.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocr/core/error.h"
#include "ocr/eval/gt_image.h"
#include "eval/temp_tree.h"

namespace fs = std::filesystem;

namespace ocr {
namespace {

const char* const kPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<pc:PcGts xmlns:pc="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">
  <pc:Metadata><pc:Creator>test</pc:Creator></pc:Metadata>
  <pc:Page imageFilename="images/scan.png" imageWidth="200" imageHeight="100">
    <pc:TextRegion id="r1">
      <pc:Coords points="0,0 200,0 200,100 0,100"/>
      <pc:TextLine id="l2">
        <pc:Coords points="10,10 190,12 190,40 10,38"/>
        <pc:TextEquiv index="1"><pc:Unicode>second choice</pc:Unicode></pc:TextEquiv>
        <pc:TextEquiv index="0"><pc:Unicode>Fish &amp; chips
   for two</pc:Unicode></pc:TextEquiv>
      </pc:TextLine>
      <pc:TextLine id="l1">
        <pc:Coords points="10,50 190,50 190,90 10,90"/>
        <pc:Word id="w1"><pc:Coords points="10,50 60,50 60,90 10,90"/><pc:TextEquiv><pc:Unicode>word</pc:Unicode></pc:TextEquiv></pc:Word>
        <pc:Word id="w2"><pc:Coords points="70,50 120,50 120,90 70,90"/><pc:TextEquiv><pc:Unicode>by word</pc:Unicode></pc:TextEquiv></pc:Word>
      </pc:TextLine>
      <pc:TextLine id="empty"><pc:Coords points="0,0 5,0 5,5"/><pc:TextEquiv><pc:Unicode> </pc:Unicode></pc:TextEquiv></pc:TextLine>
      <pc:TextLine id="nocoords"><pc:TextEquiv><pc:Unicode>lost</pc:Unicode></pc:TextEquiv></pc:TextLine>
    </pc:TextRegion>
  </pc:Page>
</pc:PcGts>
)";

const char* const kAlto = R"(<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">
  <Description>
    <MeasurementUnit>pixel</MeasurementUnit>
    <sourceImageInformation><fileName>/nowhere/else/scan.png</fileName></sourceImageInformation>
  </Description>
  <Layout><Page ID="p1" WIDTH="200" HEIGHT="100"><PrintSpace><TextBlock ID="b1">
    <TextLine ID="t1" HPOS="10" VPOS="10" WIDTH="180" HEIGHT="30">
      <String CONTENT="Hyphen" HPOS="10" VPOS="10" WIDTH="50" HEIGHT="30"/><SP/>
      <String CONTENT="ated" HPOS="70" VPOS="10" WIDTH="40" HEIGHT="30"/><HYP CONTENT="-"/>
    </TextLine>
    <TextLine ID="t2" HPOS="10" VPOS="50" WIDTH="180" HEIGHT="40">
      <Shape><Polygon POINTS="10 50 190 50 190 90 10 90"/></Shape>
      <String CONTENT="no"/><String CONTENT="SP"/>
    </TextLine>
  </TextBlock></PrintSpace></Page></Layout>
</alto>
)";

class XmlGtTest : public test::TempTree {
 protected:
  void SetUp() override {
    make_root("ocr_xml_gt_test_");
    fs::create_directories(root_ / "images");
    fs::create_directories(root_ / "alto");
    // A page with a dark bar in each line's band and a blob outside the first line's polygon.
    cv::Mat page(100, 200, CV_8U, cv::Scalar(230));
    cv::rectangle(page, cv::Rect(20, 20, 100, 10), cv::Scalar(20), cv::FILLED);
    cv::rectangle(page, cv::Rect(20, 60, 150, 20), cv::Scalar(20), cv::FILLED);
    cv::rectangle(page, cv::Rect(185, 10, 5, 3), cv::Scalar(0), cv::FILLED);  // above l2's slanted top edge
    page_ = page;
    cv::imwrite(path("images/scan.png"), page);
    cv::imwrite(path("alto/scan.png"), page);
    write("page.xml", kPage);
    write("alto/scan.xml", kAlto);
  }
  cv::Mat page_;
};

TEST_F(XmlGtTest, PageLinesInDocumentOrderWithTheirText) {
  std::vector<std::string> problems;
  const auto pairs = read_xml_gt(path("page.xml"), &problems);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].line_id, "l2");
  EXPECT_EQ(pairs[0].text, "Fish & chips for two");  // lowest TextEquiv index, one line
  EXPECT_EQ(pairs[1].text, "word by word");           // no line text: its words joined
  EXPECT_EQ(pairs[0].image, path("images/scan.png"));
  EXPECT_EQ(pairs[0].name(), path("page.xml") + "#l2");
  ASSERT_EQ(pairs[0].region.size(), 4u);
  EXPECT_DOUBLE_EQ(pairs[0].region[1][0], 190);
  EXPECT_DOUBLE_EQ(pairs[0].region[1][1], 12);
  EXPECT_EQ(pairs[0].units_per_inch, 0);
  EXPECT_TRUE(mentions(problems, "TextLine empty has no text"));
  EXPECT_TRUE(mentions(problems, "TextLine nocoords has no usable Coords"));
  // find_gt_pairs keeps that order (sorted by image, stable within a page).
  const auto again = find_gt_pairs(path("page.xml"));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].line_id, "l2");
}

TEST_F(XmlGtTest, AltoStringsSpacesHyphensAndImageBesideTheFile) {
  std::vector<std::string> problems;
  const auto pairs = read_xml_gt(path("alto/scan.xml"), &problems);
  ASSERT_EQ(pairs.size(), 2u) << (problems.empty() ? "" : problems[0]);
  EXPECT_EQ(pairs[0].text, "Hyphen ated-");
  EXPECT_EQ(pairs[1].text, "no SP");
  // The named file does not exist: the image with the XML's stem beside it is used.
  EXPECT_EQ(pairs[0].image, path("alto/scan.png"));
  ASSERT_EQ(pairs[0].region.size(), 4u);
  EXPECT_DOUBLE_EQ(pairs[0].region[2][0], 190);
  EXPECT_DOUBLE_EQ(pairs[0].region[2][1], 40);
  EXPECT_DOUBLE_EQ(pairs[1].region[0][1], 50);  // from Shape/Polygon
}

TEST_F(XmlGtTest, AltoInTenthsOfAMillimetreNeedsTheResolution) {
  std::string alto = kAlto;
  alto.replace(alto.find("pixel"), 5, "mm10");
  write("alto/scan.xml", alto);
  const auto pairs = read_xml_gt(path("alto/scan.xml"), nullptr);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].units_per_inch, 254);
  GtImageReader reader;  // the PNG records no resolution
  try {
    reader.read(pairs[0]);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("scan.xml#t1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("resolution"), std::string::npos) << e.what();
  }
}

TEST_F(XmlGtTest, BadFilesAreProblemsNamingTheFile) {
  write("broken.xml", "<PcGts><Page imageFilename='x.png'>");
  write("other.xml", "<html><body/></html>");
  write("noimage.xml", R"(<PcGts><Page imageFilename="missing.png"/></PcGts>)");
  for (const char* f : {"broken.xml", "other.xml", "noimage.xml"}) {
    std::vector<std::string> problems;
    EXPECT_TRUE(read_xml_gt(path(f), &problems).empty()) << f;
    ASSERT_EQ(problems.size(), 1u) << f;
    EXPECT_NE(problems[0].find(path(f)), std::string::npos) << problems[0];
  }
  std::vector<std::string> problems;
  read_xml_gt(path("broken.xml"), &problems);
  EXPECT_NE(problems[0].find("not well-formed XML"), std::string::npos) << problems[0];
  read_xml_gt(path("noimage.xml"), &problems);
  EXPECT_NE(problems.back().find("missing.png"), std::string::npos) << problems.back();
}

TEST_F(XmlGtTest, FolderMixesLineFilesAndTranscribedPages) {
  fs::copy_file(path("alto/scan.png"), path("alto/a.png"));
  write("alto/a.gt.txt", "a line\n");
  std::vector<std::string> problems;
  const auto pairs = find_gt_pairs(path("alto"), &problems);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0].image, path("alto/a.png"));
  EXPECT_FALSE(pairs[0].is_region());
  EXPECT_EQ(pairs[1].line_id, "t1");
  EXPECT_EQ(pairs[2].line_id, "t2");
  // scan.png has no scan.gt.txt, but the XML transcribes it: not an orphan.
  EXPECT_TRUE(problems.empty()) << problems[0];
  // A list file may name XML files too.
  write("list.txt", "alto/a.png\npage.xml\n");
  EXPECT_EQ(find_gt_pairs(path("list.txt")).size(), 3u);
}

TEST_F(XmlGtTest, CropsTheOutlineAndPaintsOutsideAPolygonAsPaper) {
  const auto pairs = read_xml_gt(path("page.xml"), nullptr);
  GtImageReader reader;
  const cv::Mat l2 = reader.read(pairs[0]).image;
  // Bounding box of (10,10)-(190,40), inclusive.
  EXPECT_EQ(l2.cols, 181);
  EXPECT_EQ(l2.rows, 31);
  EXPECT_EQ(l2.at<uchar>(15, 50), 20);    // the bar, inside
  EXPECT_EQ(l2.at<uchar>(1, 178), 230);   // the blob lay above the slanted top edge: paper now
  EXPECT_EQ(page_.at<uchar>(11, 188), 0); // (it is there on the page)
  const cv::Mat l1 = reader.read(pairs[1]).image;  // an axis-aligned box: cropped as it is
  EXPECT_EQ(l1.rows, 41);
  EXPECT_EQ(l1.at<uchar>(20, 50), 20);
  // Outside the page: a FormatError naming the line, not a crash.
  GtPair off = pairs[0];
  off.region = {{300, 300}, {400, 300}, {400, 350}};
  EXPECT_THROW(reader.read(off), FormatError);
}

// Issue 19: hostile transcriptions are refused quickly, naming the file and the limit.
std::string page_with_lines(const std::string& lines) {
  return R"(<?xml version="1.0"?><PcGts><Page imageFilename="images/scan.png" imageWidth="200" imageHeight="100">)"
         R"(<TextRegion id="r">)" + lines + "</TextRegion></Page></PcGts>";
}
std::string page_line(const std::string& id, const std::string& points) {
  return "<TextLine id=\"" + id + "\"><Coords points=\"" + points + "\"/><TextEquiv><Unicode>text</Unicode></TextEquiv></TextLine>";
}

class HostileXmlGt : public XmlGtTest {
 protected:
  // Reads f, checks it took under a second and that a problem names the file and `limit`.
  std::vector<GtPair> read_quickly(const std::string& f, const std::string& limit) {
    std::vector<std::string> problems;
    const auto start = std::chrono::steady_clock::now();
    auto pairs = read_xml_gt(path(f), &problems);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0) << f;
    EXPECT_TRUE(mentions(problems, path(f) + ": ")) << f;
    EXPECT_TRUE(mentions(problems, limit)) << (problems.empty() ? "no problem" : problems.back());
    return pairs;
  }
};

TEST_F(HostileXmlGt, HugeOutlinesAndFarCoordinatesSkipTheLine) {
  std::string many;
  for (int i = 0; i < 100000; ++i) many += std::to_string(10 + i % 180) + "," + std::to_string(10 + i % 30) + " ";
  write("many.xml", page_with_lines(page_line("big", many) + page_line("ok", "10,50 190,50 190,90 10,90")));
  auto pairs = read_quickly("many.xml", "TextLine big: outline has over 10000 points (limit)");
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].line_id, "ok");

  write("far.xml", page_with_lines(page_line("far", "10,10 5000000,10 5000000,40 10,40") +
                                   page_line("ok", "10,50 190,50 190,90 10,90")));
  pairs = read_quickly("far.xml", "TextLine far: outline coordinate beyond 1000000 (limit)");
  EXPECT_EQ(pairs.size(), 1u);
}

TEST_F(HostileXmlGt, ManyPageSpanningLinesRefuseTheFile) {
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += page_line("l" + std::to_string(i), "0,0 200,0 200,100 0,100");
  write("spanning.xml", page_with_lines(lines));
  EXPECT_TRUE(read_quickly("spanning.xml", "cover their page 2000 times over (limit 32), file refused").empty());

  lines.clear();
  for (int i = 0; i < 20001; ++i) lines += page_line("l" + std::to_string(i), "0,0 1,0 1,1");
  write("lines.xml", page_with_lines(lines));
  EXPECT_TRUE(read_quickly("lines.xml", "20001 text lines (limit 20000), file refused").empty());
}

TEST_F(HostileXmlGt, ThousandsOfAttributesRefuseTheFile) {
  std::string alto = kAlto, attrs;
  for (int i = 0; i < 50000; ++i) attrs += " a" + std::to_string(i) + "='x>y'";
  alto.replace(alto.find("<String CONTENT=\"Hyphen\""), 7, "<String" + attrs);
  write("alto/scan.xml", alto);
  EXPECT_TRUE(read_quickly("alto/scan.xml", "an element has over 256 attributes (limit), file refused").empty());
  // The same name repeated: refused before the parser compares them pairwise.
  alto = kAlto, attrs.clear();
  for (int i = 0; i < 50000; ++i) attrs += " HPOS=\"1\"";
  alto.replace(alto.find("<String CONTENT=\"Hyphen\""), 7, "<String" + attrs);
  write("alto/scan.xml", alto);
  EXPECT_TRUE(read_quickly("alto/scan.xml", "over 256 attributes").empty());
}

TEST_F(HostileXmlGt, OversizedFileIsRefusedUnread) {
  std::ofstream(path("big.xml")) << std::string(size_t(kXmlMaxBytes) + 1, ' ');
  EXPECT_TRUE(read_quickly("big.xml", "(limit for a PAGE/ALTO file)").empty());
}

}  // namespace
}  // namespace ocr
