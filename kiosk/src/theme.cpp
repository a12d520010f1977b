#include "kiosk/theme.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiosk {

std::string to_hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02X%02X%02X", static_cast<unsigned>(c.r), static_cast<unsigned>(c.g),
                static_cast<unsigned>(c.b));
  return buf;
}

Palette normal_palette() {
  Palette p;
  p.background = rgb_hex(0xF3F6FA);  // a breath of blue-grey: softer than paper white on a big panel
  p.surface = rgb_hex(0xFFFFFF);
  p.text = rgb_hex(0x1B1F24);  // near-black; pure black on white glares for some readers
  p.text_muted = rgb_hex(0x4F5966);
  p.primary = rgb_hex(0x1F4E96);  // deep blue: calm, and reads as "go on" in both languages
  p.on_primary = rgb_hex(0xFFFFFF);
  p.secondary = rgb_hex(0x4B5563);
  p.on_secondary = rgb_hex(0xFFFFFF);
  p.danger = rgb_hex(0xB42318);
  p.on_danger = rgb_hex(0xFFFFFF);
  p.focus_ring = rgb_hex(0xB34700);  // burnt orange: stands apart from the blue buttons it circles
  p.warning_bg = rgb_hex(0xFFF1C2);
  p.on_warning = rgb_hex(0x5A3A00);
  p.disabled_bg = rgb_hex(0xD9DEE5);
  p.on_disabled = rgb_hex(0x434B57);
  p.required_marker = rgb_hex(0xB42318);
  p.selected_bg = rgb_hex(0xDCE8F8);
  p.on_selected = rgb_hex(0x14396F);
  p.progress_fill = rgb_hex(0x1F4E96);
  p.progress_track = rgb_hex(0xC5CFDC);
  p.border = rgb_hex(0x6B7586);
  // Light keys on a dark tray: the keys stand out as keys (3:1 against what is behind them)
  // without dark keys that make the letters on them hard to read.
  p.keyboard_tray = rgb_hex(0x2D3947);
  p.keyboard_key = rgb_hex(0xFFFFFF);
  p.keyboard_key_special = rgb_hex(0xC9D4E3);
  p.on_keyboard_key = rgb_hex(0x1B1F24);
  p.preedit_underline = rgb_hex(0x1F4E96);
  p.signature_pad = rgb_hex(0xFFFFFF);
  p.signature_ink = rgb_hex(0x000000);
  return p;
}

Palette high_contrast_palette() {
  Palette p;
  p.background = rgb_hex(0x000000);
  p.surface = rgb_hex(0x141414);  // just off black, so cards are still cards (with a white border)
  p.text = rgb_hex(0xFFFFFF);
  p.text_muted = rgb_hex(0xE0E0E0);
  p.primary = rgb_hex(0xFFE600);  // yellow buttons, black text
  p.on_primary = rgb_hex(0x000000);
  p.secondary = rgb_hex(0xFFFFFF);
  p.on_secondary = rgb_hex(0x000000);
  p.danger = rgb_hex(0xFF9A8F);  // a light red: a dark red vanishes on black
  p.on_danger = rgb_hex(0x000000);
  p.focus_ring = rgb_hex(0x00E5FF);  // cyan: neither yellow nor white, so focus is unmistakable
  p.warning_bg = rgb_hex(0xFFE600);
  p.on_warning = rgb_hex(0x000000);
  p.disabled_bg = rgb_hex(0x3D3D3D);
  p.on_disabled = rgb_hex(0xE0E0E0);
  p.required_marker = rgb_hex(0xFF9A8F);
  p.selected_bg = rgb_hex(0xFFE600);
  p.on_selected = rgb_hex(0x000000);
  p.progress_fill = rgb_hex(0xFFE600);
  p.progress_track = rgb_hex(0x4A4A4A);
  p.border = rgb_hex(0xFFFFFF);
  p.keyboard_tray = rgb_hex(0x000000);
  p.keyboard_key = rgb_hex(0xFFFFFF);
  p.keyboard_key_special = rgb_hex(0xFFE600);
  p.on_keyboard_key = rgb_hex(0x000000);
  p.preedit_underline = rgb_hex(0xFFE600);
  p.signature_pad = rgb_hex(0xFFFFFF);
  p.signature_ink = rgb_hex(0x000000);
  return p;
}

double min_contrast(PairKind kind) {
  return kind == PairKind::kText ? kMinTextContrast : kMinNonTextContrast;
}

std::vector<ColorPair> palette_pairs(const Palette& p) {
  using K = PairKind;
  return {
      {"text on background", p.text, p.background, K::kText},
      {"text on surface", p.text, p.surface, K::kText},
      {"muted text on background", p.text_muted, p.background, K::kText},
      {"muted text on surface", p.text_muted, p.surface, K::kText},
      {"text on progress track", p.text, p.progress_track, K::kText},
      {"primary button label", p.on_primary, p.primary, K::kText},
      {"primary as text on background", p.primary, p.background, K::kText},
      {"primary as text on surface", p.primary, p.surface, K::kText},
      {"secondary button label", p.on_secondary, p.secondary, K::kText},
      {"danger button label", p.on_danger, p.danger, K::kText},
      {"error text on background", p.danger, p.background, K::kText},
      {"error text on surface", p.danger, p.surface, K::kText},
      {"warning text", p.on_warning, p.warning_bg, K::kText},
      {"disabled control label", p.on_disabled, p.disabled_bg, K::kText},
      {"required marker on background", p.required_marker, p.background, K::kText},
      {"required marker on surface", p.required_marker, p.surface, K::kText},
      {"selected option label", p.on_selected, p.selected_bg, K::kText},
      {"key label", p.on_keyboard_key, p.keyboard_key, K::kText},
      {"special key label", p.on_keyboard_key, p.keyboard_key_special, K::kText},

      {"focus ring on background", p.focus_ring, p.background, K::kNonText},
      {"focus ring on surface", p.focus_ring, p.surface, K::kNonText},
      {"progress fill on track", p.progress_fill, p.progress_track, K::kNonText},
      {"scrollbar grab on track", p.primary, p.progress_track, K::kNonText},  // the reader's scrollbar
      {"primary button on background", p.primary, p.background, K::kNonText},
      {"secondary button on background", p.secondary, p.background, K::kNonText},
      {"danger button on background", p.danger, p.background, K::kNonText},
      {"border on background", p.border, p.background, K::kNonText},
      {"border on surface", p.border, p.surface, K::kNonText},
      {"key on keyboard tray", p.keyboard_key, p.keyboard_tray, K::kNonText},
      {"special key on keyboard tray", p.keyboard_key_special, p.keyboard_tray, K::kNonText},
      {"preedit underline on surface", p.preedit_underline, p.surface, K::kNonText},
      {"signature ink on pad", p.signature_ink, p.signature_pad, K::kNonText},
  };
}

namespace {

double linearise(std::uint8_t channel) {
  const double c = channel / 255.0;
  // The sRGB transfer function (IEC 61966-2-1). WCAG 2.0 printed 0.03928 for the knee; the
  // difference cannot change an 8-bit result, and 0.04045 is the standard's value.
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

double relative_luminance(Rgb c) {
  return 0.2126 * linearise(c.r) + 0.7152 * linearise(c.g) + 0.0722 * linearise(c.b);
}

double contrast_ratio(Rgb a, Rgb b) {
  const double la = relative_luminance(a), lb = relative_luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

}  // namespace kiosk
