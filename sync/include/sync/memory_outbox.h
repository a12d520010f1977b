// sync/memory_outbox.h: an in-memory Outbox with the same contract as SqliteOutbox, for
// tests of code that uses an Outbox, and to keep the contract honest (one contract suite
// runs against both). Not durable, by design.
//
// Thread-safety: a mutex guards everything; any thread may call any method.
#pragma once

#include <map>
#include <mutex>

#include "sync/outbox.h"
#include "sync/staff_store.h"

namespace datasync {

class MemoryOutbox final : public Outbox, public StaffStore {
 public:
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

  platform::Status add_staff(const StaffRecord& r, const AuditEvent& audit) override;
  platform::Result<std::vector<StaffRecord>> list_staff(bool include_removed) override;
  platform::Result<std::optional<StaffRecord>> find_staff(std::string_view id) override;
  platform::Status modify_staff(std::string_view id, const StaffChange& change) override;

 private:
  void append_audit_locked(const AuditEvent& e);
  void insert_envelope_locked(const Envelope& e, std::int64_t queued_ms);
  SealedCard with_submitted_time(const SealedCard& c);

  std::mutex mu_;
  std::int64_t next_seq_ = 1;
  std::map<std::int64_t, EnvelopeRecord> by_seq_;  // queue order
  std::map<std::string, std::int64_t, std::less<>> seq_of_;
  std::map<std::string, SealedCard, std::less<>> cards_;
  std::vector<AuditRecord> audit_;
  std::map<std::string, KitRecord, std::less<>> kits_;
  std::vector<StaffRecord> staff_;  // in creation order
};

}  // namespace datasync
