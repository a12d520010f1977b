// forms/enrollment_bundle.h: the FHIR R4 Bundle that carries one enrollment (DESIGN.md 4).
//
// Bundle (type collection) with: Patient (name, birthDate, gender, telecom), RelatedPerson
// (the legal representative, if any), one Consent per consent document, one
// QuestionnaireResponse per form, and a Provenance whose signature carries the participant's
// finger-drawn strokes as JSON and, when the kiosk rendered one, the same signature as a PNG.
// Consents and responses get their subject/patient set to the Bundle's Patient.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace forms {

struct StrokePoint {
  float x = 0;  // 0..1 of the signature pad's width
  float y = 0;  // 0..1 of its height
  std::int32_t t_ms = 0;  // since the first touch
};
using Stroke = std::vector<StrokePoint>;

struct SignatureCapture {
  std::vector<Stroke> strokes;
  std::int32_t pad_width_px = 0;
  std::int32_t pad_height_px = 0;
  std::string signed_at;  // RFC 3339
  // The strokes rendered as an 8-bit greyscale PNG (kiosk::render_signature_png), so that the
  // data bank and a human reviewer can see the signature without a stroke renderer. Empty:
  // the Provenance carries the strokes only.
  std::vector<std::uint8_t> png;
};

struct PatientDetails {
  std::string family;      // 성
  std::string given;       // 이름
  std::string birth_date;  // YYYY-MM-DD
  std::string gender;      // FHIR administrative gender: male | female | other | unknown
  std::string phone;
};

struct Representative {
  std::string family;
  std::string given;
  std::string relationship;  // v3 RoleCode, e.g. MTH, FTH, GUARD
  std::string phone;
};

struct EnrollmentContent {
  std::string enrollment_id;       // the envelope's ULID
  std::string participation_type;  // rare | severe | general
  std::string language;            // ko | en
  PatientDetails patient;
  std::optional<Representative> representative;
  std::vector<nlohmann::json> consents;   // Consent resources (forms/response.h make_consent)
  std::vector<nlohmann::json> responses;  // QuestionnaireResponse resources
  SignatureCapture signature;
};

// The fullUrl (urn:uuid) of one resource in an enrollment's Bundle: "patient",
// "representative", "consent-N", "qr-N", "provenance". Stable for the same enrollment id.
std::string enrollment_resource_ref(const std::string& enrollment_id, const std::string& name);

// Canonical JSON for the signature strokes: {"w":..,"h":..,"strokes":[[[x,y,t],...],...]}.
std::string strokes_json(const SignatureCapture& sig);

nlohmann::json make_enrollment_bundle(const EnrollmentContent& c);

}  // namespace forms
