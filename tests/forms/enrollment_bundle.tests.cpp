// forms/enrollment_bundle: the Provenance that carries the signature, as strokes and as a PNG.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "forms/enrollment_bundle.h"
#include "kiosk/signature.h"
#include "kiosk/synthetic.h"
#include "platform/crypto.h"

namespace {

using nlohmann::json;

constexpr const char* kNow = "2026-03-02T10:00:00Z";

forms::EnrollmentContent synthetic_content(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  return kiosk::make_synthetic_content(rng, "01JGQ0000000000000000000B1", kNow, {});
}

const json& provenance_of(const json& bundle) {
  for (const json& e : bundle.at("entry"))
    if (e.at("resource").at("resourceType") == "Provenance") return e.at("resource");
  FAIL("the bundle has no Provenance");
  static const json none;
  return none;
}

std::vector<std::uint8_t> decode(const json& data) {
  auto bytes = platform::base64_decode_public(data.get<std::string>());
  REQUIRE(bytes.is_ok());
  return std::move(bytes).value();
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) << 24 | static_cast<std::uint32_t>(b[at + 1]) << 16 |
         static_cast<std::uint32_t>(b[at + 2]) << 8 | static_cast<std::uint32_t>(b[at + 3]);
}

}  // namespace

TEST_CASE("the Provenance carries the strokes as JSON, and nothing else without a PNG", "[forms][bundle]") {
  const forms::EnrollmentContent c = synthetic_content(7);
  REQUIRE(c.signature.png.empty());
  const json bundle = forms::make_enrollment_bundle(c);
  const json& prov = provenance_of(bundle);
  REQUIRE(prov.at("signature").size() == 1);
  const json& sig = prov.at("signature")[0];
  CHECK(sig.at("sigFormat") == "application/json");
  CHECK(sig.at("when") == kNow);
  const std::vector<std::uint8_t> strokes = decode(sig.at("data"));
  CHECK(std::string(strokes.begin(), strokes.end()) == forms::strokes_json(c.signature));
}

TEST_CASE("a rendered signature PNG is a second Provenance signature by the same signer", "[forms][bundle]") {
  forms::EnrollmentContent c = synthetic_content(11);
  REQUIRE_FALSE(c.signature.strokes.empty());
  const bool representative = GENERATE(false, true);
  if (representative && !c.representative) c.representative = forms::Representative{"김", "순희", "MTH", "010-0000-7301"};
  if (!representative) c.representative.reset();
  auto png = kiosk::render_signature_png(c.signature, 300, 100);
  REQUIRE(png.is_ok());
  c.signature.png = png.value();

  const json bundle = forms::make_enrollment_bundle(c);
  const json& prov = provenance_of(bundle);
  REQUIRE(prov.at("signature").size() == 2);
  const json& strokes_sig = prov.at("signature")[0];
  const json& png_sig = prov.at("signature")[1];

  // The strokes are unchanged by the PNG's presence.
  CHECK(strokes_sig.at("sigFormat") == "application/json");
  const std::vector<std::uint8_t> strokes = decode(strokes_sig.at("data"));
  CHECK(std::string(strokes.begin(), strokes.end()) == forms::strokes_json(c.signature));

  // Same act of signing: type, time and signer agree.
  CHECK(png_sig.at("sigFormat") == "image/png");
  CHECK(png_sig.at("type") == strokes_sig.at("type"));
  CHECK(png_sig.at("when") == strokes_sig.at("when"));
  CHECK(png_sig.at("who") == strokes_sig.at("who"));
  const std::string signer = forms::enrollment_resource_ref(c.enrollment_id, representative ? "representative" : "patient");
  CHECK(png_sig.at("who").at("reference") == signer);

  // The data is the PNG itself: the signature bytes, then IHDR with the rendered size.
  const std::vector<std::uint8_t> bytes = decode(png_sig.at("data"));
  CHECK(bytes == c.signature.png);
  REQUIRE(bytes.size() > 33);
  const std::vector<std::uint8_t> magic = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  CHECK(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 8) == magic);
  CHECK(std::string(bytes.begin() + 12, bytes.begin() + 16) == "IHDR");
  CHECK(be32(bytes, 16) == 300);
  CHECK(be32(bytes, 20) == 100);
}
