// tests/forms: golden answer sets shared by golden.tests.cpp and emit_fhir_examples.cpp (not
// a test file itself; the glob picks up *.tests.cpp only). Synthetic content only.
//
// Layout: tests/forms/golden/<type>/<case>.<lang>.answers.json, where <type> is a protocol
// package in assets/protocols/<type>.json and <lang> (ko or en) is the language the
// participant chose. The answers file is exactly what `kioskctl form fill --answers` takes: a
// JSON object linkId -> value or array of values (choice answers by code), so the language is
// part of the file name rather than a key in it. Next to it:
//   <case>.<lang>.enabled.txt     the enabled question linkIds (items with an answer type) of
//                                 every Questionnaire that got answers, sorted, one per line;
//   <case>.<lang>.responses.json  the QuestionnaireResponses, one per answered Questionnaire
//                                 in package order, authored at kGoldenAuthored.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "forms/package.h"
#include "forms/response.h"
#include "forms/session.h"
#include "kiosk/form_tools.h"

namespace golden {

namespace fs = std::filesystem;
using nlohmann::json;

inline constexpr char kGoldenAuthored[] = "2026-11-01T10:00:00+09:00";
inline const std::vector<std::string> kTypes = {"rare", "severe", "general"};

struct Case {
  std::string type;  // rare | severe | general
  std::string name;  // e.g. "female-smoker.ko"
  std::string lang;  // ko | en
  fs::path answers_file;
  fs::path enabled_file() const { return answers_file.parent_path() / (name + ".enabled.txt"); }
  fs::path responses_file() const { return answers_file.parent_path() / (name + ".responses.json"); }
};

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + p.string());
}

// The answer sets of one package type, sorted by name. A file whose name does not end in
// ".ko.answers.json" or ".en.answers.json" is returned with an empty lang (callers fail it).
inline std::vector<Case> find_cases(const fs::path& golden_root, const std::string& type) {
  std::vector<Case> out;
  const fs::path dir = golden_root / type;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  const std::string suffix = ".answers.json";
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string file = e.path().filename().string();
    if (file.size() <= suffix.size() || file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    Case c;
    c.type = type;
    c.name = file.substr(0, file.size() - suffix.size());
    c.answers_file = e.path();
    const std::size_t dot = c.name.rfind('.');
    if (dot != std::string::npos) {
      const std::string lang = c.name.substr(dot + 1);
      if (lang == "ko" || lang == "en") c.lang = lang;
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

inline forms::ProtocolPackage load_package_file(const fs::path& file) {
  forms::PackageLoad l = forms::load_package(json::parse(read_text(file)));
  if (!l.ok()) {
    std::string msg = file.string() + " does not load:";
    for (const forms::Problem& p : l.problems) msg += "\n  " + p.to_string();
    throw std::runtime_error(msg);
  }
  return std::move(*l.package);
}

struct Answered {
  const forms::Questionnaire* questionnaire = nullptr;
  std::unique_ptr<forms::FormSession> session;
};

struct Filled {
  std::vector<Answered> answered;     // Questionnaires with at least one answer, package order
  std::vector<std::string> refused;   // answers answer_from_json or set_answers refused, and unknown linkIds
  std::vector<std::string> invalid;   // validate_all() messages: "<url> <linkId> [<code>]: <text>"

  const Answered* find_role(const std::string& role) const {
    for (const Answered& a : answered)
      if (a.questionnaire->role == role) return &a;
    return nullptr;
  }
};

// Applies `answers` to every Questionnaire of `pkg` that has any of its linkIds, in `lang`.
// REQUIRES: `pkg` outlives the result.
inline Filled fill(const forms::ProtocolPackage& pkg, const json& answers, const std::string& lang) {
  Filled f;
  if (!answers.is_object()) {
    f.refused.push_back("the answers file is not a JSON object");
    return f;
  }
  std::vector<std::string> known;
  for (const forms::Questionnaire& q : pkg.questionnaires) {
    auto s = std::make_unique<forms::FormSession>(q, lang);
    bool any = false;
    for (auto kv = answers.begin(); kv != answers.end(); ++kv) {
      const forms::Item* it = q.find(kv.key());
      if (!it) continue;
      known.push_back(kv.key());
      any = true;
      std::vector<forms::Value> values;
      const json list = kv.value().is_array() ? kv.value() : json::array({kv.value()});
      for (const json& v : list) {
        platform::Result<forms::Value> val = kiosk::answer_from_json(*it, v);
        if (!val.is_ok()) f.refused.push_back(val.status().to_string());
        else values.push_back(std::move(val.value()));
      }
      platform::Status st = s->set_answers(kv.key(), std::move(values));
      if (!st.is_ok()) f.refused.push_back(st.to_string());
    }
    if (!any) continue;
    for (const forms::ValidationMessage& m : s->validate_all())
      f.invalid.push_back(q.url + " " + m.link_id + " [" + m.code + "]: " + m.text);
    f.answered.push_back({&q, std::move(s)});
  }
  for (auto kv = answers.begin(); kv != answers.end(); ++kv)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      f.refused.push_back(kv.key() + ": no such item in the " + pkg.participation_type + " package");
  return f;
}

// Enabled items that take an answer, over every answered Questionnaire; sorted.
inline std::vector<std::string> enabled_link_ids(const Filled& f) {
  std::vector<std::string> out;
  for (const Answered& a : f.answered) {
    const forms::Questionnaire& q = *a.questionnaire;
    for (std::size_t i = 0; i < q.items.size(); ++i)
      if (q.items[i].has_answer_type() && a.session->enabled(static_cast<int>(i))) out.push_back(q.items[i].link_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline json responses(const Filled& f, const std::string& authored = kGoldenAuthored) {
  json out = json::array();
  for (const Answered& a : f.answered) out.push_back(forms::make_questionnaire_response(*a.session, authored));
  return out;
}

inline std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + "\n";
  return s;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

// Golden JSON is written pretty-printed, UTF-8 as is, with a final newline.
inline std::string golden_json(const json& j) { return j.dump(2) + "\n"; }

}  // namespace golden
