// SqliteOutbox, schema 2 (staff, kits, audit actor and sent_in): upgrading a schema-1 file in
// place (its cards still open, its audit chain still verifies), and attest() as one
// transaction under a failure injected part-way (a trigger that aborts one statement).
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "sync_test_helpers.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using datasync::SqliteOutbox;
using platform::StatusKind;
using synctest::Keys;
using synctest::kT0;
using synctest::require_ok;
using synctest::require_value;
using testing_support::TempDir;

namespace {

void raw_exec(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) ==
          SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  INFO(sql << ": " << msg);
  REQUIRE(rc == SQLITE_OK);
}

std::string quote(const std::string& s) {
  return "'" + s + "'";
}
std::string hex_blob(platform::ByteView b) {
  return "x'" + platform::to_hex(b) + "'";
}

// Schema 1 exactly as the kiosk shipped it (sync/src/sqlite_outbox.cpp, migration 1): a frozen
// fixture, so that the upgrade path stays tested after the code moves on.
constexpr const char* kSchema1 = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE envelopes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, v INTEGER NOT NULL,
  kind TEXT NOT NULL, device TEXT NOT NULL, site TEXT NOT NULL, created TEXT NOT NULL,
  ref TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'acked', 'conflict')),
  sealed BLOB, sig BLOB NOT NULL, sealed_sha256 TEXT NOT NULL, sealed_bytes INTEGER NOT NULL,
  queued_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_attempt_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT '', receipt TEXT, acked_ms INTEGER,
  CHECK ((state = 'acked') = (sealed IS NULL)), CHECK (state <> 'acked' OR receipt IS NOT NULL));
CREATE INDEX envelopes_queued ON envelopes(seq) WHERE state = 'queued';
CREATE TABLE cards(envelope_id TEXT PRIMARY KEY REFERENCES envelopes(id), box BLOB NOT NULL,
  expires_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE audit(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, code TEXT NOT NULL,
  ref TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
PRAGMA user_version = 1;
PRAGMA application_id = 1111640881;  -- "BBK1"
)sql";

}  // namespace

TEST_CASE(
    "A schema-1 file is upgraded in place: its cards still open and its audit chain still verifies",
    "[sync][sqlite][migration]") {
  TempDir dir;
  const fs::path path = dir / "kiosk.db";
  Keys k;
  datasync::Submission s = synctest::make_submission(k, kT0);
  const datasync::Envelope& e = s.envelope;
  // What a schema-1 kiosk stored for one submission, written with raw SQL.
  datasync::AuditEvent ev{kT0, "enrollment.submitted", e.h.id};
  const std::string h1 = datasync::audit_hash(datasync::kAuditGenesisHash, 1, ev);
  datasync::AuditEvent ev2{kT0 + 5, "staff.login", ""};
  const std::string h2 = datasync::audit_hash(h1, 2, ev2);
  raw_exec(path,
           std::string(kSchema1) +
               "INSERT INTO envelopes(id, v, kind, device, site, created, ref, state, sealed, sig, "
               "sealed_sha256, sealed_bytes, queued_ms) VALUES(" +
               quote(e.h.id) + ",1,'enrollment'," + quote(e.h.device) + ",'H012'," +
               quote(e.h.created) + ",'','queued'," + hex_blob(e.sealed) + "," + hex_blob(e.sig) +
               "," + quote(platform::sha256_hex(e.sealed)) + "," + std::to_string(e.sealed.size()) +
               "," + std::to_string(kT0) +
               ");"
               "INSERT INTO cards VALUES(" +
               quote(e.h.id) + "," + hex_blob(s.card->box) + "," +
               std::to_string(s.card->expires_unix_ms) +
               ");"
               "INSERT INTO audit VALUES(1," +
               std::to_string(kT0) + ",'enrollment.submitted'," + quote(e.h.id) + "," +
               quote(datasync::kAuditGenesisHash) + "," + quote(h1) +
               ");"
               "INSERT INTO audit VALUES(2," +
               std::to_string(kT0 + 5) + ",'staff.login',''," + quote(h1) + "," + quote(h2) + ");");

  auto box = require_value(SqliteOutbox::open(path));
  CHECK(box->schema_version() == 2);
  require_ok(box->verify_audit_chain());
  auto log = require_value(box->audit_log());
  REQUIRE(log.size() == 2);
  CHECK(log[0].event.actor.empty());
  CHECK(log[1].sent_in.empty());
  CHECK(require_value(box->unsent_audit(10)).size() == 2);  // older events are sent too

  auto card = require_value(box->card(e.h.id));
  REQUIRE(card.has_value());
  CHECK(card->submitted_unix_ms == kT0);
  datasync::VerificationCard vc = require_value(datasync::open_card(*card, k.local));
  CHECK(vc.name == "Synthetic Person");
  CHECK_FALSE(vc.has_representative());  // a card from before representatives were carried

  // New tables work, and the chain grows on across the upgrade with actors.
  require_ok(box->append_audit(
      {kT0 + 9, "staff.signin.ok", "01JSTAFF000000000000000001", "01JSTAFF000000000000000001"}));
  datasync::Attestation a;
  a.envelope = synctest::make_envelope(
      k, synctest::make_header(k.device_id, kT0 + 10, "attestation", e.h.id),
      synctest::small_bundle());
  a.kits = {{"BBD-B-00012345-Q", "blood"}};
  a.audit = {kT0 + 10, "verification.verified", e.h.id, "01JSTAFF000000000000000001"};
  require_ok(box->attest(a));
  require_ok(box->verify_audit_chain());
}

