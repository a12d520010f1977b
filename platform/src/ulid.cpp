#include "platform/ulid.h"

#include <sodium.h>

namespace platform {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int decode_char(char c) {
  for (int i = 0; i < 32; ++i)
    if (kAlphabet[i] == c) return i;
  return -1;
}
}  // namespace

std::string UlidGenerator::next() {
  std::int64_t now = clock_.now_unix_ms();
  std::array<std::uint8_t, 10> rnd{};
  std::int64_t ms;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (now > last_ms_) {
      last_ms_ = now;
      randombytes_buf(last_random_.data(), last_random_.size());
      // Keep the top bit clear so that ~2^79 increments fit within one millisecond.
      last_random_[0] &= 0x7f;
    } else {
      // Same millisecond or the clock went back: keep the last time, increment the random part.
      for (int i = 9; i >= 0; --i) {
        if (++last_random_[static_cast<std::size_t>(i)] != 0) break;
      }
    }
    ms = last_ms_;
    rnd = last_random_;
  }
  std::string out(26, '0');
  std::uint64_t t = static_cast<std::uint64_t>(ms) & 0xFFFFFFFFFFFFull;
  for (int i = 9; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kAlphabet[t & 31];
    t >>= 5;
  }
  // 80 random bits -> 16 characters of 5 bits.
  int bit = 0;
  for (int c = 0; c < 16; ++c) {
    int v = 0;
    for (int b = 0; b < 5; ++b, ++bit) {
      v = (v << 1) | ((rnd[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1);
    }
    out[static_cast<std::size_t>(10 + c)] = kAlphabet[v];
  }
  return out;
}

bool is_valid_ulid(std::string_view s) {
  if (s.size() != 26) return false;
  if (s[0] < '0' || s[0] > '7') return false;
  for (char c : s)
    if (decode_char(c) < 0) return false;
  return true;
}

std::int64_t ulid_time_ms(std::string_view ulid) {
  std::int64_t t = 0;
  for (std::size_t i = 0; i < 10 && i < ulid.size(); ++i) t = t * 32 + decode_char(ulid[i]);
  return t;
}

}  // namespace platform
