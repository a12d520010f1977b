// kiosk/app/ui.h: the widget layer of the kiosk on top of Dear ImGui 1.86.
//
// Every interactive widget goes through Ui, which sizes it from the panel's physical size
// (touch targets at least 12 mm, gaps 2.5 mm), colours it from the theme (kiosk/theme.h),
// and records its id, visible label and rectangle for the frame. The record is what the
// accessibility checks and, in test mode, the UI test driver use ("tap the button labelled
// 다음"); it is also where a focus order and spoken labels will hang (issue 7).
//
// Fonts: one Korean font (Debian's fonts-nanum) built only from the glyphs the UI strings and
// the installed packages use, plus glyphs added as they are typed (request_text), so the
// atlas stays small whatever the participant enters.
//
// Thread-safety: UI thread only.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "kiosk/theme.h"

namespace kiosk::app {

struct WidgetRecord {
  std::string id;     // stable: "next", "type:rare", "key:r", ...
  std::string label;  // the visible text
  std::string kind;   // button, toggle, key, field, pad, text
  ImVec4 rect;        // x, y, w, h in framebuffer pixels
  bool enabled = true;
  bool selected = false;
};

enum class Tone { kPrimary, kSecondary, kDanger, kQuiet };

class Ui {
 public:
  Ui(std::string font_file, double panel_width_mm, double panel_height_mm);

  // Text size (100, 150, 200 %) and theme; a change rebuilds the font atlas between frames.
  void set_text_scale(int pct);
  void set_high_contrast(bool on);
  int text_scale() const { return scale_pct_; }
  const Palette& palette() const { return palette_; }

  // Glyphs: every code point of `utf8` will be in the atlas (rebuilt between frames if needed).
  void request_text(const std::string& utf8);
  // Rebuilds fonts if needed; call before ImGui::NewFrame. True when the atlas was rebuilt.
  bool prepare_fonts();
  ImVec2 atlas_size() const { return atlas_size_; }

  // Per frame.
  void begin_frame(int fb_width, int fb_height);
  const std::vector<WidgetRecord>& widgets() const { return widgets_; }

  // Metrics in framebuffer pixels.
  float mm(double millimetres) const { return static_cast<float>(millimetres * px_per_mm_); }
  float target() const { return mm(12.0) * static_cast<float>(scale_pct_) / 100.0f > mm(16.0) ? mm(12.0) * static_cast<float>(scale_pct_) / 100.0f : mm(16.0); }
  float gap() const { return mm(2.5) * static_cast<float>(scale_pct_) / 100.0f; }
  float font_px() const { return body_px_; }
  ImFont* title_font() const { return title_; }
  ImFont* body_font() const { return body_; }

  ImU32 col(Rgb c, float alpha = 1.0f) const;
  ImVec4 colv(Rgb c) const;

  // Widgets. Each records itself; returns true when tapped (released inside).
  // A selected button shows a check mark too (not colour alone); `check_mark` false for a text
  // field being edited, whose highlight means "typing here", not "chosen".
  bool button(const std::string& id, const std::string& label, ImVec2 size, Tone tone = Tone::kPrimary,
              bool enabled = true, bool selected = false, bool check_mark = true);
  // A large choice with a title and a smaller second line.
  bool choice(const std::string& id, const std::string& title, const std::string& sub, ImVec2 size, bool selected);
  void title(const std::string& text);
  void text(const std::string& text, bool muted = false);
  void error_text(const std::string& text);  // icon + text: never colour alone
  // Records a non-button region (signature pad, text field) for the test driver.
  void record(const std::string& id, const std::string& label, const std::string& kind, ImVec2 min, ImVec2 max,
              bool enabled = true);

  // A visible flash on confirm (drawn by the frame loop). A sound is still to come (issue 5
  // asks for both: feedback not by one sense only).
  void confirm_feedback();
  bool flashing() const;

 private:
  std::string font_file_;
  double px_per_mm_ = 3.6;
  double panel_w_mm_, panel_h_mm_;
  int scale_pct_ = 100;
  bool high_contrast_ = false;
  Palette palette_;
  std::set<ImWchar> glyphs_;
  bool fonts_dirty_ = true;
  float body_px_ = 28;
  ImFont* body_ = nullptr;
  ImFont* title_ = nullptr;
  ImVec2 atlas_size_{0, 0};
  std::vector<WidgetRecord> widgets_;
  double flash_until_ = 0;
};

// UTF-8 -> code points (invalid bytes become U+FFFD).
std::u32string utf8_to_u32(const std::string& s);

}  // namespace kiosk::app
