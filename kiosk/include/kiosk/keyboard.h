// kiosk/keyboard.h: the logic of the kiosk's on-screen keyboards, without any drawing.
//
// Three keyboards: Korean 2-beolsik (두벌식, the standard layout every Korean user knows),
// Latin QWERTY, and a phone-style digit pad. keyboard_layout() gives the keys for the UI to
// draw; a TextEntry is one field being typed: it turns key presses into text, composing
// Hangul syllables with libhangul, and keeps the text that is still being composed (the
// preedit, drawn underlined) apart from the text that is final (committed).
//
// Rules the UI relies on:
//   - Only Hangul mode composes. In Latin and Digits modes every key arrives as itself, so a
//     barcode typed (or scanned as key presses) in Latin mode comes through unchanged, even
//     after Korean was typed earlier in the same field.
//   - Switching mode, pressing Done, a space, a digit or punctuation commits the preedit.
//   - The length limit counts Unicode characters of committed text plus preedit, so the field
//     never shows more than max_chars characters, even for a moment.
//   - Participant text is wiped (zeroed) on clear(), set_text() and destruction, including
//     what libhangul keeps of it. Strings returned by committed()/preedit()/text() are copies
//     the caller must wipe (platform::wipe) when they hold participant data.
//
// Also here: UTF-8 conversion for libhangul's UCS-4 strings, the 2-beolsik keystrokes of a
// syllable, the phone number display grouping (010-1234-5678) and the date entry state.
//
// Thread-safety: UI thread only. Nothing here is synchronised; keyboard_layout() returns
// immutable tables built on first use (that first use is thread-safe, as for any static).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// libhangul's input context, declared as hangul.h does, so that this header need not include it.
typedef struct _HangulInputContext HangulInputContext;

namespace kiosk {

enum class KeyboardMode { kHangul, kLatin, kDigits };

enum class KeyKind {
  kChar,       // types `code` (with shift: its shifted form)
  kShift,      // one-shot shift: applies to the next character key only
  kBackspace,  // see TextEntry::backspace()
  kSpace,      // types ' ' (code is ' ')
  kMode,       // toggles Hangul <-> Latin (not on the digit pad)
  kDone,       // the field is finished: commits the preedit; the UI moves on
};

// One key as the UI draws it. Labels are UTF-8. For function keys the labels are fallbacks:
// the UI should draw icons or its own localised words, chosen by `kind`.
struct Key {
  std::string label;          // e.g. "ㄱ", "q", "7"
  std::string label_shifted;  // what the key types with shift ("ㄲ", "Q"); == label if none
  char code = '\0';           // the ASCII key: QWERTY letter for Hangul jamo; '\0' if none
  float width = 1.0f;         // in units of a letter key, for the UI's row layout
  KeyKind kind = KeyKind::kChar;
};

// The rows of keys for a mode, top to bottom.
//   Hangul: digits 1-0 / ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ / ㅁㄴㅇㄹㅎㅗㅓㅏㅣ /
//           shift ㅋㅌㅊㅍㅠㅜㅡ backspace / mode space done. Codes are the QWERTY letters
//           libhangul's "2" keyboard expects (q..p, a..l, z..m); shift gives ㅃㅉㄸㄲㅆ and ㅒㅖ.
//   Latin:  digits 1-0 / qwertyuiop / asdfghjkl / shift zxcvbnm backspace /
//           mode - space . done. Shift gives capitals.
//   Digits: a 3x4 phone pad: 1 2 3 / 4 5 6 / 7 8 9 / backspace 0 done.
// The reference stays valid for the life of the program.
const std::vector<std::vector<Key>>& keyboard_layout(KeyboardMode mode);

// What a press did, so the UI can give feedback (a refused key flashes) and leave the field.
enum class PressResult { kAccepted, kRefused, kDone };

// One text field being typed. Owns a libhangul input context. Move-only; a moved-from
// TextEntry may only be destroyed or assigned to.
class TextEntry {
 public:
  // Fields longer than this are not typed on a kiosk; it bounds the buffer reserved up front
  // (reserved so that growing never reallocates and leaves unwiped copies behind).
  static constexpr std::size_t kMaxChars = 1024;

  // REQUIRES: max_chars <= kMaxChars (larger values are clamped to it).
  TextEntry(KeyboardMode mode, std::size_t max_chars);
  ~TextEntry();  // wipes the text, and what libhangul holds of it
  TextEntry(TextEntry&& other) noexcept;
  TextEntry& operator=(TextEntry&& other) noexcept;
  TextEntry(const TextEntry&) = delete;
  TextEntry& operator=(const TextEntry&) = delete;

