#include "ingest/databank.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <thread>

#include "forms/package.h"
#include "platform/fs.h"
#include "platform/keyfile.h"
#include "platform/log.h"
#include "sqlite_db.h"
#include "sync/envelope.h"
#include "sync/protocol.h"
#include "sync/receipt.h"
#include "sync/usb_export.h"

namespace ingest {

namespace fs = std::filesystem;
using datasync::detail::exec_sql;
using datasync::detail::Stmt;
using datasync::detail::Transaction;
using nlohmann::json;
using platform::Result;
using platform::Status;

namespace {

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, site TEXT NOT NULL, sign_pub TEXT NOT NULL,
  registered_ms INTEGER NOT NULL, revoked_ms INTEGER);
CREATE TABLE IF NOT EXISTS enroll_codes(secret_hash TEXT PRIMARY KEY, site TEXT NOT NULL,
  expires_ms INTEGER NOT NULL, used_ms INTEGER, device_id TEXT);
CREATE TABLE IF NOT EXISTS envelopes(id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, device TEXT NOT NULL,
  kind TEXT NOT NULL, site TEXT NOT NULL, created TEXT NOT NULL, ref TEXT NOT NULL,
  envelope TEXT NOT NULL, received TEXT NOT NULL, receipt TEXT NOT NULL, via TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conflicts(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, sha256 TEXT NOT NULL,
  device TEXT NOT NULL, received TEXT NOT NULL, envelope TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nonces(device TEXT NOT NULL, nonce TEXT NOT NULL, ts_ms INTEGER NOT NULL,
  PRIMARY KEY(device, nonce)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS forms(type TEXT NOT NULL, version TEXT NOT NULL, package TEXT NOT NULL,
  sig TEXT NOT NULL, published_ms INTEGER NOT NULL, PRIMARY KEY(type, version));
)sql";

template <typename T>
Status take(Result<T> r, T& out) {
  if (!r.is_ok()) return r.status();
  out = std::move(r.value());
  return Status::ok();
}

Reply error_reply(int status, const std::string& code, const std::string& message, std::int64_t now) {
  return {status, {{"error", code}, {"message", message}, {"server_time", now}}, 0};
}

}  // namespace

Status init_databank(const fs::path& dir) {
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(dir));
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(dir / "keys"));
  auto pair = [&](const char* name, auto generate) -> Status {
    fs::path pub = dir / "keys" / (std::string(name) + ".pub"), sec = dir / "keys" / (std::string(name) + ".key");
    if (fs::exists(pub) && fs::exists(sec)) return Status::ok();
    if (fs::exists(pub) != fs::exists(sec)) return Status::corruption("only one half of the key pair " + pub.string() + " exists");
    auto kp = generate();
    KIOSK_RETURN_IF_ERROR(platform::write_secret_key_file(sec, kp.sec.view()));
    return platform::write_public_key_file(pub, kp.pub.view());
  };
  KIOSK_RETURN_IF_ERROR(pair("seal", &platform::generate_seal_keypair));
  KIOSK_RETURN_IF_ERROR(pair("receipt", &platform::generate_sign_keypair));
  KIOSK_RETURN_IF_ERROR(pair("forms", &platform::generate_sign_keypair));
  platform::SystemClock clock;
  Result<std::unique_ptr<Databank>> db = Databank::open(dir, clock);
  return db.status();
}

Result<std::unique_ptr<KeySet>> load_keys(const fs::path& dir) {
  auto k = std::make_unique<KeySet>();
  const fs::path d = dir / "keys";
  KIOSK_RETURN_IF_ERROR(take(platform::read_seal_public_key(d / "seal.pub"), k->seal_pub));
  KIOSK_RETURN_IF_ERROR(take(platform::read_seal_secret_key(d / "seal.key"), k->seal_sec));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_public_key(d / "receipt.pub"), k->receipt_pub));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_secret_key(d / "receipt.key"), k->receipt_sec));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_public_key(d / "forms.pub"), k->forms_pub));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_secret_key(d / "forms.key"), k->forms_sec));
  return k;
}

Databank::Databank(sqlite3* db, fs::path dir, std::unique_ptr<KeySet> keys, platform::Clock& clock)
    : db_(db), dir_(std::move(dir)), keys_(std::move(keys)), clock_(clock), ids_(clock) {}

Databank::~Databank() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      stopping_ = true;
    }
    checkpoint_cv_.notify_all();
    checkpointer_.join();
  }
  sqlite3_close(db_);
}

