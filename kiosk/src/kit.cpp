#include "kiosk/kit.h"

namespace kiosk {

using platform::Result;
using platform::Status;

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kPrefix = "BBD-";
constexpr std::size_t kSerialDigits = 8;
constexpr std::size_t kBarcodeLength = 4 + 2 + kSerialDigits + 2;  // "BBD-" "B-" serial "-C"

int alphabet_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool printable_ascii(char32_t c) {
  return c >= 0x21 && c <= 0x7e;
}
bool is_enter(char32_t c) {
  return c == U'\n' || c == U'\r';
}

}  // namespace

const char* kit_kind_name(KitKind k) {
  return k == KitKind::kBlood ? "blood" : "urine";
}
char kit_kind_letter(KitKind k) {
  return k == KitKind::kBlood ? 'B' : 'U';
}

char iso7064_mod37_36_check(std::string_view data) {
  // ISO/IEC 7064 hybrid system, M = 36: P starts at M; for each character,
  // S = (P mod (M+1)) + value, P = (S mod M, with 0 read as M) * 2.
  constexpr int m = 36;
  int p = m;
  for (char c : data) {
    int s = (p % (m + 1)) + alphabet_value(c);
    int r = s % m;
    p = (r == 0 ? m : r) * 2;
  }
  // The check value makes the next step's S mod M equal 1.
  int check = (m + 1 - p % (m + 1)) % m;
  return kAlphabet[static_cast<std::size_t>(check)];
}

std::string make_kit_barcode(KitKind kind, std::string_view serial) {
  std::string data(1, kit_kind_letter(kind));
  data += serial;
  return std::string(kPrefix) + kit_kind_letter(kind) + "-" + std::string(serial) + "-" +
         iso7064_mod37_36_check(data);
}

Result<KitBarcode> parse_kit_barcode(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  const std::string expect = "expected BBD-B-nnnnnnnn-C (blood) or BBD-U-nnnnnnnn-C (urine)";
  if (text.size() != kBarcodeLength)
    return Status::invalid_argument("kit barcode has " + std::to_string(text.size()) +
                                    " characters; " + expect);
  std::string s(text);
  for (char& c : s) c = upper(c);
  if (s.compare(0, kPrefix.size(), kPrefix) != 0 || s[5] != '-' || s[14] != '-')
    return Status::invalid_argument("kit barcode " + s + " is not in the kiosk's format; " +
                                    expect);
  KitBarcode out;
  if (s[4] == 'B')
    out.kind = KitKind::kBlood;
  else if (s[4] == 'U')
    out.kind = KitKind::kUrine;
  else
    return Status::invalid_argument("kit barcode " + s +
                                    ": type letter must be B (blood) or U (urine)");
  for (std::size_t i = 6; i < 6 + kSerialDigits; ++i)
    if (s[i] < '0' || s[i] > '9')
      return Status::invalid_argument("kit barcode " + s + ": the serial must be 8 digits");
  const char want = iso7064_mod37_36_check(s.substr(4, 1) + s.substr(6, kSerialDigits));
  if (alphabet_value(s[15]) < 0 || s[15] != want)
    return Status::invalid_argument(
        "kit barcode " + s +
        ": check character does not match (misread or mistyped); scan or type it again");
  out.text = std::move(s);
  return out;
}

std::u32string ScanDetector::release() {
  std::u32string out;
  out.swap(held_);
  return out;
}

ScanDetector::Output ScanDetector::key(char32_t ch, std::int64_t at_ms) {
  Output out;
  // A pause longer than a scanner's ends the held run: a person typed it.
  if (!held_.empty() && at_ms - last_ms_ > kScanMaxGapMs) out.typed = release();
  if (is_enter(ch)) {
    if (held_.size() >= kScanMinChars && at_ms - last_ms_ <= kScanMaxGapMs) {
      out.scan =
          std::string(held_.begin(), held_.end());  // printable ASCII only (checked on entry)
      held_.clear();
      return out;
    }
    out.typed += release();
    out.typed += kKeyEnter;
    return out;
  }
  if (!printable_ascii(ch)) {
    // Scanners type ASCII; anything else (Hangul from a physical IME, space, control keys) is
    // a person, and so is what was held before it.
    out.typed += release();
    out.typed += ch;
    return out;
  }
  if (held_.size() >= kScanMaxChars) out.typed += release();
  held_ += ch;
  last_ms_ = at_ms;
  return out;
}

ScanDetector::Output ScanDetector::poll(std::int64_t now_ms) {
  Output out;
  if (!held_.empty() && now_ms - last_ms_ > kScanMaxGapMs) out.typed = release();
  return out;
}

std::optional<std::int64_t> ScanDetector::wake_at() const {
  if (held_.empty()) return std::nullopt;
  return last_ms_ + kScanMaxGapMs + 1;
}

void ScanDetector::reset() {
  held_.clear();
}

}  // namespace kiosk
