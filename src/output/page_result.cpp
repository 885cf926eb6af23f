#include "ocr/output/page_result.h"

#include <algorithm>

namespace ocr {

Box Box::united(const Box& o) const {
  if (o.empty()) return *this;
  if (empty()) return o;
  return {std::min(x0, o.x0), std::min(y0, o.y0), std::max(x1, o.x1), std::max(y1, o.y1)};
}

namespace {

// Whether line b, next in reading order after a, continues a's row: to its right, and sharing
// most of its height (a receipt's item and its price, a form's label and its value).
bool same_row(const Box& a, const Box& b);

// A box in the frame the page was read in: turned by `degrees` clockwise (boxes are given in the
// image as it was, so a page read sideways has its lines side by side there).
Box in_reading_frame(const Box& b, int degrees) {
  switch (((degrees % 360) + 360) % 360) {
    case 90: return {-b.y1, b.x0, -b.y0, b.x1};
    case 180: return {-b.x1, -b.y1, -b.x0, -b.y0};
    case 270: return {b.y0, -b.x1, b.y1, -b.x0};
    default: return b;
  }
}

bool same_row(const Box& a, const Box& b) {
  const int overlap = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
  const int shorter = std::min(a.y1 - a.y0, b.y1 - b.y0);
  return shorter > 0 && 2 * overlap >= shorter && b.x0 >= a.x1 - shorter / 4;
}

}  // namespace

std::string PageResult::text() const {
  std::string out;
  bool first_block = true;
  for (const auto& b : blocks) {
    std::string block;
    const LineResult* previous = nullptr;
    for (const auto& p : b.paragraphs)
      for (const auto& l : p.lines) {
        if (l.text.empty()) continue;
        // The fields of one row on one line of text, as they are printed.
        if (previous && same_row(in_reading_frame(previous->box, orientation), in_reading_frame(l.box, orientation)))
          block.back() = ' ';
        block += l.text;
        block += '\n';
        previous = &l;
      }
    if (block.empty()) continue;
    if (!first_block) out += '\n';
    out += block;
    first_block = false;
  }
  return out;
}

std::vector<WordResult> split_words(const std::vector<CharResult>& chars) {
  std::vector<WordResult> words;
  WordResult cur;
  auto flush = [&] {
    if (cur.chars.empty()) return;
    // A word is right only if all its characters are: its weakest one speaks for it, which is
    // also how `ocr lm calibrate` fits and checks word confidences.
    float weakest = 1.0f;
    for (const auto& c : cur.chars) {
      cur.text += c.text;
      cur.box = cur.box.united(c.box);
      weakest = std::min(weakest, c.confidence);
    }
    cur.confidence = weakest;
    words.push_back(std::move(cur));
    cur = WordResult();
  };
  for (const auto& c : chars) {
    bool space = c.text == " " || c.text == "\t" || c.text == "\u00a0" || c.text.empty();
    if (space) {
      flush();
    } else {
      cur.chars.push_back(c);
    }
  }
  flush();
  return words;
}

void finalize_line(LineResult& line) {
  line.text.clear();
  double sum = 0;
  size_t n = 0;
  Box box;
  for (const auto& w : line.words) {
    if (!line.text.empty()) line.text += ' ';
    line.text += w.text;
    box = box.united(w.box);
    for (const auto& c : w.chars) {
      sum += c.confidence;
      ++n;
    }
  }
  if (line.box.empty()) line.box = box;
  line.confidence = n ? static_cast<float>(sum / n) : 0.0f;
}

void finalize_boxes(PageResult& page) {
  for (auto& b : page.blocks) {
    Box bb;
    for (auto& p : b.paragraphs) {
      Box pb;
      for (const auto& l : p.lines) pb = pb.united(l.box);
      p.box = pb;
      bb = bb.united(pb);
    }
    b.box = bb;
  }
}

}  // namespace ocr