Status Databank::start_background_checkpoints(std::chrono::milliseconds every) {
  if (checkpointer_.joinable()) return Status::ok();
  const fs::path file = dir_ / "ingest.db";
  sqlite3* ck = nullptr;
  if (sqlite3_open_v2(file.c_str(), &ck, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    Status s = datasync::detail::sqlite_status(ck, sqlite3_errcode(ck), "cannot open " + file.string() + " for checkpoints");
    sqlite3_close(ck);
    return s;
  }
  sqlite3_busy_timeout(ck, 1000);
  KIOSK_RETURN_IF_ERROR(exec_sql(ck, "PRAGMA synchronous=FULL;", "configuring the checkpoint connection"));
  {
    std::lock_guard<std::mutex> lock(mu_);
    KIOSK_RETURN_IF_ERROR(exec_sql(db_, "PRAGMA wal_autocheckpoint=16384;", "configuring " + file.string()));
  }
  checkpointer_ = std::thread([this, ck, every] {
    std::unique_lock<std::mutex> lock(checkpoint_mu_);
    while (!checkpoint_cv_.wait_for(lock, every, [this] { return stopping_; })) {
      lock.unlock();
      int log = 0, done = 0;
      if (sqlite3_wal_checkpoint_v2(ck, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
        platform::log::warn("ingest.checkpoint_failed", {});
      lock.lock();
    }
    sqlite3_close(ck);
  });
  return Status::ok();
}

Result<std::unique_ptr<Databank>> Databank::open(const fs::path& dir, platform::Clock& clock) {
  Result<std::unique_ptr<KeySet>> keys = load_keys(dir);
  if (!keys.is_ok()) return keys.status().with_context("data bank in " + dir.string() + " (run `databank-ingest init`)");
  const fs::path file = dir / "ingest.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    Status s = datasync::detail::sqlite_status(db, sqlite3_errcode(db), "cannot open " + file.string());
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Databank> bank(new Databank(db, dir, std::move(keys.value()), clock));
  sqlite3_busy_timeout(db, 5000);
  {
    Stmt qc(db, "PRAGMA quick_check");
    Result<bool> row = qc.step("checking " + file.string());
    if (!row.is_ok()) return row.status();
    if (!row.value() || qc.col_text(0) != "ok") return Status::corruption(file.string() + " failed its integrity check; left untouched");
  }
  // 16 KiB pages: an envelope (~27 KB of JSON) then takes one leaf cell and one overflow page
  // instead of a leaf cell and six 4 KiB overflow pages, each a WAL frame and a checkpoint
  // write of its own (bench_sync: the uploader +14 %). Larger pages were no faster and cost
  // more per single-envelope request (bytes written a request: 4 KiB 85 KB, 16 KiB 152 KB,
  // 64 KiB 406 KB; docs/PERFORMANCE.md). Only a new, empty store takes it; a store created
  // before keeps its page size (SQLite ignores the pragma), which is harmless.
  KIOSK_RETURN_IF_ERROR(exec_sql(db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "configuring " + file.string()));
  KIOSK_RETURN_IF_ERROR(exec_sql(db, kSchema, "creating the store in " + file.string()));
  return bank;
}

Result<std::string> Databank::make_enroll_code(const std::string& site, std::int64_t ttl_ms, const std::string& tls_spki) {
  if (site.size() != 4 || site[0] < 'A' || site[0] > 'Z') return Status::invalid_argument("site must be a code like H012");
  datasync::EnrollCode code;
  code.secret = datasync::new_nonce();
  code.keys_fingerprint = datasync::keys_fingerprint(keys_->seal_pub, keys_->receipt_pub, keys_->forms_pub);
  code.tls_spki_sha256 = tls_spki;
  std::lock_guard<std::mutex> lock(mu_);
  Stmt ins(db_, "INSERT INTO enroll_codes(secret_hash, site, expires_ms) VALUES(?,?,?)");
  ins.bind(1, platform::sha256_hex(platform::as_bytes(code.secret))).bind(2, site).bind(3, clock_.now_unix_ms() + ttl_ms);
  KIOSK_RETURN_IF_ERROR(ins.exec("storing the enroll code"));
  return datasync::encode_enroll_code(code);
}

Status Databank::revoke(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt up(db_, "UPDATE devices SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL");
  up.bind(1, clock_.now_unix_ms()).bind(2, device_id);
  KIOSK_RETURN_IF_ERROR(up.exec("revoking"));
  if (sqlite3_changes(db_) == 0) return Status::not_found("no active device " + device_id);
  return Status::ok();
}

Status Databank::add_device(const std::string& device_id, const std::string& site, const platform::SignPublicKey& pub) {
  datasync::EnvelopeHeader probe{"00000000000000000000000000", "event", device_id, site, "2026-01-01T00:00:00Z", ""};
  if (Status s = datasync::check_header(probe); !s.is_ok())
    return Status::invalid_argument("device id must be dev-<ULID> and site a letter and 3 digits");
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_, "SELECT sign_pub FROM devices WHERE id = ?");
  q.bind(1, device_id);
  Result<bool> row = q.step("looking up device");
  if (!row.is_ok()) return row.status();
  const std::string pub64 = platform::base64_encode(pub.view());
  if (row.value()) {
    if (q.col_text(0) == pub64) return Status::ok();  // already registered with this key
    return Status::already_exists("device " + device_id + " is registered with another key");
  }
  Stmt ins(db_, "INSERT INTO devices(id, site, sign_pub, registered_ms) VALUES(?,?,?,?)");
  ins.bind(1, device_id).bind(2, site).bind(3, pub64).bind(4, clock_.now_unix_ms());
  return ins.exec("registering device");
}

Result<Stats> Databank::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s;
  Stmt q(db_,
         "SELECT (SELECT count(*) FROM devices), (SELECT count(*) FROM devices WHERE revoked_ms IS NOT NULL), "
         "(SELECT count(*) FROM envelopes), (SELECT count(*) FROM conflicts), "
         "(SELECT count(*) FROM envelopes WHERE via = 'import')");
  Result<bool> row = q.step("reading stats");
  if (!row.is_ok()) return row.status();
  s.devices = q.col_int(0);
  s.revoked = q.col_int(1);
  s.envelopes = q.col_int(2);
  s.conflicts = q.col_int(3);
  s.by_import = q.col_int(4);
  return s;
}

Result<std::string> Databank::stored_envelope(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_, "SELECT envelope FROM envelopes WHERE id = ?");
  q.bind(1, id);
  Result<bool> row = q.step("reading envelope");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return Status::not_found("no stored envelope " + id);
  return q.col_text(0);
}

