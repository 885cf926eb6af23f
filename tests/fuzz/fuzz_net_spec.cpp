// Net specs (--net, and the spec a model file carries): built as a recognizer and as a map
// network; a built net reports its cost.
#include "fuzz_common.h"
#include "ocr/nn/network.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string spec(reinterpret_cast<const char*>(data), size);
  for (int maps : {0, 1}) {
    try {
      ocr::Network n(spec, 32, maps ? 0 : 10);
      n.forward_macs(64);
    } catch (const ocr::Error&) {
    }
  }
  return 0;
}
