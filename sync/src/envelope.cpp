#include "sync/envelope.h"

#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

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
  out += platform::base64_encode(e.sealed);
  out += "\",\"sig\":\"";
  out += platform::base64_encode(e.sig);
  out += "\"}";
  return out;
}

Result<Envelope> envelope_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid_argument("envelope is not valid JSON");
  if (!j.is_object()) return Status::invalid_argument("envelope is not a JSON object");
  static const char* kFields[] = {"v", "id", "kind", "device", "site", "created", "ref", "sealed", "sig"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* f : kFields) known = known || it.key() == f;
    if (!known) return Status::invalid_argument("envelope has an unknown field /" + it.key());
  }
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer())
    return Status::invalid_argument("envelope /v is missing or not an integer");
  if (v->get<int64_t>() != kEnvelopeVersion)
    return Status::invalid_argument("envelope /v is " + v->dump() + "; this build knows only v1");
  Envelope e;
  std::string* targets[] = {&e.h.id, &e.h.kind, &e.h.device, &e.h.site, &e.h.created, &e.h.ref};
  const char* names[] = {"id", "kind", "device", "site", "created", "ref"};
  for (int i = 0; i < 6; ++i) {
    Result<std::string> s = detail::get_string(j, names[i], "envelope");
    if (!s.is_ok()) return s.status();
    *targets[i] = std::move(s.value());
  }
  Result<std::string> sealed64 = detail::get_string(j, "sealed", "envelope");
  if (!sealed64.is_ok()) return sealed64.status();
  Result<platform::Bytes> sealed = platform::base64_decode(sealed64.value());
  if (!sealed.is_ok()) return sealed.status().with_context("envelope /sealed");
  if (sealed->size() <= platform::kSealOverheadBytes)
    return Status::invalid_argument("envelope /sealed is too short to be a sealed box");
  e.sealed = std::move(sealed.value());
  Result<std::string> sig64 = detail::get_string(j, "sig", "envelope");
  if (!sig64.is_ok()) return sig64.status();
  Result<platform::Bytes> sig = platform::base64_decode(sig64.value());
  if (!sig.is_ok()) return sig.status().with_context("envelope /sig");
  if (sig->size() != platform::kSignatureBytes)
    return Status::invalid_argument("envelope /sig is not a 64-byte Ed25519 signature");
  std::memcpy(e.sig.data(), sig->data(), platform::kSignatureBytes);
  KIOSK_RETURN_IF_ERROR(check_header(e.h));
  return e;
}

Status verify_envelope(const Envelope& e, const platform::SignPublicKey& device_key) {
  if (e.v != kEnvelopeVersion) return Status::invalid_argument("envelope version is not 1");
  KIOSK_RETURN_IF_ERROR(check_header(e.h));
  std::string signed_string = envelope_signed_string(e, platform::sha256_hex(e.sealed));
  if (!platform::verify_detached(e.sig, platform::as_bytes(signed_string), device_key))
    return Status::crypto("envelope " + e.h.id + ": device signature does not verify");
  return Status::ok();
}

Result<platform::SecureBuffer> open_envelope(const Envelope& e, const platform::SealPublicKey& pub,
                                             const platform::SealSecretKey& sec) {
  Result<platform::SecureBuffer> plain = platform::open_sealed(e.sealed, pub, sec);
  if (!plain.is_ok()) return plain.status().with_context("envelope " + e.h.id);
  nlohmann::json inner = nlohmann::json::parse(plain->as_string_view(), nullptr, false);
  if (inner.is_discarded() || !inner.is_object())
    return Status::invalid_argument("envelope " + e.h.id + ": sealed content is not a JSON object");
  const char* keys[] = {"id", "device", "kind", "created"};
  const std::string* want[] = {&e.h.id, &e.h.device, &e.h.kind, &e.h.created};
  Status mismatch = Status::ok();
  for (int i = 0; i < 4; ++i) {
    auto it = inner.find(keys[i]);
    if (it == inner.end() || !it->is_string() || it->get<std::string>() != *want[i]) {
      mismatch = Status::crypto("envelope " + e.h.id + ": sealed /" + keys[i] +
                                " does not match the envelope (re-wrapped blob?)");
      break;
    }
  }
  if (mismatch.is_ok() && (!inner.contains("bundle") || !inner["bundle"].is_object()))
    mismatch = Status::invalid_argument("envelope " + e.h.id + ": sealed content has no /bundle object");
  // The parsed copy held participant data in ordinary memory: wipe its strings.
  std::function<void(nlohmann::json&)> scrub = [&](nlohmann::json& n) {
    if (n.is_string()) platform::wipe(n.get_ref<std::string&>());
    else if (n.is_structured()) for (auto& c : n) scrub(c);
  };
  scrub(inner);
  if (!mismatch.is_ok()) return mismatch;
  return plain;
}

}  // namespace datasync