Result<std::optional<platform::SignPublicKey>> Databank::device_key(const std::string& id, bool* revoked) {
  Stmt q(db_, "SELECT sign_pub, revoked_ms FROM devices WHERE id = ?");
  q.bind(1, id);
  Result<bool> row = q.step("looking up device");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return std::optional<platform::SignPublicKey>();
  *revoked = !q.col_null(1);
  Result<platform::Bytes> raw = platform::base64_decode(q.col_text(0));
  if (!raw.is_ok() || raw->size() != platform::kSignPublicKeyBytes) return Status::corruption("stored key of " + id + " is damaged");
  platform::SignPublicKey k;
  std::memcpy(k.bytes.data(), raw->data(), k.bytes.size());
  return std::optional<platform::SignPublicKey>(k);
}

Reply Databank::register_device(const std::string& body) {
  const std::int64_t now = clock_.now_unix_ms();
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("enroll_code") || !j["enroll_code"].is_string() ||
      !j.contains("sign_pub") || !j["sign_pub"].is_string())
    return error_reply(400, "bad_request", "expected {\"enroll_code\", \"sign_pub\"}", now);
  Result<datasync::EnrollCode> code = datasync::decode_enroll_code(j["enroll_code"].get<std::string>());
  if (!code.is_ok()) return error_reply(400, "bad_enroll_code", code.status().message(), now);
  Result<platform::Bytes> pub = platform::base64_decode(j["sign_pub"].get<std::string>());
  if (!pub.is_ok() || pub->size() != platform::kSignPublicKeyBytes)
    return error_reply(400, "bad_key", "sign_pub must be a base64 Ed25519 public key", now);
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.begin().is_ok()) return error_reply(503, "busy", "store unavailable", now);
  const std::string hash = platform::sha256_hex(platform::as_bytes(code->secret));
  Stmt q(db_, "SELECT site, expires_ms, used_ms FROM enroll_codes WHERE secret_hash = ?");
  q.bind(1, hash);
  Result<bool> row = q.step("reading enroll code");
  if (!row.is_ok()) return error_reply(503, "busy", "store unavailable", now);
  if (!row.value()) return error_reply(403, "unknown_enroll_code", "this enroll code is not known to the data bank", now);
  std::string site = q.col_text(0);
  if (!q.col_null(2)) return error_reply(403, "used_enroll_code", "this enroll code was already used", now);
  if (q.col_int(1) < now) return error_reply(403, "expired_enroll_code", "this enroll code has expired", now);
  const std::string device = "dev-" + ids_.next();
  Stmt ins(db_, "INSERT INTO devices(id, site, sign_pub, registered_ms) VALUES(?,?,?,?)");
  ins.bind(1, device).bind(2, site).bind(3, platform::base64_encode(pub.value())).bind(4, now);
  Stmt use(db_, "UPDATE enroll_codes SET used_ms = ?, device_id = ? WHERE secret_hash = ?");
  use.bind(1, now).bind(2, device).bind(3, hash);
  if (!ins.exec("registering").is_ok() || !use.exec("using code").is_ok() || !tx.commit().is_ok())
    return error_reply(503, "busy", "store unavailable", now);
  return {201,
          {{"device_id", device},
           {"site", site},
           {"seal_pub", platform::base64_encode(keys_->seal_pub.view())},
           {"receipt_pub", platform::base64_encode(keys_->receipt_pub.view())},
           {"forms_pub", platform::base64_encode(keys_->forms_pub.view())},
           {"server_time", now}},
          0};
}

