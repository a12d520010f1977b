// The sync layer under faults, with the real programs: a real `databank-ingest serve` child
// on a loopback port, real kiosk data dirs made by `kioskctl provision` and `kioskctl
// enroll`, and between them the in-process FaultProxy (tests/support/fault_proxy.h). Sync
// runs either in-process (the kiosk's own SqliteOutbox + CurlTransport + Uploader, for fine
// control) or as `kioskctl sync --once --json` processes.
//
// Every fault scenario ends the same way: the fault clears, the kiosk syncs again, and then
// every envelope is stored exactly once on the server (its ids and hashes equal the kiosk's),
// the kiosk's queue is empty, and every envelope the kiosk dropped has a receipt that verifies
// with the data bank's receipt key and names the envelope's hash (DESIGN.md section 3,
// invariants 4 and 6).
//
// The fault scenarios talk plain HTTP on loopback (the proxy works on HTTP bytes); the TLS
// scenarios use real TLS. Every wait is bounded; only processes started here are killed,
// by pid.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "fault_proxy.h"
#include "kiosk/device.h"
#include "kiosk_fixture.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/keyfile.h"
#include "sync/protocol.h"
#include "sync/receipt.h"
#include "sync/sqlite_outbox.h"
#include "sync/transport.h"
#include "sync/uploader.h"
#include "test_support.h"

using namespace testing_support;
namespace fs = std::filesystem;
using nlohmann::json;
using platform::StatusKind;

namespace {

constexpr auto kCliLimit = std::chrono::seconds(60);
constexpr int kN = 20;  // envelopes per fault scenario

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}


