// kiosk/app/ui.h: the widget layer of the kiosk on top of Dear ImGui 1.86.
//
// Every interactive widget goes through Ui, which sizes it from the panel's physical size
// (touch targets at least 12 mm, gaps 2.5 mm), colours it from the theme (kiosk/theme.h),
// and records its id, visible label and rectangle for the frame. The record is what the
// accessibility checks and, in test mode, the UI test driver use ("tap the button labelled
// 다음"); it is also where the focus order and the spoken labels hang (issue 7).
//
// Keypad focus (issue 7): every button, choice and focusable record (signature pad, consent
// reader) has a place in the frame's focus order, which is its recording order (reading
// order). The frame loop moves the focus with nav() before a frame is drawn; the focused
// widget gets a ring drawn outside it (a gap, then the theme's focus_ring colour), and
// nav(kActivate) makes button()/choice() return true (or activated() for a record) in the next
// frame, as a tap would. The focus is kept by id across frames; when its widget is gone it
// goes to the first control. begin_modal() starts a layer (an overlay) that keeps the focus
// inside it while it is drawn; closing the overlay gives the focus back (see a11y.h).
//
// Fonts: one Korean font (Debian's fonts-nanum) built only from the glyphs the UI strings and
// the installed packages use, plus glyphs added as they are typed (request_text), so the
// atlas stays small whatever the participant enters.
//
// Thread-safety: UI thread only.
#pragma once

#include <imgui.h>

#include <algorithm>
#include <bitset>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "kiosk/keyboard.h"
#include "kiosk/theme.h"
#include "redraw.h"

namespace kiosk::app {

struct WidgetRecord {
  std::string id;     // stable: "next", "type:rare", "key:r", ...
  std::string label;  // the visible text
  std::string kind;   // button, toggle, key, field, pad, text
  ImVec4 rect;        // x, y, w, h in framebuffer pixels
  bool enabled = true;
  bool selected = false;
  bool focusable = false;  // has a place in the focus order
  bool focused = false;    // the keypad focus is here (set when the frame ends)
  bool clipped = false;    // its label does not fit inside it
  std::string name;        // spoken name when the label is a value (a text field: its label)
  ImVec4 clip{0, 0, 0, 0}; // the visible part of the window it is drawn in (a scrolling region: its view)
};

enum class NavKey { kNext, kPrevious, kActivate };

enum class Tone { kPrimary, kSecondary, kDanger, kQuiet };

class Ui {
 public:
  Ui(std::string font_file, double panel_width_mm, double panel_height_mm);
  Ui(const Ui&) = delete;
  Ui& operator=(const Ui&) = delete;

  // Text size (100, 150, 200 %) and theme; a change rebuilds the font atlas between frames.
  void set_text_scale(int pct);
  void set_high_contrast(bool on);
  int text_scale() const { return scale_pct_; }
  const Palette& palette() const { return palette_; }

  // Glyphs: every code point of `utf8` will be in the atlas (rebuilt between frames if needed).
  void request_text(const std::string& utf8);
  // Rebuilds fonts if needed; call before ImGui::NewFrame. True when the atlas was rebuilt.
  bool prepare_fonts();
  // Text drawn this frame needs glyphs the atlas lacks (drawn as '?' until the next frame's
  // prepare_fonts): the frame loop draws once more, and takes no screenshot of this frame.
  bool fonts_pending() const { return fonts_dirty_; }
  ImVec2 atlas_size() const { return atlas_size_; }
  // Deletes the atlas texture; call while the GL context is current, before it goes.
  void release_gl();

  // Per frame.
  void begin_frame(int fb_width, int fb_height);
  // Resolves the focus for the frame just drawn (marks the focused record). Call after the
  // screens have drawn, before widgets() is read.
  void end_frame();
  const std::vector<WidgetRecord>& widgets() const { return widgets_; }

