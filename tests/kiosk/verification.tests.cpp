// The nurse's verification (kiosk/verification.h): the attestation sealed to the data bank and
// linked to the enrollment (opened here with the test's data bank key, as the data bank would),
// rejected and expired paths (also after a restart), the card gone after each, a kit linked
// once per device, the double scan, and audit events as `event` envelopes.
#include <algorithm>
#include <catch2/catch.hpp>

#include "forms/attestation_bundle.h"
#include "staff_fixture.h"

using Catch::Matchers::Contains;
using datasync::StaffRole;
using kiosk::IdDocument;
using kiosk::KitKind;
using kiosk::ScanOutcome;
using nlohmann::json;
using platform::StatusKind;
using stafftest::Kiosk;
using stafftest::kItPin;
using stafftest::kNursePin;
using stafftest::require_ok;
using stafftest::require_value;
using stafftest::resources;

namespace {

const std::string kBlood1 = kiosk::make_kit_barcode(KitKind::kBlood, "00012345");
const std::string kUrine1 = kiosk::make_kit_barcode(KitKind::kUrine, "00012345");
const std::string kBlood2 = kiosk::make_kit_barcode(KitKind::kBlood, "00067890");

void scan_twice(kiosk::Verification& v, KitKind k, const std::string& code) {
  CHECK(v.scan(k, code).outcome == ScanOutcome::kFirstScan);
  CHECK(v.scan(k, code).outcome == ScanOutcome::kConfirmed);
}

std::string extension(const json& resource, const std::string& name) {
  for (const json& e : resource.value("extension", json::array()))
    if (e["url"] == std::string(forms::kBbdFhirBase) + "/StructureDefinition/" + name) {
      if (e.contains("valueCode")) return e["valueCode"];
      if (e.contains("valueBoolean")) return e["valueBoolean"].get<bool>() ? "true" : "false";
    }
  return "";
}

// The Patient's fullUrl in the enrollment's own Bundle, as the data bank stored it.
std::string patient_full_url(Kiosk& k, const std::string& enrollment) {
  json inner = k.open_sealed(enrollment);
  for (const json& e : inner["bundle"]["entry"])
    if (e["resource"]["resourceType"] == "Patient") return e["fullUrl"];
  FAIL("the enrollment has no Patient");
  return "";
}

}  // namespace

