// Ground truth from page transcriptions: PAGE XML (PRImA, 2010–2019 schemas, as Transkribus,
// eScriptorium, OCR-D and Tesseract write it) and ALTO (v2–v4). Each text line with text becomes
// one GtPair over the page image: PAGE TextLine/Coords (or its Word texts joined) and ALTO
// TextLine HPOS/VPOS/WIDTH/HEIGHT (or its Shape/Polygon), String CONTENT joined at SP, HYP kept.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ocr/eval/dataset.h"

namespace ocr {

// Bounds on the work one hostile file can cause (issue 19); each is far above real pages. A line
// beyond a per-line limit is skipped with a problem; a file beyond a per-file limit gives one
// problem naming the limit and no pairs.
constexpr int64_t kXmlMaxBytes = 64 << 20;     // file size
constexpr int kXmlMaxAttributes = 256;         // attributes of one element
constexpr int kXmlMaxLines = 20000;            // text lines of one file
constexpr int kXmlMaxOutlinePoints = 10000;    // points of one line's outline
constexpr int kXmlMaxTotalPoints = 1'000'000;  // points of all outlines of one file
constexpr double kXmlMaxCoordinate = 1e6;      // |x|, |y| in the file's units
constexpr double kXmlMaxOverlap = 32;          // the lines' boxes' total area / the box around them

// Whether the name looks like a PAGE/ALTO file (.xml, case-insensitive).
bool is_xml_gt(const std::string& path);

// The lines of one PAGE or ALTO file, in document order. The page image is the file the XML
// names (PAGE imageFilename, ALTO sourceImageInformation/fileName), taken relative to the XML's
// folder, else the image beside the XML with its stem (x.xml, x.page.xml → x.png, x.tif, ...).
// Lines without text or outline are skipped and described in *problems; a file that is not
// well-formed XML, neither PAGE nor ALTO, or without a findable image gives one problem and no
// pairs. Never throws for a bad file.
std::vector<GtPair> read_xml_gt(const std::string& xml_path, std::vector<std::string>* problems);

}  // namespace ocr
