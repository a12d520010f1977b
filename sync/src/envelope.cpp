#include "sync/envelope.h"

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <vector>

#include "json_util.h"
#include "platform/clock.h"
#include "platform/ulid.h"

namespace datasync {

using platform::Result;
using platform::Status;

namespace {

bool is_site_code(std::string_view s) {
  if (s.size() != 4 || s[0] < 'A' || s[0] > 'Z') return false;
  for (std::size_t i = 1; i < 4; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool is_device_id(std::string_view s) {
  return s.size() == 30 && s.substr(0, 4) == "dev-" && platform::is_valid_ulid(s.substr(4));
}

}  // namespace

Status check_header(const EnvelopeHeader& h) {
  if (!platform::is_valid_ulid(h.id)) return Status::invalid_argument("envelope /id is not a ULID");
  if (h.kind != "enrollment" && h.kind != "attestation" && h.kind != "event")
    return Status::invalid_argument("envelope /kind must be enrollment, attestation or event");
  if (!is_device_id(h.device))
    return Status::invalid_argument("envelope /device is not a device id (dev-<ULID>)");
  if (!is_site_code(h.site))
    return Status::invalid_argument("envelope /site is not a site code (a letter and 3 digits)");
  if (!platform::parse_rfc3339(h.created).is_ok())
    return Status::invalid_argument("envelope /created is not an RFC 3339 time");
  if (h.kind == "attestation" && !platform::is_valid_ulid(h.ref))
    return Status::invalid_argument("envelope /ref must be the enrollment's ULID for an attestation");
  if (h.kind != "attestation" && !h.ref.empty() && !platform::is_valid_ulid(h.ref))
    return Status::invalid_argument("envelope /ref must be empty or a ULID");
  return Status::ok();
}

std::string envelope_signed_string(const Envelope& e, const std::string& sealed_sha256_hex) {
  std::string s;
  s.reserve(200);
  s += kEnvelopeSignatureDomain;
  s += '\n';
  s += std::to_string(e.v);
  for (const std::string* f : {&e.h.id, &e.h.kind, &e.h.device, &e.h.site, &e.h.created, &e.h.ref}) {
    s += '\n';
    s += *f;
  }
  s += '\n';
  s += sealed_sha256_hex;
  return s;
}

Result<BundleJson> BundleJson::from_object(const nlohmann::json& object) {
  if (!object.is_object()) return Status::invalid_argument("enrollment bundle is not a JSON object");
  return BundleJson(object.dump());
}

Result<BundleJson> BundleJson::from_text(std::string text) {
  // One complete JSON text that starts with '{' is exactly one object. accept() validates
  // without building a copy of the (plaintext) bundle.
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || text[first] != '{' || !nlohmann::json::accept(text)) {
    platform::wipe(text);
    return Status::invalid_argument("enrollment bundle is not a JSON object");
  }
  return BundleJson(std::move(text));
}

void BundleJson::wipe() { platform::wipe(text_); }

Result<Envelope> seal_envelope(const EnvelopeHeader& h, std::string_view bundle_json,
                               const platform::SealPublicKey& databank,
                               const platform::SignSecretKey& device_key,
                               std::string* sealed_sha256_hex) {
  Result<BundleJson> bundle = BundleJson::from_text(std::string(bundle_json));
  if (!bundle.is_ok()) return bundle.status();
  Result<Envelope> e = seal_envelope(h, bundle.value(), databank, device_key, sealed_sha256_hex);
  bundle->wipe();
  return e;
}

Result<Envelope> seal_envelope(const EnvelopeHeader& h, const BundleJson& bundle,
                               const platform::SealPublicKey& databank,
                               const platform::SignSecretKey& device_key,
                               std::string* sealed_sha256_hex) {
  KIOSK_RETURN_IF_ERROR(check_header(h));
  if (bundle.empty()) return Status::invalid_argument("enrollment bundle is empty");
  const std::string& bundle_json = bundle.text();
  std::string inner;
  inner.reserve(bundle_json.size() + 200);
  inner += "{\"id\":";
  inner += detail::quote(h.id);
  inner += ",\"device\":";
  inner += detail::quote(h.device);
  inner += ",\"kind\":";
  inner += detail::quote(h.kind);
  inner += ",\"created\":";
  inner += detail::quote(h.created);
  inner += ",\"bundle\":";
  inner += bundle_json;
  inner += '}';
  Envelope e;
  e.h = h;
  e.sealed = platform::seal_for_databank(platform::as_bytes(inner), databank);
  platform::wipe(inner);
  std::string hash = platform::sha256_hex(e.sealed);
  std::string signed_string = envelope_signed_string(e, hash);
  e.sig = platform::sign_detached(platform::as_bytes(signed_string), device_key);
  if (sealed_sha256_hex) *sealed_sha256_hex = std::move(hash);
  return e;
}

std::string envelope_to_json(const Envelope& e) {
  std::string out;
  out.reserve(e.sealed.size() * 4 / 3 + 400);
  out += "{\"v\":";
  out += std::to_string(e.v);
  out += ",\"id\":";
  out += detail::quote(e.h.id);
  out += ",\"kind\":";
  out += detail::quote(e.h.kind);
  out += ",\"device\":";
  out += detail::quote(e.h.device);
  out += ",\"site\":";
  out += detail::quote(e.h.site);
  out += ",\"created\":";
  out += detail::quote(e.h.created);
  out += ",\"ref\":";
  out += detail::quote(e.h.ref);
  out += ",\"sealed\":\"";
  out += platform::base64_encode_public(e.sealed);
  out += "\",\"sig\":\"";
  out += platform::base64_encode_public(e.sig);
  out += "\"}";
  return out;
}

namespace {

// simdjson reads past the end of its input by up to SIMDJSON_PADDING bytes, so parsing works
// on a padded copy. One parser per thread: the server parses on several threads at once.
simdjson::ondemand::parser& thread_parser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

// A string field as a view into the parser's buffer (valid until the next parse).
Status read_string(simdjson::ondemand::value v, std::string_view name, std::string_view what,
                   std::string_view& out) {
  if (v.get_string().get(out) != simdjson::SUCCESS)
    return Status::invalid_argument(std::string(what) + " /" + std::string(name) + " is not a string");
  return Status::ok();
}

// True when the whole input was consumed (nothing after the root value).
bool at_end(simdjson::ondemand::document& doc) {
  const char* where = nullptr;
  return doc.current_location().get(where) == simdjson::OUT_OF_BOUNDS;
}

}  // namespace

Result<Envelope> envelope_from_json(std::string_view text) {
  // Strict: exactly one object; every field known, present once, of the right type.
  simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  if (thread_parser().iterate(padded).get(doc) != simdjson::SUCCESS)
    return Status::invalid_argument("envelope is not valid JSON");
  simdjson::ondemand::object obj;
  simdjson::ondemand::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS) return Status::invalid_argument("envelope is not valid JSON");
  if (type != simdjson::ondemand::json_type::object || doc.get_object().get(obj) != simdjson::SUCCESS)
    return Status::invalid_argument("envelope is not a JSON object");
  static constexpr std::string_view kFields[] = {"v", "id", "kind", "device", "site", "created", "ref", "sealed", "sig"};
  Envelope e;
  std::string* targets[] = {nullptr, &e.h.id, &e.h.kind, &e.h.device, &e.h.site, &e.h.created, &e.h.ref};
  std::string_view sealed64, sig64;
  unsigned seen = 0;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return Status::invalid_argument("envelope is not valid JSON");
    std::size_t i = 0;
    while (i < std::size(kFields) && kFields[i] != key) ++i;
    if (i == std::size(kFields)) return Status::invalid_argument("envelope has an unknown field /" + std::string(key));
    if (seen & (1u << i)) return Status::invalid_argument("envelope has the field /" + std::string(key) + " twice");
    seen |= 1u << i;
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return Status::invalid_argument("envelope is not valid JSON");
    if (i == 0) {
      simdjson::ondemand::number_type nt;
      std::int64_t version = 0;
      if (v.type().get(type) != simdjson::SUCCESS || type != simdjson::ondemand::json_type::number ||
          v.get_number_type().get(nt) != simdjson::SUCCESS || nt != simdjson::ondemand::number_type::signed_integer ||
          v.get_int64().get(version) != simdjson::SUCCESS)
        return Status::invalid_argument("envelope /v is missing or not an integer");
      if (version != kEnvelopeVersion)
        return Status::invalid_argument("envelope /v is " + std::to_string(version) + "; this build knows only v1");
      e.v = kEnvelopeVersion;
      continue;
    }
    std::string_view value;
    KIOSK_RETURN_IF_ERROR(read_string(v, key, "envelope", value));
    if (i < 7) *targets[i] = std::string(value);
    else if (i == 7) sealed64 = value;
    else sig64 = value;
  }
  if (!at_end(doc)) return Status::invalid_argument("envelope is not valid JSON (text after the object)");
  for (std::size_t i = 0; i < std::size(kFields); ++i)
    if (!(seen & (1u << i)))
      return Status::invalid_argument("envelope /" + std::string(kFields[i]) + " is missing" +
                                      (i == 0 ? " or not an integer" : ""));
  Result<platform::Bytes> sealed = platform::base64_decode_public(sealed64);
  if (!sealed.is_ok()) return sealed.status().with_context("envelope /sealed");
  if (sealed->size() <= platform::kSealOverheadBytes)
    return Status::invalid_argument("envelope /sealed is too short to be a sealed box");
  e.sealed = std::move(sealed.value());
  Result<platform::Bytes> sig = platform::base64_decode_public(sig64);
  if (!sig.is_ok()) return sig.status().with_context("envelope /sig");
  if (sig->size() != platform::kSignatureBytes)
    return Status::invalid_argument("envelope /sig is not a 64-byte Ed25519 signature");
  std::memcpy(e.sig.data(), sig->data(), platform::kSignatureBytes);
  KIOSK_RETURN_IF_ERROR(check_header(e.h));
  return e;
}

