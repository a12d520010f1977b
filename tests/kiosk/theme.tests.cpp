// kiosk/theme: the palettes and the WCAG contrast rule they must meet.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "kiosk/theme.h"

using kiosk::contrast_ratio;
using kiosk::rgb_hex;

TEST_CASE("contrast_ratio matches WCAG 2.x reference values", "[theme]") {
  const kiosk::Rgb black = rgb_hex(0x000000), white = rgb_hex(0xFFFFFF);
  CHECK(contrast_ratio(black, white) == Approx(21.0));
  CHECK(contrast_ratio(white, white) == Approx(1.0));
  CHECK(contrast_ratio(rgb_hex(0x1F4E96), rgb_hex(0x1F4E96)) == Approx(1.0));
  // #777777 on white is the classic "just fails AA" grey: 4.48:1.
  CHECK(contrast_ratio(rgb_hex(0x777777), white) == Approx(4.48).margin(0.005));
  // #767676 is the lightest grey that passes on white: 4.54:1.
  CHECK(contrast_ratio(rgb_hex(0x767676), white) == Approx(4.54).margin(0.005));
  // Pure primaries on white: red 4.0, blue 8.6, green 1.37.
  CHECK(contrast_ratio(rgb_hex(0xFF0000), white) == Approx(4.0).margin(0.01));
  CHECK(contrast_ratio(rgb_hex(0x0000FF), white) == Approx(8.59).margin(0.01));
  CHECK(contrast_ratio(rgb_hex(0x00FF00), white) == Approx(1.37).margin(0.01));

  SECTION("symmetric") {
    const kiosk::Rgb colours[] = {black, white, rgb_hex(0x777777), rgb_hex(0xFFE600), rgb_hex(0x1F4E96),
                                  rgb_hex(0xB42318)};
    for (const kiosk::Rgb& a : colours)
      for (const kiosk::Rgb& b : colours) CHECK(contrast_ratio(a, b) == contrast_ratio(b, a));
  }
  SECTION("relative luminance at the ends and the sRGB knee") {
    CHECK(kiosk::relative_luminance(black) == 0.0);
    CHECK(kiosk::relative_luminance(white) == Approx(1.0));
    // 10/255 = 0.0392 is below the knee: linear segment, c / 12.92.
    CHECK(kiosk::relative_luminance(rgb_hex(0x0A0A0A)) == Approx(10.0 / 255.0 / 12.92));
  }
}

TEST_CASE("rgb_hex and to_hex agree", "[theme]") {
  CHECK(rgb_hex(0x1F4E96) == kiosk::Rgb{0x1F, 0x4E, 0x96});
  CHECK(kiosk::to_hex(rgb_hex(0x1F4E96)) == "#1F4E96");
  CHECK(kiosk::to_hex(rgb_hex(0x000000)) == "#000000");
}

namespace {

void check_palette(const char* palette_name, const kiosk::Palette& p) {
  const std::vector<kiosk::ColorPair> pairs = kiosk::palette_pairs(p);
  REQUIRE(pairs.size() >= 20);
  std::set<std::string> names;
  std::string worst_name;
  double worst_margin = 1e9, worst_ratio = 0;
  for (const kiosk::ColorPair& pair : pairs) {
    CHECK(names.insert(pair.name).second);  // every pair listed once
    const double ratio = contrast_ratio(pair.fg, pair.bg);
    const double needed = kiosk::min_contrast(pair.kind);
    INFO(palette_name << ": " << pair.name << " " << kiosk::to_hex(pair.fg) << " on " << kiosk::to_hex(pair.bg)
                      << " = " << ratio << ":1, needs " << needed << ":1");
    CHECK(ratio >= needed);
    if (ratio / needed < worst_margin) {
      worst_margin = ratio / needed;
      worst_ratio = ratio;
      worst_name = pair.name;
    }
  }
  INFO(palette_name << ": the tightest pair is \"" << worst_name << "\" at " << worst_ratio << ":1");
  CHECK(worst_margin >= 1.0);

  // The non-text components the UI depends on are in the list, held to at least 3:1.
  for (const char* required : {"focus ring on background", "focus ring on surface", "progress fill on track",
                               "key on keyboard tray", "border on surface"}) {
    INFO(palette_name << ": " << required);
    bool found = false;
    for (const kiosk::ColorPair& pair : pairs) {
      if (pair.name != required) continue;
      found = true;
      CHECK(pair.kind == kiosk::PairKind::kNonText);
      CHECK(contrast_ratio(pair.fg, pair.bg) >= 3.0);
    }
    CHECK(found);
  }
  // And the body text pairs are held to the text rule.
  for (const kiosk::ColorPair& pair : pairs) {
    if (pair.name.find("text") != std::string::npos || pair.name.find("label") != std::string::npos) {
      INFO(palette_name << ": " << pair.name);
      CHECK(pair.kind == kiosk::PairKind::kText);
      CHECK(contrast_ratio(pair.fg, pair.bg) >= 4.5);
    }
  }
}

}  // namespace

TEST_CASE("every colour pair of the normal palette meets WCAG AA", "[theme]") {
  check_palette("normal", kiosk::normal_palette());
}

TEST_CASE("every colour pair of the high-contrast palette meets WCAG AA", "[theme]") {
  check_palette("high contrast", kiosk::high_contrast_palette());
}

TEST_CASE("the high-contrast palette is light on black, and stronger than the normal one", "[theme]") {
  const kiosk::Palette hc = kiosk::high_contrast_palette();
  const kiosk::Palette normal = kiosk::normal_palette();
  CHECK(hc.background == rgb_hex(0x000000));
  CHECK(hc.text == rgb_hex(0xFFFFFF));
  CHECK(contrast_ratio(hc.text, hc.background) >= 7.0);  // AAA
  CHECK(contrast_ratio(hc.text, hc.background) >= contrast_ratio(normal.text, normal.background));
  CHECK(kiosk::relative_luminance(normal.background) > 0.8);  // a light page
  // The signature pad stays white on white paper in both: what the participant sees is the PNG.
  CHECK(hc.signature_pad == rgb_hex(0xFFFFFF));
  CHECK(normal.signature_pad == rgb_hex(0xFFFFFF));
}

TEST_CASE("a palette with a failing pair is caught", "[theme]") {
  // The rule can fail: the classic light-grey hint text on white does not pass.
  kiosk::Palette p = kiosk::normal_palette();
  p.text_muted = rgb_hex(0x999999);
  bool caught = false;
  for (const kiosk::ColorPair& pair : kiosk::palette_pairs(p))
    if (contrast_ratio(pair.fg, pair.bg) < kiosk::min_contrast(pair.kind)) caught = true;
  CHECK(caught);
}
