// kiosk/theme.h: the UI's colours as data, and the contrast rule they are held to.
//
// Two palettes: normal_palette() (calm: near-white page, deep-blue primary actions) and
// high_contrast_palette() (black page, white and yellow). Screens take every colour from the
// active Palette, never from literals, so that switching to high contrast changes everything.
//
// palette_pairs() lists every foreground/background combination the UI draws. It is the
// contract the tests check against WCAG 2.x: text pairs at least 4.5:1 (1.4.3, normal-size
// text; many participants are elderly, so the large-text 3:1 allowance is not used), non-text
// pairs (focus ring, progress fill, keys, borders) at least 3:1 (1.4.11). A screen that draws
// a new combination adds it here first.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiosk {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

// 0xRRGGBB -> Rgb
constexpr Rgb rgb_hex(std::uint32_t v) {
  return Rgb{static_cast<std::uint8_t>((v >> 16) & 0xff), static_cast<std::uint8_t>((v >> 8) & 0xff),
             static_cast<std::uint8_t>(v & 0xff)};
}

std::string to_hex(Rgb c);  // "#RRGGBB"

struct Palette {
  Rgb background;         // the page
  Rgb surface;            // cards, text fields, dialogs, the document reader
  Rgb text;               // body text on background and surface
  Rgb text_muted;         // hints, secondary labels, progress text
  Rgb primary;            // main action buttons ("next", "agree"); links and accents as text
  Rgb on_primary;
  Rgb secondary;          // other buttons ("back", "call staff")
  Rgb on_secondary;
  Rgb danger;             // cancel / destructive buttons; error text on background and surface
  Rgb on_danger;
  Rgb focus_ring;         // drawn around the focused control, with a gap, on background or surface
  Rgb warning_bg;         // idle warning, notices
  Rgb on_warning;
  Rgb disabled_bg;        // a control that cannot be used yet (still readable: it says why)
  Rgb on_disabled;
  Rgb required_marker;    // the "*" / "필수" mark next to a required question
  Rgb selected_bg;        // a chosen answer option
  Rgb on_selected;
  Rgb progress_fill;
  Rgb progress_track;
  Rgb border;             // outlines of text fields, answer options and the signature pad
  Rgb keyboard_tray;      // behind the on-screen keyboard
  Rgb keyboard_key;       // letter keys
  Rgb keyboard_key_special;  // shift, space, backspace, language, done
  Rgb on_keyboard_key;
  Rgb preedit_underline;  // under the Hangul syllable being composed, in a text field
  Rgb signature_pad;      // kept white in both palettes: the PNG is black on white too
  Rgb signature_ink;
};

Palette normal_palette();
Palette high_contrast_palette();

enum class PairKind {
  kText,     // text or a glyph that must be read: >= kMinTextContrast
  kNonText,  // a boundary or state a person must see: >= kMinNonTextContrast
};
inline constexpr double kMinTextContrast = 4.5;
inline constexpr double kMinNonTextContrast = 3.0;
double min_contrast(PairKind kind);

struct ColorPair {
  std::string name;  // "text on background", "focus ring on surface", ...
  Rgb fg;
  Rgb bg;
  PairKind kind = PairKind::kText;
};

// Every foreground/background pair the UI draws with this palette.
std::vector<ColorPair> palette_pairs(const Palette& p);

// WCAG 2.x relative luminance (sRGB linearised) and contrast ratio (L1 + 0.05) / (L2 + 0.05),
// symmetric in its arguments, 1.0 (same colour) .. 21.0 (black and white).
double relative_luminance(Rgb c);
double contrast_ratio(Rgb a, Rgb b);

}  // namespace kiosk
