// SqliteOutbox specifics (sync/sqlite_outbox.h): durability across reopen, the schema and
// pragmas, file permissions, refusing damaged or foreign files without touching them, the
// audit chain against raw SQL edits, and no plaintext in any column or byte of the file.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "kiosk/synthetic.h"
#include "sync_test_helpers.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using datasync::SqliteOutbox;
using datasync::Submission;
using platform::StatusKind;
using synctest::Keys;
using synctest::kT0;
using synctest::require_ok;
using synctest::require_value;
using testing_support::read_all;
using testing_support::TempDir;
using testing_support::write_all;

namespace {

// A raw SQLite connection, for looking at (and tampering with) the file behind the outbox.
class RawDb {
 public:
  explicit RawDb(const fs::path& p) {
    int rc = sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    INFO(p.string() << ": " << (db_ ? sqlite3_errmsg(db_) : "no handle"));
    REQUIRE(rc == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    INFO(sql << ": " << msg);
    REQUIRE(rc == SQLITE_OK);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      if (t) out.assign(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    return out;
  }
  std::int64_t integer(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  // Every value (as stored bytes) of every column of every row of every table.
  std::vector<std::string> all_values(std::size_t& rows) {
    std::vector<std::string> tables;
    {
      sqlite3_stmt* st = nullptr;
      REQUIRE(sqlite3_prepare_v2(db_, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
                                 nullptr) == SQLITE_OK);
      while (sqlite3_step(st) == SQLITE_ROW)
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      sqlite3_finalize(st);
    }
    std::vector<std::string> values;
    rows = 0;
    for (const std::string& t : tables) {
      sqlite3_stmt* st = nullptr;
      std::string sql = "SELECT * FROM \"" + t + "\"";
      REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
      while (sqlite3_step(st) == SQLITE_ROW) {
        ++rows;
        for (int c = 0; c < sqlite3_column_count(st); ++c) {
          const void* b = sqlite3_column_blob(st, c);
          int n = sqlite3_column_bytes(st, c);
          if (b) values.emplace_back(static_cast<const char*>(b), static_cast<std::size_t>(n));
        }
      }
      sqlite3_finalize(st);
    }
    return values;
  }

 private:
  sqlite3* db_ = nullptr;
};

// The file's bytes, as a SHA-256 (keeps failure output readable).
std::string file_hash(const fs::path& p) { return platform::sha256_hex(platform::as_bytes(read_all(p))); }

fs::path wal_of(const fs::path& db) { return fs::path(db.string() + "-wal"); }
fs::path shm_of(const fs::path& db) { return fs::path(db.string() + "-shm"); }

unsigned file_mode(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

// A real outbox file with a few envelopes (large enough to span many pages), closed cleanly.
std::vector<std::string> make_real_db(const fs::path& path, const Keys& k, int count = 6) {
  std::vector<std::string> ids;
  auto box = require_value(SqliteOutbox::open(path));
  for (int i = 0; i < count; ++i) {
    Submission s = synctest::make_submission(k, kT0 + i * 1000, 3000);
    require_ok(box->submit(s));
    ids.push_back(s.envelope.h.id);
  }
  return ids;
}

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

}  // namespace

TEST_CASE("SqliteOutbox keeps everything across close and reopen", "[sync][sqlite]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  Keys k;
  Submission a = synctest::make_submission(k, kT0, 500);
  Submission b = synctest::make_submission(k, kT0 + 1000, 500);
  Submission c = synctest::make_submission(k, kT0 + 2000, 500);
  const std::vector<std::string> ids = {a.envelope.h.id, b.envelope.h.id, c.envelope.h.id};
  std::string before;
  {
    auto box = require_value(SqliteOutbox::open(path));
    for (Submission* s : {&a, &b, &c}) require_ok(box->submit(*s));
    REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, a.envelope, kT0 + 3000),
                                           k.receipt.pub)) == datasync::AckOutcome::kAcked);
    require_ok(box->record_failure(b.envelope.h.id, "HTTP 502", kT0 + 3500));
    require_ok(box->mark_conflict(c.envelope.h.id, "another hash", kT0 + 4000));
    require_ok(box->destroy_card(a.envelope.h.id, {kT0 + 4500, "card.verified", a.envelope.h.id}));
    before = synctest::outbox_dump(*box, ids, kT0 + 10'000);
  }
  auto box = require_value(SqliteOutbox::open(path));
  CHECK(synctest::outbox_dump(*box, ids, kT0 + 10'000) == before);
  require_ok(box->verify_audit_chain());
  CHECK(box->schema_version() == datasync::kOutboxSchemaVersion);

  std::vector<datasync::QueuedEnvelope> batch = require_value(box->next_batch(10, 1 << 20));
  REQUIRE(batch.size() == 1);
  datasync::Envelope e = require_value(datasync::envelope_from_json(batch[0].json));
  require_ok(datasync::verify_envelope(e, k.device.pub));
  CHECK(e.sealed == b.envelope.sealed);

  // The reopened outbox carries on: ids stay taken, the chain continues.
  CHECK(box->submit(b).kind() == StatusKind::kAlreadyExists);
  Submission d = synctest::make_submission(k, kT0 + 20'000);
  require_ok(box->submit(d));
  std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
  CHECK(log.back().seq == static_cast<std::int64_t>(log.size()));
  CHECK(log.back().event.ref == d.envelope.h.id);
  require_ok(box->verify_audit_chain());
}

TEST_CASE("SqliteOutbox creates the current schema with WAL journaling and its application id",
          "[sync][sqlite]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  {
    auto box = require_value(SqliteOutbox::open(path));
    CHECK(box->schema_version() == datasync::kOutboxSchemaVersion);
    CHECK(box->path() == path);
  }
  {
    RawDb raw(path);
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    CHECK(raw.integer("PRAGMA user_version") == datasync::kOutboxSchemaVersion);
    CHECK(raw.integer("PRAGMA application_id") == 0x42424B31);  // "BBK1"
    CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                      "('envelopes', 'cards', 'audit')") == 3);
  }
  // WAL is recorded in the file header (bytes 18 and 19 are 2), so it holds for every reader.
  std::string header = read_all(path).substr(0, 100);
  CHECK(header.substr(0, 16) == std::string("SQLite format 3\0", 16));
  CHECK(header[18] == 2);
  CHECK(header[19] == 2);

