// emit_fhir_examples: writes the FHIR R4 resources the kiosk would produce for every golden
// answer set (tests/forms/golden, see golden_support.h), one JSON file per resource, so that
// tests/fhir_schema/run.sh can check them against the official FHIR R4 JSON schema.
//
//   emit_fhir_examples OUT_DIR [--assets DIR] [--golden DIR]
//
// For every package type and answer set:
//   <type>.<case>.QuestionnaireResponse.<questionnaire id>.json  one per answered Questionnaire
//   <type>.<case>.Consent.<questionnaire id>.json                one per answered consent document
//   <type>.<case>.Bundle.json                                    the enrollment Bundle
// The Bundle's participant is synthetic (kiosk::make_synthetic_content, fixed seed) made to
// agree with the answers: participation type, language, sex, and for a minor a legal
// representative; every other Bundle (even ordinals) also carries a rendered signature PNG.
// Then the staff side, through the real code path (kiosk::StaffAccounts, VerificationDesk,
// queue_audit_events over a MemoryOutbox, sealed to a throw-away data bank key and opened
// again), the inner bundles of the envelopes the kiosk would send:
//   staff.attestation-verified.Bundle.json        verified, blood + urine kits
//   staff.attestation-verified-representative.Bundle.json  a minor with a legal representative
//   staff.attestation-rejected.Bundle.json        rejected (name mismatch), no kits
//   staff.attestation-expired.Bundle.json         the card expired unchecked
//   staff.events.Bundle.json                      the audit events (AuditEvent resources)
// Exit status: 0 written, 1 an answer set was refused or does not validate,
// 2 usage or I/O error.
#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <random>
#include <string>
#include <vector>

#include "golden_support.h"
#include "kiosk/kit.h"
#include "kiosk/signature.h"
#include "kiosk/staff.h"
#include "kiosk/synthetic.h"
#include "kiosk/verification.h"
#include "sync/memory_outbox.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint64_t kSeed = 20261101;

std::string questionnaire_id(const forms::Questionnaire& q) {
  const std::size_t slash = q.url.rfind('/');
  return slash == std::string::npos ? q.url : q.url.substr(slash + 1);
}

std::string answer_code(const json& answers, const std::string& link_id) {
  return answers.contains(link_id) && answers[link_id].is_string() ? answers[link_id].get<std::string>() : "";
}

void write_resource(const fs::path& file, const json& resource, int& count) {
  golden::write_text(file, golden::golden_json(resource));
  ++count;
}

// Returns false (after printing why) when the answer set does not apply cleanly.
bool emit_case(const forms::ProtocolPackage& pkg, const golden::Case& c, std::size_t ordinal, const fs::path& out_dir,
               int& count) {
  if (c.lang.empty()) {
    std::fprintf(stderr, "%s: name it <case>.ko.answers.json or <case>.en.answers.json\n", c.answers_file.c_str());
    return false;
  }
  const json answers = json::parse(golden::read_text(c.answers_file));
  const golden::Filled f = golden::fill(pkg, answers, c.lang);
  if (!f.refused.empty() || !f.invalid.empty()) {
    std::fprintf(stderr, "%s:\n%s%s", c.answers_file.c_str(), golden::lines(f.refused).c_str(),
                 golden::lines(f.invalid).c_str());
    return false;
  }
  const std::string prefix = c.type + "." + c.name + ".";
  const std::string now = golden::kGoldenAuthored;

  // A synthetic participant that agrees with the answers.
  char id[32];
  std::snprintf(id, sizeof id, "01JGQ00000%016zu", ordinal + 1);
  std::mt19937_64 rng(kSeed + ordinal);
  forms::EnrollmentContent content = kiosk::make_synthetic_content(rng, id, now, {});
  content.participation_type = pkg.participation_type;
  content.language = c.lang;
  const std::string sex = answer_code(answers, "demo.sex");
  if (!sex.empty()) content.patient.gender = sex;
  const golden::Answered* rep_doc = f.find_role("consent-representative");
  if (rep_doc) {
    content.patient.birth_date = "2014-09-01";  // a minor on the authored date
    if (!content.representative)
      content.representative = forms::Representative{content.patient.family, "순희", "", "010-0000-7301"};
    content.representative->relationship = answer_code(answers, "rep.representative.relationship");
  } else {
    content.representative.reset();
    if (content.patient.birth_date >= "2007") content.patient.birth_date = "1984-06-15";
  }

  const std::string patient_ref = forms::enrollment_resource_ref(std::string(id), "patient");
  const std::string performer_ref = rep_doc ? forms::enrollment_resource_ref(std::string(id), "representative") : patient_ref;
  content.responses.clear();
  content.consents.clear();
  for (const golden::Answered& a : f.answered) {
    const forms::Questionnaire& q = *a.questionnaire;
    json qr = forms::make_questionnaire_response(*a.session, now);
    write_resource(out_dir / (prefix + "QuestionnaireResponse." + questionnaire_id(q) + ".json"), qr, count);
    content.responses.push_back(std::move(qr));
    if (q.role == "consent" || q.role == "consent-representative") {
      json consent = forms::make_consent(*a.session, {pkg.policy(), patient_ref, performer_ref, now});
      write_resource(out_dir / (prefix + "Consent." + questionnaire_id(q) + ".json"), consent, count);
      content.consents.push_back(std::move(consent));
    }
  }
  // Every other Bundle also carries the signature as a PNG (a second Provenance signature), so
  // the schema check covers both shapes. Small, to keep the examples readable.
  if (ordinal % 2 == 0) {
    auto png = kiosk::render_signature_png(content.signature, 240, 80);
    if (!png.is_ok()) {
      std::fprintf(stderr, "%s: %s\n", c.answers_file.c_str(), png.status().to_string().c_str());
      return false;
    }
    content.signature.png = std::move(png).value();
  }
  write_resource(out_dir / (prefix + "Bundle.json"), forms::make_enrollment_bundle(content), count);
  return true;
}

