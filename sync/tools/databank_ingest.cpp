// databank-ingest: the reference data bank server and its operator commands.
//
// Thin: flags, then ingest::Databank. The HTTP layer is cpp-httplib (TLS through OpenSSL);
// plain HTTP is refused unless the listen address is loopback.
#include <httplib.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ingest/databank.h"
#include "platform/fs.h"
#include "platform/hardening.h"
#include "platform/keyfile.h"
#include "platform/log.h"
#include "sync/envelope.h"
#include "sync/protocol.h"

namespace fs = std::filesystem;
using platform::Result;
using platform::Status;

namespace {

int fail(const Status& s) {
  std::fprintf(stderr, "databank-ingest: %s\n", s.to_string().c_str());
  return 1;
}

// base64 SHA-256 of the certificate's SubjectPublicKeyInfo: what CURLOPT_PINNEDPUBLICKEY pins.
Result<std::string> spki_pin(const std::string& cert_path) {
  FILE* f = std::fopen(cert_path.c_str(), "r");
  if (!f) return Status::not_found("cannot read TLS certificate " + cert_path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return Status::invalid_argument(cert_path + " is not a PEM certificate");
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  X509_free(cert);
  if (len <= 0) return Status::invalid_argument(cert_path + ": cannot read its public key");
  platform::Sha256 h = platform::sha256(platform::ByteView(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  return platform::base64_encode(h);
}

bool is_loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host == "localhost"; }

void send(httplib::Response& res, const ingest::Reply& r) {
  res.status = r.status;
  if (r.retry_after_s > 0) res.set_header("Retry-After", std::to_string(r.retry_after_s));
  if (r.body.contains("server_time")) res.set_header("X-BBD-Server-Time", std::to_string(r.body["server_time"].get<std::int64_t>()));
  res.set_content(r.body.dump(), "application/json");
}

std::unique_ptr<httplib::Server> g_server;

int serve(const fs::path& dir, const std::string& listen, const std::string& cert, const std::string& key) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return fail(Status::invalid_argument("--listen must be HOST:PORT"));
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  int port = std::atoi(listen.substr(colon + 1).c_str());
  if (cert.empty() != key.empty()) return fail(Status::invalid_argument("--tls-cert and --tls-key go together"));
  if (cert.empty() && !is_loopback(host))
    return fail(Status::invalid_argument("plain HTTP is allowed only on loopback; give --tls-cert and --tls-key"));
  platform::SystemClock clock;
  auto bank = ingest::Databank::open(dir, clock);
  if (!bank.is_ok()) return fail(bank.status());
  ingest::Databank& db = *bank.value();
  if (Status s = db.start_background_checkpoints(std::chrono::milliseconds(500)); !s.is_ok()) return fail(s);
  if (cert.empty()) g_server = std::make_unique<httplib::Server>();
  else g_server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
  if (!g_server->is_valid()) return fail(Status::invalid_argument("cannot use the TLS certificate/key"));
  httplib::Server& srv = *g_server;
  // Measured traps of cpp-httplib 0.11: Nagle costs ~44 ms per keep-alive request; the
  // default keep-alive count (5) closes the connection every 5 requests.
  srv.set_tcp_nodelay(true);
  srv.set_keep_alive_max_count(100000);
  // cpp-httplib holds one pool thread per open connection until it closes or idles out, and a
  // kiosk keeps its connection open after a sync. With the default pool (8 threads on a small
  // machine) and a 30 s idle limit, the 9th kiosk syncing at once waited ~30 s and failed on
  // its 20 s low-speed timeout (tests/sync/sync_faults.integration.cpp, 20 kiosks at once).
  // So: more threads, and an idle limit just long enough for batches that follow each other.
  srv.new_task_queue = [] { return new httplib::ThreadPool(64); };
  srv.set_keep_alive_timeout(5);
  srv.set_read_timeout(30, 0);
  srv.set_write_timeout(30, 0);
  srv.set_payload_max_length(datasync::kMaxRequestBytes);
  srv.Post("/v1/devices", [&](const httplib::Request& req, httplib::Response& res) { send(res, db.register_device(req.body)); });
  srv.Post("/v1/envelopes", [&](const httplib::Request& req, httplib::Response& res) {
    ingest::RequestAuth auth{req.get_header_value(datasync::kHeaderDevice), req.get_header_value(datasync::kHeaderTimestamp),
                             req.get_header_value(datasync::kHeaderNonce), req.get_header_value(datasync::kHeaderSignature)};
    send(res, db.post_envelopes(auth, "/v1/envelopes", req.body));
  });
  srv.Get("/v1/forms", [&](const httplib::Request&, httplib::Response& res) { send(res, db.list_forms()); });
  srv.Get(R"(/v1/forms/([a-z]+)/([0-9A-Za-z.\-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    send(res, db.get_forms(req.matches[1], req.matches[2]));
  });
  srv.Get("/v1/health", [&](const httplib::Request&, httplib::Response& res) { send(res, db.health()); });
  std::signal(SIGTERM, [](int) { if (g_server) g_server->stop(); });
  std::signal(SIGINT, [](int) { if (g_server) g_server->stop(); });
  if (port == 0) {
    // Port 0: the kernel picks a free port; the first line printed names it (the kiosk's
    // demo mode reads it).
    port = srv.bind_to_any_port(host.c_str());
    if (port <= 0) return fail(Status::io_error("cannot listen on " + listen));
  } else if (!srv.bind_to_port(host.c_str(), port)) {
    return fail(Status::io_error("cannot listen on " + listen));
  }
  const std::string bound = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  std::printf("databank-ingest: listening on %s (%s)\n", bound.c_str(), cert.empty() ? "plain HTTP, loopback only" : "TLS");
  std::fflush(stdout);
  srv.listen_after_bind();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);
  if (Status s = platform::forbid_core_dumps(); !s.is_ok()) return fail(s);  // it opens envelopes and holds the seal key
  if (Status s = platform::crypto_init(); !s.is_ok()) return fail(s);
  CLI::App app{"databank-ingest: the reference data bank server for enrollment kiosks (sync protocol v1)"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "databank-ingest: usage: " + std::string(e.what()) + " (see --help)\n";
  });
  std::string dir;
  auto* init = app.add_subcommand("init", "create the data bank's key sets (seal, receipt, forms) and store");
  init->add_option("--dir", dir, "the data bank's directory")->required();
  std::string site, ttl = "24h", tls_cert;
  auto* code = app.add_subcommand("enroll-code", "make a single-use, expiring enroll code for one kiosk");
  code->add_option("--dir", dir)->required();
  code->add_option("--site", site, "site code, e.g. H012")->required();
  code->add_option("--ttl", ttl, "lifetime: <N>h or <N>m (default 24h)");
  code->add_option("--tls-cert", tls_cert, "the server's TLS certificate, whose public key the code pins");
  std::string listen, tls_key;
  auto* srv = app.add_subcommand("serve", "serve the sync protocol");
  srv->add_option("--dir", dir)->required();
  srv->add_option("--listen", listen, "HOST:PORT")->required();
  srv->add_option("--tls-cert", tls_cert, "PEM certificate");
  srv->add_option("--tls-key", tls_key, "PEM private key");
  std::string device;
  auto* revoke = app.add_subcommand("revoke", "refuse all further uploads from a device");
  revoke->add_option("--dir", dir)->required();
  revoke->add_option("--device", device)->required();
  std::string sign_pub_file;
  auto* add_device = app.add_subcommand("add-device", "register a device out of band (demo set-ups), by its public key file");
  add_device->add_option("--dir", dir)->required();
  add_device->add_option("--device", device, "dev-<ULID>")->required();
  add_device->add_option("--site", site, "site code, e.g. H012")->required();
  add_device->add_option("--sign-pub", sign_pub_file, "the device's device.sign.pub")->required()->check(CLI::ExistingFile);
  bool as_json = false;
  auto* stats = app.add_subcommand("stats", "counts of devices, envelopes, conflicts");
  stats->add_option("--dir", dir)->required();
  stats->add_flag("--json", as_json);
  std::string id;
  auto* open = app.add_subcommand("open", "operator tool: decrypt one stored envelope and print its bundle");
  open->add_option("--dir", dir)->required();
  open->add_option("--id", id)->required();
  std::string file, receipts_out;
  auto* import = app.add_subcommand("import", "store the envelopes of a kiosk's USB export and write receipts");
  import->add_option("--dir", dir)->required();
  import->add_option("FILE", file)->required()->check(CLI::ExistingFile);
  import->add_option("--receipts-out", receipts_out)->required();
  auto* forms_cmd = app.add_subcommand("forms", "protocol packages");
  forms_cmd->require_subcommand(1);
  std::string pkg;
  auto* publish = forms_cmd->add_subcommand("publish", "validate, sign with the forms key, and serve a package");
  publish->add_option("--dir", dir)->required();
  publish->add_option("PKG", pkg)->required()->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  platform::SystemClock clock;
  if (init->parsed()) {
    if (Status s = ingest::init_databank(dir); !s.is_ok()) return fail(s);
    auto keys = ingest::load_keys(dir);
    if (!keys.is_ok()) return fail(keys.status());
    std::printf("data bank ready in %s\n  seal    %s\n  receipt %s\n  forms   %s\n  keys fingerprint %s\n", dir.c_str(),
                platform::key_fingerprint(keys.value()->seal_pub.view()).c_str(),
                platform::key_fingerprint(keys.value()->receipt_pub.view()).c_str(),
                platform::key_fingerprint(keys.value()->forms_pub.view()).c_str(),
                datasync::keys_fingerprint(keys.value()->seal_pub, keys.value()->receipt_pub, keys.value()->forms_pub).c_str());
    return 0;
  }
  if (srv->parsed()) return serve(dir, listen, tls_cert, tls_key);
  auto bank = ingest::Databank::open(dir, clock);
  if (!bank.is_ok()) return fail(bank.status());
  if (code->parsed()) {
    std::int64_t mult = ttl.back() == 'h' ? 3600000 : ttl.back() == 'm' ? 60000 : 0;
    std::int64_t n = std::atoll(ttl.substr(0, ttl.size() - 1).c_str());
    if (mult == 0 || n <= 0) return fail(Status::invalid_argument("--ttl must look like 24h or 30m"));
    std::string pin;
    if (!tls_cert.empty()) {
      auto p = spki_pin(tls_cert);
      if (!p.is_ok()) return fail(p.status());
      pin = p.value();
    }
    auto c = bank.value()->make_enroll_code(site, n * mult, pin);
    if (!c.is_ok()) return fail(c.status());
    std::printf("%s\n", c->c_str());
    return 0;
  }
  if (add_device->parsed()) {
    auto pub = platform::read_sign_public_key(sign_pub_file);
    if (!pub.is_ok()) return fail(pub.status());
    if (Status s = bank.value()->add_device(device, site, pub.value()); !s.is_ok()) return fail(s);
    std::printf("registered %s for site %s\n", device.c_str(), site.c_str());
    return 0;
  }
  if (revoke->parsed()) {
    if (Status s = bank.value()->revoke(device); !s.is_ok()) return fail(s);
    std::printf("revoked %s\n", device.c_str());
    return 0;
  }
  if (stats->parsed()) {
    auto st = bank.value()->stats();
    if (!st.is_ok()) return fail(st.status());
    if (as_json) {
      nlohmann::json j = {{"devices", st->devices}, {"revoked", st->revoked}, {"envelopes", st->envelopes},
                          {"conflicts", st->conflicts}, {"imported", st->by_import}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("devices %lld (revoked %lld)\nenvelopes %lld (imported by USB %lld)\nconflicts %lld\n",
                  static_cast<long long>(st->devices), static_cast<long long>(st->revoked), static_cast<long long>(st->envelopes),
                  static_cast<long long>(st->by_import), static_cast<long long>(st->conflicts));
    }
    return 0;
  }
  if (open->parsed()) {
    auto text = bank.value()->stored_envelope(id);
    if (!text.is_ok()) return fail(text.status());
    auto e = datasync::envelope_from_json(text.value());
    if (!e.is_ok()) return fail(e.status());
    auto plain = datasync::open_envelope(e.value(), bank.value()->keys().seal_pub, bank.value()->keys().seal_sec);
    if (!plain.is_ok()) return fail(plain.status());
    nlohmann::json inner = nlohmann::json::parse(plain->as_string_view());
    std::printf("%s\n", inner["bundle"].dump(2).c_str());
    return 0;
  }
  if (import->parsed()) {
    int stored = 0, rejected = 0;
    auto receipts = bank.value()->import_export_file(file, &stored, &rejected);
    if (!receipts.is_ok()) return fail(receipts.status());
    if (Status s = platform::write_file_atomic(receipts_out, receipts.value(), 0644); !s.is_ok()) return fail(s);
    std::printf("stored or confirmed %d envelopes, rejected %d; receipts in %s\n", stored, rejected, receipts_out.c_str());
    return rejected == 0 ? 0 : 1;
  }
  if (publish->parsed()) {
    auto text = platform::read_file(pkg, 16 * 1024 * 1024);
    if (!text.is_ok()) return fail(text.status());
    auto r = bank.value()->publish_forms(text.value());
    if (!r.is_ok()) return fail(r.status());
    std::printf("published %s (signed with the forms key)\n", r->c_str());
    return 0;
  }
  return fail(Status::internal("no subcommand ran"));
}
