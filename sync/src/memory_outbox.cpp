#include "sync/memory_outbox.h"

#include <algorithm>

#include "platform/clock.h"

namespace datasync {

using platform::Result;
using platform::Status;

void MemoryOutbox::append_audit_locked(const AuditEvent& e) {
  AuditRecord r;
  r.seq = static_cast<std::int64_t>(audit_.size()) + 1;
  r.event = e;
  r.prev_hash = audit_.empty() ? kAuditGenesisHash : audit_.back().hash;
  r.hash = audit_hash(r.prev_hash, r.seq, e);
  audit_.push_back(std::move(r));
}

Status MemoryOutbox::submit(const Submission& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seq_of_.count(s.envelope.h.id) != 0)
    return Status::already_exists("envelope " + s.envelope.h.id + " is already in the outbox");
  if (s.card && s.card->envelope_id != s.envelope.h.id)
    return Status::invalid_argument("verification card belongs to another envelope");
  EnvelopeRecord rec;
  rec.id = s.envelope.h.id;
  rec.state = EnvelopeState::kQueued;
  rec.sealed_sha256 = platform::sha256_hex(s.envelope.sealed);
  rec.envelope = s.envelope;
  rec.queued_unix_ms = s.audit.at_unix_ms;
  std::int64_t seq = next_seq_++;
  by_seq_[seq] = std::move(rec);
  seq_of_[s.envelope.h.id] = seq;
  if (s.card) cards_[s.card->envelope_id] = *s.card;
  append_audit_locked(s.audit);
  return Status::ok();
}

Result<std::vector<QueuedEnvelope>> MemoryOutbox::next_batch(std::size_t max_count,
                                                             std::size_t max_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QueuedEnvelope> out;
  std::size_t bytes = 0;
  for (auto& [seq, rec] : by_seq_) {
    if (out.size() >= max_count) break;
    if (rec.state != EnvelopeState::kQueued) continue;
    std::size_t w = envelope_wire_bytes(rec.envelope->sealed.size());
    if (!out.empty() && bytes + w > max_bytes) break;
    bytes += w;
    out.push_back({rec.id, rec.sealed_sha256, envelope_to_json(*rec.envelope), rec.attempts});
  }
  return out;
}

Result<AckOutcome> MemoryOutbox::acknowledge(const Receipt& r, const platform::SignPublicKey& key) {
  KIOSK_RETURN_IF_ERROR(verify_receipt(r, key));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seq_of_.find(r.id);
  if (it == seq_of_.end()) return Status::not_found("receipt for unknown envelope " + r.id);
  EnvelopeRecord& rec = by_seq_[it->second];
  if (rec.sealed_sha256 != r.sha256)
    return Status::conflict("receipt for envelope " + r.id + " names another hash; envelope kept");
  if (rec.state == EnvelopeState::kAcked) return AckOutcome::kAlreadyAcked;
  rec.state = EnvelopeState::kAcked;
  rec.envelope.reset();
  rec.receipt = r;
  Result<std::int64_t> at = platform::parse_rfc3339(r.received);
  append_audit_locked({at.is_ok() ? at.value() : 0, "envelope.acked", r.id});
  return AckOutcome::kAcked;
}

std::vector<Outbox::AckResult> MemoryOutbox::acknowledge_batch(const std::vector<Receipt>& receipts,
                                                              const platform::SignPublicKey& key) {
  std::vector<AckResult> out;
  for (const Receipt& r : receipts) {
    Result<AckOutcome> a = acknowledge(r, key);
    out.push_back({r.id, a.status(), a.is_ok() ? a.value() : AckOutcome::kAcked});
  }
  return out;
}

Status MemoryOutbox::record_failure(std::string_view id, std::string_view reason, std::int64_t) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return Status::not_found("no envelope " + std::string(id));
  EnvelopeRecord& rec = by_seq_[it->second];
  rec.attempts++;
  rec.last_error = std::string(reason);
  return Status::ok();
}

Status MemoryOutbox::mark_conflict(std::string_view id, std::string_view reason, std::int64_t at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return Status::not_found("no envelope " + std::string(id));
  EnvelopeRecord& rec = by_seq_[it->second];
  if (rec.state == EnvelopeState::kAcked)
    return Status::invalid_argument("envelope " + std::string(id) + " is already acknowledged");
  rec.state = EnvelopeState::kConflict;
  rec.last_error = std::string(reason);
  append_audit_locked({at, "envelope.conflict", std::string(id)});
  return Status::ok();
}

Result<std::optional<EnvelopeRecord>> MemoryOutbox::find(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = seq_of_.find(id);
  if (it == seq_of_.end()) return std::optional<EnvelopeRecord>();
  return std::optional<EnvelopeRecord>(by_seq_[it->second]);
}

Result<OutboxStats> MemoryOutbox::stats(std::int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  OutboxStats st;
  for (auto& [seq, rec] : by_seq_) {
    switch (rec.state) {
      case EnvelopeState::kQueued:
        // Same as SQLite's min(queued_ms): the oldest by time, even if the clock stepped back.
        st.oldest_queued_age_ms = std::max<std::int64_t>(st.oldest_queued_age_ms, std::max<std::int64_t>(0, now - rec.queued_unix_ms));
        st.queued_count++;
        st.queued_bytes += static_cast<std::int64_t>(rec.envelope->sealed.size());
        st.failed_attempts += rec.attempts;
        break;
      case EnvelopeState::kAcked: st.acked_count++; break;
      case EnvelopeState::kConflict: st.conflict_count++; break;
    }
  }
  st.pending_cards = static_cast<std::int64_t>(cards_.size());
  return st;
}

Result<std::optional<SealedCard>> MemoryOutbox::card(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cards_.find(id);
  if (it == cards_.end()) return std::optional<SealedCard>();
  return std::optional<SealedCard>(it->second);
}

Status MemoryOutbox::destroy_card(std::string_view id, const AuditEvent& why) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cards_.find(id);
  if (it == cards_.end()) return Status::not_found("no verification card for " + std::string(id));
  cards_.erase(it);
  append_audit_locked(why);
  return Status::ok();
}

Result<int> MemoryOutbox::expire_cards(std::int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto it = cards_.begin(); it != cards_.end();) {
    if (it->second.expires_unix_ms <= now) {
      append_audit_locked({now, "card.expired", it->first});
      it = cards_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

Status MemoryOutbox::append_audit(const AuditEvent& e) {
  std::lock_guard<std::mutex> lock(mu_);
  append_audit_locked(e);
  return Status::ok();
}

Result<std::vector<AuditRecord>> MemoryOutbox::audit_log() {
  std::lock_guard<std::mutex> lock(mu_);
  return audit_;
}

Status MemoryOutbox::verify_audit_chain() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string prev = kAuditGenesisHash;
  for (const AuditRecord& r : audit_) {
    if (r.prev_hash != prev || r.hash != audit_hash(prev, r.seq, r.event))
      return Status::corruption("audit chain broken at event " + std::to_string(r.seq));
    prev = r.hash;
  }
  return Status::ok();
}

}  // namespace datasync
