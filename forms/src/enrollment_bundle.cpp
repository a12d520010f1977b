#include "forms/enrollment_bundle.h"

#include <cstdio>

#include <sodium.h>

#include "platform/crypto.h"

namespace forms {

using nlohmann::json;

namespace {

std::string b64(const std::string& s) {
  std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()),
                    s.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

// A stable RFC 4122-shaped UUID (version 8, name-based on SHA-256) for one resource of one
// enrollment, so Bundle references are valid urn:uuid values and the same input gives the
// same Bundle.
}  // namespace

std::string enrollment_resource_ref(const std::string& enrollment_id, const std::string& name) {
  std::string in = "bbd-resource-v1\n" + enrollment_id + "\n" + name;
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(in.data()), in.size());
  h[6] = static_cast<unsigned char>((h[6] & 0x0f) | 0x80);
  h[8] = static_cast<unsigned char>((h[8] & 0x3f) | 0x80);
  static const char* kHex = "0123456789abcdef";
  std::string out = "urn:uuid:";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[h[i] >> 4];
    out += kHex[h[i] & 15];
  }
  return out;
}

namespace {

std::string fmt_coord(float v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
  return buf;
}

}  // namespace

std::string strokes_json(const SignatureCapture& sig) {
  // Written by hand: fixed 4-decimal coordinates keep the encoding stable and compact.
  std::string out = "{\"w\":" + std::to_string(sig.pad_width_px) +
                    ",\"h\":" + std::to_string(sig.pad_height_px) + ",\"strokes\":[";
  for (std::size_t s = 0; s < sig.strokes.size(); ++s) {
    if (s) out += ',';
    out += '[';
    for (std::size_t p = 0; p < sig.strokes[s].size(); ++p) {
      const StrokePoint& pt = sig.strokes[s][p];
      if (p) out += ',';
      out += '[' + fmt_coord(pt.x) + ',' + fmt_coord(pt.y) + ',' + std::to_string(pt.t_ms) + ']';
    }
    out += ']';
  }
  out += "]}";
  return out;
}

json make_enrollment_bundle(const EnrollmentContent& c) {
  const std::string patient_ref = enrollment_resource_ref(c.enrollment_id, "patient");
  json entries = json::array();

  json patient = {
      {"resourceType", "Patient"},
      {"id", "patient"},
      {"name", json::array({{{"use", "official"},
                             {"family", c.patient.family},
                             {"given", json::array({c.patient.given})}}})},
      {"birthDate", c.patient.birth_date},
      {"gender", c.patient.gender},
      {"telecom", json::array({{{"system", "phone"}, {"value", c.patient.phone}, {"use", "mobile"}}})},
      {"communication", json::array({{{"language", {{"coding", json::array({{{"system", "urn:ietf:bcp:47"}, {"code", c.language}}})}}}, {"preferred", true}}})},
      {"extension", json::array({{{"url", "https://bbd.example.kr/fhir/StructureDefinition/participation-type"},
                                  {"valueCode", c.participation_type}}})}};
  entries.push_back({{"fullUrl", patient_ref}, {"resource", patient}});

  if (c.representative) {
    const Representative& r = *c.representative;
    json rp = {{"resourceType", "RelatedPerson"},
               {"id", "representative"},
               {"patient", {{"reference", patient_ref}}},
               {"relationship", json::array({{{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v3-RoleCode"}, {"code", r.relationship}}})}}})},
               {"name", json::array({{{"family", r.family}, {"given", json::array({r.given})}}})},
               {"telecom", json::array({{{"system", "phone"}, {"value", r.phone}}})}};
    entries.push_back({{"fullUrl", enrollment_resource_ref(c.enrollment_id, "representative")}, {"resource", rp}});
  }

  int n = 0;
  json signed_targets = json::array();  // what the signature attests: the consents (or the patient)
  for (const json& consent : c.consents) {
    json r = consent;
    r["patient"] = {{"reference", patient_ref}};
    std::string url = enrollment_resource_ref(c.enrollment_id, "consent-" + std::to_string(n++));
    signed_targets.push_back({{"reference", url}});
    entries.push_back({{"fullUrl", url}, {"resource", r}});
  }
  if (signed_targets.empty()) signed_targets.push_back({{"reference", patient_ref}});
  n = 0;
  for (const json& qr : c.responses) {
    json r = qr;
    r["subject"] = {{"reference", patient_ref}};
    entries.push_back({{"fullUrl", enrollment_resource_ref(c.enrollment_id, "qr-" + std::to_string(n++))}, {"resource", r}});
  }

  const std::string who = c.representative ? enrollment_resource_ref(c.enrollment_id, "representative") : patient_ref;
  // One act of signing, two renditions: the strokes (JSON, exact) and, if rendered, the PNG
  // (for people and tools that cannot draw strokes). Both carry the same type, time and signer.
  auto signature_entry = [&](const char* sig_format, std::string data_b64) {
    return json{{"type", json::array({{{"system", "urn:iso-astm:E1762-95:2013"}, {"code", "1.2.840.10065.1.12.1.7"}, {"display", "Consent Signature"}}})},
                {"when", c.signature.signed_at},
                {"who", {{"reference", who}}},
                {"sigFormat", sig_format},
                {"data", std::move(data_b64)}};
  };
  json signatures = json::array({signature_entry("application/json", b64(strokes_json(c.signature)))});
  if (!c.signature.png.empty())
    signatures.push_back(signature_entry("image/png", platform::base64_encode_public(c.signature.png)));
  json provenance = {
      {"resourceType", "Provenance"},
      {"id", "signature"},
      {"target", signed_targets},
      {"recorded", c.signature.signed_at},
      {"agent", json::array({{{"who", {{"reference", who}}}}})},
      {"signature", std::move(signatures)}};
  entries.push_back({{"fullUrl", enrollment_resource_ref(c.enrollment_id, "provenance")}, {"resource", provenance}});

  return {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", entries}};
}

}  // namespace forms
