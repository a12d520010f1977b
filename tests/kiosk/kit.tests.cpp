// Specimen kit barcodes (ISO/IEC 7064 MOD 37,36 check character) and the scanner burst
// detector (kiosk/kit.h): a scan typed while the on-screen keyboard is in Hangul mode still
// arrives as ASCII, because it never reaches the composer.
#include "kiosk/kit.h"

#include <catch2/catch.hpp>

#include "kiosk/keyboard.h"

using Catch::Matchers::Contains;
using kiosk::KitKind;
using kiosk::ScanDetector;

TEST_CASE("ISO/IEC 7064 MOD 37,36 matches published check characters", "[kiosk][kit]") {
  // GRid's example (A1-2425G-ABC1234002-M) and vectors shared by independent implementations.
  CHECK(kiosk::iso7064_mod37_36_check("A12425GABC1234002") == 'M');
  CHECK(kiosk::iso7064_mod37_36_check("RABD") == 'A');
  CHECK(kiosk::iso7064_mod37_36_check("X0H") == 'X');
  CHECK(kiosk::iso7064_mod37_36_check("TBR") == '1');
  CHECK(kiosk::iso7064_mod37_36_check("B7Q3SFTUSH2QN7BIXBPMNZAM") == 'I');
}

TEST_CASE("Kit barcodes: BBD-<B|U>-<8 digits>-<check>, test vectors for docs/OPERATIONS.md",
          "[kiosk][kit]") {
  CHECK(kiosk::make_kit_barcode(KitKind::kBlood, "00012345") == "BBD-B-00012345-Q");
  CHECK(kiosk::make_kit_barcode(KitKind::kUrine, "00012345") == "BBD-U-00012345-Y");
  CHECK(kiosk::make_kit_barcode(KitKind::kBlood, "12345678") == "BBD-B-12345678-8");
  CHECK(kiosk::make_kit_barcode(KitKind::kUrine, "12345678") == "BBD-U-12345678-J");

  auto ok = kiosk::parse_kit_barcode("  bbd-u-12345678-j \r\n");
  REQUIRE(ok.is_ok());
  CHECK(ok->text == "BBD-U-12345678-J");
  CHECK(ok->kind == KitKind::kUrine);
  CHECK(kiosk::parse_kit_barcode("BBD-B-00012345-Q")->kind == KitKind::kBlood);

  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b :
       {Bad{"BBD-B-0012345-Q", "characters"}, Bad{"", "characters"},
        Bad{"XBD-B-00012345-Q", "format"}, Bad{"BBD-B00012345-QQ", "format"},
        Bad{"BBD-X-00012345-Q", "type letter"}, Bad{"BBD-B-0001234A-Q", "8 digits"},
        Bad{"BBD-B-00012345-R", "check character"}, Bad{"BBD-B-00012345-*", "check character"},
        Bad{"BBD-U-00012345-Q", "check character"}}) {  // a blood label read as urine
    INFO(b.text);
    auto r = kiosk::parse_kit_barcode(b.text);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Contains(b.says));
  }
}

TEST_CASE("The check character catches every single wrong digit and every swap of neighbours",
          "[kiosk][kit]") {
  const std::string good = kiosk::make_kit_barcode(KitKind::kBlood, "40718263");
  REQUIRE(kiosk::parse_kit_barcode(good).is_ok());
  int tried = 0;
  for (std::size_t pos = 6; pos < 14; ++pos) {
    for (char d = '0'; d <= '9'; ++d) {
      if (d == good[pos]) continue;
      std::string typo = good;
      typo[pos] = d;
      INFO(typo);
      CHECK_FALSE(kiosk::parse_kit_barcode(typo).is_ok());
      ++tried;
    }
    if (pos + 1 < 14 && good[pos] != good[pos + 1]) {
      std::string swapped = good;
      std::swap(swapped[pos], swapped[pos + 1]);
      INFO(swapped);
      CHECK_FALSE(kiosk::parse_kit_barcode(swapped).is_ok());
    }
  }
  CHECK(tried == 72);
}

namespace {

// Feeds `text` then Enter to the detector, one key every `gap_ms`; collects what comes out.
ScanDetector::Output feed(ScanDetector& d, const std::string& text, std::int64_t start,
                          std::int64_t gap_ms, bool enter = true) {
  ScanDetector::Output all;
  std::int64_t t = start;
  auto take = [&](ScanDetector::Output o) {
    if (o.scan) all.scan = o.scan;
    all.typed += o.typed;
  };
  for (char c : text) {
    take(d.key(static_cast<char32_t>(c), t));
    t += gap_ms;
  }
  if (enter) take(d.key(kiosk::kKeyEnter, t));
  take(d.poll(t + 1000));
  return all;
}

}  // namespace

