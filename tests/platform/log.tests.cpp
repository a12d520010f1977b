// Tests for platform/log.h: line format, the identifier filter, the compile-time barrier
// against free text, level filtering, and the file sink (0600, O_APPEND).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "platform/clock.h"
#include "platform/log.h"
#include "platform/ulid.h"
#include "test_support.h"

namespace plog = platform::log;
using plog::Code;
using plog::Field;
using plog::Id;
using plog::Level;
using platform::StatusKind;
using testing_support::read_all;
using testing_support::TempDir;
namespace fs = std::filesystem;

// ---- Compile-time barrier: runtime strings cannot become log fields or codes. ----
static_assert(!std::is_constructible_v<Field, Code, std::string>);
static_assert(!std::is_constructible_v<Field, Code, const std::string&>);
static_assert(!std::is_constructible_v<Field, Code, std::string_view>);
static_assert(!std::is_constructible_v<Field, Code, const char*>);
static_assert(!std::is_constructible_v<Field, Code, char*>);
static_assert(!std::is_constructible_v<Field, Code, double>);
static_assert(!std::is_constructible_v<Code, const char*>);
static_assert(!std::is_constructible_v<Code, std::string>);
static_assert(!std::is_constructible_v<Code, std::string_view>);
static_assert(!std::is_convertible_v<std::string, Code>);
// An Id can only be made explicitly, which runs the runtime filter.
static_assert(!std::is_convertible_v<std::string, Id>);
static_assert(!std::is_convertible_v<std::string_view, Id>);
static_assert(!std::is_convertible_v<const char*, Id>);
// What is allowed.
static_assert(std::is_constructible_v<Field, Code, int>);
static_assert(std::is_constructible_v<Field, Code, std::int64_t>);
static_assert(std::is_constructible_v<Field, Code, std::size_t>);
static_assert(std::is_constructible_v<Field, Code, Id>);
static_assert(std::is_constructible_v<Field, Code, Code>);
static_assert(std::is_constructible_v<Field, Code, StatusKind>);
// A string literal is a char array and becomes a Code through the consteval constructor,
// which checks its characters at compile time. (The trait cannot tell a literal from a
// runtime char array; a runtime array fails to compile because the constructor is consteval.)
static_assert(std::is_constructible_v<Field, Code, const char (&)[6]>);
static_assert(std::is_constructible_v<Code, const char (&)[6]>);

namespace {

// Sends log lines to a vector for the duration of a test, then restores stderr (warn+).
class Capture {
 public:
  explicit Capture(Level min = Level::kDebug) {
    plog::set_min_level(min);
    plog::log_to_callback([this](const std::string& line) { lines_.push_back(line); });
  }
  ~Capture() {
    plog::log_to_stderr();
    plog::set_min_level(Level::kWarn);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  const std::vector<std::string>& lines() const { return lines_; }
  std::string last() const { return lines_.empty() ? std::string() : lines_.back(); }

 private:
  std::vector<std::string> lines_;
};

// Restores the default sink even when a test fails midway.
struct RestoreStderr {
  ~RestoreStderr() {
    plog::log_to_stderr();
    plog::set_min_level(Level::kWarn);
  }
};

// The text after "<time> <LEVEL> ", without the newline.
std::string body(const std::string& line) {
  std::size_t first = line.find(' ');
  std::size_t second = line.find(' ', first + 1);
  std::string b = line.substr(second + 1);
  if (!b.empty() && b.back() == '\n') b.pop_back();
  return b;
}

std::string a_ulid() {
  platform::FakeClock clock(1795959782123);
  platform::UlidGenerator gen(clock);
  return gen.next();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// True if `s` starts with a timestamp shaped "YYYY-MM-DDTHH:MM:SS.mmmZ".
// (Checked by hand: std::regex trips a GCC 12 warning in the sanitizer build.)
bool starts_with_timestamp(std::string_view s) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() < kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != kShape[i])
      return false;
  }
  return true;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

}  // namespace

TEST_CASE("A log line is '<RFC 3339 time> <LEVEL> <event> k=v ...' and one line", "[platform][log]") {
  Capture cap;
  const std::int64_t before = platform::SystemClock().now_unix_ms();
  plog::info("enroll.start", {{"count", 3}, {"site", Id("H012")}});
  const std::int64_t after = platform::SystemClock().now_unix_ms();

  REQUIRE(cap.lines().size() == 1);
  const std::string& line = cap.lines()[0];
  CHECK(starts_with_timestamp(line));
  CHECK(line.substr(24) == " INFO enroll.start count=3 site=H012\n");
  CHECK(std::count(line.begin(), line.end(), '\n') == 1);

  platform::Result<std::int64_t> t = platform::parse_rfc3339(line.substr(0, 24));
  REQUIRE(t.is_ok());
  CHECK(*t >= before - 1);  // the line's time is truncated to milliseconds
  CHECK(*t <= after);
}

