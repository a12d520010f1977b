#include "sync/outbox.h"

#include "sync/staff_store.h"

namespace datasync {

const char* envelope_state_name(EnvelopeState s) {
  switch (s) {
    case EnvelopeState::kQueued: return "queued";
    case EnvelopeState::kAcked: return "acked";
    case EnvelopeState::kConflict: return "conflict";
  }
  return "?";
}

platform::Status check_attestation(const Attestation& a) {
  const Envelope& e = a.envelope;
  if (e.h.kind != "attestation" || e.h.ref.empty())
    return platform::Status::invalid_argument("envelope " + e.h.id + " is not an attestation of an enrollment");
  for (std::size_t i = 0; i < a.kits.size(); ++i)
    for (std::size_t j = i + 1; j < a.kits.size(); ++j)
      if (a.kits[i].barcode == a.kits[j].barcode)
        return platform::Status::invalid_argument("kit " + a.kits[i].barcode + " is listed twice in one attestation");
  return platform::Status::ok();
}

std::size_t envelope_wire_bytes(std::size_t sealed_bytes) {
  // base64 of the sealed bytes, base64 of the signature, and ~250 bytes of header fields.
  return (sealed_bytes + 2) / 3 * 4 + 88 + 250;
}

std::string audit_hash(const std::string& prev_hash, std::int64_t seq, const AuditEvent& e) {
  std::string s = std::string(e.actor.empty() ? "bbd-audit-v1" : "bbd-audit-v2") + "\n" +
                  prev_hash + "\n" + std::to_string(seq) + "\n" + std::to_string(e.at_unix_ms) +
                  "\n" + e.code + "\n" + e.ref;
  if (!e.actor.empty()) s += "\n" + e.actor;
  return platform::sha256_hex(platform::as_bytes(s));
}

platform::Status check_audit_chain(const std::vector<AuditRecord>& log, const std::string& where) {
  std::string prev = kAuditGenesisHash;
  std::int64_t expect_seq = 1;
  for (const AuditRecord& r : log) {
    const std::string at =
        "audit chain in " + where + " is broken at event " + std::to_string(r.seq) + ": ";
    if (r.seq != expect_seq) {
      const std::string missing =
          r.seq - 1 > expect_seq
              ? "events " + std::to_string(expect_seq) + " to " + std::to_string(r.seq - 1) + " are"
              : "event " + std::to_string(expect_seq) + " is";
      return platform::Status::corruption(
          at + "expected event " + std::to_string(expect_seq) + " here (" +
          (r.seq > expect_seq ? missing + " missing" : "seq out of order") + ")");
    }
    if (r.prev_hash != prev)
      return platform::Status::corruption(
          at + "its prev_hash " + r.prev_hash.substr(0, 16) + "... is not " +
          (r.seq == 1 ? std::string("the genesis hash")
                      : "the hash of event " + std::to_string(r.seq - 1)) +
          " (" + prev.substr(0, 16) + "...): an earlier event was removed, inserted or rewritten");
    if (r.hash != audit_hash(prev, r.seq, r.event))
      return platform::Status::corruption(
          at + "its stored hash " + r.hash.substr(0, 16) + "... does not match its contents " +
          "(time, code, ref or actor was changed, or the hash itself)");
    prev = r.hash;
    ++expect_seq;
  }
  return platform::Status::ok();
}

}  // namespace datasync

namespace datasync {

const char* staff_role_name(StaffRole r) {
  switch (r) {
    case StaffRole::kNurse: return "nurse";
    case StaffRole::kIt: return "it";
  }
  return "?";
}

std::optional<StaffRole> staff_role_from(std::string_view name) {
  if (name == "nurse") return StaffRole::kNurse;
  if (name == "it") return StaffRole::kIt;
  return std::nullopt;
}

}  // namespace datasync