Result<std::vector<std::string_view>> split_envelope_batch(std::string_view body) {
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  simdjson::ondemand::array arr;
  const Status bad = Status::invalid_argument("expected {\"envelopes\": [...]}");
  if (thread_parser().iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(obj) != simdjson::SUCCESS)
    return bad;
  std::vector<std::string_view> out;
  bool found = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS || key != "envelopes" || found) return bad;
    found = true;
    if (field.value().get_array().get(arr) != simdjson::SUCCESS) return bad;
    for (auto element : arr) {
      simdjson::ondemand::value v;
      std::string_view raw;
      simdjson::ondemand::json_type type;
      if (element.get(v) != simdjson::SUCCESS || v.type().get(type) != simdjson::SUCCESS) return bad;
      if (type == simdjson::ondemand::json_type::object) {
        simdjson::ondemand::object o;
        if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(raw) != simdjson::SUCCESS) return bad;
      } else {
        raw = v.raw_json_token();  // a scalar: the envelope check will refuse it by name
      }
      // Views into the padded copy would dangle: point into the caller's body instead.
      const std::size_t offset = static_cast<std::size_t>(raw.data() - padded.data());
      out.push_back(body.substr(offset, raw.size()));
    }
  }
  if (!found || !at_end(doc)) return bad;
  return out;
}

