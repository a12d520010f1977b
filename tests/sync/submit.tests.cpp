// The submit path (sync/submit.h): seal, sign, encrypt the card, commit, wipe the input.
// Runs against both Outbox implementations; the leak check needs the SQLite file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <random>

#include "kiosk/synthetic.h"
#include "sync_test_helpers.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using datasync::EnrollmentInput;
using nlohmann::json;
using platform::StatusKind;
using synctest::kT0;
using synctest::MemoryOutboxFactory;
using synctest::SqliteOutboxFactory;
using synctest::require_ok;
using synctest::require_value;

namespace {

// Device identity, data bank keys, local key and a fake clock, as a provisioned kiosk has them.
struct Kiosk {
  platform::SignKeyPair sign = platform::generate_sign_keypair();
  platform::SignPublicKey device_pub = sign.pub;
  datasync::DeviceIdentity device{synctest::new_device_id(), "H012", std::move(sign.sec)};
  platform::SealKeyPair databank = platform::generate_seal_keypair();
  platform::LocalKey local = platform::generate_local_key();
  platform::FakeClock clock{kT0 + 12'345};
  std::mt19937_64 rng{2024};

  EnrollmentInput synthetic(const std::string& marker = "") {
    return kiosk::make_synthetic_enrollment(rng, synctest::new_ulid(),
                                            platform::format_rfc3339_utc(clock.now_unix_ms()),
                                            kiosk::SyntheticOptions{marker});
  }
};

struct Expected {
  std::string id, name, birth_date, type, bundle;
};

Expected remember(const EnrollmentInput& in) {
  return {in.id, in.card.name, in.card.birth_date, in.card.participation_type, in.bundle.text()};
}

}  // namespace

TEMPLATE_TEST_CASE("submit_enrollment stores an envelope that only the data bank can open",
                   "[sync][submit]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Kiosk kiosk_;
  datasync::Submitter submitter(*box, kiosk_.device, kiosk_.databank.pub, kiosk_.local, kiosk_.clock);
  EnrollmentInput in = kiosk_.synthetic();
  const Expected want = remember(in);

  std::string id = require_value(submitter.submit_enrollment(in));
  CHECK(id == want.id);

  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  REQUIRE(rec->envelope.has_value());
  const datasync::Envelope& e = *rec->envelope;
  CHECK(e.v == 1);
  CHECK(e.h.id == id);
  CHECK(e.h.kind == "enrollment");
  CHECK(e.h.device == kiosk_.device.device_id);
  CHECK(e.h.site == "H012");
  CHECK(e.h.created == platform::format_rfc3339_utc(kT0 + 12'345));
  CHECK(e.h.ref.empty());
  require_ok(datasync::verify_envelope(e, kiosk_.device_pub));
  CHECK(rec->queued_unix_ms == kT0 + 12'345);

  platform::SecureBuffer plain =
      require_value(datasync::open_envelope(e, kiosk_.databank.pub, kiosk_.databank.sec));
  json inner = json::parse(plain.as_string_view());
  CHECK(inner.at("id") == id);
  CHECK(inner.at("bundle") == json::parse(want.bundle));
  const json& patient = inner.at("bundle").at("entry").at(0).at("resource");
  REQUIRE(patient.at("resourceType") == "Patient");
  CHECK(patient.at("name").at(0).at("family").get<std::string>() +
            patient.at("name").at(0).at("given").at(0).get<std::string>() ==
        want.name);
  CHECK(patient.at("birthDate") == want.birth_date);

  SECTION("another seal key pair cannot open it") {
    platform::SealKeyPair other = platform::generate_seal_keypair();
    platform::Result<platform::SecureBuffer> r = datasync::open_envelope(e, other.pub, other.sec);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kCrypto);
  }
  SECTION("the audit event names the envelope and the time") {
    std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
    REQUIRE(log.size() == 1);
    CHECK(log[0].event.code == "enrollment.submitted");
    CHECK(log[0].event.ref == id);
    CHECK(log[0].event.at_unix_ms == kT0 + 12'345);
  }
}

TEMPLATE_TEST_CASE("submit_enrollment stores a verification card that expires 12 hours after now",
                   "[sync][submit][card]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Kiosk kiosk_;
  kiosk_.clock.set(kT0 + 777);
  datasync::Submitter submitter(*box, kiosk_.device, kiosk_.databank.pub, kiosk_.local, kiosk_.clock);
  EnrollmentInput in = kiosk_.synthetic();
  const Expected want = remember(in);
  REQUIRE_FALSE(want.name.empty());
  std::string id = require_value(submitter.submit_enrollment(in));

  std::optional<datasync::SealedCard> card = require_value(box->card(id));
  REQUIRE(card.has_value());
  CHECK(card->envelope_id == id);
  CHECK(card->expires_unix_ms == kT0 + 777 + 12 * synctest::kHourMs);
  CHECK(require_value(box->stats(kT0)).pending_cards == 1);
  // The stored box is ciphertext.
  std::string box_text(card->box.begin(), card->box.end());
  CHECK(box_text.find(want.name) == std::string::npos);
  CHECK(box_text.find(want.birth_date) == std::string::npos);

  datasync::VerificationCard vc = require_value(datasync::open_card(*card, kiosk_.local));
  CHECK(vc.name == want.name);
  CHECK(vc.birth_date == want.birth_date);
  CHECK(vc.participation_type == want.type);
  CHECK((vc.participation_type == "rare" || vc.participation_type == "severe" ||
         vc.participation_type == "general"));

  SECTION("open_card refuses another local key") {
    platform::LocalKey other = platform::generate_local_key();
    platform::Result<datasync::VerificationCard> r = datasync::open_card(*card, other);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kCrypto);
  }
  SECTION("open_card refuses a card presented under another envelope id") {
    datasync::SealedCard moved = *card;
    moved.envelope_id = synctest::new_ulid();
    platform::Result<datasync::VerificationCard> r = datasync::open_card(moved, kiosk_.local);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kCrypto);
    CHECK_THAT(r.status().message(), Contains(moved.envelope_id));
  }
  SECTION("open_card refuses a tampered box") {
    datasync::SealedCard bad = *card;
    bad.box[bad.box.size() - 1] ^= 0x01;
    CHECK(datasync::open_card(bad, kiosk_.local).status().kind() == StatusKind::kCrypto);
  }
  SECTION("the card expires at 12 h, not before") {
    CHECK(require_value(box->expire_cards(kT0 + 777 + 12 * synctest::kHourMs - 1)) == 0);
    CHECK(require_value(box->expire_cards(kT0 + 777 + 12 * synctest::kHourMs)) == 1);
    CHECK_FALSE(require_value(box->card(id)).has_value());
  }
}

TEMPLATE_TEST_CASE("submit_enrollment wipes the plaintext it was given, on success and on failure",
                   "[sync][submit][privacy]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Kiosk kiosk_;
  datasync::Submitter submitter(*box, kiosk_.device, kiosk_.databank.pub, kiosk_.local, kiosk_.clock);
  EnrollmentInput in = kiosk_.synthetic();
  REQUIRE_FALSE(in.bundle.empty());
  REQUIRE_FALSE(in.card.name.empty());
  REQUIRE_FALSE(in.card.birth_date.empty());
  REQUIRE_FALSE(in.card.participation_type.empty());

  SECTION("success") { require_ok(submitter.submit_enrollment(in).status()); }
  SECTION("duplicate id") {
    EnrollmentInput first = kiosk_.synthetic();
    in.id = first.id;
    require_ok(submitter.submit_enrollment(first).status());
    CHECK(submitter.submit_enrollment(in).status().kind() == StatusKind::kAlreadyExists);
  }
  SECTION("an id that is not a ULID") {
    in.id = "participant-1";
    CHECK(submitter.submit_enrollment(in).status().kind() == StatusKind::kInvalidArgument);
  }
  CHECK(in.bundle.empty());
  CHECK(in.card.name.empty());
  CHECK(in.card.birth_date.empty());
  CHECK(in.card.participation_type.empty());
}

TEST_CASE("After submit, no file of the SQLite outbox contains the synthetic marker in any encoding",
          "[sync][submit][privacy]") {
  testing_support::TempDir dir;
  const fs::path path = dir / "outbox.db";
  const std::string marker = "Wx9PlainTextProbe";
  Kiosk kiosk_;
  auto box = require_value(datasync::SqliteOutbox::open(path));
  datasync::Submitter submitter(*box, kiosk_.device, kiosk_.databank.pub, kiosk_.local, kiosk_.clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    kiosk_.clock.advance_ms(60'000);
    EnrollmentInput in = kiosk_.synthetic(marker);
    REQUIRE(in.bundle.text().find(marker + "N") != std::string::npos);
    REQUIRE(in.bundle.text().find(marker + "A") != std::string::npos);
    REQUIRE(in.bundle.text().find(marker + "P") != std::string::npos);
    REQUIRE(in.card.name.find(marker) != std::string::npos);
    ids.push_back(require_value(submitter.submit_enrollment(in)));
  }
  // The nurse verifies one; the other cards stay pending.
  require_ok(box->destroy_card(ids[0], {kiosk_.clock.now_unix_ms(), "card.verified", ids[0]}));

  const std::vector<std::string> needles = {marker, testing_support::utf16le(marker),
                                            testing_support::utf16be(marker)};
  REQUIRE(fs::exists(fs::path(path.string() + "-wal")));  // the WAL is searched too
  for (const std::string& n : needles) {
    CAPTURE(n.size());
    CHECK(testing_support::files_containing(dir.path(), n).empty());
  }
  box.reset();  // checkpoint into the main file
  for (const std::string& n : needles) CHECK(testing_support::files_containing(dir.path(), n).empty());
  // The search itself works: a file that does hold the marker is found.
  testing_support::write_all(dir / "control.txt", "x" + testing_support::utf16be(marker));
  CHECK(testing_support::files_containing(dir.path(), needles[2]).size() == 1);
}
