// Staff accounts and sign-in (kiosk/staff.h): PIN rules, argon2id with the device pepper and no
// plaintext in the file, escalating delays and the lockout on a fake clock, unlock by IT, an
// audit event for every attempt (ids and codes only), the staff session's idle end.
#include <catch2/catch.hpp>
#include <filesystem>

#include "platform/keyfile.h"
#include "staff_fixture.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using datasync::StaffRole;
using kiosk::SignInOutcome;
using platform::StatusKind;
using stafftest::Kiosk;
using stafftest::kItPin;
using stafftest::kNursePin;
using stafftest::kT0;
using stafftest::require_ok;
using stafftest::require_value;

namespace {

kiosk::SignInResult attempt(Kiosk& k, const std::string& id, const char* pin) {
  std::string p = pin;
  kiosk::SignInResult r = require_value(k.staff->sign_in(id, p));
  CHECK(p.empty());  // the PIN was wiped
  return r;
}

}  // namespace

TEST_CASE("Staff PINs: 6-12 digits, and common PINs are refused", "[kiosk][staff][pin]") {
  for (const char* good : {"582039", "730419", "4829163", "90817263", "031975", "271828182845"})
    CHECK(kiosk::check_pin_quality(good).is_ok());
  struct Bad {
    const char* pin;
    const char* says;
  };
  const Bad bad[] = {
      {"58203", "6 to 12 digits"}, {"5820391827364", "6 to 12 digits"},
      {"", "6 to 12 digits"},      {"58 039", "digits only"},
      {"5820a9", "digits only"},   {"000000", "repeats"},
      {"777777777", "repeats"},    {"121212", "repeats"},
      {"123123", "repeats"},       {"12341234", "repeats"},
      {"123456", "run"},           {"987654", "run"},
      {"890123", "run"},           {"3456789012", "run"},
      {"123321", "mirrored"},      {"456654", "mirrored"},
      {"112233", "doubled"},       {"998877", "doubled"},
      {"147258", "commonly used"}, {"159753", "commonly used"},
      {"102030", "commonly used"},
  };
  for (const Bad& b : bad) {
    INFO(b.pin);
    platform::Status s = kiosk::check_pin_quality(b.pin);
    CHECK(s.kind() == StatusKind::kInvalidArgument);
    CHECK_THAT(s.message(), Contains(b.says));
  }
}

TEST_CASE("PINs are stored only as peppered argon2id hashes: no plaintext in the database file",
          "[kiosk][staff][pin][privacy]") {
  Kiosk k;
  std::string pin = kNursePin;
  const std::string id =
      require_value(k.staff->add("Synthetic Nurse", StaffRole::kNurse, pin, kiosk::kCliActor));
  CHECK(pin.empty());
  auto rec = require_value(k.box->find_staff(id));
  REQUIRE(rec.has_value());
  CHECK(rec->pin_hash.rfind("$argon2id$", 0) == 0);
  CHECK(platform::verify_pin(rec->pin_hash, kNursePin, k.pepper));
  CHECK_FALSE(platform::verify_pin(rec->pin_hash, kNursePin, platform::generate_pin_pepper()));
  for (const fs::path& f : {k.db_path(), fs::path(k.db_path().string() + "-wal")})
    CHECK(testing_support::read_all(f).find(kNursePin) == std::string::npos);
  CHECK(testing_support::files_containing(k.dir.path(), kNursePin).empty());

  SECTION("a weak PIN or a bad name adds nothing") {
    std::string weak = "123456";
    CHECK(k.staff->add("Synthetic Nurse 2", StaffRole::kNurse, weak, kiosk::kCliActor)
              .status()
              .kind() == StatusKind::kInvalidArgument);
    CHECK(weak.empty());
    std::string ok = kItPin;
    CHECK_FALSE(k.staff->add("", StaffRole::kIt, ok, kiosk::kCliActor).is_ok());
    CHECK(require_value(k.staff->list()).size() == 1);
  }
}

