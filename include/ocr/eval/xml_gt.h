// Ground truth from page transcriptions: PAGE XML (PRImA, 2010–2019 schemas, as Transkribus,
// eScriptorium, OCR-D and Tesseract write it) and ALTO (v2–v4). Each text line with text becomes
// one GtPair over the page image: PAGE TextLine/Coords (or its Word texts joined) and ALTO
// TextLine HPOS/VPOS/WIDTH/HEIGHT (or its Shape/Polygon), String CONTENT joined at SP, HYP kept.
#pragma once
#include <string>
#include <vector>

#include "ocr/eval/dataset.h"

namespace ocr {

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
