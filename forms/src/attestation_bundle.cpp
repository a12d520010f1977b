#include "forms/attestation_bundle.h"

#include "forms/enrollment_bundle.h"

namespace forms {

using nlohmann::json;

namespace {

std::string url(const char* path) {
  return std::string(kBbdFhirBase) + path;
}

json coding(const std::string& system, const std::string& code, const std::string& display = "") {
  json c = {{"system", system}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

json codeable(const std::string& system, const std::string& code, const std::string& display = "") {
  return {{"coding", json::array({coding(system, code, display)})}};
}

const char* document_display(const std::string& code) {
  if (code == "resident-card") return "Resident registration card (주민등록증)";
  if (code == "drivers-licence") return "Driver's licence (운전면허증)";
  if (code == "passport") return "Passport (여권)";
  if (code == "alien-registration-card") return "Alien registration card (외국인등록증)";
  return "Other identity document";
}

json document_concept(const std::string& code) {
  return codeable(url("/CodeSystem/identity-document"), code, document_display(code));
}

json device_identifier(const std::string& device_id) {
  return {{"system", url("/NamingSystem/kiosk-device")}, {"value", device_id}};
}

json staff_identifier(const std::string& staff_id, const std::string& device_id) {
  return {{"system", url("/NamingSystem/kiosk-staff")},
          {"value", staff_id},
          {"assigner", {{"identifier", device_identifier(device_id)}}}};
}

json bool_extension(const char* name, bool v) {
  return {{"url", url("/StructureDefinition/") + name}, {"valueBoolean", v}};
}

}  // namespace

json make_attestation_bundle(const AttestationContent& c) {
  const std::string patient_ref = enrollment_resource_ref(c.enrollment_id, "patient");
  const bool verified = c.outcome == "verified";
  const bool expired = c.outcome == "expired";
  const std::string date = c.when.substr(0, 10);

  json extensions = json::array(
      {{{"url", url("/StructureDefinition/verification-outcome")}, {"valueCode", c.outcome}}});
  if (!c.reject_reason.empty())
    extensions.push_back(
        {{"url", url("/StructureDefinition/rejection-reason")}, {"valueCode", c.reject_reason}});

  json vr = {
      {"resourceType", "VerificationResult"},
      {"id", "verification"},
      {"extension", extensions},
      {"target", json::array({{{"reference", patient_ref}}})},
      {"need", codeable("http://terminology.hl7.org/CodeSystem/need", "initial", "Initial")},
      {"status", verified ? "validated" : "val-fail"},
      {"statusDate", c.when},
      {"validationType", expired ? codeable("http://terminology.hl7.org/CodeSystem/validation-type",
                                            "nothing", "Nothing")
                                 : codeable("http://terminology.hl7.org/CodeSystem/validation-type",
                                            "primary", "Primary Source")},
      {"validator",
       json::array(
           {{{"organization",
              {{"identifier", {{"system", url("/NamingSystem/site")}, {"value", c.site}}}}}}})}};

  json processes = json::array();
  json sources = json::array();
  for (const DocumentCheck& d : c.checks) {
    processes.push_back(document_concept(d.document));
    const bool ok =
        d.name_matches && (d.representative ? d.relationship_confirmed : d.birth_date_matches);
    json ext = json::array({bool_extension("name-matches", d.name_matches)});
    if (d.representative)
      ext.push_back(bool_extension("relationship-confirmed", d.relationship_confirmed));
    else
      ext.push_back(bool_extension("birth-date-matches", d.birth_date_matches));
    sources.push_back(
        {{"extension", ext},
         {"who",
          {{"reference", d.representative
                             ? enrollment_resource_ref(c.enrollment_id, "representative")
                             : patient_ref}}},
         {"type", json::array({document_concept(d.document)})},
         {"communicationMethod",
          json::array({codeable(
              "http://terminology.hl7.org/CodeSystem/verificationresult-communication-method",
              "manual", "Manual")})},
         {"validationStatus", codeable("http://terminology.hl7.org/CodeSystem/validation-status",
                                       ok ? "successful" : "failed", ok ? "Successful" : "Failed")},
         {"validationDate", c.when}});
  }
  if (!processes.empty()) vr["validationProcess"] = processes;
  if (!sources.empty()) vr["primarySource"] = sources;
  if (!c.staff_id.empty())
    vr["attestation"] = {
        {"who", {{"identifier", staff_identifier(c.staff_id, c.device_id)}}},
        {"communicationMethod",
         codeable("http://terminology.hl7.org/CodeSystem/verificationresult-communication-method",
                  "manual", "Manual")},
        {"date", date}};

  json entries = json::array(
      {{{"fullUrl", enrollment_resource_ref(c.attestation_id, "verification")}, {"resource", vr}}});
  int n = 0;
  for (const SpecimenKit& k : c.kits) {
    const bool blood = k.kind == "blood";
    json specimen = {
        {"resourceType", "Specimen"},
        {"id", "specimen-" + std::to_string(n)},
        {"identifier",
         json::array({{{"system", url("/NamingSystem/specimen-kit")}, {"value", k.barcode}}})},
        {"status", "available"},
        {"type", codeable("http://snomed.info/sct", blood ? "119297000" : "122575003",
                          blood ? "Blood specimen" : "Urine specimen")},
        {"subject", {{"reference", patient_ref}}}};
    entries.push_back(
        {{"fullUrl", enrollment_resource_ref(c.attestation_id, "specimen-" + std::to_string(n++))},
         {"resource", specimen}});
  }
  return {{"resourceType", "Bundle"},
          {"type", "collection"},
          {"timestamp", c.when},
          {"entry", entries}};
}

json make_audit_bundle(const std::string& envelope_id, const std::string& device_id,
                       const std::string& site, const std::string& created,
                       const std::vector<AuditEntry>& events) {
  json entries = json::array();
  for (const AuditEntry& e : events) {
    json who;
    bool requestor = true;
    if (e.actor.empty()) {
      who = {{"identifier", device_identifier(device_id)}};
      requestor = false;  // the kiosk itself (a submission, an expiry, a receipt)
    } else if (e.actor == "kioskctl") {
      who = {{"identifier", {{"system", url("/NamingSystem/kiosk-admin")}, {"value", e.actor}}}};
    } else {
      who = {{"identifier", staff_identifier(e.actor, device_id)}};
    }
    json ev = {
        {"resourceType", "AuditEvent"},
        {"id", "audit-" + std::to_string(e.seq)},
        {"extension",
         json::array({{{"url", url("/StructureDefinition/audit-chain")},
                       {"extension", json::array({{{"url", "seq"}, {"valueInteger", e.seq}},
                                                  {{"url", "prev"}, {"valueString", e.prev_hash}},
                                                  {{"url", "hash"}, {"valueString", e.hash}}})}}})},
        {"type", coding(url("/CodeSystem/kiosk-audit"), e.code)},
        {"recorded", e.recorded},
        {"agent", json::array({{{"who", who}, {"requestor", requestor}}})},
        {"source", {{"site", site}, {"observer", {{"identifier", device_identifier(device_id)}}}}}};
    if (!e.ref.empty())
      ev["entity"] =
          json::array({{{"what",
                         {{"identifier",
                           {{"system", url("/NamingSystem/kiosk-object")}, {"value", e.ref}}}}}}});
    entries.push_back(
        {{"fullUrl", enrollment_resource_ref(envelope_id, "audit-" + std::to_string(e.seq))},
         {"resource", ev}});
  }
  return {{"resourceType", "Bundle"},
          {"type", "collection"},
          {"timestamp", created},
          {"entry", entries}};
}

}  // namespace forms
