// Serialises recognised pages as txt, json, JSON Lines, hOCR, Tesseract TSV, ALTO v4, PAGE XML 2019 and
// searchable PDF (the page image with the text in an invisible layer).
// A document is a list of pages (from one input or several); each writer returns the whole file.
#pragma once
#include <string>
#include <vector>

#include "ocr/output/page_result.h"

namespace ocr {

enum class OutputFormat { Txt, Json, Hocr, Tsv, Alto, Page, Pdf, Jsonl };

// Parses "txt,json,..." (also accepts "xml" for alto). Throws FormatError naming the bad item.
std::vector<OutputFormat> parse_formats(const std::string& list);
const char* format_name(OutputFormat f);
// File suffix as Tesseract names its outputs: .txt .json .hocr .tsv .xml (ALTO) .page.xml .pdf
// (and .jsonl).
const char* format_extension(OutputFormat f);

struct WriterInfo {
  std::string software = "ocr";
  std::string version = "0.1.0";
  std::string created;  // ISO 8601 timestamp for ALTO/PAGE metadata; empty = now (UTC)
  std::vector<std::string> models;  // the recognition model files, several when fused (JSON "models")
};

std::string write_txt(const std::vector<PageResult>& pages);
std::string write_json(const std::vector<PageResult>& pages, const WriterInfo& info = {});
std::string write_hocr(const std::vector<PageResult>& pages, const WriterInfo& info = {});
std::string write_tsv(const std::vector<PageResult>& pages);
// JSON Lines for pipelines: one record per page, one line each, in the order given:
// {"path":…,"page":N (1-based, only when the input has several pages),"status":"ok",
//  "text":…,"confidence":mean word confidence in [0, 1] (null without words)}.
std::string write_jsonl(const std::vector<PageResult>& pages);
// The same record for one page; `multi_page` adds its "page".
std::string jsonl_page_record(const PageResult& page, bool multi_page);
// {"path":…,"status":"error","error":message}: a failed input's line, so a consumer sees every input.
std::string jsonl_error_record(const std::string& path, const std::string& message);
std::string write_alto(const std::vector<PageResult>& pages, const WriterInfo& info = {});
// PAGE holds exactly one page per file: writes pages[page] (default the first).
std::string write_page_xml(const std::vector<PageResult>& pages, const WriterInfo& info = {},
                           size_t page = 0);
// One PDF page per page, sized from its resolution (300 dpi when unknown): the image (JPEG kept
// as JPEG, other pixels deflated) under the words in invisible Helvetica (text render mode 3),
// each stretched to its box, so viewers select, search and copy the text where it is printed.
// Characters outside Windows-1252 become '?'. Throws Error if a page has no image kept.
std::string write_pdf(const std::vector<PageResult>& pages, const WriterInfo& info = {});
// Whether a format embeds the page image (PageResult::image must be kept for it).
bool format_needs_image(OutputFormat f);
std::string write_document(OutputFormat f, const std::vector<PageResult>& pages,
                           const WriterInfo& info = {});

// Escaping helpers, exposed for tests.
std::string xml_escape(const std::string& s);
std::string json_escape(const std::string& s);

}  // namespace ocr
