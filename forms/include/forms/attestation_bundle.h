// forms/attestation_bundle.h: the FHIR R4 Bundles the staff side of the kiosk produces
// (DESIGN.md 4): the attestation (a nurse checked the participant's ID and linked the specimen
// kits, or rejected, or the card expired unchecked) and the audit events sent to the data bank.
//
// Attestation Bundle (type collection):
//   VerificationResult
//     target            the enrollment's Patient (forms::enrollment_resource_ref(enrollment,
//                       "patient"): the urn:uuid the enrollment Bundle gave it)
//     status            validated (verified) | val-fail (rejected, expired)
//     extension         verification-outcome verified|rejected|expired; rejection-reason code
//     validationType    primary (a document seen in person) | nothing (expired)
//     validationProcess the ID document type(s) checked (identity-document code system)
//     primarySource     one per person checked: who (the Patient, or the enrollment's
//                       RelatedPerson for a legal representative), the document type, manual,
//                       successful|failed, and name-matches / birth-date-matches /
//                       relationship-confirmed booleans as extensions
//     attestation.who   the nurse, as an Identifier (kiosk-staff id, assigned by the device)
//     validator         the site, as an Organization Identifier
//   Specimen, one per kit: identifier = the kit barcode, type blood (SNOMED CT 119297000) or
//   urine (122575003), subject = the Patient.
// Audit Bundle (type collection): one AuditEvent per audit record: type = the event code,
// recorded, agent = the actor (a staff id, the admin CLI, or the device), source = the device
// and site, entity = the object id, and the chain link (seq, prev hash, hash) as an extension
// so the data bank can check the chain across batches. Codes and ids only, never PII.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace forms {

inline constexpr char kBbdFhirBase[] = "https://bbd.example.kr/fhir";

struct DocumentCheck {
  bool representative = false;  // false: the participant; true: the legal representative
  std::string document;         // identity-document code: resident-card, drivers-licence, ...
  bool name_matches = false;
  bool birth_date_matches = false;      // participant only
  bool relationship_confirmed = false;  // representative only
};

struct SpecimenKit {
  std::string barcode;  // canonical, e.g. BBD-B-12345678-8
  std::string kind;     // blood | urine
};

struct AttestationContent {
  std::string attestation_id;  // the attestation envelope's ULID
  std::string enrollment_id;   // the enrollment envelope's ULID (its ref)
  std::string device_id;
  std::string site;
  std::string outcome;                // verified | rejected | expired
  std::string reject_reason;          // a code, for rejected only
  std::string staff_id;               // the nurse; "" for expired
  std::string when;                   // RFC 3339
  std::vector<DocumentCheck> checks;  // empty for expired
  std::vector<SpecimenKit> kits;      // verified only
};

nlohmann::json make_attestation_bundle(const AttestationContent& c);

struct AuditEntry {
  std::int64_t seq = 0;
  std::string recorded;  // RFC 3339
  std::string code;
  std::string ref;
  std::string actor;
  std::string prev_hash;
  std::string hash;
};

nlohmann::json make_audit_bundle(const std::string& envelope_id, const std::string& device_id,
                                 const std::string& site, const std::string& created,
                                 const std::vector<AuditEntry>& events);

}  // namespace forms
