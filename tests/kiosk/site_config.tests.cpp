// kiosk/site_config: site.json, strict and explained.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kiosk/site_config.h"
#include "test_support.h"

using kiosk::parse_site_config;
using kiosk::SiteConfig;

namespace {

std::string message_of(std::string_view json_text) {
  auto r = parse_site_config(json_text);
  if (r.is_ok()) return "(accepted)";
  CHECK(r.status().kind() == platform::StatusKind::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("the defaults are a 23.8-inch panel, two minutes idle, both languages, all types", "[site_config]") {
  const SiteConfig c;
  CHECK(c.panel_width_mm == 527);
  CHECK(c.panel_height_mm == 296);
  CHECK(c.idle_seconds == 120);
  CHECK(c.idle_warning_seconds == 30);
  CHECK(c.max_extensions == 10);
  CHECK(c.languages == std::vector<std::string>{"ko", "en"});
  CHECK(c.participation_types == std::vector<std::string>{"rare", "severe", "general"});
  CHECK_FALSE(c.collect_rrn);
  CHECK(c.thank_you_seconds == 30);
}

TEST_CASE("site_config_to_json round-trips through parse_site_config", "[site_config]") {
  SECTION("the defaults") {
    const std::string text = kiosk::site_config_to_json(SiteConfig{});
    CHECK(text.back() == '\n');
    CHECK(text.find("\n  \"idle_seconds\": 120") != std::string::npos);  // pretty, two spaces
    CHECK(text.find("\"panel_width_mm\"") < text.find("\"thank_you_seconds\""));  // declaration order
    auto back = parse_site_config(text);
    REQUIRE(back.is_ok());
    CHECK(*back == SiteConfig{});
  }
  SECTION("every field changed, at its limits") {
    SiteConfig c;
    c.panel_width_mm = 344.16;
    c.panel_height_mm = 2000;
    c.idle_seconds = 30;
    c.idle_warning_seconds = 300;
    c.max_extensions = 100;
    c.languages = {"en"};
    c.participation_types = {"general", "rare"};
    c.collect_rrn = true;
    c.thank_you_seconds = 5;
    auto back = parse_site_config(kiosk::site_config_to_json(c));
    REQUIRE(back.is_ok());
    CHECK(*back == c);
  }
}

TEST_CASE("keys left out take their defaults", "[site_config]") {
  auto empty = parse_site_config("{}");
  REQUIRE(empty.is_ok());
  CHECK(*empty == SiteConfig{});
  auto some = parse_site_config(R"({"collect_rrn": true, "languages": ["en", "ko"]})");
  REQUIRE(some.is_ok());
  CHECK(some->collect_rrn);
  CHECK(some->languages == std::vector<std::string>{"en", "ko"});
  CHECK(some->idle_seconds == 120);
}

TEST_CASE("each limit is refused with its JSON pointer and what is allowed", "[site_config]") {
  struct Case {
    const char* json;
    const char* expect;
  };
  const Case cases[] = {
      {R"({"panel_width_mm": 99.5})", "/panel_width_mm: 99.5 is below the minimum 100"},
      {R"({"panel_width_mm": 2001})", "/panel_width_mm: 2001 is above the maximum 2000"},
      {R"({"panel_height_mm": 0})", "/panel_height_mm: 0 is below the minimum 100"},
      {R"({"panel_height_mm": 5000})", "/panel_height_mm: 5000 is above the maximum 2000"},
      {R"({"idle_seconds": 29})", "/idle_seconds: 29 is below the minimum 30"},
      {R"({"idle_seconds": 1801})", "/idle_seconds: 1801 is above the maximum 1800"},
      {R"({"idle_warning_seconds": 10})",
       "/idle_warning_seconds: 10 is below the minimum 20 (the participant needs time to react)"},
      {R"({"idle_warning_seconds": 301})", "/idle_warning_seconds: 301 is above the maximum 300"},
      {R"({"max_extensions": 9})", "/max_extensions: 9 is below the minimum 10"},
      {R"({"max_extensions": 101})", "/max_extensions: 101 is above the maximum 100"},
      {R"({"thank_you_seconds": 4})", "/thank_you_seconds: 4 is below the minimum 5"},
      {R"({"thank_you_seconds": 301})", "/thank_you_seconds: 301 is above the maximum 300"},
      {R"({"idle_seconds": -5})", "/idle_seconds: -5 is below the minimum 30"},
      {R"({"idle_seconds": 18446744073709551615})", "/idle_seconds: 18446744073709551615 is above the maximum 1800"},
      {R"({"idle_seconds": 120.5})", "/idle_seconds: 120.5 is not a whole number (allowed: 30..1800 seconds)"},
      {R"({"idle_seconds": "120"})", "/idle_seconds: \"120\" is a string; expected a whole number"},
      {R"({"panel_width_mm": null})", "/panel_width_mm: null is a null; expected a number of mm"},
      {R"({"collect_rrn": "yes"})", "/collect_rrn: \"yes\" is a string; expected true or false"},
      {R"({"collect_rrn": 1})", "/collect_rrn: 1 is a number; expected true or false"},
      {R"({"languages": []})", "/languages: the list is empty; give at least one of ko, en"},
      {R"({"languages": "ko"})", "/languages: \"ko\" is a string; expected a list"},
      {R"({"languages": ["ko", "fr"]})", "/languages/1: \"fr\" is not a supported language (allowed: ko, en)"},
      {R"({"languages": ["ko", "en", "ko"]})", "/languages/2: \"ko\" is listed twice"},
      {R"({"languages": [1]})", "/languages/0: 1 is a number; expected one of ko, en"},
      {R"({"participation_types": []})", "/participation_types: the list is empty"},
      {R"({"participation_types": ["rare", "healthy"]})",
       "/participation_types/1: \"healthy\" is not a participation type (allowed: rare, severe, general)"},
  };
  for (const Case& c : cases) {
    INFO(c.json);
    CHECK_THAT(message_of(c.json), Catch::Contains(c.expect));
  }
}

TEST_CASE("unknown keys are refused, naming the known ones", "[site_config]") {
  const std::string m = message_of(R"({"idle_second": 100})");
  CHECK_THAT(m, Catch::Contains("/idle_second: unknown setting"));
  CHECK_THAT(m, Catch::Contains("idle_seconds"));
  CHECK_THAT(message_of(R"({"a/b~c": 1})"), Catch::Contains("/a~1b~0c: unknown setting"));  // RFC 6901
}

TEST_CASE("a key given twice is refused", "[site_config]") {
  CHECK_THAT(message_of(R"({"idle_seconds": 60, "idle_seconds": 90})"),
             Catch::Contains("/idle_seconds: given more than once"));
}

TEST_CASE("several problems are reported together, one per line", "[site_config]") {
  const std::string m = message_of(R"({
    "idle_warning_seconds": 10,
    "languages": ["ko", "jp"],
    "colour": "blue",
    "thank_you_seconds": 1000
  })");
  CHECK_THAT(m, Catch::StartsWith("4 problems in the site settings:\n"));
  CHECK_THAT(m, Catch::Contains("\n/idle_warning_seconds: 10 is below the minimum 20"));
  CHECK_THAT(m, Catch::Contains("\n/languages/1: \"jp\" is not a supported language"));
  CHECK_THAT(m, Catch::Contains("\n/colour: unknown setting"));
  CHECK_THAT(m, Catch::Contains("\n/thank_you_seconds: 1000 is above the maximum 300"));
}

TEST_CASE("a document that is not an object, or not JSON, is refused with where", "[site_config]") {
  CHECK_THAT(message_of("[]"), Catch::Contains("must be a JSON object"));
  CHECK_THAT(message_of("42"), Catch::Contains("must be a JSON object"));

  SECTION("a syntax error names the line, column and byte") {
    const std::string m = message_of("{\n  \"idle_seconds\": 120,\n  oops\n}");
    CHECK_THAT(m, Catch::StartsWith("not valid JSON at line 3, column 3 (byte 28)"));
  }
  SECTION("a trailing comma") {
    CHECK_THAT(message_of("{\"idle_seconds\": 120,}"), Catch::Contains("not valid JSON at line 1"));
  }
  SECTION("an empty file") {
    CHECK_THAT(message_of(""), Catch::StartsWith("not valid JSON at line 1"));
  }
  SECTION("a number too large for a double") {
    CHECK_THAT(message_of(R"({"panel_width_mm": 1e999})"), Catch::StartsWith("not valid JSON"));
  }
}

TEST_CASE("load_site_config creates the defaults only when asked", "[site_config]") {
  testing_support::TempDir dir;
  const auto path = dir / "site.json";

  SECTION("missing and not asked: not found, naming the path") {
    auto r = kiosk::load_site_config(dir.path(), false);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == platform::StatusKind::kNotFound);
    CHECK_THAT(r.status().message(), Catch::Contains(path.string()));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  SECTION("missing and asked: written with the defaults, private, and read back") {
    auto r = kiosk::load_site_config(dir.path(), true);
    REQUIRE(r.is_ok());
    CHECK(*r == SiteConfig{});
    REQUIRE(std::filesystem::exists(path));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(testing_support::read_all(path) == kiosk::site_config_to_json(SiteConfig{}));
    auto again = kiosk::load_site_config(dir.path(), false);
    REQUIRE(again.is_ok());
    CHECK(*again == SiteConfig{});
  }
  SECTION("an existing file is read, never replaced") {
    testing_support::write_all(path, R"({"idle_seconds": 300, "languages": ["ko"]})");
    auto r = kiosk::load_site_config(dir.path(), true);
    REQUIRE(r.is_ok());
    CHECK(r->idle_seconds == 300);
    CHECK(r->languages == std::vector<std::string>{"ko"});
    CHECK(testing_support::read_all(path) == R"({"idle_seconds": 300, "languages": ["ko"]})");
  }
  SECTION("a bad file is refused with its path and the problem, and left alone") {
    testing_support::write_all(path, "{\"idle_warning_seconds\": 10}");
    auto r = kiosk::load_site_config(dir.path(), true);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == platform::StatusKind::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::StartsWith(path.string() + ": "));
    CHECK_THAT(r.status().message(), Catch::Contains("/idle_warning_seconds: 10 is below the minimum 20"));
    CHECK(testing_support::read_all(path) == "{\"idle_warning_seconds\": 10}");
  }
  SECTION("a syntax error names the file and the line") {
    testing_support::write_all(path, "{\n\"idle_seconds\": 120\n\"languages\": []}");
    auto r = kiosk::load_site_config(dir.path(), false);
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::StartsWith(path.string() + ": not valid JSON at line 3"));
  }
  SECTION("a missing data dir is not created") {
    auto r = kiosk::load_site_config(dir / "nowhere", true);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == platform::StatusKind::kNotFound);
    CHECK_THAT(r.status().message(), Catch::Contains("nowhere"));
    CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));
  }
}

