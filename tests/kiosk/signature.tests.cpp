// kiosk/signature: the finger-drawn signature pad and its PNG.
#include <png.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kiosk/signature.h"

namespace {

struct Decoded {
  bool ok = false;
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = -1;
  std::vector<std::uint8_t> gray;  // row-major, one byte per pixel

  int at(std::uint32_t x, std::uint32_t y) const { return gray[static_cast<std::size_t>(y) * width + x]; }
};

// Reads a PNG back with libpng (the simplified API), independently of how it was written.
Decoded decode_png(const std::vector<std::uint8_t>& bytes) {
  Decoded d;
  if (bytes.size() < 33) return d;
  // IHDR is the first chunk: bit depth and colour type as written, before any conversion.
  d.bit_depth = bytes[24];
  d.color_type = bytes[25];
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) return d;
  image.format = PNG_FORMAT_GRAY;
  d.gray.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, d.gray.data(), 0, nullptr)) {
    png_image_free(&image);
    return d;
  }
  d.width = image.width;
  d.height = image.height;
  d.ok = true;
  return d;
}

forms::SignatureCapture line_capture(float x0, float y0, float x1, float y1) {
  forms::SignatureCapture c;
  c.pad_width_px = 400;
  c.pad_height_px = 200;
  c.signed_at = "2026-03-02T10:00:00Z";
  c.strokes.push_back({{x0, y0, 0}, {(x0 + x1) / 2, (y0 + y1) / 2, 40}, {x1, y1, 80}});
  return c;
}

}  // namespace

TEST_CASE("ink is the summed stroke length in pad widths", "[signature]") {
  kiosk::SignaturePad pad(0.5);  // a pad twice as wide as it is high

  SECTION("a horizontal stroke across half the pad is 0.5") {
    pad.begin_stroke(0.1, 0.5, 1000);
    pad.add_point(0.35, 0.5, 1010);
    pad.add_point(0.6, 0.5, 1020);
    pad.end_stroke();
    CHECK(pad.ink() == Approx(0.5));
  }
  SECTION("vertical movement counts in widths: top to bottom of a 2:1 pad is 0.5") {
    pad.begin_stroke(0.5, 0.0, 0);
    pad.add_point(0.5, 1.0, 10);
    CHECK(pad.ink() == Approx(0.5));
  }
  SECTION("a 3-4-5 diagonal, and strokes add up") {
    pad.begin_stroke(0.0, 0.0, 0);
    pad.add_point(0.3, 0.8, 10);  // dx 0.3, dy 0.8 * 0.5 = 0.4 -> 0.5
    pad.end_stroke();
    pad.begin_stroke(0.2, 0.2, 20);
    pad.add_point(0.4, 0.2, 30);
    pad.end_stroke();
    CHECK(pad.strokes().size() == 2);
    CHECK(pad.ink() == Approx(0.7));
  }
  SECTION("a tap is a stroke of one point and no ink") {
    pad.begin_stroke(0.5, 0.5, 0);
    pad.end_stroke();
    CHECK(pad.strokes().size() == 1);
    CHECK(pad.ink() == 0.0);
  }
  SECTION("the capture's ink uses the capture's pad size") {
    pad.begin_stroke(0.5, 0.0, 0);
    pad.add_point(0.5, 1.0, 10);
    const forms::SignatureCapture c = pad.capture(800, 400, "2026-03-02T10:00:00Z");
    CHECK(kiosk::signature_ink(c) == Approx(0.5));
  }
}

TEST_CASE("points off the pad are clamped to its edge, non-finite ones ignored", "[signature]") {
  kiosk::SignaturePad pad(1.0);
  pad.begin_stroke(-0.5, 1.7, 0);
  pad.add_point(std::numeric_limits<double>::quiet_NaN(), 0.5, 5);
  pad.add_point(0.5, std::numeric_limits<double>::infinity(), 6);
  pad.add_point(2.0, -3.0, 10);
  pad.end_stroke();
  REQUIRE(pad.strokes().size() == 1);
  const forms::Stroke& s = pad.strokes()[0];
  REQUIRE(s.size() == 2);
  CHECK(s[0].x == 0.0f);
  CHECK(s[0].y == 1.0f);
  CHECK(s[1].x == 1.0f);
  CHECK(s[1].y == 0.0f);

  SECTION("a stroke that starts with a non-finite point is not left empty") {
    pad.begin_stroke(std::numeric_limits<double>::quiet_NaN(), 0.5, 20);
    CHECK_FALSE(pad.in_stroke());
    CHECK(pad.strokes().size() == 1);
  }
}

