// sync/outbox.h: the durable queue of sealed envelopes, the interface.
//
// An envelope moves through named states, each change one atomic step:
//
//   submit() ──> queued ──acknowledge(verified receipt, hash matches)──> acked (tombstone:
//   attest() ─┘    │                                                     id, hash, receipt;
//   queue_audit_ ──┘                                                     sealed blob dropped)
//     batch()      └──mark_conflict(server has the id with another hash)──> conflict (kept,
//                                                                          counted, not resent)
//
// submit() stores, in one transaction, the sealed envelope, its encrypted verification card
// and an audit event: after it returns ok, all three survive a power cut; if it fails,
// none of them is stored. Nothing here holds readable participant data: the envelope is
// sealed to the data bank and the card is encrypted with the device's local key.
//
// attest() is the nurse's confirm (or the card's expiry): in one transaction it queues the
// sealed attestation envelope, destroys the enrollment's verification card, links the
// specimen kits (a barcode is linked at most once per device) and appends the audit event.
//
// The audit chain: each audit event carries the SHA-256 of the previous one, so removing or
// editing an event breaks verify_audit_chain(). Events travel to the data bank in `event`
// envelopes: queue_audit_batch() queues one and marks the events it carries as sent, together.
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
  // When its enrollment was queued. Filled in by card() and cards(); ignored by submit().
  std::int64_t submitted_unix_ms = 0;
};

// An audit event carries codes and ids only, never participant data: when, who (actor), what
// (code) and on what (ref).
struct AuditEvent {
  std::int64_t at_unix_ms = 0;
  std::string code;  // e.g. "enrollment.submitted"
  std::string ref;   // an envelope id, a staff id, or ""
  // Who acted: a staff id, "kioskctl" for the admin CLI, or "" for the kiosk itself.
  // (Defaulted so that the 3-field events of schema 1 read as before.)
  std::string actor = {};
};

struct AuditRecord {
  std::int64_t seq = 0;
  AuditEvent event;
  std::string prev_hash;  // hex; 64 zeros for the first
  std::string hash;       // hex SHA-256 over prev_hash, seq, time, code, ref (and actor)
  std::string sent_in;    // the event envelope that carried it to the data bank, or ""
};

// A specimen kit linked to an enrollment by an attestation.
struct KitLink {
  std::string barcode;  // canonical form, e.g. "BBD-B-12345678-C" (kiosk/kit.h)
  std::string kind;     // "blood" or "urine"
};

struct KitRecord {
  KitLink kit;
  std::string enrollment_id;
  std::string attestation_id;
  std::int64_t linked_unix_ms = 0;
};

// What attest() stores. The envelope is an attestation (kind "attestation") whose ref names
// the enrollment; that enrollment's verification card is destroyed.
struct Attestation {
  Envelope envelope;
  std::string sealed_sha256;  // optional, as in Submission
  std::vector<KitLink> kits;  // none for a rejected or expired verification
  AuditEvent audit;
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
  std::int64_t seq = 0;       // queue position (for next_batch's after_seq)
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
  // Only envelopes after queue position `after_seq` (the uploader prepares the next batch
  // while the previous one is still in flight, unacknowledged).
  virtual platform::Result<std::vector<QueuedEnvelope>> next_batch(std::size_t max_count, std::size_t max_bytes,
                                                                   std::int64_t after_seq) = 0;
  platform::Result<std::vector<QueuedEnvelope>> next_batch(std::size_t max_count, std::size_t max_bytes) {
    return next_batch(max_count, max_bytes, 0);
  }

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

  // Verification cards: read one, list all (oldest first), destroy one (with an audit event,
  // atomically), and destroy every card whose expiry has passed (returns how many).
  // expire_cards() leaves no attestation behind; the kiosk turns expired cards into `expired`
  // attestations with attest() instead (kiosk/verification.h), and keeps expire_cards() for
  // a device that can no longer seal (no keys).
  virtual platform::Result<std::optional<SealedCard>> card(std::string_view envelope_id) = 0;
  virtual platform::Result<std::vector<SealedCard>> cards() = 0;
  virtual platform::Status destroy_card(std::string_view envelope_id, const AuditEvent& why) = 0;
  virtual platform::Result<int> expire_cards(std::int64_t now_unix_ms) = 0;

  // One transaction: queue a.envelope, destroy the card of a.envelope.h.ref, link a.kits to
  // that enrollment, append a.audit. Refusals, each leaving everything as it was:
  // kInvalidArgument (not an attestation, or the same barcode twice in a.kits),
  // kNotFound (no card for the enrollment: already verified, rejected or expired),
  // kAlreadyExists (the envelope id is taken, or a kit is already linked on this device; the
  // message names the barcode).
  virtual platform::Status attest(const Attestation& a) = 0;
  // The kit with this barcode, if it was ever linked on this device.
  virtual platform::Result<std::optional<KitRecord>> find_kit(std::string_view barcode) = 0;

  virtual platform::Status append_audit(const AuditEvent& e) = 0;
  virtual platform::Result<std::vector<AuditRecord>> audit_log() = 0;
  // Recomputes every hash link; kCorruption names the first broken event and what differs.
  virtual platform::Status verify_audit_chain() = 0;

  // Audit events not yet carried by an event envelope, oldest first, at most max_count.
  virtual platform::Result<std::vector<AuditRecord>> unsent_audit(std::size_t max_count) = 0;
  // One transaction: queue `e` (kind "event") and mark every unsent event with
  // seq <= through_seq as sent in it. kInvalidArgument for another kind; kConflict if no
  // unsent event is that old (someone else sent them first): nothing is stored then.
  virtual platform::Status queue_audit_batch(const Envelope& e, const std::string& sealed_sha256,
                                             std::int64_t through_seq, std::int64_t at_unix_ms) = 0;
};

// The audit hash link, shared by every implementation. Events without an actor hash as in
// schema 1 ("bbd-audit-v1": prev, seq, time, code, ref), so chains written before actors
// existed still verify; events with an actor use "bbd-audit-v2" and cover it too.
std::string audit_hash(const std::string& prev_hash, std::int64_t seq, const AuditEvent& e);

// What attest() checks before touching anything, in both implementations: an attestation
// envelope naming its enrollment, and no kit listed twice.
platform::Status check_attestation(const Attestation& a);
inline const std::string kAuditGenesisHash(64, '0');

// Walks a chain (in seq order) from the genesis hash. kCorruption for the first broken link,
// naming its seq and what differs (a gap in seq, a prev_hash that is not the previous event's
// hash, or a hash that does not match the event's own fields). `where` names the store.
platform::Status check_audit_chain(const std::vector<AuditRecord>& log, const std::string& where);

}  // namespace datasync
