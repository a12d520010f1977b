// tests/kiosk: a kiosk for the staff-side unit tests (not a test file; the glob takes
// *.tests.cpp only): device and data bank keys generated per test, a fake clock, one SQLite
// file in a temporary directory (reopenable, as after a restart), staff accounts and the
// verification desk over it. Synthetic people only.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "forms/enrollment_bundle.h"
#include "kiosk/staff.h"
#include "kiosk/synthetic.h"
#include "kiosk/verification.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/ulid.h"
#include "sync/envelope.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "test_support.h"

namespace stafftest {

// 2026-05-28T20:26:40Z
inline constexpr std::int64_t kT0 = 1'780'000'000'000;
inline constexpr char kNursePin[] = "582039";
inline constexpr char kItPin[] = "730419";

inline void require_ok(const platform::Status& s) {
  INFO(s.to_string());
  REQUIRE(s.is_ok());
}

template <typename T>
T require_value(platform::Result<T> r) {
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

struct Kiosk {
  testing_support::TempDir dir;
  platform::FakeClock clock{kT0};
  platform::UlidGenerator ids{clock};
  platform::SignKeyPair sign = platform::generate_sign_keypair();
  platform::SignPublicKey device_pub = sign.pub;
  datasync::DeviceIdentity device{"dev-" + ids.next(), "H012", std::move(sign.sec)};
  platform::SealKeyPair bank = platform::generate_seal_keypair();
  platform::LocalKey local = platform::generate_local_key();
  platform::PinPepper pepper = platform::generate_pin_pepper();
  std::unique_ptr<datasync::SqliteOutbox> box;
  std::unique_ptr<kiosk::StaffAccounts> staff;
  std::unique_ptr<kiosk::VerificationDesk> desk;
  std::mt19937_64 rng{6};

  Kiosk() { reopen(); }

  std::filesystem::path db_path() const { return dir / "kiosk.db"; }

  // Closes and opens the database again, as a restarted kiosk does.
  void reopen() {
    desk.reset();
    staff.reset();
    box.reset();
    box = require_value(datasync::SqliteOutbox::open(db_path()));
    staff = std::make_unique<kiosk::StaffAccounts>(*box, *box, pepper, clock, ids);
    desk = std::make_unique<kiosk::VerificationDesk>(*box, device, bank.pub, local, clock, ids);
  }

  std::string add_staff(datasync::StaffRole role, const char* pin,
                        const char* name = "Synthetic Staff") {
    std::string p = pin;
    return require_value(staff->add(name, role, p, kiosk::kCliActor));
  }

  kiosk::StaffSession sign_in(const std::string& id, const char* pin) {
    std::string p = pin;
    kiosk::SignInResult r = require_value(staff->sign_in(id, p));
    INFO(kiosk::sign_in_outcome_name(r.outcome));
    REQUIRE(r.session.has_value());
    return *r.session;
  }

  // A synthetic participant through the real submit path; with_representative: a minor whose
  // mother signed. Returns the enrollment id.
  std::string enroll(bool with_representative = false) {
    const std::string id = ids.next();
    forms::EnrollmentContent c = kiosk::make_synthetic_content(
        rng, id, platform::format_rfc3339_utc(clock.now_unix_ms()), {});
    if (with_representative) {
      c.patient.birth_date = "2015-03-02";
      c.representative = forms::Representative{c.patient.family, "순희", "MTH", "010-0000-7302"};
    } else {
      c.representative.reset();
      c.patient.birth_date = "1968-07-21";
    }
    datasync::EnrollmentInput in;
    in.id = id;
    in.bundle = require_value(datasync::BundleJson::from_object(forms::make_enrollment_bundle(c)));
    in.card = {c.patient.family + c.patient.given, c.patient.birth_date, c.participation_type};
    if (c.representative) {
      in.card.representative_name = c.representative->family + c.representative->given;
      in.card.representative_relationship = c.representative->relationship;
    }
    datasync::Submitter submitter(*box, device, bank.pub, local, clock);
    return require_value(submitter.submit_enrollment(in));
  }

  // What the data bank reads: the envelope's signature checked and its seal opened.
  nlohmann::json open_sealed(const std::string& envelope_id) {
    auto rec = require_value(box->find(envelope_id));
    REQUIRE(rec.has_value());
    REQUIRE(rec->envelope.has_value());
    require_ok(datasync::verify_envelope(*rec->envelope, device_pub));
    platform::SecureBuffer plain =
        require_value(datasync::open_envelope(*rec->envelope, bank.pub, bank.sec));
    nlohmann::json inner = nlohmann::json::parse(plain.as_string_view(), nullptr, false);
    REQUIRE_FALSE(inner.is_discarded());
    CHECK(inner["id"] == envelope_id);
    CHECK(inner["kind"] == rec->envelope->h.kind);
    return inner;
  }

  std::vector<std::string> audit_codes() {
    std::vector<std::string> out;
    for (const datasync::AuditRecord& r : require_value(box->audit_log()))
      out.push_back(r.event.code);
    return out;
  }
};

// The resources of a Bundle with the given resourceType.
inline std::vector<nlohmann::json> resources(const nlohmann::json& bundle,
                                             const std::string& type) {
  std::vector<nlohmann::json> out;
  for (const nlohmann::json& e : bundle.at("entry"))
    if (e.at("resource").at("resourceType") == type) out.push_back(e.at("resource"));
  return out;
}

}  // namespace stafftest