TEST_CASE("The pepper file is made once, private, and never replaced", "[kiosk][staff][pin]") {
  testing_support::TempDir dir;
  CHECK(kiosk::load_staff_pepper(dir.path(), false).status().kind() == StatusKind::kNotFound);
  platform::PinPepper made = require_value(kiosk::load_staff_pepper(dir.path(), true));
  const fs::path file = dir / kiosk::kStaffPepperFile;
  CHECK((fs::status(file).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  platform::PinPepper again = require_value(kiosk::load_staff_pepper(dir.path(), true));
  CHECK(std::equal(made.view().begin(), made.view().end(), again.view().begin()));
  fs::permissions(file, fs::perms::group_read, fs::perm_options::add);
  CHECK(kiosk::load_staff_pepper(dir.path(), true).status().kind() ==
        StatusKind::kPermissionDenied);
}

TEST_CASE(
    "Wrong PINs cost escalating delays and the fifth locks the account, every attempt is audited",
    "[kiosk][staff][lockout]") {
  Kiosk k;
  const std::string id = k.add_staff(StaffRole::kNurse, kNursePin, "Synthetic Nurse");
  const std::int64_t t0 = k.clock.now_unix_ms();

  kiosk::SignInResult r = attempt(k, id, "000001");  // 1st failure: no wait
  CHECK(r.outcome == SignInOutcome::kWrongPin);
  CHECK(r.failures == 1);
  CHECK(r.attempts_left == 4);
  CHECK(r.retry_at_unix_ms == t0);

  r = attempt(k, id, "000002");  // 2nd: 5 s
  CHECK(r.outcome == SignInOutcome::kWrongPin);
  CHECK(r.retry_at_unix_ms == t0 + 5'000);

  SECTION("a correct PIN before the lock resets the count") {
    k.clock.advance_ms(5'000);
    r = attempt(k, id, kNursePin);
    CHECK(r.outcome == SignInOutcome::kSignedIn);
    CHECK(r.session.has_value());
    CHECK(require_value(k.box->find_staff(id))->failures == 0);
    r = attempt(k, id, "000003");
    CHECK(r.failures == 1);
    CHECK(r.retry_at_unix_ms == k.clock.now_unix_ms());
  }
  SECTION("the waits grow to 5 s, 15 s, 60 s, and the 5th failure locks") {
    k.clock.advance_ms(4'999);  // too soon: not checked, not counted, even with the right PIN
    r = attempt(k, id, kNursePin);
    CHECK(r.outcome == SignInOutcome::kTooSoon);
    CHECK(r.failures == 2);
    CHECK(r.retry_at_unix_ms == t0 + 5'000);
    CHECK_FALSE(r.session.has_value());

    k.clock.advance_ms(1);
    r = attempt(k, id, "000003");  // 3rd: 15 s
    CHECK(r.outcome == SignInOutcome::kWrongPin);
    CHECK(r.retry_at_unix_ms == k.clock.now_unix_ms() + 15'000);
    k.clock.advance_ms(15'000);
    r = attempt(k, id, "000004");  // 4th: 60 s
    CHECK(r.retry_at_unix_ms == k.clock.now_unix_ms() + 60'000);
    CHECK(r.attempts_left == 1);
    k.clock.advance_ms(59'000);
    CHECK(attempt(k, id, "000005").outcome == SignInOutcome::kTooSoon);
    k.clock.advance_ms(1'000);
    r = attempt(k, id, "000005");  // 5th: locked
    CHECK(r.outcome == SignInOutcome::kLockedOut);
    CHECK(r.attempts_left == 0);
    CHECK(require_value(k.box->find_staff(id))->locked);

    k.clock.advance_ms(24LL * 3600 * 1000);  // time does not unlock it
    r = attempt(k, id, kNursePin);
    CHECK(r.outcome == SignInOutcome::kLocked);
    CHECK_FALSE(r.session.has_value());
    CHECK(require_value(k.staff->list())[0].locked);

    CHECK(k.audit_codes() == std::vector<std::string>{
                                 "staff.added", "staff.signin.wrong-pin", "staff.signin.wrong-pin",
                                 "staff.signin.too-soon", "staff.signin.wrong-pin",
                                 "staff.signin.wrong-pin", "staff.signin.too-soon",
                                 "staff.signin.locked-out", "staff.signin.refused-locked"});
    // Codes and ids only: the account's id as actor and ref, never the PIN or the name.
    for (const datasync::AuditRecord& a : require_value(k.box->audit_log())) {
      if (a.event.code == "staff.added") continue;
      CHECK(a.event.actor == id);
      CHECK(a.event.ref == id);
    }
    for (const datasync::AuditRecord& a : require_value(k.box->audit_log()))
      for (const std::string& field : {a.event.code, a.event.ref, a.event.actor})
        for (const char* secret : {kNursePin, "000005", "Synthetic Nurse"})
          CHECK(field.find(secret) == std::string::npos);
    require_ok(k.box->verify_audit_chain());
  }
}

TEST_CASE("Failures and the wait survive a restart", "[kiosk][staff][lockout]") {
  Kiosk k;
  const std::string id = k.add_staff(StaffRole::kNurse, kNursePin);
  attempt(k, id, "000001");
  attempt(k, id, "000002");
  k.reopen();
  k.clock.advance_ms(1'000);
  CHECK(attempt(k, id, kNursePin).outcome == SignInOutcome::kTooSoon);
  k.clock.advance_ms(4'000);
  CHECK(attempt(k, id, kNursePin).outcome == SignInOutcome::kSignedIn);
}

TEST_CASE(
    "A locked account is opened by an IT session (not a nurse's), or by the admin CLI's actor",
    "[kiosk][staff][lockout][unlock]") {
  Kiosk k;
  const std::string nurse = k.add_staff(StaffRole::kNurse, kNursePin);
  const std::string other = k.add_staff(StaffRole::kNurse, "640215");
  const std::string it = k.add_staff(StaffRole::kIt, kItPin);
  for (int i = 0; i < kiosk::kLockAfterFailures; ++i) {
    attempt(k, nurse, "000009");
    k.clock.advance_ms(60'000);
  }
  REQUIRE(require_value(k.box->find_staff(nurse))->locked);

  SECTION("IT unlocks from the kiosk") {
    kiosk::StaffSession colleague = k.sign_in(other, "640215");
    CHECK(k.staff->unlock(colleague, nurse).kind() == StatusKind::kPermissionDenied);
    kiosk::StaffSession admin = k.sign_in(it, kItPin);
    k.clock.advance_ms(kiosk::kStaffIdleMs);  // an ended session cannot unlock
    CHECK(k.staff->unlock(admin, nurse).kind() == StatusKind::kPermissionDenied);
    admin = k.sign_in(it, kItPin);
    require_ok(k.staff->unlock(admin, nurse));
    auto log = require_value(k.box->audit_log());
    CHECK(log.back().event.code == "staff.unlocked");
    CHECK(log.back().event.actor == it);
    CHECK(log.back().event.ref == nurse);
  }
  SECTION("the admin CLI unlocks") {
    require_ok(k.staff->unlock(nurse, kiosk::kCliActor));
    CHECK(require_value(k.box->audit_log()).back().event.actor == "kioskctl");
  }
  SECTION("a PIN reset also unlocks") {
    std::string fresh = "918273";
    require_ok(k.staff->reset_pin(nurse, fresh, kiosk::kCliActor));
    CHECK(fresh.empty());
    CHECK(attempt(k, nurse, kNursePin).outcome == SignInOutcome::kWrongPin);  // the old PIN is gone
    k.clock.advance_ms(60'000);
    CHECK(attempt(k, nurse, "918273").outcome == SignInOutcome::kSignedIn);
    return;
  }
  auto rec = require_value(k.box->find_staff(nurse));
  CHECK_FALSE(rec->locked);
  CHECK(rec->failures == 0);
  CHECK(attempt(k, nurse, kNursePin).outcome == SignInOutcome::kSignedIn);
}

TEST_CASE("A removed account cannot sign in but stays in the audit trail", "[kiosk][staff]") {
  Kiosk k;
  const std::string id = k.add_staff(StaffRole::kNurse, kNursePin);
  require_ok(k.staff->remove(id, kiosk::kCliActor));
  CHECK(attempt(k, id, kNursePin).outcome == SignInOutcome::kUnknown);
  CHECK(attempt(k, "01JNOSUCHSTAFF000000000000", kNursePin).outcome == SignInOutcome::kUnknown);
  CHECK(require_value(k.staff->list()).empty());
  auto rec = require_value(k.box->find_staff(id));
  REQUIRE(rec.has_value());
  CHECK(rec->pin_hash.empty());
  CHECK(k.staff->unlock(id, kiosk::kCliActor).kind() == StatusKind::kNotFound);
  CHECK(k.audit_codes() == std::vector<std::string>{"staff.added", "staff.removed",
                                                    "staff.signin.refused-removed",
                                                    "staff.signin.unknown"});
}

TEST_CASE("A staff session ends after 2 minutes idle, or on lock, and is audited either way",
          "[kiosk][staff][session]") {
  Kiosk k;
  const std::string id = k.add_staff(StaffRole::kNurse, kNursePin);
  kiosk::StaffSession s = k.sign_in(id, kNursePin);
  const std::int64_t t = k.clock.now_unix_ms();
  CHECK(s.staff_id() == id);
  CHECK(s.role() == StaffRole::kNurse);
  CHECK(s.active(t + kiosk::kStaffIdleMs - 1));
  CHECK_FALSE(s.active(t + kiosk::kStaffIdleMs));

  SECTION("touches keep it alive; idle ends it") {
    k.clock.advance_ms(90'000);
    s.touch(k.clock.now_unix_ms());
    k.clock.advance_ms(90'000);  // 3 min after sign-in, 1.5 min after the last tap
    CHECK(s.active(k.clock.now_unix_ms()));
    CHECK_FALSE(require_value(k.staff->end_if_idle(s)));
    k.clock.advance_ms(30'000);
    CHECK(require_value(k.staff->end_if_idle(s)));
    CHECK(s.ended());
    CHECK_FALSE(require_value(k.staff->end_if_idle(s)));  // once
    auto log = require_value(k.box->audit_log());
    CHECK(log.back().event.code == "staff.session.idle");
    CHECK(log.back().event.at_unix_ms == t + 90'000 + kiosk::kStaffIdleMs);
    s.touch(k.clock.now_unix_ms());  // cannot revive it
    CHECK_FALSE(s.active(k.clock.now_unix_ms()));
  }
  SECTION("lock ends it at once") {
    require_ok(k.staff->lock(s));
    CHECK_FALSE(s.active(k.clock.now_unix_ms()));
    require_ok(k.staff->lock(s));  // twice is harmless, audited once
    const std::vector<std::string> codes = k.audit_codes();
    CHECK(codes.back() == "staff.session.locked");
    CHECK(std::count(codes.begin(), codes.end(), "staff.session.locked") == 1);
  }
}

TEST_CASE("Without the pepper, PIN operations refuse and the rest works", "[kiosk][staff]") {
  Kiosk k;
  const std::string id = k.add_staff(StaffRole::kNurse, kNursePin);
  kiosk::StaffAccounts no_pins(*k.box, *k.box, k.clock, k.ids);
  std::string pin = kNursePin;
  CHECK(no_pins.sign_in(id, pin).status().kind() == StatusKind::kInvalidArgument);
  CHECK(pin.empty());
  CHECK(require_value(no_pins.list()).size() == 1);
  require_ok(no_pins.unlock(id, kiosk::kCliActor));
}
