// Finding line images and their ground truth: STEM.gt.txt beside STEM.png (or .bin.png, .nrm.png,
// .tif, .tiff, .jpg, .jpeg), as tesstrain, kraken and Calamari lay them out. STEM is the file
// name up to its first dot. Pages transcribed in PAGE or ALTO XML give one pair per text line, a
// region of the page image (see xml_gt.h). Used by `ocr eval` and by training.
#pragma once
#include <array>
#include <string>
#include <vector>

namespace ocr {

struct GtPair {
  std::string image;    // path of the line image (of the page image for an XML line)
  std::string gt_path;  // path of its STEM.gt.txt (of the PAGE/ALTO file for an XML line)
  std::string text;     // ground truth: UTF-8, BOM and trailing line breaks removed
  // XML lines only: the line's outline on the page image (a polygon, or a box's four corners),
  // its id, and the unit of the coordinates (0 = pixels, else units per inch: ALTO mm10 = 254).
  std::vector<std::array<double, 2>> region = {};
  std::string line_id = {};
  double units_per_inch = 0;

  bool is_region() const { return !region.empty(); }
  // How reports name the line: the image, or FILE.xml#LINE_ID.
  std::string name() const { return is_region() ? gt_path + "#" + line_id : image; }
};

// dir_or_list is a directory (scanned non-recursively: every line image with a STEM.gt.txt, and
// every PAGE or ALTO .xml file, whose page images are then not orphans), a PAGE/ALTO file, or a
// list file (one image path per line; blank lines and lines starting with '#' skipped; a relative
// path is taken from the current directory, else from the list's directory; a .gt.txt path is
// also accepted and paired with the image beside it, a PAGE/ALTO path gives its lines). Pairs come sorted by image path, the lines
// of one page in document order.
// Each image without ground truth, ground truth without an image (directories), empty or
// malformed (non UTF-8) ground truth, or listed path that does not exist is skipped and described,
// with its path, in *problems (if given). Throws IoError when dir_or_list itself is missing or
// unreadable.
std::vector<GtPair> find_gt_pairs(const std::string& dir_or_list,
                                  std::vector<std::string>* problems = nullptr);

// File name up to its first dot: "a/b/x.bin.png" → "x".
std::string path_stem(const std::string& path);
// Whether a file name looks like a line image (by extension, case-insensitive).
bool is_line_image(const std::string& path);
// Reads a one-line text file (ground truth or prediction): strips a UTF-8 BOM and trailing CR/LF.
// Throws IoError if unreadable, FormatError (naming the file) if not valid UTF-8.
std::string read_line_text(const std::string& path);
// Where the prediction for an image may be in pred_dir, in order: STEM.txt, STEM.pred.txt, and the
// image name with its last extension replaced by .txt (x.bin.png → x.bin.txt, as `ocr recognize`
// writes).
std::vector<std::string> prediction_candidates(const std::string& pred_dir,
                                               const std::string& image);
// The first candidate that exists; "" when none does.
std::string find_prediction(const std::string& pred_dir, const std::string& image);

}  // namespace ocr