TEST_CASE("Each kind of field value is written as expected", "[platform][log]") {
  Capture cap;
  SECTION("integers") {
    plog::info("e", {{"int", -7}, {"i64", std::int64_t{1} << 40}, {"size", std::size_t{12}}});
    CHECK(body(cap.last()) == "e int=-7 i64=1099511627776 size=12");
  }
  SECTION("codes") {
    plog::info("sync.done", {{"result", Code("partial")}});
    CHECK(body(cap.last()) == "sync.done result=partial");
  }
  SECTION("status kinds, with spaces replaced") {
    plog::error("outbox.write", {{"status", StatusKind::kInvalidArgument}, {"k2", StatusKind::kDiskFull}});
    CHECK(body(cap.last()) == "outbox.write status=invalid_input k2=disk_full");
  }
  SECTION("no fields") {
    plog::warn("kiosk.idle");
    CHECK(body(cap.last()) == "kiosk.idle");
  }
}

TEST_CASE("Ids that are not ULIDs, device ids or site codes print as <not-an-id>", "[platform][log]") {
  Capture cap;
  const std::string ulid = a_ulid();
  std::string lower_ulid = ulid;
  for (char& c : lower_ulid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));

  const std::string not_ids[] = {
      "\xED\x99\x8D\xEA\xB8\xB8\xEB\x8F\x99",  // a Hangul placeholder name (Hong Gil-dong)
      "Test Person",
      "555-0100",
      "someone@example.invalid",
      "1990-01-01",
      "",
      lower_ulid,
      ulid + " ",
      ulid.substr(0, 25),
      "dev-" + ulid.substr(0, 25),
      "dev-" + lower_ulid,
      "DEV-" + ulid,
      "h012",
      "H12",
      "H0123",
      "HH12",
      "H012\n",
      "H012 name=x",
      std::string("H012\0", 5),
  };
  for (const std::string& s : not_ids) {
    INFO("'" << s << "'");
    CHECK_FALSE(plog::is_loggable_id(s));
    CHECK(Id(s).str() == "<not-an-id>");
    plog::info("t", {{"id", Id(s)}});
    CHECK(body(cap.last()) == "t id=<not-an-id>");
    CHECK(cap.last().find(s.empty() ? std::string("\x01") : s) == std::string::npos);
  }
}

TEST_CASE("A ULID, a device id and a site code print as themselves", "[platform][log]") {
  Capture cap;
  const std::string ulid = a_ulid();
  const std::string ids[] = {ulid, "dev-" + ulid, "H012", "A000", "Z999"};
  for (const std::string& s : ids) {
    INFO(s);
    CHECK(plog::is_loggable_id(s));
    CHECK(Id(s).str() == s);
    plog::info("t", {{"id", Id(s)}});
    CHECK(body(cap.last()) == "t id=" + s);
  }
}

TEST_CASE("Lines below the minimum level are dropped", "[platform][log]") {
  auto emit_all = [] {
    plog::write(Level::kDebug, "l.debug");
    plog::info("l.info");
    plog::warn("l.warn");
    plog::error("l.error");
  };
  auto levels = [](const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const std::string& l : lines) {
      std::size_t a = l.find(' ') + 1;
      out.push_back(l.substr(a, l.find(' ', a) - a));
    }
    return out;
  };
  SECTION("debug") {
    Capture cap(Level::kDebug);
    emit_all();
    CHECK(levels(cap.lines()) == std::vector<std::string>{"DEBUG", "INFO", "WARN", "ERROR"});
  }
  SECTION("info") {
    Capture cap(Level::kInfo);
    emit_all();
    CHECK(levels(cap.lines()) == std::vector<std::string>{"INFO", "WARN", "ERROR"});
  }
  SECTION("warn") {
    Capture cap(Level::kWarn);
    emit_all();
    CHECK(levels(cap.lines()) == std::vector<std::string>{"WARN", "ERROR"});
    REQUIRE(cap.lines().size() == 2);
    CHECK(body(cap.lines()[0]) == "l.warn");
  }
  SECTION("error") {
    Capture cap(Level::kError);
    emit_all();
    CHECK(levels(cap.lines()) == std::vector<std::string>{"ERROR"});
  }
  SECTION("changing the level takes effect at once") {
    Capture cap(Level::kError);
    plog::info("dropped");
    plog::set_min_level(Level::kInfo);
    plog::info("kept");
    REQUIRE(cap.lines().size() == 1);
    CHECK(body(cap.lines()[0]) == "kept");
  }
}

