// bench_sync: draining a backlog of 20 KB envelopes to a local databank-ingest over HTTPS.
//
// Prints records/s for (a) our uploader (signed batches on one reused, pinned connection),
// (b) the baseline of one envelope per request on a new connection each time (how ODK-style
// clients upload), (c) the floor: the same bytes POSTed in one request by the curl tool to a
// sink that only reads them. On loopback (a) and (b) alternate in rounds (--rounds), so that
// the ratio compares them under the same machine speed. Then (a) and (b) again through the
// test proxy emulating a hospital link (50 ms added round trip, 20 Mbit/s), where the floor is
// the link itself. RSS: the growth of this process's resident set while (a) drains (peak above
// idle, sampled every 5 ms), and what is still held once drain() has returned. (a) and (b) run
// before the floor's sink and curl, and idle is taken after malloc_trim, so that memory freed
// earlier in this process cannot hide growth.
//
// Usage: bench_sync [--n N] [--baseline-n N] [--link-n N] [--link-baseline-n N] [--rounds R]
// Last line: RESULT batch_vs_baseline=<x> link_batch_vs_baseline=<x> link_utilization=<0..1>
//            batch_rps=<x> baseline_rps=<x> floor_rps=<x> rss_delta_mb=<x>
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <malloc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <random>
#include <sstream>
#include <thread>

#include "fault_proxy.h"
#include "kiosk/device.h"
#include "kiosk/synthetic.h"
#include "platform/clock.h"
#include "platform/ulid.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "sync/transport.h"
#include "sync/uploader.h"
#include "test_support.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_sync: %s\n", what.c_str());
  std::exit(1);
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  return 0;
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

void run_or_die(const std::vector<std::string>& argv) {
  testing_support::ProcessResult r = testing_support::run_process(argv, std::chrono::seconds(120));
  if (r.exit_code != 0) die(argv[0] + " failed: " + r.err);
}

struct Kiosk {
  fs::path dir;
  std::unique_ptr<kiosk::Device> dev;
  std::unique_ptr<datasync::SqliteOutbox> box;
};

Kiosk make_kiosk(const fs::path& dir, const fs::path& bank, const std::string& url, const std::string& cert,
                 platform::SystemClock& clock, int n, std::size_t bytes, std::uint64_t seed) {
  testing_support::ProcessResult code = testing_support::run_process(
      {testing_support::bin("databank-ingest").string(), "enroll-code", "--dir", bank.string(), "--site", "H012", "--tls-cert", cert});
  if (code.exit_code != 0) die("enroll-code: " + code.err);
  std::string c = code.out.substr(0, code.out.find('\n'));
  auto id = kiosk::provision(dir, {url, c, ""}, clock);
  if (!id.is_ok()) die("provision: " + id.status().to_string());
  Kiosk k;
  k.dir = dir;
  auto dev = kiosk::load_device(dir);
  if (!dev.is_ok()) die(dev.status().to_string());
  k.dev = std::move(dev.value());
  auto box = datasync::SqliteOutbox::open(dir / "kiosk.db");
  if (!box.is_ok()) die(box.status().to_string());
  k.box = std::move(box.value());
  datasync::Submitter sub(*k.box, k.dev->identity, k.dev->databank_seal, k.dev->local_key, clock);
  platform::UlidGenerator ids(clock);
  std::mt19937_64 rng(seed);
  kiosk::SyntheticOptions opt;
  opt.target_bytes = bytes;
  for (int i = 0; i < n; ++i) {
    auto in = kiosk::make_synthetic_enrollment(rng, ids.next(), platform::format_rfc3339_utc(clock.now_unix_ms()), opt);
    if (!sub.submit_enrollment(in).is_ok()) die("submit failed");
  }
  return k;
}

datasync::CurlOptions curl_opts(const Kiosk& k, const std::string& base_url) {
  datasync::CurlOptions o;
  o.base_url = base_url;
  o.pinned_spki_sha256 = k.dev->tls_pin;
  return o;
}