TEST_CASE("mm_to_px scales by the panel's physical size", "[site_config]") {
  // 1920 px across 527 mm: 3.64 px/mm, so a 12 mm target is about 43.7 px.
  CHECK(kiosk::mm_to_px(12, 1920, 527) == Approx(43.72).margin(0.01));
  // The same panel at 4K needs twice the pixels.
  CHECK(kiosk::mm_to_px(12, 3840, 527) == Approx(2 * kiosk::mm_to_px(12, 1920, 527)));
  CHECK(kiosk::mm_to_px(0, 1920, 527) == 0.0);
  // A nonsensical panel size falls back to the default panel rather than to 0 px targets.
  CHECK(kiosk::mm_to_px(12, 1920, 0) == Approx(kiosk::mm_to_px(12, 1920, 527)));

  SECTION("min_touch_target_px takes the larger of the two axes") {
    SiteConfig c;  // 527 x 296 mm
    CHECK(kiosk::min_touch_target_px(c, 1920, 1080) == Approx(std::max(12 * 1920 / 527.0, 12 * 1080 / 296.0)));
    c.panel_width_mm = 344;  // a 10.1" tablet, 1280 x 800
    c.panel_height_mm = 215;
    CHECK(kiosk::min_touch_target_px(c, 1280, 800) == Approx(std::max(12 * 1280 / 344.0, 12 * 800 / 215.0)));
  }
}