  // Keypad focus. nav() acts on the focus order of the last frame drawn; call between frames.
  void nav(NavKey key);
  // The keypad's focus keys, the same on every screen (docs/ACCESSIBILITY.md): 2/6/↓/→ next,
  // 8/4/↑/← previous, Tab / Shift+Tab, 5/Enter activate (not on auto-repeat). Shows the focus
  // ring. False for any other key (GLFW key codes and mods).
  bool nav_key(int key, int mods, bool repeat);
  // The focus goes to `id` (or, with `prefix`, the first control whose id starts with it) when
  // the frame ends; if there is none, to the first control.
  void request_focus(std::string id, bool prefix = false);
  void reset_focus() { request_focus(""); }  // a new screen: its first control
  const std::string& focus_id() const { return focus_id_; }
  // 1-based place of the focus in the last frame's order, and the order's length.
  int focus_position() const { return focus_pos_; }
  int focus_count() const { return static_cast<int>(order_.size()); }
  const std::vector<std::string>& focus_order() const { return order_; }
  const WidgetRecord* focused_widget() const;
  // The focus ring is shown once the keypad has been used in this session (touch users do not
  // need it); it is hidden again when the session ends.
  void set_focus_visible(bool on) { focus_visible_ = on; }
  bool focus_visible() const { return focus_visible_; }
  // From here on, this frame's widgets are a modal layer: the focus order is the layer's only.
  void begin_modal();
  // True once when the record `id` (pad, reader) was activated from the keypad.
  bool activated(const std::string& id);
  // Activates the control `id` in the next frame as if it had the focus (keypad digits type
  // on the on-screen digit keys; the keypad's back key presses "back").
  void press(std::string id) { activate_id_ = std::move(id); }
  // Whether the last button() that returned true was activated from the keypad.
  bool last_press_from_keypad() const { return keypad_press_; }
  // The spoken name of the widget recorded last (a text field's label; its visible label is
  // its value).
  void name_last(const std::string& name) {
    if (!widgets_.empty()) widgets_.back().name = name;
  }
  // Titles and texts drawn this frame, in order (what the voice guidance reads on a new screen).
  const std::vector<std::string>& titles() const { return titles_; }
  const std::vector<std::string>& texts() const { return texts_; }

  // Metrics in framebuffer pixels.
  float mm(double millimetres) const { return static_cast<float>(millimetres * px_per_mm_); }
  // The touch target's side and the gap between targets are whole pixels, rounded up: Dear
  // ImGui floors each new line's y (and x after a group), so a fractional size or gap loses up
  // to a pixel (at 1280 px on a 527 mm panel 2.5 mm is 6.07 px; it came out as 5.1, 2.1 mm).
  // button() and choice() round heights up and widths down (a row planned to fill its width
  // still fits) to whole pixels for the same reason.
  float target() const { return std::ceil(std::max(mm(12.0) * static_cast<float>(scale_pct_) / 100.0f, mm(16.0))); }
  float gap() const { return std::ceil(mm(2.5) * static_cast<float>(scale_pct_) / 100.0f); }
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
  // The height a button of `width` needs for `label` (wrapped) at the current text size, at
  // least `min_h`: for rows whose height is planned before they are drawn (200 % text).
  float fit_height(const std::string& label, float width, float min_h) const;
  // The width of `t` on one line as text() draws it (error_text(): with its mark).
  float text_width(const std::string& t, bool error = false) const;
  // A large choice with a title and a smaller second line.
  bool choice(const std::string& id, const std::string& title, const std::string& sub, ImVec2 size, bool selected);
  // Text drawn by title() and text() between these uses `fg` instead of the page's text colour:
  // for a layer with its own background (the warning overlay: on_warning on warning_bg).
  void push_text_colour(Rgb fg) { text_colours_.push_back(fg); }
  void pop_text_colour() { text_colours_.pop_back(); }
  // Every (text colour, background) pair title(), text() and error_text() drew this frame, for
  // the test mode's record: the UI tests check each against WCAG's 4.5:1 (a pair the theme's
  // list does not know, e.g. page text on the warning overlay, shows up here).
  const std::vector<ColorPair>& text_pairs() const { return text_pairs_; }
  bool record_text_pairs = false;  // set in test mode (--test-widgets)
  // The rows of an on-screen keyboard (kiosk/keyboard.h's layout), each row centred in the
  // window's width less the margins, a key k units wide spanning the k-1 gaps inside it. Ids
  // "key:<char>", "key:shift", "key:backspace", "key:space", "key:mode", "key:done". Returns the
  // key tapped this frame, or nullptr.
  struct KeyLabels {
    std::string space, mode, done;
  };
  const Key* key_rows(const std::vector<std::vector<Key>>& rows, bool shift, const KeyLabels& labels, float key_h);
  void title(const std::string& t, float wrap_x = 0.0f);  // wrap_x: window x to wrap at (0: the window's edge)
  void text(const std::string& text, bool muted = false);
  // Marks the current window (a child whose content scrolls) as a scrolling region for the
  // partial redraw (redraw.h): its view and its scroll offset this frame.
  void scroll_region();
  const std::vector<Redraw::ScrollRegion>& scroll_regions() const { return scroll_regions_; }
  void error_text(const std::string& text);  // icon + text: never colour alone
  // Records a non-button region (signature pad, text field) for the test driver.
  // `focusable`: a place in the focus order (the pad and the reader; activated() tells when
  // the keypad activates it).
  void record(const std::string& id, const std::string& label, const std::string& kind, ImVec2 min, ImVec2 max,
              bool enabled = true, bool focusable = false);

