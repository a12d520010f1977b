// sync/protocol.h: the sync protocol v1 between kiosk and data bank (docs/PROTOCOL.md),
// the parts both sides must agree on byte for byte: request signatures, enroll codes, key
// fingerprints, header names and bounds.
//
// Request signature: Ed25519 by the device key over the lines
//   "bbd-request-v1", method, path, timestamp (Unix ms, decimal), nonce (32 hex), and the
//   lowercase hex SHA-256 of the body, joined with "\n".
//
// Enroll code: "BBD1-" + base64url(no padding) of JSON
//   {"c":"<secret, 32 hex>","k":"<keys fingerprint>","t":"<TLS SPKI sha256, base64, or empty>"}
// where the keys fingerprint is the hex SHA-256 over "bbd-keys-v1\n" + seal.pub + "\n" +
// receipt.pub + "\n" + forms.pub (each base64). The data bank stores only a hash of the
// secret; a code is single-use and expires.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/status.h"

namespace datasync {

inline constexpr char kHeaderDevice[] = "X-BBD-Device";
inline constexpr char kHeaderTimestamp[] = "X-BBD-Timestamp";
inline constexpr char kHeaderNonce[] = "X-BBD-Nonce";
inline constexpr char kHeaderSignature[] = "X-BBD-Signature";
inline constexpr char kHeaderServerTime[] = "X-BBD-Server-Time";

inline constexpr std::int64_t kRequestWindowMs = 5 * 60 * 1000;   // accepted clock skew
inline constexpr std::size_t kMaxBatchCount = 500;
inline constexpr std::size_t kMaxRequestBytes = 32u << 20;

std::string request_signed_string(std::string_view method, std::string_view path, std::int64_t ts_ms,
                                  std::string_view nonce, std::string_view body);
// Signs request_signed_string's lines given the body's lowercase hex SHA-256: the uploader
// hashes a batch of megabytes once and signs it again on every retry (new timestamp, nonce).
platform::Signature sign_request_hashed(std::string_view method, std::string_view path, std::int64_t ts_ms,
                                        std::string_view nonce, std::string_view body_sha256_hex,
                                        const platform::SignSecretKey& key);
bool verify_request(const platform::Signature& sig, std::string_view method, std::string_view path,
                    std::int64_t ts_ms, std::string_view nonce, std::string_view body,
                    const platform::SignPublicKey& key);
std::string new_nonce();  // 16 random bytes, hex

std::string keys_fingerprint(const platform::SealPublicKey& seal, const platform::SignPublicKey& receipt,
                             const platform::SignPublicKey& forms);

struct EnrollCode {
  std::string secret;        // 32 hex
  std::string keys_fingerprint;
  std::string tls_spki_sha256;  // base64, as for CURLOPT_PINNEDPUBLICKEY "sha256//..."; may be empty (loopback HTTP)
};
std::string encode_enroll_code(const EnrollCode& c);
platform::Result<EnrollCode> decode_enroll_code(std::string_view text);

std::string base64url_encode(platform::ByteView data);
platform::Result<platform::Bytes> base64url_decode(std::string_view text);

}  // namespace datasync
