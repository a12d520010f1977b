// databank-ingest's operator commands for out-of-band registration and the kiosk's demo
// mode: `add-device` (idempotent for the same key, refuses another key) and `serve` on port 0
// (the kernel's port, printed on the first line).
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include "platform/crypto.h"
#include "platform/keyfile.h"
#include "test_support.h"

using testing_support::bin;
using testing_support::run_process;
using testing_support::TempDir;

namespace {

const char kDevice[] = "dev-01JD0000000000000000000000";

std::string write_pub(const std::filesystem::path& dir, const char* name) {
  const auto path = dir / name;
  platform::SignKeyPair kp = platform::generate_sign_keypair();
  REQUIRE(platform::write_public_key_file(path, kp.pub.view()).is_ok());
  return path.string();
}

// One integer PRAGMA of the SQLite file at `db`, or a REQUIRE failure naming it.
long long pragma_of(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

void exec_on(const std::filesystem::path& db, const char* sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, sql, nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("databank-ingest creates its store with 16 KiB pages and keeps an older store's", "[integration][sync][databank]") {
  TempDir tmp;
  const std::filesystem::path dir = tmp / "bank";
  REQUIRE(run_process({bin("databank-ingest").string(), "init", "--dir", dir.string()}).exit_code == 0);
  const std::filesystem::path db = dir / "ingest.db";
  CHECK(pragma_of(db, "PRAGMA page_size") == 16384);

  // A store made before (4 KiB pages) is served as it is: no rewrite, nothing refused.
  exec_on(db, "PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM; PRAGMA journal_mode=WAL;");
  REQUIRE(pragma_of(db, "PRAGMA page_size") == 4096);
  const std::string key = write_pub(tmp.path(), "a.pub");
  auto add = run_process({bin("databank-ingest").string(), "add-device", "--dir", dir.string(), "--device", kDevice,
                          "--site", "H012", "--sign-pub", key});
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  CHECK(pragma_of(db, "PRAGMA page_size") == 4096);
  auto stats = run_process({bin("databank-ingest").string(), "stats", "--dir", dir.string(), "--json"});
  REQUIRE(stats.exit_code == 0);
  CHECK(stats.out.find("\"devices\":1") != std::string::npos);
}

TEST_CASE("databank-ingest add-device registers a device by its key file, once", "[integration][sync][databank]") {
  TempDir tmp;
  const std::string dir = (tmp / "bank").string();
  REQUIRE(run_process({bin("databank-ingest").string(), "init", "--dir", dir}).exit_code == 0);
  const std::string key_a = write_pub(tmp.path(), "a.pub"), key_b = write_pub(tmp.path(), "b.pub");
  auto add = [&](const std::string& device, const std::string& site, const std::string& key) {
    return run_process({bin("databank-ingest").string(), "add-device", "--dir", dir, "--device", device, "--site", site,
                        "--sign-pub", key});
  };
  auto first = add(kDevice, "H012", key_a);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find(kDevice) != std::string::npos);
  CHECK(add(kDevice, "H012", key_a).exit_code == 0);  // same key again: fine
  auto other = add(kDevice, "H012", key_b);
  CHECK(other.exit_code != 0);
  CHECK(other.err.find("another key") != std::string::npos);
  auto bad_id = add("kiosk-7", "H012", key_a);
  CHECK(bad_id.exit_code != 0);
  CHECK(bad_id.err.find("dev-<ULID>") != std::string::npos);
  auto stats = run_process({bin("databank-ingest").string(), "stats", "--dir", dir, "--json"});
  REQUIRE(stats.exit_code == 0);
  CHECK(stats.out.find("\"devices\":1") != std::string::npos);
}

TEST_CASE("databank-ingest serve on port 0 prints the port the kernel chose", "[integration][sync][databank]") {
  TempDir tmp;
  const std::string dir = (tmp / "bank").string();
  REQUIRE(run_process({bin("databank-ingest").string(), "init", "--dir", dir}).exit_code == 0);
  testing_support::Child server({bin("databank-ingest").string(), "serve", "--dir", dir, "--listen", "127.0.0.1:0"});
  std::vector<std::string> lines;
  for (int i = 0; i < 50 && lines.empty(); ++i) server.read_lines(lines, std::chrono::milliseconds(100));
  REQUIRE_FALSE(lines.empty());
  const auto at = lines.front().find("127.0.0.1:");
  REQUIRE(at != std::string::npos);
  const int port = std::stoi(lines.front().substr(at + 10));
  CHECK(port > 0);
  CHECK(lines.front().find("127.0.0.1:0 ") == std::string::npos);
  auto health = run_process({"/usr/bin/curl", "-s", "http://127.0.0.1:" + std::to_string(port) + "/v1/health"},
                            std::chrono::seconds(10));
  CHECK(health.out.find("\"status\":\"ok\"") != std::string::npos);
}