Status verify_envelope(const Envelope& e, const platform::SignPublicKey& device_key, std::string* sealed_sha256_hex) {
  if (e.v != kEnvelopeVersion) return Status::invalid_argument("envelope version is not 1");
  KIOSK_RETURN_IF_ERROR(check_header(e.h));
  std::string hash = platform::sha256_hex(e.sealed);
  std::string signed_string = envelope_signed_string(e, hash);
  if (sealed_sha256_hex) *sealed_sha256_hex = std::move(hash);
  if (!platform::verify_detached(e.sig, platform::as_bytes(signed_string), device_key))
    return Status::crypto("envelope " + e.h.id + ": device signature does not verify");
  return Status::ok();
}

namespace {

// Per-thread locked scratch memory for opened plaintext, grown as needed and reused: a
// sodium_malloc (mmap, mlock, guard pages) per envelope cost more than the decryption.
platform::SecureBuffer& scratch(std::size_t need) {
  thread_local platform::SecureBuffer buffer;
  if (buffer.size() < need) buffer = platform::SecureBuffer(std::max<std::size_t>(need, 64 * 1024));
  return buffer;
}

// Opens e's seal into scratch (first *n bytes) and checks the inner id, device, kind and
// created against the envelope and that the bundle is an object. Only those four fields are
// read (they are not personal data); the bundle's strings are never copied out of locked
// memory. The caller wipes the scratch.
Status open_into_scratch(const Envelope& e, const platform::SealPublicKey& pub, const platform::SealSecretKey& sec,
                         std::size_t* n) {
  if (e.sealed.size() <= platform::kSealOverheadBytes)
    return Status::crypto("envelope " + e.h.id + ": sealed data is shorter than the seal overhead");
  *n = e.sealed.size() - platform::kSealOverheadBytes;
  platform::SecureBuffer& buf = scratch(*n + simdjson::SIMDJSON_PADDING);
  if (Status s = platform::open_sealed_into(e.sealed, pub, sec, buf.data(), buf.size()); !s.is_ok()) {
    *n = 0;
    return s.with_context("envelope " + e.h.id);
  }
  simdjson::ondemand::document doc;
  simdjson::ondemand::object inner;
  const Status not_object = Status::invalid_argument("envelope " + e.h.id + ": sealed content is not a JSON object");
  if (thread_parser().iterate(simdjson::padded_string_view(reinterpret_cast<const char*>(buf.data()), *n, buf.size()))
          .get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(inner) != simdjson::SUCCESS)
    return not_object;
  static constexpr std::string_view kKeys[] = {"id", "device", "kind", "created", "bundle"};
  const std::string* want[] = {&e.h.id, &e.h.device, &e.h.kind, &e.h.created};
  unsigned matched = 0;
  Status mismatch = Status::ok();
  for (auto field : inner) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return not_object;
    std::size_t i = 0;
    while (i < std::size(kKeys) && kKeys[i] != key) ++i;
    if (i == std::size(kKeys)) continue;
    simdjson::ondemand::value v;
    if (field.value().get(v) != simdjson::SUCCESS) return not_object;
    if (i == 4) {
      simdjson::ondemand::json_type type;
      if (v.type().get(type) == simdjson::SUCCESS && type == simdjson::ondemand::json_type::object) matched |= 1u << i;
      continue;
    }
    std::string_view value;
    if (v.get_string().get(value) == simdjson::SUCCESS && value == *want[i] && !(matched & (1u << i))) matched |= 1u << i;
    else if (mismatch.is_ok())
      mismatch = Status::crypto("envelope " + e.h.id + ": sealed /" + std::string(key) + " does not match the envelope (re-wrapped blob?)");
  }
  if (!at_end(doc)) return not_object;
  for (std::size_t i = 0; i < 4 && mismatch.is_ok(); ++i)
    if (!(matched & (1u << i)))
      mismatch = Status::crypto("envelope " + e.h.id + ": sealed /" + std::string(kKeys[i]) + " does not match the envelope (re-wrapped blob?)");
  if (mismatch.is_ok() && !(matched & (1u << 4)))
    mismatch = Status::invalid_argument("envelope " + e.h.id + ": sealed content has no /bundle object");
  return mismatch;
}

}  // namespace

Status check_sealed(const Envelope& e, const platform::SealPublicKey& pub, const platform::SealSecretKey& sec) {
  std::size_t n = 0;
  Status s = open_into_scratch(e, pub, sec, &n);
  platform::wipe(scratch(0).data(), n);
  return s;
}

Result<platform::SecureBuffer> open_envelope(const Envelope& e, const platform::SealPublicKey& pub,
                                             const platform::SealSecretKey& sec) {
  std::size_t n = 0;
  Status s = open_into_scratch(e, pub, sec, &n);
  platform::SecureBuffer& buf = scratch(0);
  if (!s.is_ok()) {
    platform::wipe(buf.data(), n);
    return s;
  }
  platform::SecureBuffer plain(n);
  std::memcpy(plain.data(), buf.data(), n);
  platform::wipe(buf.data(), n);
  return plain;
}

}  // namespace datasync
