// sync/uploader.h: delivers the outbox to the data bank, exactly once in effect.
//
// Uploader::drain() sends batches (bounded by count and bytes) as signed requests and acts
// on the reply: only HTTP 201 with a JSON body counts; each receipt is verified with the data
// bank's receipt key and must match the envelope's hash before the outbox drops the blob
// (Outbox::acknowledge does both); a "conflict" rejection marks the envelope conflict; every
// other outcome (transport error, 5xx, a captive portal's 200, garbage, a bad receipt)
// records a failed attempt and leaves the envelope queued. A clock_skew refusal corrects the
// clock offset from the server's time and retries once.
//
// SyncService runs drain() on its own thread with exponential backoff and full jitter
// (capped, never sooner than Retry-After), and publishes a status snapshot; nothing it does
// blocks the caller.
//
// drain() pipelines: while one batch is in flight it reads the next and acknowledges the
// previous on one helper thread (the outbox is thread-safe; the transport stays on the
// caller's thread). What counts as delivered does not change. Memory is bounded and flat
// however long the backlog: two request bodies, each about one batch (at most about
// `batch_bytes`), are mapped once per drain() and reused in turn (one in flight, one being
// filled); the batch being settled keeps only ids and hashes; the bodies are unmapped when
// drain() returns.
//
// Thread-safety: an Uploader belongs to one thread. SyncService's public methods may be
// called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "sync/outbox.h"
#include "sync/transport.h"

namespace datasync {

struct UploaderConfig {
  std::size_t batch_count = 200;
  std::size_t batch_bytes = 8u << 20;
};

struct SyncReport {
  int batches = 0;
  int sent = 0;
  int acked = 0;           // newly acknowledged
  int already_acked = 0;   // receipts for envelopes acknowledged before
  int conflicts = 0;
  int failed = 0;          // envelopes that stay queued after this run
  int retry_after_s = 0;   // from the server, if it asked
  bool queue_empty = false;
  std::string last_error;  // what went wrong, for a person
  std::size_t peak_buffer_bytes = 0;  // request-body memory held at once (two buffers' capacity)
};

class Uploader {
 public:
  // REQUIRES: all references outlive the Uploader.
  Uploader(Outbox& outbox, Transport& transport, std::string device_id, const platform::SignSecretKey& device_key,
           const platform::SignPublicKey& receipt_key, platform::SystemClock& clock, UploaderConfig cfg = {});

  // Sends until the queue is empty, a batch fails, or `max_batches` were sent. The report is
  // returned in both cases; the Status says whether the run ended on an error.
  platform::Status drain(int max_batches, SyncReport& report);

 private:
  class BatchBuffer;  // a request body's bytes, in pages of their own (uploader.cpp)
  // Reads the next batch after queue position `after_seq` into `batch` and encodes it into
  // `body` ({"envelopes":[...]}); `body` is cleared but keeps its capacity, and each
  // envelope's JSON is released once copied, so `batch` keeps only ids and hashes. Runs on
  // drain()'s helper thread.
  platform::Status prepare(std::int64_t after_seq, std::vector<QueuedEnvelope>& batch, BatchBuffer& body);
  // Sends one batch; returns the 201 reply, or records the failure on the batch. `body` (whose
  // SHA-256 is `body_sha256_hex`) is only read, and only during the call.
  platform::Result<nlohmann::json> exchange(const std::vector<QueuedEnvelope>& batch, std::string_view body,
                                            std::string_view body_sha256_hex, SyncReport& report, bool may_retry_skew);
  // Acts on a 201 reply: verified receipts acknowledge (one transaction), conflicts are set
  // aside, everything else is a recorded failed attempt. Runs on drain()'s helper thread.
  platform::Status settle(const std::vector<QueuedEnvelope>& batch, const nlohmann::json& reply, SyncReport& report);
  void fail_batch(const std::vector<QueuedEnvelope>& batch, const std::string& reason, SyncReport& report);

  Outbox& outbox_;
  Transport& transport_;
  std::string device_id_;
  const platform::SignSecretKey& device_key_;
  const platform::SignPublicKey& receipt_key_;
  platform::SystemClock& clock_;
  UploaderConfig cfg_;
};

struct BackoffPolicy {
  std::int64_t base_ms = 2000;
  std::int64_t cap_ms = 10 * 60 * 1000;
  std::int64_t idle_poll_ms = 60 * 1000;  // after a successful drain
};

// Full jitter: a uniform delay in [0, min(cap, base * 2^failures)], but not less than Retry-After.
std::int64_t backoff_delay_ms(const BackoffPolicy& p, int failures, int retry_after_s, std::mt19937_64& rng);

struct SyncStatus {
  std::int64_t queued = 0;
  std::int64_t last_success_unix_ms = 0;
  std::string last_error;
  std::int64_t next_attempt_unix_ms = 0;
  int consecutive_failures = 0;
  bool running = false;
};

class SyncService {
 public:
  // `make_uploader` is called on the sync thread (so the transport lives there).
  SyncService(std::function<std::unique_ptr<Uploader>()> make_uploader, Outbox& outbox, platform::Clock& clock,
              BackoffPolicy policy = {});
  ~SyncService();  // stops and joins
  void start();
  void stop();
  void trigger();  // sync now (e.g. after a submit)
  SyncStatus status() const;

 private:
  void run();

  std::function<std::unique_ptr<Uploader>()> make_uploader_;
  Outbox& outbox_;
  platform::Clock& clock_;
  BackoffPolicy policy_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool triggered_ = false;
  SyncStatus status_;
  std::thread thread_;
};

}  // namespace datasync
