#include "sync/receipt.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "json_util.h"
#include "platform/clock.h"
#include "platform/ulid.h"

namespace datasync {

using platform::Result;
using platform::Status;

std::string receipt_signed_string(const Receipt& r) {
  return std::string(kReceiptSignatureDomain) + "\n" + r.id + "\n" + r.sha256 + "\n" + r.received;
}

Receipt sign_receipt(std::string id, std::string sha256_hex, std::string received,
                     const platform::SignSecretKey& receipt_key) {
  Receipt r{std::move(id), std::move(sha256_hex), std::move(received), {}};
  std::string s = receipt_signed_string(r);
  r.sig = platform::sign_detached(platform::as_bytes(s), receipt_key);
  return r;
}

Status verify_receipt(const Receipt& r, const platform::SignPublicKey& receipt_key) {
  if (!platform::is_valid_ulid(r.id)) return Status::invalid_argument("receipt /id is not a ULID");
  if (r.sha256.size() != 64 || r.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status::invalid_argument("receipt " + r.id + ": /sha256 is not 64 lowercase hex digits");
  if (!platform::parse_rfc3339(r.received).is_ok())
    return Status::invalid_argument("receipt " + r.id + ": /received is not an RFC 3339 time");
  std::string s = receipt_signed_string(r);
  if (!platform::verify_detached(r.sig, platform::as_bytes(s), receipt_key))
    return Status::crypto("receipt " + r.id + ": signature does not verify with the data bank's receipt key");
  return Status::ok();
}

std::string receipt_to_json(const Receipt& r) {
  nlohmann::json j = {{"id", r.id}, {"sha256", r.sha256}, {"received", r.received},
                      {"sig", platform::base64_encode(r.sig)}};
  return j.dump();
}

Result<Receipt> receipt_from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::invalid_argument("receipt is not a JSON object");
  Receipt r;
  std::string* targets[] = {&r.id, &r.sha256, &r.received};
  const char* names[] = {"id", "sha256", "received"};
  for (int i = 0; i < 3; ++i) {
    Result<std::string> s = detail::get_string(j, names[i], "receipt");
    if (!s.is_ok()) return s.status();
    *targets[i] = std::move(s.value());
  }
  Result<std::string> sig64 = detail::get_string(j, "sig", "receipt");
  if (!sig64.is_ok()) return sig64.status();
  Result<platform::Bytes> sig = platform::base64_decode(sig64.value());
  if (!sig.is_ok() || sig->size() != platform::kSignatureBytes)
    return Status::invalid_argument("receipt /sig is not a base64 64-byte signature");
  std::memcpy(r.sig.data(), sig->data(), platform::kSignatureBytes);
  return r;
}

}  // namespace datasync