TEST_CASE("jitter closer than kMinStep to the last kept point is dropped", "[signature]") {
  kiosk::SignaturePad pad(1.0);
  pad.begin_stroke(0.5, 0.5, 0);
  pad.add_point(0.5005, 0.5, 5);  // 0.0005: dropped
  pad.add_point(0.501, 0.501, 6);  // ~0.0014 from the kept point: dropped
  pad.add_point(0.503, 0.5, 10);  // 0.003: kept
  pad.add_point(0.5035, 0.5, 12);  // 0.0005 from the new last point: dropped
  pad.end_stroke();
  REQUIRE(pad.strokes().size() == 1);
  CHECK(pad.strokes()[0].size() == 2);
  CHECK(pad.point_count() == 2);
  CHECK(pad.strokes()[0][1].t_ms == 10);
}

TEST_CASE("times are milliseconds since the first touch and never run backwards", "[signature]") {
  kiosk::SignaturePad pad(0.4);
  pad.begin_stroke(0.1, 0.1, 5'000'000);  // a monotonic clock far from zero
  pad.add_point(0.2, 0.1, 5'000'016);
  pad.add_point(0.3, 0.1, 5'000'010);  // the clock jittered backwards
  pad.end_stroke();
  pad.begin_stroke(0.5, 0.5, 5'001'000);
  pad.end_stroke();
  const auto& st = pad.strokes();
  REQUIRE(st.size() == 2);
  CHECK(st[0][0].t_ms == 0);
  CHECK(st[0][1].t_ms == 16);
  CHECK(st[0][2].t_ms == 16);
  CHECK(st[1][0].t_ms == 1000);
}

TEST_CASE("add_point outside a stroke begins one, begin_stroke inside a stroke ends it", "[signature]") {
  kiosk::SignaturePad pad(1.0);
  pad.add_point(0.1, 0.1, 0);  // touch-down lost by the input layer
  CHECK(pad.in_stroke());
  pad.add_point(0.2, 0.1, 10);
  pad.begin_stroke(0.5, 0.5, 20);  // touch-up lost
  pad.add_point(0.6, 0.5, 30);
  pad.end_stroke();
  CHECK_FALSE(pad.in_stroke());
  REQUIRE(pad.strokes().size() == 2);
  CHECK(pad.strokes()[0].size() == 2);
  CHECK(pad.strokes()[1].size() == 2);
}

