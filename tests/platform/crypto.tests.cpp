// Tests for platform/crypto.h: sealing, signatures, hashing, local encryption, PINs,
// encodings, fingerprints and SecureBuffer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "platform/crypto.h"

using namespace platform;

namespace {

Bytes to_bytes(std::string_view s) {
  ByteView v = as_bytes(s);
  return Bytes(v.begin(), v.end());
}

std::string to_string(ByteView v) { return std::string(v.begin(), v.end()); }

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

void flip_bit(Bytes& b, std::size_t byte, int bit) {
  b.at(byte) = static_cast<std::uint8_t>(b.at(byte) ^ (1u << bit));
}

const std::string kMessage = "synthetic enrollment record: participant P-000 consented to tier 2";

}  // namespace

// Key types are tagged so a key of one purpose cannot stand in for another.
static_assert(!std::is_convertible_v<SignPublicKey, SealPublicKey>);
static_assert(!std::is_convertible_v<SealPublicKey, SignPublicKey>);
static_assert(!std::is_convertible_v<const SealSecretKey&, const LocalKey&>);
static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(std::is_nothrow_move_assignable_v<SecureBuffer>);
static_assert(!std::is_copy_constructible_v<SignSecretKey>);

TEST_CASE("crypto_init can be called again", "[platform][crypto]") {
  CHECK(crypto_init().is_ok());
  CHECK(crypto_init().is_ok());
}

TEST_CASE("Sealed data opens with the data bank's key pair and only with it", "[platform][crypto]") {
  SealKeyPair bank = generate_seal_keypair();
  Bytes plain = to_bytes(kMessage);
  Bytes sealed = seal_for_databank(plain, bank.pub);

  REQUIRE(sealed.size() == plain.size() + kSealOverheadBytes);
  CHECK(sealed != plain);

  SECTION("round trip") {
    Result<SecureBuffer> opened = open_sealed(sealed, bank.pub, bank.sec);
    REQUIRE(opened.is_ok());
    CHECK(opened->as_string_view() == kMessage);
  }
  SECTION("an empty plaintext round-trips") {
    Bytes empty_sealed = seal_for_databank(ByteView(), bank.pub);
    CHECK(empty_sealed.size() == kSealOverheadBytes);
    Result<SecureBuffer> opened = open_sealed(empty_sealed, bank.pub, bank.sec);
    REQUIRE(opened.is_ok());
    CHECK(opened->size() == 0);
  }
  SECTION("sealing twice gives different ciphertexts") {
    CHECK(seal_for_databank(plain, bank.pub) != sealed);
  }
  SECTION("another key pair cannot open it") {
    SealKeyPair other = generate_seal_keypair();
    Result<SecureBuffer> opened = open_sealed(sealed, other.pub, other.sec);
    REQUIRE_FALSE(opened.is_ok());
    CHECK(opened.status().kind() == StatusKind::kCrypto);
  }
  SECTION("the right secret key with the wrong public key fails") {
    SealKeyPair other = generate_seal_keypair();
    CHECK_FALSE(open_sealed(sealed, other.pub, bank.sec).is_ok());
  }
  SECTION("a flipped bit anywhere makes it fail") {
    const std::size_t positions[] = {0, 31, 32, 47, 48, sealed.size() / 2, sealed.size() - 1};
    for (std::size_t pos : positions) {
      for (int bit : {0, 7}) {
        Bytes tampered = sealed;
        flip_bit(tampered, pos, bit);
        Result<SecureBuffer> opened = open_sealed(tampered, bank.pub, bank.sec);
        INFO("byte " << pos << " bit " << bit);
        REQUIRE_FALSE(opened.is_ok());
        CHECK(opened.status().kind() == StatusKind::kCrypto);
      }
    }
  }
  SECTION("truncated data fails") {
    Bytes shorter(sealed.begin(), sealed.end() - 1);
    CHECK(open_sealed(shorter, bank.pub, bank.sec).status().kind() == StatusKind::kCrypto);
    Bytes tiny(sealed.begin(), sealed.begin() + 10);
    CHECK(open_sealed(tiny, bank.pub, bank.sec).status().kind() == StatusKind::kCrypto);
    CHECK(open_sealed(ByteView(), bank.pub, bank.sec).status().kind() == StatusKind::kCrypto);
  }
}

