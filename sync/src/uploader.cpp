#include "sync/uploader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <deque>
#include <future>
#include <type_traits>
#include <nlohmann/json.hpp>
#include <set>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

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

// A request body's bytes in pages mapped for it alone, not from malloc. drain() keeps two and
// reuses them batch after batch with their capacity, and unmaps them when it returns. With
// malloc, batch-sized blocks stayed resident after the drain: freed memory at the top of a
// helper thread's arena is kept (malloc_trim trims only the main arena's top), and freeing a
// block of megabytes raises glibc's trim threshold for every arena (18 MB stayed in bench_sync).
class Uploader::BatchBuffer {
 public:
  BatchBuffer() = default;
  ~BatchBuffer() {
    if (data_) ::munmap(data_, capacity_);
  }
  BatchBuffer(const BatchBuffer&) = delete;
  BatchBuffer& operator=(const BatchBuffer&) = delete;

  void clear() {
    size_ = 0;
    sha256_hex_.clear();
  }
  // Room for `n` bytes in all. False if the system has no memory for it (nothing changes).
  [[nodiscard]] bool reserve(std::size_t n) {
    if (n <= capacity_) return true;
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t want = (n + page - 1) / page * page;
    void* p = data_ ? ::mremap(data_, capacity_, want, MREMAP_MAYMOVE)
                    : ::mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    data_ = static_cast<char*>(p);
    capacity_ = want;
    return true;
  }
  // REQUIRES: reserve() made room for it.
  void append(std::string_view s) {
    assert(size_ + s.size() <= capacity_);
    std::memcpy(data_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  std::string_view view() const { return {data_ ? data_ : "", size_}; }
  std::size_t capacity() const { return capacity_; }
  // The body is complete: its SHA-256 (lowercase hex, for the request signature) is taken
  // now, once, on the helper thread while the batch before it is at the data bank.
  void finish() { sha256_hex_ = platform::sha256_hex(platform::as_bytes(view())); }
  const std::string& sha256_hex() const { return sha256_hex_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::string sha256_hex_;
};

Status Uploader::prepare(std::int64_t after_seq, std::vector<QueuedEnvelope>& batch, BatchBuffer& body) {
  batch.clear();
  body.clear();  // keeps the capacity: after the first batches nothing is mapped
  platform::Result<std::vector<QueuedEnvelope>> next = outbox_.next_batch(cfg_.batch_count, cfg_.batch_bytes, after_seq);
  if (!next.is_ok()) return next.status();
  batch = std::move(next.value());
  std::size_t total = 16;
  for (const QueuedEnvelope& q : batch) total += q.json.size() + 1;
  if (!body.reserve(total))
    return Status::internal("cannot map " + std::to_string(total) + " bytes for a batch of " + std::to_string(batch.size()) +
                            " envelopes");
  body.append("{\"envelopes\":[");
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (i) body.append(",");
    body.append(batch[i].json);         // each is the envelope's exact wire JSON
    std::string().swap(batch[i].json);  // not needed again: the batch keeps ids and hashes only
  }
  body.append("]}");
  body.finish();
  return Status::ok();
}

platform::Result<json> Uploader::exchange(const std::vector<QueuedEnvelope>& batch, std::string_view body,
                                          std::string_view body_sha256_hex, SyncReport& report, bool may_retry_skew) {
  const std::int64_t ts = clock_.now_unix_ms();
  const std::string nonce = new_nonce();
  HttpRequest req{"POST", "/v1/envelopes", {}, body};  // lent, not copied: a batch is megabytes
  req.headers = {{kHeaderDevice, device_id_},
                 {kHeaderTimestamp, std::to_string(ts)},
                 {kHeaderNonce, nonce},
                 {kHeaderSignature,
                  platform::base64_encode(sign_request_hashed("POST", req.path, ts, nonce, body_sha256_hex, device_key_))}};
  report.batches++;
  report.sent += static_cast<int>(batch.size());
  platform::Result<HttpResponse> res = transport_.send(req);
  if (!res.is_ok()) {
    fail_batch(batch, res.status().message(), report);
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
    report.sent -= static_cast<int>(batch.size());
    return exchange(batch, body, body_sha256_hex, report, false);
  }
  if (r.status != 201) {
    std::string reason = "HTTP " + std::to_string(r.status);
    if (r.status >= 300 && r.status < 400) reason += ": redirect refused";
    else if (j.is_object() && j.contains("error") && j["error"].is_string()) reason += ": " + j["error"].get<std::string>();
    else if (r.status == 200) reason += ": not the data bank (captive portal?)";
    if (std::string ra = r.header("retry-after"); !ra.empty()) report.retry_after_s = std::max(0, std::atoi(ra.c_str()));
    fail_batch(batch, reason, report);
    return Status::io_error("data bank refused the batch: " + reason);
  }
  if (j.is_discarded() || !j.is_object() || !j.contains("receipts") || !j["receipts"].is_array()) {
    fail_batch(batch, "HTTP 201 with a body that is not a receipts reply", report);
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

// drain()'s one helper thread: runs the tasks posted to it in order (so a batch's settle
// always runs before the prepare posted after it). One thread for the whole drain rather
// than a std::async thread per task: glibc gives threads malloc arenas, and batch-sized
// buffers allocated and freed across the arenas of ever-new threads stayed resident (each
// arena keeps freed memory at its top): 54 to 102 MB of growth in bench_sync.
class HelperThread {
 public:
  HelperThread() : thread_([this] { run(); }) {}
  ~HelperThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;

  template <typename F>
  std::future<std::invoke_result_t<F&>> post(F f) {
    std::packaged_task<std::invoke_result_t<F&>()> task(std::move(f));
    auto done = task.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.emplace_back(std::move(task));
    }
    cv_.notify_one();
    return done;
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stop_ and nothing left: every posted task has run
      std::packaged_task<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> tasks_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

// A kiosk drains a backlog and then idles for hours: hand freed pages (the envelopes' JSON
// read for the batches, receipts) back to the system now rather than keep them resident.
void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

}  // namespace

// A pipeline of three: while batch N is on the wire and at the data bank, batch N+1 is read
// and encoded, and batch N-1's receipts are verified and acknowledged. Only the exchange
// itself stays on this thread (the transport belongs to it); the outbox is thread-safe.
// Nothing changes about what counts: a batch is dropped only by its own verified receipts.
//
// What is held at once, however long the backlog: two request bodies (N on the wire, N+1
// being filled; each about one batch, mapped by the first two batches and then reused),
// while encoding also the JSON of the batch being read, and the ids and hashes of N-1.
Status Uploader::drain(int max_batches, SyncReport& report) {
  Status result = Status::ok();
  std::vector<QueuedEnvelope> batches[2];
  SyncReport settle_report;
  {
    BatchBuffer bodies[2];  // declared before the helper: they outlive every task posted to it
    HelperThread helper;
    std::future<Status> prefetch = helper.post([this, &batches, &bodies] { return prepare(0, batches[0], bodies[0]); });
    std::future<Status> settling;
    auto finish_settling = [&] {
      if (!settling.valid()) return;
      Status s = settling.get();
      merge(report, settle_report);
      settle_report = SyncReport{};
      if (result.is_ok() && !s.is_ok()) result = s;
    };
    int cur = 0;
    for (int b = 0; b < max_batches && prefetch.valid(); ++b) {
      if (Status ps = prefetch.get(); !ps.is_ok()) {
        if (result.is_ok()) result = ps;
        break;
      }
      // Read here, while no task is running that could grow a body.
      report.peak_buffer_bytes = std::max(report.peak_buffer_bytes, bodies[0].capacity() + bodies[1].capacity());
      if (batches[cur].empty()) break;
      const int other = cur ^ 1;
      // The other slot is free: batch N-1's exchange is over (its body is no longer read) and
      // its batch moved into N-1's settle task.
      if (b + 1 < max_batches)
        prefetch = helper.post([this, after = batches[cur].back().seq, &batch = batches[other], &body = bodies[other]] {
          return prepare(after, batch, body);
        });
      platform::Result<json> reply = exchange(batches[cur], bodies[cur].view(), bodies[cur].sha256_hex(), report, true);
      finish_settling();  // batch N-1's acknowledgements ran while batch N was in flight
      if (!reply.is_ok()) {
        if (result.is_ok()) result = reply.status();
        break;
      }
      settling = helper.post([this, batch = std::move(batches[cur]), j = std::move(reply.value()), &settle_report] {
        return settle(batch, j, settle_report);
      });
      batches[cur].clear();
      if (!result.is_ok()) break;
      cur = other;
    }
    finish_settling();
    if (prefetch.valid()) prefetch.wait();  // a batch read ahead but not sent stays queued
    // Every task has run (both futures waited for): the bodies are still.
    report.peak_buffer_bytes = std::max(report.peak_buffer_bytes, bodies[0].capacity() + bodies[1].capacity());
  }  // the helper thread ends, then both bodies are unmapped
  for (std::vector<QueuedEnvelope>& b : batches) std::vector<QueuedEnvelope>().swap(b);
  release_free_memory();
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
