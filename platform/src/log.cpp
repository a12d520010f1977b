#include "platform/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>

#include "platform/clock.h"
#include "platform/fs.h"
#include "platform/ulid.h"

namespace platform::log {

namespace {

struct Sink {
  std::mutex mu;
  Level min_level = Level::kWarn;
  int fd = -1;  // -1: stderr
  std::function<void(const std::string&)> callback;
};

Sink& sink() {
  static Sink s;
  return s;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "DEBUG";
    case Level::kInfo: return "INFO";
    case Level::kWarn: return "WARN";
    case Level::kError: return "ERROR";
  }
  return "?";
}

bool is_site_code(std::string_view s) {
  if (s.size() != 4 || s[0] < 'A' || s[0] > 'Z') return false;
  for (std::size_t i = 1; i < 4; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

bool is_loggable_id(std::string_view s) {
  if (is_valid_ulid(s) || is_site_code(s)) return true;
  return s.size() == 30 && s.substr(0, 4) == "dev-" && is_valid_ulid(s.substr(4));
}

Id::Id(std::string_view s) : s_(is_loggable_id(s) ? std::string(s) : std::string("<not-an-id>")) {}

void write(Level level, Code event, std::initializer_list<Field> fields) {
  Sink& s = sink();
  std::string line;
  line.reserve(128);
  line += format_rfc3339_utc(SystemClock().now_unix_ms());
  line += ' ';
  line += level_name(level);
  line += ' ';
  line += event.c_str();
  for (const Field& f : fields) {
    line += ' ';
    line += f.key.c_str();
    line += '=';
    if (auto* i = std::get_if<std::int64_t>(&f.value)) line += std::to_string(*i);
    else if (auto* id = std::get_if<Id>(&f.value)) line += id->str();
    else if (auto* c = std::get_if<Code>(&f.value)) line += c->c_str();
    else if (auto* k = std::get_if<StatusKind>(&f.value)) {
      for (const char* p = status_kind_name(*k); *p; ++p) line += (*p == ' ' ? '_' : *p);
    }
  }
  line += '\n';
  std::lock_guard<std::mutex> lock(s.mu);
  if (level < s.min_level) return;
  if (s.callback) {
    s.callback(line);
    return;
  }
  int fd = s.fd >= 0 ? s.fd : STDERR_FILENO;
  // One write() per line with O_APPEND: lines from several threads never interleave.
  ssize_t n = ::write(fd, line.data(), line.size());
  (void)n;  // a failed log write must not take the kiosk down
}

void set_min_level(Level level) {
  std::lock_guard<std::mutex> lock(sink().mu);
  sink().min_level = level;
}

Status log_to_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return status_from_errno(errno, "cannot open log file " + path.string());
  std::lock_guard<std::mutex> lock(sink().mu);
  if (sink().fd >= 0) ::close(sink().fd);
  sink().fd = fd;
  sink().callback = nullptr;
  sink().min_level = Level::kInfo;
  return Status::ok();
}

void log_to_callback(std::function<void(const std::string&)> cb) {
  std::lock_guard<std::mutex> lock(sink().mu);
  sink().callback = std::move(cb);
}

void log_to_stderr() {
  std::lock_guard<std::mutex> lock(sink().mu);
  if (sink().fd >= 0) ::close(sink().fd);
  sink().fd = -1;
  sink().callback = nullptr;
}

}  // namespace platform::log
