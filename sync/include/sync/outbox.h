// sync/outbox.h: the durable queue of sealed envelopes, the interface.
//
// An envelope moves through named states, each change one atomic step:
//
//   submit() ──> queued ──acknowledge(verified receipt, hash matches)──> acked (tombstone:
//                  │                                                     id, hash, receipt;
//                  │                                                     sealed blob dropped)
//                  └──mark_conflict(server has the id with another hash)──> conflict (kept,
//                                                                          counted, not resent)
//
// submit() stores, in one transaction, the sealed envelope, its encrypted verification card
// and an audit event: after it returns ok, all three survive a power cut; if it fails,
// none of them is stored. Nothing here holds readable participant data: the envelope is
// sealed to the data bank and the card is encrypted with the device's local key.
//
// The audit chain: each audit event carries the SHA-256 of the previous one, so removing or
// editing an event breaks verify_audit_chain().
//
// Implementations: SqliteOutbox (the product) and MemoryOutbox (tests; the same contract,
// tests/sync/outbox_contract.tests.cpp runs against both).
//
// Thread-safety: every method may be called from any thread; implementations serialise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.h"
#include "platform/status.h"
#include "sync/envelope.h"
#include "sync/receipt.h"

namespace datasync {

enum class EnvelopeState { kQueued, kAcked, kConflict };
const char* envelope_state_name(EnvelopeState s);

// The nurse's verification card, encrypted with the device's local key (local_encrypt).
struct SealedCard {
  std::string envelope_id;
  platform::Bytes box;
  std::int64_t expires_unix_ms = 0;
};

// An audit event carries codes and ids only, never participant data.
struct AuditEvent {
  std::int64_t at_unix_ms = 0;
  std::string code;  // e.g. "enrollment.submitted"
  std::string ref;   // an envelope id or ""
};

struct AuditRecord {
  std::int64_t seq = 0;
  AuditEvent event;
  std::string prev_hash;  // hex; 64 zeros for the first
  std::string hash;       // hex SHA-256 over prev_hash, seq, time, code, ref
};

struct Submission {
  Envelope envelope;
  // Optional: the hex SHA-256 of envelope.sealed, when the producer already computed it.
  // REQUIRES: if set, equal to sha256_hex(envelope.sealed).
  std::string sealed_sha256;
  std::optional<SealedCard> card;
  AuditEvent audit;
};

struct QueuedEnvelope {
  std::string id;
  std::string sealed_sha256;  // hex
  std::string json;           // the envelope exactly as sent on the wire
  int attempts = 0;
};

struct EnvelopeRecord {
  std::string id;
  EnvelopeState state = EnvelopeState::kQueued;
  std::string sealed_sha256;
  std::optional<Envelope> envelope;  // absent once acked (the sealed blob is dropped)
  std::optional<Receipt> receipt;    // present once acked
  int attempts = 0;
  std::string last_error;            // transport or server reason; no participant data
  std::int64_t queued_unix_ms = 0;
};

struct OutboxStats {
  std::int64_t queued_count = 0;
  std::int64_t queued_bytes = 0;          // sealed bytes still waiting
  std::int64_t oldest_queued_age_ms = 0;  // 0 when nothing is queued
  std::int64_t acked_count = 0;
  std::int64_t conflict_count = 0;
  std::int64_t failed_attempts = 0;       // summed over queued envelopes
  std::int64_t pending_cards = 0;
};

enum class AckOutcome { kAcked, kAlreadyAcked };

// Estimated wire size of one envelope in a batch (base64 sealed + headers).
std::size_t envelope_wire_bytes(std::size_t sealed_bytes);

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Stores envelope + card + audit event atomically. kAlreadyExists if the id is taken.
  virtual platform::Status submit(const Submission& s) = 0;

  // Oldest queued first (queue order), at most `max_count` envelopes and `max_bytes` of
  // estimated wire size; an envelope larger than max_bytes alone still comes out alone.
  virtual platform::Result<std::vector<QueuedEnvelope>> next_batch(std::size_t max_count,
                                                                   std::size_t max_bytes) = 0;

  // Verifies the receipt's signature with `receipt_key` and that its sha256 equals the
  // stored envelope's; only then drops the sealed blob and keeps a tombstone. A receipt for
  // an unknown id is kNotFound, a bad signature kCrypto, another hash kConflict: in every
  // failing case the envelope stays queued.
  virtual platform::Result<AckOutcome> acknowledge(const Receipt& r,
                                                   const platform::SignPublicKey& receipt_key) = 0;

  // acknowledge() for many receipts in one transaction (one fsync for a whole batch). Each
  // result says what acknowledge() would have said for that receipt; if the commit fails,
  // every result carries that error and nothing changed.
  struct AckResult {
    std::string id;
    platform::Status status;
    AckOutcome outcome = AckOutcome::kAcked;
  };
  virtual std::vector<AckResult> acknowledge_batch(const std::vector<Receipt>& receipts,
                                                   const platform::SignPublicKey& receipt_key) = 0;

  // A failed delivery attempt: counts it and keeps the reason. The envelope stays queued.
  virtual platform::Status record_failure(std::string_view id, std::string_view reason,
                                          std::int64_t at_unix_ms) = 0;

  // The data bank holds this id with another hash: kept, counted, no longer sent.
  virtual platform::Status mark_conflict(std::string_view id, std::string_view reason,
                                         std::int64_t at_unix_ms) = 0;

  virtual platform::Result<std::optional<EnvelopeRecord>> find(std::string_view id) = 0;
  virtual platform::Result<OutboxStats> stats(std::int64_t now_unix_ms) = 0;

  // Verification cards: read one, destroy one (with an audit event, atomically), and destroy
  // every card whose expiry has passed (returns how many).
  virtual platform::Result<std::optional<SealedCard>> card(std::string_view envelope_id) = 0;
  virtual platform::Status destroy_card(std::string_view envelope_id, const AuditEvent& why) = 0;
  virtual platform::Result<int> expire_cards(std::int64_t now_unix_ms) = 0;

  virtual platform::Status append_audit(const AuditEvent& e) = 0;
  virtual platform::Result<std::vector<AuditRecord>> audit_log() = 0;
  // Recomputes every hash link; kCorruption names the first broken event.
  virtual platform::Status verify_audit_chain() = 0;
};

// The audit hash link, shared by every implementation.
std::string audit_hash(const std::string& prev_hash, std::int64_t seq, const AuditEvent& e);
inline const std::string kAuditGenesisHash(64, '0');

}  // namespace datasync
