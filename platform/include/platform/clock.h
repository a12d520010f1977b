// platform/clock.h: wall-clock time through a small interface.
//
// SystemClock carries a correctable offset (set from a trusted server's time when the
// device clock is skewed). FakeClock is for tests. Timestamps are Unix milliseconds, UTC.
//
// Thread-safety: SystemClock and FakeClock may be read and adjusted from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace platform {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_unix_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_unix_ms() const override;
  // Added to the system time; corrects a skewed device clock without touching the OS clock.
  void set_offset_ms(std::int64_t offset) { offset_ms_.store(offset); }
  std::int64_t offset_ms() const { return offset_ms_.load(); }

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t start_unix_ms) : now_(start_unix_ms) {}
  std::int64_t now_unix_ms() const override { return now_.load(); }
  void set(std::int64_t unix_ms) { now_.store(unix_ms); }
  void advance_ms(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

// "2026-11-29T13:43:02.123Z" (RFC 3339, UTC, milliseconds).
std::string format_rfc3339_utc(std::int64_t unix_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff...]Z" or with a "+HH:MM"/"-HH:MM" offset.
Result<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace platform
