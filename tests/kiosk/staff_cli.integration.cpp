// kioskctl's staff and audit commands as IT staff use them (issue 6): staff add (PIN twice on
// stdin) / list / reset-pin / unlock / remove, audit verify naming the first broken link of a
// tampered chain, audit send; and the nurse's verification on a demo device, with the sealed
// attestation opened by the demo data bank's key; expired cards turned into attestations by the
// next kioskctl run (a restart).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "forms/enrollment_bundle.h"
#include "kiosk/device.h"
#include "kiosk/staff.h"
#include "kiosk/verification.h"
#include "kiosk_fixture.h"
#include "platform/clock.h"
#include "sync/envelope.h"
#include "sync/usb_export.h"

using namespace testing_support;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

ProcessResult with_pins(const fs::path& data, const fs::path& scratch, const std::string& pins,
                        std::vector<std::string> args) {
  const fs::path in = scratch / "pins.txt";
  write_all(in, pins);
  ProcessResult r = run_process_stdin(kioskctl_args(data, std::move(args)), in);
  fs::remove(in);
  return r;
}

void sql(const fs::path& db, const std::string& statement) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, statement.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  INFO(statement << ": " << msg);
  REQUIRE(rc == SQLITE_OK);
}

std::string sql_text(const fs::path& db, const std::string& query) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, query.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

json staff_json(const fs::path& data) {
  ProcessResult r = run_process(kioskctl_args(data, {"staff", "list", "--json"}));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The inner bundle of a queued envelope, opened with the demo data bank's key.
json open_with_demo_bank(datasync::Outbox& box, const std::string& id, const DemoBank& bank) {
  REQUIRE(check_envelope(box, id, bank) == "");
  auto rec = box.find(id);
  REQUIRE(rec.is_ok());
  auto plain = datasync::open_envelope(*rec.value()->envelope, bank.seal_pub, bank.seal_sec);
  REQUIRE(plain.is_ok());
  return json::parse(plain->as_string_view())["bundle"];
}

}  // namespace