  // A filled rectangle of an opaque colour with rounded corners, as ImDrawList::AddRectFilled
  // draws it, but its inside is a scissored glClear in draw order (a callback) and only the
  // corners are triangles: software GL fills a blended triangle at several times the cost of a
  // clear, and buttons and trays are most of a screen's non-text pixels.
  void fill(ImDrawList* dl, ImVec2 min, ImVec2 max, Rgb c, float rounding);
  // A fill's clear, as its draw callback (run_clear) gets it: what it fills decides its pixels,
  // so the partial redraw (redraw.h) compares and bounds it.
  struct Clear {
    float x0, y0, x1, y1;     // screen coordinates, whole pixels
    float r, g, b;            // the colour, 0-1
    float fb_height, sx, sy;  // the framebuffer's height and scale (GL's y goes up)
  };
  static void run_clear(const ImDrawList* list, const ImDrawCmd* cmd);

  // Feedback on a confirmed tap, by two senses: a visible flash (drawn by the frame loop while
  // flashing()) and a sound (on_confirm: the speech engine's chime, set by main).
  void confirm_feedback();
  bool flashing() const;
  std::function<void()> on_confirm;
  int confirms() const { return confirms_; }  // since start (test mode's record)

 private:
  std::string font_file_;
  std::vector<char> font_data_;  // the TTF's bytes, read once, lent to the atlas
  unsigned int atlas_texture_ = 0;  // GL name of the font atlas (upload_atlas)
  void upload_atlas();
  ImVector<ImWchar> glyph_ranges_;  // the atlas's glyph ranges (it points into them)
  double px_per_mm_ = 3.6;
  double panel_w_mm_, panel_h_mm_;
  int scale_pct_ = 100;
  bool high_contrast_ = false;
  Palette palette_;
  std::bitset<0x10000> glyphs_;  // the characters the atlas has (or is to have at the next build)
  bool fonts_dirty_ = true;
  float body_px_ = 28;
  ImFont* body_ = nullptr;
  ImFont* title_ = nullptr;
  ImVec2 atlas_size_{0, 0};
  std::vector<WidgetRecord> widgets_;
  std::deque<Clear> clears_;  // this frame's fill() clears (the draw callbacks point into it)
  ImVec2 fb_scale_{1, 1};
  float fb_height_ = 0;
  std::vector<Rgb> text_colours_;  // push_text_colour
  std::vector<ColorPair> text_pairs_;
  void note_pair(Rgb fg);  // records fg on current_background()
  Rgb current_background() const;
  double flash_until_ = 0;
  int confirms_ = 0;

  // Focus: called for each focusable widget as it is drawn (the last ImGui item when
  // `is_item`, so that it can be scrolled into view).
  void focus_item(const std::string& id, ImVec2 min, ImVec2 max, bool is_item);
  std::string focus_id_;
  std::vector<std::string> order_;  // the focus order of the last frame
  int focus_pos_ = 0;
  std::string request_;
  bool request_pending_ = false, request_prefix_ = false;
  std::string activate_id_;
  bool scroll_to_focus_ = false;
  bool keypad_press_ = false;
  bool focus_visible_ = false;
  std::size_t modal_from_ = 0;
  bool modal_ = false;
  std::vector<std::string> titles_, texts_;
  std::vector<Redraw::ScrollRegion> scroll_regions_;
};

// UTF-8 -> code points (invalid bytes become U+FFFD).
std::u32string utf8_to_u32(const std::string& s);

}  // namespace kiosk::app
