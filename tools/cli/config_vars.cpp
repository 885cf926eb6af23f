#include "cli/config_vars.h"

#include <algorithm>
#include <map>

namespace ocr::cli {

namespace {

// Tesseract variables with an equivalent here; value maps to the option's own value.
struct TesseractVar {
  const char* option;
  std::string (*value)(const std::string&);
};

std::string same(const std::string& v) { return v; }
// Tesseract keeps word spaces whatever the whitelist says; --allow-chars would drop them.
std::string with_space(const std::string& v) { return v.find(' ') == std::string::npos ? v + " " : v; }
std::string invert_value(const std::string& v) { return v == "0" || v == "false" ? "no" : "auto"; }

const std::map<std::string, TesseractVar>& tesseract_vars() {
  static const std::map<std::string, TesseractVar> vars = {
      {"tessedit_char_whitelist", {"--allow-chars", with_space}},
      {"tessedit_char_blacklist", {"--deny-chars", same}},
      {"tessedit_pageseg_mode", {"--psm", same}},
      {"tessedit_do_invert", {"--invert", invert_value}},
      {"user_defined_dpi", {"--dpi", same}},
  };
  return vars;
}

}  // namespace

std::vector<std::string> expand_config_vars(const CLI::App& app, std::vector<std::string> args) {
  const CLI::App* sub = nullptr;
  std::vector<std::string> out;
  out.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!sub && !a.empty() && a[0] != '-') {
      for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
        if (s->get_name() == a) sub = s;
    }
    if (!sub || a != "-c") {
      out.push_back(a);
      continue;
    }
    if (i + 1 >= args.size()) throw CLI::ValidationError("-c", "-c needs NAME=VALUE");
    const std::string kv = args[++i];
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CLI::ValidationError("-c", "'" + kv + "' is not NAME=VALUE");
    const std::string name = kv.substr(0, eq), value = kv.substr(eq + 1);
    const auto t = tesseract_vars().find(name);
    std::string option;
    std::string v = value;
    if (t != tesseract_vars().end()) {
      option = t->second.option;
      v = t->second.value(value);
    } else {
      option = "--" + name;
      std::replace(option.begin(), option.end(), '_', '-');
    }
    const CLI::Option* opt = sub->get_option_no_throw(option);
    if (!opt || opt->get_positional())
      throw CLI::ValidationError("-c", "'" + name + "' is not a setting of `ocr " + sub->get_name() +
                                           "` (its long options, with _ for -, and a few Tesseract "
                                           "variables such as tessedit_char_whitelist)");
    if (opt->get_type_size() == 0) {
      // A flag: NAME=1/true sets it, NAME=0/false leaves it off.
      if (v == "1" || v == "true" || v == "yes" || v == "on") out.push_back(option);
      else if (!(v == "0" || v == "false" || v == "no" || v == "off"))
        throw CLI::ValidationError("-c", "'" + name + "' is a switch: give 1 or 0");
    } else {
      out.push_back(option + "=" + v);
    }
  }
  return out;
}

}  // namespace ocr::cli
