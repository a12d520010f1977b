// tests/support/fault_proxy.h: a fault-injecting TCP proxy for the sync tests, started
// in-process. It listens on a loopback address (port 0: the kernel picks; port() says which)
// and forwards each connection to 127.0.0.1:<target>. What it does to the bytes is a mode,
// changeable at any time from any thread; a live connection picks up a new mode at its next
// event (within ~20 ms), so a keep-alive connection cannot dodge a fault.
//
// The faults work on plain HTTP/1.1 bytes (request and reply framing by Content-Length), so
// run the data bank in plain-HTTP loopback mode behind it; pass-through and refuse also work
// for TLS, since they never look at the bytes.
//
// Bounds: at most kMaxConnections live connections (more are reset), at most kMaxPending
// bytes queued per direction (reading pauses beyond it), at most kMaxCapture captured bytes,
// every poll waits at most 20 ms and re-checks the stop flag, an idle connection is dropped
// after two minutes. The destructor stops and joins every thread.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace testing_support {

enum class ProxyFault {
  kPass,                // forward both ways (through the link emulation, if any)
  kRefuse,              // the listener is closed (connect() is refused); live connections are reset
  kResetBeforeForward,  // forward nothing; reset the client after it sent `n` bytes
  kResetOnReply,        // forward the request; reset the client as the server's reply starts
  kTruncateReply,       // forward the first `n` bytes of the reply, then close
  kTrickleReply,        // forward the reply at `n` bytes per second
  kCanned,              // read one request, answer `canned`, close; the server sees nothing
  kRewriteReply,        // forward; replace the body of each reply by rewrite(body)
};

struct LinkEmulation {
  int latency_up_ms = 0;         // added to every chunk client -> server
  int latency_down_ms = 0;       // added to every chunk server -> client
  std::int64_t bytes_per_s = 0;  // cap per direction and connection; 0: none
  // A new connection's first bytes wait one more round trip (up + down): on a real link the
  // client cannot send before TCP's SYN / SYN-ACK have crossed it, but on loopback the kernel
  // completes the handshake with the proxy at once.
  bool handshake_round_trip = true;
};

class FaultProxy {
 public:
  static constexpr int kMaxConnections = 64;
  static constexpr std::size_t kMaxPending = 8u << 20;
  static constexpr std::size_t kMaxCapture = 64u << 20;

  // REQUIRES: listen_host is an IPv4 loopback address (127.x.y.z).
  explicit FaultProxy(std::uint16_t target_port, const std::string& listen_host = "127.0.0.1");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const;  // http://<listen host>:<port>
  void set_target(std::uint16_t target_port) { target_.store(target_port); }

  // Modes. refuse() returns once the listener is closed; any other mode set after refuse()
  // returns once the listener is open again (on the same port).
  void pass();
  void refuse();
  void reset_before_forward(std::size_t after_client_bytes);
  void reset_on_reply();
  void truncate_reply(std::size_t after_bytes);
  void trickle_reply(std::int64_t bytes_per_s = 1);
  void canned(std::string raw_http_response);
  void rewrite_reply(std::function<std::string(const std::string& body)> rewrite);
  void set_link(const LinkEmulation& link);

  // Observations since construction (or clear_counters()).
  int connections() const { return connections_.load(); }
  int resets() const { return resets_.load(); }  // connections reset by a fault
  std::uint64_t bytes_to_server() const { return to_server_.load(); }
  std::uint64_t bytes_from_server() const { return from_server_.load(); }
  std::uint64_t bytes_to_client() const { return to_client_.load(); }
  void clear_counters();
  // The bytes each client sent, one string per connection in accept order (connections
  // accepted since the last clear_counters()).
  std::vector<std::string> captured() const;

  // A complete HTTP/1.1 response with Content-Length and "Connection: close".
  static std::string http_response(int status, const std::string& reason,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   const std::string& body);

 private:
  struct Mode {
    ProxyFault fault = ProxyFault::kPass;
    std::size_t n = 0;
    std::shared_ptr<const std::string> canned;
    std::shared_ptr<const std::function<std::string(const std::string&)>> rewrite;
    LinkEmulation link;
  };
  struct Conn;

  void set_mode(const std::function<void(Mode&)>& change);
  Mode mode_snapshot(std::uint64_t* gen) const;
  int open_listener();
  void accept_loop();
  void serve(Conn& c);

  std::string host_;
  std::uint16_t port_ = 0;
  std::atomic<std::uint16_t> target_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::atomic<bool> want_listening_{true};

  mutable std::mutex mode_mu_;
  Mode mode_;
  std::atomic<std::uint64_t> gen_{1};

  std::atomic<int> connections_{0};
  std::atomic<int> live_{0};
  std::atomic<int> resets_{0};
  std::atomic<std::uint64_t> to_server_{0};
  std::atomic<std::uint64_t> from_server_{0};
  std::atomic<std::uint64_t> to_client_{0};

  mutable std::mutex capture_mu_;
  std::map<std::size_t, std::string> captures_;  // by connection serial
  std::size_t next_serial_ = 0;
  std::size_t capture_floor_ = 0;  // connections before the last clear_counters() are not captured
  std::size_t captured_bytes_ = 0;

  std::mutex threads_mu_;
  std::vector<std::pair<std::shared_ptr<std::atomic<bool>>, std::thread>> threads_;
  std::thread acceptor_;
};

// The length of the first complete HTTP/1.1 message in `buf` (headers plus Content-Length
// body), or nullopt while it is incomplete. Chunked bodies are not supported.
std::optional<std::size_t> http_message_length(std::string_view buf);

struct RawHttpReply {
  int status = 0;    // 0: no reply
  std::string head;  // status line and headers
  std::string body;
  std::string error;  // what went wrong, if status is 0
};

// Sends `request` byte for byte to 127.0.0.1:port over a fresh connection and reads one
// reply, for at most `limit`.
RawHttpReply raw_http_exchange(std::uint16_t port, const std::string& request,
                               std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace testing_support
