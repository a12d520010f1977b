#include "kiosk_fixture.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "platform/keyfile.h"
#include "sync/envelope.h"

namespace testing_support {

namespace fs = std::filesystem;

std::vector<std::string> kioskctl_args(const fs::path& data_dir, std::vector<std::string> rest) {
  std::vector<std::string> args = {bin("kioskctl").string(), "--data-dir", data_dir.string()};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

void demo_init(const fs::path& data_dir) {
  // Without protocol packages: most tests do not need them, and they take 2 MB.
  ProcessResult r = run_process(kioskctl_args(data_dir, {"demo-init", "--no-forms"}));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

DemoBank load_demo_bank(const fs::path& data_dir) {
  DemoBank b;
  auto pub = platform::read_seal_public_key(data_dir / "demo-databank" / "seal.pub");
  auto sec = platform::read_seal_secret_key(data_dir / "demo-databank" / "seal.key");
  auto dev = platform::read_sign_public_key(data_dir / "keys" / "device.sign.pub");
  REQUIRE(pub.is_ok());
  REQUIRE(sec.is_ok());
  REQUIRE(dev.is_ok());
  b.seal_pub = pub.value();
  b.seal_sec = std::move(sec.value());
  b.device_pub = dev.value();
  nlohmann::json cfg = nlohmann::json::parse(read_all(data_dir / "device.json"));
  b.device_id = cfg.at("device_id").get<std::string>();
  return b;
}

std::vector<std::string> all_envelope_ids(const fs::path& db_path) {
  sqlite3* db = nullptr;
  std::vector<std::string> ids;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT id FROM envelopes ORDER BY seq", -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ids;
}

std::string quick_check(const fs::path& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open";
  }
  sqlite3_stmt* st = nullptr;
  std::string verdict = "no answer";
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    verdict = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  else
    verdict = sqlite3_errmsg(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return verdict;
}

std::string check_envelope(datasync::Outbox& box, const std::string& id, const DemoBank& bank) {
  auto rec = box.find(id);
  if (!rec.is_ok()) return "find failed: " + rec.status().to_string();
  if (!rec.value()) return "envelope " + id + " is missing";
  if (!rec.value()->envelope) return "envelope " + id + " has no sealed blob";
  const datasync::Envelope& e = *rec.value()->envelope;
  if (e.h.device != bank.device_id) return "envelope " + id + " names another device";
  platform::Status v = datasync::verify_envelope(e, bank.device_pub);
  if (!v.is_ok()) return v.to_string();
  auto opened = datasync::open_envelope(e, bank.seal_pub, bank.seal_sec);
  if (!opened.is_ok()) return opened.status().to_string();
  nlohmann::json inner = nlohmann::json::parse(opened->as_string_view(), nullptr, false);
  if (inner.is_discarded() || inner["bundle"]["resourceType"] != "Bundle") return "envelope " + id + " holds no Bundle";
  return "";
}

}  // namespace testing_support