  SECTION("reopening an up-to-date file keeps the version and does not migrate again") {
    auto box = require_value(SqliteOutbox::open(path));
    CHECK(box->schema_version() == datasync::kOutboxSchemaVersion);
    require_ok(box->submit(synctest::make_submission(Keys{}, kT0)));
  }
}

TEST_CASE("SqliteOutbox files are private to the kiosk user (mode 0600)", "[sync][sqlite][privacy]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  auto box = require_value(SqliteOutbox::open(path));
  require_ok(box->submit(synctest::make_submission(Keys{}, kT0)));
  CHECK(file_mode(path) == 0600);
  REQUIRE(fs::exists(wal_of(path)));
  CHECK(file_mode(wal_of(path)) == 0600);
  if (fs::exists(shm_of(path))) CHECK(file_mode(shm_of(path)) == 0600);
}

TEST_CASE("SqliteOutbox refuses a damaged database, names it, and leaves its bytes as they were",
          "[sync][sqlite][corruption]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  Keys k;
  SECTION("random bytes") { write_all(path, random_bytes(16384, 1)); }
  SECTION("a text file") {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "this is a note, not a database\n";
    write_all(path, text);
  }
  SECTION("a real outbox whose middle pages were overwritten") {
    make_real_db(path, k);
    REQUIRE_FALSE(fs::exists(wal_of(path)));
    std::string bytes = read_all(path);
    const std::size_t page = (static_cast<unsigned char>(bytes[16]) << 8) | static_cast<unsigned char>(bytes[17]);
    REQUIRE(page >= 512);
    const std::size_t pages = bytes.size() / page;
    REQUIRE(pages >= 6);
    const std::string noise = random_bytes(bytes.size(), 2);
    for (std::size_t p = pages / 4; p < pages - pages / 4; ++p)
      bytes.replace(p * page, page, noise, p * page, page);
    write_all(path, bytes);
  }
  SECTION("a real outbox whose schema page was overwritten after the header") {
    make_real_db(path, k);
    std::string bytes = read_all(path);
    bytes.replace(100, 1000, random_bytes(1000, 3));
    write_all(path, bytes);
  }
  const std::string before = file_hash(path);
  const bool had_wal = fs::exists(wal_of(path));

  platform::Result<std::unique_ptr<SqliteOutbox>> r = SqliteOutbox::open(path);
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  CHECK((r.status().kind() == StatusKind::kCorruption || r.status().kind() == StatusKind::kIoError));
  CHECK_THAT(r.status().message(), Contains(path.string()));
  CHECK(file_hash(path) == before);
  CHECK(fs::exists(wal_of(path)) == had_wal);
  // Asking again gives the same answer: the first attempt repaired nothing.
  platform::Result<std::unique_ptr<SqliteOutbox>> again = SqliteOutbox::open(path);
  CHECK_FALSE(again.is_ok());
  CHECK(file_hash(path) == before);
}

TEST_CASE("SqliteOutbox refuses a database from a newer kiosk and leaves it unchanged",
          "[sync][sqlite]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  Keys k;
  make_real_db(path, k, 2);
  {
    RawDb raw(path);
    raw.exec("PRAGMA user_version = " + std::to_string(datasync::kOutboxSchemaVersion + 1));
  }
  const std::string before = file_hash(path);
  platform::Result<std::unique_ptr<SqliteOutbox>> r = SqliteOutbox::open(path);
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  CHECK_THAT(r.status().message(), Contains(path.string()));
  CHECK_THAT(r.status().message(), Contains("newer"));
  CHECK(file_hash(path) == before);
  RawDb raw(path);
  CHECK(raw.integer("PRAGMA user_version") == datasync::kOutboxSchemaVersion + 1);
  CHECK(raw.integer("SELECT count(*) FROM envelopes") == 2);
}

TEST_CASE("SqliteOutbox refuses another application's database and leaves it unchanged",
          "[sync][sqlite]") {
  TempDir dir;
  const fs::path path = dir / "other.db";
  std::string journal = "delete";
  SECTION("another application id") {
    RawDb raw(path);
    raw.exec("PRAGMA application_id = 305419896; CREATE TABLE notes(body TEXT); "
             "INSERT INTO notes VALUES ('synthetic note');");
  }
  SECTION("another application id, in WAL mode") {
    RawDb raw(path);
    raw.exec("PRAGMA journal_mode = WAL; PRAGMA application_id = 305419896; "
             "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('synthetic note');");
    journal = "wal";
  }
  SECTION("a schema version but no application id") {
    RawDb raw(path);
    raw.exec("PRAGMA user_version = 1; CREATE TABLE envelopes(x); INSERT INTO envelopes VALUES (1);");
  }
  const std::string before = file_hash(path);
  REQUIRE_FALSE(fs::exists(wal_of(path)));

  platform::Result<std::unique_ptr<SqliteOutbox>> r = SqliteOutbox::open(path);
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  CHECK_THAT(r.status().message(), Contains(path.string()));
  // Not ours: not converted to WAL, not migrated, not written at all.
  CHECK(file_hash(path) == before);
  CHECK_FALSE(fs::exists(wal_of(path)));
  RawDb raw(path);
  CHECK(raw.text("PRAGMA journal_mode") == journal);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'audit'") == 0);
}

TEST_CASE("SqliteOutbox refuses a path that is not a regular file", "[sync][sqlite]") {
  TempDir dir;
  SECTION("a directory") {
    fs::create_directory(dir / "outbox.db");
    platform::Result<std::unique_ptr<SqliteOutbox>> r = SqliteOutbox::open(dir / "outbox.db");
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Contains((dir / "outbox.db").string()));
  }
  SECTION("a missing directory") {
    platform::Result<std::unique_ptr<SqliteOutbox>> r = SqliteOutbox::open(dir / "missing" / "outbox.db");
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Contains((dir / "missing" / "outbox.db").string()));
    CHECK_FALSE(fs::exists(dir / "missing"));
  }
}

