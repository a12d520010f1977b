// forms/package.h: protocol packages (docs/FORMS.md): one FHIR R4 Bundle per participation
// type and version, holding consent documents, the comprehension check and the surveys.
//
// Signatures: the data bank's forms key signs, Ed25519 detached, the string
// "bbd-protocol-package-v1\n" + the lowercase hex SHA-256 of the package file's exact bytes.
// The .sig file is that signature in base64. Outside demo mode the kiosk refuses a package
// whose signature does not verify.
//
// Thread-safety: a loaded package is immutable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "forms/questionnaire.h"
#include "platform/crypto.h"
#include "platform/status.h"

namespace forms {

inline constexpr char kProtocolIdentifierSystem[] = "https://bbd.example.kr/fhir/protocol";
inline constexpr char kParticipationTypeSystem[] = "https://bbd.example.kr/fhir/CodeSystem/participation-type";

struct ProtocolPackage {
  std::string id;                  // Bundle.id
  std::string canonical;           // protocol canonical URL
  std::string version;
  std::string participation_type;  // rare | severe | general
  std::vector<Questionnaire> questionnaires;  // in package order

  std::string policy() const { return canonical + "|" + version; }
  // The first questionnaire with this role, or nullptr.
  const Questionnaire* first(const std::string& role) const;
};

struct PackageLoad {
  std::optional<ProtocolPackage> package;
  std::vector<Problem> problems;
  bool ok() const { return package.has_value() && problems.empty(); }
};

PackageLoad load_package(const nlohmann::json& j);

// A file that is a Questionnaire or a protocol package; JSON syntax errors become a problem
// with the byte offset.
struct FormFile {
  std::optional<ProtocolPackage> package;
  std::optional<Questionnaire> questionnaire;
  std::vector<Problem> problems;
  bool ok() const { return problems.empty() && (package || questionnaire); }
};
FormFile load_form_text(std::string_view text);

std::string package_signed_string(std::string_view package_bytes);
std::string sign_package(std::string_view package_bytes, const platform::SignSecretKey& forms_key);
platform::Status verify_package_signature(std::string_view package_bytes, std::string_view sig_base64,
                                          const platform::SignPublicKey& forms_key);

}  // namespace forms
