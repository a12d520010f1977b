#include "sync/sqlite_outbox.h"

#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstring>
#include <functional>
#include <thread>

#include "platform/clock.h"
#include "platform/fs.h"
#include "sqlite_db.h"

namespace datasync {

using detail::exec_sql;
using detail::sqlite_status;
using detail::Stmt;
using detail::Transaction;
using platform::Result;
using platform::Status;

namespace {

constexpr std::int64_t kApplicationId = 0x42424B31;  // "BBK1"

// Migration N takes the schema from version N-1 to N. Append only; never edit a shipped one.
const char* const kMigrations[] = {
    // 1: the outbox, verification cards and the audit chain.
    R"sql(
CREATE TABLE envelopes(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  v INTEGER NOT NULL,
  kind TEXT NOT NULL,
  device TEXT NOT NULL,
  site TEXT NOT NULL,
  created TEXT NOT NULL,
  ref TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'acked', 'conflict')),
  sealed BLOB,
  sig BLOB NOT NULL,
  sealed_sha256 TEXT NOT NULL,
  sealed_bytes INTEGER NOT NULL,
  queued_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  receipt TEXT,
  acked_ms INTEGER,
  CHECK ((state = 'acked') = (sealed IS NULL)),
  CHECK (state <> 'acked' OR receipt IS NOT NULL)
);
CREATE INDEX envelopes_queued ON envelopes(seq) WHERE state = 'queued';
CREATE TABLE cards(
  envelope_id TEXT PRIMARY KEY REFERENCES envelopes(id),
  box BLOB NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE audit(
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  code TEXT NOT NULL,
  ref TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
)sql",
    // 2: audit actors and delivery to the data bank, staff accounts, linked specimen kits.
    R"sql(
ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN sent_in TEXT;
CREATE INDEX audit_unsent ON audit(seq) WHERE sent_in IS NULL;
CREATE TABLE staff(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('nurse', 'it')),
  pin_hash TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
  last_failure_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  removed_ms INTEGER,
  CHECK (removed_ms IS NULL OR pin_hash = '')
) WITHOUT ROWID;
CREATE TABLE kits(
  barcode TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('blood', 'urine')),
  enrollment_id TEXT NOT NULL REFERENCES envelopes(id),
  attestation_id TEXT NOT NULL REFERENCES envelopes(id),
  linked_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};
constexpr int kMigrationCount = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
static_assert(kMigrationCount == kOutboxSchemaVersion);

Result<std::int64_t> pragma_int(sqlite3* db, const char* sql, const std::string& what) {
  Stmt st(db, sql);
  Result<bool> row = st.step(what);
  if (!row.is_ok()) return row.status();
  if (!row.value()) return Status::internal(what + ": no result");
  return st.col_int(0);
}

Status check_integrity(sqlite3* db, const std::string& file) {
  Stmt st(db, "PRAGMA quick_check");
  Result<bool> row = st.step("checking " + file);
  if (!row.is_ok()) {
    return row.status().with_context("database " + file +
                                     " cannot be read; it was left untouched. Keep a copy and "
                                     "call IT support");
  }
  std::string verdict = row.value() ? st.col_text(0) : "no answer";
  // quick_check reports one problem per line; an error is one line.
  for (char& c : verdict)
    if (c == '\n') c = ';';
  if (verdict != "ok")
    return Status::corruption("database " + file + " failed its integrity check (" +
                              verdict.substr(0, 200) +
                              "); it was left untouched. Keep a copy and call IT support");
  return Status::ok();
}

