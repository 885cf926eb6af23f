// consumer MODEL IMAGE: prints the text of each page, then each word with its box and confidence;
// then reads a file that does not exist, to show the error crossing the library.
#include <cstdio>

#include "ocr/ocr.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer MODEL IMAGE\n");
    return 2;
  }
  try {
    std::printf("libocr %s\n", ocr::version());
    const ocr::Engine engine(argv[1]);
    for (const ocr::Page& page : engine.recognize_file(argv[2])) {
      std::printf("page %d (%dx%d):\n%s", page.index + 1, page.width, page.height, page.text.c_str());
      for (const ocr::Line& line : page.lines)
        for (const ocr::Word& word : line.words)
          std::printf("word %s %d,%d,%d,%d %.2f\n", word.text.c_str(), word.box.x0, word.box.y0, word.box.x1,
                      word.box.y1, word.confidence);
    }
  } catch (const ocr::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  try {
    ocr::Engine(argv[1]).recognize_file("no-such-scan.png");
  } catch (const ocr::Error& e) {
    std::printf("caught: %s\n", e.what());
  }
  return 0;
}