TEST_CASE(
    "A verified attestation is sealed to the data bank, refers to the enrollment and links both "
    "kits",
    "[kiosk][verification]") {
  Kiosk k;
  const std::string nurse_id = k.add_staff(StaffRole::kNurse, kNursePin);
  const std::string enrollment = k.enroll();
  kiosk::StaffSession nurse = k.sign_in(nurse_id, kNursePin);

  // The list: ids, times and type only.
  auto pending = require_value(k.desk->pending());
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].envelope_id == enrollment);
  CHECK(pending[0].submitted_unix_ms == stafftest::kT0);
  CHECK(pending[0].expires_unix_ms == stafftest::kT0 + datasync::kCardLifetimeMs);
  CHECK_FALSE(pending[0].participation_type.empty());
  CHECK_FALSE(pending[0].has_representative);
  // The one card on screen: name and birth date.
  {
    kiosk::OpenCard shown = require_value(k.desk->open(enrollment));
    CHECK(shown.card().birth_date == "1968-07-21");
    CHECK_FALSE(shown.card().name.empty());
    kiosk::OpenCard moved = std::move(shown);
    CHECK(shown.card().name.empty());  // the moved-from holder keeps nothing
    CHECK_FALSE(moved.card().name.empty());
  }

  kiosk::Verification v = require_value(k.desk->begin(nurse, enrollment));
  CHECK(v.enrollment_id() == enrollment);
  CHECK(v.missing_for_verified().size() == 4);
  v.identity = {IdDocument::kResidentCard, true, true};
  scan_twice(v, KitKind::kBlood, kBlood1);
  scan_twice(v, KitKind::kUrine, kUrine1);
  CHECK(v.missing_for_verified().empty());
  k.clock.advance_ms(30'000);
  const std::string att = require_value(k.desk->confirm_verified(nurse, v));

  // The card is gone, the kits are linked, the verification cannot be used again.
  CHECK_FALSE(require_value(k.box->card(enrollment)).has_value());
  CHECK(require_value(k.desk->pending()).empty());
  CHECK(k.desk->open(enrollment).status().kind() == StatusKind::kNotFound);
  CHECK(require_value(k.desk->kit_linked(kBlood1)));
  CHECK(require_value(k.box->find_kit(kUrine1))->attestation_id == att);
  CHECK(v.card().card().name.empty());
  CHECK_FALSE(k.desk->confirm_verified(nurse, v).is_ok());

  // What the data bank reads.
  auto rec = require_value(k.box->find(att));
  REQUIRE(rec->envelope.has_value());
  CHECK(rec->envelope->h.kind == "attestation");
  CHECK(rec->envelope->h.ref == enrollment);
  json inner = k.open_sealed(att);
  const json& bundle = inner["bundle"];
  CHECK(bundle["resourceType"] == "Bundle");
  CHECK(bundle["type"] == "collection");
  auto vr = resources(bundle, "VerificationResult");
  REQUIRE(vr.size() == 1);
  const std::string patient = forms::enrollment_resource_ref(enrollment, "patient");
  CHECK(patient == patient_full_url(k, enrollment));  // the reference resolves in the enrollment
  CHECK(vr[0]["target"][0]["reference"] == patient);
  CHECK(vr[0]["status"] == "validated");
  CHECK(extension(vr[0], "verification-outcome") == "verified");
  CHECK(vr[0]["validationType"]["coding"][0]["code"] == "primary");
  CHECK(vr[0]["validationProcess"][0]["coding"][0]["code"] == "resident-card");
  CHECK(vr[0]["attestation"]["who"]["identifier"]["value"] == nurse_id);
  CHECK(vr[0]["attestation"]["who"]["identifier"]["assigner"]["identifier"]["value"] ==
        k.device.device_id);
  CHECK(vr[0]["validator"][0]["organization"]["identifier"]["value"] == "H012");
  REQUIRE(vr[0]["primarySource"].size() == 1);
  CHECK(vr[0]["primarySource"][0]["who"]["reference"] == patient);
  CHECK(vr[0]["primarySource"][0]["validationStatus"]["coding"][0]["code"] == "successful");
  CHECK(extension(vr[0]["primarySource"][0], "name-matches") == "true");
  CHECK(extension(vr[0]["primarySource"][0], "birth-date-matches") == "true");
  auto specimens = resources(bundle, "Specimen");
  REQUIRE(specimens.size() == 2);
  std::vector<std::string> codes;
  for (const json& s : specimens) {
    CHECK(s["subject"]["reference"] == patient);
    codes.push_back(s["identifier"][0]["value"].get<std::string>() + " " +
                    s["type"]["coding"][0]["code"].get<std::string>());
  }
  std::sort(codes.begin(), codes.end());
  CHECK(codes == std::vector<std::string>{kBlood1 + " 119297000", kUrine1 + " 122575003"});
  // No participant data in the attestation: no name, no birth date.
  const std::string text = bundle.dump();
  CHECK(text.find("1968-07-21") == std::string::npos);

  auto log = require_value(k.box->audit_log());
  CHECK(log.back().event.code == "verification.verified");
  CHECK(log.back().event.ref == enrollment);
  CHECK(log.back().event.actor == nurse_id);
  require_ok(k.box->verify_audit_chain());
}

TEST_CASE("For a legal representative, their ID and relationship are checked and attested too",
          "[kiosk][verification]") {
  Kiosk k;
  const std::string nurse_id = k.add_staff(StaffRole::kNurse, kNursePin);
  const std::string enrollment = k.enroll(/*with_representative=*/true);
  kiosk::StaffSession nurse = k.sign_in(nurse_id, kNursePin);
  CHECK(require_value(k.desk->pending())[0].has_representative);
  kiosk::Verification v = require_value(k.desk->begin(nurse, enrollment));
  CHECK(v.card().card().representative_relationship == "MTH");
  CHECK_FALSE(v.card().card().representative_name.empty());
  v.identity = {IdDocument::kResidentCard, true, true};
  scan_twice(v, KitKind::kBlood, kBlood1);
  auto missing = v.missing_for_verified();
  CHECK(missing.size() == 3);
  CHECK(k.desk->confirm_verified(nurse, v).status().kind() == StatusKind::kInvalidArgument);
  v.representative = {IdDocument::kDriversLicence, true, true};
  const std::string att = require_value(k.desk->confirm_verified(nurse, v));

  json vr = resources(k.open_sealed(att)["bundle"], "VerificationResult").at(0);
  REQUIRE(vr["primarySource"].size() == 2);
  CHECK(vr["primarySource"][1]["who"]["reference"] ==
        forms::enrollment_resource_ref(enrollment, "representative"));
  CHECK(vr["primarySource"][1]["type"][0]["coding"][0]["code"] == "drivers-licence");
  CHECK(extension(vr["primarySource"][1], "relationship-confirmed") == "true");
  CHECK(vr["validationProcess"].size() == 2);
  CHECK(resources(k.open_sealed(att)["bundle"], "Specimen").size() == 1);  // one kit is enough
}

