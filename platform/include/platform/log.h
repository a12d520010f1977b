// platform/log.h: structured logging that cannot carry participant data.
//
// The API takes no free text. A log line is an event code, which must be a compile-time
// string literal of [a-z0-9._-] (checked by the compiler), plus fields whose values are
// only: integers (counts, sizes, durations, codes), identifiers that pass is_loggable_id()
// (ULIDs, device ids, site codes; anything else is written as "<not-an-id>"), status kinds,
// and other compile-time codes. Names, birth dates, answers, phone numbers, file contents
// and error messages (which may quote input) have no way in. Tests check both the types
// (std::string does not convert to a field value) and the runtime filter.
//
// Thread-safety: log::write() and the sink setters may be called from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "platform/status.h"

namespace platform::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// A code known at compile time: an event name or an enumerated value.
class Code {
 public:
  template <std::size_t N>
  consteval Code(const char (&s)[N]) : s_(s) {  // NOLINT(google-explicit-constructor)
    for (std::size_t i = 0; i + 1 < N; ++i) {
      char c = s[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      if (!ok) throw "log codes are lower-case [a-z0-9._-] literals";  // compile-time error
    }
  }
  const char* c_str() const { return s_; }

 private:
  const char* s_;
};

// An identifier checked at runtime: a ULID, a device id ("dev-" + ULID) or a site code
// (one capital letter and 3 digits, e.g. H012). Anything else prints as "<not-an-id>".
class Id {
 public:
  explicit Id(std::string_view s);
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

bool is_loggable_id(std::string_view s);

struct Field {
  Field(Code k, std::int64_t v) : key(k), value(v) {}
  Field(Code k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(Code k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(Code k, Id v) : key(k), value(std::move(v)) {}
  Field(Code k, Code v) : key(k), value(v) {}
  Field(Code k, StatusKind v) : key(k), value(v) {}

  Code key;
  std::variant<std::int64_t, Id, Code, StatusKind> value;
};

void write(Level level, Code event, std::initializer_list<Field> fields = {});
inline void info(Code event, std::initializer_list<Field> fields = {}) { write(Level::kInfo, event, fields); }
inline void warn(Code event, std::initializer_list<Field> fields = {}) { write(Level::kWarn, event, fields); }
inline void error(Code event, std::initializer_list<Field> fields = {}) { write(Level::kError, event, fields); }

// Where lines go: stderr by default (level warn and up), a file appended with O_APPEND
// (0600; level info and up), or a callback for tests. Each line: "<RFC 3339 time> <LEVEL> <event> k=v ...".
void set_min_level(Level level);
Status log_to_file(const std::filesystem::path& path);
void log_to_callback(std::function<void(const std::string& line)> sink);
void log_to_stderr();

}  // namespace platform::log
