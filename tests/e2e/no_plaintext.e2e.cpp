// Invariant 2 (unreadable after submit): synthetic enrollments carry unique marker strings in
// name, answers and phone. Afterwards no file under the data dir (database, -wal, -shm,
// logs, temp files, keys) contains a marker in UTF-8, UTF-16LE or UTF-16BE; also after the
// submitting process was killed mid-submit.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>

#include "kiosk_fixture.h"

using namespace testing_support;
using namespace std::chrono;

namespace {

// Returns "" or a description of the first leak found.
std::string find_leak(const std::filesystem::path& dir, const std::string& marker) {
  for (const std::string& suffix : {std::string("N"), std::string("A"), std::string("P"), std::string()}) {
    const std::string m = marker + suffix;
    for (const auto& enc : {std::pair{"UTF-8", m}, std::pair{"UTF-16LE", utf16le(m)}, std::pair{"UTF-16BE", utf16be(m)}}) {
      auto hits = files_containing(dir, enc.second);
      if (!hits.empty()) return std::string(enc.first) + " marker '" + m + "' found in " + hits.front().string();
    }
  }
  return "";
}

}  // namespace

TEST_CASE("the leak detector finds a marker in each encoding (positive control)", "[e2e][privacy]") {
  TempDir dir;
  const std::string marker = "가나다마커";
  write_all(dir / "utf8.bin", "xx" + marker + "Nyy");
  CHECK(find_leak(dir.path(), marker).find("UTF-8") != std::string::npos);
  std::filesystem::remove(dir / "utf8.bin");
  write_all(dir / "utf16.bin", "\x01\x02" + utf16le(marker + "A"));
  CHECK(find_leak(dir.path(), marker).find("UTF-16LE") != std::string::npos);
  std::filesystem::remove(dir / "utf16.bin");
  write_all(dir / "utf16be.bin", utf16be(marker + "P"));
  CHECK(find_leak(dir.path(), marker).find("UTF-16BE") != std::string::npos);
  std::filesystem::remove(dir / "utf16be.bin");
  CHECK(find_leak(dir.path(), marker).empty());
}

TEST_CASE("no participant plaintext in any file the kiosk writes", "[e2e][privacy]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  const DemoBank bank = load_demo_bank(data);

  SECTION("after completed submits, ASCII and Hangul markers") {
    for (const std::string& marker : {std::string("ZQXLEAKMARK7731"), std::string("누설표지홍길순")}) {
      ProcessResult r = run_process(kioskctl_args(data, {"enroll", "--synthetic", "25", "--marker", marker}));
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(find_leak(data, marker).empty());
      // The marker really went in: the sealed bundles hold it for the data bank.
      auto box = datasync::SqliteOutbox::open(data / "kiosk.db");
      REQUIRE(box.is_ok());
      std::string first_id = r.out.substr(0, 26);
      auto rec = box.value()->find(first_id);
      REQUIRE(rec.is_ok());
      REQUIRE(rec.value().has_value());
      auto opened = datasync::open_envelope(*rec.value()->envelope, bank.seal_pub, bank.seal_sec);
      REQUIRE(opened.is_ok());
      std::string inner(opened->as_string_view());
      CHECK(inner.find(marker + "N") != std::string::npos);
      CHECK(inner.find(marker + "A") != std::string::npos);
      CHECK(inner.find(marker + "P") != std::string::npos);
    }
    // Status, export-free admin reads write logs: still nothing.
    REQUIRE(run_process(kioskctl_args(data, {"status"})).exit_code == 0);
    CHECK(find_leak(data, "ZQXLEAKMARK7731").empty());
  }

  SECTION("after the submitting process is killed mid-submit") {
    const std::string marker = "KILLEDLEAKMARK0429";
    std::mt19937 rng(7);
    int with_output = 0;
    for (int round = 0; round < 25; ++round) {
      Child child(kioskctl_args(data, {"enroll", "--synthetic", "100000", "--marker", marker}));
      std::vector<std::string> lines;
      child.read_lines(lines, milliseconds(std::uniform_int_distribution<int>(5, 80)(rng)));
      auto rest = child.kill_and_drain();
      if (!lines.empty() || !rest.empty()) ++with_output;
    }
    CHECK(with_output > 0);
    CHECK(all_envelope_ids(data / "kiosk.db").size() > 0);
    CHECK(find_leak(data, marker).empty());
  }
}