Databank::Checked Databank::check_parsed(Result<datasync::Envelope> e, std::string_view text, const std::string& device,
                                         const platform::SignPublicKey& key) const {
  Checked c;
  c.text = text;
  if (!e.is_ok()) {
    // Name the envelope in the rejection if its id can be read at all.
    nlohmann::json j = json::parse(text, nullptr, false);
    c.id = j.is_object() && j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
    c.rejection = "malformed: " + e.status().message();
    return c;
  }
  c.id = e->h.id;
  c.header = e->h;
  if (!device.empty() && e->h.device != device) {
    c.rejection = "device_mismatch: envelope names another device than the request";
    return c;
  }
  if (Status v = datasync::verify_envelope(e.value(), key, &c.sha256); !v.is_ok()) {
    c.rejection = "bad_signature: " + v.message();
    return c;
  }
  if (Status opened = datasync::check_sealed(e.value(), keys_->seal_pub, keys_->seal_sec); !opened.is_ok()) {
    c.rejection = "bad_seal: " + opened.message();
    return c;
  }
  // Signed here, on the parallel path; sent only if this envelope is then stored and committed.
  c.received = platform::format_rfc3339_utc(clock_.now_unix_ms());
  c.receipt = datasync::receipt_to_json(datasync::sign_receipt(c.id, c.sha256, c.received, keys_->receipt_sec));
  return c;
}

