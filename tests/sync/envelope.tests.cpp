// The envelope (DESIGN.md section 4): sealing, the signed string, the JSON form, and every
// way a tampered, re-wrapped or malformed envelope must be refused.
#include <catch2/catch.hpp>

#include <cctype>
#include <nlohmann/json.hpp>
#include <random>

#include "kiosk/synthetic.h"
#include "sync_test_helpers.h"

using Catch::Matchers::Contains;
using datasync::Envelope;
using datasync::EnvelopeHeader;
using nlohmann::json;
using platform::StatusKind;
using synctest::Keys;

namespace {

json inner_of(const Envelope& e, const Keys& k) {
  platform::SecureBuffer plain =
      synctest::require_value(datasync::open_envelope(e, k.databank.pub, k.databank.sec));
  return json::parse(plain.as_string_view());
}

// Builds an envelope around someone else's sealed bytes and signs it properly with `key`.
Envelope rewrap(const Envelope& original, const EnvelopeHeader& h, const platform::SignSecretKey& key) {
  Envelope e;
  e.h = h;
  e.sealed = original.sealed;
  std::string signed_string = datasync::envelope_signed_string(e, platform::sha256_hex(e.sealed));
  e.sig = platform::sign_detached(platform::as_bytes(signed_string), key);
  return e;
}

void expect_rejected(const json& j, const std::string& field) {
  platform::Result<Envelope> r = datasync::envelope_from_json(j.dump());
  INFO("json: " << j.dump().substr(0, 300));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(r.status().message(), Contains(field));
}

}  // namespace

TEST_CASE("An envelope survives seal, JSON, parse, verify and open with its bundle and header intact",
          "[sync][envelope]") {
  Keys k;
  std::mt19937_64 rng(7);
  std::string kind = "enrollment";
  std::string ref;
  SECTION("enrollment") {}
  SECTION("attestation about an enrollment") {
    kind = "attestation";
    ref = synctest::new_ulid();
  }
  SECTION("event") { kind = "event"; }
  EnvelopeHeader h = synctest::make_header(k.device_id, synctest::kT0, kind, ref);
  datasync::EnrollmentInput in =
      kiosk::make_synthetic_enrollment(rng, h.id, h.created, kiosk::SyntheticOptions{});
  Envelope sealed = synctest::make_envelope(k, h, in.bundle.text());

  std::string wire = datasync::envelope_to_json(sealed);
  Envelope e = synctest::require_value(datasync::envelope_from_json(wire));
  CHECK(e.v == 1);
  CHECK(e.h.id == h.id);
  CHECK(e.h.kind == kind);
  CHECK(e.h.device == h.device);
  CHECK(e.h.site == "H012");
  CHECK(e.h.created == h.created);
  CHECK(e.h.ref == ref);
  CHECK(e.sealed == sealed.sealed);
  CHECK(e.sig == sealed.sig);
  CHECK(datasync::envelope_to_json(e) == wire);
  synctest::require_ok(datasync::verify_envelope(e, k.device.pub));

  json inner = inner_of(e, k);
  REQUIRE(inner.is_object());
  CHECK(inner.size() == 5);
  CHECK(inner.at("id") == h.id);
  CHECK(inner.at("device") == h.device);
  CHECK(inner.at("kind") == kind);
  CHECK(inner.at("created") == h.created);
  CHECK(inner.at("bundle") == json::parse(in.bundle.text()));
  CHECK(inner.at("bundle").at("resourceType") == "Bundle");
  // The sealed bytes are not the plaintext.
  std::string sealed_text(e.sealed.begin(), e.sealed.end());
  CHECK(sealed_text.find("\"resourceType\"") == std::string::npos);
}

