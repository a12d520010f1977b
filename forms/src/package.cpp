#include "forms/package.h"

#include <cstring>
#include <set>

namespace forms {

using nlohmann::json;
using platform::Status;

const Questionnaire* ProtocolPackage::first(const std::string& role) const {
  for (const Questionnaire& q : questionnaires)
    if (q.role == role) return &q;
  return nullptr;
}

PackageLoad load_package(const json& j) {
  PackageLoad out;
  auto problem = [&](std::string ptr, std::string msg) { out.problems.push_back({std::move(ptr), "", std::move(msg)}); };
  if (!j.is_object() || j.value("resourceType", "") != "Bundle") {
    problem("/resourceType", "a protocol package is a FHIR Bundle (resourceType \"Bundle\")");
    return out;
  }
  ProtocolPackage p;
  p.id = j.value("id", "");
  if (j.value("type", "") != "collection") problem("/type", "a protocol package Bundle has type \"collection\"");
  std::string ident;
  if (j.contains("identifier") && j["identifier"].is_object() && j["identifier"].value("system", "") == kProtocolIdentifierSystem)
    ident = j["identifier"].value("value", "");
  auto bar = ident.find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == ident.size()) {
    problem("/identifier", std::string("needs identifier {system: ") + kProtocolIdentifierSystem + ", value: \"<canonical>|<version>\"}");
  } else {
    p.canonical = ident.substr(0, bar);
    p.version = ident.substr(bar + 1);
    // The version names installed files: digits and dots only (1.0.0).
    if (p.version.find_first_not_of("0123456789.") != std::string::npos || p.version.front() == '.' || p.version.back() == '.')
      problem("/identifier/value", "version '" + p.version + "' must be dotted numbers, like 1.0.0");
  }
  if (j.contains("meta") && j["meta"].is_object() && j["meta"].contains("tag") && j["meta"]["tag"].is_array())
    for (const json& t : j["meta"]["tag"])
      if (t.is_object() && t.value("system", "") == kParticipationTypeSystem) p.participation_type = t.value("code", "");
  static const std::set<std::string> kTypes = {"rare", "severe", "general"};
  if (!kTypes.count(p.participation_type))
    problem("/meta/tag", "needs a participation-type tag with code rare, severe or general");
  if (!j.contains("entry") || !j["entry"].is_array() || j["entry"].empty()) {
    problem("/entry", "a protocol package needs entries (its Questionnaires)");
    return out;
  }
  std::set<std::string> link_ids;
  std::set<std::string> urls;
  for (std::size_t i = 0; i < j["entry"].size(); ++i) {
    const std::string base = "/entry/" + std::to_string(i) + "/resource";
    const json& e = j["entry"][i];
    if (!e.is_object() || !e.contains("resource")) {
      problem("/entry/" + std::to_string(i), "an entry needs a resource");
      continue;
    }
    LoadResult r = load_questionnaire(e["resource"], base);
    out.problems.insert(out.problems.end(), r.problems.begin(), r.problems.end());
    if (!r.questionnaire) continue;
    Questionnaire& q = *r.questionnaire;
    if (q.role.empty()) problem(base + "/extension", "every Questionnaire in a package needs a protocol-role");
    if (q.version != p.version) problem(base + "/version", "version '" + q.version + "' differs from the package's '" + p.version + "'");
    if (!urls.insert(q.url).second) problem(base + "/url", "two Questionnaires share the url " + q.url);
    for (const Item& it : q.items)
      if (!link_ids.insert(it.link_id).second)
        out.problems.push_back({it.pointer + "/linkId", it.link_id, "linkId is used in two Questionnaires of this package"});
    p.questionnaires.push_back(std::move(q));
  }
  if (out.problems.empty()) {
    if (!p.first("consent")) problem("/entry", "a package needs a consent document (protocol-role consent)");
    if (!p.first("consent-representative")) problem("/entry", "a package needs a legal-representative consent (protocol-role consent-representative)");
    if (!p.first("comprehension")) problem("/entry", "a package needs a comprehension check");
    if (!p.first("survey")) problem("/entry", "a package needs at least one survey");
  }
  if (out.problems.empty()) out.package = std::move(p);
  return out;
}

FormFile load_form_text(std::string_view text) {
  FormFile out;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    out.problems.push_back({"/", "", "not valid JSON at byte " + std::to_string(e.byte) + ": " + std::string(e.what()).substr(0, 200)});
    return out;
  }
  std::string rt = j.is_object() ? j.value("resourceType", "") : "";
  if (rt == "Questionnaire") {
    LoadResult r = load_questionnaire(j);
    out.problems = std::move(r.problems);
    out.questionnaire = std::move(r.questionnaire);
  } else if (rt == "Bundle") {
    PackageLoad r = load_package(j);
    out.problems = std::move(r.problems);
    out.package = std::move(r.package);
  } else {
    out.problems.push_back({"/resourceType", "", "expected a Questionnaire or a protocol package Bundle"});
  }
  return out;
}

std::string package_signed_string(std::string_view bytes) {
  return "bbd-protocol-package-v1\n" + platform::sha256_hex(platform::as_bytes(bytes));
}

std::string sign_package(std::string_view bytes, const platform::SignSecretKey& key) {
  std::string s = package_signed_string(bytes);
  return platform::base64_encode(platform::sign_detached(platform::as_bytes(s), key));
}

Status verify_package_signature(std::string_view bytes, std::string_view sig_base64, const platform::SignPublicKey& key) {
  std::string_view trimmed = sig_base64;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r' || trimmed.back() == ' ')) trimmed.remove_suffix(1);
  platform::Result<platform::Bytes> raw = platform::base64_decode(trimmed);
  if (!raw.is_ok() || raw->size() != platform::kSignatureBytes)
    return Status::invalid_argument("the signature file is not a base64 Ed25519 signature");
  platform::Signature sig{};
  std::memcpy(sig.data(), raw->data(), sig.size());
  std::string s = package_signed_string(bytes);
  if (!platform::verify_detached(sig, platform::as_bytes(s), key))
    return Status::crypto("the package signature does not verify with the data bank's forms key (tampered, or signed by another key)");
  return Status::ok();
}

}  // namespace forms