Databank::Outcome Databank::store_checked(const Checked& c, const std::string& via) {
  Outcome o;
  o.id = c.id;
  if (!c.rejection.empty()) {
    o.rejection = c.rejection;
    return o;
  }
  Stmt q(db_, "SELECT sha256, receipt FROM envelopes WHERE id = ?");
  q.bind(1, c.id);
  Result<bool> row = q.step("looking up envelope");
  if (!row.is_ok()) {
    o.rejection = "store_error";
    return o;
  }
  if (row.value()) {
    if (q.col_text(0) == c.sha256) {
      o.receipt = json::parse(q.col_text(1));
      return o;
    }
    Stmt conflict(db_, "INSERT INTO conflicts(id, sha256, device, received, envelope) VALUES(?,?,?,?,?)");
    conflict.bind(1, c.id).bind(2, c.sha256).bind(3, c.header.device).bind(4, platform::format_rfc3339_utc(clock_.now_unix_ms())).bind(5, c.text);
    (void)conflict.exec("setting a conflict aside");
    o.rejection = "conflict: the data bank holds this id with another hash";
    return o;
  }
  Stmt ins(db_,
           "INSERT INTO envelopes(id, sha256, device, kind, site, created, ref, envelope, received, receipt, via) "
           "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, c.id).bind(2, c.sha256).bind(3, c.header.device).bind(4, c.header.kind).bind(5, c.header.site)
      .bind(6, c.header.created).bind(7, c.header.ref).bind_static(8, c.text).bind(9, c.received).bind(10, c.receipt).bind(11, via);
  if (!ins.exec("storing envelope").is_ok()) {
    o.rejection = "store_error";
    return o;
  }
  o.receipt = json::parse(c.receipt);
  return o;
}

Databank::Outcome Databank::store_one(const std::string& text, const std::string& via) {
  Result<datasync::Envelope> e = datasync::envelope_from_json(text);
  if (e.is_ok()) {
    bool revoked = false;
    Result<std::optional<platform::SignPublicKey>> key = device_key(e->h.device, &revoked);
    Outcome o;
    o.id = e->h.id;
    if (!key.is_ok() || !key.value()) o.rejection = "unknown_device: " + e->h.device;
    else if (revoked) o.rejection = "revoked_device: " + e->h.device;
    if (!o.rejection.empty()) return o;
    return store_checked(check_parsed(std::move(e), text, "", *key.value()), via);
  }
  return store_checked(check_parsed(std::move(e), text, "", platform::SignPublicKey{}), via);
}

Reply Databank::post_envelopes(const RequestAuth& auth, const std::string& path, const std::string& body) {
  const std::int64_t now = clock_.now_unix_ms();
  if (auth.device.empty() || auth.timestamp.empty() || auth.nonce.empty() || auth.signature.empty())
    return error_reply(401, "unsigned", "request signature headers are missing", now);
  std::int64_t ts = 0;
  try {
    ts = std::stoll(auth.timestamp);
  } catch (...) {
    return error_reply(401, "bad_timestamp", "X-BBD-Timestamp is not a number", now);
  }
  if (ts < now - datasync::kRequestWindowMs || ts > now + datasync::kRequestWindowMs)
    return error_reply(401, "clock_skew", "request time is outside the accepted window; correct the clock by server_time", now);
  if (auth.nonce.size() != 32 || auth.nonce.find_first_not_of("0123456789abcdef") != std::string::npos)
    return error_reply(401, "bad_nonce", "X-BBD-Nonce must be 32 hex digits", now);
  Result<platform::Bytes> sigraw = platform::base64_decode(auth.signature);
  if (!sigraw.is_ok() || sigraw->size() != platform::kSignatureBytes) return error_reply(401, "bad_signature", "X-BBD-Signature is not a signature", now);
  platform::Signature sig{};
  std::memcpy(sig.data(), sigraw->data(), sig.size());
  platform::SignPublicKey device_pub{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    bool revoked = false;
    Result<std::optional<platform::SignPublicKey>> key = device_key(auth.device, &revoked);
    if (!key.is_ok()) return error_reply(503, "busy", "store unavailable", now);
    if (!key.value()) return error_reply(401, "unknown_device", "this device is not registered", now);
    if (revoked) return error_reply(403, "revoked_device", "this device has been revoked", now);
    device_pub = *key.value();
  }
  if (!datasync::verify_request(sig, "POST", path, ts, auth.nonce, body, device_pub))
    return error_reply(401, "bad_signature", "request signature does not verify", now);

  // The checks that need no store (parse, signature, seal) run on worker threads, outside the
  // lock; this thread stores each envelope, in order, as soon as it has been checked, all in
  // one transaction (storing overlaps checking). Only a signed request gets here.
  Result<std::vector<std::string_view>> texts = datasync::split_envelope_batch(body);
  const std::size_t n = texts.is_ok() && texts->size() <= datasync::kMaxBatchCount ? texts->size() : 0;
  std::vector<Checked> checked(n);
  std::vector<char> ready(n, 0);  // guarded by ready_mu
  std::mutex ready_mu;
  std::condition_variable ready_cv;
  std::atomic<bool> cancel{false};
  const std::size_t workers = std::min<std::size_t>(std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4), n);
  std::vector<std::thread> pool;
  // Declared after what the workers use, so destroyed (cancelled, joined) before it, on every return.
  struct Joiner {
    std::vector<std::thread>& pool;
    std::atomic<bool>& cancel;
    ~Joiner() {
      cancel = true;
      for (std::thread& t : pool) t.join();
    }
  } joiner{pool, cancel};
  if (n == 1) {  // one envelope (one-by-one clients): checked here, no thread to start
    checked[0] = check_parsed(datasync::envelope_from_json((*texts)[0]), (*texts)[0], auth.device, device_pub);
    ready[0] = 1;
  }
  for (std::size_t w = 0; n > 1 && w < workers; ++w)
    pool.emplace_back([&, w] {
      for (std::size_t i = w; i < n && !cancel; i += workers) {
        checked[i] = check_parsed(datasync::envelope_from_json((*texts)[i]), (*texts)[i], auth.device, device_pub);
        std::lock_guard<std::mutex> l(ready_mu);
        ready[i] = 1;
        ready_cv.notify_all();
      }
    });

  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  if (!tx.begin().is_ok()) return {503, {{"error", "busy"}, {"server_time", now}}, 2};
  {
    Stmt prune(db_, "DELETE FROM nonces WHERE ts_ms < ?");
    prune.bind(1, now - 2 * datasync::kRequestWindowMs);
    (void)prune.exec("pruning nonces");
    Stmt nonce(db_, "INSERT INTO nonces(device, nonce, ts_ms) VALUES(?,?,?)");
    nonce.bind(1, auth.device).bind(2, auth.nonce).bind(3, ts);
    if (!nonce.exec("recording nonce").is_ok()) return error_reply(401, "replay", "this request was already received (nonce reused)", now);
  }
  if (!texts.is_ok()) {
    (void)tx.commit();  // keep the nonce: the signed request was seen
    return error_reply(400, "bad_request", texts.status().message(), now);
  }
  if (texts->size() > datasync::kMaxBatchCount) {
    (void)tx.commit();
    return error_reply(413, "too_many", "at most " + std::to_string(datasync::kMaxBatchCount) + " envelopes per request", now);
  }
  json receipts = json::array(), rejected = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    {
      std::unique_lock<std::mutex> l(ready_mu);
      ready_cv.wait(l, [&] { return ready[i] != 0; });
    }
    Outcome o = store_checked(checked[i], "online");
    if (o.receipt) receipts.push_back(std::move(*o.receipt));
    else rejected.push_back({{"id", o.id}, {"reason", o.rejection}});
  }
  if (!tx.commit().is_ok()) return {503, {{"error", "store_failed"}, {"server_time", now}}, 5};
  return {201, {{"receipts", std::move(receipts)}, {"rejected", std::move(rejected)}, {"server_time", now}}, 0};
}