// Refuses a file from a newer kiosk or another application. Reads only: it runs before
// anything (WAL included) writes, so a refused file is left exactly as it was found.
Status check_identity(sqlite3* db, const std::string& file) {
  Result<std::int64_t> version = pragma_int(db, "PRAGMA user_version", "reading schema version");
  if (!version.is_ok()) return version.status();
  Result<std::int64_t> app = pragma_int(db, "PRAGMA application_id", "reading application id");
  if (!app.is_ok()) return app.status();
  if (version.value() > kOutboxSchemaVersion)
    return Status::invalid_argument("database " + file + " has schema version " +
                                    std::to_string(version.value()) +
                                    ", newer than this program knows (" +
                                    std::to_string(kOutboxSchemaVersion) + "); upgrade the kiosk");
  if (app.value() != 0 && app.value() != kApplicationId)
    return Status::invalid_argument("database " + file + " belongs to another application");
  if (version.value() > 0 && app.value() != kApplicationId)
    return Status::invalid_argument("database " + file + " is not a kiosk database");
  return Status::ok();
}

Status migrate(sqlite3* db, const std::string& file) {
  KIOSK_RETURN_IF_ERROR(check_identity(db, file));
  Result<std::int64_t> version = pragma_int(db, "PRAGMA user_version", "reading schema version");
  if (!version.is_ok()) return version.status();
  for (int v = static_cast<int>(version.value()); v < kMigrationCount; ++v) {
    Transaction tx(db);
    KIOSK_RETURN_IF_ERROR(tx.begin());
    KIOSK_RETURN_IF_ERROR(exec_sql(db, kMigrations[v], "migrating " + file + " to schema " + std::to_string(v + 1)));
    std::string set = "PRAGMA user_version = " + std::to_string(v + 1) +
                      "; PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
    KIOSK_RETURN_IF_ERROR(exec_sql(db, set.c_str(), "recording schema version"));
    KIOSK_RETURN_IF_ERROR(tx.commit());
  }
  return Status::ok();
}

EnvelopeState state_from(const std::string& s) {
  if (s == "acked") return EnvelopeState::kAcked;
  if (s == "conflict") return EnvelopeState::kConflict;
  return EnvelopeState::kQueued;
}

Envelope envelope_from_row(const Stmt& st, int first_col) {
  Envelope e;
  e.v = static_cast<int>(st.col_int(first_col));
  e.h.id = st.col_text(first_col + 1);
  e.h.kind = st.col_text(first_col + 2);
  e.h.device = st.col_text(first_col + 3);
  e.h.site = st.col_text(first_col + 4);
  e.h.created = st.col_text(first_col + 5);
  e.h.ref = st.col_text(first_col + 6);
  e.sealed = st.col_blob(first_col + 7);
  platform::Bytes sig = st.col_blob(first_col + 8);
  if (sig.size() == e.sig.size()) std::memcpy(e.sig.data(), sig.data(), sig.size());
  return e;
}

}  // namespace

