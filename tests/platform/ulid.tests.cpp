// Tests for platform/ulid.h: format, ordering (same millisecond, clock going back),
// time decoding, validation, and concurrent use.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "platform/clock.h"
#include "platform/ulid.h"

using namespace platform;

namespace {
constexpr std::int64_t kT0 = 1795959782123;  // 2026-11-29T13:43:02.123Z
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

TEST_CASE("A new ULID is 26 valid characters encoding the clock's time", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  std::string id = gen.next();
  CHECK(id.size() == 26);
  CHECK(is_valid_ulid(id));
  CHECK(id.find_first_not_of(kCrockford) == std::string::npos);
  CHECK(ulid_time_ms(id) == kT0);
}

TEST_CASE("The time part of a ULID is the standard encoding", "[platform][ulid]") {
  // From the ULID specification's reference implementation: time 1469918176385.
  FakeClock clock(1469918176385);
  UlidGenerator gen(clock);
  CHECK(gen.next().substr(0, 10) == "01ARYZ6S41");

  SECTION("epoch") {
    FakeClock zero(0);
    UlidGenerator g0(zero);
    CHECK(g0.next().substr(0, 10) == "0000000000");
  }
}

TEST_CASE("ulid_time_ms decodes the time", "[platform][ulid]") {
  CHECK(ulid_time_ms("01ARYZ6S41TSV4RRFFQ69G5FAV") == 1469918176385);
  CHECK(ulid_time_ms("00000000000000000000000000") == 0);
  CHECK(ulid_time_ms("7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == (std::int64_t{1} << 48) - 1);

  for (std::int64_t t : {std::int64_t{1}, std::int64_t{951782400000}, kT0, (std::int64_t{1} << 48) - 1}) {
    FakeClock clock(t);
    UlidGenerator gen(clock);
    INFO(t);
    CHECK(ulid_time_ms(gen.next()) == t);
  }
}

TEST_CASE("Ids from a clock that does not move are strictly increasing and unique", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  std::vector<std::string> ids;
  ids.reserve(10000);
  for (int i = 0; i < 10000; ++i) ids.push_back(gen.next());

  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (!(ids[i - 1] < ids[i])) {
      FAIL("id " << i << " " << ids[i] << " does not sort after " << ids[i - 1]);
    }
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());
  for (const std::string& id : ids) {
    if (!is_valid_ulid(id) || ulid_time_ms(id) != kT0) FAIL("bad id " << id);
  }
}

TEST_CASE("Ids stay strictly increasing when the clock goes backwards", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(gen.next());
  clock.set(kT0 - 5000);  // an NTP step backwards
  for (int i = 0; i < 100; ++i) ids.push_back(gen.next());
  clock.set(0);
  for (int i = 0; i < 100; ++i) ids.push_back(gen.next());

  CHECK(std::adjacent_find(ids.begin(), ids.end(),
                           [](const std::string& a, const std::string& b) { return !(a < b); }) ==
        ids.end());
  // The time part does not go back either.
  CHECK(ulid_time_ms(ids.back()) == kT0);

  SECTION("and move on once the clock passes the last time") {
    clock.set(kT0 + 1);
    std::string next = gen.next();
    CHECK(next > ids.back());
    CHECK(ulid_time_ms(next) == kT0 + 1);
  }
}

TEST_CASE("Ids from later milliseconds sort after earlier ones", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  std::string prev = gen.next();
  for (int i = 0; i < 1000; ++i) {
    clock.advance_ms(1 + i % 7);
    std::string id = gen.next();
    if (!(prev < id)) FAIL(id << " does not sort after " << prev);
    prev = id;
  }
  CHECK(ulid_time_ms(prev) == clock.now_unix_ms());
}

TEST_CASE("Two generators on the same millisecond produce different ids", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator a(clock);
  UlidGenerator b(clock);
  std::string ia = a.next();
  std::string ib = b.next();
  CHECK(ia != ib);
  CHECK(ia.substr(0, 10) == ib.substr(0, 10));
}

TEST_CASE("is_valid_ulid accepts only 26 upper-case Crockford characters starting 0-7", "[platform][ulid]") {
  const std::string good = "01ARYZ6S41TSV4RRFFQ69G5FAV";
  REQUIRE(is_valid_ulid(good));
  CHECK(is_valid_ulid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
  CHECK(is_valid_ulid("00000000000000000000000000"));

  SECTION("lower case") {
    std::string lower = good;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    CHECK_FALSE(is_valid_ulid(lower));
    std::string one_lower = good;
    one_lower[25] = 'v';
    CHECK_FALSE(is_valid_ulid(one_lower));
  }
  SECTION("letters excluded from Crockford base32") {
    for (char c : {'I', 'L', 'O', 'U'}) {
      std::string s = good;
      s[12] = c;
      INFO(s);
      CHECK_FALSE(is_valid_ulid(s));
    }
  }
  SECTION("wrong length") {
    CHECK_FALSE(is_valid_ulid(""));
    CHECK_FALSE(is_valid_ulid(good.substr(0, 25)));
    CHECK_FALSE(is_valid_ulid(good + "0"));
  }
  SECTION("first character above 7 (time beyond 48 bits)") {
    for (char c : {'8', '9', 'A', 'Z'}) {
      std::string s = good;
      s[0] = c;
      INFO(s);
      CHECK_FALSE(is_valid_ulid(s));
    }
  }
  SECTION("other characters") {
    for (char c : {'-', ' ', '*', '\0', '{'}) {
      std::string s = good;
      s[5] = c;
      CHECK_FALSE(is_valid_ulid(s));
    }
  }
}

TEST_CASE("Ids from one generator used by 4 threads are all unique", "[platform][ulid]") {
  SystemClock clock;
  UlidGenerator gen(clock);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::vector<std::string>> per_thread(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&gen, &out = per_thread[static_cast<std::size_t>(t)]] {
      out.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) out.push_back(gen.next());
    });
  }
  for (std::thread& th : threads) th.join();

  std::set<std::string> all;
  for (const auto& ids : per_thread) {
    REQUIRE(ids.size() == static_cast<std::size_t>(kPerThread));
    // Each thread sees its own ids strictly increasing.
    CHECK(std::adjacent_find(ids.begin(), ids.end(),
                             [](const std::string& a, const std::string& b) { return !(a < b); }) ==
          ids.end());
    for (const std::string& id : ids) {
      if (!is_valid_ulid(id)) FAIL("invalid id " << id);
      all.insert(id);
    }
  }
  CHECK(all.size() == static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_CASE("Ids from 4 threads on a frozen clock are unique too", "[platform][ulid]") {
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&gen, &out] {
      for (int i = 0; i < 2000; ++i) out.push_back(gen.next());
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<std::string> all;
  for (const auto& ids : per_thread) all.insert(ids.begin(), ids.end());
  CHECK(all.size() == 8000);
}

TEST_CASE("The first id of each millisecond leaves room to increment within it", "[platform][ulid]") {
  // The random part of a fresh millisecond starts with its top bit clear, so ~2^79 ids fit
  // before the increment could wrap (which would break the ordering). With the top bit
  // clear, the first random character is one of the lower 16 symbols, 0-9A-F.
  FakeClock clock(kT0);
  UlidGenerator gen(clock);
  for (int i = 0; i < 256; ++i) {
    clock.advance_ms(1);
    std::string id = gen.next();
    if (std::string_view("0123456789ABCDEF").find(id[10]) == std::string_view::npos)
      FAIL("random part starts with its top bit set: " << id);
  }
}
