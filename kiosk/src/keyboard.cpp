// On-screen keyboard logic: layouts, Hangul composition through libhangul, UTF-8, phone and
// date helpers. See kiosk/keyboard.h.
#include "kiosk/keyboard.h"

#include <hangul.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <new>
#include <utility>

#include "platform/crypto.h"

namespace kiosk {
namespace {

// libhangul's id for the standard 2-beolsik keyboard.
constexpr char kTwoBeolsik[] = "2";

constexpr char32_t kReplacementChar = 0xFFFD;
constexpr char32_t kFirstSyllable = 0xAC00;    // 가
constexpr char32_t kLastSyllable = 0xD7A3;     // 힣
constexpr char32_t kFirstCompatJamo = 0x3131;  // ㄱ
constexpr char32_t kLastCompatJamo = 0x3163;   // ㅣ

// 2-beolsik keys of each jamo, in Unicode's order (which is also the order of the syllable
// arithmetic: syllable = 0xAC00 + (lead * 21 + vowel) * 28 + tail). Compound vowels and
// final clusters take two keys; the double consonants take a shifted key.
constexpr const char* kLeadKeys[19] = {"r", "R", "s", "e", "E", "f", "a", "q", "Q", "t",
                                       "T", "d", "w", "W", "c", "z", "x", "v", "g"};
constexpr const char* kVowelKeys[21] = {"k",  "o",  "i",  "O",  "j",  "p",  "u",
                                        "P",  "h",  "hk", "ho", "hl", "y",  "n",
                                        "nj", "np", "nl", "b",  "m",  "ml", "l"};
constexpr const char* kTailKeys[28] = {"",   "r",  "R",  "rt", "s",  "sw", "sg", "e", "f",  "fr",
                                       "fa", "fq", "ft", "fx", "fv", "fg", "a",  "q", "qt", "t",
                                       "T",  "d",  "w",  "c",  "z",  "x",  "v",  "g"};
// Compatibility consonants U+3131..U+314E, clusters included (libhangul composes ㄱ+ㅅ into a
// lone ㄳ: its "non-choseong combination" option is on by default). The vowels that follow
// (U+314F..U+3163) are in kVowelKeys' order.
constexpr const char* kCompatConsonantKeys[30] = {
    "r",  "R", "rt", "s", "sw", "sg", "e", "E", "f", "fr", "fa", "fq", "ft", "fx", "fv",
    "fg", "a", "q",  "Q", "qt", "t",  "T", "d", "w", "W",  "c",  "z",  "x",  "v",  "g"};

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::size_t ucs_length(const ucschar* s) {
  std::size_t n = 0;
  while (s != nullptr && s[n] != 0) ++n;
  return n;
}

// Appends within `out`'s reserved capacity (TextEntry checks the length before it appends).
void append_ucs(std::u32string& out, const ucschar* s) {
  for (std::size_t i = 0; s != nullptr && s[i] != 0; ++i)
    out.push_back(static_cast<char32_t>(s[i]));
}

std::u32string ucs_string(const ucschar* s) {
  std::u32string out;
  append_ucs(out, s);
  return out;
}

bool is_scalar_value(char32_t c) {
  return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

std::size_t utf8_size(char32_t c) {
  if (!is_scalar_value(c)) c = kReplacementChar;
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c < 0x10000) return 3;
  return 4;
}

std::size_t utf8_size(std::u32string_view text) {
  std::size_t n = 0;
  for (char32_t c : text) n += utf8_size(c);
  return n;
}

void append_utf8(std::string& out, std::u32string_view text) {
  for (char32_t c : text) {
    if (!is_scalar_value(c)) c = kReplacementChar;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

// Zeroes the whole buffer, not only size() characters, and keeps the capacity: resize() up
// to the capacity never reallocates and zero-fills the tail, where an earlier, longer text or
// a moved-out short string may have left characters.
void wipe_u32(std::u32string& s) {
  s.resize(s.capacity());
  platform::wipe(s.data(), s.size() * sizeof(char32_t));
  s.clear();
}

HangulInputContext* new_input_context() {
  HangulInputContext* ic = hangul_ic_new(kTwoBeolsik);
  if (ic == nullptr) throw std::bad_alloc();  // libhangul returns NULL only when out of memory
  return ic;
}

// Leaves `ic` empty with none of the participant's text in it. hangul_ic_reset() zeroes only
// the first character of libhangul's preedit, commit and flush strings and leaves the rest;
// in syllable mode those strings hold one character, so composing and flushing a neutral
// syllable overwrites them before the final reset.
void scrub_input_context(HangulInputContext* ic) {
  hangul_ic_reset(ic);
  for (char key : {'r', 'k', 'r', 'k'}) hangul_ic_process(ic, key);  // commits 가, composes 가
  hangul_ic_flush(ic);
  hangul_ic_reset(ic);
}

Key char_key(const char* label, const char* label_shifted, char code) {
  return Key{label, label_shifted, code, 1.0f, KeyKind::kChar};
}

Key function_key(KeyKind kind, const char* label, float width, char code = '\0') {
  return Key{label, label, code, width, kind};
}

std::vector<Key> digit_row() {
  std::vector<Key> row;
  for (const char* d : {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}) {
    row.push_back(char_key(d, d, d[0]));
  }
  return row;
}

// Function-key labels are fallbacks (the UI draws by kind); the arrows are in KS X 1001, so
// every Korean font has them.
constexpr char kShiftLabel[] = "\xE2\x86\x91";      // ↑
constexpr char kBackspaceLabel[] = "\xE2\x86\x90";  // ←
constexpr char kDoneLabel[] = "OK";

std::vector<std::vector<Key>> make_hangul_layout() {
  struct Jamo {
    const char* label;
    const char* shifted;
    char code;
  };
  const Jamo top[] = {{"ㅂ", "ㅃ", 'q'}, {"ㅈ", "ㅉ", 'w'}, {"ㄷ", "ㄸ", 'e'}, {"ㄱ", "ㄲ", 'r'},
                      {"ㅅ", "ㅆ", 't'}, {"ㅛ", "ㅛ", 'y'}, {"ㅕ", "ㅕ", 'u'}, {"ㅑ", "ㅑ", 'i'},
                      {"ㅐ", "ㅒ", 'o'}, {"ㅔ", "ㅖ", 'p'}};
  const Jamo home[] = {{"ㅁ", "ㅁ", 'a'}, {"ㄴ", "ㄴ", 's'}, {"ㅇ", "ㅇ", 'd'},
                       {"ㄹ", "ㄹ", 'f'}, {"ㅎ", "ㅎ", 'g'}, {"ㅗ", "ㅗ", 'h'},
                       {"ㅓ", "ㅓ", 'j'}, {"ㅏ", "ㅏ", 'k'}, {"ㅣ", "ㅣ", 'l'}};
  const Jamo bottom[] = {{"ㅋ", "ㅋ", 'z'}, {"ㅌ", "ㅌ", 'x'}, {"ㅊ", "ㅊ", 'c'}, {"ㅍ", "ㅍ", 'v'},
                         {"ㅠ", "ㅠ", 'b'}, {"ㅜ", "ㅜ", 'n'}, {"ㅡ", "ㅡ", 'm'}};
  std::vector<std::vector<Key>> rows(5);
  rows[0] = digit_row();
  for (const Jamo& j : top) rows[1].push_back(char_key(j.label, j.shifted, j.code));
  for (const Jamo& j : home) rows[2].push_back(char_key(j.label, j.shifted, j.code));
  rows[3].push_back(function_key(KeyKind::kShift, kShiftLabel, 1.5f));
  for (const Jamo& j : bottom) rows[3].push_back(char_key(j.label, j.shifted, j.code));
  rows[3].push_back(function_key(KeyKind::kBackspace, kBackspaceLabel, 1.5f));
  rows[4] = {function_key(KeyKind::kMode, "ABC", 2.0f),
             function_key(KeyKind::kSpace, "", 5.0f, ' '),
             function_key(KeyKind::kDone, kDoneLabel, 3.0f)};
  return rows;
}

std::vector<std::vector<Key>> make_latin_layout() {
  auto letters = [](std::string_view codes) {
    std::vector<Key> row;
    for (char c : codes) {
      const char lower[2] = {c, '\0'};
      const char upper[2] = {static_cast<char>(c - 'a' + 'A'), '\0'};
      row.push_back(char_key(lower, upper, c));
    }
    return row;
  };
  std::vector<std::vector<Key>> rows(5);
  rows[0] = digit_row();
  rows[1] = letters("qwertyuiop");
  rows[2] = letters("asdfghjkl");
  rows[3] = letters("zxcvbnm");
  rows[3].insert(rows[3].begin(), function_key(KeyKind::kShift, kShiftLabel, 1.5f));
  rows[3].push_back(function_key(KeyKind::kBackspace, kBackspaceLabel, 1.5f));
  // '-' and '.' for specimen codes and e-mail-like text typed by hand.
  rows[4] = {function_key(KeyKind::kMode, "한글", 2.0f), char_key("-", "-", '-'),
             function_key(KeyKind::kSpace, "", 4.0f, ' '), char_key(".", ".", '.'),
             function_key(KeyKind::kDone, kDoneLabel, 2.0f)};
  return rows;
}

std::vector<std::vector<Key>> make_digits_layout() {
  std::vector<std::vector<Key>> rows;
  for (const char* triple : {"123", "456", "789"}) {
    std::vector<Key> row;
    for (int i = 0; i < 3; ++i) {
      const char label[2] = {triple[i], '\0'};
      row.push_back(char_key(label, label, triple[i]));
    }
    rows.push_back(std::move(row));
  }
  rows.push_back({function_key(KeyKind::kBackspace, kBackspaceLabel, 1.0f), char_key("0", "0", '0'),
                  function_key(KeyKind::kDone, kDoneLabel, 1.0f)});
  return rows;
}

}  // namespace

const std::vector<std::vector<Key>>& keyboard_layout(KeyboardMode mode) {
  static const std::vector<std::vector<Key>> hangul = make_hangul_layout();
  static const std::vector<std::vector<Key>> latin = make_latin_layout();
  static const std::vector<std::vector<Key>> digits = make_digits_layout();
  switch (mode) {
    case KeyboardMode::kHangul:
      return hangul;
    case KeyboardMode::kLatin:
      return latin;
    case KeyboardMode::kDigits:
      break;
  }
  return digits;
}

// ---------------------------------------------------------------------------------------------
// TextEntry

void TextEntry::IcDeleter::operator()(HangulInputContext* ic) const {
  scrub_input_context(ic);
  hangul_ic_delete(ic);
}

TextEntry::TextEntry(KeyboardMode mode, std::size_t max_chars)
    : mode_(mode), max_chars_(std::min(max_chars, kMaxChars)), ic_(new_input_context()) {
  committed_.reserve(max_chars_);
}

TextEntry::~TextEntry() {
  wipe_committed();
}  // ic_'s deleter scrubs libhangul's copy

TextEntry::TextEntry(TextEntry&& other) noexcept
    : mode_(other.mode_),
      max_chars_(other.max_chars_),
      shift_(other.shift_),
      ic_(std::move(other.ic_)),
      committed_(std::move(other.committed_)) {
  // A short string is moved by copying its characters: zero what stays in `other`.
  wipe_u32(other.committed_);
}

TextEntry& TextEntry::operator=(TextEntry&& other) noexcept {
  if (this != &other) {
    wipe_committed();
    mode_ = other.mode_;
    max_chars_ = other.max_chars_;
    shift_ = other.shift_;
    ic_ = std::move(other.ic_);  // our old context is scrubbed by its deleter
    committed_ = std::move(other.committed_);
    wipe_u32(other.committed_);
  }
  return *this;
}

void TextEntry::set_mode(KeyboardMode mode) {
  commit();
  mode_ = mode;
  shift_ = false;
}

PressResult TextEntry::press(const Key& key) {
  auto result = [](bool accepted) {
    return accepted ? PressResult::kAccepted : PressResult::kRefused;
  };
  switch (key.kind) {
    case KeyKind::kChar:
      return result(press_code(key.code));
    case KeyKind::kSpace:
      return result(press_code(' '));
    case KeyKind::kShift:
      if (mode_ == KeyboardMode::kDigits) return PressResult::kRefused;
      shift_ = !shift_;
      return PressResult::kAccepted;
    case KeyKind::kBackspace:
      return result(backspace());
    case KeyKind::kMode:
      if (mode_ == KeyboardMode::kDigits) return PressResult::kRefused;
      set_mode(mode_ == KeyboardMode::kHangul ? KeyboardMode::kLatin : KeyboardMode::kHangul);
      return PressResult::kAccepted;
    case KeyKind::kDone:
      commit();
      return PressResult::kDone;
  }
  return PressResult::kRefused;
}

bool TextEntry::press_code(char code) {
  if (code < 0x20 || code > 0x7E) return false;  // printable ASCII only (char may be signed)
  char c = code;
  if (shift_ && mode_ != KeyboardMode::kDigits && c >= 'a' && c <= 'z') {
    c = static_cast<char>(c - 'a' + 'A');
  }
  bool accepted = false;
  switch (mode_) {
    case KeyboardMode::kHangul:
      accepted = is_ascii_letter(c) ? compose(c) : type_literal(c);
      break;
    case KeyboardMode::kLatin:
      accepted = type_literal(c);
      break;
    case KeyboardMode::kDigits:
      accepted = c >= '0' && c <= '9' && type_literal(c);
      break;
  }
  if (accepted) shift_ = false;
  return accepted;
}

bool TextEntry::compose(char code) {
  // Below the limit any key fits: one key adds at most one character. At the limit, only a
  // key that merges into the syllable being composed does (글 -> 긁 fits, 각 -> 가가 does not).
  if (length() >= max_chars_ && length_after_compose(code) > max_chars_) return false;
  hangul_ic_process(ic_.get(), code);  // the "2" keyboard handles every ASCII letter
  append_ucs(committed_, hangul_ic_get_commit_string(ic_.get()));
  return true;
}

bool TextEntry::type_literal(char code) {
  if (length() + 1 > max_chars_) return false;
  commit();
  committed_.push_back(static_cast<char32_t>(static_cast<unsigned char>(code)));
  return true;
}

std::size_t TextEntry::length_after_compose(char code) const {
  // libhangul cannot copy a context or undo a key, so rebuild the preedit in a scratch
  // context from its keystrokes and try the key there. Anything unexpected counts as "too
  // long": refusing a key is safe, showing more than the limit is not.
  constexpr std::size_t kUnknown = std::numeric_limits<std::size_t>::max();
  const std::u32string preedit = preedit_u32();
  std::string keys;
  if (!preedit.empty()) {
    std::optional<std::string> k =
        preedit.size() == 1 ? two_beolsik_keys(preedit[0]) : std::nullopt;
    if (!k) return kUnknown;
    keys = *k;
  }
  IcPtr scratch(new_input_context());
  for (char key : keys) hangul_ic_process(scratch.get(), key);
  if (ucs_length(hangul_ic_get_commit_string(scratch.get())) != 0 ||
      ucs_string(hangul_ic_get_preedit_string(scratch.get())) != preedit) {
    return kUnknown;
  }
  hangul_ic_process(scratch.get(), code);
  return committed_.size() + ucs_length(hangul_ic_get_commit_string(scratch.get())) +
         ucs_length(hangul_ic_get_preedit_string(scratch.get()));
}

bool TextEntry::backspace() {
  if (!hangul_ic_is_empty(ic_.get())) {
    hangul_ic_backspace(ic_.get());  // pops the last jamo; the preedit may become empty
    return true;
  }
  if (committed_.empty()) return false;
  committed_.back() = 0;
  committed_.pop_back();
  return true;
}

void TextEntry::commit() {
  if (hangul_ic_is_empty(ic_.get())) return;
  append_ucs(committed_, hangul_ic_flush(ic_.get()));
}

void TextEntry::clear() {
  scrub_input_context(ic_.get());
  wipe_committed();
  shift_ = false;
}

bool TextEntry::set_text(std::string_view utf8) {
  std::optional<std::u32string> decoded = from_utf8(utf8);
  if (!decoded) return false;
  const bool fits = decoded->size() <= max_chars_;
  if (fits) {
    scrub_input_context(ic_.get());
    wipe_committed();
    committed_.append(*decoded);  // within the reserved capacity
    shift_ = false;
  }
  wipe_u32(*decoded);
  return fits;
}

std::u32string TextEntry::preedit_u32() const {
  return ucs_string(hangul_ic_get_preedit_string(ic_.get()));
}

std::string TextEntry::committed() const {
  return to_utf8(committed_);
}

std::string TextEntry::preedit() const {
  return to_utf8(preedit_u32());
}

std::string TextEntry::text() const {
  const std::u32string preedit = preedit_u32();
  std::string out;
  out.reserve(utf8_size(committed_) + utf8_size(preedit));  // exact: no reallocated copies
  append_utf8(out, committed_);
  append_utf8(out, preedit);
  return out;
}

std::size_t TextEntry::length() const {
  return committed_.size() + ucs_length(hangul_ic_get_preedit_string(ic_.get()));
}

void TextEntry::wipe_committed() {
  wipe_u32(committed_);
}

// ---------------------------------------------------------------------------------------------
// Free functions

std::string to_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(utf8_size(text));
  append_utf8(out, text);
  return out;
}

std::optional<std::u32string> from_utf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());  // never more code points than bytes: no reallocated copies
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    std::size_t extra = 0;
    char32_t c = 0;
    char32_t min = 0;  // the smallest value this length may encode (no overlong forms)
    if (lead < 0x80) {
      c = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      c = lead & 0x1Fu;
      min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      c = lead & 0x0Fu;
      min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      c = lead & 0x07u;
      min = 0x10000;
    } else {
      wipe_u32(out);
      return std::nullopt;
    }
    if (utf8.size() - i - 1 < extra) {
      wipe_u32(out);
      return std::nullopt;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cont = static_cast<unsigned char>(utf8[i + k]);
      if ((cont & 0xC0) != 0x80) {
        wipe_u32(out);
        return std::nullopt;
      }
      c = (c << 6) | (cont & 0x3Fu);
    }
    if (c < min || !is_scalar_value(c)) {
      wipe_u32(out);
      return std::nullopt;
    }
    out.push_back(c);
    i += extra + 1;
  }
  return out;
}

