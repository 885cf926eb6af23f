// Serialises recognised pages as txt, json, hOCR, Tesseract TSV, ALTO v4 and PAGE XML 2019.
// A document is a list of pages (from one input or several); each writer returns the whole file.
#pragma once
#include <string>
#include <vector>

#include "ocr/output/page_result.h"

namespace ocr {

enum class OutputFormat { Txt, Json, Hocr, Tsv, Alto, Page };

// Parses "txt,json,..." (also accepts "xml" for alto). Throws FormatError naming the bad item.
std::vector<OutputFormat> parse_formats(const std::string& list);
const char* format_name(OutputFormat f);
// File suffix as Tesseract names its outputs: .txt .json .hocr .tsv .xml (ALTO) .page.xml.
const char* format_extension(OutputFormat f);

struct WriterInfo {
  std::string software = "ocr";
  std::string version = "0.1.0";
  std::string created;  // ISO 8601 timestamp for ALTO/PAGE metadata; empty = now (UTC)
};

std::string write_txt(const std::vector<PageResult>& pages);
std::string write_json(const std::vector<PageResult>& pages, const WriterInfo& info = {});
std::string write_hocr(const std::vector<PageResult>& pages, const WriterInfo& info = {});
std::string write_tsv(const std::vector<PageResult>& pages);
std::string write_alto(const std::vector<PageResult>& pages, const WriterInfo& info = {});
// PAGE holds exactly one page per file: writes pages[page] (default the first).
std::string write_page_xml(const std::vector<PageResult>& pages, const WriterInfo& info = {},
                           size_t page = 0);
std::string write_document(OutputFormat f, const std::vector<PageResult>& pages,
                           const WriterInfo& info = {});

// Escaping helpers, exposed for tests.
std::string xml_escape(const std::string& s);
std::string json_escape(const std::string& s);

}  // namespace ocr
