#include "ui.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "platform/crypto.h"

namespace kiosk::app {
namespace {
WidgetRecord rec(const std::string& id, const std::string& label, const char* kind, ImVec4 rect, bool enabled, bool selected,
                 bool focusable) {
  WidgetRecord r;
  r.id = id;
  r.label = label;
  r.kind = kind;
  r.rect = rect;
  r.enabled = enabled;
  r.selected = selected;
  r.focusable = focusable;
  if (ImGuiWindow* w = ImGui::GetCurrentWindowRead()) {
    const ImRect c = w->InnerClipRect;
    r.clip = ImVec4(c.Min.x, c.Min.y, c.GetWidth(), c.GetHeight());
  }
  return r;
}
}  // namespace

namespace {

// Destroys v's elements and zeroes the storage they lived in, which clear() keeps: a short
// string's characters are inside it. A longer string's own buffer is zeroed as it is freed
// (the app's operator delete, wipe_on_free.cpp), so each byte is zeroed once.
template <class T>
void clear_zeroed(std::vector<T>& v) {
  v.clear();
  if (v.capacity() > 0) platform::wipe(v.data(), v.capacity() * sizeof(T));
}

// Calls f(code point) for each character of s; a malformed or truncated sequence is one U+FFFD.
template <class F>
void for_each_code_point(std::string_view s, F&& f) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + static_cast<std::size_t>(n) > s.size()) {
      f(char32_t{0xFFFD});
      ++i;
      continue;
    }
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    bool ok = true;
    for (int k = 1; k < n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    f(ok ? cp : char32_t{0xFFFD});
    i += ok ? static_cast<std::size_t>(n) : 1;
  }
}

}  // namespace

std::u32string utf8_to_u32(const std::string& s) {
  std::u32string out;
  for_each_code_point(s, [&](char32_t cp) { out.push_back(cp); });
  return out;
}

Ui::Ui(std::string font_file, double panel_width_mm, double panel_height_mm)
    : font_file_(std::move(font_file)), panel_w_mm_(panel_width_mm), panel_h_mm_(panel_height_mm),
      palette_(normal_palette()) {
  for (ImWchar c = 0x20; c < 0x7F; ++c) glyphs_.set(c);
  for (ImWchar c = 0x3131; c <= 0x318E; ++c) glyphs_.set(c);  // compatibility jamo (keyboard, preedit)
  for (unsigned c : {0x00B7u, 0x2022u, 0x2026u, 0x2190u, 0x2192u, 0x221Au, 0x25CFu, 0x25CBu, 0xFFFDu, 0x203Bu,
                     0x2013u, 0x2014u, 0x2018u, 0x2019u, 0x201Cu, 0x201Du, 0x00D7u})
    glyphs_.set(c);
}

void Ui::set_text_scale(int pct) {
  if (pct != scale_pct_) {
    scale_pct_ = pct;
    fonts_dirty_ = true;
  }
}

void Ui::set_high_contrast(bool on) {
  high_contrast_ = on;
  palette_ = on ? high_contrast_palette() : normal_palette();
}

// Called for every text drawn, every frame (the whole consent document while it scrolls): one
// bit test a character, no copy of the text (it may be the participant's).
void Ui::request_text(const std::string& utf8) {
  for_each_code_point(utf8, [this](char32_t cp) {
    if (cp > 0xFFFF || cp < 0x20 || glyphs_.test(cp)) return;  // ImWchar is 16-bit in Debian's build
    glyphs_.set(cp);
    fonts_dirty_ = true;
  });
}