TEST_CASE("kioskctl staff: add with the PIN typed twice, list, reset-pin, unlock, remove",
          "[integration][kioskctl][staff]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);

  ProcessResult add = with_pins(data, dir.path(), "582039\n582039\n",
                                {"staff", "add", "--name", "Synthetic Nurse", "--role", "nurse"});
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  const std::string id = lines_of(add.out).at(0);
  CHECK(id.size() == 26);
  CHECK((fs::status(data / "keys" / "staff.pepper").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  SECTION("refusals: PINs that differ, a common PIN, no PIN, a bad role") {
    ProcessResult differ = with_pins(data, dir.path(), "582039\n582093\n",
                                     {"staff", "add", "--name", "B", "--role", "it"});
    CHECK(differ.exit_code == 1);
    CHECK_THAT(differ.err, Contains("differ"));
    ProcessResult weak = with_pins(data, dir.path(), "111111\n111111\n",
                                   {"staff", "add", "--name", "B", "--role", "it"});
    CHECK(weak.exit_code == 1);
    CHECK_THAT(weak.err, Contains("repeats"));
    ProcessResult none =
        run_process(kioskctl_args(data, {"staff", "add", "--name", "B", "--role", "it"}));
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.err, Contains("no PIN"));
    ProcessResult role = with_pins(data, dir.path(), "730419\n730419\n",
                                   {"staff", "add", "--name", "B", "--role", "doctor"});
    CHECK(role.exit_code == 2);
    CHECK(staff_json(data).size() == 1);
  }

  // The list: id, name, role, state; never a hash.
  ProcessResult list = run_process(kioskctl_args(data, {"staff", "list"}));
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Contains(id));
  CHECK_THAT(list.out, Contains("Synthetic Nurse"));
  CHECK_THAT(list.out, !Contains("argon2"));
  json j = staff_json(data);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["id"] == id);
  CHECK(j[0]["role"] == "nurse");
  CHECK(j[0]["locked"] == false);
  CHECK(j.dump().find("argon2") == std::string::npos);
  CHECK(files_containing(data, "582039").empty());  // no PIN in any file

  // Five wrong PINs at the kiosk lock the account.
  {
    auto box = datasync::SqliteOutbox::open(data / "kiosk.db");
    REQUIRE(box.is_ok());
    auto pepper = kiosk::load_staff_pepper(data, false);
    REQUIRE(pepper.is_ok());
    platform::FakeClock clock(platform::SystemClock().now_unix_ms());
    platform::UlidGenerator ids(clock);
    kiosk::StaffAccounts accounts(*box.value(), *box.value(), pepper.value(), clock, ids);
    for (int i = 0; i < kiosk::kLockAfterFailures; ++i) {
      std::string wrong = "000009";
      REQUIRE(accounts.sign_in(id, wrong).is_ok());
      clock.advance_ms(60'000);
    }
  }
  CHECK(staff_json(data)[0]["locked"] == true);
  CHECK_THAT(run_process(kioskctl_args(data, {"staff", "list"})).out, Contains("locked"));

  ProcessResult unlock = run_process(kioskctl_args(data, {"staff", "unlock", "--id", id}));
  INFO(unlock.err);
  CHECK(unlock.exit_code == 0);
  CHECK(staff_json(data)[0]["locked"] == false);
  CHECK(staff_json(data)[0]["failures"] == 0);
  CHECK(
      sql_text(data / "kiosk.db",
               "SELECT code || ' ' || actor || ' ' || ref FROM audit ORDER BY seq DESC LIMIT 1") ==
      "staff.unlocked kioskctl " + id);

  ProcessResult reset =
      with_pins(data, dir.path(), "640215\n640215\n", {"staff", "reset-pin", "--id", id});
  INFO(reset.err);
  CHECK(reset.exit_code == 0);
  {
    auto box = datasync::SqliteOutbox::open(data / "kiosk.db");
    REQUIRE(box.is_ok());
    auto pepper = kiosk::load_staff_pepper(data, false);
    REQUIRE(pepper.is_ok());
    platform::SystemClock clock;
    platform::UlidGenerator ids(clock);
    kiosk::StaffAccounts accounts(*box.value(), *box.value(), pepper.value(), clock, ids);
    std::string pin = "640215";
    auto r = accounts.sign_in(id, pin);
    REQUIRE(r.is_ok());
    CHECK(r->outcome == kiosk::SignInOutcome::kSignedIn);
  }

  ProcessResult removed = run_process(kioskctl_args(data, {"staff", "remove", "--id", id}));
  CHECK(removed.exit_code == 0);
  CHECK(staff_json(data).empty());
  ProcessResult again = run_process(kioskctl_args(data, {"staff", "remove", "--id", id}));
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Contains(id));
  ProcessResult unknown =
      run_process(kioskctl_args(data, {"staff", "unlock", "--id", "01JNOSUCHSTAFF000000000000"}));
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Contains("01JNOSUCHSTAFF000000000000"));

  ProcessResult verify = run_process(kioskctl_args(data, {"audit", "verify"}));
  INFO(verify.err);
  CHECK(verify.exit_code == 0);
  CHECK_THAT(verify.out, Contains("audit chain ok"));
}

