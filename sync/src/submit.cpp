#include "sync/submit.h"

#include <nlohmann/json.hpp>

#include "platform/log.h"

namespace datasync {

using platform::Result;
using platform::Status;

void VerificationCard::wipe() {
  for (std::string* f : {&name, &birth_date, &participation_type, &representative_name,
                         &representative_relationship})
    platform::wipe(*f);
}

std::string card_plaintext(const std::string& envelope_id, const VerificationCard& card) {
  nlohmann::json j = {{"envelope", envelope_id},
                      {"name", card.name},
                      {"birth_date", card.birth_date},
                      {"participation_type", card.participation_type}};
  // Only when a representative signed, so that a participant's own card is as before.
  if (card.has_representative()) {
    j["representative_name"] = card.representative_name;
    j["representative_relationship"] = card.representative_relationship;
  }
  std::string out = j.dump();
  for (auto& [k, v] : j.items()) platform::wipe(v.get_ref<std::string&>());
  return out;
}

Result<VerificationCard> open_card(const SealedCard& sealed, const platform::LocalKey& key) {
  Result<platform::SecureBuffer> plain = platform::local_decrypt(sealed.box, key);
  if (!plain.is_ok()) return plain.status().with_context("verification card of " + sealed.envelope_id);
  nlohmann::json j = nlohmann::json::parse(plain->as_string_view(), nullptr, false);
  VerificationCard card;
  Status s = Status::ok();
  if (j.is_discarded() || !j.is_object() || !j.contains("envelope") || !j["envelope"].is_string()) {
    s = Status::corruption("verification card of " + sealed.envelope_id + " is not readable");
  } else if (j["envelope"].get<std::string>() != sealed.envelope_id) {
    s = Status::crypto("verification card of " + sealed.envelope_id + " belongs to another enrollment");
  } else {
    for (auto [key_name, field] : {std::pair{"name", &card.name}, std::pair{"birth_date", &card.birth_date},
                                   std::pair{"participation_type", &card.participation_type}}) {
      if (!j.contains(key_name) || !j[key_name].is_string()) {
        s = Status::corruption("verification card of " + sealed.envelope_id + " misses a field");
        break;
      }
      *field = j[key_name].get<std::string>();
    }
    // Optional (cards written before representatives were carried have neither).
    for (auto [key_name, field] : {std::pair{"representative_name", &card.representative_name},
                                   std::pair{"representative_relationship", &card.representative_relationship}}) {
      if (!s.is_ok() || !j.contains(key_name)) continue;
      if (!j[key_name].is_string()) {
        s = Status::corruption("verification card of " + sealed.envelope_id + " has a malformed field");
        break;
      }
      *field = j[key_name].get<std::string>();
    }
  }
  if (j.is_object())
    for (auto& [k, v] : j.items())
      if (v.is_string()) platform::wipe(v.get_ref<std::string&>());
  if (!s.is_ok()) {
    card.wipe();
    return s;
  }
  return card;
}

namespace {
void wipe_input(EnrollmentInput& in) {
  in.bundle.wipe();
  in.card.wipe();
}
}  // namespace

Result<std::string> Submitter::submit_enrollment(EnrollmentInput& in) {
  const std::int64_t now = clock_.now_unix_ms();
  EnvelopeHeader h;
  h.id = in.id;
  h.kind = "enrollment";
  h.device = device_.device_id;
  h.site = device_.site;
  h.created = platform::format_rfc3339_utc(now);
  std::string sealed_sha256;
  Result<Envelope> env = seal_envelope(h, in.bundle, databank_, device_.sign_key, &sealed_sha256);
  if (!env.is_ok()) {
    wipe_input(in);
    return env.status();
  }
  Submission sub;
  sub.envelope = std::move(env.value());
  sub.sealed_sha256 = std::move(sealed_sha256);
  std::string card = card_plaintext(h.id, in.card);
  sub.card = SealedCard{h.id, platform::local_encrypt(platform::as_bytes(card), local_key_),
                        now + kCardLifetimeMs};
  platform::wipe(card);
  wipe_input(in);
  sub.audit = AuditEvent{now, "enrollment.submitted", h.id};
  Status s = outbox_.submit(sub);
  if (!s.is_ok()) {
    platform::log::error("enrollment.submit_failed", {{"id", platform::log::Id(h.id)}, {"kind", s.kind()}});
    return s;
  }
  return h.id;
}

}  // namespace datasync
