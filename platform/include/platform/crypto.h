// platform/crypto.h: the few cryptographic operations the kiosk needs, named for purpose.
//
// A thin wrapper over libsodium. Keys are fixed-size types, tagged so that a signing key
// can never be passed where a sealing key is expected. Secret keys and decrypted data live
// in SecureBuffer (sodium_malloc: guarded, mlocked where possible, wiped on free).
//
// Suite v1 (DESIGN.md section 4): crypto_box_seal (X25519 + XSalsa20-Poly1305) to the data
// bank, Ed25519 detached signatures, SHA-256, crypto_secretbox for device-local secrets,
// argon2id for staff PINs.
//
// Thread-safety: all functions are safe to call from any thread after crypto_init().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace platform {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline constexpr std::size_t kSignPublicKeyBytes = 32;
inline constexpr std::size_t kSignSecretKeyBytes = 64;  // libsodium's seed||public form
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kSealPublicKeyBytes = 32;
inline constexpr std::size_t kSealSecretKeyBytes = 32;
inline constexpr std::size_t kSealOverheadBytes = 48;  // crypto_box_SEALBYTES
inline constexpr std::size_t kLocalKeyBytes = 32;
inline constexpr std::size_t kLocalNonceBytes = 24;
inline constexpr std::size_t kLocalMacBytes = 16;
inline constexpr std::size_t kSha256Bytes = 32;
inline constexpr std::size_t kPinPepperBytes = 32;

// Sodium must be initialised once per process before any other call here. Idempotent.
Status crypto_init();

// Memory from sodium_malloc, wiped and freed on destruction. Move-only.
class SecureBuffer {
 public:
  SecureBuffer() = default;
  explicit SecureBuffer(std::size_t size);  // zero-filled; aborts if memory is exhausted
  ~SecureBuffer();
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  ByteView view() const { return {data_, size_}; }
  std::string_view as_string_view() const {
    return {reinterpret_cast<const char*>(data_), size_};
  }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

template <std::size_t N, typename Tag>
struct PublicKey {
  static constexpr std::size_t kSize = N;
  std::array<std::uint8_t, N> bytes{};
  ByteView view() const { return {bytes.data(), N}; }
  bool operator==(const PublicKey&) const = default;
};

template <std::size_t N, typename Tag>
class SecretKey {
 public:
  static constexpr std::size_t kSize = N;
  SecretKey() : buf_(N) {}
  std::uint8_t* data() { return buf_.data(); }
  const std::uint8_t* data() const { return buf_.data(); }
  ByteView view() const { return buf_.view(); }

 private:
  SecureBuffer buf_;
};

struct SignTag {};
struct SealTag {};
struct LocalTag {};
struct PepperTag {};

using SignPublicKey = PublicKey<kSignPublicKeyBytes, SignTag>;
using SignSecretKey = SecretKey<kSignSecretKeyBytes, SignTag>;
using SealPublicKey = PublicKey<kSealPublicKeyBytes, SealTag>;
using SealSecretKey = SecretKey<kSealSecretKeyBytes, SealTag>;
using LocalKey = SecretKey<kLocalKeyBytes, LocalTag>;
// The device-held secret mixed into every staff PIN hash (keys/staff.pepper).
using PinPepper = SecretKey<kPinPepperBytes, PepperTag>;
using Signature = std::array<std::uint8_t, kSignatureBytes>;
using Sha256 = std::array<std::uint8_t, kSha256Bytes>;

struct SignKeyPair {
  SignPublicKey pub;
  SignSecretKey sec;
};
struct SealKeyPair {
  SealPublicKey pub;
  SealSecretKey sec;
};

SignKeyPair generate_sign_keypair();
SealKeyPair generate_seal_keypair();
LocalKey generate_local_key();
PinPepper generate_pin_pepper();
// Recomputes the public half of an Ed25519 secret key (to check a key pair on disk matches).
SignPublicKey sign_public_from_secret(const SignSecretKey& sec);

// Seals `plaintext` so that only the holder of the data bank's seal secret key can read it.
Bytes seal_for_databank(ByteView plaintext, const SealPublicKey& databank);
// Data bank side and tests only: the kiosk never holds a seal secret key.
// The same into caller-owned memory of at least sealed.size() - kSealOverheadBytes bytes, so
// that a hot loop can reuse one locked buffer instead of a sodium_malloc per open.
Status open_sealed_into(ByteView sealed, const SealPublicKey& pub, const SealSecretKey& sec,
                        std::uint8_t* out, std::size_t capacity);
Result<SecureBuffer> open_sealed(ByteView sealed, const SealPublicKey& pub, const SealSecretKey& sec);

Signature sign_detached(ByteView message, const SignSecretKey& sec);
[[nodiscard]] bool verify_detached(const Signature& sig, ByteView message, const SignPublicKey& pub);

Sha256 sha256(ByteView data);
std::string sha256_hex(ByteView data);

// Device-local authenticated encryption: returns nonce || secretbox(plaintext).
Bytes local_encrypt(ByteView plaintext, const LocalKey& key);
Result<SecureBuffer> local_decrypt(ByteView box, const LocalKey& key);

// Staff PINs: argon2id (crypto_pwhash_str), interactive limits.
Result<std::string> hash_pin(std::string_view pin);
[[nodiscard]] bool verify_pin(const std::string& stored_hash, std::string_view pin);
// The same with a device-held pepper: argon2id (crypto_pwhash_str_alg, ARGON2ID13, interactive
// limits) over BLAKE2b-256(PIN) keyed with the pepper. A 6-digit PIN has only 10^6 values, so
// a copied database alone would fall to an offline search; without keys/staff.pepper it does
// not. The stored string is libsodium's "$argon2id$v=19$..." form. The keyed digest lives in
// locked memory and is wiped.
Result<std::string> hash_pin(std::string_view pin, const PinPepper& pepper);
[[nodiscard]] bool verify_pin(const std::string& stored_hash, std::string_view pin,
                              const PinPepper& pepper);

// Wipes a buffer that held secrets or participant data (not optimised away).
void wipe(void* data, std::size_t size);
void wipe(std::string& s);

std::string to_hex(ByteView data);
Result<Bytes> from_hex(std::string_view hex);
std::string base64_encode(ByteView data);  // standard alphabet, padded
// The same encoding, table-driven and several times faster, but not constant-time: only for
// data that is not secret (sealed ciphertext, signatures), never for keys.
std::string base64_encode_public(ByteView data);
Result<Bytes> base64_decode(std::string_view text);  // strict: standard alphabet, padded
// The same strict decoding, table-driven and about 10x faster, but not constant-time: only for
// data that is not secret (sealed ciphertext, signatures), never for keys.
Result<Bytes> base64_decode_public(std::string_view text);

// A short, human-comparable fingerprint of a public key: the first 16 bytes of its SHA-256, hex.
std::string key_fingerprint(ByteView public_key);

}  // namespace platform
