#include "fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

namespace testing_support {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kPollMs = 20;
constexpr std::size_t kMaxCaptureSlots = 4096;
constexpr auto kIdleLimit = std::chrono::minutes(2);
constexpr auto kModeSwitchLimit = std::chrono::seconds(3);

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// close() with SO_LINGER {1, 0}: the peer gets a RST, not a FIN.
void reset_fd(int& fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close_fd(fd);
}

// A FIN after everything written, then close.
void finish_fd(int& fd) {
  if (fd < 0) return;
  ::shutdown(fd, SHUT_WR);
  close_fd(fd);
}

void tune(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

sockaddr_in loopback_addr(const std::string& host, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
    throw std::invalid_argument("bad address " + host);
  return a;
}

// Blocking connect on loopback (it succeeds or is refused at once), then non-blocking.
int connect_loopback(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a = loopback_addr("127.0.0.1", port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close_fd(fd);
    return -1;
  }
  tune(fd);
  return fd;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Replaces the body of one complete HTTP message and fixes its Content-Length.
std::string rewrite_message(const std::string& msg,
                            const std::function<std::string(const std::string&)>& f) {
  const std::size_t end = msg.find("\r\n\r\n");
  const std::string head = msg.substr(0, end + 2);  // keeps the last header's CRLF
  const std::string body = f(msg.substr(end + 4));
  std::string out;
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (lower(line).rfind("content-length:", 0) == 0)
      line = "Content-Length: " + std::to_string(body.size());
    out += line + "\r\n";
  }
  return out + "\r\n" + body;
}

struct Chunk {
  std::int64_t ready_ms = 0;
  std::string data;
  std::size_t off = 0;
};

// One direction of a connection: chunks waiting for their release time, and a token bucket.
struct Lane {
  std::deque<Chunk> q;
  std::size_t bytes = 0;
  double tokens = 0;
  std::int64_t refill_ms = 0;

  void push(std::int64_t ready_ms, std::string data) {
    if (data.empty()) return;
    bytes += data.size();
    q.push_back({ready_ms, std::move(data), 0});
  }
  // Whether a byte may be written now at `rate` bytes/s (0: unlimited).
  bool can_send(std::int64_t rate, std::int64_t now) {
    if (q.empty() || q.front().ready_ms > now) return false;
    if (rate <= 0) return true;
    const double burst = std::max(1.0, static_cast<double>(rate) / 20.0);
    tokens = std::min(
        burst, tokens + static_cast<double>(now - refill_ms) * static_cast<double>(rate) / 1000.0);
    refill_ms = now;
    return tokens >= 1.0;
  }
  // Writes what is due; false when the socket is dead.
  bool flush(int fd, std::int64_t rate, std::int64_t now, std::atomic<std::uint64_t>& counter) {
    while (can_send(rate, now)) {
      Chunk& ch = q.front();
      std::size_t want = ch.data.size() - ch.off;
      if (rate > 0) want = std::min(want, static_cast<std::size_t>(tokens));
      ssize_t n = ::send(fd, ch.data.data() + ch.off, want, MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
      const auto sent = static_cast<std::size_t>(n);
      ch.off += sent;
      bytes -= sent;
      counter += sent;
      if (rate > 0) tokens -= static_cast<double>(sent);
      if (ch.off == ch.data.size()) q.pop_front();
      if (sent < want) break;  // the socket buffer is full
    }
    return true;
  }
  // How long poll() may sleep before this lane has something to write.
  int wait_ms(std::int64_t rate, std::int64_t now) const {
    if (q.empty()) return kPollMs;
    if (q.front().ready_ms > now)
      return static_cast<int>(std::min<std::int64_t>(q.front().ready_ms - now, kPollMs));
    if (rate > 0 && tokens < 1.0) {
      const double ms = (1.0 - tokens) * 1000.0 / static_cast<double>(rate);
      return static_cast<int>(std::clamp(ms + 1.0, 1.0, static_cast<double>(kPollMs)));
    }
    return kPollMs;  // writable now: POLLOUT wakes us
  }
};

}  // namespace

std::optional<std::size_t> http_message_length(std::string_view buf) {
  const std::size_t end = buf.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  std::size_t length = 0;
  std::size_t pos = buf.find("\r\n") + 2;  // skip the request or status line
  while (pos < end) {
    std::size_t eol = buf.find("\r\n", pos);
    std::string_view line = buf.substr(pos, eol - pos);
    pos = eol + 2;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || lower(line.substr(0, colon)) != "content-length")
      continue;
    std::string value(line.substr(colon + 1));
    length = static_cast<std::size_t>(std::strtoull(value.c_str(), nullptr, 10));
  }
  if (buf.size() < end + 4 + length) return std::nullopt;
  return end + 4 + length;
}

std::string FaultProxy::http_response(
    int status, const std::string& reason,
    const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

struct FaultProxy::Conn {
  int c = -1;
  std::size_t slot = 0;
};

FaultProxy::FaultProxy(std::uint16_t target_port, const std::string& listen_host)
    : host_(listen_host), target_(target_port) {
  if (host_.rfind("127.", 0) != 0)
    throw std::invalid_argument("FaultProxy listens on loopback only, not " + host_);
  int fd = open_listener();
  if (fd < 0)
    throw std::runtime_error("FaultProxy: cannot listen on " + host_ + ": " + std::strerror(errno));
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  listening_ = true;
  acceptor_ = std::thread([this, fd] {
    int lfd = fd;
    while (!stop_.load()) {
      if (!want_listening_.load() && lfd >= 0) {
        close_fd(lfd);
        listening_ = false;
      }
      if (want_listening_.load() && lfd < 0) {
        lfd = open_listener();
        if (lfd >= 0) listening_ = true;
      }
      {
        std::lock_guard<std::mutex> lock(threads_mu_);
        for (auto it = threads_.begin(); it != threads_.end();) {
          if (it->first->load()) {
            it->second.join();
            it = threads_.erase(it);
          } else {
            ++it;
          }
        }
      }
      if (lfd < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      pollfd p{lfd, POLLIN, 0};
      if (::poll(&p, 1, kPollMs) <= 0 || !(p.revents & POLLIN)) continue;
      int c = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      connections_++;
      if (live_.load() >= kMaxConnections) {
        reset_fd(c);
        resets_++;
        continue;
      }
      tune(c);
      std::size_t slot = 0;
      {
        std::lock_guard<std::mutex> lock(capture_mu_);
        slot = next_serial_++;
        if (captures_.size() < kMaxCaptureSlots) captures_[slot];
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      live_++;
      std::lock_guard<std::mutex> lock(threads_mu_);
      threads_.emplace_back(done, std::thread([this, c, slot, done] {
                              Conn conn{c, slot};
                              serve(conn);
                              live_--;
                              done->store(true);
                            }));
    }
    close_fd(lfd);
    listening_ = false;
    std::lock_guard<std::mutex> lock(threads_mu_);
    for (auto& t : threads_) t.second.join();
    threads_.clear();
  });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
}

std::string FaultProxy::url() const {
  return "http://" + host_ + ":" + std::to_string(port_);
}

int FaultProxy::open_listener() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback_addr(host_, port_);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0) {
    close_fd(fd);
    return -1;
  }
  return fd;
}

void FaultProxy::set_mode(const std::function<void(Mode&)>& change) {
  bool refuse = false;
  {
    std::lock_guard<std::mutex> lock(mode_mu_);
    change(mode_);
    refuse = mode_.fault == ProxyFault::kRefuse;
    gen_++;
  }
  want_listening_ = !refuse;
  const auto deadline = SteadyClock::now() + kModeSwitchLimit;
  while (listening_.load() == refuse) {
    if (SteadyClock::now() > deadline)
      throw std::runtime_error(refuse ? "FaultProxy: the listener did not close"
                                      : "FaultProxy: cannot listen again on port " +
                                            std::to_string(port_));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

FaultProxy::Mode FaultProxy::mode_snapshot(std::uint64_t* gen) const {
  std::lock_guard<std::mutex> lock(mode_mu_);
  *gen = gen_.load();
  return mode_;
}

void FaultProxy::pass() {
  set_mode([](Mode& m) { m.fault = ProxyFault::kPass; });
}
void FaultProxy::refuse() {
  set_mode([](Mode& m) { m.fault = ProxyFault::kRefuse; });
}
void FaultProxy::reset_before_forward(std::size_t after_client_bytes) {
  set_mode([&](Mode& m) {
    m.fault = ProxyFault::kResetBeforeForward;
    m.n = std::max<std::size_t>(1, after_client_bytes);
  });
}
void FaultProxy::reset_on_reply() {
  set_mode([](Mode& m) { m.fault = ProxyFault::kResetOnReply; });
}
void FaultProxy::truncate_reply(std::size_t after_bytes) {
  set_mode([&](Mode& m) {
    m.fault = ProxyFault::kTruncateReply;
    m.n = after_bytes;
  });
}
void FaultProxy::trickle_reply(std::int64_t bytes_per_s) {
  set_mode([&](Mode& m) {
    m.fault = ProxyFault::kTrickleReply;
    m.n = static_cast<std::size_t>(std::max<std::int64_t>(1, bytes_per_s));
  });
}
void FaultProxy::canned(std::string raw_http_response) {
  auto text = std::make_shared<const std::string>(std::move(raw_http_response));
  set_mode([&](Mode& m) {
    m.fault = ProxyFault::kCanned;
    m.canned = text;
  });
}
void FaultProxy::rewrite_reply(std::function<std::string(const std::string& body)> rewrite) {
  auto f =
      std::make_shared<const std::function<std::string(const std::string&)>>(std::move(rewrite));
  set_mode([&](Mode& m) {
    m.fault = ProxyFault::kRewriteReply;
    m.rewrite = f;
  });
}
void FaultProxy::set_link(const LinkEmulation& link) {
  set_mode([&](Mode& m) { m.link = link; });
}

void FaultProxy::clear_counters() {
  connections_ = 0;
  resets_ = 0;
  to_server_ = 0;
  from_server_ = 0;
  to_client_ = 0;
  std::lock_guard<std::mutex> lock(capture_mu_);
  captures_.clear();
  capture_floor_ = next_serial_;
  captured_bytes_ = 0;
}

std::vector<std::string> FaultProxy::captured() const {
  std::lock_guard<std::mutex> lock(capture_mu_);
  std::vector<std::string> out;
  for (const auto& [serial, bytes] : captures_) out.push_back(bytes);
  return out;
}

void FaultProxy::serve(Conn& conn) {
  int& c = conn.c;
  int s = -1;
  Lane up, down;  // client -> server, server -> client
  std::uint64_t gen = 0;
  Mode m;
  std::size_t client_seen = 0, reply_forwarded = 0;
  std::string request_buf, reply_buf;
  bool close_after_flush = false, stop_reading_server = false, done = false;
  auto last_activity = SteadyClock::now();
  bool first_up = true;  // nothing forwarded to the server yet on this connection
  auto reset_client = [&] {
    reset_fd(c);
    close_fd(s);
    resets_++;
    done = true;
  };

  while (!stop_.load() && !done) {
    if (gen_.load() != gen) {
      m = mode_snapshot(&gen);
      client_seen = reply_forwarded = 0;
      request_buf.clear();
      reply_buf.clear();
    }
    if (m.fault == ProxyFault::kRefuse) {
      reset_client();
      break;
    }
    std::int64_t now = now_ms();
    const std::int64_t up_rate = m.link.bytes_per_s;
    const std::int64_t down_rate =
        m.fault == ProxyFault::kTrickleReply ? static_cast<std::int64_t>(m.n) : m.link.bytes_per_s;
    pollfd fds[2] = {};
    fds[0].fd = c;
    fds[0].events = static_cast<short>((up.bytes < kMaxPending && !close_after_flush ? POLLIN : 0) |
                                       (down.can_send(down_rate, now) ? POLLOUT : 0));
    fds[1].fd = s;
    fds[1].events =
        static_cast<short>((down.bytes < kMaxPending && !stop_reading_server ? POLLIN : 0) |
                           (s >= 0 && up.can_send(up_rate, now) ? POLLOUT : 0));
    const int timeout = std::min(up.wait_ms(up_rate, now), down.wait_ms(down_rate, now));
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) break;
    now = now_ms();

    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;  // the client is gone
      if (n > 0) {
        last_activity = SteadyClock::now();
        std::string chunk(buf, static_cast<std::size_t>(n));
        {
          std::lock_guard<std::mutex> lock(capture_mu_);
          auto it = captures_.find(conn.slot);
          if (conn.slot >= capture_floor_ && it != captures_.end() &&
              captured_bytes_ + chunk.size() <= kMaxCapture) {
            it->second += chunk;
            captured_bytes_ += chunk.size();
          }
        }
        client_seen += chunk.size();
        switch (m.fault) {
          case ProxyFault::kResetBeforeForward:
            // Hold everything; the request never reaches the server.
            if (client_seen >= m.n) reset_client();
            break;
          case ProxyFault::kCanned:
            request_buf += chunk;
            if (request_buf.size() > kMaxPending * 8) {  // no request is that large: give up
              reset_client();
              break;
            }
            if (std::optional<std::size_t> len = http_message_length(request_buf)) {
              request_buf.erase(0, *len);
              down.push(now, *m.canned);
              close_after_flush = true;
            }
            break;
          default:
            if (s < 0 && (s = connect_loopback(target_.load())) < 0) {
              reset_client();
              break;
            }
            up.push(now + m.link.latency_up_ms +
                        (first_up && m.link.handshake_round_trip ? m.link.latency_up_ms + m.link.latency_down_ms : 0),
                    std::move(chunk));
            first_up = false;
        }
        if (done) break;
      }
    }

    if (s >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[65536];
      ssize_t n = ::recv(s, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close_fd(s);
        if (down.q.empty() || m.fault == ProxyFault::kResetOnReply) break;  // pass the close on
        close_after_flush = true;
      } else if (n > 0) {
        last_activity = SteadyClock::now();
        from_server_ += static_cast<std::uint64_t>(n);
        std::string chunk(buf, static_cast<std::size_t>(n));
        switch (m.fault) {
          case ProxyFault::kResetOnReply:
            reset_client();  // the server has answered (so committed); the client never sees it
            break;
          case ProxyFault::kTruncateReply: {
            const std::size_t take = std::min(chunk.size(), m.n - std::min(m.n, reply_forwarded));
            down.push(now, chunk.substr(0, take));
            reply_forwarded += take;
            if (reply_forwarded >= m.n) {
              close_after_flush = true;
              stop_reading_server = true;
            }
            break;
          }
          case ProxyFault::kRewriteReply:
            reply_buf += chunk;
            while (std::optional<std::size_t> len = http_message_length(reply_buf)) {
              down.push(now, rewrite_message(reply_buf.substr(0, *len), *m.rewrite));
              reply_buf.erase(0, *len);
            }
            break;
          case ProxyFault::kTrickleReply:
            down.push(now, std::move(chunk));
            break;
          default:
            down.push(now + m.link.latency_down_ms, std::move(chunk));
        }
        if (done) break;
      }
    }

    if (s >= 0 && !up.flush(s, up_rate, now, to_server_)) {
      reset_client();
      break;
    }
    if (!down.flush(c, down_rate, now, to_client_)) break;
    if (close_after_flush && down.q.empty()) {
      finish_fd(c);
      break;
    }
    if (SteadyClock::now() - last_activity > kIdleLimit) break;
  }
  // A dropped or truncated connection ends with a FIN; faults that reset did so above.
  finish_fd(c);
  close_fd(s);
}

RawHttpReply raw_http_exchange(std::uint16_t port, const std::string& request,
                               std::chrono::milliseconds limit) {
  RawHttpReply r;
  int fd = connect_loopback(port);
  if (fd < 0) {
    r.error = std::string("connect: ") + std::strerror(errno);
    return r;
  }
  const auto deadline = SteadyClock::now() + limit;
  std::size_t off = 0;
  std::string in;
  while (SteadyClock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (off < request.size() ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, kPollMs) < 0 && errno != EINTR) break;
    if ((p.revents & POLLOUT) && off < request.size()) {
      ssize_t n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
      if (n > 0)
        off += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        break;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[65536];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0)
        in.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        break;
    }
    if (http_message_length(in)) break;
  }
  close_fd(fd);
  std::optional<std::size_t> len = http_message_length(in);
  if (!len) {
    r.error =
        in.empty() ? "no reply" : "incomplete reply (" + std::to_string(in.size()) + " bytes)";
    return r;
  }
  const std::size_t end = in.find("\r\n\r\n");
  r.head = in.substr(0, end);
  r.body = in.substr(end + 4, *len - end - 4);
  if (r.head.rfind("HTTP/1.", 0) == 0 && r.head.size() > 12)
    r.status = std::atoi(r.head.c_str() + 9);
  return r;
}

}  // namespace testing_support