bool Ui::prepare_fonts() {
  if (!fonts_dirty_) return false;
  fonts_dirty_ = false;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // Body text about 7.5 mm line height at 100 % (readable at arm's length for older eyes).
  // Whole pixels, the title's too: text heights are then whole, so is every position Dear ImGui
  // lays out below a text (it truncates positions toward zero, which above the top of a
  // scrolled region is not the floor it is below it: fractional heights made the content move
  // by a pixel against the scroll, and the partial redraw could not copy it; redraw.h).
  body_px_ = std::round(std::max(22.0f, mm(6.2)) * static_cast<float>(scale_pct_) / 100.0f);
  // The ranges must outlive the build: the atlas keeps a pointer to them (a member, not a local).
  ImVector<ImWchar>& ranges = glyph_ranges_;
  ranges.clear();
  ImFontGlyphRangesBuilder b;
  for (std::size_t c = 0; c < glyphs_.size(); ++c)
    if (glyphs_.test(c)) b.AddChar(static_cast<ImWchar>(c));
  b.BuildRanges(&ranges);
  ImFontConfig cfg;
  cfg.OversampleH = 1;  // 1x: the default 3x triples the atlas for no visible gain at these sizes
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  io.Fonts->TexDesiredWidth = 2048;
  // The TTF is read once and lent to the atlas (not copied into it per font and per rebuild:
  // fonts-nanum's file is 4.7 MB).
  if (font_data_.empty()) {
    if (std::ifstream in(font_file_, std::ios::binary); in)
      font_data_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  cfg.FontDataOwnedByAtlas = false;
  void* ttf = font_data_.data();
  const int ttf_size = static_cast<int>(font_data_.size());
  body_ = ttf_size > 0 ? io.Fonts->AddFontFromMemoryTTF(ttf, ttf_size, body_px_, &cfg, ranges.Data) : nullptr;
  title_ = ttf_size > 0 ? io.Fonts->AddFontFromMemoryTTF(ttf, ttf_size, std::round(body_px_ * 1.3f), &cfg, ranges.Data) : nullptr;
  if (!body_ || !title_ || !io.Fonts->Build()) {
    std::fprintf(stderr, "kiosk: cannot build the font atlas from %s\n", font_file_.c_str());
    std::exit(3);
  }
  atlas_size_ = ImVec2(static_cast<float>(io.Fonts->TexWidth), static_cast<float>(io.Fonts->TexHeight));
  // (main creates the backend's device objects before the first call: its lazy creation in
  // NewFrame would upload again from CPU pixels, and on a cleared atlas that means a rebuild.
  // Recreating all device objects here instead left later frames blank under Mesa.)
  ImGui_ImplOpenGL3_DestroyFontsTexture();  // the backend's own (the default font's), if any
  upload_atlas();
  // The GL texture has the pixels now; drop the CPU copy.
  io.Fonts->ClearTexData();
  return true;
}

// The atlas as a one-channel texture that samples as (1, 1, 1, coverage): a quarter of the
// backend's RGBA upload (2 MB instead of 8 at 2048x1024), and no RGBA copy on the CPU either,
// which at 200 % text was the kiosk's peak memory. Needs texture swizzle (OpenGL 3.3 or
// ARB_texture_swizzle); without it, the backend's RGBA upload.
void Ui::upload_atlas() {
  ImGuiIO& io = ImGui::GetIO();
  if (atlas_texture_ != 0) {
    glDeleteTextures(1, &atlas_texture_);
    atlas_texture_ = 0;
  }
  static const bool swizzle = glfwExtensionSupported("GL_ARB_texture_swizzle") == GLFW_TRUE;
  if (!swizzle) {
    ImGui_ImplOpenGL3_CreateFontsTexture();
    return;
  }
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsAlpha8(&px, &w, &h);
  constexpr GLenum kR8 = 0x8229, kSwizzleRgba = 0x8E46;  // GL_R8, GL_TEXTURE_SWIZZLE_RGBA
  GLint last_texture = 0, last_unpack = 4;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &last_texture);
  glGetIntegerv(GL_UNPACK_ALIGNMENT, &last_unpack);
  glGenTextures(1, &atlas_texture_);
  glBindTexture(GL_TEXTURE_2D, atlas_texture_);
  // Nearest texel: glyphs are baked 1:1 and drawn at whole pixels (PixelSnapH, 1x oversampling),
  // so linear filtering sampled four texels for the same result; in software GL that is CPU.
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  const GLint rgba[4] = {GL_ONE, GL_ONE, GL_ONE, GL_RED};
  glTexParameteriv(GL_TEXTURE_2D, kSwizzleRgba, rgba);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, static_cast<GLint>(kR8), w, h, 0, GL_RED, GL_UNSIGNED_BYTE, px);
  glPixelStorei(GL_UNPACK_ALIGNMENT, last_unpack);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(last_texture));
  io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(atlas_texture_)));
}