Result<std::unique_ptr<SqliteOutbox>> SqliteOutbox::open(const std::filesystem::path& path) {
  const std::string file = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return Status::invalid_argument("database " + file + " is not a regular file");
  if (::stat(path.c_str(), &st) != 0) {
    // Create the file private (0600) before SQLite does; its -wal and -shm inherit the mode.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) return platform::status_from_errno(errno, "cannot create database " + file);
    if (fd >= 0) ::close(fd);
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqlite_status(db, rc, "cannot open database " + file);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteOutbox> box(new SqliteOutbox(db, path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  // Nothing may write before the integrity check: a damaged file must stay as it was found.
  KIOSK_RETURN_IF_ERROR(check_integrity(db, file));
  KIOSK_RETURN_IF_ERROR(check_identity(db, file));
  {
    Stmt wal(db, "PRAGMA journal_mode=WAL");
    Result<bool> row = wal.step("enabling WAL on " + file);
    if (!row.is_ok()) return row.status();
    if (!row.value() || wal.col_text(0) != "wal")
      return Status::io_error("database " + file + " cannot use WAL journaling");
  }
  KIOSK_RETURN_IF_ERROR(exec_sql(db,
                                 "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                                 "PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;",
                                 "configuring " + file));
  KIOSK_RETURN_IF_ERROR(migrate(db, file));
  return box;
}

SqliteOutbox::SqliteOutbox(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::move(path)), stmts_(std::make_unique<detail::StmtCache>()) {}

SqliteOutbox::~SqliteOutbox() {
  stmts_->finalize_all();
  sqlite3_close(db_);
}

int SqliteOutbox::schema_version() {
  std::lock_guard<std::mutex> lock(mu_);
  Result<std::int64_t> v = pragma_int(db_, "PRAGMA user_version", "reading schema version");
  return v.is_ok() ? static_cast<int>(v.value()) : -1;
}

Status SqliteOutbox::append_audit_locked(const AuditEvent& e) {
  std::string prev = kAuditGenesisHash;
  std::int64_t seq = 1;
  {
    Stmt last(db_, *stmts_, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    Result<bool> row = last.step("reading the audit chain");
    if (!row.is_ok()) return row.status();
    if (row.value()) {
      seq = last.col_int(0) + 1;
      prev = last.col_text(1);
    }
  }
  Stmt ins(db_, *stmts_,
           "INSERT INTO audit(seq, at_ms, code, ref, prev_hash, hash, actor) VALUES(?,?,?,?,?,?,?)");
  ins.bind(1, seq).bind(2, e.at_unix_ms).bind(3, e.code).bind(4, e.ref).bind(5, prev)
      .bind(6, audit_hash(prev, seq, e)).bind(7, e.actor);
  return ins.exec("writing an audit event");
}

Status SqliteOutbox::insert_envelope_locked(const Envelope& e, const std::string& sealed_sha256,
                                            std::int64_t queued_ms) {
  const std::string hash = sealed_sha256.empty() ? platform::sha256_hex(e.sealed) : sealed_sha256;
  Stmt ins(db_, *stmts_,
           "INSERT INTO envelopes(id, v, kind, device, site, created, ref, state, sealed, sig, "
           "sealed_sha256, sealed_bytes, queued_ms) VALUES(?,?,?,?,?,?,?,'queued',?,?,?,?,?)");
  ins.bind(1, e.h.id)
      .bind(2, static_cast<std::int64_t>(e.v))
      .bind(3, e.h.kind)
      .bind(4, e.h.device)
      .bind(5, e.h.site)
      .bind(6, e.h.created)
      .bind(7, e.h.ref)
      .bind_blob(8, e.sealed)
      .bind_blob(9, e.sig)
      .bind(10, hash)
      .bind(11, static_cast<std::int64_t>(e.sealed.size()))
      .bind(12, queued_ms);
  if (Status st = ins.exec("storing envelope " + e.h.id); !st.is_ok()) {
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE)
      return Status::already_exists("envelope " + e.h.id + " is already in the outbox");
    return st;
  }
  return Status::ok();
}

Status SqliteOutbox::submit(const Submission& s) {
  const Envelope& e = s.envelope;
  if (s.card && s.card->envelope_id != e.h.id)
    return Status::invalid_argument("verification card belongs to another envelope");
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  KIOSK_RETURN_IF_ERROR(insert_envelope_locked(e, s.sealed_sha256, s.audit.at_unix_ms));
  if (s.card) {
    Stmt card(db_, *stmts_, "INSERT INTO cards(envelope_id, box, expires_ms) VALUES(?,?,?)");
    card.bind(1, s.card->envelope_id).bind_blob(2, s.card->box).bind(3, s.card->expires_unix_ms);
    KIOSK_RETURN_IF_ERROR(card.exec("storing the verification card of " + e.h.id));
  }
  KIOSK_RETURN_IF_ERROR(append_audit_locked(s.audit));
  return tx.commit().with_context("envelope " + e.h.id + " was not stored");
}

Result<std::vector<QueuedEnvelope>> SqliteOutbox::next_batch(std::size_t max_count, std::size_t max_bytes,
                                                             std::int64_t after_seq) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QueuedEnvelope> out;
  std::size_t bytes = 0;
  Stmt st(db_, *stmts_,
          "SELECT v, id, kind, device, site, created, ref, sealed, sig, sealed_sha256, attempts, seq "
          "FROM envelopes WHERE state = 'queued' AND seq > ? ORDER BY seq LIMIT ?");  // envelopes_queued
  st.bind(1, after_seq).bind(2, static_cast<std::int64_t>(max_count));
  for (std::size_t n = 0; n < max_count; ++n) {
    Result<bool> row = st.step("reading the outbox");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    Envelope e = envelope_from_row(st, 0);
    std::size_t w = envelope_wire_bytes(e.sealed.size());
    if (!out.empty() && bytes + w > max_bytes) break;
    bytes += w;
    out.push_back({e.h.id, st.col_text(9), envelope_to_json(e), static_cast<int>(st.col_int(10)), st.col_int(11)});
  }
  return out;
}

namespace {

// One receipt inside an open transaction. REQUIRES: the receipt verified; mu_ held.
Result<AckOutcome> ack_locked(sqlite3* db, detail::StmtCache& stmts, const Receipt& r,
                              const std::function<Status(const AuditEvent&)>& audit) {
  Result<std::int64_t> at = platform::parse_rfc3339(r.received);
  std::string state, hash, kind;
  {
    Stmt q(db, stmts, "SELECT state, sealed_sha256, kind FROM envelopes WHERE id = ?");
    q.bind(1, r.id);
    Result<bool> row = q.step("looking up envelope " + r.id);
    if (!row.is_ok()) return row.status();
    if (!row.value()) return Status::not_found("receipt for unknown envelope " + r.id);
    state = q.col_text(0);
    hash = q.col_text(1);
    kind = q.col_text(2);
  }
  if (hash != r.sha256)
    return Status::conflict("receipt for envelope " + r.id + " names another hash; envelope kept");
  if (state == "acked") return AckOutcome::kAlreadyAcked;
  Stmt up(db, stmts,
          "UPDATE envelopes SET state = 'acked', sealed = NULL, receipt = ?, acked_ms = ? "
          "WHERE id = ?");
  up.bind(1, receipt_to_json(r)).bind(2, at.is_ok() ? at.value() : 0).bind(3, r.id);
  KIOSK_RETURN_IF_ERROR(up.exec("acknowledging envelope " + r.id));
  // Not for event envelopes: their acknowledgement would be an event to send, whose
  // acknowledgement would be another, for ever. The tombstone keeps their receipt.
  if (kind != "event") KIOSK_RETURN_IF_ERROR(audit({at.is_ok() ? at.value() : 0, "envelope.acked", r.id}));
  return AckOutcome::kAcked;
}

}  // namespace

Result<AckOutcome> SqliteOutbox::acknowledge(const Receipt& r, const platform::SignPublicKey& key) {
  std::vector<AckResult> one = acknowledge_batch({r}, key);
  if (!one.front().status.is_ok()) return one.front().status;
  return one.front().outcome;
}

std::vector<Outbox::AckResult> SqliteOutbox::acknowledge_batch(const std::vector<Receipt>& receipts,
                                                               const platform::SignPublicKey& key) {
  std::vector<AckResult> out(receipts.size());
  // Receipt signatures are checked on two threads for a full batch (pure work, no lock).
  auto check = [&](std::size_t first, std::size_t step) {
    for (std::size_t i = first; i < receipts.size(); i += step)
      out[i] = {receipts[i].id, verify_receipt(receipts[i], key), AckOutcome::kAcked};
  };
  if (receipts.size() >= 16) {
    std::thread helper(check, 1, 2);
    check(0, 2);
    helper.join();
  } else {
    check(0, 1);
  }
  std::vector<std::size_t> verified;
  for (std::size_t i = 0; i < receipts.size(); ++i)
    if (out[i].status.is_ok()) verified.push_back(i);
  if (verified.empty()) return out;
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  Status begun = tx.begin();
  auto audit = [this](const AuditEvent& e) { return append_audit_locked(e); };
  for (std::size_t i : verified) {
    if (!begun.is_ok()) {
      out[i].status = begun;
      continue;
    }
    Result<AckOutcome> a = ack_locked(db_, *stmts_, receipts[i], audit);
    out[i].status = a.status();
    if (a.is_ok()) out[i].outcome = a.value();
    // A storage error (not a per-receipt refusal) ends the batch: roll everything back.
    if (!a.is_ok() && a.status().kind() != platform::StatusKind::kNotFound &&
        a.status().kind() != platform::StatusKind::kConflict) {
      for (std::size_t j : verified) out[j].status = a.status();
      return out;
    }
  }
  if (begun.is_ok()) {
    Status c = tx.commit();
    if (!c.is_ok())
      for (std::size_t j : verified) out[j].status = c;
  }
  return out;
}

Status SqliteOutbox::record_failure(std::string_view id, std::string_view reason, std::int64_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt up(db_, *stmts_,
          "UPDATE envelopes SET attempts = attempts + 1, last_attempt_ms = ?, last_error = ? "
          "WHERE id = ?");
  up.bind(1, at).bind(2, reason.substr(0, 500)).bind(3, id);
  KIOSK_RETURN_IF_ERROR(up.exec("recording a failed attempt"));
  if (sqlite3_changes(db_) == 0) return Status::not_found("no envelope " + std::string(id));
  return Status::ok();
}

Status SqliteOutbox::mark_conflict(std::string_view id, std::string_view reason, std::int64_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  std::string state;
  {
    Stmt q(db_, *stmts_, "SELECT state FROM envelopes WHERE id = ?");
    q.bind(1, id);
    Result<bool> row = q.step("looking up envelope");
    if (!row.is_ok()) return row.status();
    if (!row.value()) return Status::not_found("no envelope " + std::string(id));
    state = q.col_text(0);
  }
  if (state == "acked")
    return Status::invalid_argument("envelope " + std::string(id) + " is already acknowledged");
  Stmt up(db_, *stmts_, "UPDATE envelopes SET state = 'conflict', last_error = ?, last_attempt_ms = ? WHERE id = ?");
  up.bind(1, reason.substr(0, 500)).bind(2, at).bind(3, id);
  KIOSK_RETURN_IF_ERROR(up.exec("marking a conflict"));
  KIOSK_RETURN_IF_ERROR(append_audit_locked({at, "envelope.conflict", std::string(id)}));
  return tx.commit();
}

Result<std::optional<EnvelopeRecord>> SqliteOutbox::find(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_, *stmts_,
         "SELECT v, id, kind, device, site, created, ref, sealed, sig, state, sealed_sha256, "
         "attempts, last_error, queued_ms, receipt FROM envelopes WHERE id = ?");
  q.bind(1, id);
  Result<bool> row = q.step("looking up envelope");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return std::optional<EnvelopeRecord>();
  EnvelopeRecord rec;
  rec.id = q.col_text(1);
  rec.state = state_from(q.col_text(9));
  rec.sealed_sha256 = q.col_text(10);
  if (!q.col_null(7)) rec.envelope = envelope_from_row(q, 0);
  rec.attempts = static_cast<int>(q.col_int(11));
  rec.last_error = q.col_text(12);
  rec.queued_unix_ms = q.col_int(13);
  if (!q.col_null(14)) {
    Result<Receipt> r = receipt_from_json(q.col_text(14));
    if (!r.is_ok()) return r.status().with_context("stored receipt of " + rec.id);
    rec.receipt = std::move(r.value());
  }
  return std::optional<EnvelopeRecord>(std::move(rec));
}

Result<OutboxStats> SqliteOutbox::stats(std::int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  OutboxStats out;
  Stmt q(db_, *stmts_,
         "SELECT state, count(*), coalesce(sum(sealed_bytes), 0), min(queued_ms), "
         "coalesce(sum(attempts), 0) FROM envelopes GROUP BY state");
  for (int guard = 0; guard < 8; ++guard) {
    Result<bool> row = q.step("reading outbox status");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    std::string state = q.col_text(0);
    if (state == "queued") {
      out.queued_count = q.col_int(1);
      out.queued_bytes = q.col_int(2);
      out.oldest_queued_age_ms = std::max<std::int64_t>(0, now - q.col_int(3));
      out.failed_attempts = q.col_int(4);
    } else if (state == "acked") {
      out.acked_count = q.col_int(1);
    } else if (state == "conflict") {
      out.conflict_count = q.col_int(1);
    }
  }
  Stmt c(db_, *stmts_, "SELECT count(*) FROM cards");
  Result<bool> row = c.step("counting verification cards");
  if (!row.is_ok()) return row.status();
  out.pending_cards = c.col_int(0);
  return out;
}

Result<std::optional<SealedCard>> SqliteOutbox::card(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_, *stmts_,
         "SELECT c.envelope_id, c.box, c.expires_ms, e.queued_ms FROM cards c "
         "JOIN envelopes e ON e.id = c.envelope_id WHERE c.envelope_id = ?");
  q.bind(1, id);
  Result<bool> row = q.step("reading a verification card");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return std::optional<SealedCard>();
  return std::optional<SealedCard>(SealedCard{q.col_text(0), q.col_blob(1), q.col_int(2), q.col_int(3)});
}