TEST_CASE("Detached signatures verify and any change makes them fail", "[platform][crypto]") {
  SignKeyPair kp = generate_sign_keypair();
  Bytes msg = to_bytes(kMessage);
  Signature sig = sign_detached(msg, kp.sec);

  SECTION("a genuine signature verifies") { CHECK(verify_detached(sig, msg, kp.pub)); }
  SECTION("an empty message can be signed and verified") {
    Signature s = sign_detached(ByteView(), kp.sec);
    CHECK(verify_detached(s, ByteView(), kp.pub));
    CHECK_FALSE(verify_detached(s, msg, kp.pub));
  }
  SECTION("a flipped message bit fails") {
    for (std::size_t pos : {std::size_t{0}, msg.size() / 2, msg.size() - 1}) {
      Bytes tampered = msg;
      flip_bit(tampered, pos, 3);
      INFO("byte " << pos);
      CHECK_FALSE(verify_detached(sig, tampered, kp.pub));
    }
  }
  SECTION("a longer or shorter message fails") {
    Bytes longer = msg;
    longer.push_back('x');
    CHECK_FALSE(verify_detached(sig, longer, kp.pub));
    Bytes shorter(msg.begin(), msg.end() - 1);
    CHECK_FALSE(verify_detached(sig, shorter, kp.pub));
  }
  SECTION("a flipped signature bit fails") {
    for (std::size_t pos : {std::size_t{0}, std::size_t{31}, std::size_t{32}, std::size_t{63}}) {
      Signature tampered = sig;
      tampered[pos] = static_cast<std::uint8_t>(tampered[pos] ^ 0x01);
      INFO("byte " << pos);
      CHECK_FALSE(verify_detached(tampered, msg, kp.pub));
    }
  }
  SECTION("another public key fails") {
    SignKeyPair other = generate_sign_keypair();
    CHECK_FALSE(verify_detached(sig, msg, other.pub));
  }
}

TEST_CASE("sign_public_from_secret recovers the key pair's public key", "[platform][crypto]") {
  SignKeyPair a = generate_sign_keypair();
  SignKeyPair b = generate_sign_keypair();
  CHECK(sign_public_from_secret(a.sec) == a.pub);
  CHECK(sign_public_from_secret(b.sec) == b.pub);
  CHECK_FALSE(sign_public_from_secret(a.sec) == b.pub);
  CHECK_FALSE(a.pub == b.pub);
}