TEST_CASE("The envelope JSON and its signed string are exactly the DESIGN.md formats",
          "[sync][envelope][format]") {
  Envelope e;
  e.h.id = "01J9Z8Y7X6W5V4T3S2R1Q0P9N8";
  e.h.kind = "enrollment";
  e.h.device = "dev-01J9Z8Y7X6W5V4T3S2R1Q0P9N9";
  e.h.site = "H012";
  e.h.created = "2026-11-29T13:43:02.123Z";
  const std::string sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  SECTION("signed string of an enrollment (empty ref is an empty line)") {
    CHECK(datasync::envelope_signed_string(e, sha) ==
          "bbd-envelope-v1\n1\n01J9Z8Y7X6W5V4T3S2R1Q0P9N8\nenrollment\n"
          "dev-01J9Z8Y7X6W5V4T3S2R1Q0P9N9\nH012\n2026-11-29T13:43:02.123Z\n\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
  SECTION("signed string of an attestation carries its ref") {
    e.h.kind = "attestation";
    e.h.ref = "01J9Z8Y7X6W5V4T3S2R1Q0P9N7";
    CHECK(datasync::envelope_signed_string(e, sha) ==
          "bbd-envelope-v1\n1\n01J9Z8Y7X6W5V4T3S2R1Q0P9N8\nattestation\n"
          "dev-01J9Z8Y7X6W5V4T3S2R1Q0P9N9\nH012\n2026-11-29T13:43:02.123Z\n"
          "01J9Z8Y7X6W5V4T3S2R1Q0P9N7\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
  SECTION("JSON field order and spelling") {
    e.sealed.assign(49, 0x01);
    e.sig.fill(0x02);
    CHECK(datasync::envelope_to_json(e) ==
          R"({"v":1,"id":"01J9Z8Y7X6W5V4T3S2R1Q0P9N8","kind":"enrollment",)"
          R"("device":"dev-01J9Z8Y7X6W5V4T3S2R1Q0P9N9","site":"H012",)"
          R"("created":"2026-11-29T13:43:02.123Z","ref":"","sealed":")" +
              platform::base64_encode(e.sealed) + R"(","sig":")" + platform::base64_encode(e.sig) +
              R"("})");
  }
  SECTION("the device signature is over the signed string of the sealed bytes' hex SHA-256") {
    Keys k;
    Envelope s = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                         synctest::small_bundle());
    std::string expected = std::string("bbd-envelope-v1\n1\n") + s.h.id + "\nenrollment\n" +
                           s.h.device + "\nH012\n" + s.h.created + "\n\n" +
                           platform::sha256_hex(s.sealed);
    CHECK(datasync::envelope_signed_string(s, platform::sha256_hex(s.sealed)) == expected);
    CHECK(platform::verify_detached(s.sig, platform::as_bytes(expected), k.device.pub));
  }
}

TEST_CASE("A flipped bit in the sealed blob or the signature is refused", "[sync][envelope][tamper]") {
  Keys k;
  Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                       synctest::small_bundle(200));
  synctest::require_ok(datasync::verify_envelope(e, k.device.pub));

  SECTION("sealed") {
    e.sealed[e.sealed.size() / 2] ^= 0x10;
    platform::Status v = datasync::verify_envelope(e, k.device.pub);
    CHECK(v.kind() == StatusKind::kCrypto);
    CHECK_THAT(v.message(), Contains(e.h.id));
    platform::Result<platform::SecureBuffer> opened =
        datasync::open_envelope(e, k.databank.pub, k.databank.sec);
    REQUIRE_FALSE(opened.is_ok());
    CHECK(opened.status().kind() == StatusKind::kCrypto);
  }
  SECTION("sealed, first byte (the ephemeral public key)") {
    e.sealed[0] ^= 0x01;
    CHECK(datasync::verify_envelope(e, k.device.pub).kind() == StatusKind::kCrypto);
    CHECK_FALSE(datasync::open_envelope(e, k.databank.pub, k.databank.sec).is_ok());
  }
  SECTION("sig") {
    e.sig[17] ^= 0x80;
    CHECK(datasync::verify_envelope(e, k.device.pub).kind() == StatusKind::kCrypto);
  }
}