Result<std::vector<SealedCard>> SqliteOutbox::cards() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SealedCard> out;
  Stmt q(db_, *stmts_,
         "SELECT c.envelope_id, c.box, c.expires_ms, e.queued_ms FROM cards c "
         "JOIN envelopes e ON e.id = c.envelope_id ORDER BY e.seq");
  for (;;) {
    Result<bool> row = q.step("listing verification cards");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    out.push_back(SealedCard{q.col_text(0), q.col_blob(1), q.col_int(2), q.col_int(3)});
  }
  return out;
}

Status SqliteOutbox::attest(const Attestation& a) {
  const Envelope& e = a.envelope;
  KIOSK_RETURN_IF_ERROR(check_attestation(a));
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  {
    Stmt del(db_, *stmts_, "DELETE FROM cards WHERE envelope_id = ?");
    del.bind(1, e.h.ref);
    KIOSK_RETURN_IF_ERROR(del.exec("destroying the verification card of " + e.h.ref));
    if (sqlite3_changes(db_) == 0)
      return Status::not_found("no verification card for enrollment " + e.h.ref +
                               " (already verified, rejected or expired)");
  }
  KIOSK_RETURN_IF_ERROR(insert_envelope_locked(e, a.sealed_sha256, a.audit.at_unix_ms));
  for (const KitLink& k : a.kits) {
    Stmt ins(db_, *stmts_,
             "INSERT INTO kits(barcode, kind, enrollment_id, attestation_id, linked_ms) "
             "VALUES(?,?,?,?,?)");
    ins.bind(1, k.barcode)
        .bind(2, k.kind)
        .bind(3, e.h.ref)
        .bind(4, e.h.id)
        .bind(5, a.audit.at_unix_ms);
    if (Status st = ins.exec("linking kit " + k.barcode); !st.is_ok()) {
      const int ext = sqlite3_extended_errcode(db_);
      if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
        return Status::already_exists("kit " + k.barcode + " is already linked on this device");
      return st;
    }
  }
  KIOSK_RETURN_IF_ERROR(append_audit_locked(a.audit));
  return tx.commit().with_context("attestation " + e.h.id + " was not stored");
}

