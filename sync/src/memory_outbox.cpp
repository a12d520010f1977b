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

void MemoryOutbox::insert_envelope_locked(const Envelope& e, std::int64_t queued_ms) {
  EnvelopeRecord rec;
  rec.id = e.h.id;
  rec.state = EnvelopeState::kQueued;
  rec.sealed_sha256 = platform::sha256_hex(e.sealed);
  rec.envelope = e;
  rec.queued_unix_ms = queued_ms;
  std::int64_t seq = next_seq_++;
  by_seq_[seq] = std::move(rec);
  seq_of_[e.h.id] = seq;
}

SealedCard MemoryOutbox::with_submitted_time(const SealedCard& c) {
  SealedCard out = c;
  auto it = seq_of_.find(c.envelope_id);
  out.submitted_unix_ms = it == seq_of_.end() ? 0 : by_seq_[it->second].queued_unix_ms;
  return out;
}

Status MemoryOutbox::submit(const Submission& s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (seq_of_.count(s.envelope.h.id) != 0)
    return Status::already_exists("envelope " + s.envelope.h.id + " is already in the outbox");
  if (s.card && s.card->envelope_id != s.envelope.h.id)
    return Status::invalid_argument("verification card belongs to another envelope");
  insert_envelope_locked(s.envelope, s.audit.at_unix_ms);
  if (s.card) {
    SealedCard c = *s.card;
    c.submitted_unix_ms = 0;  // derived from the envelope when read, as in SQLite
    cards_[c.envelope_id] = std::move(c);
  }
  append_audit_locked(s.audit);
  return Status::ok();
}

Result<std::vector<QueuedEnvelope>> MemoryOutbox::next_batch(std::size_t max_count, std::size_t max_bytes,
                                                             std::int64_t after_seq) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<QueuedEnvelope> out;
  std::size_t bytes = 0;
  for (auto& [seq, rec] : by_seq_) {
    if (out.size() >= max_count) break;
    if (rec.state != EnvelopeState::kQueued || seq <= after_seq) continue;
    std::size_t w = envelope_wire_bytes(rec.envelope->sealed.size());
    if (!out.empty() && bytes + w > max_bytes) break;
    bytes += w;
    out.push_back({rec.id, rec.sealed_sha256, envelope_to_json(*rec.envelope), rec.attempts, static_cast<std::int64_t>(seq)});
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
  const bool event = rec.envelope->h.kind == "event";
  rec.state = EnvelopeState::kAcked;
  rec.envelope.reset();
  rec.receipt = r;
  Result<std::int64_t> at = platform::parse_rfc3339(r.received);
  if (!event) append_audit_locked({at.is_ok() ? at.value() : 0, "envelope.acked", r.id});
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
  return std::optional<SealedCard>(with_submitted_time(it->second));
}

Result<std::vector<SealedCard>> MemoryOutbox::cards() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SealedCard> out;
  for (auto& [seq, rec] : by_seq_) {  // queue order, as SQLite's ORDER BY seq
    auto it = cards_.find(rec.id);
    if (it != cards_.end()) out.push_back(with_submitted_time(it->second));
  }
  return out;
}

Status MemoryOutbox::attest(const Attestation& a) {
  const Envelope& e = a.envelope;
  KIOSK_RETURN_IF_ERROR(check_attestation(a));
  std::lock_guard<std::mutex> lock(mu_);
  // Every check before any change: all or nothing, as one SQLite transaction.
  auto card = cards_.find(e.h.ref);
  if (card == cards_.end())
    return Status::not_found("no verification card for enrollment " + e.h.ref +
                             " (already verified, rejected or expired)");
  if (seq_of_.count(e.h.id) != 0)
    return Status::already_exists("envelope " + e.h.id + " is already in the outbox");
  for (const KitLink& k : a.kits)
    if (kits_.count(k.barcode) != 0)
      return Status::already_exists("kit " + k.barcode + " is already linked on this device");
  cards_.erase(card);
  insert_envelope_locked(e, a.audit.at_unix_ms);
  for (const KitLink& k : a.kits)
    kits_[k.barcode] = KitRecord{k, e.h.ref, e.h.id, a.audit.at_unix_ms};
  append_audit_locked(a.audit);
  return Status::ok();
}

