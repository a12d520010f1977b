// tests/forms: builders for small FHIR R4 Questionnaires written inline in tests, and helpers
// to load them and look at the problems found (not a test file itself; the glob picks up
// *.tests.cpp only). Synthetic content only.
//
// Conventions: a Questionnaire from q(...) is in Korean with English declared as a
// translation language; item(link, type) gets the texts "질문 <link>" / "Question <link>"
// unless texts are given; coded options from opt_coding(code) read "보기 <code>" / "Option
// <code>".
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "forms/package.h"
#include "forms/questionnaire.h"
#include "forms/session.h"

namespace ft {

using nlohmann::json;

inline const std::string kHl7 = "http://hl7.org/fhir/StructureDefinition/";
inline const std::string kBbd = "https://bbd.example.kr/fhir/StructureDefinition/";
inline const std::string kSys = "https://example.test/fhir/CodeSystem/test";
inline const std::string kItemControlSystem = "http://hl7.org/fhir/questionnaire-item-control";
inline const std::string kUrl = "https://example.test/fhir/Questionnaire/t";

// ---- texts ----------------------------------------------------------------------------------

// The "_field" sibling that carries `content` in `lang`.
inline json translations(const std::string& content, const std::string& lang = "en") {
  return {{"extension", json::array({{{"url", forms::kTranslationUrl},
                                      {"extension", json::array({{{"url", "lang"}, {"valueCode", lang}},
                                                                 {{"url", "content"}, {"valueString", content}}})}}})}};
}

// Sets obj[field] = ko and obj["_" + field] = its English translation (none if en is empty).
inline void set_text(json& obj, const std::string& field, const std::string& ko, const std::string& en) {
  obj[field] = ko;
  if (!en.empty()) obj["_" + field] = translations(en);
  else obj.erase("_" + field);
}

// ---- items ----------------------------------------------------------------------------------

inline json item(const std::string& link, const std::string& type, const std::string& ko = "",
                 const std::string& en = "") {
  json j = {{"linkId", link}, {"type", type}};
  if (ko.empty()) set_text(j, "text", "질문 " + link, "Question " + link);
  else set_text(j, "text", ko, en);
  return j;
}
// An item with no text at all.
inline json bare(const std::string& link, const std::string& type) { return {{"linkId", link}, {"type", type}}; }

inline json display(const std::string& link, const std::string& ko = "", const std::string& en = "") {
  return item(link, "display", ko, en);
}
inline json group(const std::string& link, std::vector<json> kids, const std::string& ko = "",
                  const std::string& en = "") {
  json g = item(link, "group", ko, en);
  g["item"] = std::move(kids);
  return g;
}
inline json children(json it, std::vector<json> kids) {
  it["item"] = std::move(kids);
  return it;
}
inline json required(json it) {
  it["required"] = true;
  return it;
}
inline json repeats(json it) {
  it["repeats"] = true;
  return it;
}
inline json set(json it, const std::string& key, json value) {
  it[key] = std::move(value);
  return it;
}
inline json with_ext(json it, json x) {
  if (!it.contains("extension")) it["extension"] = json::array();
  it["extension"].push_back(std::move(x));
  return it;
}

// ---- extensions -----------------------------------------------------------------------------

inline json hl7(const std::string& name, const std::string& key, json value) {
  return {{"url", kHl7 + name}, {key, std::move(value)}};
}
inline json bbd(const std::string& name, const std::string& key, json value) {
  return {{"url", kBbd + name}, {key, std::move(value)}};
}
inline json translated_ext(const std::string& url, const std::string& ko, const std::string& en) {
  json x = {{"url", url}};
  set_text(x, "valueString", ko, en);
  return x;
}
inline json control(const std::string& code) {
  return {{"url", kHl7 + "questionnaire-itemControl"},
          {"valueCodeableConcept", {{"coding", json::array({{{"system", kItemControlSystem}, {"code", code}}})}}}};
}
inline json consent_provision(const std::string& code) { return bbd("consent-provision", "valueCode", code); }
inline json consent_mandatory() { return bbd("consent-mandatory", "valueBoolean", true); }
inline json explanation(const std::string& ko = "설명입니다", const std::string& en = "The explanation") {
  return translated_ext(kBbd + "explanation", ko, en);
}

// ---- answer options -------------------------------------------------------------------------

inline json coding(const std::string& code, const std::string& ko = "", const std::string& en = "",
                   const std::string& system = kSys) {
  json c = {{"system", system}, {"code", code}};
  set_text(c, "display", ko.empty() ? "보기 " + code : ko, ko.empty() ? "Option " + code : en);
  return c;
}
inline json opt_coding(const std::string& code, const std::string& ko = "", const std::string& en = "") {
  return {{"valueCoding", coding(code, ko, en)}};
}
inline json opt_string(const std::string& ko, const std::string& en) {
  json o = json::object();
  set_text(o, "valueString", ko, en);
  return o;
}
inline json opt_int(std::int64_t n) { return {{"valueInteger", n}}; }
inline json opt_date(const std::string& d) { return {{"valueDate", d}}; }
inline json correct(json opt) {
  opt["extension"] = json::array({bbd("correct-answer", "valueBoolean", true)});
  return opt;
}
inline json selected(json opt) {
  opt["initialSelected"] = true;
  return opt;
}
inline json options(json it, std::vector<json> opts) {
  it["answerOption"] = std::move(opts);
  return it;
}
// A choice item with coded options "보기 <code>" / "Option <code>".
inline json choice(const std::string& link, const std::vector<std::string>& codes, const std::string& ko = "",
                   const std::string& en = "") {
  std::vector<json> opts;
  for (const std::string& c : codes) opts.push_back(opt_coding(c));
  return options(item(link, "choice", ko, en), std::move(opts));
}

// ---- enableWhen -----------------------------------------------------------------------------

// {"question": q, "operator": op, answer_key: value}, e.g. cond("a", "=", "answerBoolean", true).
inline json cond(const std::string& question, const std::string& op, const std::string& answer_key, json value) {
  return {{"question", question}, {"operator", op}, {answer_key, std::move(value)}};
}
inline json exists(const std::string& question, bool v = true) { return cond(question, "exists", "answerBoolean", v); }
inline json when(json it, std::vector<json> conds, const std::string& behavior = "") {
  it["enableWhen"] = std::move(conds);
  if (!behavior.empty()) it["enableBehavior"] = behavior;
  return it;
}

// ---- questionnaires -------------------------------------------------------------------------

// A Korean Questionnaire with English declared as a translation language.
template <typename... Items>
json q(Items... items) {
  json j = {{"resourceType", "Questionnaire"},
            {"url", kUrl},
            {"version", "1.0.0"},
            {"name", "Test"},
            {"status", "active"},
            {"language", "ko"},
            {"extension", json::array({bbd("translation-languages", "valueCode", "en")})},
            {"item", json::array({json(std::move(items))...})}};
  set_text(j, "title", "시험 설문", "Test survey");
  return j;
}
inline json with_role(json qj, const std::string& role) {
  qj["extension"].push_back(bbd("protocol-role", "valueCode", role));
  return qj;
}
// The same Questionnaire in Korean only (no declared translation).
inline json ko_only(json qj) {
  json ext = json::array();
  for (const json& x : qj["extension"])
    if (x.value("url", "") != kBbd + "translation-languages") ext.push_back(x);
  qj["extension"] = ext;
  return qj;
}

// ---- loading --------------------------------------------------------------------------------

inline std::string describe(const std::vector<forms::Problem>& ps) {
  std::string s;
  for (const forms::Problem& p : ps) s += p.to_string() + "\n";
  return s.empty() ? "(no problems)" : s;
}

inline std::vector<forms::Problem> problems_of(const json& j) { return forms::load_questionnaire(j).problems; }

// A problem at exactly `pointer` naming `link` whose message contains `needle`.
inline bool has_problem(const std::vector<forms::Problem>& ps, const std::string& pointer, const std::string& link,
                        const std::string& needle) {
  for (const forms::Problem& p : ps)
    if (p.pointer == pointer && p.link_id == link && p.message.find(needle) != std::string::npos) return true;
  return false;
}

// Loads `j`, REQUIRE-ing no problems.
inline forms::Questionnaire load_ok(const json& j) {
  forms::LoadResult r = forms::load_questionnaire(j);
  INFO(describe(r.problems));
  REQUIRE(r.ok());
  return std::move(*r.questionnaire);
}

// Checks that loading fails with exactly the expected problem among those reported.
#define FT_CHECK_PROBLEM(json_value, pointer, link, needle)                    \
  do {                                                                         \
    forms::LoadResult ft_r_ = forms::load_questionnaire(json_value);           \
    INFO(ft::describe(ft_r_.problems));                                        \
    CHECK_FALSE(ft_r_.ok());                                                   \
    CHECK_FALSE(ft_r_.questionnaire.has_value());                              \
    CHECK(ft::has_problem(ft_r_.problems, pointer, link, needle));             \
  } while (0)

// ---- values ---------------------------------------------------------------------------------

inline forms::Value code(const std::string& c, const std::string& system = kSys) {
  forms::Coding k;
  k.system = system;
  k.code = c;
  return forms::Value(k);
}
inline forms::Value integer(std::int64_t n) { return forms::Value(n); }
inline forms::Value decimal(double d) { return forms::Value(forms::Decimal{d}); }
inline forms::Value date(const std::string& d) { return forms::Value(forms::Date{d}); }
inline forms::Value str(const std::string& s) { return forms::Value(s); }

// The answer option of `link` whose code (or string, integer, date) is `c`; REQUIREs it.
inline forms::Value option_value(const forms::Questionnaire& qn, const std::string& link, const std::string& c) {
  const forms::Item* it = qn.find(link);
  REQUIRE(it != nullptr);
  for (const forms::AnswerOption& o : it->options)
    if (forms::value_to_display(o.value, qn.language, qn.language) == c ||
        (std::holds_alternative<forms::Coding>(o.value) && std::get<forms::Coding>(o.value).code == c))
      return o.value;
  FAIL("no option '" << c << "' on " << link);
  return forms::Value(false);
}

// True if every byte is ASCII.
inline bool is_ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}
// True if `s` holds at least one Hangul syllable (U+AC00..U+D7A3: lead byte 0xEA..0xED).
inline bool has_hangul(const std::string& s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xEA && c <= 0xED) {
      unsigned cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      if (cp >= 0xAC00 && cp <= 0xD7A3) return true;
    }
  }
  return false;
}