TEST_CASE("kioskctl audit verify names the first broken link of a tampered chain",
          "[integration][kioskctl][audit]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  ProcessResult e = run_process(kioskctl_args(data, {"enroll", "--synthetic", "3", "--seed", "9"}));
  REQUIRE(e.exit_code == 0);
  REQUIRE(with_pins(data, dir.path(), "582039\n582039\n",
                    {"staff", "add", "--name", "Synthetic Nurse", "--role", "nurse"})
              .exit_code == 0);
  ProcessResult ok = run_process(kioskctl_args(data, {"audit", "verify"}));
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Contains("4 event(s)"));
  const fs::path db = data / "kiosk.db";

  std::string at, what;
  SECTION("an event's code changed") {
    sql(db, "UPDATE audit SET code = 'enrollment.cancelled' WHERE seq = 2");
    at = "broken at event 2";
    what = "does not match its contents";
  }
  SECTION("an event's actor changed") {
    sql(db, "UPDATE audit SET actor = '01JSOMEONEELSE000000000000' WHERE seq = 4");
    at = "broken at event 4";
    what = "does not match its contents";
  }
  SECTION("an event deleted") {
    sql(db, "DELETE FROM audit WHERE seq = 3");
    at = "broken at event 4";
    what = "event 3 is missing";
  }
  SECTION("an event rewritten with its own hash recomputed") {
    datasync::AuditEvent forged{0, "enrollment.cancelled", ""};
    forged.at_unix_ms = std::stoll(sql_text(db, "SELECT at_ms FROM audit WHERE seq = 2"));
    forged.ref = sql_text(db, "SELECT ref FROM audit WHERE seq = 2");
    const std::string prev = sql_text(db, "SELECT hash FROM audit WHERE seq = 1");
    sql(db, "UPDATE audit SET code = 'enrollment.cancelled', hash = '" +
                datasync::audit_hash(prev, 2, forged) + "' WHERE seq = 2");
    at = "broken at event 3";
    what = "prev_hash";
  }
  ProcessResult broken = run_process(kioskctl_args(data, {"audit", "verify"}));
  INFO(broken.err);
  CHECK(broken.exit_code == 1);
  CHECK_THAT(broken.err, Contains(at));
  CHECK_THAT(broken.err, Contains(what));
  CHECK_THAT(broken.err, Contains(db.string()));
}

TEST_CASE(
    "A nurse verifies a demo enrollment, the data bank's key opens an attestation that refers to "
    "it",
    "[integration][kioskctl][verification]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  ProcessResult e = run_process(kioskctl_args(data, {"enroll", "--synthetic", "2", "--seed", "4"}));
  REQUIRE(e.exit_code == 0);
  const std::vector<std::string> enrollments = lines_of(e.out);
  REQUIRE(enrollments.size() == 2);
  ProcessResult add = with_pins(data, dir.path(), "582039\n582039\n",
                                {"staff", "add", "--name", "Synthetic Nurse", "--role", "nurse"});
  REQUIRE(add.exit_code == 0);
  const std::string nurse_id = lines_of(add.out).at(0);
  const std::string blood = kiosk::make_kit_barcode(kiosk::KitKind::kBlood, "31415926");
  const DemoBank bank = load_demo_bank(data);

  std::string attestation;
  {
    auto dev = kiosk::load_device(data);
    REQUIRE(dev.is_ok());
    auto box = datasync::SqliteOutbox::open(data / kiosk::kDatabaseFile);
    REQUIRE(box.is_ok());
    auto pepper = kiosk::load_staff_pepper(data, false);
    REQUIRE(pepper.is_ok());
    platform::SystemClock clock;
    platform::UlidGenerator ids(clock);
    kiosk::StaffAccounts staff(*box.value(), *box.value(), pepper.value(), clock, ids);
    kiosk::VerificationDesk desk(*box.value(), dev.value()->identity, dev.value()->databank_seal,
                                 dev.value()->local_key, clock, ids);
    std::string pin = "582039";
    auto signin = staff.sign_in(nurse_id, pin);
    REQUIRE(signin.is_ok());
    REQUIRE(signin->session.has_value());
    kiosk::StaffSession nurse = *signin->session;
    auto v = desk.begin(nurse, enrollments[0]);
    REQUIRE(v.is_ok());
    v->identity = {kiosk::IdDocument::kResidentCard, true, true};
    if (v->card().card().has_representative())
      v->representative = {kiosk::IdDocument::kResidentCard, true, true};
    v->scan(kiosk::KitKind::kBlood, blood);
    v->scan(kiosk::KitKind::kBlood, blood);
    auto att = desk.confirm_verified(nurse, v.value());
    INFO(att.status().to_string());
    REQUIRE(att.is_ok());
    attestation = att.value();

    json bundle = open_with_demo_bank(*box.value(), attestation, bank);
    auto rec = box.value()->find(attestation);
    CHECK(rec.value()->envelope->h.ref == enrollments[0]);
    CHECK(rec.value()->envelope->h.kind == "attestation");
    json vr = bundle["entry"][0]["resource"];
    CHECK(vr["resourceType"] == "VerificationResult");
    CHECK(vr["target"][0]["reference"] ==
          forms::enrollment_resource_ref(enrollments[0], "patient"));
    CHECK(vr["attestation"]["who"]["identifier"]["value"] == nurse_id);
    CHECK(bundle["entry"][1]["resource"]["identifier"][0]["value"] == blood);
    // The Patient reference resolves in the enrollment the data bank holds.
    json enrollment = open_with_demo_bank(*box.value(), enrollments[0], bank);
    CHECK(enrollment["entry"][0]["fullUrl"] == vr["target"][0]["reference"]);
  }
  ProcessResult st = run_process(kioskctl_args(data, {"status", "--json"}));
  CHECK(json::parse(st.out)["pending_verification_cards"] == 1);

  // Audit events go out as an event envelope; the USB export carries both.
  ProcessResult send = run_process(kioskctl_args(data, {"audit", "send"}));
  INFO(send.err);
  REQUIRE(send.exit_code == 0);
  CHECK_THAT(send.out, Contains("queued 1 event envelope"));
  const fs::path usb = dir.path() / "export.jsonl";
  REQUIRE(run_process(kioskctl_args(data, {"export", "--out", usb.string()})).exit_code == 0);
  auto lines = datasync::read_export(usb);
  REQUIRE(lines.is_ok());
  std::map<std::string, int> kinds;
  for (const std::string& l : lines.value()) kinds[datasync::envelope_from_json(l)->h.kind]++;
  CHECK(kinds["enrollment"] == 2);
  CHECK(kinds["attestation"] == 1);
  CHECK(kinds["event"] == 1);
  CHECK(run_process(kioskctl_args(data, {"audit", "verify"})).exit_code == 0);
}

