// Invariant 1 (durable on "submitted"): a kioskctl child enrolls synthetic participants in
// a loop and prints each id only after its commit returned; the parent SIGKILLs it at random
// moments, at least 200 times. After every kill the database opens, passes quick_check, and
// every id ever reported is present with a signature that verifies and a seal that opens.
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "kiosk_fixture.h"
#include "sync/sqlite_outbox.h"

using namespace testing_support;
using namespace std::chrono;

TEST_CASE("SIGKILL at random moments never loses or damages a reported enrollment",
          "[e2e][crash][durability]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  const DemoBank bank = load_demo_bank(data);
  const auto db = data / "kiosk.db";

  std::mt19937_64 rng(20261129);
  std::set<std::string> reported;
  std::set<std::string> checked;
  int kills = 0, kills_mid_stream = 0;
  const auto deadline = steady_clock::now() + minutes(6);
  // At least 200 kills, and on until 100 of them landed mid-stream (a loaded machine starts
  // kioskctl slower, so more early kills land before the first commit): bounded by 400 rounds
  // and the deadline.
  for (int round = 0; round < 400 && (kills < 200 || kills_mid_stream < 100) && steady_clock::now() < deadline; ++round) {
    Child child(kioskctl_args(data, {"enroll", "--synthetic", "1000000", "--seed", std::to_string(round)}));
    // Kill anywhere from start-up to well into the stream of commits.
    auto delay = milliseconds(std::uniform_int_distribution<int>(1, 120)(rng));
    std::vector<std::string> lines;
    child.read_lines(lines, delay);
    for (const std::string& l : child.kill_and_drain()) lines.push_back(l);
    ++kills;
    if (!lines.empty()) ++kills_mid_stream;
    for (const std::string& id : lines) {
      INFO("reported line: " << id);
      REQUIRE(id.size() == 26);
      reported.insert(id);
    }

    REQUIRE(quick_check(db) == "ok");
    auto box = datasync::SqliteOutbox::open(db);
    INFO(box.status().to_string());
    REQUIRE(box.is_ok());
    for (const std::string& id : reported) {
      if (checked.count(id)) continue;  // verified after an earlier kill; re-check a sample below
      std::string problem = check_envelope(*box.value(), id, bank);
      INFO("after kill " << kills);
      REQUIRE(problem.empty());
      checked.insert(id);
    }
    REQUIRE(box.value()->verify_audit_chain().is_ok());
  }
  REQUIRE(kills >= 200);
  // Most kills must land while commits are flowing, or the test proves little.
  CHECK(kills_mid_stream >= 100);
  WARN("kills: " << kills << ", mid-stream: " << kills_mid_stream << ", reported ids: " << reported.size());

  // Finally: no envelope at all is partial, whether or not its id was reported before the kill.
  auto box = datasync::SqliteOutbox::open(db);
  REQUIRE(box.is_ok());
  std::vector<std::string> stored = all_envelope_ids(db);
  REQUIRE(stored.size() >= reported.size());
  for (const std::string& id : stored) {
    std::string problem = check_envelope(*box.value(), id, bank);
    INFO("stored envelope " << id);
    REQUIRE(problem.empty());
  }
  auto st = box.value()->stats(0);
  REQUIRE(st.is_ok());
  // Every stored envelope has its verification card: they were committed together.
  REQUIRE(st->pending_cards == static_cast<std::int64_t>(stored.size()));
  auto log = box.value()->audit_log();
  REQUIRE(log.is_ok());
  REQUIRE(log->size() == stored.size());
}