TEST_CASE("the low layout's band comes from the mounting height and the reach, checked together", "[site_config][a11y]") {
  SECTION("defaults: a 150 mm band, about 70 % of a 15.6-inch 1280x800 panel and half of the default one") {
    const SiteConfig c;
    CHECK(c.panel_bottom_mm == 1050);
    CHECK(c.reach_top_mm == 1200);
    CHECK(c.voice_guidance);
    CHECK(c.low_band_mm() == Approx(150));
    SiteConfig small = c;
    small.panel_width_mm = 336;  // 15.6", 16:10
    small.panel_height_mm = 210;
    CHECK(small.low_band_mm() / small.panel_height_mm == Approx(0.714).margin(0.01));
    CHECK(c.low_band_mm() / c.panel_height_mm == Approx(0.507).margin(0.01));
  }
  SECTION("a band taller than the panel is the whole panel") {
    auto r = parse_site_config(R"({"panel_height_mm": 210, "panel_bottom_mm": 800, "reach_top_mm": 1200})");
    REQUIRE(r.is_ok());
    CHECK(r->low_band_mm() == Approx(210));
  }
  SECTION("the new keys round-trip and are validated") {
    SiteConfig c;
    c.panel_bottom_mm = 900.5;
    c.reach_top_mm = 1100;
    c.voice_guidance = false;
    auto back = parse_site_config(kiosk::site_config_to_json(c));
    REQUIRE(back.is_ok());
    CHECK(*back == c);
    CHECK(back->low_band_mm() == Approx(199.5));
    CHECK(message_of(R"({"panel_bottom_mm": 200})").find("/panel_bottom_mm: 200 is below the minimum 300") == 0);
    CHECK(message_of(R"({"reach_top_mm": 1700})").find("/reach_top_mm: 1700 is above the maximum 1600") == 0);
    CHECK(message_of(R"({"reach_top_mm": "1200"})").find("/reach_top_mm: \"1200\" is a string") == 0);
    CHECK(message_of(R"({"voice_guidance": 1})") == "/voice_guidance: 1 is a number; expected true or false");
  }
  SECTION("heights that leave less than 100 mm for the band are refused, naming both") {
    const std::string m = message_of(R"({"panel_bottom_mm": 1150, "reach_top_mm": 1200})");
    INFO(m);
    CHECK(m.find("/reach_top_mm:") == 0);
    CHECK(m.find("band of 50") != std::string::npos);
    CHECK(m.find("/panel_bottom_mm") != std::string::npos);
    CHECK(m.find("at least 100") != std::string::npos);
    CHECK(message_of(R"({"panel_bottom_mm": 1100, "reach_top_mm": 1200})") == "(accepted)");
  }
  SECTION("an unknown key lists the new ones as known") {
    CHECK(message_of(R"({"reach_top": 1200})").find("reach_top_mm") != std::string::npos);
    CHECK(message_of(R"({"reach_top": 1200})").find("voice_guidance") != std::string::npos);
  }
}
