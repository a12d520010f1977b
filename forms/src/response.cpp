#include "forms/response.h"

#include <cmath>
#include <cstdio>

#include "platform/crypto.h"

namespace forms {

using nlohmann::json;

std::string value_to_display(const Value& v, const std::string& lang, const std::string& base_lang) {
  if (auto* b = std::get_if<bool>(&v)) return *b ? (lang == "ko" ? "예" : "yes") : (lang == "ko" ? "아니요" : "no");
  if (auto* d = std::get_if<Decimal>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", d->v);
    return buf;
  }
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* dt = std::get_if<Date>(&v)) return dt->iso;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  const Coding& c = std::get<Coding>(v);
  return c.display.empty() ? c.code : c.display.in(lang, base_lang);
}

json value_to_fhir(const Value& v, const std::string& lang, const std::string& base_lang) {
  if (auto* b = std::get_if<bool>(&v)) return {{"valueBoolean", *b}};
  if (auto* d = std::get_if<Decimal>(&v)) return {{"valueDecimal", d->v}};
  if (auto* i = std::get_if<std::int64_t>(&v)) return {{"valueInteger", *i}};
  if (auto* dt = std::get_if<Date>(&v)) return {{"valueDate", dt->iso}};
  if (auto* s = std::get_if<std::string>(&v)) return {{"valueString", *s}};
  const Coding& c = std::get<Coding>(v);
  json coding = {{"code", c.code}};
  if (!c.system.empty()) coding["system"] = c.system;
  if (!c.display.empty()) coding["display"] = c.display.in(lang, base_lang);
  return {{"valueCoding", coding}};
}

std::string AnswerOption::shown(const std::string& lang, const std::string& base_lang) const {
  if (std::holds_alternative<std::string>(value) && !label.empty()) return label.in(lang, base_lang);
  return value_to_display(value, lang, base_lang);
}

namespace {

// Fills `out` with the response item for `index`; returns false if nothing to include.
bool response_item(const FormSession& s, int index, json& out) {
  const Questionnaire& q = s.questionnaire();
  const Item& it = q.items[static_cast<std::size_t>(index)];
  if (!s.enabled(index) || it.type == ItemType::kDisplay) return false;
  json kids = json::array();
  for (int c : it.children) {
    json k;
    if (response_item(s, c, k)) kids.push_back(std::move(k));
  }
  out = {{"linkId", it.link_id}};
  if (!it.text.empty()) out["text"] = it.text.in(s.language(), q.language);
  if (it.type == ItemType::kGroup) {
    if (kids.empty()) return false;
    out["item"] = std::move(kids);
    return true;
  }
  const std::vector<Value>& given = s.answers(index);
  if (given.empty()) return false;  // children of an unanswered question are not shown either
  json answers = json::array();
  for (const Value& v : given) answers.push_back(value_to_fhir(v, s.language(), q.language));
  // FHIR nests a question's children under its answer.
  if (!kids.empty()) answers[0]["item"] = std::move(kids);
  out["answer"] = std::move(answers);
  return true;
}

void append_shown(const FormSession& s, int index, std::string& out) {
  const Questionnaire& q = s.questionnaire();
  const Item& it = q.items[static_cast<std::size_t>(index)];
  if (!s.shown(index)) return;
  if (!it.text.empty()) {
    out += it.text.in(s.language(), q.language);
    out += '\n';
  }
  for (const AnswerOption& o : it.options) {
    out += o.shown(s.language(), q.language);
    out += '\n';
  }
  for (int c : it.children) append_shown(s, c, out);
}

}  // namespace

json make_questionnaire_response(const FormSession& s, const std::string& authored) {
  const Questionnaire& q = s.questionnaire();
  json items = json::array();
  for (int r : q.roots) {
    json k;
    if (response_item(s, r, k)) items.push_back(std::move(k));
  }
  json qr = {{"resourceType", "QuestionnaireResponse"},
             {"status", "completed"},
             {"questionnaire", q.canonical()},
             {"authored", authored},
             {"language", s.language()}};
  if (!items.empty()) qr["item"] = std::move(items);
  return qr;
}

std::string shown_text(const FormSession& s) {
  const Questionnaire& q = s.questionnaire();
  std::string out = q.title.in(s.language(), q.language) + "\n";
  for (int r : q.roots) append_shown(s, r, out);
  return out;
}

std::string shown_text_sha256(const FormSession& s) {
  return platform::sha256_hex(platform::as_bytes(shown_text(s)));
}

json make_consent(const FormSession& s, const ConsentContext& ctx) {
  const Questionnaire& q = s.questionnaire();
  json provisions = json::array();
  for (std::size_t i = 0; i < q.items.size(); ++i) {
    const Item& it = q.items[i];
    if (it.consent_provision.empty() || !s.enabled(static_cast<int>(i))) continue;
    const std::vector<Value>& given = s.answers(static_cast<int>(i));
    if (given.empty()) continue;
    json codes = json::array({{{"system", kConsentProvisionSystem}, {"code", it.consent_provision}}});
    std::string type = "permit";
    if (auto* b = std::get_if<bool>(&given.front())) {
      type = *b ? "permit" : "deny";
    } else {
      json v = value_to_fhir(given.front(), s.language(), q.language);
      if (v.contains("valueCoding")) codes.push_back(v["valueCoding"]);
      else codes.push_back({{"system", kConsentProvisionSystem}, {"code", value_to_display(given.front(), q.language, q.language)}});
    }
    provisions.push_back({{"type", type}, {"code", json::array({{{"coding", codes}}})}});
  }
  json consent = {
      {"resourceType", "Consent"},
      {"status", "active"},
      {"scope", {{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/consentscope"}, {"code", "research"}}})}}},
      {"category", json::array({{{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/consentcategorycodes"}, {"code", "research"}}})}}})},
      {"patient", {{"reference", ctx.patient_ref}}},
      {"dateTime", ctx.date_time},
      {"performer", json::array({{{"reference", ctx.performer_ref}}})},
      {"policy", json::array({{{"uri", ctx.policy}}})},
      {"extension", json::array({{{"url", std::string(kBbdExt) + "consent-document"}, {"valueCanonical", q.canonical()}},
                                 {{"url", std::string(kBbdExt) + "consent-text-sha256"}, {"valueString", shown_text_sha256(s)}},
                                 {{"url", std::string(kBbdExt) + "consent-language"}, {"valueCode", s.language()}}})}};
  json top = {{"type", "permit"}};
  if (!provisions.empty()) top["provision"] = std::move(provisions);
  consent["provision"] = std::move(top);
  return consent;
}

}  // namespace forms