TEST_CASE("Editing or removing an audit row with raw SQL breaks verify_audit_chain",
          "[sync][sqlite][audit]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  Keys k;
  std::vector<std::string> ids = make_real_db(path, k, 3);  // audit rows 1-3
  {
    auto box = require_value(SqliteOutbox::open(path));
    require_ok(box->append_audit({kT0 + 9000, "staff.login", ""}));  // row 4
    require_ok(box->verify_audit_chain());
  }
  std::string broken_at;
  {
    RawDb raw(path);
    SECTION("changed code") {
      raw.exec("UPDATE audit SET code = 'enrollment.cancelled' WHERE seq = 2");
      broken_at = "event 2";
    }
    SECTION("changed time") {
      raw.exec("UPDATE audit SET at_ms = at_ms + 1 WHERE seq = 3");
      broken_at = "event 3";
    }
    SECTION("changed ref") {
      raw.exec("UPDATE audit SET ref = '' WHERE seq = 1");
      broken_at = "event 1";
    }
    SECTION("deleted row") {
      raw.exec("DELETE FROM audit WHERE seq = 2");
      broken_at = "event 3";
    }
    SECTION("changed code with the row's own hash recomputed") {
      datasync::AuditEvent forged{kT0 + 1000, "enrollment.cancelled", ids[1]};
      std::string prev = raw.text("SELECT hash FROM audit WHERE seq = 1");
      raw.exec("UPDATE audit SET code = 'enrollment.cancelled', hash = '" +
               datasync::audit_hash(prev, 2, forged) + "' WHERE seq = 2");
      broken_at = "event 3";
    }
  }
  auto box = require_value(SqliteOutbox::open(path));
  platform::Status s = box->verify_audit_chain();
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.kind() == StatusKind::kCorruption);
  CHECK_THAT(s.message(), Contains(broken_at));
  CHECK_THAT(s.message(), Contains(path.string()));
}

