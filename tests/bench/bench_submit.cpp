// bench_submit: latency of Submitter::submit_enrollment() from call to durable commit, for
// 1,000 synthetic 20 KB enrollments, against the floor: the unavoidable work for the same
// bytes (crypto_box_seal + one Ed25519 signature + one bare SQLite INSERT+COMMIT of the
// sealed bytes with the same pragmas: WAL, synchronous=FULL). Submits and floor operations
// alternate so that both see the same disk and CPU conditions.
//
// Usage: bench_submit [--n N] [--bytes B] [--dir DIR]
// Last line: RESULT ratio_p50=<x> ratio_p99=<x> submit_p50_us=<x> floor_p50_us=<x>
#include <CLI/CLI.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "kiosk/synthetic.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/ulid.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void die(const char* what) {
  std::fprintf(stderr, "bench_submit: %s\n", what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  std::size_t bytes = 20000;
  fs::path base = fs::temp_directory_path();
  CLI::App cli{"bench_submit: submit() from call to durable commit, against a bare seal + sign + INSERT floor"};
  cli.option_defaults()->always_capture_default();  // --help shows each default
  cli.add_option("--n", n, "submits (and floor operations) to time")->check(CLI::Range(10, 1000000));
  cli.add_option("--bytes", bytes, "size of the synthetic bundle's payload")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} << 20));
  cli.add_option("--dir", base, "where to make the scratch outboxes")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(cli, argc, argv);
  if (!platform::crypto_init().is_ok()) die("libsodium init failed");
  fs::path dir = base / ("bench-submit-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  platform::SystemClock clock;
  platform::UlidGenerator ids(clock);
  platform::SealKeyPair bank = platform::generate_seal_keypair();
  datasync::DeviceIdentity device;
  device.device_id = "dev-" + ids.next();
  device.site = "H012";
  platform::SignKeyPair dk = platform::generate_sign_keypair();
  std::memcpy(device.sign_key.data(), dk.sec.data(), platform::kSignSecretKeyBytes);
  platform::LocalKey local = platform::generate_local_key();

  auto box = datasync::SqliteOutbox::open(dir / "kiosk.db");
  if (!box.is_ok()) die(box.status().to_string().c_str());
  datasync::Submitter submitter(*box.value(), device, bank.pub, local, clock);

  // The floor's database: same pragmas, one table, one prepared INSERT.
  sqlite3* fdb = nullptr;
  if (sqlite3_open((dir / "floor.db").c_str(), &fdb) != SQLITE_OK) die("cannot open floor db");
  sqlite3_exec(fdb, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id TEXT PRIMARY KEY, sealed BLOB NOT NULL, sig BLOB NOT NULL);", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(fdb, "INSERT INTO t VALUES(?,?,?)", -1, &ins, nullptr) != SQLITE_OK) die("prepare");

  // Inputs made up front: generating synthetic people is not what is measured.
  std::mt19937_64 rng(42);
  kiosk::SyntheticOptions opt;
  opt.target_bytes = bytes;
  std::vector<datasync::EnrollmentInput> inputs;
  std::vector<std::string> floor_plain;
  double avg_bundle = 0;
  for (int i = 0; i < n; ++i) {
    std::string id = ids.next();
    inputs.push_back(kiosk::make_synthetic_enrollment(rng, id, platform::format_rfc3339_utc(clock.now_unix_ms()), opt));
    floor_plain.push_back(inputs.back().bundle.text());
    avg_bundle += static_cast<double>(inputs.back().bundle.text().size());
  }
  avg_bundle /= n;

  std::vector<double> submit_us, floor_us;
  for (int i = 0; i < n; ++i) {
    // Floor: seal, sign, bare insert+commit of the same bytes.
    auto f0 = Clock::now();
    platform::Bytes sealed = platform::seal_for_databank(platform::as_bytes(floor_plain[static_cast<std::size_t>(i)]), bank.pub);
    platform::Signature sig = platform::sign_detached(sealed, dk.sec);
    std::string fid = "floor-" + std::to_string(i);
    sqlite3_bind_text(ins, 1, fid.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_blob(ins, 2, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
    sqlite3_bind_blob(ins, 3, sig.data(), static_cast<int>(sig.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) die("floor insert failed");
    sqlite3_reset(ins);
    auto f1 = Clock::now();

    auto s0 = Clock::now();
    auto r = submitter.submit_enrollment(inputs[static_cast<std::size_t>(i)]);
    auto s1 = Clock::now();
    if (!r.is_ok()) die(r.status().to_string().c_str());
    floor_us.push_back(std::chrono::duration<double, std::micro>(f1 - f0).count());
    submit_us.push_back(std::chrono::duration<double, std::micro>(s1 - s0).count());
  }
  sqlite3_finalize(ins);
  sqlite3_close(fdb);
  box.value().reset();
  std::error_code ec;
  fs::remove_all(dir, ec);

  double sp50 = percentile(submit_us, 0.50), sp99 = percentile(submit_us, 0.99);
  double fp50 = percentile(floor_us, 0.50), fp99 = percentile(floor_us, 0.99);
  std::printf("bench_submit: %d submits, bundle %.0f bytes on average, dir %s\n", n, avg_bundle, base.c_str());
  std::printf("  submit(): p50 %8.1f us  p99 %8.1f us\n", sp50, sp99);
  std::printf("  floor   : p50 %8.1f us  p99 %8.1f us   (seal + sign + bare INSERT+COMMIT, WAL, FULL)\n", fp50, fp99);
  auto slow = [](const std::vector<double>& v) { return std::count_if(v.begin(), v.end(), [](double x) { return x > 2000; }); };
  std::printf("  over 2 ms: submit %ld, floor %ld (WAL checkpoints land on the committing call)\n",
              static_cast<long>(slow(submit_us)), static_cast<long>(slow(floor_us)));
  std::printf("  ratio   : p50 %.2f  p99 %.2f   (goal: p50 <= 1.3)\n", sp50 / fp50, sp99 / fp99);
  std::printf("RESULT ratio_p50=%.3f ratio_p99=%.3f submit_p50_us=%.1f floor_p50_us=%.1f\n", sp50 / fp50,
              sp99 / fp99, sp50, fp50);
  return 0;
}
