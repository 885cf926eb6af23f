// Parts of ocr that need large shared libraries only some runs use (poppler to read PDF, MPI to
// train across processes) are plugins, loaded on first use: linked into the executable, those
// libraries and the ~20 they pull in were loaded and relocated by every process, about 8 ms of
// each start (a fifth of reading one line).
#pragma once
#include <string>

namespace ocr {

// Raised whenever the interface between ocr and its plugins changes: a plugin left by another
// build is passed over instead of called through the wrong interface.
constexpr int kPluginAbi = 1;

// The address of `symbol` in the plugin `name` (libocr_NAME.so), loaded once per process. Looked
// for beside the running executable, in the installed plugin folder (relative to the executable,
// then the configured prefix) and in the build tree. Throws Error naming the plugin, the folders
// looked in, and why the nearest candidate failed (dlerror, or another build's plugin).
void* plugin_symbol(const std::string& name, const char* symbol);

}  // namespace ocr
