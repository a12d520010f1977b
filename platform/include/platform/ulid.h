// platform/ulid.h: ULID identifiers (48-bit millisecond time + 80 random bits, Crockford
// base32, 26 characters). Ids from one generator sort strictly increasing, also within one
// millisecond and when the clock steps backwards.
//
// Thread-safety: UlidGenerator::next() may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "platform/clock.h"

namespace platform {

class UlidGenerator {
 public:
  // REQUIRES: `clock` outlives the generator.
  explicit UlidGenerator(const Clock& clock) : clock_(clock) {}
  std::string next();

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::int64_t last_ms_ = -1;
  std::array<std::uint8_t, 10> last_random_{};
};

// True for 26 Crockford base32 characters (upper case) whose first character is 0-7.
bool is_valid_ulid(std::string_view s);
// The millisecond timestamp encoded in a valid ULID.
std::int64_t ulid_time_ms(std::string_view ulid);

}  // namespace platform
