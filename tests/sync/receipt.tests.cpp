// The data bank's receipt (DESIGN.md section 4): signing, verification, the JSON form.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sync_test_helpers.h"

using Catch::Matchers::Contains;
using datasync::Receipt;
using nlohmann::json;
using platform::StatusKind;

namespace {

struct ReceiptFixture {
  platform::SignKeyPair key = platform::generate_sign_keypair();
  std::string id = synctest::new_ulid();
  std::string sha = platform::sha256_hex(platform::as_bytes("synthetic sealed bytes"));
  std::string received = platform::format_rfc3339_utc(synctest::kT0);
  Receipt sign() const { return datasync::sign_receipt(id, sha, received, key.sec); }
};

}  // namespace

TEST_CASE("A signed receipt verifies with the receipt key", "[sync][receipt]") {
  ReceiptFixture f;
  Receipt r = f.sign();
  CHECK(r.id == f.id);
  CHECK(r.sha256 == f.sha);
  CHECK(r.received == f.received);
  synctest::require_ok(datasync::verify_receipt(r, f.key.pub));
}

TEST_CASE("The receipt's signed string is exactly the DESIGN.md lines", "[sync][receipt][format]") {
  Receipt r{"01J9Z8Y7X6W5V4T3S2R1Q0P9N8",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "2026-11-29T13:43:02.123Z",
            {}};
  const std::string expected =
      "bbd-receipt-v1\n01J9Z8Y7X6W5V4T3S2R1Q0P9N8\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "2026-11-29T13:43:02.123Z";
  CHECK(datasync::receipt_signed_string(r) == expected);
  platform::SignKeyPair key = platform::generate_sign_keypair();
  Receipt signed_r = datasync::sign_receipt(r.id, r.sha256, r.received, key.sec);
  CHECK(platform::verify_detached(signed_r.sig, platform::as_bytes(expected), key.pub));
}

TEST_CASE("A tampered receipt or one checked with another key is refused", "[sync][receipt][tamper]") {
  ReceiptFixture f;
  Receipt r = f.sign();
  platform::SignPublicKey key = f.key.pub;
  SECTION("flipped signature bit") { r.sig[0] ^= 0x01; }
  SECTION("flipped last signature bit") { r.sig[63] ^= 0x80; }
  SECTION("changed id") { r.id = synctest::new_ulid(); }
  SECTION("changed sha256") {
    r.sha256[10] = r.sha256[10] == 'a' ? 'b' : 'a';
  }
  SECTION("changed received") { r.received = platform::format_rfc3339_utc(synctest::kT0 + 1000); }
  SECTION("another key") { key = platform::generate_sign_keypair().pub; }
  platform::Status s = datasync::verify_receipt(r, key);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.kind() == StatusKind::kCrypto);
  CHECK_THAT(s.message(), Contains("signature"));
}

TEST_CASE("A receipt with malformed fields is refused before its signature is checked",
          "[sync][receipt]") {
  ReceiptFixture f;
  std::string field;
  SECTION("id not a ULID") {
    f.id = "receipt-1";
    field = "/id";
  }
  SECTION("sha256 in upper case") {
    for (char& c : f.sha) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
    field = "/sha256";
  }
  SECTION("sha256 too short") {
    f.sha.pop_back();
    field = "/sha256";
  }
  SECTION("received not a time") {
    f.received = "today";
    field = "/received";
  }
  // Signed properly: only the format checks can refuse it.
  Receipt r = f.sign();
  platform::Status s = datasync::verify_receipt(r, f.key.pub);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(s.message(), Contains(field));
}

TEST_CASE("A receipt survives a JSON round trip and still verifies", "[sync][receipt][json]") {
  ReceiptFixture f;
  Receipt r = f.sign();
  std::string text = datasync::receipt_to_json(r);
  json j = json::parse(text);
  CHECK(j.size() == 4);
  CHECK(j.at("id") == f.id);
  CHECK(j.at("sha256") == f.sha);
  CHECK(j.at("received") == f.received);
  CHECK(j.at("sig") == platform::base64_encode(r.sig));
  Receipt back = synctest::require_value(datasync::receipt_from_json(text));
  CHECK(back.id == r.id);
  CHECK(back.sha256 == r.sha256);
  CHECK(back.received == r.received);
  CHECK(back.sig == r.sig);
  synctest::require_ok(datasync::verify_receipt(back, f.key.pub));
}

TEST_CASE("receipt_from_json refuses malformed receipts", "[sync][receipt][json]") {
  ReceiptFixture f;
  json j = json::parse(datasync::receipt_to_json(f.sign()));
  std::string text;
  SECTION("not JSON") { text = "{\"id\":"; }
  SECTION("an array") { text = "[]"; }
  SECTION("a string") { text = "\"receipt\""; }
  for (const char* field : {"id", "sha256", "received", "sig"}) {
    DYNAMIC_SECTION("missing /" << field) {
      j.erase(field);
      text = j.dump();
    }
    DYNAMIC_SECTION("/" << field << " not a string") {
      j[field] = 7;
      text = j.dump();
    }
  }
  SECTION("sig not base64") {
    j["sig"] = "!!!";
    text = j.dump();
  }
  SECTION("sig 63 bytes") {
    j["sig"] = platform::base64_encode(platform::Bytes(63, 1));
    text = j.dump();
  }
  REQUIRE_FALSE(text.empty());
  platform::Result<Receipt> r = datasync::receipt_from_json(text);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
}