Result<std::optional<KitRecord>> MemoryOutbox::find_kit(std::string_view barcode) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = kits_.find(barcode);
  if (it == kits_.end()) return std::optional<KitRecord>();
  return std::optional<KitRecord>(it->second);
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
  return check_audit_chain(audit_, "memory");
}

Result<std::vector<AuditRecord>> MemoryOutbox::unsent_audit(std::size_t max_count) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AuditRecord> out;
  for (const AuditRecord& r : audit_) {
    if (out.size() >= max_count) break;
    if (r.sent_in.empty()) out.push_back(r);
  }
  return out;
}

Status MemoryOutbox::queue_audit_batch(const Envelope& e, const std::string&,
                                       std::int64_t through_seq, std::int64_t at_unix_ms) {
  if (e.h.kind != "event")
    return Status::invalid_argument("envelope " + e.h.id + " is not an event envelope");
  std::lock_guard<std::mutex> lock(mu_);
  if (seq_of_.count(e.h.id) != 0)
    return Status::already_exists("envelope " + e.h.id + " is already in the outbox");
  bool any = false;
  for (const AuditRecord& r : audit_) any = any || (r.sent_in.empty() && r.seq <= through_seq);
  if (!any)
    return Status::conflict("no unsent audit event up to " + std::to_string(through_seq) +
                            "; event envelope " + e.h.id + " was not stored");
  insert_envelope_locked(e, at_unix_ms);
  for (AuditRecord& r : audit_)
    if (r.sent_in.empty() && r.seq <= through_seq) r.sent_in = e.h.id;
  return Status::ok();
}

Status MemoryOutbox::add_staff(const StaffRecord& r, const AuditEvent& audit) {
  if (r.id.empty() || r.name.empty() || (r.pin_hash.empty() && !r.removed()))
    return Status::invalid_argument("a staff account needs an id, a name and a PIN hash");
  std::lock_guard<std::mutex> lock(mu_);
  for (const StaffRecord& s : staff_)
    if (s.id == r.id) return Status::already_exists("staff account " + r.id + " already exists");
  staff_.push_back(r);
  append_audit_locked(audit);
  return Status::ok();
}

Result<std::vector<StaffRecord>> MemoryOutbox::list_staff(bool include_removed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StaffRecord> out;
  for (const StaffRecord& s : staff_)
    if (include_removed || !s.removed()) out.push_back(s);
  std::stable_sort(out.begin(), out.end(), [](const StaffRecord& a, const StaffRecord& b) {
    return a.created_unix_ms != b.created_unix_ms ? a.created_unix_ms < b.created_unix_ms
                                                  : a.id < b.id;
  });
  return out;
}

Result<std::optional<StaffRecord>> MemoryOutbox::find_staff(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const StaffRecord& s : staff_)
    if (s.id == id) return std::optional<StaffRecord>(s);
  return std::optional<StaffRecord>();
}

Status MemoryOutbox::modify_staff(std::string_view id, const StaffChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (StaffRecord& s : staff_) {
    if (s.id != id) continue;
    StaffRecord after = s;
    Result<AuditEvent> audit = change(after);
    if (!audit.is_ok()) return audit.status();
    if (after.id != s.id || after.role != s.role || after.created_unix_ms != s.created_unix_ms)
      return Status::invalid_argument("staff account " + s.id +
                                      ": id, role and creation time cannot change");
    if (after.name.empty() || (after.pin_hash.empty() && !after.removed()) || after.failures < 0)
      return Status::invalid_argument("staff account " + s.id +
                                      ": the change leaves it without a name or PIN");
    if (after.removed()) after.pin_hash.clear();
    s = std::move(after);
    append_audit_locked(audit.value());
    return Status::ok();
  }
  return Status::not_found("no staff account " + std::string(id));
}

}  // namespace datasync