  // Changes the keyboard. Commits the preedit first, so a syllable being composed never
  // swallows what is typed in the next mode. Clears shift.
  void set_mode(KeyboardMode mode);
  KeyboardMode mode() const { return mode_; }

  // One-shot shift: cleared by the next accepted character key. Ignored in Digits mode.
  void set_shift(bool on) { shift_ = on; }
  bool shift() const { return shift_; }

  // Applies a key from keyboard_layout(): characters are typed as by press_code(), shift
  // toggles, backspace deletes, mode toggles Hangul <-> Latin, done commits and returns kDone.
  // kRefused: the text is full, the key does not belong to this mode, or there was nothing to
  // delete. A refused key changes nothing.
  PressResult press(const Key& key);

  // Types one ASCII key (the on-screen key's code, or a physical keyboard's). Shift, if on,
  // turns a lower-case letter into its capital, then is cleared. Hangul: letters compose
  // (upper-case letters without a double jamo type the same jamo as lower-case, as in
  // libhangul), other printable ASCII commits the preedit and is typed as itself. Latin:
  // printable ASCII as itself, never composed. Digits: '0'-'9' only.
  // Returns false, changing nothing, if the key is refused (not allowed in this mode, or the
  // result would be longer than max_chars).
  bool press_code(char code);

  // Hangul: takes back the preedit one jamo at a time as Korean users expect
  // (각 -> 가 -> ㄱ -> nothing, 앍 -> 알, 와 -> 오); with no preedit, deletes the last committed
  // character, a whole syllable. Returns false if there was nothing to delete.
  bool backspace();

  // Makes the preedit final (e.g. when the field loses focus).
  void commit();

  // Wipes (zeroes) all text and the preedit; clears shift. The mode and limit stay.
  void clear();

  // Replaces the text with `utf8` as committed text (editing a stored value), no preedit.
  // Returns false, changing nothing, if it is not valid UTF-8 or longer than max_chars.
  bool set_text(std::string_view utf8);

  std::string committed() const;  // UTF-8, final text
  std::string preedit() const;    // UTF-8, the syllable being composed ("" if none)
  std::string text() const;       // committed() + preedit(), what the field shows
  std::size_t length() const;     // Unicode characters of text()
  std::size_t max_chars() const { return max_chars_; }

 private:
  struct IcDeleter {
    void operator()(HangulInputContext* ic) const;
  };
  using IcPtr = std::unique_ptr<HangulInputContext, IcDeleter>;

  bool compose(char code);
  bool type_literal(char code);
  std::u32string preedit_u32() const;
  std::size_t length_after_compose(char code) const;
  void wipe_committed();

  KeyboardMode mode_;
  std::size_t max_chars_;
  bool shift_ = false;
  IcPtr ic_;
  std::u32string committed_;  // capacity reserved for max_chars_ up front: never reallocates
};

// UTF-8 of a UCS-4 string (libhangul's ucschar). Code points that are not Unicode scalar
// values (surrogates, above U+10FFFF) become U+FFFD.
std::string to_utf8(std::u32string_view text);

// The code points of strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF);
// nullopt if `utf8` is not valid.
std::optional<std::u32string> from_utf8(std::string_view utf8);

// The 2-beolsik keystrokes that compose `c` from nothing, for a precomposed syllable
// (U+AC00..U+D7A3) or a Hangul compatibility jamo (U+3131..U+3163): 'rkr' for 각, 'dhk'
// for 와, 'R' for ㄲ, 'rt' for ㄳ. nullopt for anything else. TextEntry uses it to rebuild a
// preedit in a scratch context and so learn, without touching the real one, whether a key
// would lengthen the text.
std::optional<std::string> two_beolsik_keys(char32_t c);

// Groups the digits of a Korean phone number for display as they are typed: mobile
// 010-1234-5678 (partial: "010-12"), Seoul 02-123-4567 / 02-1234-5678, other area codes
// 031-123-4567 / 031-1234-5678. Characters other than digits are ignored; more than 11
// digits cannot be a Korean number and are shown ungrouped so the error is visible.
std::string format_phone_display(std::string_view digits);

// A date being entered as three numbers (birth dates, mostly). Zero means "not entered yet".
struct DateEntry {
  // Years outside this range are taken as typing mistakes on this kiosk.
  static constexpr int kMinYear = 1900;
  static constexpr int kMaxYear = 2100;

  int year = 0;
  int month = 0;
  int day = 0;

  // True for a real Gregorian date with kMinYear <= year <= kMaxYear (so 2023-02-29, month 13
  // and day 0 are not).
  bool valid() const;
  // "YYYY-MM-DD" if valid(), else "".
  std::string iso() const;
  // 28..31 for month 1..12 (Gregorian leap years), 0 for a month out of range.
  static int days_in_month(int year, int month);
};

}  // namespace kiosk
