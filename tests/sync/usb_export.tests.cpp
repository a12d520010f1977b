// The offline path's export file (sync/usb_export.h): one envelope per line, then a manifest
// whose sha256 covers every byte before it. Reading checks count and hash.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "sync/usb_export.h"
#include "sync_test_helpers.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using datasync::Submission;
using nlohmann::json;
using platform::StatusKind;
using synctest::Keys;
using synctest::kT0;
using synctest::MemoryOutboxFactory;
using synctest::SqliteOutboxFactory;
using synctest::require_ok;
using synctest::require_value;
using testing_support::read_all;
using testing_support::write_all;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    REQUIRE(nl != std::string::npos);  // every line ends with a newline
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::string manifest_line(std::int64_t count, const std::string& sha) {
  return json{{"manifest", {{"count", count}, {"sha256", sha}, {"device", "dev-x"}, {"created", "x"}}}}
             .dump() +
         "\n";
}

// An outbox with four envelopes: two queued, one acknowledged, one in conflict.
struct Queue {
  Keys k;
  std::vector<Submission> subs;
  std::vector<std::string> ids;

  void fill(datasync::Outbox& box) {
    for (int i = 0; i < 4; ++i) {
      subs.push_back(synctest::make_submission(k, kT0 + i * 1000, 200 + 100 * static_cast<std::size_t>(i)));
      require_ok(box.submit(subs.back()));
      ids.push_back(subs.back().envelope.h.id);
    }
    REQUIRE(require_value(box.acknowledge(synctest::make_receipt(k, subs[1].envelope, kT0 + 5000),
                                          k.receipt.pub)) == datasync::AckOutcome::kAcked);
    require_ok(box.mark_conflict(ids[2], "another hash", kT0 + 5000));
    require_ok(box.record_failure(ids[3], "offline", kT0 + 5000));
  }
};

}  // namespace

TEMPLATE_TEST_CASE("export_queue writes each queued envelope on a line and a manifest over the bytes before it",
                   "[sync][usb]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Queue q;
  q.fill(*box);
  testing_support::TempDir out_dir;
  const fs::path file = out_dir / "kiosk-export.jsonl";
  const std::string created = platform::format_rfc3339_utc(kT0 + 6000);
  const std::string before = synctest::outbox_dump(*box, q.ids, kT0 + 6000);

  datasync::ExportSummary sum = require_value(datasync::export_queue(*box, file, q.k.device_id, created));

  const std::string text = read_all(file);
  std::vector<std::string> lines = split_lines(text);
  REQUIRE(lines.size() == 3);  // ids[0], ids[3], manifest
  std::vector<datasync::QueuedEnvelope> queued = require_value(box->next_batch(100, std::size_t{1} << 40));
  REQUIRE(queued.size() == 2);
  CHECK(lines[0] == queued[0].json);
  CHECK(lines[1] == queued[1].json);
  for (int i = 0; i < 2; ++i) {
    datasync::Envelope e = require_value(datasync::envelope_from_json(lines[static_cast<std::size_t>(i)]));
    require_ok(datasync::verify_envelope(e, q.k.device.pub));
  }
  CHECK(require_value(datasync::envelope_from_json(lines[0])).h.id == q.ids[0]);
  CHECK(require_value(datasync::envelope_from_json(lines[1])).h.id == q.ids[3]);

  const std::string body = lines[0] + "\n" + lines[1] + "\n";
  json m = json::parse(lines[2]);
  REQUIRE(m.size() == 1);
  const json& mf = m.at("manifest");
  CHECK(mf.at("count") == 2);
  CHECK(mf.at("sha256") == platform::sha256_hex(platform::as_bytes(body)));
  CHECK(mf.at("device") == q.k.device_id);
  CHECK(mf.at("created") == created);

  CHECK(sum.count == 2);
  CHECK(sum.sha256 == mf.at("sha256").get<std::string>());
  CHECK(sum.bytes == static_cast<std::int64_t>(text.size()));

  SECTION("the file is private (mode 0600)") {
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
  }
  SECTION("the outbox is unchanged: envelopes leave only on receipts") {
    CHECK(synctest::outbox_dump(*box, q.ids, kT0 + 6000) == before);
  }
  SECTION("read_export returns the envelope lines") {
    std::vector<std::string> back = require_value(datasync::read_export(file));
    REQUIRE(back.size() == 2);
    CHECK(back[0] == lines[0]);
    CHECK(back[1] == lines[1]);
  }
  SECTION("nothing but the export file is left in the directory") {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(out_dir.path())) {
      (void)entry;
      ++n;
    }
    CHECK(n == 1);
  }
  SECTION("exporting again replaces the file with the same content") {
    (void)require_value(datasync::export_queue(*box, file, q.k.device_id, created));
    CHECK(read_all(file) == text);
  }
}