void Ui::release_gl() {
  if (atlas_texture_ != 0) glDeleteTextures(1, &atlas_texture_);
  atlas_texture_ = 0;
}

void Ui::begin_frame(int fb_width, int fb_height) {
  clears_.clear();  // the last frame's draw data, whose callbacks pointed here, has been drawn
  scroll_regions_.clear();
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  fb_scale_ = display.x > 0 && display.y > 0 ? ImVec2(static_cast<float>(fb_width) / display.x, static_cast<float>(fb_height) / display.y)
                                              : ImVec2(1, 1);
  fb_height_ = static_cast<float>(fb_height);
  px_per_mm_ = std::min(fb_width / panel_w_mm_, fb_height / panel_h_mm_);
  if (px_per_mm_ <= 0) px_per_mm_ = 3.6;
  // The last frame's record holds what it showed: names, answers, a staff card's details.
  clear_zeroed(widgets_);
  clear_zeroed(titles_);
  text_pairs_.clear();
  clear_zeroed(texts_);
  modal_ = false;
  modal_from_ = 0;
  ImGuiStyle& st = ImGui::GetStyle();
  st.WindowRounding = 0;
  st.WindowBorderSize = 0;  // the full-screen windows have no frame (a stray 1-px line otherwise)
  st.FrameRounding = mm(2.0);
  st.ItemSpacing = ImVec2(gap(), gap());
  st.FramePadding = ImVec2(mm(3), mm(2));
  st.ScrollbarSize = mm(8);
  st.ScrollbarRounding = mm(2);
  // The page colour comes from glClear (main.cpp): a window background would paint every
  // pixel of the screen again, blended, each frame (software GL pays for every pixel).
  st.Colors[ImGuiCol_WindowBg] = ImVec4(0, 0, 0, 0);
  st.Colors[ImGuiCol_ChildBg] = colv(palette_.surface);
  st.Colors[ImGuiCol_Text] = colv(palette_.text);
  st.Colors[ImGuiCol_ScrollbarBg] = colv(palette_.progress_track);
  st.Colors[ImGuiCol_ScrollbarGrab] = colv(palette_.primary);
  st.Colors[ImGuiCol_ScrollbarGrabHovered] = colv(palette_.primary);
  st.Colors[ImGuiCol_ScrollbarGrabActive] = colv(palette_.primary);
  st.Colors[ImGuiCol_Border] = colv(palette_.text_muted);
}

