#include "platform/crypto.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace platform {

static_assert(kSignPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSignSecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);
static_assert(kSealPublicKeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kSealSecretKeyBytes == crypto_box_SECRETKEYBYTES);
static_assert(kSealOverheadBytes == crypto_box_SEALBYTES);
static_assert(kLocalKeyBytes == crypto_secretbox_KEYBYTES);
static_assert(kLocalNonceBytes == crypto_secretbox_NONCEBYTES);
static_assert(kLocalMacBytes == crypto_secretbox_MACBYTES);
static_assert(kSha256Bytes == crypto_hash_sha256_BYTES);

Status crypto_init() {
  if (sodium_init() < 0) return Status::internal("libsodium could not be initialised");
  return Status::ok();
}

SecureBuffer::SecureBuffer(std::size_t size) : size_(size) {
  // sodium_malloc(0) is legal but keep a valid pointer for every size.
  data_ = static_cast<std::uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) std::abort();  // out of locked memory: nothing safe to continue with
  std::memset(data_, 0, size == 0 ? 1 : size);
}

SecureBuffer::~SecureBuffer() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before freeing
}

SecureBuffer::SecureBuffer(SecureBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecureBuffer& SecureBuffer::operator=(SecureBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

SignKeyPair generate_sign_keypair() {
  SignKeyPair kp;
  crypto_sign_keypair(kp.pub.bytes.data(), kp.sec.data());
  return kp;
}

SealKeyPair generate_seal_keypair() {
  SealKeyPair kp;
  crypto_box_keypair(kp.pub.bytes.data(), kp.sec.data());
  return kp;
}

LocalKey generate_local_key() {
  LocalKey k;
  crypto_secretbox_keygen(k.data());
  return k;
}

PinPepper generate_pin_pepper() {
  PinPepper p;
  randombytes_buf(p.data(), kPinPepperBytes);
  return p;
}

SignPublicKey sign_public_from_secret(const SignSecretKey& sec) {
  SignPublicKey pub;
  crypto_sign_ed25519_sk_to_pk(pub.bytes.data(), sec.data());
  return pub;
}

Bytes seal_for_databank(ByteView plaintext, const SealPublicKey& databank) {
  Bytes out(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(out.data(), plaintext.data(), plaintext.size(), databank.bytes.data());
  return out;
}

Result<SecureBuffer> open_sealed(ByteView sealed, const SealPublicKey& pub,
                                 const SealSecretKey& sec) {
  if (sealed.size() < crypto_box_SEALBYTES)
    return Status::crypto("sealed data is shorter than the seal overhead");
  SecureBuffer out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), pub.bytes.data(),
                           sec.data()) != 0)
    return Status::crypto("sealed data does not open with this key (tampered or wrong key)");
  return out;
}

Status open_sealed_into(ByteView sealed, const SealPublicKey& pub, const SealSecretKey& sec,
                        std::uint8_t* out, std::size_t capacity) {
  if (sealed.size() < crypto_box_SEALBYTES)
    return Status::crypto("sealed data is shorter than the seal overhead");
  if (capacity < sealed.size() - crypto_box_SEALBYTES)
    return Status::invalid_argument("buffer too small for the sealed data");
  if (crypto_box_seal_open(out, sealed.data(), sealed.size(), pub.bytes.data(), sec.data()) != 0)
    return Status::crypto("sealed data does not open with this key (tampered or wrong key)");
  return Status::ok();
}

Signature sign_detached(ByteView message, const SignSecretKey& sec) {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sec.data());
  return sig;
}

bool verify_detached(const Signature& sig, ByteView message, const SignPublicKey& pub) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(),
                                     pub.bytes.data()) == 0;
}

// OpenSSL's SHA-256 uses the CPU's SHA extensions (about 6x libsodium's portable code here,
// measured in docs/PERFORMANCE.md); the result is the same standard digest.
Sha256 sha256(ByteView data) {
  Sha256 out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    crypto_hash_sha256(out.data(), data.data(), data.size());  // never expected; same digest
  return out;
}

std::string sha256_hex(ByteView data) {
  Sha256 h = sha256(data);
  return to_hex(h);
}

Bytes local_encrypt(ByteView plaintext, const LocalKey& key) {
  Bytes out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES, plaintext.data(),
                        plaintext.size(), out.data(), key.data());
  return out;
}

Result<SecureBuffer> local_decrypt(ByteView box, const LocalKey& key) {
  if (box.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return Status::crypto("encrypted record is too short");
  SecureBuffer out(box.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(out.data(), box.data() + crypto_secretbox_NONCEBYTES,
                                 box.size() - crypto_secretbox_NONCEBYTES, box.data(),
                                 key.data()) != 0)
    return Status::crypto("encrypted record does not open with the device's local key");
  return out;
}

Result<std::string> hash_pin(std::string_view pin) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Status::internal("PIN hashing ran out of memory");
  return std::string(out);
}

bool verify_pin(const std::string& stored_hash, std::string_view pin) {
  return crypto_pwhash_str_verify(stored_hash.c_str(), pin.data(), pin.size()) == 0;
}

namespace {
// BLAKE2b-256 of the PIN keyed with the pepper, in locked memory.
SecureBuffer peppered_pin(std::string_view pin, const PinPepper& pepper) {
  static_assert(kPinPepperBytes >= crypto_generichash_KEYBYTES_MIN &&
                kPinPepperBytes <= crypto_generichash_KEYBYTES_MAX);
  SecureBuffer out(crypto_generichash_BYTES);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(pin.data()),
                     pin.size(), pepper.data(), kPinPepperBytes);
  return out;
}
}  // namespace