TEST_CASE("Changing any signed header field makes verify_envelope fail", "[sync][envelope][tamper]") {
  Keys k;
  Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                       synctest::small_bundle());
  synctest::require_ok(datasync::verify_envelope(e, k.device.pub));
  // Every replacement is well-formed, so only the signature can catch it.
  SECTION("id") { e.h.id = synctest::new_ulid(); }
  SECTION("kind") { e.h.kind = "event"; }
  SECTION("device") { e.h.device = synctest::new_device_id(); }
  SECTION("site") { e.h.site = "H013"; }
  SECTION("created") { e.h.created = platform::format_rfc3339_utc(synctest::kT0 + 1); }
  SECTION("ref") { e.h.ref = synctest::new_ulid(); }
  platform::Status s = datasync::verify_envelope(e, k.device.pub);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.kind() == StatusKind::kCrypto);
}

TEST_CASE("An envelope from another version or with a malformed header fails verify_envelope",
          "[sync][envelope]") {
  Keys k;
  Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                       synctest::small_bundle());
  std::string field;
  SECTION("v") {
    e.v = 2;
    field = "version";
  }
  SECTION("id") {
    e.h.id = "not-a-ulid";
    field = "/id";
  }
  SECTION("device") {
    e.h.device = "tablet-7";
    field = "/device";
  }
  platform::Status s = datasync::verify_envelope(e, k.device.pub);
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(s.message(), Contains(field));
}

TEST_CASE("An envelope signed by another device key is refused", "[sync][envelope][tamper]") {
  Keys k;
  Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                       synctest::small_bundle());
  platform::SignKeyPair other = platform::generate_sign_keypair();
  platform::Status s = datasync::verify_envelope(e, other.pub);
  CHECK(s.kind() == StatusKind::kCrypto);
  CHECK_THAT(s.message(), Contains("signature"));
  SECTION("and only the data bank's seal key pair opens it") {
    platform::SealKeyPair wrong = platform::generate_seal_keypair();
    platform::Result<platform::SecureBuffer> r = datasync::open_envelope(e, wrong.pub, wrong.sec);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kCrypto);
  }
}

