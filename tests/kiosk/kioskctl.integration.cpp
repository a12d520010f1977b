// kioskctl end to end, as an IT admin would use it: demo-init, enroll, status, export; and
// the refusals that protect participants' data: a corrupt database, a key file others can
// read, a full disk.
#include <sys/mount.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "kiosk_fixture.h"
#include "platform/crypto.h"
#include "sync/envelope.h"
#include "sync/usb_export.h"

using namespace testing_support;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}


}  // namespace

TEST_CASE("demo-init creates private keys once and never overwrites them", "[integration][kioskctl]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  CHECK(mode_of(data) == 0700);
  CHECK(mode_of(data / "keys" / "device.sign.key") == 0600);
  CHECK(mode_of(data / "keys" / "local.key") == 0600);
  CHECK(mode_of(data / "demo-databank" / "seal.key") == 0600);
  CHECK(mode_of(data / "demo-databank" / "receipt.key") == 0600);
  CHECK(mode_of(data / "demo-databank" / "forms.key") == 0600);
  CHECK(mode_of(data / "keys" / "device.sign.pub") == 0644);
  // Key files are base64 of the raw libsodium bytes.
  auto sk = platform::base64_decode(read_all(data / "keys" / "device.sign.key").substr(0, 88));
  REQUIRE(sk.is_ok());
  CHECK(sk->size() == platform::kSignSecretKeyBytes);

  const std::string before = read_all(data / "keys" / "device.sign.key") + read_all(data / "demo-databank" / "seal.key") +
                             read_all(data / "device.json");
  ProcessResult again = run_process(kioskctl_args(data, {"demo-init"}));
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("kept") != std::string::npos);
  // Without --no-forms, demo-init signs the repository's packages with the demo forms key
  // and installs them.
  for (const char* type : {"rare", "severe", "general"}) {
    CHECK(fs::exists(data / "forms" / (std::string(type) + "-1.0.0.json")));
    CHECK(fs::exists(data / "forms" / (std::string(type) + "-1.0.0.json.sig")));
  }
  CHECK(before == read_all(data / "keys" / "device.sign.key") + read_all(data / "demo-databank" / "seal.key") +
                      read_all(data / "device.json"));
  CHECK(mode_of(data / "kiosk.db") == 0600);
}