TEST_CASE(
    "A card past its expiry becomes an expired attestation the next time kioskctl opens the "
    "database",
    "[integration][kioskctl][verification][expiry]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  ProcessResult e = run_process(kioskctl_args(data, {"enroll", "--synthetic", "2", "--seed", "5"}));
  REQUIRE(e.exit_code == 0);
  const std::vector<std::string> ids = lines_of(e.out);
  // 12 hours pass while the kiosk is off: the first card's expiry is now in the past.
  sql(data / "kiosk.db",
      "UPDATE cards SET expires_ms = expires_ms - 13 * 3600 * 1000 WHERE envelope_id = '" + ids[0] +
          "'");

  ProcessResult st = run_process(kioskctl_args(data, {"status", "--json"}));
  INFO(st.err);
  REQUIRE(st.exit_code == 0);
  json j = json::parse(st.out);
  CHECK(j["pending_verification_cards"] == 1);
  CHECK(j["queued"] == 3);

  auto box = datasync::SqliteOutbox::open(data / kiosk::kDatabaseFile);
  REQUIRE(box.is_ok());
  CHECK_FALSE(box.value()->card(ids[0]).value().has_value());
  CHECK(box.value()->card(ids[1]).value().has_value());
  const std::string att =
      sql_text(data / "kiosk.db",
               "SELECT id FROM envelopes WHERE kind = 'attestation' AND ref = '" + ids[0] + "'");
  REQUIRE_FALSE(att.empty());
  json bundle = open_with_demo_bank(*box.value(), att, load_demo_bank(data));
  json vr = bundle["entry"][0]["resource"];
  CHECK(vr["extension"][0]["valueCode"] == "expired");
  CHECK(vr["target"][0]["reference"] == forms::enrollment_resource_ref(ids[0], "patient"));
  CHECK(sql_text(data / "kiosk.db", "SELECT code FROM audit ORDER BY seq DESC LIMIT 1") ==
        "card.expired");
}
