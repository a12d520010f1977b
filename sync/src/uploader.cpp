#include "sync/uploader.h"

#include <future>
#include <nlohmann/json.hpp>
#include <set>

#include "platform/log.h"
#include "sync/protocol.h"

namespace datasync {

using nlohmann::json;
using platform::Status;

Uploader::Uploader(Outbox& outbox, Transport& transport, std::string device_id, const platform::SignSecretKey& device_key,
                   const platform::SignPublicKey& receipt_key, platform::SystemClock& clock, UploaderConfig cfg)
    : outbox_(outbox), transport_(transport), device_id_(std::move(device_id)), device_key_(device_key),
      receipt_key_(receipt_key), clock_(clock), cfg_(cfg) {}

void Uploader::fail_batch(const std::vector<QueuedEnvelope>& batch, const std::string& reason, SyncReport& report) {
  const std::int64_t now = clock_.now_unix_ms();
  for (const QueuedEnvelope& q : batch) (void)outbox_.record_failure(q.id, reason, now);
  report.failed += static_cast<int>(batch.size());
  report.last_error = reason;
}

platform::Result<Uploader::Prepared> Uploader::prepare(std::int64_t after_seq) {
  platform::Result<std::vector<QueuedEnvelope>> batch = outbox_.next_batch(cfg_.batch_count, cfg_.batch_bytes, after_seq);
  if (!batch.is_ok()) return batch.status();
  Prepared p;
  p.batch = std::move(batch.value());
  std::size_t total = 20;
  for (const QueuedEnvelope& q : p.batch) total += q.json.size() + 1;
  p.body.reserve(total);
  p.body += "{\"envelopes\":[";
  for (std::size_t i = 0; i < p.batch.size(); ++i) {
    if (i) p.body += ',';
    p.body += p.batch[i].json;  // each is the envelope's exact wire JSON
  }
  p.body += "]}";
  return p;
}

platform::Result<json> Uploader::exchange(Prepared& p, SyncReport& report, bool may_retry_skew) {
  const std::int64_t ts = clock_.now_unix_ms();
  const std::string nonce = new_nonce();
  // The body moves into the request (no copy of a batch of megabytes); only the clock-skew
  // retry below needs it again, and takes it back.
  HttpRequest req{"POST", "/v1/envelopes", {}, std::move(p.body)};
  req.headers = {{kHeaderDevice, device_id_},
                 {kHeaderTimestamp, std::to_string(ts)},
                 {kHeaderNonce, nonce},
                 {kHeaderSignature, platform::base64_encode(sign_request("POST", req.path, ts, nonce, req.body, device_key_))}};
  report.batches++;
  report.sent += static_cast<int>(p.batch.size());
  platform::Result<HttpResponse> res = transport_.send(req);
  if (!res.is_ok()) {
    fail_batch(p.batch, res.status().message(), report);
    return res.status();
  }
  const HttpResponse& r = res.value();
  json j = json::parse(r.body, nullptr, false);
  if (r.status == 401 && may_retry_skew && j.is_object() && j.value("error", "") == "clock_skew" &&
      j.contains("server_time") && j["server_time"].is_number_integer()) {
    // Correct the device clock by the server's time (we trust it: the reply came over the
    // pinned TLS connection) and try once more.
    std::int64_t skew = j["server_time"].get<std::int64_t>() - (clock_.now_unix_ms() - clock_.offset_ms());
    clock_.set_offset_ms(skew);
    platform::log::warn("sync.clock_corrected", {{"offset_ms", skew}});
    report.batches--;
    report.sent -= static_cast<int>(p.batch.size());
    p.body = std::move(req.body);
    return exchange(p, report, false);
  }
  if (r.status != 201) {
    std::string reason = "HTTP " + std::to_string(r.status);
    if (r.status >= 300 && r.status < 400) reason += ": redirect refused";
    else if (j.is_object() && j.contains("error") && j["error"].is_string()) reason += ": " + j["error"].get<std::string>();
    else if (r.status == 200) reason += ": not the data bank (captive portal?)";
    if (std::string ra = r.header("retry-after"); !ra.empty()) report.retry_after_s = std::max(0, std::atoi(ra.c_str()));
    fail_batch(p.batch, reason, report);
    return Status::io_error("data bank refused the batch: " + reason);
  }
  if (j.is_discarded() || !j.is_object() || !j.contains("receipts") || !j["receipts"].is_array()) {
    fail_batch(p.batch, "HTTP 201 with a body that is not a receipts reply", report);
    return Status::io_error("data bank reply is not a receipts reply");
  }
  return j;
}

Status Uploader::settle(const std::vector<QueuedEnvelope>& batch, const json& j, SyncReport& report) {
  std::set<std::string> settled;
  Status worst = Status::ok();
  std::vector<Receipt> receipts;
  for (const json& rj : j["receipts"]) {
    platform::Result<Receipt> rec = receipt_from_json(rj.dump());
    if (!rec.is_ok()) worst = rec.status();
    else receipts.push_back(std::move(rec.value()));
  }
  // One transaction for the whole batch's receipts. Each is verified and hash-matched by the
  // outbox; a bad one leaves its envelope queued.
  for (const Outbox::AckResult& a : outbox_.acknowledge_batch(receipts, receipt_key_)) {
    if (!a.status.is_ok()) {
      worst = a.status;
      continue;
    }
    settled.insert(a.id);
    if (a.outcome == AckOutcome::kAcked) report.acked++;
    else report.already_acked++;
  }
  if (j.contains("rejected") && j["rejected"].is_array()) {
    for (const json& rej : j["rejected"]) {
      if (!rej.is_object() || !rej.contains("id") || !rej["id"].is_string()) continue;
      std::string id = rej["id"].get<std::string>();
      std::string reason = rej.value("reason", "rejected");
      if (reason.rfind("conflict", 0) == 0) {
        if (outbox_.mark_conflict(id, reason, clock_.now_unix_ms()).is_ok()) {
          report.conflicts++;
          settled.insert(id);
        }
      }
      // Other rejections fall through to "no receipt" below and are retried later.
    }
  }
  std::vector<QueuedEnvelope> unsettled;
  for (const QueuedEnvelope& q : batch)
    if (!settled.count(q.id)) unsettled.push_back(q);
  if (!unsettled.empty()) {
    std::string reason = worst.is_ok() ? "no valid receipt in the data bank's reply" : worst.message();
    fail_batch(unsettled, reason, report);
    return worst.is_ok() ? Status::io_error(reason) : worst;
  }
  return Status::ok();
}

namespace {

void merge(SyncReport& into, const SyncReport& from) {
  into.acked += from.acked;
  into.already_acked += from.already_acked;
  into.conflicts += from.conflicts;
  into.failed += from.failed;
  if (!from.last_error.empty()) into.last_error = from.last_error;
}

}  // namespace

// A pipeline of three: while batch N is on the wire and at the data bank, batch N+1 is read
// and encoded, and batch N-1's receipts are verified and acknowledged. Only the exchange
// itself stays on this thread (the transport belongs to it); the outbox is thread-safe.
// Nothing changes about what counts: a batch is dropped only by its own verified receipts.
Status Uploader::drain(int max_batches, SyncReport& report) {
  Status result = Status::ok();
  platform::Result<Prepared> next = prepare(0);
  std::future<platform::Result<Prepared>> prefetch;
  std::future<Status> settling;
  SyncReport settle_report;
  auto finish_settling = [&] {
    if (!settling.valid()) return;
    Status s = settling.get();
    merge(report, settle_report);
    settle_report = SyncReport{};
    if (result.is_ok() && !s.is_ok()) result = s;
  };
  for (int b = 0; b < max_batches; ++b) {
    if (prefetch.valid()) next = prefetch.get();
    if (!next.is_ok()) {
      if (result.is_ok()) result = next.status();
      break;
    }
    Prepared cur = std::move(next.value());
    if (cur.batch.empty()) break;
    if (b + 1 < max_batches)
      prefetch = std::async(std::launch::async, [this, after = cur.batch.back().seq] { return prepare(after); });
    platform::Result<json> reply = exchange(cur, report, true);
    finish_settling();  // batch N-1's acknowledgements ran while batch N was in flight
    if (!reply.is_ok()) {
      if (result.is_ok()) result = reply.status();
      break;
    }
    settling = std::async(std::launch::async, [this, batch = std::move(cur.batch), j = std::move(reply.value()), &settle_report] {
      return settle(batch, j, settle_report);
    });
    if (!result.is_ok()) break;
  }
  finish_settling();
  if (prefetch.valid()) prefetch.wait();  // a batch read ahead but not sent stays queued
  platform::Result<std::vector<QueuedEnvelope>> rest = outbox_.next_batch(1, cfg_.batch_bytes);
  report.queue_empty = rest.is_ok() && rest->empty();
  return result;
}

std::int64_t backoff_delay_ms(const BackoffPolicy& p, int failures, int retry_after_s, std::mt19937_64& rng) {
  std::int64_t ceiling = p.base_ms;
  for (int i = 0; i < failures && ceiling < p.cap_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, p.cap_ms);
  std::int64_t d = std::uniform_int_distribution<std::int64_t>(0, ceiling)(rng);
  return std::max<std::int64_t>(d, static_cast<std::int64_t>(retry_after_s) * 1000);
}

SyncService::SyncService(std::function<std::unique_ptr<Uploader>()> make_uploader, Outbox& outbox, platform::Clock& clock,
                         BackoffPolicy policy)
    : make_uploader_(std::move(make_uploader)), outbox_(outbox), clock_(clock), policy_(policy) {}

SyncService::~SyncService() { stop(); }

void SyncService::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  status_.running = true;
  thread_ = std::thread([this] { run(); });
}

void SyncService::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  status_.running = false;
}

void SyncService::trigger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    triggered_ = true;
  }
  cv_.notify_all();
}

SyncStatus SyncService::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void SyncService::run() {
  std::unique_ptr<Uploader> up = make_uploader_();
  std::mt19937_64 rng(std::random_device{}());
  for (;;) {
    SyncReport report;
    Status s = up ? up->drain(50, report) : Status::internal("no uploader");
    platform::Result<OutboxStats> st = outbox_.stats(clock_.now_unix_ms());
    std::int64_t delay;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (st.is_ok()) status_.queued = st->queued_count;
      if (s.is_ok()) {
        status_.last_success_unix_ms = clock_.now_unix_ms();
        status_.consecutive_failures = 0;
        status_.last_error.clear();
        delay = report.queue_empty ? policy_.idle_poll_ms : 0;
      } else {
        status_.last_error = s.message();
        status_.consecutive_failures++;
        delay = backoff_delay_ms(policy_, status_.consecutive_failures - 1, report.retry_after_s, rng);
      }
      status_.next_attempt_unix_ms = clock_.now_unix_ms() + delay;
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(delay), [this] { return stop_ || triggered_; });
    if (stop_) return;
    triggered_ = false;
  }
}

}  // namespace datasync