std::optional<std::string> two_beolsik_keys(char32_t c) {
  if (c >= kFirstSyllable && c <= kLastSyllable) {
    const char32_t index = c - kFirstSyllable;
    std::string keys = kLeadKeys[index / (21 * 28)];
    keys += kVowelKeys[(index / 28) % 21];
    keys += kTailKeys[index % 28];
    return keys;
  }
  if (c >= kFirstCompatJamo && c <= kLastCompatJamo) {
    const char32_t index = c - kFirstCompatJamo;
    return std::string(index < 30 ? kCompatConsonantKeys[index] : kVowelKeys[index - 30]);
  }
  return std::nullopt;
}

std::string format_phone_display(std::string_view digits) {
  std::string d;
  for (char c : digits) {
    if (c >= '0' && c <= '9') d.push_back(c);
  }
  const std::size_t n = d.size();
  if (n > 11) return d;
  // The first two groups' sizes; the third group takes the rest (at most 4).
  std::size_t first = 3;
  std::size_t second = 4;
  if (d.rfind("02", 0) == 0) {  // Seoul: 02-123-4567 or 02-1234-5678
    first = 2;
    second = n <= 9 ? 3 : 4;
  } else if (d.rfind("01", 0) == 0) {  // mobile: 010-1234-5678 as it is typed
    second = 4;
  } else if (d.rfind("0", 0) == 0) {  // other area codes: 031-123-4567 or 031-1234-5678
    second = n <= 10 ? 3 : 4;
  } else {  // nationwide numbers without an area code: 1588-1234
    first = 4;
  }
  std::string out = d.substr(0, first);
  if (n > first) out += "-" + d.substr(first, second);
  if (n > first + second) out += "-" + d.substr(first + second);
  return out;
}

int DateEntry::days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool DateEntry::valid() const {
  return year >= kMinYear && year <= kMaxYear && month >= 1 && month <= 12 && day >= 1 &&
         day <= days_in_month(year, month);
}

std::string DateEntry::iso() const {
  if (!valid()) return "";
  char buf[40];  // room for any int, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

}  // namespace kiosk