TEST_CASE("sha256 matches the FIPS 180-2 test vectors", "[platform][crypto]") {
  SECTION("abc") {
    CHECK(sha256_hex(as_bytes("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
  SECTION("empty input") {
    CHECK(sha256_hex(ByteView()) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
  SECTION("two-block message") {
    CHECK(sha256_hex(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
  SECTION("sha256 and sha256_hex agree") {
    Sha256 h = sha256(as_bytes("abc"));
    CHECK(to_hex(h) == sha256_hex(as_bytes("abc")));
    CHECK(h[0] == 0xba);
    CHECK(h[31] == 0xad);
  }
}

TEST_CASE("Local encryption round-trips and rejects tampering and other keys", "[platform][crypto]") {
  LocalKey key = generate_local_key();
  Bytes plain = to_bytes(kMessage);
  Bytes box = local_encrypt(plain, key);

  REQUIRE(box.size() == kLocalNonceBytes + kLocalMacBytes + plain.size());

  SECTION("round trip") {
    Result<SecureBuffer> out = local_decrypt(box, key);
    REQUIRE(out.is_ok());
    CHECK(out->as_string_view() == kMessage);
  }
  SECTION("the plaintext does not appear in the box") {
    std::string boxed = to_string(box);
    CHECK(boxed.find("participant") == std::string::npos);
  }
  SECTION("an empty plaintext round-trips") {
    Bytes empty_box = local_encrypt(ByteView(), key);
    CHECK(empty_box.size() == kLocalNonceBytes + kLocalMacBytes);
    Result<SecureBuffer> out = local_decrypt(empty_box, key);
    REQUIRE(out.is_ok());
    CHECK(out->size() == 0);
  }
  SECTION("a flipped bit in nonce, MAC or ciphertext fails") {
    const std::size_t positions[] = {0, kLocalNonceBytes - 1, kLocalNonceBytes,
                                     kLocalNonceBytes + kLocalMacBytes - 1,
                                     kLocalNonceBytes + kLocalMacBytes, box.size() - 1};
    for (std::size_t pos : positions) {
      Bytes tampered = box;
      flip_bit(tampered, pos, 5);
      Result<SecureBuffer> out = local_decrypt(tampered, key);
      INFO("byte " << pos);
      REQUIRE_FALSE(out.is_ok());
      CHECK(out.status().kind() == StatusKind::kCrypto);
    }
  }
  SECTION("another key fails") {
    LocalKey other = generate_local_key();
    Result<SecureBuffer> out = local_decrypt(box, other);
    REQUIRE_FALSE(out.is_ok());
    CHECK(out.status().kind() == StatusKind::kCrypto);
  }
  SECTION("a box shorter than nonce and MAC fails") {
    Bytes tiny(box.begin(), box.begin() + kLocalNonceBytes + kLocalMacBytes - 1);
    CHECK(local_decrypt(tiny, key).status().kind() == StatusKind::kCrypto);
    CHECK(local_decrypt(ByteView(), key).status().kind() == StatusKind::kCrypto);
  }
  SECTION("two encryptions of the same text use different nonces") {
    Bytes box2 = local_encrypt(plain, key);
    Bytes nonce1(box.begin(), box.begin() + kLocalNonceBytes);
    Bytes nonce2(box2.begin(), box2.begin() + kLocalNonceBytes);
    CHECK(nonce1 != nonce2);
    CHECK(box != box2);
    Result<SecureBuffer> out2 = local_decrypt(box2, key);
    REQUIRE(out2.is_ok());
    CHECK(out2->as_string_view() == kMessage);
  }
}

TEST_CASE("Generated keys differ from each other", "[platform][crypto]") {
  LocalKey a = generate_local_key();
  LocalKey b = generate_local_key();
  CHECK_FALSE(same(a.view(), b.view()));
  CHECK(a.view().size() == kLocalKeyBytes);
  SealKeyPair s1 = generate_seal_keypair();
  SealKeyPair s2 = generate_seal_keypair();
  CHECK_FALSE(s1.pub == s2.pub);
  CHECK_FALSE(same(s1.sec.view(), s2.sec.view()));
}

TEST_CASE("PIN hashes verify the right PIN only", "[platform][crypto][slow-ish]") {
  Result<std::string> h = hash_pin("4821");
  REQUIRE(h.is_ok());
  CHECK(h->rfind("$argon2id$", 0) == 0);
  CHECK(h->find("4821") == std::string::npos);

  CHECK(verify_pin(*h, "4821"));
  CHECK_FALSE(verify_pin(*h, "4822"));
  CHECK_FALSE(verify_pin("not a hash", "4821"));

  Result<std::string> h2 = hash_pin("4821");
  REQUIRE(h2.is_ok());
  CHECK(*h2 != *h);  // salted
}

TEST_CASE("Peppered PIN hashes need both the PIN and the device's pepper",
          "[platform][crypto][slow-ish]") {
  const PinPepper pepper = generate_pin_pepper();
  const PinPepper other = generate_pin_pepper();
  Result<std::string> h = hash_pin("730419", pepper);
  REQUIRE(h.is_ok());
  CHECK(h->rfind("$argon2id$", 0) == 0);
  CHECK(h->find("730419") == std::string::npos);

  CHECK(verify_pin(*h, "730419", pepper));
  CHECK_FALSE(verify_pin(*h, "730418", pepper));
  CHECK_FALSE(verify_pin(*h, "730419", other));  // a copied database without the pepper
  CHECK_FALSE(verify_pin(*h, "730419"));          // nor the unpeppered check
  Result<std::string> plain = hash_pin("730419");
  REQUIRE(plain.is_ok());
  CHECK_FALSE(verify_pin(*plain, "730419", pepper));
  CHECK_FALSE(verify_pin("not a hash", "730419", pepper));
}

TEST_CASE("Base64 round-trips and decodes strictly", "[platform][crypto][encoding]") {
  // Both decoders: libsodium's constant-time one (keys) and the fast one (public data).
  using Decoder = Result<Bytes> (*)(std::string_view);
  const Decoder decode = GENERATE(as<Decoder>{}, &base64_decode, &base64_decode_public);
  SECTION("RFC 4648 test vectors") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
      INFO(plain);
      CHECK(base64_encode(as_bytes(plain)) == encoded);
      Result<Bytes> dec = decode(encoded);
      REQUIRE(dec.is_ok());
      CHECK(to_string(*dec) == plain);
    }
  }
  SECTION("every byte value round-trips, for every length mod 3") {
    Bytes all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
    for (std::size_t n : {std::size_t{254}, std::size_t{255}, std::size_t{256}}) {
      Bytes data(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
      Result<Bytes> dec = decode(base64_encode(data));
      REQUIRE(dec.is_ok());
      CHECK(*dec == data);
    }
  }
  SECTION("uses the standard alphabet") {
    const Bytes b = {0xfb, 0xff};
    CHECK(base64_encode(b) == "+/8=");
  }
  SECTION("rejects characters outside the alphabet") {
    for (const char* bad : {"Zm9v!A==", "Zm 9v", "Zm9v\n", " Zm9v", "Zm9\xc3\xa9", "Zm9v.A=="}) {
      INFO(bad);
      Result<Bytes> r = decode(bad);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    }
    // An embedded NUL, passed with its real length.
    CHECK_FALSE(decode(std::string_view("Zm9v\0Zm9v", 9)).is_ok());
  }
  SECTION("rejects missing padding") {
    CHECK_FALSE(decode("Zg").is_ok());
    CHECK_FALSE(decode("Zg=").is_ok());
    CHECK_FALSE(decode("Zm8").is_ok());
    CHECK_FALSE(decode("Zm9vYg").is_ok());
  }
  SECTION("rejects extra padding and data after padding") {
    CHECK_FALSE(decode("Zm8==").is_ok());
    CHECK_FALSE(decode("Zg===").is_ok());
    CHECK_FALSE(decode("Zg==Zg==").is_ok());
    CHECK_FALSE(decode("=").is_ok());
  }
  SECTION("rejects the URL-safe alphabet") {
    CHECK_FALSE(decode("-_8=").is_ok());
    CHECK_FALSE(decode("-_8").is_ok());
    CHECK_FALSE(decode("ab-c").is_ok());
    CHECK_FALSE(decode("ab_c").is_ok());
    Result<Bytes> std_form = decode("+/8=");
    REQUIRE(std_form.is_ok());
    CHECK(*std_form == Bytes{0xfb, 0xff});
  }
  SECTION("rejects non-canonical trailing bits") {
    CHECK_FALSE(decode("Zh==").is_ok());  // 'h' leaves a set bit after the last byte
    CHECK(decode("Zg==").is_ok());
  }
}

TEST_CASE("The fast base64 coders agree with libsodium's on random and mutated input", "[platform][crypto][encoding]") {
  std::mt19937_64 rng(20261129);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    if (round % 2 == 0) {
      // Valid encodings of random bytes, then maybe one character changed.
      Bytes data(rng() % 40);
      for (auto& byte : data) byte = static_cast<std::uint8_t>(rng());
      text = base64_encode(data);
      if (!text.empty() && rng() % 2) text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    } else {
      text.resize(rng() % 13);
      for (char& c : text) c = alphabet[rng() % alphabet.size()];
    }
    if (round % 2 == 0 && text.size() % 4 == 0) {
      Result<Bytes> bytes = base64_decode(text);
      if (bytes.is_ok()) CHECK(base64_encode_public(*bytes) == base64_encode(*bytes));
    }
    Result<Bytes> slow = base64_decode(text);
    Result<Bytes> fast = base64_decode_public(text);
    INFO(text);
    REQUIRE(slow.is_ok() == fast.is_ok());
    if (slow.is_ok()) {
      CHECK(*slow == *fast);
      ++accepted;
    }
  }
  CHECK(accepted > 5000);  // both branches were exercised
}

TEST_CASE("Hex round-trips and rejects what is not hex", "[platform][crypto][encoding]") {
  SECTION("known encoding") {
    CHECK(to_hex(Bytes{0x00, 0x01, 0xab, 0xff}) == "0001abff");
    CHECK(to_hex(ByteView()).empty());
  }
  SECTION("round trip over every byte value") {
    Bytes all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
    std::string hex = to_hex(all);
    CHECK(hex.size() == 512);
    Result<Bytes> back = from_hex(hex);
    REQUIRE(back.is_ok());
    CHECK(*back == all);
  }
  SECTION("empty string decodes to no bytes") {
    Result<Bytes> r = from_hex("");
    REQUIRE(r.is_ok());
    CHECK(r->empty());
  }
  SECTION("rejections") {
    for (const char* bad : {"abc", "0", "zz", "0g", "00 ff", " 00", "00\n", "0x00", "ab-cd"}) {
      INFO(bad);
      Result<Bytes> r = from_hex(bad);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    }
  }
}

TEST_CASE("key_fingerprint is stable, short, and differs between keys", "[platform][crypto]") {
  SignKeyPair a = generate_sign_keypair();
  SignKeyPair b = generate_sign_keypair();
  std::string fa = key_fingerprint(a.pub.view());
  CHECK(fa.size() == 32);
  CHECK(fa == key_fingerprint(a.pub.view()));
  CHECK(fa != key_fingerprint(b.pub.view()));
  // The first 16 bytes of the key's SHA-256.
  CHECK(fa == sha256_hex(a.pub.view()).substr(0, 32));
  CHECK(key_fingerprint(as_bytes("abc")) == "ba7816bf8f01cfea414140de5dae2223");
}

TEST_CASE("SecureBuffer is zero-filled, move-only and leaves the source empty", "[platform][crypto]") {
  SecureBuffer a(16);
  REQUIRE(a.size() == 16);
  REQUIRE(a.data() != nullptr);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data()[i] == 0);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::uint8_t>(i + 1);
  const std::uint8_t* original = a.data();

  SECTION("default constructed is empty") {
    SecureBuffer e;
    CHECK(e.size() == 0);
    CHECK(e.data() == nullptr);
    CHECK(e.view().empty());
  }
  SECTION("size zero is valid") {
    SecureBuffer z(0);
    CHECK(z.size() == 0);
    CHECK(z.view().empty());
  }
  SECTION("move construction transfers the memory") {
    SecureBuffer b(std::move(a));
    CHECK(b.size() == 16);
    CHECK(b.data() == original);
    CHECK(b.data()[15] == 16);
    CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move)
    CHECK(a.data() == nullptr);
  }
  SECTION("move assignment transfers the memory and frees the old") {
    SecureBuffer b(4);
    b = std::move(a);
    CHECK(b.size() == 16);
    CHECK(b.data() == original);
    CHECK(b.data()[0] == 1);
    CHECK(a.size() == 0);  // NOLINT(bugprone-use-after-move)
    CHECK(a.data() == nullptr);
  }
  SECTION("self move assignment keeps the contents") {
    SecureBuffer& alias = a;
    a = std::move(alias);
    CHECK(a.size() == 16);
    CHECK(a.data() == original);
    CHECK(a.data()[7] == 8);
  }
  SECTION("a moved-from buffer can be assigned again") {
    SecureBuffer b(std::move(a));
    a = SecureBuffer(3);
    CHECK(a.size() == 3);
    CHECK(a.data() != nullptr);
  }
}

TEST_CASE("wipe zeroes buffers and clears strings", "[platform][crypto]") {
  SECTION("raw buffer") {
    std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    wipe(buf, sizeof buf);
    for (std::uint8_t b : buf) CHECK(b == 0);
  }
  SECTION("string") {
    std::string s = "1234";
    wipe(s);
    CHECK(s.empty());
  }
  SECTION("a short string that was moved from: the bytes past its (now zero) size too") {
    std::string s = "Synthetic";  // short: in the string's own buffer
    std::string taken = std::move(s);
    const char* buf = s.data();
    const std::size_t cap = s.capacity();
    wipe(s);
    CHECK(s.data() == buf);  // same buffer, no reallocation
    for (std::size_t i = 0; i < cap; ++i) CHECK(buf[i] == '\0');
    CHECK(taken == "Synthetic");
  }
}