Result<std::optional<KitRecord>> SqliteOutbox::find_kit(std::string_view barcode) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(
      db_, *stmts_,
      "SELECT barcode, kind, enrollment_id, attestation_id, linked_ms FROM kits WHERE barcode = ?");
  q.bind(1, barcode);
  Result<bool> row = q.step("looking up a specimen kit");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return std::optional<KitRecord>();
  return std::optional<KitRecord>(
      KitRecord{{q.col_text(0), q.col_text(1)}, q.col_text(2), q.col_text(3), q.col_int(4)});
}

Status SqliteOutbox::destroy_card(std::string_view id, const AuditEvent& why) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  Stmt del(db_, *stmts_, "DELETE FROM cards WHERE envelope_id = ?");
  del.bind(1, id);
  KIOSK_RETURN_IF_ERROR(del.exec("destroying a verification card"));
  if (sqlite3_changes(db_) == 0) return Status::not_found("no verification card for " + std::string(id));
  KIOSK_RETURN_IF_ERROR(append_audit_locked(why));
  return tx.commit();
}

Result<int> SqliteOutbox::expire_cards(std::int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  std::vector<std::string> ids;
  {
    Stmt q(db_, *stmts_, "SELECT envelope_id FROM cards WHERE expires_ms <= ? ORDER BY envelope_id");
    q.bind(1, now);
    for (;;) {
      Result<bool> row = q.step("finding expired cards");
      if (!row.is_ok()) return row.status();
      if (!row.value()) break;
      ids.push_back(q.col_text(0));
    }
  }
  for (const std::string& id : ids) {
    Stmt del(db_, *stmts_, "DELETE FROM cards WHERE envelope_id = ?");
    del.bind(1, id);
    KIOSK_RETURN_IF_ERROR(del.exec("destroying an expired card"));
    KIOSK_RETURN_IF_ERROR(append_audit_locked({now, "card.expired", id}));
  }
  KIOSK_RETURN_IF_ERROR(tx.commit());
  return static_cast<int>(ids.size());
}