void Ui::fill(ImDrawList* dl, ImVec2 min, ImVec2 max, Rgb c, float rounding) {
  min = ImVec2(std::round(min.x), std::round(min.y));
  max = ImVec2(std::round(max.x), std::round(max.y));
  if (max.x <= min.x || max.y <= min.y) return;
  rounding = std::max(0.0f, std::min(rounding, std::min(max.x - min.x, max.y - min.y) / 2));
  const float r = std::ceil(rounding);
  auto clear = [&](float x0, float y0, float x1, float y1) {
    if (x1 <= x0 || y1 <= y0) return;
    clears_.push_back({x0, y0, x1, y1, c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, fb_height_, fb_scale_.x, fb_scale_.y});
    dl->AddCallback(&Ui::run_clear, &clears_.back());
  };
  // The inside between the rounded ends is one clear. Each clear costs ~70 us under llvmpipe
  // beyond its pixels (measured: docs/PERFORMANCE.md), so the two narrow ends are
  // triangles: a column one pixel wider than the radius, its two outer corners rounded
  // (ImGui draws a radius at most the column's width minus one), over the same colour.
  clear(min.x + r, min.y, max.x - r, max.y);
  if (r <= 0) return;
  const float q = std::min(r + 1, std::min(max.x - min.x, max.y - min.y));
  const ImU32 k = col(c);
  if (max.y - min.y >= 2 * r + 2) {  // tall enough that ImGui keeps the radius on both corners
    dl->AddRectFilled(min, ImVec2(min.x + q, max.y), k, rounding, ImDrawFlags_RoundCornersLeft);
    dl->AddRectFilled(ImVec2(max.x - q, min.y), max, k, rounding, ImDrawFlags_RoundCornersRight);
    return;
  }
  // Lower than that: the ends between the corners as clears, each corner a square of its own.
  clear(min.x, min.y + r, min.x + r, max.y - r);
  clear(max.x - r, min.y + r, max.x, max.y - r);
  dl->AddRectFilled(min, ImVec2(min.x + q, min.y + q), k, rounding, ImDrawFlags_RoundCornersTopLeft);
  dl->AddRectFilled(ImVec2(max.x - q, min.y), ImVec2(max.x, min.y + q), k, rounding, ImDrawFlags_RoundCornersTopRight);
  dl->AddRectFilled(ImVec2(min.x, max.y - q), ImVec2(min.x + q, max.y), k, rounding, ImDrawFlags_RoundCornersBottomLeft);
  dl->AddRectFilled(ImVec2(max.x - q, max.y - q), max, k, rounding, ImDrawFlags_RoundCornersBottomRight);
}

