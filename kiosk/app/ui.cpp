#include "ui.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>

namespace kiosk::app {

std::u32string utf8_to_u32(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + static_cast<std::size_t>(n) > s.size()) {
      out.push_back(0xFFFD);
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
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? static_cast<std::size_t>(n) : 1;
  }
  return out;
}

Ui::Ui(std::string font_file, double panel_width_mm, double panel_height_mm)
    : font_file_(std::move(font_file)), panel_w_mm_(panel_width_mm), panel_h_mm_(panel_height_mm),
      palette_(normal_palette()) {
  for (ImWchar c = 0x20; c < 0x7F; ++c) glyphs_.insert(c);
  for (ImWchar c = 0x3131; c <= 0x318E; ++c) glyphs_.insert(c);  // compatibility jamo (keyboard, preedit)
  for (unsigned c : {0x00B7u, 0x2022u, 0x2026u, 0x2190u, 0x2192u, 0x221Au, 0x25CFu, 0x25CBu, 0xFFFDu, 0x203Bu,
                     0x2013u, 0x2014u, 0x2018u, 0x2019u, 0x201Cu, 0x201Du, 0x00D7u})
    glyphs_.insert(static_cast<ImWchar>(c));
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

void Ui::request_text(const std::string& utf8) {
  for (char32_t cp : utf8_to_u32(utf8)) {
    if (cp > 0xFFFF || cp < 0x20) continue;  // ImWchar is 16-bit in Debian's build
    if (glyphs_.insert(static_cast<ImWchar>(cp)).second) fonts_dirty_ = true;
  }
}

bool Ui::prepare_fonts() {
  if (!fonts_dirty_) return false;
  fonts_dirty_ = false;
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  // Body text about 7.5 mm line height at 100 % (readable at arm's length for older eyes).
  body_px_ = std::max(22.0f, mm(6.2)) * static_cast<float>(scale_pct_) / 100.0f;
  ImVector<ImWchar> ranges;
  ImFontGlyphRangesBuilder b;
  for (ImWchar c : glyphs_) b.AddChar(c);
  b.BuildRanges(&ranges);
  ImFontConfig cfg;
  cfg.OversampleH = 1;  // 1x: the default 3x triples the atlas for no visible gain at these sizes
  cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  io.Fonts->TexDesiredWidth = 2048;
  body_ = io.Fonts->AddFontFromFileTTF(font_file_.c_str(), body_px_, &cfg, ranges.Data);
  title_ = io.Fonts->AddFontFromFileTTF(font_file_.c_str(), body_px_ * 1.3f, &cfg, ranges.Data);
  if (!body_ || !title_ || !io.Fonts->Build()) {
    std::fprintf(stderr, "kiosk: cannot build the font atlas from %s\n", font_file_.c_str());
    std::exit(3);
  }
  atlas_size_ = ImVec2(static_cast<float>(io.Fonts->TexWidth), static_cast<float>(io.Fonts->TexHeight));
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  return true;
}

void Ui::begin_frame(int fb_width, int fb_height) {
  px_per_mm_ = std::min(fb_width / panel_w_mm_, fb_height / panel_h_mm_);
  if (px_per_mm_ <= 0) px_per_mm_ = 3.6;
  widgets_.clear();
  ImGuiStyle& st = ImGui::GetStyle();
  st.WindowRounding = 0;
  st.FrameRounding = mm(2.0);
  st.ItemSpacing = ImVec2(gap(), gap());
  st.FramePadding = ImVec2(mm(3), mm(2));
  st.ScrollbarSize = mm(8);
  st.ScrollbarRounding = mm(2);
  st.Colors[ImGuiCol_WindowBg] = colv(palette_.background);
  st.Colors[ImGuiCol_ChildBg] = colv(palette_.surface);
  st.Colors[ImGuiCol_Text] = colv(palette_.text);
  st.Colors[ImGuiCol_ScrollbarBg] = colv(palette_.progress_track);
  st.Colors[ImGuiCol_ScrollbarGrab] = colv(palette_.primary);
  st.Colors[ImGuiCol_ScrollbarGrabHovered] = colv(palette_.primary);
  st.Colors[ImGuiCol_ScrollbarGrabActive] = colv(palette_.primary);
  st.Colors[ImGuiCol_Border] = colv(palette_.text_muted);
}

ImU32 Ui::col(Rgb c, float alpha) const {
  return ImGui::GetColorU32(ImVec4(c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, alpha));
}
ImVec4 Ui::colv(Rgb c) const { return ImVec4(c.r / 255.0f, c.g / 255.0f, c.b / 255.0f, 1.0f); }

void Ui::record(const std::string& id, const std::string& label, const std::string& kind, ImVec2 min, ImVec2 max,
                bool enabled) {
  widgets_.push_back({id, label, kind, ImVec4(min.x, min.y, max.x - min.x, max.y - min.y), enabled, false});
}

bool Ui::button(const std::string& id, const std::string& label, ImVec2 size, Tone tone, bool enabled, bool selected,
                bool check_mark) {
  request_text(label);
  size.x = std::max(size.x, target());
  size.y = std::max(size.y, target());
  ImGui::PushID(id.c_str());
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const bool pressed = ImGui::InvisibleButton("b", size) && enabled;
  const bool held = ImGui::IsItemActive();
  ImGui::PopID();
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
  dl->AddRectFilled(pos, max, col(bg), mm(2.0));
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
  widgets_.push_back({id, label, "button", ImVec4(pos.x, pos.y, size.x, size.y), enabled, selected});
  if (pressed) confirm_feedback();
  return pressed;
}

bool Ui::choice(const std::string& id, const std::string& title_text, const std::string& sub, ImVec2 size, bool selected) {
  const std::string t = selected ? "\u221A " + title_text : title_text;
  request_text(t + sub);
  // Tall enough for the title and the line(s) under it at any text size.
  const float pad = mm(5), wrap = size.x - 2 * pad;
  const float title_h = title_->CalcTextSizeA(title_->FontSize, FLT_MAX, wrap, t.c_str()).y;
  const float sub_h = body_->CalcTextSizeA(body_px_, FLT_MAX, wrap, sub.c_str()).y;
  size.y = std::max({size.y, target() * 1.6f, pad * 1.6f + title_h + title_->FontSize * 0.15f + sub_h});
  ImGui::PushID(id.c_str());
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  const bool pressed = ImGui::InvisibleButton("c", size);
  const bool held = ImGui::IsItemActive();
  ImGui::PopID();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 max(pos.x + size.x, pos.y + size.y);
  const Rgb bg = selected ? palette_.selected_bg : palette_.surface, fg = selected ? palette_.on_selected : palette_.text;
  dl->AddRectFilled(pos, max, col(bg), mm(2.5));
  dl->AddRect(pos, max, col(held ? palette_.focus_ring : fg), mm(2.5), 0, held || selected ? mm(1.2) : mm(0.5));
  dl->AddText(title_, title_->FontSize, ImVec2(pos.x + pad, pos.y + pad * 0.8f), col(fg), t.c_str(), nullptr, wrap);
  dl->AddText(body_, body_px_, ImVec2(pos.x + pad, pos.y + pad * 0.8f + title_h + title_->FontSize * 0.15f), col(fg), sub.c_str(),
              nullptr, wrap);
  widgets_.push_back({id, title_text, "button", ImVec4(pos.x, pos.y, size.x, size.y), true, selected});
  if (pressed) confirm_feedback();
  return pressed;
}

void Ui::title(const std::string& t) {
  request_text(t);
  ImGui::PushFont(title_);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(palette_.text));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(t.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

void Ui::text(const std::string& t, bool muted) {
  request_text(t);
  ImGui::PushFont(body_);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(muted ? palette_.text_muted : palette_.text));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(t.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
}

void Ui::error_text(const std::string& t) {
  const std::string shown = "\u203B " + t;  // a mark as well as a colour
  request_text(shown);
  ImGui::PushFont(body_);
  ImGui::PushStyleColor(ImGuiCol_Text, colv(palette_.danger));
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(shown.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  ImGui::PopFont();
  const ImVec2 mn = ImGui::GetItemRectMin(), mx = ImGui::GetItemRectMax();
  widgets_.push_back({"error", t, "text", ImVec4(mn.x, mn.y, mx.x - mn.x, mx.y - mn.y), true, false});
}

void Ui::confirm_feedback() {
  // Visual only for now: the frame loop draws a frame around the screen while flashing().
  // The confirm sound is not built yet (the speech engine, kiosk/speech.h, is not wired in).
  flash_until_ = glfwGetTime() + 0.15;
}

bool Ui::flashing() const { return glfwGetTime() < flash_until_; }

}  // namespace kiosk::app
