#include "ocr/eval/report.h"

#include <gtest/gtest.h>

namespace ocr {
namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Report, TextReport) {
  EvalAccumulator acc(NormalizeOptions{true, false});
  acc.add("img/1.png", "ill luck", "i11 luck");
  acc.add("img/2.png", "fine", "fine");
  const std::string r = format_report(acc, 3, ReportOptions{5, 5});
  EXPECT_TRUE(has(r, "normalisation: NFC, whitespace collapsed, quote/dash styles folded\n")) << r;
  EXPECT_TRUE(has(r, "2 evaluated, 3 skipped")) << r;
  EXPECT_TRUE(has(r, "CER:           16.67%  (2 edits / 12 characters)")) << r;
  EXPECT_TRUE(has(r, "WER:           33.33%  (1 edits / 3 words)")) << r;
  EXPECT_TRUE(has(r, "     2   25.00%  img/1.png\n")) << r;
  EXPECT_TRUE(has(r, "gt:  ill luck\n")) << r;
  EXPECT_TRUE(has(r, "ocr: i11 luck\n")) << r;
  EXPECT_FALSE(has(r, "img/2.png")) << r;  // no errors: not among the worst
  EXPECT_TRUE(has(r, "     2  \"l\" -> \"1\"\n")) << r;
}

TEST(Report, JsonReportEscapes) {
  EvalAccumulator acc;
  acc.add("a\"b.png", "x\\y", "x/y");
  const std::string j = format_report_json(acc, {"missing c.gt.txt"}, ReportOptions{});
  EXPECT_TRUE(has(j, "\"cer\": 0.333333")) << j;
  EXPECT_TRUE(has(j, "\"id\": \"a\\\"b.png\"")) << j;
  EXPECT_TRUE(has(j, "{\"gt\": \"\\\\\", \"ocr\": \"/\", \"count\": 1}")) << j;
  EXPECT_TRUE(has(j, "\"skipped\": 1")) << j;
  EXPECT_TRUE(has(j, "\"missing c.gt.txt\"")) << j;
  EXPECT_TRUE(has(j, "\"fold_styles\": false")) << j;
}

TEST(Report, EmptyAccumulator) {
  EvalAccumulator acc;
  const std::string r = format_report(acc, 0, ReportOptions{});
  EXPECT_TRUE(has(r, "0 evaluated")) << r;
  const std::string j = format_report_json(acc, {}, ReportOptions{});
  EXPECT_TRUE(has(j, "\"worst\": [],")) << j;
  EXPECT_TRUE(has(j, "\"problems\": []")) << j;
}

}  // namespace
}  // namespace ocr