// Runs inside ImGui_ImplOpenGL3_RenderDrawData, which enables the scissor test and sets the
// scissor box again before each draw command that follows.
void Ui::run_clear(const ImDrawList*, const ImDrawCmd* cmd) {
  const Clear& c = *static_cast<const Clear*>(cmd->UserCallbackData);
  const float x0 = std::max(c.x0, cmd->ClipRect.x), y0 = std::max(c.y0, cmd->ClipRect.y);
  const float x1 = std::min(c.x1, cmd->ClipRect.z), y1 = std::min(c.y1, cmd->ClipRect.w);
  if (x1 <= x0 || y1 <= y0) return;
  const auto px = [](float v) { return static_cast<GLint>(std::lround(v)); };
  const GLint left = px(x0 * c.sx), right = px(x1 * c.sx);
  const GLint top = px(c.fb_height - y0 * c.sy), bottom = px(c.fb_height - y1 * c.sy);
  if (right <= left || top <= bottom) return;
  glScissor(left, bottom, right - left, top - bottom);
  glClearColor(c.r, c.g, c.b, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
}

ImU32 Ui::col(Rgb c, float alpha) const {
  return ImGui::GetColorU32(ImVec4(c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, alpha));
}
ImVec4 Ui::colv(Rgb c) const { return ImVec4(c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, 1.0f); }

void Ui::record(const std::string& id, const std::string& label, const std::string& kind, ImVec2 min, ImVec2 max,
                bool enabled, bool focusable) {
  widgets_.push_back(rec(id, label, kind.c_str(), ImVec4(min.x, min.y, max.x - min.x, max.y - min.y), enabled, false, focusable));
  if (focusable) focus_item(id, min, max, false);
}

float Ui::fit_height(const std::string& label, float width, float min_h) const {
  if (!body_) return min_h;
  const float h = body_->CalcTextSizeA(body_px_, FLT_MAX, width - mm(6), label.c_str()).y + mm(4);
  return std::max(min_h, h);
}

float Ui::text_width(const std::string& t, bool error) const {
  if (!body_) return 0;
  const std::string shown = error ? "\u203B " + t : t;
  return body_->CalcTextSizeA(body_px_, FLT_MAX, 0, shown.c_str()).x;
}

bool Ui::button(const std::string& id, const std::string& label, ImVec2 size, Tone tone, bool enabled, bool selected,
                bool check_mark) {
  request_text(label);
  size.x = std::max(std::floor(size.x), target());  // whole pixels (see target())
  size.y = std::max(std::ceil(size.y), target());
  ImGui::PushID(id.c_str());
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  bool pressed = ImGui::InvisibleButton("b", size) && enabled;
  const bool held = ImGui::IsItemActive();
  ImGui::PopID();
  if (!activate_id_.empty() && activate_id_ == id) {  // the keypad's Enter / 5 on the focused button
    activate_id_.clear();
    keypad_press_ = enabled;
    pressed = pressed || enabled;
  } else if (pressed) {
    keypad_press_ = false;
  }
  Rgb bg = palette_.primary, fg = palette_.on_primary;
  switch (tone) {
    case Tone::kPrimary: break;
    case Tone::kSecondary: bg = palette_.secondary, fg = palette_.on_secondary; break;
    case Tone::kDanger: bg = palette_.danger, fg = palette_.on_danger; break;
    case Tone::kQuiet: bg = palette_.surface, fg = palette_.text; break;
  }
  if (selected) bg = palette_.selected_bg, fg = palette_.on_selected;
  if (!enabled) bg = palette_.disabled_bg, fg = palette_.on_disabled;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 max(pos.x + size.x, pos.y + size.y);
  fill(dl, pos, max, bg, mm(2.0));
  // Borders make every button visible without relying on its fill colour.
  dl->AddRect(pos, max, col(enabled ? fg : palette_.on_disabled), mm(2.0), 0, selected ? mm(1.2) : mm(0.4));
  if (held && enabled) dl->AddRect(pos, max, col(palette_.focus_ring), mm(2.0), 0, mm(1.5));
  // A check mark, not colour alone: √, the check mark of Korean forms (fonts-nanum has no ✓).
  std::string shown = selected && check_mark ? "\u221A " + label : label;
  request_text(shown);
  ImGui::PushFont(body_);
  const float wrap = size.x - mm(6);
  ImVec2 ts = ImGui::CalcTextSize(shown.c_str(), nullptr, false, wrap);
  ImVec2 tp(pos.x + (size.x - ts.x) / 2, pos.y + (size.y - ts.y) / 2);
  dl->AddText(body_, body_px_, tp, col(fg), shown.c_str(), nullptr, wrap);
  ImGui::PopFont();
  WidgetRecord r = rec(id, label, "button", ImVec4(pos.x, pos.y, size.x, size.y), enabled, selected, true);
  r.clipped = ts.y > size.y + 1 || ts.x > size.x + 1;
  widgets_.push_back(r);
  focus_item(id, pos, max, true);
  if (pressed) confirm_feedback();
  return pressed;
}

bool Ui::choice(const std::string& id, const std::string& title_text, const std::string& sub, ImVec2 size, bool selected) {
  const std::string t = selected ? "\u221A " + title_text : title_text;
  request_text(t + sub);
  size.x = std::max(std::floor(size.x), target());  // whole pixels (see target())
  // Tall enough for the title and the line(s) under it at any text size.
  const float pad = mm(5), wrap = size.x - 2 * pad;
  const float title_h = title_->CalcTextSizeA(title_->FontSize, FLT_MAX, wrap, t.c_str()).y;
  const float sub_h = body_->CalcTextSizeA(body_px_, FLT_MAX, wrap, sub.c_str()).y;
  size.y = std::ceil(std::max({size.y, target() * 1.6f, pad * 1.6f + title_h + title_->FontSize * 0.15f + sub_h}));
  ImGui::PushID(id.c_str());
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  bool pressed = ImGui::InvisibleButton("c", size);
  const bool held = ImGui::IsItemActive();
  ImGui::PopID();
  if (!activate_id_.empty() && activate_id_ == id) {
    activate_id_.clear();
    pressed = true;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 max(pos.x + size.x, pos.y + size.y);
  const Rgb bg = selected ? palette_.selected_bg : palette_.surface, fg = selected ? palette_.on_selected : palette_.text;
  fill(dl, pos, max, bg, mm(2.5));
  dl->AddRect(pos, max, col(held ? palette_.focus_ring : fg), mm(2.5), 0, held || selected ? mm(1.2) : mm(0.5));
  dl->AddText(title_, title_->FontSize, ImVec2(pos.x + pad, pos.y + pad * 0.8f), col(fg), t.c_str(), nullptr, wrap);
  dl->AddText(body_, body_px_, ImVec2(pos.x + pad, pos.y + pad * 0.8f + title_h + title_->FontSize * 0.15f), col(fg), sub.c_str(),
              nullptr, wrap);
  widgets_.push_back(rec(id, title_text, "button", ImVec4(pos.x, pos.y, size.x, size.y), true, selected, true));
  focus_item(id, pos, max, true);
  if (pressed) confirm_feedback();
  return pressed;
}

const Key* Ui::key_rows(const std::vector<std::vector<Key>>& rows, bool shift, const KeyLabels& labels, float key_h) {
  const float g = gap();
  float units = 0;
  for (const auto& row : rows) {
    float u = 0;
    for (const Key& k : row) u += k.width;
    units = std::max(units, u);
  }
  const float total_w = ImGui::GetWindowWidth() - g * 4;
  const float unit = (total_w - g * (units - 1)) / units;
  const Key* pressed = nullptr;
  for (const auto& row : rows) {
    float row_w = g * (static_cast<float>(row.size()) - 1);
    for (const Key& k : row) row_w += unit * k.width + g * (k.width - 1);
    ImGui::SetCursorPosX(g * 2 + (total_w - row_w) / 2);
    for (std::size_t i = 0; i < row.size(); ++i) {
      const Key& k = row[i];
      if (i) ImGui::SameLine();
      std::string label = shift && k.kind == KeyKind::kChar ? k.label_shifted : k.label;
      std::string id = "key:";
      switch (k.kind) {
        case KeyKind::kChar: id += std::string(1, k.code); break;
        case KeyKind::kShift: id += "shift"; break;
        case KeyKind::kBackspace: id += "backspace", label = "\u2190"; break;
        case KeyKind::kSpace: id += "space", label = labels.space; break;
        case KeyKind::kMode: id += "mode", label = labels.mode; break;
        case KeyKind::kDone: id += "done", label = labels.done; break;
      }
      if (button(id, label, ImVec2(unit * k.width + g * (k.width - 1), key_h),
                 k.kind == KeyKind::kChar ? Tone::kQuiet : Tone::kSecondary, true, k.kind == KeyKind::kShift && shift))
        pressed = &k;
    }
  }
  return pressed;
}

void Ui::title(const std::string& t, float wrap_x) {
  request_text(t);
  titles_.push_back(t);
  ImGui::PushFont(title_);
  const Rgb fg = text_colours_.empty() ? palette_.text : text_colours_.back();
  note_pair(fg);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(fg));
  ImGui::PushTextWrapPos(wrap_x);
  ImGui::TextUnformatted(t.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

void Ui::text(const std::string& t, bool muted) {
  request_text(t);
  texts_.push_back(t);
  ImGui::PushFont(body_);
  // On a coloured layer (the warning overlay) there is one text colour, muted or not.
  const Rgb fg = !text_colours_.empty() ? text_colours_.back() : muted ? palette_.text_muted : palette_.text;
  note_pair(fg);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(fg));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(t.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

void Ui::scroll_region() {
  const ImGuiWindow* w = ImGui::GetCurrentWindowRead();
  const ImRect& v = w->InnerClipRect;
  scroll_regions_.push_back({w->Name, ImVec4(v.Min.x, v.Min.y, v.Max.x, v.Max.y), w->Scroll.y});
}

// The colour behind what is drawn next: the background Dear ImGui filled for the current
// window (the first vertex of its draw list, at its top-left corner, when opaque), else its
// parent's. Read from what was drawn, not from what the screens declare, so that a layer with
// a background of its own and the page's text colour on it is caught.
Rgb Ui::current_background() const {
  for (ImGuiWindow* w = ImGui::GetCurrentWindowRead(); w != nullptr; w = w->ParentWindow) {
    const ImDrawList* dl = w->DrawList;
    if (dl == nullptr || dl->VtxBuffer.Size == 0) continue;
    const ImDrawVert& v = dl->VtxBuffer[0];
    if ((v.col >> IM_COL32_A_SHIFT & 0xFF) != 0xFF || std::fabs(v.pos.x - w->Pos.x) > 0.5f || std::fabs(v.pos.y - w->Pos.y) > 0.5f)
      continue;
    return Rgb{static_cast<std::uint8_t>(v.col >> IM_COL32_R_SHIFT & 0xFF), static_cast<std::uint8_t>(v.col >> IM_COL32_G_SHIFT & 0xFF),
               static_cast<std::uint8_t>(v.col >> IM_COL32_B_SHIFT & 0xFF)};
  }
  return palette_.background;
}

void Ui::note_pair(Rgb fg) {
  if (!record_text_pairs) return;  // test mode only: not a cost of every frame in the field
  const Rgb bg = current_background();
  for (const ColorPair& p : text_pairs_)
    if (p.fg == fg && p.bg == bg) return;
  text_pairs_.push_back(ColorPair{"text", fg, bg, PairKind::kText});
}

void Ui::error_text(const std::string& t) {
  const std::string shown = "\u203B " + t;  // a mark as well as a colour
  request_text(shown);
  ImGui::PushFont(body_);
  note_pair(palette_.danger);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(palette_.danger));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
  const ImVec2 mn = ImGui::GetItemRectMin(), mx = ImGui::GetItemRectMax();
  widgets_.push_back(rec("error", t, "text", ImVec4(mn.x, mn.y, mx.x - mn.x, mx.y - mn.y), true, false, false));
}

void Ui::confirm_feedback() {
  // Seen: the frame loop draws a frame around the screen while flashing(). Heard: the tone.
  flash_until_ = glfwGetTime() + 0.15;
  ++confirms_;
  if (on_confirm) on_confirm();
}

bool Ui::flashing() const { return glfwGetTime() < flash_until_; }

// --- keypad focus ----------------------------------------------------------------------------

void Ui::focus_item(const std::string& id, ImVec2 min, ImVec2 max, bool is_item) {
  if (id != focus_id_) return;
  if (scroll_to_focus_ && is_item) {
    // Only a widget inside a scrolling region moves; one already in view stays where it is.
    ImGui::ScrollToItem(ImGuiScrollFlags_KeepVisibleEdgeY);
    scroll_to_focus_ = false;
  }
  if (!focus_visible_) return;
  // Outside the widget, with a gap, so that it is never mistaken for the widget's own border
  // or a "selected" state (WCAG 2.4.7 / 2.4.13; focus_ring is >= 3:1 on background and surface).
  const float g = mm(0.8f), t = mm(1.0f);
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  dl->AddRect(ImVec2(min.x - g - t / 2, min.y - g - t / 2), ImVec2(max.x + g + t / 2, max.y + g + t / 2), col(palette_.focus_ring),
              mm(2.5), 0, t);
}

void Ui::begin_modal() {
  modal_ = true;
  modal_from_ = widgets_.size();
}

bool Ui::nav_key(int key, int mods, bool repeat) {
  NavKey k;
  switch (key) {
    case GLFW_KEY_KP_8: case GLFW_KEY_UP: case GLFW_KEY_KP_4: case GLFW_KEY_LEFT: k = NavKey::kPrevious; break;
    case GLFW_KEY_KP_2: case GLFW_KEY_DOWN: case GLFW_KEY_KP_6: case GLFW_KEY_RIGHT: k = NavKey::kNext; break;
    case GLFW_KEY_TAB: k = (mods & GLFW_MOD_SHIFT) ? NavKey::kPrevious : NavKey::kNext; break;
    case GLFW_KEY_KP_5: case GLFW_KEY_KP_ENTER: case GLFW_KEY_ENTER:
      if (repeat) return false;
      k = NavKey::kActivate;
      break;
    default: return false;
  }
  set_focus_visible(true);
  nav(k);
  return true;
}

void Ui::nav(NavKey key) {
  if (key == NavKey::kActivate) {
    activate_id_ = focus_id_;
    return;
  }
  if (order_.empty()) return;
  auto at = std::find(order_.begin(), order_.end(), focus_id_);
  std::size_t i = at == order_.end() ? 0 : static_cast<std::size_t>(at - order_.begin());
  const std::size_t n = order_.size();
  // Wraps at both ends: from the last control to the first (no dead end, no trap).
  if (at == order_.end()) i = key == NavKey::kNext ? 0 : n - 1;
  else i = key == NavKey::kNext ? (i + 1) % n : (i + n - 1) % n;
  focus_id_ = order_[i];
  focus_pos_ = static_cast<int>(i) + 1;
  scroll_to_focus_ = true;
  request_pending_ = false;
}

void Ui::request_focus(std::string id, bool prefix) {
  request_ = std::move(id);
  request_prefix_ = prefix;
  request_pending_ = true;
}

bool Ui::activated(const std::string& id) {
  if (activate_id_.empty() || activate_id_ != id) return false;
  activate_id_.clear();
  return true;
}

const WidgetRecord* Ui::focused_widget() const {
  for (const WidgetRecord& w : widgets_)
    if (w.focused) return &w;
  return nullptr;
}

void Ui::end_frame() {
  order_.clear();
  const std::size_t from = modal_ ? modal_from_ : 0;
  for (std::size_t i = from; i < widgets_.size(); ++i)
    if (widgets_[i].focusable && std::find(order_.begin(), order_.end(), widgets_[i].id) == order_.end())
      order_.push_back(widgets_[i].id);
  if (request_pending_) {
    std::string found;
    for (const std::string& id : order_)
      if (request_prefix_ ? id.rfind(request_, 0) == 0 : id == request_) {
        found = id;
        break;
      }
    request_pending_ = false;
    if (!found.empty()) {
      focus_id_ = found;
      scroll_to_focus_ = true;
    } else if (request_.empty()) {
      focus_id_ = order_.empty() ? "" : order_.front();
      scroll_to_focus_ = true;
    }  // else: a requested widget that is not there leaves the focus where it is (checked below)
  }
  auto at = std::find(order_.begin(), order_.end(), focus_id_);
  if (at == order_.end()) {
    // Its widget is gone (an overlay opened, a field closed): the first control.
    focus_id_ = order_.empty() ? "" : order_.front();
    at = order_.begin();
    scroll_to_focus_ = true;
  }
  focus_pos_ = order_.empty() ? 0 : static_cast<int>(at - order_.begin()) + 1;
  for (std::size_t i = 0; i < widgets_.size(); ++i) widgets_[i].focused = widgets_[i].focusable && widgets_[i].id == focus_id_ && i >= from;
  // A focused widget may appear twice (never in practice): only the first is marked.
  bool seen = false;
  for (WidgetRecord& w : widgets_) {
    if (w.focused && seen) w.focused = false;
    if (w.focused) seen = true;
  }
  activate_id_.clear();  // an activation whose widget was not drawn is dropped
}

}  // namespace kiosk::app