ProcessResult run_ok(const std::vector<std::string>& argv) {
  ProcessResult r = run_process(argv, kCliLimit);
  INFO(joined(argv) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

std::vector<std::string> ingest_args(std::vector<std::string> rest) {
  std::vector<std::string> args = {bin("databank-ingest").string()};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A port that was free a moment ago: bind 127.0.0.1:0, read it, release it. The caller
// retries with another if someone took it in between.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Whether a child we started has exited (a zombie, not yet reaped): /proc/<pid>/stat state.
bool has_exited(pid_t pid) {
  std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
  std::size_t paren = stat.rfind(')');
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z' ||
         stat[paren + 2] == 'X';
}

// ---- TLS material, made with the openssl command line ----------------------------------

struct TlsFiles {
  fs::path cert, key;
  std::string pin;  // base64 SHA-256 of the SubjectPublicKeyInfo, as CURLOPT_PINNEDPUBLICKEY wants
};

std::string spki_pin(const fs::path& cert) {
  ProcessResult r = run_ok(
      {"/bin/sh", "-c",
       "openssl x509 -in '" + cert.string() +
           "' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | "
           "openssl base64 -A"});
  return lines_of(r.out).at(0);
}

TlsFiles make_self_signed(const fs::path& dir) {
  fs::create_directories(dir);
  TlsFiles t{dir / "tls.crt", dir / "tls.key", ""};
  run_ok({KIOSK_OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", t.key.string(), "-out", t.cert.string(), "-days", "2", "-subj",
          "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  t.pin = spki_pin(t.cert);
  return t;
}

struct CaFiles {
  fs::path ca_cert;
  TlsFiles server;
};

// A test CA, and a server certificate it signed for IP:127.0.0.1.
CaFiles make_ca_and_server(const fs::path& dir) {
  fs::create_directories(dir);
  CaFiles c;
  c.ca_cert = dir / "ca.crt";
  const fs::path ca_key = dir / "ca.key", csr = dir / "server.csr", ext = dir / "server.ext";
  run_ok({KIOSK_OPENSSL,
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          ca_key.string(),
          "-out",
          c.ca_cert.string(),
          "-days",
          "2",
          "-subj",
          "/CN=Test Data Bank CA",
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign"});
  c.server.cert = dir / "server.crt";
  c.server.key = dir / "server.key";
  run_ok({KIOSK_OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
          "-nodes", "-keyout", c.server.key.string(), "-out", csr.string(), "-subj",
          "/CN=127.0.0.1"});
  write_all(ext,
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
            "extendedKeyUsage=serverAuth\n");
  run_ok({KIOSK_OPENSSL, "x509", "-req", "-in", csr.string(), "-CA", c.ca_cert.string(), "-CAkey",
          ca_key.string(), "-CAcreateserial", "-out", c.server.cert.string(), "-days", "2",
          "-extfile", ext.string()});
  c.server.pin = spki_pin(c.server.cert);
  return c;
}

// ---- the data bank --------------------------------------------------------------------

class DataBank {
 public:
  explicit DataBank(fs::path dir) : dir_(std::move(dir)) {
    run_ok(ingest_args({"init", "--dir", dir_.string()}));
    auto pub = platform::read_sign_public_key(dir_ / "keys" / "receipt.pub");
    REQUIRE(pub.is_ok());
    receipt_pub_ = pub.value();
  }
  const fs::path& dir() const { return dir_; }
  const platform::SignPublicKey& receipt_pub() const { return receipt_pub_; }

  std::string enroll_code(const fs::path& tls_cert = {}) {
    std::vector<std::string> args = {"enroll-code", "--dir", dir_.string(), "--site", "H012"};
    if (!tls_cert.empty()) args.insert(args.end(), {"--tls-cert", tls_cert.string()});
    return lines_of(run_ok(ingest_args(args)).out).at(0);
  }
  json stats() {
    ProcessResult r = run_ok(ingest_args({"stats", "--dir", dir_.string(), "--json"}));
    return json::parse(r.out);
  }
  void revoke(const std::string& device) {
    run_ok(ingest_args({"revoke", "--dir", dir_.string(), "--device", device}));
  }
  // id -> sha256 of every stored envelope, read from ingest.db on a read-only connection.
  std::map<std::string, std::string> stored() const {
    std::map<std::string, std::string> out;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((dir_ / "ingest.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
            SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT id, sha256 FROM envelopes", -1, &st, nullptr) ==
            SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

 private:
  fs::path dir_;
  platform::SignPublicKey receipt_pub_;
};

// `databank-ingest serve` as a child on a free loopback port, plain HTTP or TLS.
class Server {
 public:
  explicit Server(fs::path dir, std::optional<TlsFiles> tls = std::nullopt)
      : dir_(std::move(dir)), tls_(std::move(tls)) {
    start();
  }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_ ? child_->pid() : -1; }
  std::string url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }

  // Starts (again) on a fresh port and waits for /v1/health.
  void start() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      std::vector<std::string> args = {"serve", "--dir", dir_.string(), "--listen",
                                       "127.0.0.1:" + std::to_string(port_)};
      if (tls_)
        args.insert(args.end(),
                    {"--tls-cert", tls_->cert.string(), "--tls-key", tls_->key.string()});
      child_ = std::make_unique<Child>(ingest_args(args));
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < deadline && !has_exited(child_->pid())) {
        if (healthy()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      child_->kill_and_drain();  // lost the port race, or never became healthy: try another port
      child_.reset();
    }
    FAIL("databank-ingest serve did not come up on a loopback port");
  }

  // SIGKILL (by pid) and reap.
  void kill9() {
    REQUIRE(child_);
    child_->kill_and_drain();
    child_.reset();
  }

  bool healthy() const {
    if (!tls_) {
      RawHttpReply r = raw_http_exchange(
          port_, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
          std::chrono::milliseconds(1000));
      return r.status == 200 && contains(r.body, "\"ok\"");
    }
    datasync::CurlOptions o;
    o.base_url = url();
    o.pinned_spki_sha256 = tls_->pin;
    o.connect_timeout_ms = 1000;
    o.total_timeout_s = 2;
    auto t = datasync::make_curl_transport(o);
    if (!t.is_ok()) return false;
    auto r = t.value()->send({"GET", "/v1/health", {}, ""});
    return r.is_ok() && r->status == 200;
  }

 private:
  fs::path dir_;
  std::optional<TlsFiles> tls_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Child> child_;
};

// ---- a kiosk --------------------------------------------------------------------------

struct KioskRow {
  std::string id, state, sha256, receipt;
};

class Kiosk {
 public:
  explicit Kiosk(fs::path dir) : dir_(std::move(dir)) {}
  const fs::path& dir() const { return dir_; }
  fs::path db() const { return dir_ / kiosk::kDatabaseFile; }

  void provision(const std::string& url, const std::string& code, const fs::path& cacert = {}) {
    std::vector<std::string> args = {"provision", "--server", url, "--enroll-code", code};
    if (!cacert.empty()) args.insert(args.end(), {"--cacert", cacert.string()});
    run_ok(kioskctl_args(dir_, args));
    device_id_ = json::parse(read_all(dir_ / "device.json")).at("device_id").get<std::string>();
  }
  const std::string& device_id() const { return device_id_; }

  std::vector<std::string> enroll(int n, std::size_t bytes = 0) {
    std::vector<std::string> args = {"enroll", "--synthetic", std::to_string(n)};
    if (bytes) args.insert(args.end(), {"--bytes", std::to_string(bytes)});
    std::vector<std::string> ids = lines_of(run_ok(kioskctl_args(dir_, args)).out);
    REQUIRE(ids.size() == static_cast<std::size_t>(n));
    return ids;
  }
  json status() { return json::parse(run_ok(kioskctl_args(dir_, {"status", "--json"})).out); }
  // `kioskctl sync --once --json`: the JSON report, with the exit code as "exit".
  json sync_cli() {
    ProcessResult r = run_process(kioskctl_args(dir_, {"sync", "--once", "--json"}), kCliLimit);
    INFO("stderr: " << r.err);
    REQUIRE(!r.timed_out);
    json j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    j["exit"] = r.exit_code;
    return j;
  }

  std::vector<KioskRow> rows() const {
    std::vector<KioskRow> out;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(this->db().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    REQUIRE(
        sqlite3_prepare_v2(
            db,
            "SELECT id, state, sealed_sha256, coalesce(receipt, '') FROM envelopes ORDER BY seq",
            -1, &st, nullptr) == SQLITE_OK);
    auto col = [&](int i) {
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
    };
    while (sqlite3_step(st) == SQLITE_ROW) out.push_back({col(0), col(1), col(2), col(3)});
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
  std::map<std::string, std::string> envelopes() const {
    std::map<std::string, std::string> out;
    for (const KioskRow& r : rows()) out[r.id] = r.sha256;
    return out;
  }

 private:
  fs::path dir_;
  std::string device_id_;
};

// Problems with the acked tombstones: each must hold a receipt that verifies with the data
// bank's receipt key and names its own id and hash. Empty when all is well.
std::vector<std::string> receipt_problems(const Kiosk& k,
                                          const platform::SignPublicKey& receipt_pub) {
  std::vector<std::string> problems;
  for (const KioskRow& row : k.rows()) {
    if (row.state != "acked") continue;
    auto r = datasync::receipt_from_json(row.receipt);
    if (!r.is_ok()) {
      problems.push_back(row.id + ": unreadable receipt: " + r.status().to_string());
      continue;
    }
    if (platform::Status v = datasync::verify_receipt(r.value(), receipt_pub); !v.is_ok())
      problems.push_back(row.id + ": receipt does not verify: " + v.to_string());
    if (r->id != row.id) problems.push_back(row.id + ": receipt names " + r->id);
    if (r->sha256 != row.sha256) problems.push_back(row.id + ": receipt names another hash");
  }
  return problems;
}

// "" when the server holds exactly the kiosk's envelopes (id -> hash), else the first
// difference, so that a failure reads well.
std::string first_difference(const std::map<std::string, std::string>& server,
                             const std::map<std::string, std::string>& kiosk) {
  for (const auto& [id, sha] : kiosk) {
    auto it = server.find(id);
    if (it == server.end()) return "the server lacks " + id;
    if (it->second != sha) return "the server holds " + id + " with another hash";
  }
  for (const auto& [id, sha] : server)
    if (!kiosk.count(id)) return "the server holds " + id + ", which the kiosk never queued";
  return "";
}

// The end state every scenario must reach: each envelope stored exactly once, with the
// kiosk's hash; the queue empty; nothing dropped without a verified receipt.
void expect_exactly_once(DataBank& bank, Kiosk& k, std::size_t n) {
  json st = bank.stats();
  CHECK(st["envelopes"] == n);
  CHECK(st["conflicts"] == 0);
  const std::map<std::string, std::string> local = k.envelopes();
  CHECK(local.size() == n);
  CHECK(first_difference(bank.stored(), local) == "");
  json ks = k.status();
  CHECK(ks["queued"] == 0);
  CHECK(ks["acked"] == n);
  CHECK(ks["conflicts"] == 0);
  std::vector<std::string> problems = receipt_problems(k, bank.receipt_pub());
  INFO((problems.empty() ? std::string() : problems.front()));
  CHECK(problems.empty());
  CHECK(quick_check(k.db()) == "ok");
  CHECK(quick_check(bank.dir() / "ingest.db") == "ok");
}

// The kiosk's sync stack in-process: its own outbox, a CurlTransport and an Uploader, from
// the data dir kioskctl provisioned. One transport for the Link's life (as on the kiosk, the
// connection is reused across runs and must survive faults).
struct Link {
  explicit Link(const Kiosk& k, const std::function<void(datasync::CurlOptions&)>& tweak = {},
                datasync::UploaderConfig cfg = {}) {
    auto d = kiosk::load_device(k.dir());
    REQUIRE(d.is_ok());
    dev = std::move(d.value());
    auto b = datasync::SqliteOutbox::open(k.db());
    REQUIRE(b.is_ok());
    box = std::move(b.value());
    opt.base_url = dev->server_url;
    opt.pinned_spki_sha256 = dev->tls_pin;
    opt.ca_file = dev->ca_file;
    opt.connect_timeout_ms = 3000;
    opt.low_speed_time_s = 5;
    opt.total_timeout_s = 60;
    if (tweak) tweak(opt);
    auto t = datasync::make_curl_transport(opt);
    REQUIRE(t.is_ok());
    transport = std::move(t.value());
    up = std::make_unique<datasync::Uploader>(*box, *transport, dev->identity.device_id,
                                              dev->identity.sign_key, dev->databank_receipt, clock,
                                              cfg);
  }
  platform::Status drain(datasync::SyncReport& report, int max_batches = 1000) {
    return up->drain(max_batches, report);
  }
  std::int64_t queued() {
    auto st = box->stats(clock.now_unix_ms());
    REQUIRE(st.is_ok());
    return st->queued_count;
  }

  std::unique_ptr<kiosk::Device> dev;
  std::unique_ptr<datasync::SqliteOutbox> box;
  datasync::CurlOptions opt;
  std::unique_ptr<datasync::Transport> transport;
  platform::SystemClock clock;
  std::unique_ptr<datasync::Uploader> up;
};

// One data bank, its server, the proxy in front of it, and a kiosk provisioned through the
// proxy with `n` synthetic enrollments queued.
struct Rig {
  explicit Rig(int n, std::size_t bytes = 0) {
    kiosk.provision(proxy.url(), bank.enroll_code());
    ids = kiosk.enroll(n, bytes);
    proxy.clear_counters();
  }
  TempDir tmp;
  DataBank bank{tmp / "bank"};
  Server server{bank.dir()};
  FaultProxy proxy{server.port()};
  Kiosk kiosk{tmp / "kiosk"};
  std::vector<std::string> ids;
};

// After a fault: nothing dropped, nothing (or everything, per `stored_by_fault`) stored.
void expect_untouched_queue(Rig& rig, Link& link, std::int64_t stored_by_fault) {
  CHECK(link.queued() == static_cast<std::int64_t>(rig.ids.size()));
  CHECK(rig.bank.stats()["envelopes"] == stored_by_fault);
  std::vector<std::string> problems = receipt_problems(rig.kiosk, rig.bank.receipt_pub());
  CHECK(problems.empty());
}

// The fault is gone: the same in-process link syncs again and everything lands exactly once.
void recover_in_process(Rig& rig, Link& link) {
  rig.proxy.pass();
  const std::int64_t queued = link.queued();
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  REQUIRE(s.is_ok());
  CHECK(r.queue_empty);
  CHECK(r.acked == queued);
  expect_exactly_once(rig.bank, rig.kiosk, rig.ids.size());
}

// The same through the real `kioskctl sync --once --json`.
void recover_with_cli(Rig& rig) {
  rig.proxy.pass();
  json j = rig.kiosk.sync_cli();
  INFO(j.dump());
  CHECK(j["exit"] == 0);
  CHECK(j["ok"] == true);
  CHECK(j["queued"] == 0);
  expect_exactly_once(rig.bank, rig.kiosk, rig.ids.size());
}

// Bytes of the request body the Uploader will send for the next batch.
std::size_t next_body_bytes(Link& link, std::size_t count, std::size_t bytes) {
  auto batch = link.box->next_batch(count, bytes);
  REQUIRE(batch.is_ok());
  std::size_t total = std::string("{\"envelopes\":[]}").size();
  for (const datasync::QueuedEnvelope& q : batch.value()) total += q.json.size() + 1;
  return total - (batch->empty() ? 0 : 1);
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit,
                std::chrono::milliseconds step = std::chrono::milliseconds(1)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

std::string json_response(int status, const std::string& reason, const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return FaultProxy::http_response(status, reason, headers, body);
}

}  // namespace

// ---- the proxy itself ---------------------------------------------------------------------

TEST_CASE("the fault proxy forwards, delays by the emulated latency and refuses on demand",
          "[integration][sync][faults][proxy]") {
  TempDir tmp;
  DataBank bank(tmp / "bank");
  Server server(bank.dir());
  FaultProxy proxy(server.port());
  const std::string health =
      "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  CHECK(raw_http_exchange(proxy.port(), health).status == 200);

  proxy.set_link({150, 150, 0});
  auto t0 = std::chrono::steady_clock::now();
  CHECK(raw_http_exchange(proxy.port(), health).status == 200);
  // A new connection: one round trip (300 ms) for the emulated TCP handshake, one for the
  // exchange; without the link a loopback exchange takes ~1 ms. The margin absorbs the
  // proxy's timer granularity (a run measured 299.8 ms against an exact 300 ms bound).
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= std::chrono::milliseconds(550));
  CHECK(took < std::chrono::milliseconds(3000));
  // 40 kB up at 40 kB/s: about a second (the bucket allows a 2 kB burst).
  proxy.set_link({0, 0, 40'000});
  const std::string body(40'000, 'x');
  t0 = std::chrono::steady_clock::now();
  RawHttpReply capped =
      raw_http_exchange(proxy.port(),
                        "POST /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        "Content-Type: text/plain\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(capped.status >= 400);  // the server read it all, then said no
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(850));
  CHECK(proxy.bytes_to_server() >= body.size());
  proxy.set_link({});

  proxy.refuse();
  RawHttpReply refused = raw_http_exchange(proxy.port(), health);
  CHECK(refused.status == 0);
  CHECK(contains(refused.error, "refused"));
  proxy.pass();
  CHECK(raw_http_exchange(proxy.port(), health).status == 200);
}

// ---- faults on the way there ----------------------------------------------------------------

TEST_CASE("a refused connection keeps the queue, and the next sync stores everything once",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  rig.proxy.refuse();
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kIoError);
  CHECK(r.failed == kN);
  CHECK(r.acked == 0);
  CHECK(rig.proxy.connections() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_in_process(rig, link);
}

TEST_CASE("a connection reset before the request reaches the server keeps the queue",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  rig.proxy.reset_before_forward(100);
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kIoError);
  CHECK(r.failed == kN);
  CHECK(rig.proxy.resets() >= 1);
  CHECK(rig.proxy.bytes_to_server() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_with_cli(rig);
}

TEST_CASE("a reset after the server committed, before the reply arrives, stores nothing twice",
          "[integration][sync][faults]") {
  Rig rig(kN);
  SECTION("on a fresh connection") {
    Link link(rig.kiosk);
    rig.proxy.reset_on_reply();
    datasync::SyncReport r;
    platform::Status s = link.drain(r);
    INFO(s.to_string());
    CHECK(s.kind() == StatusKind::kIoError);
    CHECK(r.acked == 0);
    CHECK(rig.proxy.bytes_from_server() > 0);
    CHECK(rig.proxy.bytes_to_client() == 0);
    // The server holds the batch; the kiosk, without receipts, still holds every envelope.
    expect_untouched_queue(rig, link, kN);
    recover_in_process(rig, link);
  }
  SECTION("on a connection kept open from an earlier batch") {
    // libcurl resends a request on a fresh connection when a reused one dies before any reply
    // byte: the resend carries the same nonce, so the server must refuse it, not store twice.
    datasync::UploaderConfig cfg;
    cfg.batch_count = 5;
    Link link(rig.kiosk, {}, cfg);
    datasync::SyncReport first;
    REQUIRE(link.drain(first, 1).is_ok());
    REQUIRE(first.acked == 5);
    REQUIRE(rig.proxy.connections() == 1);
    rig.proxy.reset_on_reply();
    datasync::SyncReport r;
    platform::Status s = link.drain(r, 1);
    INFO(s.to_string());
    CHECK(!s.is_ok());
    // If libcurl resent the batch on a new connection, it resent the very same signed bytes.
    const std::vector<std::string> streams = rig.proxy.captured();
    if (streams.size() == 2) {
      const std::string& resent = streams[1];
      CHECK(!resent.empty());
      CHECK(streams[0].size() > resent.size());
      CHECK(streams[0].compare(streams[0].size() - resent.size(), resent.size(), resent) == 0);
    }
    CHECK(r.acked == 0);
    CHECK(rig.bank.stats()["envelopes"] == 10);
    CHECK(link.queued() == kN - 5);
    CHECK(receipt_problems(rig.kiosk, rig.bank.receipt_pub()).empty());
    recover_in_process(rig, link);
  }
}

TEST_CASE("a reply cut short keeps the queue", "[integration][sync][faults]") {
  std::size_t cut = 0;
  SECTION("inside the status line and headers") {
    cut = 40;
  }
  SECTION("inside the body") {
    cut = 1500;
  }
  Rig rig(kN);
  Link link(rig.kiosk);
  rig.proxy.truncate_reply(cut);
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kIoError);
  CHECK(r.acked == 0);
  CHECK(rig.proxy.bytes_to_client() == cut);
  expect_untouched_queue(rig, link, kN);
  recover_in_process(rig, link);
}

TEST_CASE("a reply trickling at 1 byte/s is abandoned by the low-speed timeout",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk, [](datasync::CurlOptions& o) { o.low_speed_time_s = 2; });
  rig.proxy.trickle_reply(1);
  datasync::SyncReport r;
  const auto t0 = std::chrono::steady_clock::now();
  platform::Status s = link.drain(r);
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kIoError);
  CHECK(contains(s.message(), "too slow"));
  // libcurl averages the speed over ~5 s, so the fast upload delays the verdict a little.
  CHECK(took >= std::chrono::seconds(2));
  CHECK(took < std::chrono::seconds(15));
  CHECK(rig.proxy.bytes_to_client() < 20);
  expect_untouched_queue(rig, link, kN);
  recover_in_process(rig, link);
}

// ---- replies that are not what they claim --------------------------------------------------

TEST_CASE("500 and 503 with Retry-After keep the queue and the backoff waits at least that long",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  for (auto [code, reason] :
       {std::pair<int, std::string>{500, "Internal Server Error"}, {503, "Service Unavailable"}}) {
    INFO("HTTP " << code);
    rig.proxy.canned(json_response(code, reason, R"({"error":"busy"})", {{"Retry-After", "7"}}));
    datasync::SyncReport r;
    platform::Status s = link.drain(r);
    CHECK(!s.is_ok());
    CHECK(r.retry_after_s == 7);
    CHECK(r.failed == kN);
    CHECK(contains(r.last_error, "HTTP " + std::to_string(code)));
    datasync::BackoffPolicy p;  // base 2 s: without Retry-After the first delays are <= 2 s
    std::mt19937_64 rng(1);
    for (int failures = 0; failures < 4; ++failures)
      for (int i = 0; i < 20; ++i)
        CHECK(datasync::backoff_delay_ms(p, failures, r.retry_after_s, rng) >= 7000);
    for (int i = 0; i < 20; ++i) CHECK(datasync::backoff_delay_ms(p, 0, 0, rng) <= 2000);
  }
  // The SyncService thread schedules its next attempt no sooner than Retry-After.
  {
    std::unique_ptr<datasync::Transport> service_transport;
    datasync::SyncService svc(
        [&]() -> std::unique_ptr<datasync::Uploader> {
          auto t = datasync::make_curl_transport(link.opt);
          if (!t.is_ok()) return nullptr;
          service_transport = std::move(t.value());
          return std::make_unique<datasync::Uploader>(
              *link.box, *service_transport, link.dev->identity.device_id,
              link.dev->identity.sign_key, link.dev->databank_receipt, link.clock);
        },
        *link.box, link.clock);
    const std::int64_t started = link.clock.now_unix_ms();
    svc.start();
    REQUIRE(wait_until([&] { return svc.status().consecutive_failures >= 1; },
                       std::chrono::seconds(10), std::chrono::milliseconds(5)));
    datasync::SyncStatus st = svc.status();
    CHECK(st.next_attempt_unix_ms - started >= 7000);
    CHECK(contains(st.last_error, "HTTP 503"));
    svc.stop();
  }
  CHECK(rig.proxy.bytes_to_server() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_in_process(rig, link);
}

TEST_CASE("a captive portal's 200 HTML page is not taken for the data bank",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  rig.proxy.canned(
      FaultProxy::http_response(200, "OK", {{"Content-Type", "text/html"}},
                                "<html><body><h1>Hospital Wi-Fi</h1><form action=/login>Accept the "
                                "terms to continue</form></body></html>"));
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  CHECK(!s.is_ok());
  CHECK(contains(r.last_error, "captive portal"));
  CHECK(r.acked == 0);
  CHECK(rig.proxy.bytes_to_server() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_with_cli(rig);
}

TEST_CASE("garbage JSON with 201 keeps the queue", "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  for (const std::string& body :
       {std::string(R"({"receipts":[{"id":"01)"), std::string("\x01\xff not json"),
        std::string(R"({"receipts":[{"id":7,"sha256":null}],"rejected":"no"})"),
        std::string(R"(["receipts"])")}) {
    INFO(body);
    rig.proxy.canned(json_response(201, "Created", body));
    datasync::SyncReport r;
    platform::Status s = link.drain(r);
    CHECK(!s.is_ok());
    CHECK(r.acked == 0);
    CHECK(r.failed == kN);
  }
  CHECK(rig.proxy.bytes_to_server() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_in_process(rig, link);
}

TEST_CASE("receipts with a bad signature drop nothing", "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  rig.proxy.rewrite_reply([](const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("receipts")) return body;
    for (json& rj : j["receipts"]) {
      auto sig = platform::base64_decode(rj["sig"].get<std::string>());
      if (!sig.is_ok() || sig->empty()) continue;
      (*sig)[5] ^= 0x01;
      rj["sig"] = platform::base64_encode(sig.value());
    }
    return j.dump();
  });
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kCrypto);
  CHECK(r.acked == 0);
  CHECK(r.failed == kN);
  expect_untouched_queue(rig, link, kN);
  recover_in_process(rig, link);
}

TEST_CASE("a validly signed receipt for another hash drops nothing and marks no conflict",
          "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  auto sec = platform::read_sign_secret_key(rig.bank.dir() / "keys" / "receipt.key");
  REQUIRE(sec.is_ok());
  const platform::SignSecretKey& receipt_key = sec.value();
  const platform::SignPublicKey pub = rig.bank.receipt_pub();
  std::atomic<int> forged{0};
  rig.proxy.rewrite_reply([&](const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("receipts")) return body;
    for (json& rj : j["receipts"]) {
      // The data bank's own key signs it: only the hash check can catch it.
      const std::string id = rj["id"].get<std::string>();
      datasync::Receipt f = datasync::sign_receipt(
          id, platform::sha256_hex(platform::as_bytes("another envelope " + id)),
          rj["received"].get<std::string>(), receipt_key);
      if (datasync::verify_receipt(f, pub).is_ok()) forged++;
      rj = json::parse(datasync::receipt_to_json(f));
    }
    return j.dump();
  });
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(forged.load() == kN);
  CHECK(s.kind() == StatusKind::kConflict);
  CHECK(r.acked == 0);
  CHECK(r.conflicts == 0);
  CHECK(rig.kiosk.status()["conflicts"] == 0);
  expect_untouched_queue(rig, link, kN);
  recover_in_process(rig, link);
}

TEST_CASE("a redirect to another host is refused and not followed", "[integration][sync][faults]") {
  Rig rig(kN);
  Link link(rig.kiosk);
  // The decoy would forward to the real server, so following the redirect would store.
  std::unique_ptr<FaultProxy> decoy;
  try {
    decoy = std::make_unique<FaultProxy>(rig.server.port(), "127.0.0.2");
  } catch (const std::exception&) {
    decoy = std::make_unique<FaultProxy>(rig.server.port(),
                                         "127.0.0.1");  // no 127.0.0.2 here: another origin
  }
  rig.proxy.canned(
      FaultProxy::http_response(302, "Found", {{"Location", decoy->url() + "/v1/envelopes"}}, ""));
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  CHECK(!s.is_ok());
  CHECK(contains(r.last_error, "redirect refused"));
  CHECK(r.acked == 0);
  json cli = rig.kiosk.sync_cli();
  CHECK(cli["exit"] != 0);
  CHECK(cli["ok"] == false);
  CHECK(decoy->connections() == 0);
  CHECK(rig.proxy.bytes_to_server() == 0);
  expect_untouched_queue(rig, link, 0);
  recover_in_process(rig, link);
}

// ---- TLS ------------------------------------------------------------------------------------

TEST_CASE("a server with another TLS key gets not one byte of payload",
          "[integration][sync][faults][tls]") {
  TempDir tmp;
  DataBank bank(tmp / "bank");
  const TlsFiles good_tls = make_self_signed(tmp / "tls-good");
  const TlsFiles other_tls = make_self_signed(tmp / "tls-other");
  REQUIRE(good_tls.pin != other_tls.pin);
  Server good(bank.dir(), good_tls);
  FaultProxy proxy(good.port());  // TCP pass-through: TLS runs end to end through it
  Kiosk k(tmp / "kiosk");
  k.provision("https://127.0.0.1:" + std::to_string(proxy.port()), bank.enroll_code(good_tls.cert));
  const std::vector<std::string> ids = k.enroll(kN);

  // The same data bank behind another TLS key (a stolen address, a mis-installed certificate).
  Server impostor(bank.dir(), other_tls);
  proxy.set_target(impostor.port());
  proxy.clear_counters();
  Link link(k);
  const std::size_t body = next_body_bytes(link, 200, 8u << 20);
  datasync::SyncReport r;
  platform::Status s = link.drain(r);
  INFO(s.to_string());
  CHECK(s.kind() == StatusKind::kCrypto);
  CHECK(contains(s.message(), "pinned"));
  CHECK(r.failed == kN);
  CHECK(bank.stats()["envelopes"] == 0);
  CHECK(proxy.connections() >= 1);
  // Only the TLS handshake went out: far less than the (encrypted) batch would be.
  CHECK(proxy.bytes_to_server() < 4096);
  CHECK(body > 8 * proxy.bytes_to_server());
  CHECK(link.queued() == kN);
  json cli = k.sync_cli();
  CHECK(cli["exit"] != 0);
  CHECK(bank.stats()["envelopes"] == 0);

  proxy.set_target(good.port());
  datasync::SyncReport ok;
  platform::Status s2 = link.drain(ok);
  INFO(s2.to_string());
  REQUIRE(s2.is_ok());
  CHECK(ok.acked == kN);
  expect_exactly_once(bank, k, ids.size());
}

// ---- crashes -------------------------------------------------------------------------------

TEST_CASE("the server killed with SIGKILL mid-batch and restarted stores each envelope once",
          "[integration][sync][faults][crash]") {
  constexpr int kBig = 500;  // one batch of the protocol's maximum count
  Rig rig(kBig, 6000);
  datasync::UploaderConfig cfg;
  cfg.batch_count = datasync::kMaxBatchCount;
  cfg.batch_bytes = 24u << 20;
  Link link(rig.kiosk, {}, cfg);
  const std::size_t body = next_body_bytes(link, cfg.batch_count, cfg.batch_bytes);
  REQUIRE(body > 2'000'000);

  // Round 1: killed while the request is half uploaded. Round 2: killed once the whole
  // request has reached it (it is parsing, verifying and storing inside its transaction).
  std::size_t head_bytes = 0;
  for (int round = 1; round <= 2; ++round) {
    INFO("round " << round);
    rig.proxy.clear_counters();
    const std::uint64_t trigger = round == 1 ? body / 2 : head_bytes + body;
    auto sync = std::async(std::launch::async, [&] {
      datasync::SyncReport r;
      return link.drain(r);
    });
    const bool reached = wait_until([&] { return rig.proxy.bytes_to_server() >= trigger; },
                                    std::chrono::seconds(30));
    const std::uint64_t replied = rig.proxy.bytes_from_server();
    rig.server.kill9();
    REQUIRE(reached);
    REQUIRE(sync.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    platform::Status s = sync.get();
    INFO(s.to_string() << "; reply bytes seen before the kill: " << replied);
    if (replied == 0) CHECK(!s.is_ok());
    if (round == 1) {
      const std::string first = rig.proxy.captured().at(0);
      head_bytes = first.find("\r\n\r\n") + 4;
      REQUIRE(head_bytes > 4);
    }
    // The batch is one transaction: all of it or none of it survives the kill.
    CHECK(quick_check(rig.bank.dir() / "ingest.db") == "ok");
    const std::size_t stored = rig.bank.stored().size();
    INFO("stored " << stored << ", queued " << link.queued());
    CHECK((stored == 0 || stored == static_cast<std::size_t>(kBig)));
    if (round == 1) CHECK(stored == 0);
    if (replied == 0) CHECK(link.queued() == kBig);
    rig.server.start();
    rig.proxy.set_target(rig.server.port());
  }
  recover_in_process(rig, link);
}

TEST_CASE("the kiosk killed with SIGKILL mid-sync and restarted loses and duplicates nothing",
          "[integration][sync][faults][crash]") {
  constexpr int kMany = 600;  // three batches for kioskctl
  Rig rig(kMany);
  {
    Child sync(kioskctl_args(rig.kiosk.dir(), {"sync", "--once", "--json"}));
    // The first reply is on its way: the kiosk is applying receipts when it dies.
    const bool replied =
        wait_until([&] { return rig.proxy.bytes_to_client() > 0; }, std::chrono::seconds(30));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    sync.kill_and_drain();
    REQUIRE(replied);
  }
  CHECK(quick_check(rig.kiosk.db()) == "ok");
  json mid = rig.kiosk.status();
  INFO(mid.dump());
  CHECK(mid["queued"].get<int>() + mid["acked"].get<int>() == kMany);
  CHECK(mid["queued"].get<int>() > 0);
  const std::vector<std::string> problems = receipt_problems(rig.kiosk, rig.bank.receipt_pub());
  CHECK(problems.empty());
  const std::size_t stored = rig.bank.stored().size();
  CHECK(stored >= mid["acked"].get<std::size_t>());

  json again = rig.kiosk.sync_cli();
  INFO(again.dump());
  CHECK(again["exit"] == 0);
  CHECK(again["acked"].get<int>() + mid["acked"].get<int>() == kMany);
  expect_exactly_once(rig.bank, rig.kiosk, kMany);
}

// ---- many kiosks, replays, revocation ------------------------------------------------------

TEST_CASE("20 kiosks syncing to one server at once store all 400 envelopes exactly once",
          "[integration][sync][load]") {
  constexpr int kKiosks = 20, kEach = 20;
  TempDir tmp;
  DataBank bank(tmp / "bank");
  Server server(bank.dir());
  std::vector<Kiosk> kiosks;
  std::vector<std::string> codes;
  for (int i = 0; i < kKiosks; ++i) {
    kiosks.emplace_back(tmp / ("kiosk" + std::to_string(i)));
    codes.push_back(bank.enroll_code());
  }
  auto kiosk_at = [&](int i) -> Kiosk& { return kiosks[static_cast<std::size_t>(i)]; };
  // Worker threads only run processes or drains; every assertion happens on this thread.
  auto all = [&](const std::function<std::vector<std::string>(int)>& argv_of) {
    std::vector<std::future<ProcessResult>> running;
    for (int i = 0; i < kKiosks; ++i)
      running.push_back(std::async(std::launch::async,
                                   [argv = argv_of(i)] { return run_process(argv, kCliLimit); }));
    std::vector<ProcessResult> out;
    for (auto& f : running) out.push_back(f.get());
    return out;
  };
  for (const ProcessResult& r : all([&](int i) {
         return kioskctl_args(kiosk_at(i).dir(),
                              {"provision", "--server", server.url(), "--enroll-code",
                               codes[static_cast<std::size_t>(i)]});
       })) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  for (const ProcessResult& r : all([&](int i) {
         return kioskctl_args(kiosk_at(i).dir(), {"enroll", "--synthetic", std::to_string(kEach)});
       })) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(lines_of(r.out).size() == static_cast<std::size_t>(kEach));
  }
  const auto t0 = std::chrono::steady_clock::now();
  SECTION("as kioskctl sync processes") {
    for (const ProcessResult& r : all([&](int i) {
           return kioskctl_args(kiosk_at(i).dir(), {"sync", "--once", "--json"});
         })) {
      INFO(r.out << r.err);
      CHECK(r.exit_code == 0);
      json j = json::parse(r.out, nullptr, false);
      CHECK((j.is_object() && j["ok"] == true && j["acked"] == kEach));
    }
  }
  SECTION("as the kiosk app's sync threads, each keeping its connection open between runs") {
    // The product's transport settings (no test shortcuts): a kiosk's connection stays open
    // after its drain, as SyncService keeps one transport for its life.
    std::vector<std::unique_ptr<Link>> links;
    for (int i = 0; i < kKiosks; ++i)
      links.push_back(std::make_unique<Link>(kiosk_at(i), [](datasync::CurlOptions& o) {
        datasync::CurlOptions product;
        o.connect_timeout_ms = product.connect_timeout_ms;
        o.low_speed_time_s = product.low_speed_time_s;
        o.total_timeout_s = product.total_timeout_s;
      }));
    std::vector<std::future<std::pair<platform::Status, datasync::SyncReport>>> running;
    for (auto& l : links)
      running.push_back(std::async(std::launch::async, [&link = *l] {
        datasync::SyncReport r;
        platform::Status s = link.drain(r);
        return std::make_pair(s, r);
      }));
    for (auto& f : running) {
      REQUIRE(f.wait_for(std::chrono::seconds(90)) == std::future_status::ready);
      auto [s, r] = f.get();
      INFO(s.to_string());
      CHECK(s.is_ok());
      CHECK(r.acked == kEach);
    }
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO("20 concurrent syncs took "
       << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < std::chrono::seconds(15));
  json st = bank.stats();
  CHECK(st["devices"] == kKiosks);
  CHECK(st["envelopes"] == kKiosks * kEach);
  CHECK(st["conflicts"] == 0);
  std::map<std::string, std::string> expected;
  for (Kiosk& k : kiosks) {
    json ks = k.status();
    CHECK(ks["queued"] == 0);
    CHECK(ks["acked"] == kEach);
    CHECK(receipt_problems(k, bank.receipt_pub()).empty());
    for (const auto& [id, sha] : k.envelopes()) CHECK(expected.emplace(id, sha).second);
  }
  CHECK(first_difference(bank.stored(), expected) == "");
}

TEST_CASE("a captured signed request replayed byte for byte is refused as a replay",
          "[integration][sync][security]") {
  Rig rig(5);
  Link link(rig.kiosk);
  datasync::SyncReport r;
  REQUIRE(link.drain(r).is_ok());
  const std::vector<std::string> streams = rig.proxy.captured();
  REQUIRE(!streams.empty());
  std::optional<std::size_t> len = http_message_length(streams[0]);
  REQUIRE(len);
  const std::string request = streams[0].substr(0, *len);
  REQUIRE(request.rfind("POST /v1/envelopes ", 0) == 0);

  RawHttpReply replay = raw_http_exchange(rig.server.port(), request);
  INFO(replay.error << replay.head << "\n" << replay.body);
  CHECK(replay.status == 401);
  CHECK(json::parse(replay.body, nullptr, false).value("error", "") == "replay");

  // A fresh nonce on the same signed request: the signature covers the nonce.
  const std::size_t at = request.find(std::string(datasync::kHeaderNonce) + ": ");
  REQUIRE(at != std::string::npos);
  std::string renonced = request;
  renonced.replace(at + std::strlen(datasync::kHeaderNonce) + 2, 32, datasync::new_nonce());
  RawHttpReply forged = raw_http_exchange(rig.server.port(), renonced);
  CHECK(forged.status == 401);
  CHECK(json::parse(forged.body, nullptr, false).value("error", "") == "bad_signature");

  expect_exactly_once(rig.bank, rig.kiosk, rig.ids.size());
}

TEST_CASE("a revoked device is refused and its envelopes stay queued",
          "[integration][sync][security]") {
  Rig rig(5);
  json first = rig.kiosk.sync_cli();
  REQUIRE(first["exit"] == 0);
  const std::map<std::string, std::string> before = rig.bank.stored();
  REQUIRE(before.size() == 5);
  const std::vector<std::string> later = rig.kiosk.enroll(5);

  rig.bank.revoke(rig.kiosk.device_id());
  json refused = rig.kiosk.sync_cli();
  INFO(refused.dump());
  CHECK(refused["exit"] != 0);
  CHECK(refused["ok"] == false);
  CHECK(contains(refused["error"].get<std::string>(), "revoked"));
  CHECK(refused["acked"] == 0);
  json ks = rig.kiosk.status();
  CHECK(ks["queued"] == 5);
  CHECK(ks["acked"] == 5);
  json st = rig.bank.stats();
  CHECK(st["revoked"] == 1);
  CHECK(st["envelopes"] == 5);
  CHECK(first_difference(rig.bank.stored(), before) == "");
  for (const std::string& id : later) CHECK(before.count(id) == 0);
  CHECK(receipt_problems(rig.kiosk, rig.bank.receipt_pub()).empty());
}

// ---- end to end over real TLS with a CA ------------------------------------------------------

TEST_CASE(
    "end to end: provision over TLS with a CA, enroll 100, sync, and the data bank opens every "
    "envelope",
    "[e2e][sync][tls]") {
  TempDir tmp;
  const CaFiles ca = make_ca_and_server(tmp / "pki");
  DataBank bank(tmp / "bank");
  const std::string code = bank.enroll_code(ca.server.cert);
  Server server(bank.dir(), ca.server);
  Kiosk k(tmp / "kiosk");
  k.provision(server.url(), code, ca.ca_cert);
  const std::vector<std::string> ids = k.enroll(100);
  ProcessResult r = run_ok(kioskctl_args(k.dir(), {"sync", "--json"}));
  json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["acked"] == 100);
  expect_exactly_once(bank, k, ids.size());
  int with_patient = 0;
  for (const std::string& id : ids) {
    ProcessResult o =
        run_process(ingest_args({"open", "--dir", bank.dir().string(), "--id", id}), kCliLimit);
    INFO(id << ": " << o.err);
    REQUIRE(o.exit_code == 0);
    json bundle = json::parse(o.out, nullptr, false);
    REQUIRE(bundle.is_object());
    CHECK(bundle["resourceType"] == "Bundle");
    bool patient = false;
    for (const json& e : bundle.value("entry", json::array()))
      if (e.contains("resource") && e["resource"].value("resourceType", "") == "Patient")
        patient = true;
    if (patient) ++with_patient;
  }
  CHECK(with_patient == 100);
}

// ---- the USB path ------------------------------------------------------------------------------

TEST_CASE("the USB path: export, import at the data bank, import-receipts, then online sync adds nothing",
          "[integration][sync][usb]") {
  Rig rig(12);
  // Offline: no network to the data bank at all.
  rig.proxy.refuse();
  const fs::path usb = rig.tmp / "usb";
  fs::create_directories(usb);
  run_ok(kioskctl_args(rig.kiosk.dir(), {"export", "--out", (usb / "export.jsonl").string()}));
  CHECK(rig.kiosk.status()["queued"] == 12);  // export changes nothing

  // A damaged stick is refused whole and stores nothing.
  std::string bytes = read_all(usb / "export.jsonl");
  std::string damaged = bytes;
  damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
  write_all(usb / "damaged.jsonl", damaged);
  ProcessResult bad = run_process(
      ingest_args({"import", "--dir", rig.bank.dir().string(), (usb / "damaged.jsonl").string(),
                   "--receipts-out", (usb / "bad-receipts.jsonl").string()}));
  CHECK(bad.exit_code != 0);
  CHECK(rig.bank.stats()["envelopes"] == 0);

  run_ok(ingest_args({"import", "--dir", rig.bank.dir().string(), (usb / "export.jsonl").string(),
                      "--receipts-out", (usb / "receipts.jsonl").string()}));
  CHECK(rig.bank.stats()["envelopes"] == 12);
  CHECK(rig.bank.stats()["imported"] == 12);
  // Importing the same stick twice is harmless: the same receipts again.
  run_ok(ingest_args({"import", "--dir", rig.bank.dir().string(), (usb / "export.jsonl").string(),
                      "--receipts-out", (usb / "receipts2.jsonl").string()}));
  CHECK(read_all(usb / "receipts.jsonl") == read_all(usb / "receipts2.jsonl"));
  CHECK(rig.bank.stats()["envelopes"] == 12);

  // A tampered receipt is refused and its envelope stays queued.
  std::vector<std::string> lines = lines_of(read_all(usb / "receipts.jsonl"));
  REQUIRE(lines.size() == 12);
  json first = json::parse(lines[0]);
  first["received"] = "2020-01-01T00:00:00.000Z";
  write_all(usb / "tampered.jsonl", first.dump() + "\n");
  ProcessResult t = run_process(kioskctl_args(rig.kiosk.dir(), {"import-receipts", (usb / "tampered.jsonl").string()}));
  CHECK(t.exit_code != 0);
  CHECK(rig.kiosk.status()["queued"] == 12);

  run_ok(kioskctl_args(rig.kiosk.dir(), {"import-receipts", (usb / "receipts.jsonl").string()}));
  json ks = rig.kiosk.status();
  CHECK(ks["queued"] == 0);
  CHECK(ks["acked"] == 12);
  CHECK(receipt_problems(rig.kiosk, rig.bank.receipt_pub()).empty());
  expect_exactly_once(rig.bank, rig.kiosk, 12);

  // Back online: nothing left to send, nothing stored twice.
  rig.proxy.pass();
  json again = rig.kiosk.sync_cli();
  CHECK(again["exit"] == 0);
  CHECK(again["sent"] == 0);
  CHECK(rig.bank.stats()["envelopes"] == 12);
}
