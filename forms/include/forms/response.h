// forms/response.h: FHIR R4 output from a filled-in session.
//
// make_questionnaire_response(): status completed, questionnaire = url|version, authored,
// an item tree mirroring the Questionnaire with only enabled, answered items (groups only
// when something below them is answered; display items never). Texts and coding displays in
// the session's language.
//
// make_consent(): one Consent per consent document: scope research, category research,
// patient, dateTime, performer (the participant or the legal representative), policy uri =
// protocol canonical|version, extensions with the SHA-256 of the exact text shown and its
// language, and one provision per consent item (permit for yes, deny for no; a choice item
// records its chosen code).
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "forms/questionnaire.h"
#include "forms/session.h"

namespace forms {

inline constexpr char kConsentProvisionSystem[] = "https://bbd.example.kr/fhir/CodeSystem/consent-provision";

nlohmann::json make_questionnaire_response(const FormSession& s, const std::string& authored);

// The exact text a participant was shown, in the session's language: the title, then every
// shown item's text and its answer option labels, in document order, each followed by "\n".
std::string shown_text(const FormSession& s);
std::string shown_text_sha256(const FormSession& s);

struct ConsentContext {
  std::string policy;         // protocol canonical|version
  std::string patient_ref;    // e.g. "urn:uuid:patient-<id>"
  std::string performer_ref;  // the patient, or the RelatedPerson when a representative signs
  std::string date_time;      // RFC 3339
};

nlohmann::json make_consent(const FormSession& s, const ConsentContext& ctx);

}  // namespace forms
