#include "ocr/eval/report.h"

#include <cstdio>
#include <sstream>

#include "ocr/core/error.h"

namespace ocr {

namespace {

std::string percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * rate);
  return buf;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Quoted for the confusion table, with control characters escaped so that a tab or a stray
// newline cannot break the layout.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

size_t evaluate_predictions(const std::vector<GtPair>& pairs, const std::string& pred_dir,
                            EvalAccumulator& acc, std::vector<std::string>* problems) {
  size_t added = 0;
  for (const GtPair& pair : pairs) {
    if (pair.is_region()) {
      // Per-line prediction files cannot name the lines of a page; recognize them instead.
      if (problems) problems->push_back(pair.name() + ": --pred compares per-line files; PAGE/ALTO lines are read by `ocr eval` without --pred");
      continue;
    }
    const std::string pred = find_prediction(pred_dir, pair.image);
    if (pred.empty()) {
      if (problems) {
        std::string msg = "no prediction for image " + pair.image + ": none of";
        for (const auto& c : prediction_candidates(pred_dir, pair.image)) msg += " " + c;
        problems->push_back(msg);
      }
      continue;
    }
    try {
      acc.add(pair.image, pair.text, read_line_text(pred));
      ++added;
    } catch (const Error& e) {
      if (problems) problems->push_back(e.what());
    }
  }
  return added;
}

std::string format_report(const EvalAccumulator& acc, size_t skipped, const ReportOptions& options) {
  std::ostringstream out;
  out << "normalisation: " << describe(acc.options()) << "\n";
  out << "lines:         " << acc.lines().size() << " evaluated";
  if (skipped) out << ", " << skipped << " skipped";
  out << "\n";
  out << "CER:           " << percent(acc.cer()) << "  (" << acc.char_edits() << " edits / "
      << acc.gt_chars() << " characters)\n";
  out << "WER:           " << percent(acc.wer()) << "  (" << acc.word_edits() << " edits / "
      << acc.gt_words() << " words)\n";
  const auto worst = acc.worst(options.worst);
  if (!worst.empty()) {
    out << "\nworst lines (character edits, CER, line):\n";
    for (const auto& l : worst) {
      char head[64];
      std::snprintf(head, sizeof head, "%6lld %8s  ", static_cast<long long>(l.char_edits),
                    percent(l.cer()).c_str());
      out << head << l.id << "\n";
      out << "                 gt:  " << l.gt << "\n";
      out << "                 ocr: " << l.ocr << "\n";
    }
  }
  const auto conf = acc.confusions(options.confusions);
  if (!conf.empty()) {
    out << "\nconfusions (count, ground truth -> output):\n";
    for (const auto& c : conf) {
      char head[32];
      std::snprintf(head, sizeof head, "%6lld  ", static_cast<long long>(c.count));
      out << head << quoted(c.gt) << " -> " << quoted(c.ocr) << "\n";
    }
  }
  return out.str();
}

std::string format_report_json(const EvalAccumulator& acc, const std::vector<std::string>& problems,
                               const ReportOptions& options) {
  std::ostringstream out;
  out << "{\n  \"normalization\": {\"nfc\": true, \"whitespace_collapsed\": true, \"fold_styles\": "
      << (acc.options().fold_styles ? "true" : "false")
      << ", \"ignore_case\": " << (acc.options().ignore_case ? "true" : "false") << "},\n";
  out << "  \"lines\": " << acc.lines().size() << ",\n  \"skipped\": " << problems.size() << ",\n";
  out << "  \"cer\": " << number(acc.cer()) << ",\n  \"char_edits\": " << acc.char_edits()
      << ",\n  \"gt_chars\": " << acc.gt_chars() << ",\n";
  out << "  \"wer\": " << number(acc.wer()) << ",\n  \"word_edits\": " << acc.word_edits()
      << ",\n  \"gt_words\": " << acc.gt_words() << ",\n";
  out << "  \"worst\": [";
  const auto worst = acc.worst(options.worst);
  for (size_t i = 0; i < worst.size(); ++i) {
    const auto& l = worst[i];
    out << (i ? ",\n" : "\n") << "    {\"id\": " << json_string(l.id)
        << ", \"char_edits\": " << l.char_edits << ", \"cer\": " << number(l.cer())
        << ", \"gt\": " << json_string(l.gt) << ", \"ocr\": " << json_string(l.ocr) << "}";
  }
  out << (worst.empty() ? "],\n" : "\n  ],\n");
  out << "  \"confusions\": [";
  const auto conf = acc.confusions(options.confusions);
  for (size_t i = 0; i < conf.size(); ++i)
    out << (i ? ",\n" : "\n") << "    {\"gt\": " << json_string(conf[i].gt)
        << ", \"ocr\": " << json_string(conf[i].ocr) << ", \"count\": " << conf[i].count << "}";
  out << (conf.empty() ? "],\n" : "\n  ],\n");
  out << "  \"problems\": [";
  for (size_t i = 0; i < problems.size(); ++i)
    out << (i ? ",\n" : "\n") << "    " << json_string(problems[i]);
  out << (problems.empty() ? "]\n" : "\n  ]\n") << "}\n";
  return out.str();
}

}  // namespace ocr
