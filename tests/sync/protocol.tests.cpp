// The request signature of POST /v1/envelopes (docs/PROTOCOL.md): the signed lines, signed by
// the kiosk from the body's hash (computed once a batch) and verified by the server from the body.
#include <catch2/catch.hpp>

#include "sync/protocol.h"
#include "sync_test_helpers.h"

TEST_CASE("A request is signed over the lines PROTOCOL.md names, from the body's hash", "[sync][protocol]") {
  const platform::SignKeyPair device = platform::generate_sign_keypair();
  const std::string body = R"({"envelopes":[{"v":1,"id":"synthetic"}]})";
  const std::string nonce = "00112233445566778899aabbccddeeff";
  const std::int64_t ts = synctest::kT0;
  const std::string body_hash = platform::sha256_hex(platform::as_bytes(body));

  const std::string expected = "bbd-request-v1\nPOST\n/v1/envelopes\n" + std::to_string(ts) + "\n" + nonce + "\n" + body_hash;
  CHECK(datasync::request_signed_string("POST", "/v1/envelopes", ts, nonce, body) == expected);

  const platform::Signature from_hash =
      datasync::sign_request_hashed("POST", "/v1/envelopes", ts, nonce, body_hash, device.sec);
  CHECK(platform::verify_detached(from_hash, platform::as_bytes(expected), device.pub));
  CHECK(datasync::verify_request(from_hash, "POST", "/v1/envelopes", ts, nonce, body, device.pub));

  SECTION("the server refuses it for another body, time, nonce, path or key") {
    CHECK_FALSE(datasync::verify_request(from_hash, "POST", "/v1/envelopes", ts, nonce, body + " ", device.pub));
    CHECK_FALSE(datasync::verify_request(from_hash, "POST", "/v1/envelopes", ts + 1, nonce, body, device.pub));
    CHECK_FALSE(datasync::verify_request(from_hash, "POST", "/v1/envelopes", ts, nonce.substr(1) + "0", body, device.pub));
    CHECK_FALSE(datasync::verify_request(from_hash, "POST", "/v1/devices", ts, nonce, body, device.pub));
    CHECK_FALSE(datasync::verify_request(from_hash, "POST", "/v1/envelopes", ts, nonce, body,
                                         platform::generate_sign_keypair().pub));
  }
  SECTION("a hash of another body signs another request") {
    const platform::Signature stale = datasync::sign_request_hashed(
        "POST", "/v1/envelopes", ts, nonce, platform::sha256_hex(platform::as_bytes(body + " ")), device.sec);
    CHECK_FALSE(datasync::verify_request(stale, "POST", "/v1/envelopes", ts, nonce, body, device.pub));
  }
}
