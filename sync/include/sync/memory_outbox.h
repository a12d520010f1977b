// sync/memory_outbox.h: an in-memory Outbox with the same contract as SqliteOutbox, for
// tests of code that uses an Outbox, and to keep the contract honest (one contract suite
// runs against both). Not durable, by design.
//
// Thread-safety: a mutex guards everything; any thread may call any method.
#pragma once

#include <map>
#include <mutex>

#include "sync/outbox.h"

namespace datasync {

class MemoryOutbox final : public Outbox {
 public:
  platform::Status submit(const Submission& s) override;
  platform::Result<std::vector<QueuedEnvelope>> next_batch(std::size_t max_count,
                                                           std::size_t max_bytes) override;
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
  platform::Status destroy_card(std::string_view envelope_id, const AuditEvent& why) override;
  platform::Result<int> expire_cards(std::int64_t now_unix_ms) override;
  platform::Status append_audit(const AuditEvent& e) override;
  platform::Result<std::vector<AuditRecord>> audit_log() override;
  platform::Status verify_audit_chain() override;

 private:
  void append_audit_locked(const AuditEvent& e);

  std::mutex mu_;
  std::int64_t next_seq_ = 1;
  std::map<std::int64_t, EnvelopeRecord> by_seq_;  // queue order
  std::map<std::string, std::int64_t, std::less<>> seq_of_;
  std::map<std::string, SealedCard, std::less<>> cards_;
  std::vector<AuditRecord> audit_;
};

}  // namespace datasync