// (a): one transport and one uploader, batches. Drained in rounds (see main): the connection
// and the uploader are kept from one round to the next, as the kiosk's sync thread keeps them
// from one drain() to the next. The RSS sampler runs only inside rounds; each round starts
// after malloc_trim, and the growth is the peak over all rounds above the idle taken before
// the first (memory another measurement left resident only makes it look larger).
class BatchedDrain {
 public:
  BatchedDrain(Kiosk& k, const std::string& url, platform::SystemClock& clock) {
    auto t = datasync::make_curl_transport(curl_opts(k, url));
    if (!t.is_ok()) die(t.status().to_string());
    transport_ = std::move(t.value());
    up_ = std::make_unique<datasync::Uploader>(*k.box, *transport_, k.dev->identity.device_id, k.dev->identity.sign_key,
                                               k.dev->databank_receipt, clock);
    auto st0 = k.box->stats(0);
    queued_bytes_ = st0.is_ok() ? st0->queued_bytes : 0;
    ::malloc_trim(0);
    idle_ = peak_ = rss_mb();
  }

  // Drains at most `max_batches` batches. Returns whether envelopes are left in the queue.
  bool round(int max_batches) {
    ::malloc_trim(0);
    std::atomic<bool> done{false};
    std::thread sampler([&] {
      while (!done) {
        peak_ = std::max(peak_, rss_mb());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    auto t0 = Clock::now();
    datasync::SyncReport rep;
    platform::Status s = up_->drain(max_batches, rep);
    secs_ += std::chrono::duration<double>(Clock::now() - t0).count();
    done = true;
    sampler.join();
    if (!s.is_ok()) die("batched drain failed: " + s.to_string());
    acked_ += rep.acked;
    rss_after_ = rss_mb() - idle_;
    return !rep.queue_empty;
  }

  double rps() const { return acked_ / secs_; }
  double seconds() const { return secs_; }
  double rss_delta() const { return peak_ - idle_; }
  double rss_after() const { return rss_after_; }  // what the last drain() kept once it returned
  std::int64_t bytes_sent() const { return queued_bytes_ * 4 / 3; }

 private:
  std::unique_ptr<datasync::Transport> transport_;
  std::unique_ptr<datasync::Uploader> up_;
  std::int64_t queued_bytes_ = 0;
  double idle_ = 0, peak_ = 0, rss_after_ = 0, secs_ = 0;
  int acked_ = 0;
};

// (b): a new connection per envelope, one envelope per request; `max_records` at most a call.
// Returns whether envelopes are left in the queue.
bool drain_one_by_one(Kiosk& k, const std::string& url, platform::SystemClock& clock, int max_records, int& acked,
                      double& secs) {
  datasync::UploaderConfig one;
  one.batch_count = 1;
  auto t0 = Clock::now();
  bool left = true;
  for (int sent = 0; sent < max_records; ++sent) {
    auto t = datasync::make_curl_transport(curl_opts(k, url));
    if (!t.is_ok()) die(t.status().to_string());
    datasync::Uploader up(*k.box, *t.value(), k.dev->identity.device_id, k.dev->identity.sign_key, k.dev->databank_receipt, clock, one);
    datasync::SyncReport rep;
    if (!up.drain(1, rep).is_ok()) die("baseline drain failed");
    acked += rep.acked;
    if (rep.queue_empty || rep.sent == 0) {
      left = false;
      break;
    }
  }
  secs += std::chrono::duration<double>(Clock::now() - t0).count();
  return left;
}

// Profiling (a) alone: `perf record -D -1 --control fifo:CTL ...` with BENCH_PERF_CTL=CTL
// samples only while (a) drains (perf's control FIFO; see perf-record(1)).
void perf_control(const char* cmd) {
  const char* path = std::getenv("BENCH_PERF_CTL");
  if (!path || !*path) return;
  if (FILE* f = std::fopen(path, "w")) {
    std::fprintf(f, "%s\n", cmd);
    std::fclose(f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10000, baseline_n = 1000, link_n = 600, link_baseline_n = 60, rounds = 5;
  CLI::App cli{"bench_sync: draining queued 20 KB envelopes to databank-ingest over HTTPS on loopback and on an "
               "emulated hospital link"};
  cli.option_defaults()->always_capture_default();  // --help shows each default
  cli.add_option("--n", n, "envelopes drained by the uploader, (a)")->check(CLI::Range(1, 1000000));
  cli.add_option("--baseline-n", baseline_n, "envelopes for (b), one per request")->check(CLI::Range(1, 1000000));
  cli.add_option("--link-n", link_n, "envelopes for (a) on the emulated link")->check(CLI::Range(1, 1000000));
  cli.add_option("--link-baseline-n", link_baseline_n, "envelopes for (b) on the emulated link")
      ->check(CLI::Range(1, 1000000));
  cli.add_option("--rounds", rounds, "(a) and (b) on loopback alternate in this many rounds")->check(CLI::Range(1, 100));
  CLI11_PARSE(cli, argc, argv);
  if (!platform::crypto_init().is_ok()) die("sodium");
  ::signal(SIGPIPE, SIG_IGN);
  testing_support::TempDir tmp;
  const fs::path bank = tmp / "bank";
  run_or_die({testing_support::bin("databank-ingest").string(), "init", "--dir", bank.string()});
  const std::string cert = (bank / "tls.crt").string(), key = (bank / "tls.key").string();
  run_or_die({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
              "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"});
  const int port = free_port();
  const std::string url = "https://127.0.0.1:" + std::to_string(port);
  testing_support::Child server({testing_support::bin("databank-ingest").string(), "serve", "--dir", bank.string(), "--listen",
                                 "127.0.0.1:" + std::to_string(port), "--tls-cert", cert, "--tls-key", key});
  std::vector<std::string> lines;
  server.read_lines(lines, std::chrono::seconds(5));
  if (lines.empty()) die("server did not start");

  platform::SystemClock clock;
  std::fprintf(stderr, "bench_sync: enrolling %d + %d + %d + %d synthetic 20 KB envelopes...\n", n, baseline_n, link_n, link_baseline_n);
  Kiosk a = make_kiosk(tmp / "a", bank, url, cert, clock, n, 20000, 1);
  Kiosk b = make_kiosk(tmp / "b", bank, url, cert, clock, baseline_n, 20000, 2);
  Kiosk la = make_kiosk(tmp / "la", bank, url, cert, clock, link_n, 20000, 3);
  Kiosk lb = make_kiosk(tmp / "lb", bank, url, cert, clock, link_baseline_n, 20000, 4);

  // (c) floor: the same bytes in one POST by curl, to a sink that only reads them.
  std::string all;
  {
    auto batch = a.box->next_batch(static_cast<std::size_t>(n), std::size_t{1} << 40);
    if (!batch.is_ok()) die("reading the queue");
    all = "{\"envelopes\":[";
    for (std::size_t i = 0; i < batch->size(); ++i) all += (i ? "," : "") + (*batch)[i].json;
    all += "]}";
  }
  testing_support::write_all(tmp / "all.json", all);
  all.clear();
  all.shrink_to_fit();

  // (a) and (b) alternate in rounds, so that both are measured through the same moments of a
  // machine whose speed drifts (this VM's swings moved a single (a)-then-(b) run's ratio
  // between 8 and 12.8). Each round drains a share of (a)'s batches, then a share of (b)'s
  // envelopes; the rates are all records over all of each one's time. Both run before the
  // floor's sink and curl: their 270 MB of freed buffers would otherwise sit in this process's
  // malloc arenas, where a drain could reuse them without its RSS showing it.
  constexpr int kRest = 1'000'000;  // a round's bound that means "what is left"
  const int per_batch = static_cast<int>(datasync::UploaderConfig{}.batch_count);
  const int a_batches_per_round = std::max(1, (n + rounds * per_batch - 1) / (rounds * per_batch));
  const int b_per_round = std::max(1, (baseline_n + rounds - 1) / rounds);
  BatchedDrain drain_a(a, url, clock);
  int b_acked = 0;
  double b_secs = 0;
  bool a_left = true, b_left = true;
  for (int r = 0; r < rounds; ++r) {
    const bool last = r + 1 == rounds;  // the last round drains what is left
    perf_control("enable");
    if (a_left) a_left = drain_a.round(last ? kRest : a_batches_per_round);
    perf_control("disable");
    if (b_left) b_left = drain_one_by_one(b, url, clock, last ? kRest : b_per_round, b_acked, b_secs);
  }
  if (a_left || b_left) die("a queue was left non-empty after the last round");
  const double batch_rps = drain_a.rps(), rss_delta = drain_a.rss_delta(), rss_after = drain_a.rss_after();
  const double baseline_rps = b_acked / b_secs;

  httplib::SSLServer sink(cert.c_str(), key.c_str());
  sink.set_payload_max_length(std::size_t{1} << 34);
  sink.set_tcp_nodelay(true);
  sink.Post("/sink", [](const httplib::Request& req, httplib::Response& res) { res.set_content(std::to_string(req.body.size()), "text/plain"); });
  int sink_port = sink.bind_to_any_port("127.0.0.1");
  std::thread sink_thread([&] { sink.listen_after_bind(); });
  auto f0 = Clock::now();
  run_or_die({"/usr/bin/curl", "-s", "-k", "-o", "/dev/null", "--data-binary", "@" + (tmp / "all.json").string(), "-H",
              "Content-Type: application/json", "https://127.0.0.1:" + std::to_string(sink_port) + "/sink"});
  double floor_rps = n / std::chrono::duration<double>(Clock::now() - f0).count();
  sink.stop();
  sink_thread.join();

  // Emulated hospital link: 50 ms added round trip (25 ms each way), 20 Mbit/s.
  testing_support::FaultProxy proxy(static_cast<std::uint16_t>(port));
  proxy.set_link({25, 25, 20'000'000 / 8});
  const std::string link_url = "https://127.0.0.1:" + std::to_string(proxy.port());
  BatchedDrain drain_la(la, link_url, clock);
  if (drain_la.round(kRest)) die("the emulated link's (a) queue was left non-empty");
  const double link_batch_rps = drain_la.rps();
  int lb_acked = 0;
  double lb_secs = 0;
  if (drain_one_by_one(lb, link_url, clock, kRest, lb_acked, lb_secs)) die("the emulated link's (b) queue was left non-empty");
  const double link_baseline_rps = lb_acked / lb_secs;
  const double utilization = (static_cast<double>(drain_la.bytes_sent()) / drain_la.seconds()) / (20'000'000.0 / 8);

  std::printf("bench_sync: 20 KB envelopes over HTTPS to databank-ingest on loopback\n");
  std::printf("  (a) uploader, batches of %d on one connection : %8.1f records/s  (%d records)\n", per_batch, batch_rps, n);
  std::printf("  (b) one per request, new connection each       : %8.1f records/s  (%d records)\n", baseline_rps, baseline_n);
  std::printf("  ((a) and (b) alternated in %d rounds)\n", rounds);
  std::printf("  (c) floor: same bytes in one curl POST          : %8.1f records/s\n", floor_rps);
  std::printf("  (a)/(b) = %.1f   (a)/(c) = %.2f\n", batch_rps / baseline_rps, batch_rps / floor_rps);
  std::printf("  emulated link (50 ms RTT, 20 Mbit/s): (a) %.1f records/s (%d), (b) %.1f records/s (%d), (a)/(b) = %.1f\n",
              link_batch_rps, link_n, link_baseline_rps, link_baseline_n, link_batch_rps / link_baseline_rps);
  std::printf("  link utilization by (a): %.2f of 20 Mbit/s\n", utilization);
  std::printf("  RSS growth while (a) drained %d records: %.1f MB (peak above idle; %.1f MB once drain() returned)\n", n,
              rss_delta, rss_after);
  std::printf("RESULT batch_vs_baseline=%.2f link_batch_vs_baseline=%.2f link_utilization=%.3f batch_rps=%.1f baseline_rps=%.1f floor_rps=%.1f rss_delta_mb=%.1f\n",
              batch_rps / baseline_rps, link_batch_rps / link_baseline_rps, utilization, batch_rps, baseline_rps, floor_rps, rss_delta);
  ::kill(server.pid(), SIGTERM);
  return 0;
}