TEST_CASE("A sealed blob re-wrapped under another header verifies but does not open",
          "[sync][envelope][tamper]") {
  Keys k;
  EnvelopeHeader ha = synctest::make_header(k.device_id, synctest::kT0);
  Envelope a = synctest::make_envelope(k, ha, synctest::small_bundle(100));

  // The attacker holds a valid device key (their own device, or this one) and signs B properly.
  platform::SignKeyPair attacker = platform::generate_sign_keypair();
  EnvelopeHeader hb = ha;
  const platform::SignKeyPair* signer = &attacker;
  std::string mismatched;
  SECTION("another id and another device") {
    hb.id = synctest::new_ulid();
    hb.device = synctest::new_device_id();
    mismatched = "/id";
  }
  SECTION("another id, same device") {
    hb.id = synctest::new_ulid();
    signer = &k.device;
    mismatched = "/id";
  }
  SECTION("same id, another device") {
    hb.device = synctest::new_device_id();
    mismatched = "/device";
  }
  SECTION("another kind") {
    hb.kind = "event";
    signer = &k.device;
    mismatched = "/kind";
  }
  SECTION("another created time") {
    hb.created = platform::format_rfc3339_utc(synctest::kT0 + 60'000);
    signer = &k.device;
    mismatched = "/created";
  }
  Envelope b = rewrap(a, hb, signer->sec);
  // B is a well-formed, properly signed envelope...
  synctest::require_ok(datasync::verify_envelope(b, signer->pub));
  Envelope b_parsed = synctest::require_value(datasync::envelope_from_json(datasync::envelope_to_json(b)));
  synctest::require_ok(datasync::verify_envelope(b_parsed, signer->pub));
  // ...but its sealed content names envelope A.
  platform::Result<platform::SecureBuffer> opened =
      datasync::open_envelope(b_parsed, k.databank.pub, k.databank.sec);
  REQUIRE_FALSE(opened.is_ok());
  CHECK(opened.status().kind() == StatusKind::kCrypto);
  CHECK_THAT(opened.status().message(), Contains("does not match"));
  CHECK_THAT(opened.status().message(), Contains(mismatched));
  // A itself still opens.
  CHECK(datasync::open_envelope(a, k.databank.pub, k.databank.sec).is_ok());
}

TEST_CASE("envelope_from_json refuses anything but a well-formed v1 envelope and names the field",
          "[sync][envelope][json]") {
  Keys k;
  Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, synctest::kT0),
                                       synctest::small_bundle());
  const json good = json::parse(datasync::envelope_to_json(e));
  REQUIRE(datasync::envelope_from_json(good.dump()).is_ok());
  json j = good;

  SECTION("unknown field") {
    j["note"] = "hello";
    expect_rejected(j, "/note");
  }
  for (const char* f : {"v", "id", "kind", "device", "site", "created", "ref", "sealed", "sig"}) {
    DYNAMIC_SECTION("missing /" << f) {
      j.erase(f);
      expect_rejected(j, std::string("/") + f);
    }
  }
  SECTION("v = 2") {
    j["v"] = 2;
    expect_rejected(j, "/v");
  }
  SECTION("v as a string") {
    j["v"] = "1";
    expect_rejected(j, "/v");
  }
  SECTION("v as a float") {
    j["v"] = 1.5;
    expect_rejected(j, "/v");
  }
  SECTION("id is a number") {
    j["id"] = 12345;
    expect_rejected(j, "/id");
  }
  SECTION("ref is null") {
    j["ref"] = nullptr;
    expect_rejected(j, "/ref");
  }
  SECTION("id is not a ULID") {
    j["id"] = "enrollment-0001";
    expect_rejected(j, "/id");
  }
  SECTION("id is a lower-case ULID") {
    std::string id = e.h.id;
    for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    j["id"] = id;
    expect_rejected(j, "/id");
  }
  SECTION("kind is unknown") {
    j["kind"] = "survey";
    expect_rejected(j, "/kind");
  }
  SECTION("device is not dev-<ULID>") {
    j["device"] = "kiosk-12";
    expect_rejected(j, "/device");
  }
  SECTION("site is not a site code") {
    j["site"] = "Seoul";
    expect_rejected(j, "/site");
  }
  SECTION("created is not RFC 3339") {
    j["created"] = "yesterday";
    expect_rejected(j, "/created");
  }
  SECTION("attestation without ref") {
    j["kind"] = "attestation";
    j["ref"] = "";
    expect_rejected(j, "/ref");
  }
  SECTION("ref that is not a ULID") {
    j["ref"] = "abc";
    expect_rejected(j, "/ref");
  }
  SECTION("sealed is not base64") {
    j["sealed"] = "@@not base64@@";
    expect_rejected(j, "/sealed");
  }
  SECTION("sealed is unpadded base64") {
    std::string s = good["sealed"].get<std::string>();
    while (!s.empty() && s.back() == '=') s.pop_back();
    if (s.size() == good["sealed"].get<std::string>().size()) s.pop_back();  // force bad length
    j["sealed"] = s;
    expect_rejected(j, "/sealed");
  }
  SECTION("sealed too short to be a sealed box") {
    j["sealed"] = platform::base64_encode(platform::Bytes(platform::kSealOverheadBytes, 0x00));
    expect_rejected(j, "/sealed");
  }
  SECTION("sig is not base64") {
    j["sig"] = "#####";
    expect_rejected(j, "/sig");
  }
  SECTION("sig is 63 bytes") {
    j["sig"] = platform::base64_encode(platform::Bytes(63, 0x5a));
    expect_rejected(j, "/sig");
  }
  SECTION("sig is 65 bytes") {
    j["sig"] = platform::base64_encode(platform::Bytes(65, 0x5a));
    expect_rejected(j, "/sig");
  }
}

TEST_CASE("envelope_from_json refuses text that is not one JSON object", "[sync][envelope][json]") {
  const char* bad[] = {"", "not json", "[]", "\"envelope\"", "42", "null", "{\"v\":1"};
  for (const char* text : bad) {
    CAPTURE(text);
    platform::Result<Envelope> r = datasync::envelope_from_json(text);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
  }
}