TEST_CASE("attest is one transaction: a failure injected part-way leaves nothing behind",
          "[sync][sqlite][attest][fault]") {
  TempDir dir;
  const fs::path path = dir / "kiosk.db";
  Keys k;
  datasync::Submission s = synctest::make_submission(k, kT0);
  {
    auto box = require_value(SqliteOutbox::open(path));
    require_ok(box->submit(s));
  }
  const std::string enrollment = s.envelope.h.id;
  std::string where;
  SECTION("the second kit's row fails (after the card was deleted and the envelope queued)") {
    raw_exec(path,
             "CREATE TRIGGER fail_urine BEFORE INSERT ON kits WHEN NEW.kind = 'urine' "
             "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    where = "kit";
  }
  SECTION("the audit event fails (the last statement before COMMIT)") {
    raw_exec(
        path,
        "CREATE TRIGGER fail_audit BEFORE INSERT ON audit WHEN NEW.code = 'verification.verified' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    where = "audit";
  }
  auto box = require_value(SqliteOutbox::open(path));
  const std::string before = synctest::outbox_dump(*box, {enrollment}, kT0 + 100);
  datasync::Attestation a;
  a.envelope = synctest::make_envelope(
      k, synctest::make_header(k.device_id, kT0 + 100, "attestation", enrollment),
      synctest::small_bundle());
  a.kits = {{"BBD-B-00012345-Q", "blood"}, {"BBD-U-00012345-Y", "urine"}};
  a.audit = {kT0 + 100, "verification.verified", enrollment, "01JSTAFF000000000000000001"};
  platform::Status st = box->attest(a);
  INFO(where);
  REQUIRE_FALSE(st.is_ok());
  CHECK_THAT(st.message(), Contains("injected failure"));
  // The card is still there, no attestation is queued, no kit is linked, no event was added.
  CHECK(synctest::outbox_dump(*box, {enrollment}, kT0 + 100) == before);
  CHECK_FALSE(require_value(box->find(a.envelope.h.id)).has_value());
  CHECK_FALSE(require_value(box->find_kit("BBD-B-00012345-Q")).has_value());
  REQUIRE(require_value(box->card(enrollment)).has_value());
  // And after a restart too (nothing half-written reached the file).
  box.reset();
  raw_exec(path, "DROP TRIGGER IF EXISTS fail_urine; DROP TRIGGER IF EXISTS fail_audit;");
  auto again = require_value(SqliteOutbox::open(path));
  CHECK(synctest::outbox_dump(*again, {enrollment}, kT0 + 100) == before);
  require_ok(again->attest(a));  // the same attestation goes through once the fault is gone
  CHECK(require_value(again->find_kit("BBD-U-00012345-Y"))->attestation_id == a.envelope.h.id);
}

TEST_CASE("A linked kit stays linked after a restart", "[sync][sqlite][attest]") {
  TempDir dir;
  const fs::path path = dir / "kiosk.db";
  Keys k;
  datasync::Submission s1 = synctest::make_submission(k, kT0),
                       s2 = synctest::make_submission(k, kT0 + 1);
  {
    auto box = require_value(SqliteOutbox::open(path));
    require_ok(box->submit(s1));
    require_ok(box->submit(s2));
    datasync::Attestation a;
    a.envelope = synctest::make_envelope(
        k, synctest::make_header(k.device_id, kT0 + 2, "attestation", s1.envelope.h.id),
        synctest::small_bundle());
    a.kits = {{"BBD-B-00012345-Q", "blood"}};
    a.audit = {kT0 + 2, "verification.verified", s1.envelope.h.id, ""};
    require_ok(box->attest(a));
  }
  auto box = require_value(SqliteOutbox::open(path));
  datasync::Attestation b;
  b.envelope = synctest::make_envelope(
      k, synctest::make_header(k.device_id, kT0 + 3, "attestation", s2.envelope.h.id),
      synctest::small_bundle());
  b.kits = {{"BBD-B-00012345-Q", "blood"}};
  b.audit = {kT0 + 3, "verification.verified", s2.envelope.h.id, ""};
  platform::Status st = box->attest(b);
  CHECK(st.kind() == StatusKind::kAlreadyExists);
  CHECK_THAT(st.message(), Contains("BBD-B-00012345-Q"));
  CHECK(require_value(box->card(s2.envelope.h.id)).has_value());
}