TEST_CASE("A scanner burst typed while the keyboard is in Hangul mode arrives as ASCII",
          "[kiosk][kit][scanner]") {
  const std::string code = "BBD-B-00012345-Q";
  kiosk::TextEntry field(kiosk::KeyboardMode::kHangul, 64);
  ScanDetector d;
  // The app's routing: scans go to the kit slot, typed keys to the focused field.
  auto route = [&](const ScanDetector::Output& o, std::optional<std::string>& scanned) {
    if (o.scan) scanned = o.scan;
    for (char32_t c : o.typed)
      if (c < 0x80 && c != kiosk::kKeyEnter) field.press_code(static_cast<char>(c));
  };
  std::optional<std::string> scanned;
  std::int64_t t = 1000;
  for (char c : code) {
    route(d.key(static_cast<char32_t>(c), t), scanned);
    t += 4;  // a scanner: ~4 ms per key
  }
  route(d.key(U'\r', t), scanned);
  route(d.poll(t + 500), scanned);
  REQUIRE(scanned.has_value());
  CHECK(*scanned == code);
  CHECK(kiosk::parse_kit_barcode(*scanned).is_ok());
  CHECK(field.text().empty());  // nothing reached the Hangul composer
  CHECK(field.mode() == kiosk::KeyboardMode::kHangul);

  // Why it matters: the same keys through the composer are not the barcode at all.
  kiosk::TextEntry naive(kiosk::KeyboardMode::kHangul, 64);
  for (char c : code) naive.press_code(c);
  naive.commit();
  CHECK(naive.text() != code);

  SECTION("a person typing in Hangul mode still composes Hangul") {
    ScanDetector::Output o = feed(d, "dkssud", 5000, 150, false);  // 안녕, a key every 150 ms
    CHECK_FALSE(o.scan.has_value());
    CHECK(o.typed == U"dkssud");
    for (char32_t c : o.typed) field.press_code(static_cast<char>(c));
    field.commit();
    CHECK(field.text() == "안녕");
  }
}

TEST_CASE(
    "Only fast, long, ASCII runs ended by Enter are scans, everything else is typing, in order",
    "[kiosk][kit][scanner]") {
  ScanDetector d;
  SECTION("a burst") {
    auto o = feed(d, "BBD-U-00012345-Y", 0, 8);
    CHECK(o.scan == std::optional<std::string>("BBD-U-00012345-Y"));
    CHECK(o.typed.empty());
  }
  SECTION("too slow between keys") {
    auto o = feed(d, "BBD-U-00012345-Y", 0, kiosk::kScanMaxGapMs + 1);
    CHECK_FALSE(o.scan);
    CHECK(o.typed == U"BBD-U-00012345-Y\n");
  }
  SECTION("a pause before Enter") {
    for (char c : std::string("BBD-U-00012345-Y")) d.key(static_cast<char32_t>(c), 0);
    auto o = d.key(kiosk::kKeyEnter, 200);
    CHECK_FALSE(o.scan);
    CHECK(o.typed == U"BBD-U-00012345-Y\n");
  }
  SECTION("too short") {
    auto o = feed(d, "1234567", 0, 2);
    CHECK_FALSE(o.scan);
    CHECK(o.typed == U"1234567\n");
  }
  SECTION("no Enter: released after the gap, by poll()") {
    auto o = d.key(U'7', 100);
    CHECK(o.typed.empty());
    REQUIRE(d.wake_at().has_value());
    CHECK(*d.wake_at() == 100 + kiosk::kScanMaxGapMs + 1);
    CHECK(d.poll(100 + kiosk::kScanMaxGapMs).typed.empty());
    CHECK(d.poll(*d.wake_at()).typed == U"7");
    CHECK_FALSE(d.wake_at().has_value());
  }
  SECTION("a key that is not printable ASCII releases what was held, in order") {
    d.key(U'a', 0);
    d.key(U'b', 2);
    auto o = d.key(U'가', 4);
    CHECK(o.typed == U"ab가");
    CHECK_FALSE(d.wake_at().has_value());
  }
  SECTION("typing, then a scan right after") {
    auto typed = feed(d, "ab", 0, 200, false);
    CHECK(typed.typed == U"ab");
    auto o = feed(d, "BBD-B-00012345-Q", 2000, 5);
    CHECK(o.scan == std::optional<std::string>("BBD-B-00012345-Q"));
  }
  SECTION("reset drops held keys") {
    d.key(U'x', 0);
    d.reset();
    CHECK(d.poll(1000).typed.empty());
  }
}
