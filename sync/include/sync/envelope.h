// sync/envelope.h: the envelope, the unit the kiosk queues, sends and the data bank stores
// (DESIGN.md section 4). Encoding, signing and verification live here only; the kiosk and
// the data bank server both use this file.
//
//   {"v":1,"id":ULID,"kind":"enrollment|attestation|event","device":...,"site":...,
//    "created":RFC3339,"ref":ULID-or-"","sealed":base64,"sig":base64}
//
// Signed string: "bbd-envelope-v1", v, id, kind, device, site, created, ref, and the
// lowercase hex SHA-256 of the sealed bytes, joined with "\n". The sealed plaintext is the
// JSON {"id","device","kind","created","bundle"}; opening checks that the inner fields equal
// the envelope's, so a sealed blob cannot be re-wrapped under another id or device.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.h"
#include "platform/status.h"

namespace datasync {

inline constexpr int kEnvelopeVersion = 1;
inline constexpr char kEnvelopeSignatureDomain[] = "bbd-envelope-v1";

struct EnvelopeHeader {
  std::string id;       // ULID
  std::string kind;     // "enrollment", "attestation" or "event"
  std::string device;   // device id
  std::string site;     // site code, e.g. "H012"
  std::string created;  // RFC 3339 UTC
  std::string ref;      // ULID of the enrollment an attestation is about, or ""
};

struct Envelope {
  int v = kEnvelopeVersion;
  EnvelopeHeader h;
  platform::Bytes sealed;
  platform::Signature sig{};
};

// JSON text that is exactly one JSON object, so that splicing it into the sealed plaintext
// can neither break the JSON nor smuggle in fields. Made either by dumping an object (valid by
// construction: no re-parse on the submit path) or by checking text.
class BundleJson {
 public:
  BundleJson() = default;
  static platform::Result<BundleJson> from_object(const nlohmann::json& object);
  static platform::Result<BundleJson> from_text(std::string text);
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }
  void wipe();  // sodium_memzero, then empty

 private:
  explicit BundleJson(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// Checks the header fields' formats; says which field is wrong.
platform::Status check_header(const EnvelopeHeader& h);

std::string envelope_signed_string(const Envelope& e, const std::string& sealed_sha256_hex);

// Seals {"id","device","kind","created","bundle":<bundle>} to the data bank and signs.
// Optionally hands back the hex SHA-256 of the sealed bytes (computed for the signature).
platform::Result<Envelope> seal_envelope(const EnvelopeHeader& h, const BundleJson& bundle,
                                         const platform::SealPublicKey& databank,
                                         const platform::SignSecretKey& device_key,
                                         std::string* sealed_sha256_hex = nullptr);
// The same for unchecked text: anything but one JSON object (the data bank would reject it)
// is refused here with kInvalidArgument, before it can be queued.
platform::Result<Envelope> seal_envelope(const EnvelopeHeader& h, std::string_view bundle_json,
                                         const platform::SealPublicKey& databank,
                                         const platform::SignSecretKey& device_key,
                                         std::string* sealed_sha256_hex = nullptr);

std::string envelope_to_json(const Envelope& e);
// Strict: every field present with the right type, nothing unknown, base64 and sizes valid.
platform::Result<Envelope> envelope_from_json(std::string_view json);

// The data bank's batch body {"envelopes":[...]}: each element's exact text, as views into
// `body`, without parsing the envelopes themselves. Anything else is kInvalidArgument.
platform::Result<std::vector<std::string_view>> split_envelope_batch(std::string_view body);
// Header formats and the device signature. Says what failed.
// Optionally hands back the hex SHA-256 of the sealed bytes it computed.
platform::Status verify_envelope(const Envelope& e, const platform::SignPublicKey& device_key,
                                 std::string* sealed_sha256_hex = nullptr);

// Data bank side, for ingest: the same checks as open_envelope without handing out the
// plaintext (opened in reused locked memory and wiped).
platform::Status check_sealed(const Envelope& e, const platform::SealPublicKey& pub,
                              const platform::SealSecretKey& sec);
// Data bank side: opens the seal and checks the inner id, device, kind and created match.
platform::Result<platform::SecureBuffer> open_envelope(const Envelope& e,
                                                       const platform::SealPublicKey& pub,
                                                       const platform::SealSecretKey& sec);

}  // namespace datasync