TEST_CASE("A rejected verification is a rejected attestation without kits, and the card is gone",
          "[kiosk][verification]") {
  Kiosk k;
  const std::string nurse_id = k.add_staff(StaffRole::kNurse, kNursePin);
  const std::string enrollment = k.enroll();
  kiosk::StaffSession nurse = k.sign_in(nurse_id, kNursePin);
  kiosk::Verification v = require_value(k.desk->begin(nurse, enrollment));
  v.identity = {IdDocument::kPassport, false, true};
  scan_twice(v, KitKind::kBlood, kBlood1);  // scanned, but a rejection links nothing
  const std::string att =
      require_value(k.desk->reject(nurse, v, kiosk::RejectReason::kNameMismatch));

  CHECK_FALSE(require_value(k.box->card(enrollment)).has_value());
  CHECK_FALSE(require_value(k.desk->kit_linked(kBlood1)));
  json bundle = k.open_sealed(att)["bundle"];
  json vr = resources(bundle, "VerificationResult").at(0);
  CHECK(vr["status"] == "val-fail");
  CHECK(extension(vr, "verification-outcome") == "rejected");
  CHECK(extension(vr, "rejection-reason") == "name-mismatch");
  CHECK(vr["primarySource"][0]["validationStatus"]["coding"][0]["code"] == "failed");
  CHECK(extension(vr["primarySource"][0], "name-matches") == "false");
  CHECK(vr["attestation"]["who"]["identifier"]["value"] == nurse_id);
  CHECK(resources(bundle, "Specimen").empty());
  CHECK(require_value(k.box->audit_log()).back().event.code == "verification.rejected");
  CHECK(kiosk::reject_reason_from("name-mismatch") == kiosk::RejectReason::kNameMismatch);
}