Result<std::string> hash_pin(std::string_view pin, const PinPepper& pepper) {
  SecureBuffer key = peppered_pin(pin, pepper);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, reinterpret_cast<const char*>(key.data()), key.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::internal("PIN hashing ran out of memory");
  return std::string(out);
}

bool verify_pin(const std::string& stored_hash, std::string_view pin, const PinPepper& pepper) {
  if (stored_hash.rfind("$argon2id$", 0) != 0) return false;
  SecureBuffer key = peppered_pin(pin, pepper);
  return crypto_pwhash_str_verify(stored_hash.c_str(), reinterpret_cast<const char*>(key.data()),
                                  key.size()) == 0;
}

void wipe(void* data, std::size_t size) { sodium_memzero(data, size); }
void wipe(std::string& s) {
  // Also the bytes past size(): a string that shrank, or a short one that was moved from,
  // still holds old characters there. Resizing up to the capacity never reallocates.
  s.resize(s.capacity());
  sodium_memzero(s.data(), s.size());
  s.clear();
}

std::string to_hex(ByteView data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data.data(), data.size());
  out.pop_back();
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  Bytes out(hex.size() / 2 + 1);
  std::size_t len = 0;
  const char* end = nullptr;
  if (hex.size() % 2 != 0 ||
      sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
      end != hex.data() + hex.size())
    return Status::invalid_argument("not a hexadecimal string");
  out.resize(len);
  return out;
}

std::string base64_encode(ByteView data) {
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), variant);
  out.pop_back();  // the terminating NUL
  return out;
}

Result<Bytes> base64_decode(std::string_view text) {
  Bytes out(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return Status::invalid_argument("not valid base64 (standard alphabet, padded)");
  out.resize(len);
  return out;
}

namespace {

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two output characters per 12 input bits, and for decoding each input character's 6 bits
// already shifted to its place in a 24-bit group (bit 31 set for a character outside the
// alphabet). Sealed envelopes are base64'd when batched and decoded at the data bank: with
// one table lookup per character and a store through std::string::operator[] each, these
// loops were ~1.6 GB/s; now ~2.8 (15 KB: 9.0 -> 5.4 us to encode, 7.8 -> 5.3 to decode).
const std::array<std::uint16_t, 4096> kBase64Pairs = [] {
  std::array<std::uint16_t, 4096> t{};
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char pair[2] = {kBase64Alphabet[i >> 6], kBase64Alphabet[i & 63]};
    std::memcpy(&t[i], pair, 2);
  }
  return t;
}();

constexpr std::uint32_t kBase64Invalid = 0x80000000u;
const std::array<std::array<std::uint32_t, 256>, 4> kBase64Sextets = [] {
  std::array<std::array<std::uint32_t, 256>, 4> t{};
  for (auto& row : t) row.fill(kBase64Invalid);
  for (std::uint32_t v = 0; v < 64; ++v)
    for (std::size_t k = 0; k < 4; ++k) t[k][static_cast<unsigned char>(kBase64Alphabet[v])] = v << (18 - 6 * k);
  return t;
}();

}  // namespace

std::string base64_encode_public(ByteView data) {
  std::string out((data.size() + 2) / 3 * 4, '=');
  const std::uint8_t* in = data.data();
  char* o = out.data();
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3, o += 4) {
    const std::uint32_t v = static_cast<std::uint32_t>(in[i]) << 16 | static_cast<std::uint32_t>(in[i + 1]) << 8 | in[i + 2];
    std::memcpy(o, &kBase64Pairs[v >> 12], 2);
    std::memcpy(o + 2, &kBase64Pairs[v & 4095], 2);
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    const std::uint32_t v = static_cast<std::uint32_t>(in[i]) << 16 | (rest == 2 ? static_cast<std::uint32_t>(in[i + 1]) << 8 : 0);
    o[0] = kBase64Alphabet[v >> 18];
    o[1] = kBase64Alphabet[(v >> 12) & 63];
    if (rest == 2) o[2] = kBase64Alphabet[(v >> 6) & 63];
  }
  return out;
}

Result<Bytes> base64_decode_public(std::string_view text) {
  const Status bad = Status::invalid_argument("not valid base64 (standard alphabet, padded)");
  if (text.size() % 4 != 0) return bad;
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  Bytes out(text.size() / 4 * 3 - pad);
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t full = text.size() / 4 - (pad ? 1 : 0);
  std::uint8_t* o = out.data();
  std::uint32_t seen = 0;  // any invalid character sets kBase64Invalid here
  const auto& t = kBase64Sextets;
  for (std::size_t q = 0; q < full; ++q, in += 4, o += 3) {
    const std::uint32_t v = t[0][in[0]] | t[1][in[1]] | t[2][in[2]] | t[3][in[3]];
    seen |= v;
    o[0] = static_cast<std::uint8_t>(v >> 16);
    o[1] = static_cast<std::uint8_t>(v >> 8);
    o[2] = static_cast<std::uint8_t>(v);
  }
  if (seen & kBase64Invalid) return bad;
  if (pad) {
    const std::uint32_t v = t[0][in[0]] | t[1][in[1]] | (pad == 1 ? t[2][in[2]] : 0);
    if (v & kBase64Invalid) return bad;
    // Canonical only: the bits the padding drops must be zero (as libsodium requires).
    if ((pad == 2 && (v & 0xffff)) || (pad == 1 && (v & 0xff))) return bad;
    o[0] = static_cast<std::uint8_t>(v >> 16);
    if (pad == 1) o[1] = static_cast<std::uint8_t>(v >> 8);
  }
  return out;
}

std::string key_fingerprint(ByteView public_key) {
  Sha256 h = sha256(public_key);
  return to_hex(ByteView(h.data(), 16));
}

}  // namespace platform
