// tests/sync: helpers shared by the sync unit tests (not a test file itself; the glob picks
// up *.tests.cpp only). Synthetic data only: keys are generated per test, ids are fresh
// ULIDs, bundles are invented.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/ulid.h"
#include "sync/envelope.h"
#include "sync/memory_outbox.h"
#include "sync/outbox.h"
#include "sync/receipt.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "test_support.h"

namespace synctest {

// 2026-05-28T20:26:40Z: a fixed "now" for tests where time matters.
inline constexpr std::int64_t kT0 = 1'780'000'000'000;
inline constexpr std::int64_t kHourMs = 60LL * 60 * 1000;

inline std::string new_ulid() {
  static platform::SystemClock clock;
  static platform::UlidGenerator gen(clock);
  return gen.next();
}

inline std::string new_device_id() { return "dev-" + new_ulid(); }

// Every key a sync test needs: the device's signing key, the data bank's seal and receipt
// keys, and the device's local key.
struct Keys {
  platform::SignKeyPair device = platform::generate_sign_keypair();
  platform::SealKeyPair databank = platform::generate_seal_keypair();
  platform::SignKeyPair receipt = platform::generate_sign_keypair();
  platform::LocalKey local = platform::generate_local_key();
  std::string device_id = new_device_id();
};

inline datasync::EnvelopeHeader make_header(const std::string& device, std::int64_t at_ms,
                                            const std::string& kind = "enrollment",
                                            const std::string& ref = "") {
  datasync::EnvelopeHeader h;
  h.id = new_ulid();
  h.kind = kind;
  h.device = device;
  h.site = "H012";
  h.created = platform::format_rfc3339_utc(at_ms);
  h.ref = ref;
  return h;
}

// A small FHIR-shaped Bundle; `pad` extra bytes make the sealed blob as large as a test needs.
inline std::string small_bundle(std::size_t pad = 0) {
  return R"({"resourceType":"Bundle","type":"collection","entry":[],"meta":{"tag":")" +
         std::string(pad, 'x') + R"("}})";
}

inline datasync::Envelope make_envelope(const Keys& k, const datasync::EnvelopeHeader& h,
                                        std::string_view bundle) {
  platform::Result<datasync::Envelope> r =
      datasync::seal_envelope(h, bundle, k.databank.pub, k.device.sec);
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

inline datasync::SealedCard make_card(const Keys& k, const std::string& envelope_id,
                                      std::int64_t expires_ms) {
  datasync::VerificationCard vc{"Synthetic Person", "1970-01-01", "general"};
  std::string plain = datasync::card_plaintext(envelope_id, vc);
  datasync::SealedCard c{envelope_id, platform::local_encrypt(platform::as_bytes(plain), k.local),
                         expires_ms};
  return c;
}

// A sealed enrollment with a card expiring 12 h later and an "enrollment.submitted" event.
inline datasync::Submission make_submission(const Keys& k, std::int64_t at_ms, std::size_t pad = 0,
                                            bool with_card = true) {
  datasync::Submission s;
  s.envelope = make_envelope(k, make_header(k.device_id, at_ms), small_bundle(pad));
  if (with_card) s.card = make_card(k, s.envelope.h.id, at_ms + datasync::kCardLifetimeMs);
  s.audit = datasync::AuditEvent{at_ms, "enrollment.submitted", s.envelope.h.id};
  return s;
}

inline datasync::Receipt make_receipt(const Keys& k, const datasync::Envelope& e,
                                      std::int64_t at_ms) {
  return datasync::sign_receipt(e.h.id, platform::sha256_hex(e.sealed),
                                platform::format_rfc3339_utc(at_ms), k.receipt.sec);
}

inline void require_ok(const platform::Status& s) {
  INFO(s.to_string());
  REQUIRE(s.is_ok());
}

template <typename T>
T require_value(platform::Result<T> r) {
  INFO(r.status().to_string());
  REQUIRE(r.is_ok());
  return std::move(r).value();
}

// Everything an Outbox shows about itself, as text, so that "nothing changed" is one
// comparison. Sealed bytes appear as their SHA-256 to keep failure output readable.
inline std::string outbox_dump(datasync::Outbox& box, const std::vector<std::string>& ids,
                               std::int64_t now_ms) {
  std::string out;
  datasync::OutboxStats st = require_value(box.stats(now_ms));
  out += "stats queued=" + std::to_string(st.queued_count) + " bytes=" +
         std::to_string(st.queued_bytes) + " oldest=" + std::to_string(st.oldest_queued_age_ms) +
         " acked=" + std::to_string(st.acked_count) + " conflict=" +
         std::to_string(st.conflict_count) + " failed=" + std::to_string(st.failed_attempts) +
         " cards=" + std::to_string(st.pending_cards) + "\n";
  for (const datasync::QueuedEnvelope& q : require_value(box.next_batch(1000, std::size_t{1} << 40)))
    out += "batch " + q.id + " " + q.sealed_sha256 + " json=" +
           platform::sha256_hex(platform::as_bytes(q.json)) + " attempts=" +
           std::to_string(q.attempts) + "\n";
  for (const std::string& id : ids) {
    std::optional<datasync::EnvelopeRecord> rec = require_value(box.find(id));
    if (!rec) {
      out += "record " + id + " absent\n";
    } else {
      out += "record " + rec->id + " " + datasync::envelope_state_name(rec->state) + " " +
             rec->sealed_sha256 + " attempts=" + std::to_string(rec->attempts) + " error=" +
             rec->last_error + " queued=" + std::to_string(rec->queued_unix_ms);
      if (rec->envelope)
        out += " envelope=" + platform::sha256_hex(platform::as_bytes(
                                  datasync::envelope_to_json(*rec->envelope)));
      if (rec->receipt) out += " receipt=" + datasync::receipt_to_json(*rec->receipt);
      out += "\n";
    }
    std::optional<datasync::SealedCard> card = require_value(box.card(id));
    if (card)
      out += "card " + card->envelope_id + " " + platform::sha256_hex(card->box) + " expires=" +
             std::to_string(card->expires_unix_ms) + "\n";
    else
      out += "card " + id + " absent\n";
  }
  for (const datasync::AuditRecord& a : require_value(box.audit_log()))
    out += "audit " + std::to_string(a.seq) + " " + a.event.code + " " + a.event.ref + " " +
           std::to_string(a.event.at_unix_ms) + " " + a.hash + "\n";
  return out;
}

// Factories for running one suite against both Outbox implementations.
struct MemoryOutboxFactory {
  static constexpr const char* kName = "MemoryOutbox";
  std::unique_ptr<datasync::Outbox> make() { return std::make_unique<datasync::MemoryOutbox>(); }
};

struct SqliteOutboxFactory {
  static constexpr const char* kName = "SqliteOutbox";
  testing_support::TempDir dir;
  std::unique_ptr<datasync::Outbox> make() {
    return require_value(datasync::SqliteOutbox::open(dir / "outbox.db"));
  }
};

}  // namespace synctest
