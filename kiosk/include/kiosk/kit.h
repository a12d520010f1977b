// kiosk/kit.h: specimen kit barcodes (blood tube, urine cup) and how a scanner's keystrokes
// are told apart from a person typing.
//
// Barcode format (docs/OPERATIONS.md): "BBD-<T>-<8 digits>-<C>", e.g. "BBD-B-00012345-?".
//   T  kit type: B blood tube, U urine cup
//   C  ISO/IEC 7064 MOD 37,36 check character (alphabet 0-9A-Z) over "<T><8 digits>", so a
//      single wrong character, most swaps of neighbours, and a blood label read as urine
//      (or the other way) all fail the check.
// parse_kit_barcode() accepts lower case and surrounding spaces (a person typing) and returns
// the canonical upper-case form, which is what is stored and sent.
//
// ScanDetector: a USB barcode scanner is a keyboard that types a whole code, then Enter,
// within a few milliseconds per key; a person cannot. The detector holds keys back while they
// arrive faster than kScanMaxGapMs apart; a run of at least kScanMinChars printable ASCII keys
// ended by Enter is a scan and comes out as one ASCII string, never through the on-screen
// keyboard's TextEntry (whose Hangul mode would compose "BBD" into jamo). Anything else is
// released, in order and unchanged, as typed keys for the focused field, at the latest
// kScanMaxGapMs after the last key (call poll() when wake_at() says so).
// This works for any scanner in keyboard mode, whichever device it is; a scanner named in the
// site settings is read as its own input device instead (kiosk/scanner_evdev.h).
//
// Thread-safety: pure functions; a ScanDetector belongs to the UI thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace kiosk {

enum class KitKind { kBlood, kUrine };
const char* kit_kind_name(KitKind k);  // "blood" / "urine" (as stored and in the FHIR Specimen)
char kit_kind_letter(KitKind k);       // 'B' / 'U'

struct KitBarcode {
  KitKind kind = KitKind::kBlood;
  std::string text;  // canonical: "BBD-B-12345678-C"
};

// The ISO/IEC 7064 MOD 37,36 (hybrid) check character of `data` (characters 0-9 and A-Z).
// REQUIRES: every character of data is in 0-9A-Z.
char iso7064_mod37_36_check(std::string_view data);

// Says what is wrong (length, prefix, type letter, digits, check character) without guessing.
platform::Result<KitBarcode> parse_kit_barcode(std::string_view text);
// The barcode for a kit type and 8-digit serial, e.g. for label printing and tests.
// REQUIRES: serial is 8 digits.
std::string make_kit_barcode(KitKind kind, std::string_view serial);

inline constexpr std::int64_t kScanMaxGapMs = 30;  // scanners: 1-10 ms per key; people: 80+
inline constexpr std::size_t kScanMinChars = 8;    // shorter bursts are typing (or a stray key)
inline constexpr std::size_t kScanMaxChars = 64;   // longer is not one of our barcodes
inline constexpr char32_t kKeyEnter = U'\n';       // the UI maps Enter / keypad Enter to this

class ScanDetector {
 public:
  struct Output {
    std::optional<std::string> scan;  // a complete scan: ASCII, without the Enter
    std::u32string typed;             // keys for the focused field, in order (may hold kKeyEnter)
  };

  // One key from the physical keyboard path (the character it types; '\r' counts as Enter),
  // with the time it arrived in milliseconds (any monotonic clock).
  Output key(char32_t ch, std::int64_t at_ms);
  // Releases held keys once no key followed them within kScanMaxGapMs.
  Output poll(std::int64_t now_ms);
  // When poll() next has something to do; nullopt while nothing is held.
  std::optional<std::int64_t> wake_at() const;
  // Drops held keys (the field lost focus or the screen changed).
  void reset();

 private:
  std::u32string release();
  std::u32string held_;
  std::int64_t last_ms_ = 0;
};

}  // namespace kiosk