Status SqliteOutbox::append_audit(const AuditEvent& e) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  KIOSK_RETURN_IF_ERROR(append_audit_locked(e));
  return tx.commit();
}

Result<std::vector<AuditRecord>> SqliteOutbox::audit_log() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AuditRecord> out;
  Stmt q(db_, *stmts_,
         "SELECT seq, at_ms, code, ref, prev_hash, hash, actor, coalesce(sent_in, '') FROM audit "
         "ORDER BY seq");
  for (;;) {
    Result<bool> row = q.step("reading the audit chain");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    out.push_back({q.col_int(0), {q.col_int(1), q.col_text(2), q.col_text(3), q.col_text(6)},
                   q.col_text(4), q.col_text(5), q.col_text(7)});
  }
  return out;
}

Status SqliteOutbox::verify_audit_chain() {
  Result<std::vector<AuditRecord>> log = audit_log();
  if (!log.is_ok()) return log.status();
  return check_audit_chain(log.value(), path_.string());
}

Result<std::vector<AuditRecord>> SqliteOutbox::unsent_audit(std::size_t max_count) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AuditRecord> out;
  Stmt q(db_, *stmts_,
         "SELECT seq, at_ms, code, ref, prev_hash, hash, actor FROM audit WHERE sent_in IS NULL "
         "ORDER BY seq LIMIT ?");  // audit_unsent
  q.bind(1, static_cast<std::int64_t>(max_count));
  for (std::size_t n = 0; n < max_count; ++n) {
    Result<bool> row = q.step("reading unsent audit events");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    out.push_back({q.col_int(0),
                   {q.col_int(1), q.col_text(2), q.col_text(3), q.col_text(6)},
                   q.col_text(4),
                   q.col_text(5),
                   ""});
  }
  return out;
}

Status SqliteOutbox::queue_audit_batch(const Envelope& e, const std::string& sealed_sha256,
                                       std::int64_t through_seq, std::int64_t at_unix_ms) {
  if (e.h.kind != "event")
    return Status::invalid_argument("envelope " + e.h.id + " is not an event envelope");
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  KIOSK_RETURN_IF_ERROR(insert_envelope_locked(e, sealed_sha256, at_unix_ms));
  Stmt up(db_, *stmts_, "UPDATE audit SET sent_in = ? WHERE sent_in IS NULL AND seq <= ?");
  up.bind(1, e.h.id).bind(2, through_seq);
  KIOSK_RETURN_IF_ERROR(up.exec("marking audit events sent"));
  if (sqlite3_changes(db_) == 0)
    return Status::conflict("no unsent audit event up to " + std::to_string(through_seq) +
                            "; event envelope " + e.h.id + " was not stored");
  return tx.commit().with_context("event envelope " + e.h.id + " was not stored");
}

}  // namespace datasync