TEST_CASE("An export of an empty queue is a manifest with count 0", "[sync][usb]") {
  datasync::MemoryOutbox box;
  testing_support::TempDir dir;
  const fs::path file = dir / "empty.jsonl";
  datasync::ExportSummary sum = require_value(
      datasync::export_queue(box, file, synctest::new_device_id(), platform::format_rfc3339_utc(kT0)));
  CHECK(sum.count == 0);
  CHECK(sum.sha256 == platform::sha256_hex(platform::as_bytes("")));
  std::vector<std::string> lines = split_lines(read_all(file));
  REQUIRE(lines.size() == 1);
  CHECK(json::parse(lines[0]).at("manifest").at("count") == 0);
  CHECK(require_value(datasync::read_export(file)).empty());
}

TEST_CASE("read_export refuses a damaged, truncated or miscounted export", "[sync][usb]") {
  datasync::MemoryOutbox box;
  Queue q;
  q.fill(box);
  testing_support::TempDir dir;
  const fs::path file = dir / "export.jsonl";
  (void)require_value(datasync::export_queue(box, file, q.k.device_id, platform::format_rfc3339_utc(kT0)));
  const std::string good = read_all(file);
  REQUIRE(datasync::read_export(file).is_ok());
  const std::size_t manifest_start = good.rfind('\n', good.size() - 2) + 1;
  const std::string body = good.substr(0, manifest_start);
  std::string bad = good;
  StatusKind want = StatusKind::kOk;

  SECTION("a changed byte inside an envelope line") {
    std::size_t pos = good.find("\"sealed\":\"") + 40;
    bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
    want = StatusKind::kCorruption;
  }
  SECTION("a changed byte in the manifest's sha256") {
    std::size_t pos = good.find("\"sha256\":\"", manifest_start) + 10;
    bad[pos] = bad[pos] == '0' ? '1' : '0';
    want = StatusKind::kCorruption;
  }
  SECTION("an envelope line dropped, manifest kept") {
    bad = good.substr(good.find('\n') + 1);
    want = StatusKind::kCorruption;
  }
  SECTION("an extra line inserted") {
    bad = body + body.substr(0, body.find('\n') + 1) + good.substr(manifest_start);
    want = StatusKind::kCorruption;
  }
  SECTION("a wrong count with a correct hash") {
    bad = body + manifest_line(3, platform::sha256_hex(platform::as_bytes(body)));
    want = StatusKind::kCorruption;
  }
  SECTION("a count of one with a correct hash") {
    bad = body + manifest_line(1, platform::sha256_hex(platform::as_bytes(body)));
    want = StatusKind::kCorruption;
  }
  SECTION("truncated: the final newline missing") {
    bad.pop_back();
  }
  SECTION("truncated: cut in the middle of the manifest") {
    bad = good.substr(0, manifest_start + 20);
  }
  SECTION("truncated: cut in the middle of an envelope") {
    bad = good.substr(0, good.size() / 3);
  }
  SECTION("truncated: the manifest missing") {
    bad = body;
  }
  SECTION("empty file") { bad.clear(); }
  SECTION("a manifest without a count") {
    bad = body + json{{"manifest", {{"sha256", platform::sha256_hex(platform::as_bytes(body))}}}}.dump() + "\n";
  }
  write_all(file, bad);
  REQUIRE(bad != good);
  platform::Result<std::vector<std::string>> r = datasync::read_export(file);
  REQUIRE_FALSE(r.is_ok());
  INFO(r.status().to_string());
  if (want != StatusKind::kOk) CHECK(r.status().kind() == want);
  CHECK_THAT(r.status().message(), Contains(file.string()));
}