TEST_CASE("log_to_file appends lines to a 0600 file opened with O_APPEND", "[platform][log]") {
  RestoreStderr restore;
  TempDir dir;
  fs::path p = dir / "kiosk.log";

  SECTION("a new file is 0600 and gets info and up") {
    REQUIRE(plog::log_to_file(p).is_ok());
    plog::write(Level::kDebug, "file.debug");
    plog::info("file.info", {{"n", 1}});
    plog::error("file.error");
    CHECK(mode_of(p) == 0600);
    std::vector<std::string> lines = split_lines(read_all(p));
    REQUIRE(lines.size() == 2);
    CHECK(body(lines[0]) == "file.info n=1");
    CHECK(body(lines[1]) == "file.error");
  }
  SECTION("the descriptor is opened O_APPEND") {
    REQUIRE(plog::log_to_file(p).is_ok());
    const fs::path real = fs::canonical(p);  // /proc shows resolved paths
    int flags = -1;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
      std::error_code ec;
      fs::path target = fs::read_symlink(e.path(), ec);
      if (ec || target != real) continue;
      std::ifstream info("/proc/self/fdinfo/" + e.path().filename().string());
      for (std::string key; info >> key;) {
        if (key == "flags:") {
          std::string octal;
          info >> octal;
          flags = static_cast<int>(std::stol(octal, nullptr, 8));
        }
      }
    }
    REQUIRE(flags != -1);
    CHECK((flags & O_APPEND) != 0);
    CHECK((flags & O_CLOEXEC) != 0);
  }
  SECTION("an existing file is appended to, not truncated") {
    testing_support::write_all(p, "earlier line\n");
    REQUIRE(plog::log_to_file(p).is_ok());
    plog::info("appended");
    std::vector<std::string> lines = split_lines(read_all(p));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "earlier line");
    CHECK(body(lines[1]) == "appended");
  }
  SECTION("a line written by another process in between is not overwritten") {
    REQUIRE(plog::log_to_file(p).is_ok());
    plog::info("first");
    {
      std::ofstream other(p, std::ios::app);
      other << "other writer\n";
    }
    plog::info("second");
    std::vector<std::string> lines = split_lines(read_all(p));
    REQUIRE(lines.size() == 3);
    CHECK(body(lines[0]) == "first");
    CHECK(lines[1] == "other writer");
    CHECK(body(lines[2]) == "second");
  }
  SECTION("switching to a second file stops writing to the first") {
    REQUIRE(plog::log_to_file(p).is_ok());
    plog::info("one");
    REQUIRE(plog::log_to_file(dir / "second.log").is_ok());
    plog::info("two");
    CHECK(split_lines(read_all(p)).size() == 1);
    std::vector<std::string> second = split_lines(read_all(dir / "second.log"));
    REQUIRE(second.size() == 1);
    CHECK(body(second[0]) == "two");
  }
  SECTION("a file in a missing directory is an error") {
    platform::Status s = plog::log_to_file(dir / "missing" / "kiosk.log");
    CHECK(s.kind() == StatusKind::kNotFound);
    CHECK_FALSE(fs::exists(dir / "missing"));
  }
}

TEST_CASE("Lines from several threads reach the file whole", "[platform][log]") {
  RestoreStderr restore;
  TempDir dir;
  fs::path p = dir / "kiosk.log";
  REQUIRE(plog::log_to_file(p).is_ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 500; ++i) plog::info("thread.line", {{"t", t}, {"i", i}});
    });
  }
  for (std::thread& th : threads) th.join();
  std::vector<std::string> lines = split_lines(read_all(p));
  REQUIRE(lines.size() == 2000);
  std::set<std::pair<int, int>> seen;
  for (const std::string& l : lines) {
    int t = -1, i = -1;
    char extra = 0;
    const std::string rest = l.size() > 24 ? l.substr(24) : std::string();
    if (!starts_with_timestamp(l) ||
        std::sscanf(rest.c_str(), " INFO thread.line t=%d i=%d%c", &t, &i, &extra) != 2 ||
        rest != " INFO thread.line t=" + std::to_string(t) + " i=" + std::to_string(i))
      FAIL("mangled line: " << l);
    seen.insert({t, i});
  }
  CHECK(seen.size() == 2000);  // every line arrived exactly once
}

TEST_CASE("log_to_stderr detaches the callback and writes to standard error", "[platform][log]") {
  RestoreStderr restore;
  TempDir dir;
  std::vector<std::string> captured;
  plog::set_min_level(Level::kWarn);
  plog::log_to_callback([&captured](const std::string& l) { captured.push_back(l); });
  plog::warn("to.callback");
  REQUIRE(captured.size() == 1);

  plog::log_to_stderr();
  // Point fd 2 at a file for the duration of one line.
  fs::path errfile = dir / "stderr.txt";
  int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  int fd = ::open(errfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  plog::warn("to.stderr");
  plog::info("below.warn");
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);

  CHECK(captured.size() == 1);
  std::vector<std::string> lines = split_lines(read_all(errfile));
  REQUIRE(lines.size() == 1);
  CHECK(body(lines[0]) == "to.stderr");
}