TEST_CASE("enroll, status and export work together and export leaves the queue alone",
          "[integration][kioskctl]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  ProcessResult r = run_process(kioskctl_args(data, {"enroll", "--synthetic", "12", "--seed", "5"}));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> ids = lines_of(r.out);
  REQUIRE(ids.size() == 12);

  ProcessResult st = run_process(kioskctl_args(data, {"status", "--json"}));
  REQUIRE(st.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(st.out);
  CHECK(j["queued"] == 12);
  CHECK(j["pending_verification_cards"] == 12);
  CHECK(j["acked"] == 0);
  CHECK(j["conflicts"] == 0);
  // 10-40 KB per synthetic enrollment, sealed.
  CHECK(j["queued_bytes"].get<std::int64_t>() >= 12 * 10'000);
  CHECK(j["queued_bytes"].get<std::int64_t>() <= 12 * 40'000);

  const auto out = dir.path() / "usb" ;
  fs::create_directories(out);
  ProcessResult ex = run_process(kioskctl_args(data, {"export", "--out", (out / "export.jsonl").string()}));
  INFO(ex.err);
  REQUIRE(ex.exit_code == 0);
  std::vector<std::string> file_lines = lines_of(read_all(out / "export.jsonl"));
  REQUIRE(file_lines.size() == 13);
  nlohmann::json manifest = nlohmann::json::parse(file_lines.back())["manifest"];
  CHECK(manifest["count"] == 12);
  std::string body;
  for (std::size_t i = 0; i + 1 < file_lines.size(); ++i) body += file_lines[i] + "\n";
  CHECK(manifest["sha256"] == platform::sha256_hex(platform::as_bytes(body)));
  const DemoBank bank = load_demo_bank(data);
  CHECK(manifest["device"] == bank.device_id);
  for (std::size_t i = 0; i + 1 < file_lines.size(); ++i) {
    auto e = datasync::envelope_from_json(file_lines[i]);
    REQUIRE(e.is_ok());
    CHECK(e->h.id == ids[i]);  // queue order
    CHECK(datasync::verify_envelope(e.value(), bank.device_pub).is_ok());
  }
  CHECK(datasync::read_export(out / "export.jsonl").is_ok());
  // Nothing left the queue: only receipts do that.
  nlohmann::json after = nlohmann::json::parse(run_process(kioskctl_args(data, {"status", "--json"})).out);
  CHECK(after["queued"] == 12);
  // No stray temp file beside the export.
  CHECK(std::distance(fs::directory_iterator(out), fs::directory_iterator()) == 1);
}

TEST_CASE("kioskctl refuses a corrupt database and leaves it exactly as it was",
          "[integration][kioskctl][corruption]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  REQUIRE(run_process(kioskctl_args(data, {"enroll", "--synthetic", "30"})).exit_code == 0);
  const auto db = data / "kiosk.db";

  SECTION("random bytes instead of a database") {
    fs::remove(data / "kiosk.db-wal");
    fs::remove(data / "kiosk.db-shm");
    std::string junk(64 * 1024, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919 + 13) % 251);
    write_all(db, junk);
  }
  SECTION("pages damaged in the middle of a real database") {
    // Fold the WAL into the main file first so the damage hits live pages.
    REQUIRE(quick_check(db) == "ok");
    ProcessResult ck = run_process({"/usr/bin/sqlite3", db.string(), "PRAGMA wal_checkpoint(TRUNCATE);"});
    REQUIRE(ck.exit_code == 0);
    std::string bytes = read_all(db);
    REQUIRE(bytes.size() > 40960);
    for (std::size_t i = 8192; i < bytes.size() - 4096; i += 4096)
      for (std::size_t k = 0; k < 64; ++k) bytes[i + k] = static_cast<char>(0xA5);
    write_all(db, bytes);
  }
  const std::string before = read_all(db);
  for (const char* cmd : {"status", "enroll", "export"}) {
    std::vector<std::string> args = {cmd};
    if (std::string(cmd) == "enroll") args = {"enroll", "--synthetic", "1"};
    if (std::string(cmd) == "export") args = {"export", "--out", (dir.path() / "x.jsonl").string()};
    ProcessResult r = run_process(kioskctl_args(data, args));
    INFO(cmd << ": " << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find(db.string()) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(read_all(db) == before);
    CHECK(fs::exists(db));
  }
}

TEST_CASE("kioskctl refuses a secret key file that others can read", "[integration][kioskctl][keys]") {
  TempDir dir;
  const auto data = dir.path() / "data";
  demo_init(data);
  for (const char* key : {"keys/device.sign.key", "keys/local.key"}) {
    fs::permissions(data / key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
    ProcessResult r = run_process(kioskctl_args(data, {"enroll", "--synthetic", "1"}));
    INFO(r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find((data / key).string()) != std::string::npos);
    CHECK(r.err.find("readable by others") != std::string::npos);
    CHECK(r.out.empty());
    fs::permissions(data / key, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }
  CHECK(run_process(kioskctl_args(data, {"enroll", "--synthetic", "1"})).exit_code == 0);
}

TEST_CASE("kioskctl reports a missing device and bad flags in one line", "[integration][kioskctl]") {
  TempDir dir;
  ProcessResult r = run_process(kioskctl_args(dir.path() / "fresh", {"enroll", "--synthetic", "1"}));
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("demo-init") != std::string::npos);
  ProcessResult bad = run_process(kioskctl_args(dir.path() / "fresh", {"enroll", "--synthetic", "zero"}));
  CHECK(bad.exit_code != 0);
  CHECK_FALSE(bad.err.empty());
}

namespace {

// Enrolls until the store is full; returns the ids reported before the failure.
std::vector<std::string> fill_until_error(const std::vector<std::string>& argv, ProcessResult& r) {
  r = run_process(argv, std::chrono::seconds(180));
  return lines_of(r.out);
}

void check_nothing_lost(const fs::path& data, const std::vector<std::string>& reported) {
  const DemoBank bank = load_demo_bank(data);
  REQUIRE(quick_check(data / "kiosk.db") == "ok");
  auto box = datasync::SqliteOutbox::open(data / "kiosk.db");
  REQUIRE(box.is_ok());
  for (const std::string& id : reported) {
    INFO(id);
    REQUIRE(check_envelope(*box.value(), id, bank).empty());
  }
  // Nothing half-written: exactly the reported envelopes, each with its card.
  auto st = box.value()->stats(0);
  REQUIRE(st.is_ok());
  CHECK(st->queued_count == static_cast<std::int64_t>(reported.size()));
  CHECK(st->pending_cards == static_cast<std::int64_t>(reported.size()));
  CHECK(box.value()->verify_audit_chain().is_ok());
}

}  // namespace

TEST_CASE("a full disk gives an error and loses no earlier enrollment", "[integration][kioskctl][diskfull]") {
  TempDir dir;

  SECTION("file size limit (ulimit -f)") {
    const auto data = dir.path() / "data";
    demo_init(data);
    ProcessResult r;
    // SIGXFSZ ignored (inherited through exec) so writes past the limit fail with EFBIG.
    std::vector<std::string> argv = {"/bin/bash", "-c",
                                     "trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"",
                                     bin("kioskctl").string(), "--data-dir", data.string(),
                                     "enroll", "--synthetic", "100000", "--seed", "3"};
    std::vector<std::string> reported = fill_until_error(argv, r);
    INFO(r.err);
    REQUIRE(r.exit_code != 0);
    REQUIRE(reported.size() > 5);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("not stored") != std::string::npos);
    check_nothing_lost(data, reported);
  }

  SECTION("a really full file system (tmpfs, 2 MB)") {
    const auto mnt = dir.path() / "mnt";
    fs::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m,mode=0700") != 0) {
      WARN("cannot mount a tmpfs here (not root?); the ulimit section covers the error path");
      return;
    }
    struct Unmount {
      fs::path p;
      ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};
    const auto data = mnt / "data";
    demo_init(data);
    ProcessResult r;
    std::vector<std::string> reported =
        fill_until_error(kioskctl_args(data, {"enroll", "--synthetic", "100000", "--seed", "4"}), r);
    INFO(r.err);
    REQUIRE(r.exit_code != 0);
    REQUIRE(reported.size() > 5);
    CHECK(r.err.find("disk full") != std::string::npos);
    check_nothing_lost(data, reported);
    // Still full: a further attempt fails cleanly again and changes nothing.
    ProcessResult again = run_process(kioskctl_args(data, {"enroll", "--synthetic", "3"}));
    CHECK(again.exit_code != 0);
    check_nothing_lost(data, reported);
  }
}
