#include "sync/protocol.h"

#include <sodium.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace datasync {

using platform::Result;
using platform::Status;

namespace {

std::string signed_string_of_hash(std::string_view method, std::string_view path, std::int64_t ts, std::string_view nonce,
                                  std::string_view body_sha256_hex) {
  std::string s = "bbd-request-v1\n";
  s += method;
  s += '\n';
  s += path;
  s += '\n';
  s += std::to_string(ts);
  s += '\n';
  s += nonce;
  s += '\n';
  s += body_sha256_hex;
  return s;
}

}  // namespace

std::string request_signed_string(std::string_view method, std::string_view path, std::int64_t ts,
                                  std::string_view nonce, std::string_view body) {
  return signed_string_of_hash(method, path, ts, nonce, platform::sha256_hex(platform::as_bytes(body)));
}

platform::Signature sign_request_hashed(std::string_view method, std::string_view path, std::int64_t ts,
                                        std::string_view nonce, std::string_view body_sha256_hex,
                                        const platform::SignSecretKey& key) {
  std::string s = signed_string_of_hash(method, path, ts, nonce, body_sha256_hex);
  return platform::sign_detached(platform::as_bytes(s), key);
}

bool verify_request(const platform::Signature& sig, std::string_view method, std::string_view path, std::int64_t ts,
                    std::string_view nonce, std::string_view body, const platform::SignPublicKey& key) {
  std::string s = request_signed_string(method, path, ts, nonce, body);
  return platform::verify_detached(sig, platform::as_bytes(s), key);
}

std::string new_nonce() {
  std::uint8_t b[16];
  randombytes_buf(b, sizeof b);
  return platform::to_hex(platform::ByteView(b, sizeof b));
}

std::string keys_fingerprint(const platform::SealPublicKey& seal, const platform::SignPublicKey& receipt,
                             const platform::SignPublicKey& forms) {
  std::string s = "bbd-keys-v1\n" + platform::base64_encode(seal.view()) + "\n" +
                  platform::base64_encode(receipt.view()) + "\n" + platform::base64_encode(forms.view());
  return platform::sha256_hex(platform::as_bytes(s));
}

std::string base64url_encode(platform::ByteView data) {
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
  out.pop_back();
  return out;
}

Result<platform::Bytes> base64url_decode(std::string_view text) {
  platform::Bytes out(text.size() * 3 / 4 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return Status::invalid_argument("not base64url");
  out.resize(len);
  return out;
}

std::string encode_enroll_code(const EnrollCode& c) {
  nlohmann::json j = {{"c", c.secret}, {"k", c.keys_fingerprint}, {"t", c.tls_spki_sha256}};
  std::string s = j.dump();
  return "BBD1-" + base64url_encode(platform::as_bytes(s));
}

Result<EnrollCode> decode_enroll_code(std::string_view text) {
  auto bad = [] { return Status::invalid_argument("not an enroll code (expected BBD1-... as printed by `databank-ingest enroll-code`)"); };
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.substr(0, 5) != "BBD1-") return bad();
  Result<platform::Bytes> raw = base64url_decode(text.substr(5));
  if (!raw.is_ok()) return bad();
  nlohmann::json j = nlohmann::json::parse(raw->begin(), raw->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("c") || !j["c"].is_string() || !j.contains("k") ||
      !j["k"].is_string() || !j.contains("t") || !j["t"].is_string())
    return bad();
  EnrollCode c{j["c"].get<std::string>(), j["k"].get<std::string>(), j["t"].get<std::string>()};
  if (c.secret.size() != 32 || c.keys_fingerprint.size() != 64) return bad();
  return c;
}

}  // namespace datasync
