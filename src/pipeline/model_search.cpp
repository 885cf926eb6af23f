#include "ocr/pipeline/model_search.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "ocr/core/error.h"

namespace fs = std::filesystem;

namespace ocr {

namespace {

constexpr const char* kExt = ".ocrm";

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::string available(const std::string& extra_dir) {
  std::string names;
  for (const auto& m : list_models(extra_dir)) names += (names.empty() ? "" : ", ") + m.name;
  return names.empty() ? "none" : names;
}

}  // namespace

std::vector<std::string> model_search_path(const std::string& extra_dir) {
  std::vector<std::string> dirs;
  auto add = [&](const std::string& d) {
    if (!d.empty() && std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  };
  add(extra_dir);
  if (const char* env = std::getenv("OCR_MODEL_DIR")) {
    std::string s = env;
    for (size_t start = 0; start <= s.size();) {
      const size_t colon = std::min(s.find(':', start), s.size());
      add(s.substr(start, colon - start));
      start = colon + 1;
    }
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    add((fs::path(xdg) / "ocr" / "models").string());
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    add((fs::path(home) / ".local" / "share" / "ocr" / "models").string());
  }
  add(OCR_SOURCE_MODEL_DIR);
  add(OCR_INSTALL_MODEL_DIR);
  return dirs;
}

std::vector<ModelEntry> list_models(const std::string& extra_dir) {
  std::vector<ModelEntry> out;
  std::map<std::string, size_t> index;
  for (const auto& dir : model_search_path(extra_dir)) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == kExt && is_file(it->path())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string name = f.stem().string();
      auto [pos, fresh] = index.emplace(name, out.size());
      if (fresh) out.push_back({name, f.string(), {}});
      else out[pos->second].shadowed.push_back(f.string());
    }
  }
  std::sort(out.begin(), out.end(), [](const ModelEntry& a, const ModelEntry& b) { return a.name < b.name; });
  return out;
}

std::string resolve_model(const std::string& name_or_path, const std::string& extra_dir) {
  if (name_or_path.empty()) return default_model_path(extra_dir);
  if (is_file(name_or_path)) return name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               fs::path(name_or_path).extension() == kExt;
  if (looks_like_path) throw IoError(name_or_path + ": no such model file");
  if (name_or_path.find_first_of("+,") != std::string::npos)
    throw IoError(name_or_path + ": a list of models is read only by recognize and eval (which fuse them); "
                  "name one here (available: " + available(extra_dir) + ")");
  std::string looked;
  for (const auto& dir : model_search_path(extra_dir)) {
    const fs::path p = fs::path(dir) / (name_or_path + kExt);
    if (is_file(p)) return p.string();
    looked += " " + dir;
  }
  throw IoError("no model named '" + name_or_path + "' (" + name_or_path + kExt + ") in" + looked +
                "; available: " + available(extra_dir) + " (`ocr models` lists them)");
}

std::vector<std::string> resolve_models(const std::string& list, const std::string& extra_dir) {
  if (list.empty() || is_file(list)) return {resolve_model(list, extra_dir)};
  std::vector<std::string> paths;
  for (size_t start = 0; start <= list.size();) {
    const size_t end = std::min(list.find_first_of("+,", start), list.size());
    const std::string item = list.substr(start, end - start);
    if (item.empty()) throw IoError(list + ": empty model name in the list (names are separated by '+' or ',')");
    paths.push_back(resolve_model(item, extra_dir));
    start = end + 1;
  }
  return paths;
}

std::string default_model_path(const std::string& extra_dir) {
  if (const char* env = std::getenv("OCR_MODEL")) {
    if (is_file(env)) return env;
    throw IoError(std::string("OCR_MODEL points to ") + env + ", which is not a readable file");
  }
  try {
    return resolve_model("eng", extra_dir);
  } catch (const IoError& e) {
    throw IoError(std::string("no model given and the shipped model was not found: ") + e.what() +
                  " (set OCR_MODEL or pass --model)");
  }
}

std::string resolve_detector(const std::string& choice, const std::string& extra_dir) {
  if (choice == "heuristic") return "";
  if (choice.empty() || choice == "auto") {
    for (const auto& dir : model_search_path(extra_dir)) {
      const fs::path p = fs::path(dir) / (std::string("lines") + kExt);
      if (is_file(p)) return p.string();
    }
    return "";
  }
  return resolve_model(choice, extra_dir);
}

std::string resolve_fax_detector(const std::string& choice, const std::string& detector_path) {
  if (!(choice.empty() || choice == "auto") || detector_path.empty()) return "";
  const fs::path p = fs::path(detector_path).parent_path() / (std::string("lines_fax") + kExt);
  return is_file(p) ? p.string() : "";
}

namespace {

// env if set, else `name` in the model's folder if it exists, else "".
std::string beside_model(const char* env_var, const std::string& model_path, const std::string& name) {
  if (const char* env = std::getenv(env_var); env && *env) return env;
  const fs::path dir = fs::path(model_path).parent_path();
  const fs::path p = (dir.empty() ? fs::path(".") : dir) / name;
  std::error_code ec;
  return fs::is_regular_file(p, ec) ? p.string() : "";
}

}  // namespace

std::string default_lm_path(const std::string& model_path) { return beside_model("OCR_LM", model_path, "eng.lm"); }

std::string default_lexicon_path(const std::string& model_path) {
  return beside_model("OCR_LEXICON", model_path, "eng.words");
}

}  // namespace ocr