TEST_CASE("clear forgets every point and restarts the clock", "[signature]") {
  kiosk::SignaturePad pad(0.5);
  for (int s = 0; s < 5; ++s) {  // enough points to make the strokes grow their buffers
    pad.begin_stroke(0.0, 0.1 * s, 100 * s);
    for (int i = 1; i < 200; ++i) pad.add_point(0.004 * i, 0.1 * s, 100 * s + i);
    pad.end_stroke();
  }
  REQUIRE(pad.point_count() == 1000);
  REQUIRE(pad.ink() > 3.0);
  pad.clear();
  CHECK(pad.empty());
  CHECK(pad.strokes().empty());
  CHECK(pad.point_count() == 0);
  CHECK(pad.ink() == 0.0);
  CHECK(pad.capture(400, 200, "2026-03-02T10:00:00Z").strokes.empty());
  pad.begin_stroke(0.5, 0.5, 99'999);
  CHECK(pad.strokes()[0][0].t_ms == 0);
}

TEST_CASE("wipe_signature empties a capture and its PNG", "[signature]") {
  forms::SignatureCapture c = line_capture(0.1f, 0.5f, 0.9f, 0.5f);
  auto png = kiosk::render_signature_png(c, 200, 100);
  REQUIRE(png.is_ok());
  c.png = std::move(png).value();
  kiosk::wipe_signature(c);
  CHECK(c.strokes.empty());
  CHECK(c.png.empty());
  CHECK(c.signed_at.empty());
  CHECK(c.pad_width_px == 0);
}

TEST_CASE("a stuck touch cannot grow the signature without bound", "[signature]") {
  kiosk::SignaturePad pad(1.0);
  pad.begin_stroke(0.1, 0.5, 0);
  for (std::size_t i = 0; i < kiosk::SignaturePad::kMaxPoints + 500; ++i)
    pad.add_point(i % 2 ? 0.1 : 0.9, 0.5, static_cast<std::int64_t>(i));
  CHECK(pad.full());
  CHECK(pad.point_count() == kiosk::SignaturePad::kMaxPoints);
  pad.end_stroke();
  pad.begin_stroke(0.5, 0.5, 1'000'000);  // no empty stroke once full
  CHECK(pad.strokes().size() == 1);
}

TEST_CASE("capture stamps the pad size and the time of signing", "[signature]") {
  kiosk::SignaturePad pad(1.0 / 3.0);
  pad.begin_stroke(0.1, 0.5, 0);
  pad.add_point(0.9, 0.5, 500);
  pad.end_stroke();
  const forms::SignatureCapture c = pad.capture(1200, 400, "2026-03-02T10:00:00Z");
  CHECK(c.pad_width_px == 1200);
  CHECK(c.pad_height_px == 400);
  CHECK(c.signed_at == "2026-03-02T10:00:00Z");
  REQUIRE(c.strokes.size() == 1);
  CHECK(c.strokes[0].size() == 2);
  CHECK(c.png.empty());
}

TEST_CASE("render_signature_png draws dark anti-aliased strokes on white", "[signature]") {
  forms::SignatureCapture c = line_capture(0.1f, 0.5f, 0.9f, 0.5f);
  c.strokes.push_back({{0.5f, 0.2f, 100}});  // a dot
  auto png = kiosk::render_signature_png(c, 400, 200);
  REQUIRE(png.is_ok());
  const std::vector<std::uint8_t>& bytes = png.value();
  REQUIRE(bytes.size() > 8);
  const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  CHECK(std::memcmp(bytes.data(), sig, 8) == 0);

  const Decoded d = decode_png(bytes);
  REQUIRE(d.ok);
  CHECK(d.width == 400);
  CHECK(d.height == 200);
  CHECK(d.bit_depth == 8);
  CHECK(d.color_type == 0);  // greyscale

  // Along the line (y = 100): dark. The line is 0.012 * 400 = 4.8 px wide.
  for (std::uint32_t x : {40u, 41u, 100u, 200u, 300u, 359u}) {
    INFO("x = " << x);
    CHECK(d.at(x, 100) < 64);
    CHECK(d.at(x, 99) < 64);
  }
  CHECK(d.at(200, 40) < 64);  // the dot at (0.5, 0.2)
  // Round caps reach a little past the end points.
  CHECK(d.at(361, 100) < 128);
  // Paper: corners, well above and below the line, well past the ends.
  CHECK(d.at(0, 0) == 255);
  CHECK(d.at(399, 199) == 255);
  CHECK(d.at(200, 90) == 255);
  CHECK(d.at(200, 110) == 255);
  CHECK(d.at(20, 100) == 255);
  CHECK(d.at(380, 100) == 255);
  // Anti-aliased: the edge has grey pixels, not just black and white.
  int grey = 0;
  for (std::uint32_t y = 90; y < 110; ++y)
    if (d.at(200, y) > 0 && d.at(200, y) < 255) ++grey;
  CHECK(grey >= 1);
  // A 400x200 signature is a few KB, not a raw bitmap.
  CHECK(bytes.size() < 8000);

  SECTION("the same strokes give the same bytes") {
    auto again = kiosk::render_signature_png(c, 400, 200);
    REQUIRE(again.is_ok());
    CHECK(again.value() == bytes);
  }
}

TEST_CASE("render_signature_png joins the segments of a stroke without gaps", "[signature]") {
  // A V: two segments meeting at the bottom; the joint must be inked.
  forms::SignatureCapture c;
  c.strokes.push_back({{0.2f, 0.2f, 0}, {0.5f, 0.8f, 50}, {0.8f, 0.2f, 100}});
  auto png = kiosk::render_signature_png(c, 300, 300);
  REQUIRE(png.is_ok());
  const Decoded d = decode_png(png.value());
  REQUIRE(d.ok);
  CHECK(d.at(150, 239) < 64);  // the joint at (0.5, 0.8)
  CHECK(d.at(82, 105) < 64);  // on the first arm, a quarter of the way down: (82.5, 105)
  CHECK(d.at(150, 100) == 255);  // inside the V
}

TEST_CASE("render_signature_png of no strokes is blank paper", "[signature]") {
  forms::SignatureCapture c;
  auto png = kiosk::render_signature_png(c, 64, 64);
  REQUIRE(png.is_ok());
  const Decoded d = decode_png(png.value());
  REQUIRE(d.ok);
  bool all_white = true;
  for (std::uint8_t v : d.gray) all_white = all_white && v == 255;
  CHECK(all_white);
}

TEST_CASE("render_signature_png refuses sizes outside 64..4096 px", "[signature]") {
  const forms::SignatureCapture c = line_capture(0.1f, 0.5f, 0.9f, 0.5f);
  const std::pair<int, int> bad[] = {{63, 200}, {200, 63}, {4097, 200}, {200, 4097}, {0, 0}, {-400, 200}};
  for (const auto& [w, h] : bad) {
    INFO(w << "x" << h);
    auto r = kiosk::render_signature_png(c, w, h);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == platform::StatusKind::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("64..4096"));
    CHECK_THAT(r.status().message(), Catch::Contains(std::to_string(w) + "x" + std::to_string(h)));
  }
  SECTION("the bounds themselves are accepted") {
    CHECK(kiosk::render_signature_png(c, 64, 64).is_ok());
    auto wide = kiosk::render_signature_png(c, 4096, 64);
    REQUIRE(wide.is_ok());
    const Decoded d = decode_png(wide.value());
    REQUIRE(d.ok);
    CHECK(d.width == 4096);
    CHECK(d.height == 64);
  }
}
