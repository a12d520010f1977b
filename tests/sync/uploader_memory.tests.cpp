// The uploader's memory while it drains a backlog (sync/uploader.h): two request bodies,
// mapped once and reused batch after batch, never a third, no batch-sized heap allocation per
// batch, and nothing left after drain().
// The data bank is a fake Transport that signs a receipt for every envelope it is sent.
//
// Memory is observed by replacing the global operator new/delete of this test binary:
// allocations of at least kLarge bytes (a request body; a single envelope's JSON is far
// smaller) are counted and their live bytes tracked while `g_counting` is set.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <new>

#include "sync/uploader.h"
#include "sync_test_helpers.h"

using synctest::Keys;
using synctest::kT0;
using synctest::require_ok;

namespace {

constexpr std::size_t kLarge = 64 * 1024;

std::atomic<bool> g_counting{false};
std::atomic<std::int64_t> g_large_allocations{0};
std::atomic<std::int64_t> g_large_live{0};
std::atomic<std::int64_t> g_large_peak{0};

// Every block carries a 16-byte header (keeps malloc's alignment): its size, and whether it
// was counted, so that freeing a block allocated before counting began changes nothing.
struct Header {
  std::size_t size;
  std::size_t counted;
};
static_assert(sizeof(Header) == 16);

void start_counting() {
  g_large_allocations = 0;
  g_large_live = 0;
  g_large_peak = 0;
  g_counting = true;
}

}  // namespace

// AddressSanitizer brings its own operator new/delete family; replacing some of them here
// would mix its blocks with ours (a heap-buffer-overflow report on the first mixed delete).
// Under ASan this file keeps its exactly-once and body-bound checks and leaves the heap
// counting to the normal build, where it runs in the same suite.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCountsAllocations = false;
#else
constexpr bool kCountsAllocations = true;

void* operator new(std::size_t n) {
  void* raw = std::malloc(sizeof(Header) + (n ? n : 1));
  if (!raw) throw std::bad_alloc();
  Header* h = static_cast<Header*>(raw);
  h->size = n;
  h->counted = g_counting.load(std::memory_order_relaxed) && n >= kLarge;
  if (h->counted) {
    g_large_allocations++;
    std::int64_t live = g_large_live += static_cast<std::int64_t>(n);
    std::int64_t peak = g_large_peak.load();
    while (live > peak && !g_large_peak.compare_exchange_weak(peak, live)) {
    }
  }
  return h + 1;
}

// GCC sees, after inlining, free() on a pointer from operator new; here that pair is ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  if (!p) return;
  Header* h = static_cast<Header*>(p) - 1;
  if (h->counted) g_large_live -= static_cast<std::int64_t>(h->size);
  std::free(h);
}
#pragma GCC diagnostic pop

void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
#endif

namespace {

// Answers every batch with 201 and a signed receipt per envelope, like databank-ingest, and
// counts how often each id arrived. Reads only the ids from the body (no DOM: the body is
// not copied), and knows each envelope's hash from when the test queued it.
class FakeDataBank final : public datasync::Transport {
 public:
  FakeDataBank(const Keys& k, std::map<std::string, std::string> hash_of) : k_(k), hash_of_(std::move(hash_of)) {}

  platform::Result<datasync::HttpResponse> send(const datasync::HttpRequest& req) override {
    largest_body = std::max(largest_body, req.body.size());
    datasync::HttpResponse res;
    res.status = 201;
    res.body = "{\"receipts\":[";
    const std::string key = "{\"v\":1,\"id\":\"";
    bool first = true;
    for (std::size_t at = req.body.find(key); at != std::string_view::npos; at = req.body.find(key, at + 1)) {
      std::size_t from = at + key.size();
      std::string id(req.body.substr(from, req.body.find('"', from) - from));
      received[id]++;
      datasync::Receipt r = datasync::sign_receipt(id, hash_of_.at(id), platform::format_rfc3339_utc(kT0), k_.receipt.sec);
      res.body += (first ? "" : ",") + datasync::receipt_to_json(r);
      first = false;
    }
    res.body += "]}";
    return res;
  }

  std::map<std::string, int> received;
  std::size_t largest_body = 0;

 private:
  const Keys& k_;
  std::map<std::string, std::string> hash_of_;
};

}  // namespace

TEST_CASE("drain reuses two request bodies however long the backlog and keeps no batch-sized heap memory", "[sync][uploader][memory]") {
  Keys k;
  // The SQLite outbox: its memory is SQLite's own malloc, not operator new, so what is
  // counted below is the uploader's (MemoryOutbox's growing audit vector would be counted).
  synctest::SqliteOutboxFactory factory;
  std::unique_ptr<datasync::Outbox> outbox = factory.make();
  datasync::Outbox& box = *outbox;
  const int batches = GENERATE(4, 16);
  constexpr int kPerBatch = 20;
  std::map<std::string, std::string> hash_of;
  for (int i = 0; i < batches * kPerBatch; ++i) {
    datasync::Submission s = synctest::make_submission(k, kT0 + i, 4000);  // ~5.8 KB on the wire
    hash_of[s.envelope.h.id] = platform::sha256_hex(s.envelope.sealed);
    require_ok(box.submit(s));
  }
  FakeDataBank bank(k, hash_of);
  platform::SystemClock clock;
  datasync::UploaderConfig cfg;
  cfg.batch_count = kPerBatch;
  datasync::Uploader up(box, bank, k.device_id, k.device.sec, k.receipt.pub, clock, cfg);

  datasync::SyncReport report;
  start_counting();
  platform::Status s = up.drain(1000, report);
  g_counting = false;
  require_ok(s);

  // Exactly once, every one acknowledged.
  CHECK(report.batches == batches);
  CHECK(report.acked == batches * kPerBatch);
  CHECK(report.queue_empty);
  CHECK(bank.received.size() == hash_of.size());
  for (const auto& [id, n] : bank.received) CHECK(n == 1);

  INFO("batches " << batches << ", largest body " << bank.largest_body << " bytes, request buffers at most "
                  << report.peak_buffer_bytes << " bytes");
  // The two bodies: at least the largest batch, never more than two of them (page-rounded),
  // however many batches were sent.
  const std::size_t page = 4096;
  CHECK(report.peak_buffer_bytes >= bank.largest_body);
  CHECK(report.peak_buffer_bytes <= 2 * ((bank.largest_body + 16 + page - 1) / page * page));
  // Nothing batch-sized from the heap per batch: a body built or copied into a std::string
  // anywhere on the way (uploader, request, transport) would count once per batch.
  REQUIRE(bank.largest_body >= kLarge);  // else these would measure nothing
  if (!kCountsAllocations) {
    WARN("AddressSanitizer build: heap allocations are not counted here (the normal build does)");
    return;
  }
  CHECK(g_large_allocations <= 2);
  CHECK(g_large_peak <= static_cast<std::int64_t>(2 * bank.largest_body));
  CHECK(g_large_live == 0);  // and what there is, is freed when drain() returns
}