TEST_CASE("No column or byte of the SQLite file holds the participant's plaintext",
          "[sync][sqlite][privacy]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  const std::string marker = "Qz7LeakProbe";
  Keys k;
  platform::SignKeyPair dev_key = platform::generate_sign_keypair();
  datasync::DeviceIdentity device{k.device_id, "H012", std::move(dev_key.sec)};
  platform::FakeClock clock(kT0);
  std::mt19937_64 rng(42);
  auto box = require_value(SqliteOutbox::open(path));
  datasync::Submitter submitter(*box, device, k.databank.pub, k.local, clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    clock.advance_ms(1000);
    datasync::EnrollmentInput in = kiosk::make_synthetic_enrollment(
        rng, synctest::new_ulid(), platform::format_rfc3339_utc(clock.now_unix_ms()),
        kiosk::SyntheticOptions{marker});
    REQUIRE(in.bundle.text().find(marker + "N") != std::string::npos);  // the probe is really in
    REQUIRE(in.bundle.text().find(marker + "A") != std::string::npos);
    REQUIRE(in.card.name.find(marker) != std::string::npos);
    ids.push_back(require_value(submitter.submit_enrollment(in)));
  }
  require_ok(box->record_failure(ids[0], "HTTP 503", clock.now_unix_ms()));
  require_ok(box->destroy_card(ids[1], {clock.now_unix_ms(), "card.verified", ids[1]}));

  const std::vector<std::string> needles = {marker, testing_support::utf16le(marker),
                                            testing_support::utf16be(marker)};
  {
    RawDb raw(path);
    std::size_t rows = 0;
    std::vector<std::string> values = raw.all_values(rows);
    CHECK(rows >= 3 + 2 + 4);  // envelopes, cards, audit events
    for (const std::string& v : values)
      for (const std::string& n : needles) CHECK(v.find(n) == std::string::npos);
  }
  REQUIRE(fs::exists(wal_of(path)));
  for (const std::string& n : needles) CHECK(testing_support::files_containing(dir.path(), n).empty());
  box.reset();
  for (const std::string& n : needles) CHECK(testing_support::files_containing(dir.path(), n).empty());
}

TEST_CASE("An acknowledged envelope's sealed bytes are erased from the database file",
          "[sync][sqlite][privacy]") {
  TempDir dir;
  const fs::path path = dir / "outbox.db";
  Keys k;
  Submission a = synctest::make_submission(k, kT0, 6000);
  Submission b = synctest::make_submission(k, kT0 + 1, 6000);
  {
    auto box = require_value(SqliteOutbox::open(path));
    require_ok(box->submit(a));
    require_ok(box->submit(b));
  }
  auto probe = [](const Submission& s) {
    return std::string(s.envelope.sealed.begin() + 1000, s.envelope.sealed.begin() + 1064);
  };
  REQUIRE(read_all(path).find(probe(a)) != std::string::npos);  // stored as a blob, checkpointed
  {
    auto box = require_value(SqliteOutbox::open(path));
    REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, a.envelope, kT0 + 100),
                                           k.receipt.pub)) == datasync::AckOutcome::kAcked);
  }
  CHECK(testing_support::files_containing(dir.path(), probe(a)).empty());
  CHECK(read_all(path).find(probe(b)) != std::string::npos);
}
