#include "ocr/core/plugin.h"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <vector>

#include "ocr/core/error.h"
#include "ocr/core/log.h"

namespace ocr {

namespace {

namespace fs = std::filesystem;

// The folders a plugin may be in, nearest first. OCR_PLUGIN_RELATIVE_DIR leads from the
// executable's folder to the installed plugins (bin -> lib/<arch>/ocr), so a moved installation
// still finds its own; the build tree's folder serves the executables and tests in it.
std::vector<fs::path> plugin_folders() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path());
#ifdef OCR_PLUGIN_RELATIVE_DIR
    dirs.push_back((exe.parent_path() / OCR_PLUGIN_RELATIVE_DIR).lexically_normal());
#endif
  }
#ifdef OCR_PLUGIN_INSTALL_DIR
  dirs.push_back(OCR_PLUGIN_INSTALL_DIR);
#endif
#ifdef OCR_PLUGIN_BUILD_DIR
  dirs.push_back(OCR_PLUGIN_BUILD_DIR);
#endif
  return dirs;
}

void* open_plugin(const std::string& name) {
  const std::string file = "libocr_" + name + ".so";
  std::string looked, first_failure;
  for (const fs::path& dir : plugin_folders()) {
    const fs::path path = dir / file;
    looked += (looked.empty() ? "" : ", ") + dir.string();
    std::error_code ec;
    if (!fs::exists(path, ec)) continue;
    // RTLD_LOCAL: the plugin's libraries stay out of the scope every later symbol lookup walks.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      if (first_failure.empty()) first_failure = dlerror();
      continue;
    }
    using AbiFn = int (*)();
    auto abi = reinterpret_cast<AbiFn>(dlsym(handle, "ocr_plugin_abi"));
    if (abi && abi() == kPluginAbi) {
      log::debug("plugin {}", path.string());
      return handle;
    }
    if (first_failure.empty())
      first_failure = path.string() + " is from another build of ocr (plugin interface " +
                      (abi ? std::to_string(abi()) : std::string("unknown")) + ", this one " +
                      std::to_string(kPluginAbi) + ")";
    dlclose(handle);
  }
  throw Error("plugin " + file + " not found (looked in " + looked + ")" +
              (first_failure.empty() ? "" : ": " + first_failure));
}

}  // namespace

void* plugin_symbol(const std::string& name, const char* symbol) {
  static std::mutex mutex;
  static std::map<std::string, void*> handles;  // never closed: their code may run until exit
  std::lock_guard<std::mutex> lock(mutex);
  void*& handle = handles[name];
  if (!handle) handle = open_plugin(name);
  void* address = dlsym(handle, symbol);
  if (!address) throw Error("plugin libocr_" + name + ".so has no " + symbol);
  return address;
}

}  // namespace ocr