Reply Databank::list_forms() {
  std::lock_guard<std::mutex> lock(mu_);
  json list = json::array();
  Stmt q(db_, "SELECT type, version FROM forms ORDER BY type, version");
  for (;;) {
    Result<bool> row = q.step("listing forms");
    if (!row.is_ok() || !row.value()) break;
    list.push_back({{"type", q.col_text(0)}, {"version", q.col_text(1)}});
  }
  return {200, {{"forms", list}, {"server_time", clock_.now_unix_ms()}}, 0};
}

Reply Databank::get_forms(const std::string& type, const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt q(db_, "SELECT package, sig FROM forms WHERE type = ? AND version = ?");
  q.bind(1, type).bind(2, version);
  Result<bool> row = q.step("reading forms");
  if (!row.is_ok() || !row.value()) return error_reply(404, "not_found", "no package " + type + "/" + version, clock_.now_unix_ms());
  return {200, {{"package", q.col_text(0)}, {"sig", q.col_text(1)}}, 0};
}

Reply Databank::health() { return {200, {{"status", "ok"}, {"server_time", clock_.now_unix_ms()}}, 0}; }

Result<std::string> Databank::publish_forms(const std::string& text) {
  forms::FormFile f = forms::load_form_text(text);
  if (!f.problems.empty()) return Status::invalid_argument("package refused: " + f.problems.front().to_string());
  if (!f.package) return Status::invalid_argument("not a protocol package");
  std::string sig = forms::sign_package(text, keys_->forms_sec);
  std::lock_guard<std::mutex> lock(mu_);
  Stmt ins(db_, "INSERT OR REPLACE INTO forms(type, version, package, sig, published_ms) VALUES(?,?,?,?,?)");
  ins.bind(1, f.package->participation_type).bind(2, f.package->version).bind(3, text).bind(4, sig).bind(5, clock_.now_unix_ms());
  KIOSK_RETURN_IF_ERROR(ins.exec("publishing"));
  return f.package->participation_type + "/" + f.package->version;
}

Result<std::string> Databank::import_export_file(const fs::path& file, int* stored, int* rejected) {
  Result<std::vector<std::string>> lines = datasync::read_export(file);
  if (!lines.is_ok()) return lines.status();
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  std::string out;
  *stored = 0;
  *rejected = 0;
  for (const std::string& line : lines.value()) {
    Outcome o = store_one(line, "import");
    if (o.receipt) {
      out += o.receipt->dump() + "\n";
      ++*stored;
    } else {
      ++*rejected;
      std::fprintf(stderr, "rejected %s: %s\n", o.id.c_str(), o.rejection.c_str());
    }
  }
  KIOSK_RETURN_IF_ERROR(tx.commit());
  return out;
}

}  // namespace ingest
