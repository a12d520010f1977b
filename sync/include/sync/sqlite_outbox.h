// sync/sqlite_outbox.h: the product's Outbox, one SQLite file (DESIGN.md section 8).
//
// Opening: the file is checked with PRAGMA quick_check before anything writes to it; a
// corrupt or unreadable file stops with kCorruption/kIoError naming the file, and is never
// deleted, truncated or "repaired". Then WAL, synchronous=FULL, foreign_keys=ON, a busy
// timeout, and schema migrations by PRAGMA user_version, each in its own transaction.
// SQLITE_FULL becomes kDiskFull; a failed transaction is rolled back whole.
//
// Thread-safety: one connection behind a mutex; any thread may call any method.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "sync/outbox.h"
#include "sync/staff_store.h"

struct sqlite3;

namespace datasync {

namespace detail {
class StmtCache;
}

// 1: envelopes, cards, audit. 2: audit actor and sent_in, staff, kits.
inline constexpr int kOutboxSchemaVersion = 2;

// The Outbox and the StaffStore share one connection (one file, one transaction per change).
class SqliteOutbox final : public Outbox, public StaffStore {
 public:
  static platform::Result<std::unique_ptr<SqliteOutbox>> open(const std::filesystem::path& db_path);
  ~SqliteOutbox() override;

  platform::Status submit(const Submission& s) override;
  using Outbox::next_batch;
  platform::Result<std::vector<QueuedEnvelope>> next_batch(std::size_t max_count, std::size_t max_bytes,
                                                           std::int64_t after_seq) override;
  platform::Result<AckOutcome> acknowledge(const Receipt& r,
                                           const platform::SignPublicKey& receipt_key) override;
  std::vector<AckResult> acknowledge_batch(const std::vector<Receipt>& receipts,
                                           const platform::SignPublicKey& receipt_key) override;
  platform::Status record_failure(std::string_view id, std::string_view reason,
                                  std::int64_t at_unix_ms) override;
  platform::Status mark_conflict(std::string_view id, std::string_view reason,
                                 std::int64_t at_unix_ms) override;
  platform::Result<std::optional<EnvelopeRecord>> find(std::string_view id) override;
  platform::Result<OutboxStats> stats(std::int64_t now_unix_ms) override;
  platform::Result<std::optional<SealedCard>> card(std::string_view envelope_id) override;
  platform::Result<std::vector<SealedCard>> cards() override;
  platform::Status destroy_card(std::string_view envelope_id, const AuditEvent& why) override;
  platform::Result<int> expire_cards(std::int64_t now_unix_ms) override;
  platform::Status attest(const Attestation& a) override;
  platform::Result<std::optional<KitRecord>> find_kit(std::string_view barcode) override;
  platform::Status append_audit(const AuditEvent& e) override;
  platform::Result<std::vector<AuditRecord>> audit_log() override;
  platform::Status verify_audit_chain() override;
  platform::Result<std::vector<AuditRecord>> unsent_audit(std::size_t max_count) override;
  platform::Status queue_audit_batch(const Envelope& e, const std::string& sealed_sha256,
                                     std::int64_t through_seq, std::int64_t at_unix_ms) override;

  // StaffStore (sqlite_staff.cpp)
  platform::Status add_staff(const StaffRecord& r, const AuditEvent& audit) override;
  platform::Result<std::vector<StaffRecord>> list_staff(bool include_removed) override;
  platform::Result<std::optional<StaffRecord>> find_staff(std::string_view id) override;
  platform::Status modify_staff(std::string_view id, const StaffChange& change) override;

  const std::filesystem::path& path() const { return path_; }
  int schema_version();

 private:
  SqliteOutbox(sqlite3* db, std::filesystem::path path);
  platform::Status append_audit_locked(const AuditEvent& e);
  platform::Status insert_envelope_locked(const Envelope& e, const std::string& sealed_sha256,
                                          std::int64_t queued_ms);

  std::mutex mu_;
  sqlite3* db_;
  std::filesystem::path path_;
  std::unique_ptr<detail::StmtCache> stmts_;
};

}  // namespace datasync