TEST_CASE("Cards past 12 hours become expired attestations, also after a restart",
          "[kiosk][verification][expiry]") {
  Kiosk k;
  const std::string early = k.enroll();
  k.clock.advance_ms(60'000);
  const std::string later = k.enroll();
  k.clock.advance_ms(datasync::kCardLifetimeMs - 60'000 - 1);
  CHECK(require_value(k.desk->expire_due()) == 0);

  SECTION("on the timer") {
    k.clock.advance_ms(1);
  }
  SECTION("at start-up after the kiosk was off") {
    k.clock.advance_ms(3 * 3600 * 1000);
    k.reopen();  // a new process: new connection, new desk
  }
  const int expired = require_value(k.desk->expire_due());
  CHECK(expired ==
        (k.clock.now_unix_ms() >= stafftest::kT0 + 60'000 + datasync::kCardLifetimeMs ? 2 : 1));
  CHECK_FALSE(require_value(k.box->card(early)).has_value());
  CHECK(require_value(k.desk->expire_due()) == 0);  // once

  // The expired attestation: outcome expired, nobody attested, no kits.
  std::string att;
  for (const datasync::QueuedEnvelope& q :
       require_value(k.box->next_batch(100, std::size_t{1} << 30))) {
    auto e = require_value(datasync::envelope_from_json(q.json));
    if (e.h.kind == "attestation" && e.h.ref == early) att = e.h.id;
  }
  REQUIRE_FALSE(att.empty());
  json bundle = k.open_sealed(att)["bundle"];
  json vr = resources(bundle, "VerificationResult").at(0);
  CHECK(extension(vr, "verification-outcome") == "expired");
  CHECK(vr["status"] == "val-fail");
  CHECK(vr["validationType"]["coding"][0]["code"] == "nothing");
  CHECK_FALSE(vr.contains("attestation"));
  CHECK(vr["target"][0]["reference"] == forms::enrollment_resource_ref(early, "patient"));
  CHECK(resources(bundle, "Specimen").empty());
  auto codes = k.audit_codes();
  CHECK(std::count(codes.begin(), codes.end(), "card.expired") == expired);
}

TEST_CASE("A kit is linked to one enrollment only, even when two verifications race for it",
          "[kiosk][verification][kits]") {
  Kiosk k;
  const std::string a = k.enroll(), b = k.enroll();
  kiosk::StaffSession nurse = k.sign_in(k.add_staff(StaffRole::kNurse, kNursePin), kNursePin);
  kiosk::Verification va = require_value(k.desk->begin(nurse, a));
  kiosk::Verification vb = require_value(k.desk->begin(nurse, b));
  for (kiosk::Verification* v : {&va, &vb}) {
    v->identity = {IdDocument::kResidentCard, true, true};
    scan_twice(*v, KitKind::kBlood, kBlood1);
  }
  require_value(k.desk->confirm_verified(nurse, va));

  platform::Status st = k.desk->confirm_verified(nurse, vb).status();
  CHECK(st.kind() == StatusKind::kAlreadyExists);
  CHECK_THAT(st.message(), Contains(kBlood1));
  CHECK(vb.kit(KitKind::kBlood).state ==
        kiosk::KitSlotState::kEmpty);                // cleared, to scan a new kit
  CHECK(require_value(k.box->card(b)).has_value());  // nothing of b was stored
  CHECK(require_value(k.box->find_kit(kBlood1))->enrollment_id == a);

  kiosk::ScanResult again = vb.scan(KitKind::kBlood, kBlood1);
  CHECK(again.outcome == ScanOutcome::kAlreadyLinked);
  CHECK_THAT(again.message, Contains(kBlood1));
  scan_twice(vb, KitKind::kBlood, kBlood2);
  require_value(k.desk->confirm_verified(nurse, vb));
}

TEST_CASE("A kit counts only after the same barcode is scanned twice",
          "[kiosk][verification][kits]") {
  Kiosk k;
  const std::string e = k.enroll();
  kiosk::StaffSession nurse = k.sign_in(k.add_staff(StaffRole::kNurse, kNursePin), kNursePin);
  kiosk::Verification v = require_value(k.desk->begin(nurse, e));
  v.identity = {IdDocument::kResidentCard, true, true};

  CHECK(v.scan(KitKind::kBlood, kBlood1).outcome == ScanOutcome::kFirstScan);
  CHECK(v.kit(KitKind::kBlood).state == kiosk::KitSlotState::kAwaitingConfirm);
  auto missing = v.missing_for_verified();
  REQUIRE(missing.size() == 1);
  CHECK_THAT(missing[0], Contains("scan it again"));
  CHECK(k.desk->confirm_verified(nurse, v).status().kind() == StatusKind::kInvalidArgument);
  CHECK(require_value(k.box->card(e)).has_value());

  kiosk::ScanResult mismatch = v.scan(KitKind::kBlood, kBlood2);
  CHECK(mismatch.outcome == ScanOutcome::kMismatch);
  CHECK(v.kit(KitKind::kBlood).state == kiosk::KitSlotState::kEmpty);

  CHECK(v.scan(KitKind::kBlood, kUrine1).outcome == ScanOutcome::kWrongKind);
  CHECK(v.scan(KitKind::kBlood, "BBD-B-00012345-R").outcome == ScanOutcome::kInvalid);
  CHECK(v.kit(KitKind::kBlood).state == kiosk::KitSlotState::kEmpty);

  scan_twice(v, KitKind::kBlood, "bbd-b-00012345-q");  // typed in lower case: the same kit
  CHECK(v.kit(KitKind::kBlood).barcode == kBlood1);
  CHECK(v.scan(KitKind::kBlood, kBlood1).outcome ==
        ScanOutcome::kConfirmed);  // a third scan changes nothing
  v.clear_kit(KitKind::kBlood);
  CHECK(v.kit(KitKind::kBlood).state == kiosk::KitSlotState::kEmpty);
  scan_twice(v, KitKind::kBlood, kBlood1);
  require_value(k.desk->confirm_verified(nurse, v));
}

TEST_CASE("Only an active nurse session verifies, and only the nurse who began",
          "[kiosk][verification][session]") {
  Kiosk k;
  const std::string e = k.enroll();
  const std::string n1 = k.add_staff(StaffRole::kNurse, kNursePin);
  const std::string n2 = k.add_staff(StaffRole::kNurse, "640215");
  const std::string it = k.add_staff(StaffRole::kIt, kItPin);
  kiosk::StaffSession admin = k.sign_in(it, kItPin);
  CHECK(k.desk->begin(admin, e).status().kind() == StatusKind::kPermissionDenied);

  kiosk::StaffSession nurse = k.sign_in(n1, kNursePin);
  kiosk::Verification v = require_value(k.desk->begin(nurse, e));
  v.identity = {IdDocument::kResidentCard, true, true};
  scan_twice(v, KitKind::kUrine, kUrine1);
  kiosk::StaffSession other = k.sign_in(n2, "640215");
  CHECK(k.desk->confirm_verified(other, v).status().kind() == StatusKind::kPermissionDenied);
  k.clock.advance_ms(kiosk::kStaffIdleMs);
  CHECK(k.desk->confirm_verified(nurse, v).status().kind() == StatusKind::kPermissionDenied);
  require_ok(k.staff->lock(nurse));
  CHECK(require_value(k.box->card(e)).has_value());
  nurse = k.sign_in(n1, kNursePin);
  require_value(k.desk->confirm_verified(nurse, v));
}

TEST_CASE("Audit events travel to the data bank in event envelopes, once, with codes and ids only",
          "[kiosk][audit][events]") {
  Kiosk k;
  const std::string nurse_id = k.add_staff(StaffRole::kNurse, kNursePin, "Synthetic Nurse");
  const std::string e = k.enroll();
  {
    kiosk::StaffSession nurse = k.sign_in(nurse_id, kNursePin);
    kiosk::Verification v = require_value(k.desk->begin(nurse, e));
    require_value(k.desk->reject(nurse, v, kiosk::RejectReason::kWithdrew));
  }
  const auto log = require_value(k.box->audit_log());
  REQUIRE(log.size() ==
          4);  // staff.added, enrollment.submitted, staff.signin.ok, verification.rejected

  CHECK(require_value(
            kiosk::queue_audit_events(*k.box, k.device, k.bank.pub, k.clock, k.ids, 50)) == 0);
  const int queued =
      require_value(kiosk::queue_audit_events(*k.box, k.device, k.bank.pub, k.clock, k.ids, 1));
  CHECK(queued == 1);
  CHECK(require_value(k.box->unsent_audit(100)).empty());
  CHECK(require_value(kiosk::queue_audit_events(*k.box, k.device, k.bank.pub, k.clock, k.ids, 1)) ==
        0);

  std::string event_id;
  for (const datasync::QueuedEnvelope& q :
       require_value(k.box->next_batch(100, std::size_t{1} << 30))) {
    auto env = require_value(datasync::envelope_from_json(q.json));
    if (env.h.kind == "event") event_id = env.h.id;
  }
  REQUIRE_FALSE(event_id.empty());
  for (const datasync::AuditRecord& r : require_value(k.box->audit_log()))
    CHECK(r.sent_in == event_id);
  json bundle = k.open_sealed(event_id)["bundle"];
  auto events = resources(bundle, "AuditEvent");
  REQUIRE(events.size() == log.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i]["type"]["code"] == log[i].event.code);
    CHECK(events[i]["source"]["observer"]["identifier"]["value"] == k.device.device_id);
    const json& chain = events[i]["extension"][0]["extension"];
    CHECK(chain[0]["valueInteger"] == log[i].seq);
    CHECK(chain[2]["valueString"] == log[i].hash);
  }
  CHECK(events[2]["agent"][0]["who"]["identifier"]["value"] == nurse_id);
  CHECK(events[3]["entity"][0]["what"]["identifier"]["value"] == e);
  const std::string text = bundle.dump();
  for (const char* pii : {"Synthetic Nurse", kNursePin, "1968-07-21"})
    CHECK(text.find(pii) == std::string::npos);

  SECTION("many events go out in envelopes of at most 500") {
    for (int i = 0; i < 1100; ++i)
      require_ok(k.box->append_audit({k.clock.now_unix_ms(), "staff.session.locked", "", ""}));
    CHECK(require_value(
              kiosk::queue_audit_events(*k.box, k.device, k.bank.pub, k.clock, k.ids, 1)) == 3);
    CHECK(require_value(k.box->unsent_audit(10)).empty());
    require_ok(k.box->verify_audit_chain());
  }
}