TEST_CASE("seal_envelope refuses a bundle that is not one JSON object", "[sync][envelope]") {
  Keys k;
  EnvelopeHeader h = synctest::make_header(k.device_id, synctest::kT0);
  std::string bundle;
  SECTION("empty") { bundle = ""; }
  SECTION("whitespace") { bundle = " \n\t "; }
  SECTION("array") { bundle = "[{\"resourceType\":\"Bundle\"}]"; }
  SECTION("string") { bundle = "\"Bundle\""; }
  SECTION("number") { bundle = "42"; }
  SECTION("null") { bundle = "null"; }
  SECTION("truncated object") { bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collec"; }
  SECTION("braces around invalid JSON") { bundle = "{resourceType: Bundle}"; }
  SECTION("an object missing a value") { bundle = "{\"resourceType\":}"; }
  SECTION("two objects") { bundle = "{\"resourceType\":\"Bundle\"} {\"resourceType\":\"Bundle\"}"; }
  SECTION("an object that smuggles inner fields") { bundle = "{}, \"id\": \"01J9Z8Y7X6W5V4T3S2R1Q0P9N8\", \"x\": {}"; }
  platform::Result<Envelope> r = datasync::seal_envelope(h, bundle, k.databank.pub, k.device.sec);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(r.status().message(), Contains("bundle"));
}

TEST_CASE("seal_envelope accepts a JSON object with surrounding whitespace", "[sync][envelope]") {
  Keys k;
  EnvelopeHeader h = synctest::make_header(k.device_id, synctest::kT0);
  Envelope e = synctest::make_envelope(k, h, "\n  " + synctest::small_bundle() + " \n");
  json inner = inner_of(e, k);
  CHECK(inner.at("bundle") == json::parse(synctest::small_bundle()));
}

TEST_CASE("seal_envelope refuses a malformed header and names the field", "[sync][envelope]") {
  Keys k;
  EnvelopeHeader h = synctest::make_header(k.device_id, synctest::kT0);
  std::string field;
  SECTION("id") {
    h.id = "";
    field = "/id";
  }
  SECTION("kind") {
    h.kind = "Enrollment";
    field = "/kind";
  }
  SECTION("device") {
    h.device = "dev-123";
    field = "/device";
  }
  SECTION("site") {
    h.site = "h012";
    field = "/site";
  }
  SECTION("created") {
    h.created = "2026-13-45T99:00:00Z";
    field = "/created";
  }
  SECTION("attestation ref") {
    h.kind = "attestation";
    field = "/ref";
  }
  platform::Result<Envelope> r = datasync::seal_envelope(h, synctest::small_bundle(), k.databank.pub, k.device.sec);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(r.status().message(), Contains(field));
}

TEST_CASE("BundleJson is made only from one JSON object", "[sync][envelope]") {
  SECTION("from_object accepts an object and refuses anything else") {
    auto ok = datasync::BundleJson::from_object(json{{"resourceType", "Bundle"}});
    REQUIRE(ok.is_ok());
    CHECK(json::parse(ok->text()) == json{{"resourceType", "Bundle"}});
    for (const json& j : {json::array({1}), json("Bundle"), json(42), json(nullptr)}) {
      auto r = datasync::BundleJson::from_object(j);
      REQUIRE_FALSE(r.is_ok());
      CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    }
  }
  SECTION("from_text refuses an array and a smuggling splice") {
    CHECK_FALSE(datasync::BundleJson::from_text("[{}]").is_ok());
    CHECK_FALSE(datasync::BundleJson::from_text("{}, \"id\": \"x\", \"y\": {}").is_ok());
    CHECK(datasync::BundleJson::from_text(" {\"a\":1} ").is_ok());
  }
  SECTION("wipe empties it") {
    auto b = datasync::BundleJson::from_text("{\"name\":\"synthetic\"}");
    REQUIRE(b.is_ok());
    b->wipe();
    CHECK(b->empty());
  }
}