// Fails loudly: this is a test tool, and a half-written example set would pass unnoticed.
template <typename T>
T must(platform::Result<T> r, const char* what) {
  if (!r.is_ok()) throw std::runtime_error(std::string(what) + ": " + r.status().to_string());
  return std::move(r).value();
}
void must(const platform::Status& s, const char* what) {
  if (!s.is_ok()) throw std::runtime_error(std::string(what) + ": " + s.to_string());
}

// The staff side's bundles, made by the code the kiosk runs and taken out of the sealed
// envelopes it queued.
void emit_staff_examples(const fs::path& out_dir, int& count) {
  must(platform::crypto_init(), "libsodium");
  platform::FakeClock clock(1'793'530'800'000);  // 2026-11-01T01:00:00Z
  platform::UlidGenerator ids(clock);
  platform::SignKeyPair device_key = platform::generate_sign_keypair();
  datasync::DeviceIdentity device{"dev-" + ids.next(), "H012", std::move(device_key.sec)};
  platform::SealKeyPair bank = platform::generate_seal_keypair();
  platform::LocalKey local = platform::generate_local_key();
  platform::PinPepper pepper = platform::generate_pin_pepper();
  datasync::MemoryOutbox box;
  datasync::Submitter submitter(box, device, bank.pub, local, clock);
  std::mt19937_64 rng(kSeed);
  auto enroll = [&](bool with_representative) {
    const std::string id = ids.next();
    forms::EnrollmentContent c = kiosk::make_synthetic_content(rng, id, platform::format_rfc3339_utc(clock.now_unix_ms()), {});
    if (with_representative) {
      c.patient.birth_date = "2015-03-02";
      c.representative = forms::Representative{c.patient.family, "순희", "MTH", "010-0000-7302"};
    } else {
      c.representative.reset();
      c.patient.birth_date = "1968-07-21";
    }
    datasync::EnrollmentInput in;
    in.id = id;
    in.bundle = must(datasync::BundleJson::from_object(forms::make_enrollment_bundle(c)), "enrollment bundle");
    in.card = {c.patient.family + c.patient.given, c.patient.birth_date, c.participation_type};
    if (c.representative) {
      in.card.representative_name = c.representative->family + c.representative->given;
      in.card.representative_relationship = c.representative->relationship;
    }
    return must(submitter.submit_enrollment(in), "submit");
  };
  const std::string e_verified = enroll(false), e_minor = enroll(true), e_rejected = enroll(false);
  clock.advance_ms(60'000);
  const std::string e_expired = enroll(false);

  kiosk::StaffAccounts staff(box, box, pepper, clock, ids);
  std::string pin = "582039";
  const std::string nurse_id = must(staff.add("Synthetic Nurse", datasync::StaffRole::kNurse, pin, kiosk::kCliActor), "add nurse");
  pin = "582039";
  kiosk::SignInResult signin = must(staff.sign_in(nurse_id, pin), "sign in");
  if (!signin.session) throw std::runtime_error("the synthetic nurse could not sign in");
  kiosk::StaffSession nurse = *signin.session;
  kiosk::VerificationDesk desk(box, device, bank.pub, local, clock, ids);
  std::map<std::string, std::string> names;  // attestation id -> example name
  auto verify = [&](const std::string& enrollment, int serial, const char* name) {
    kiosk::Verification v = must(desk.begin(nurse, enrollment), "begin");
    v.identity = {kiosk::IdDocument::kResidentCard, true, true};
    if (v.card().card().has_representative()) v.representative = {kiosk::IdDocument::kDriversLicence, true, true};
    for (kiosk::KitKind k : {kiosk::KitKind::kBlood, kiosk::KitKind::kUrine}) {
      char digits[16];
      std::snprintf(digits, sizeof digits, "%08d", serial);
      const std::string code = kiosk::make_kit_barcode(k, digits);
      v.scan(k, code);
      if (v.scan(k, code).outcome != kiosk::ScanOutcome::kConfirmed) throw std::runtime_error("kit not confirmed");
    }
    names[must(desk.confirm_verified(nurse, v), "confirm")] = name;
  };
  verify(e_verified, 1201, "attestation-verified");
  verify(e_minor, 1202, "attestation-verified-representative");
  {
    kiosk::Verification v = must(desk.begin(nurse, e_rejected), "begin");
    v.identity = {kiosk::IdDocument::kPassport, false, true};
    names[must(desk.reject(nurse, v, kiosk::RejectReason::kNameMismatch), "reject")] = "attestation-rejected";
  }
  must(staff.lock(nurse), "lock");
  clock.advance_ms(datasync::kCardLifetimeMs);
  if (must(desk.expire_due(), "expire") != 1) throw std::runtime_error("expected one expired card");
  if (must(kiosk::queue_audit_events(box, device, bank.pub, clock, ids, 1), "audit events") != 1)
    throw std::runtime_error("expected one event envelope");

  for (const datasync::QueuedEnvelope& q : must(box.next_batch(100, std::size_t{1} << 30), "next_batch")) {
    datasync::Envelope e = must(datasync::envelope_from_json(q.json), "envelope");
    if (e.h.kind == "enrollment") continue;
    std::string name = e.h.kind == "event" ? "events" : (names.count(e.h.id) ? names[e.h.id] : "attestation-expired");
    platform::SecureBuffer plain = must(datasync::open_envelope(e, bank.pub, bank.sec), "open");
    const json inner = json::parse(plain.as_string_view());
    write_resource(out_dir / ("staff." + name + ".Bundle.json"), inner.at("bundle"), count);
  }
}

int usage() {
  std::fprintf(stderr, "usage: emit_fhir_examples OUT_DIR [--assets DIR] [--golden DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  fs::path out_dir, assets = KIOSK_ASSETS_DIR, golden_root = fs::path(KIOSK_TESTS_DIR) / "forms" / "golden";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--assets" && i + 1 < args.size()) assets = args[++i];
    else if (args[i] == "--golden" && i + 1 < args.size()) golden_root = args[++i];
    else if (!args[i].empty() && args[i][0] != '-' && out_dir.empty()) out_dir = args[i];
    else return usage();
  }
  if (out_dir.empty()) return usage();
  try {
    fs::create_directories(out_dir);
    int count = 0;
    bool ok = true;
    std::size_t ordinal = 0;
    for (const std::string& type : golden::kTypes) {
      const forms::ProtocolPackage pkg = golden::load_package_file(assets / "protocols" / (type + ".json"));
      const std::vector<golden::Case> cases = golden::find_cases(golden_root, type);
      if (cases.empty()) {
        std::fprintf(stderr, "no answer sets in %s\n", (golden_root / type).c_str());
        ok = false;
      }
      for (const golden::Case& c : cases) ok = emit_case(pkg, c, ordinal++, out_dir, count) && ok;
    }
    emit_staff_examples(out_dir, count);
    std::fprintf(stderr, "emit_fhir_examples: wrote %d resources to %s\n", count, out_dir.c_str());
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "emit_fhir_examples: %s\n", e.what());
    return 2;
  }
}