// ---- packages -------------------------------------------------------------------------------

inline const std::string kProtocol = "https://example.test/fhir/protocol/general";

// A Questionnaire for a package: url from `name`, version 1.0.0, the given role.
template <typename... Items>
json pkg_q(const std::string& name, const std::string& role, Items... items) {
  json j = with_role(q(std::move(items)...), role);
  j["url"] = "https://example.test/fhir/Questionnaire/" + name;
  j["name"] = name;
  return j;
}

inline json bundle(std::vector<json> questionnaires, const std::string& type = "general",
                   const std::string& version = "1.0.0") {
  json entries = json::array();
  for (json& r : questionnaires) {
    std::string url = r.value("url", "");
    entries.push_back({{"fullUrl", url}, {"resource", std::move(r)}});
  }
  return {{"resourceType", "Bundle"},
          {"id", "test-" + type + "-" + version},
          {"meta", {{"tag", json::array({{{"system", forms::kParticipationTypeSystem}, {"code", type}}})}}},
          {"identifier", {{"system", forms::kProtocolIdentifierSystem}, {"value", kProtocol + "|" + version}}},
          {"type", "collection"},
          {"timestamp", "2026-11-01T00:00:00+09:00"},
          {"entry", std::move(entries)}};
}

// The four Questionnaires of a minimal valid package, in package order.
inline std::vector<json> minimal_questionnaires() {
  json consent = pkg_q("consent", "consent", display("c.notice", "안내문", "Notice"),
                       with_ext(with_ext(required(item("c.participation", "boolean")), consent_provision("participation")),
                                consent_mandatory()));
  json rep = pkg_q("consent-rep", "consent-representative", display("r.notice", "대리인 안내문", "Notice for representatives"),
                   with_ext(with_ext(required(item("r.participation", "boolean")), consent_provision("participation")),
                            consent_mandatory()));
  json comp = pkg_q("comprehension", "comprehension",
                    with_ext(options(item("k.1", "choice"), {correct(opt_coding("right")), opt_coding("wrong")}), explanation()));
  json survey = pkg_q("survey", "survey", item("s.age", "integer"));
  return {consent, rep, comp, survey};
}
inline json minimal_package() { return bundle(minimal_questionnaires()); }

inline std::string describe(const forms::PackageLoad& r) { return describe(r.problems); }

}  // namespace ft
