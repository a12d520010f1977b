#include "sync/outbox.h"

namespace datasync {

const char* envelope_state_name(EnvelopeState s) {
  switch (s) {
    case EnvelopeState::kQueued: return "queued";
    case EnvelopeState::kAcked: return "acked";
    case EnvelopeState::kConflict: return "conflict";
  }
  return "?";
}

std::size_t envelope_wire_bytes(std::size_t sealed_bytes) {
  // base64 of the sealed bytes, base64 of the signature, and ~250 bytes of header fields.
  return (sealed_bytes + 2) / 3 * 4 + 88 + 250;
}

std::string audit_hash(const std::string& prev_hash, std::int64_t seq, const AuditEvent& e) {
  std::string s = "bbd-audit-v1\n" + prev_hash + "\n" + std::to_string(seq) + "\n" +
                  std::to_string(e.at_unix_ms) + "\n" + e.code + "\n" + e.ref;
  return platform::sha256_hex(platform::as_bytes(s));
}

}  // namespace datasync
