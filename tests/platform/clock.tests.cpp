// Tests for platform/clock.h: RFC 3339 formatting and parsing, FakeClock, SystemClock offset.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "platform/clock.h"

using namespace platform;

namespace {

std::int64_t system_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t parsed(std::string_view s) {
  Result<std::int64_t> r = parse_rfc3339(s);
  INFO("parsing '" << std::string(s) << "': " << r.status().to_string());
  REQUIRE(r.is_ok());
  return *r;
}

}  // namespace

TEST_CASE("format_rfc3339_utc formats known instants", "[platform][clock]") {
  CHECK(format_rfc3339_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_utc(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(format_rfc3339_utc(1795959782123) == "2026-11-29T13:43:02.123Z");
  CHECK(format_rfc3339_utc(1700000000000) == "2023-11-14T22:13:20.000Z");
  CHECK(format_rfc3339_utc(1) == "1970-01-01T00:00:00.001Z");
  CHECK(format_rfc3339_utc(86399999) == "1970-01-01T23:59:59.999Z");
  CHECK(format_rfc3339_utc(253402300799999) == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("format_rfc3339_utc handles times before 1970", "[platform][clock]") {
  CHECK(format_rfc3339_utc(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339_utc(-86400000) == "1969-12-31T00:00:00.000Z");
  CHECK(format_rfc3339_utc(-86400001) == "1969-12-30T23:59:59.999Z");
  CHECK(format_rfc3339_utc(-14182940000) == "1969-07-20T20:17:40.000Z");
}

TEST_CASE("parse_rfc3339 round-trips what format_rfc3339_utc writes", "[platform][clock]") {
  const std::int64_t samples[] = {0,           1,           -1,          999,
                                  -999,        86399999,    -86400001,   951782400000,
                                  951868799999, 1795959782123, -14182940000, 253402300799999,
                                  4107542400000 /* 2100-03-01 */};
  for (std::int64_t ms : samples) {
    std::string text = format_rfc3339_utc(ms);
    INFO(ms << " -> " << text);
    CHECK(parsed(text) == ms);
  }
}

TEST_CASE("parse_rfc3339 reads known instants", "[platform][clock]") {
  SECTION("without a fraction") { CHECK(parsed("2000-02-29T00:00:00Z") == 951782400000); }
  SECTION("fractions of various lengths") {
    CHECK(parsed("1970-01-01T00:00:00.1Z") == 100);
    CHECK(parsed("1970-01-01T00:00:00.12Z") == 120);
    CHECK(parsed("1970-01-01T00:00:00.123Z") == 123);
    CHECK(parsed("1970-01-01T00:00:00.123999Z") == 123);  // truncated to milliseconds
  }
  SECTION("a positive offset") {
    CHECK(parsed("2026-11-29T22:43:02.123+09:00") == parsed("2026-11-29T13:43:02.123Z"));
    CHECK(parsed("2026-11-29T22:43:02.123+09:00") == 1795959782123);
  }
  SECTION("an offset that crosses midnight and a leap day") {
    CHECK(parsed("2000-03-01T08:00:00+09:00") == 951865200000);
    CHECK(format_rfc3339_utc(parsed("2000-03-01T08:00:00+09:00")) == "2000-02-29T23:00:00.000Z");
  }
  SECTION("a negative offset with minutes") {
    CHECK(parsed("2026-11-29T08:13:02.123-05:30") == 1795959782123);
  }
  SECTION("a zero offset equals Z") {
    CHECK(parsed("2026-11-29T13:43:02.123+00:00") == 1795959782123);
    CHECK(parsed("2026-11-29T13:43:02.123-00:00") == 1795959782123);
  }
}

TEST_CASE("parse_rfc3339 rejects malformed strings", "[platform][clock]") {
  const char* bad = GENERATE(
      "",                                  // empty
      "2026",                              // truncated
      "2026-13-01T00:00:00Z",              // month 13
      "2026-00-01T00:00:00Z",              // month 0
      "2026-01-00T00:00:00Z",              // day 0
      "2026-01-32T00:00:00Z",              // day 32
      "2026-04-31T00:00:00Z",              // April has 30 days
      "2026-02-29T00:00:00Z",              // not a leap year
      "1900-02-29T00:00:00Z",              // not a leap year (century)
      "2026-01-01T24:00:00Z",              // hour 24
      "2026-01-01T00:60:00Z",              // minute 60
      "2026-01-01T00:00:61Z",              // second 61
      "2026-01-01T00:00:00",               // missing Z
      "2026-01-01T00:00:00.123",           // missing Z after a fraction
      "2026-01-01T00:00:00Zjunk",          // trailing junk
      "2026-01-01T00:00:00Z ",             // trailing space
      " 2026-01-01T00:00:00Z",             // leading space
      "2026-01-01T00:00:00.Z",             // empty fraction
      "2026-01-01 00:00:00Z",              // space instead of T
      "2026/01/01T00:00:00Z",              // wrong separators
      "2026-1-01T00:00:00Z",               // one-digit month
      "26-01-01T00:00:00Z",                // two-digit year
      "2026-01-01T00:00Z",                 // no seconds
      "2026-01-01T00:00:00+0900",          // offset without colon
      "2026-01-01T00:00:00+09",            // offset without minutes
      "2026-01-01T00:00:00+9:00",          // one-digit offset hour
      "2026-01-01T00:00:00+24:00",         // offset hour out of range
      "2026-01-01T00:00:00+09:60",         // offset minute out of range
      "2026-01-01T00:00:00+09:00Z",        // offset and Z
      "2026-01-01T00:00:00.123+09:00x",    // junk after the offset
      "2026-01-01T0a:00:00Z",              // letter in the hour
      "yyyy-mm-ddThh:mm:ssZ");
  INFO("'" << bad << "'");
  Result<std::int64_t> r = parse_rfc3339(bad);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
}

TEST_CASE("parse_rfc3339 accepts the last day of each month", "[platform][clock]") {
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").is_ok());  // leap year
  CHECK(parse_rfc3339("2000-02-29T00:00:00Z").is_ok());  // leap century
  CHECK(parse_rfc3339("2026-01-31T23:59:59Z").is_ok());
  CHECK(parse_rfc3339("2026-04-30T00:00:00Z").is_ok());
  CHECK(parse_rfc3339("2026-12-31T23:59:59.999Z").is_ok());
  CHECK(parse_rfc3339("2026-01-01T00:00:00+23:59").is_ok());
}

TEST_CASE("FakeClock returns exactly what it is set to", "[platform][clock]") {
  FakeClock c(1795959782123);
  CHECK(c.now_unix_ms() == 1795959782123);
  CHECK(c.now_unix_ms() == 1795959782123);  // does not move by itself

  SECTION("set") {
    c.set(42);
    CHECK(c.now_unix_ms() == 42);
    c.set(-5);
    CHECK(c.now_unix_ms() == -5);
  }
  SECTION("advance") {
    c.advance_ms(1000);
    CHECK(c.now_unix_ms() == 1795959783123);
    c.advance_ms(-2000);
    CHECK(c.now_unix_ms() == 1795959781123);
  }
  SECTION("usable through the Clock interface") {
    const Clock& base = c;
    c.advance_ms(1);
    CHECK(base.now_unix_ms() == 1795959782124);
  }
}

TEST_CASE("SystemClock follows the system time, shifted by its offset", "[platform][clock]") {
  SystemClock c;
  CHECK(c.offset_ms() == 0);

  SECTION("no offset") {
    std::int64_t before = system_ms();
    std::int64_t now = c.now_unix_ms();
    std::int64_t after = system_ms();
    CHECK(now >= before);
    CHECK(now <= after);
  }
  SECTION("a positive or negative offset shifts now") {
    const std::int64_t offset = GENERATE(std::int64_t{3'600'000}, std::int64_t{-86'400'000});
    c.set_offset_ms(offset);
    CHECK(c.offset_ms() == offset);
    std::int64_t before = system_ms();
    std::int64_t now = c.now_unix_ms();
    std::int64_t after = system_ms();
    CHECK(now >= before + offset);
    CHECK(now <= after + offset);
  }
}
