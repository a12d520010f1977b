// The participant's screens: each draws the Flow's snapshot and turns taps into intents.
// Layout of every screen: a top bar (title, progress), the content, a bottom bar with the same
// three buttons in the same places (back, call staff, start over), and, while a field is
// being typed, the on-screen keyboard in the lower part of the screen.
#include <imgui.h>
#include <imgui_internal.h>  // ImGui::ScrollToItem (1.86 keeps it internal)

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "app.h"
#include "platform/crypto.h"
#include "strings.h"

namespace kiosk::app {
namespace {

const std::string& L(const App& a) { return a.flow.language(); }
std::string T(const App& a, S id) { return tr(id, L(a)); }

ImVec2 avail() { return ImGui::GetContentRegionAvail(); }

// Text of a form item in the session's language.
std::string item_text(const forms::FormSession& s, const forms::Item& it) {
  return it.text.in(s.language(), s.questionnaire().language);
}

bool value_is(const forms::FormSession& s, const std::string& link, const forms::Value& v) {
  for (const forms::Value& x : s.answers(link))
    if (x == v) return true;
  return false;
}

void bottom_bar(App& a, bool back, bool cancel, bool staff) {
  Ui& ui = a.ui;
  const float h = ui.target() + ui.gap() * 2;
  ImGui::SetCursorPos(ImVec2(ui.gap() * 2, ImGui::GetWindowHeight() - h));
  const float w = (ImGui::GetWindowWidth() - ui.gap() * 6) / 3;
  if (back) {
    if (ui.button("back", "\u2190 " + T(a, S::kBack), ImVec2(w, ui.target()), Tone::kSecondary)) a.apply(Intent::kBack);
  } else {
    ImGui::Dummy(ImVec2(w, ui.target()));
  }
  ImGui::SameLine();
  if (staff) {
    if (ui.button("staff", T(a, S::kCallStaff), ImVec2(w, ui.target()), Tone::kSecondary)) a.apply(Intent::kCallStaff);
  } else {
    ImGui::Dummy(ImVec2(w, ui.target()));
  }
  ImGui::SameLine();
  if (cancel && ui.button("home", T(a, S::kHome), ImVec2(w, ui.target()), Tone::kDanger)) a.apply(Intent::kCancel);
}

void top_bar(App& a, const std::string& title) {
  Ui& ui = a.ui;
  ImGui::SetCursorPos(ImVec2(ui.gap() * 2, ui.gap() * 2));
  ImGui::BeginGroup();
  ui.title(title, ImGui::GetWindowWidth() - ui.gap() * 2);  // the same margin on the right as on the left
  // Progress bar with a text percentage (not colour alone).
  const float w = ImGui::GetWindowWidth() - ui.gap() * 4;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = ui.mm(2.5);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), ui.col(ui.palette().progress_track), h / 2);
  dl->AddRectFilled(p, ImVec2(p.x + w * static_cast<float>(a.flow.progress()), p.y + h), ui.col(ui.palette().progress_fill), h / 2);
  ImGui::Dummy(ImVec2(w, h));
  ImGui::EndGroup();
  ImGui::SetCursorPosX(ui.gap() * 2);
}

// The content area between the bars: a child window (scrolls when its content is taller).
bool begin_content(App& a, const char* id, float bottom_reserve = 0) {
  Ui& ui = a.ui;
  const float bottom = ui.target() + ui.gap() * 3 + bottom_reserve;
  ImGui::SetCursorPosX(ui.gap() * 2);
  // At least one row: in the low layout with a keyboard open the band is nearly full, and
  // ImGui reads a size <= 0 as "the rest of the window".
  const ImVec2 size(ImGui::GetWindowWidth() - ui.gap() * 4,
                    std::max(ui.target(), ImGui::GetWindowHeight() - ImGui::GetCursorPosY() - bottom));
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0, 0, 0, 0));  // the page shows through: no second fill
  const bool open = ImGui::BeginChild(id, size, false, ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::PopStyleColor();
  ui.scroll_region();
  // The visible scrolling region (the test driver scrolls widgets outside it into view).
  ui.record("content", "", "region", ImGui::GetWindowPos(),
            ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowWidth(), ImGui::GetWindowPos().y + ImGui::GetWindowHeight()));
  // A screen (re)appearing starts at its top: Dear ImGui keeps a child's scroll by id, and the
  // next participant would otherwise find the screen where the last one left it.
  if (ImGui::IsWindowAppearing()) {
    ImGui::SetScrollY(0);
    a.scroll_velocity = 0;
  }
  // Drag to scroll with inertia (a finger, not a mouse wheel).
  if (ImGui::IsWindowHovered(ImGuiHoveredFlags_AllowWhenBlockedByActiveItem) && ImGui::IsMouseDragging(0, 4.0f) &&
      !a.pad_drawing) {
    a.scroll_velocity = -ImGui::GetIO().MouseDelta.y;
    ImGui::SetScrollY(std::round(ImGui::GetScrollY() + a.scroll_velocity));
  } else if (std::fabs(a.scroll_velocity) > 0.5f) {
    // Whole pixels: the content then moves rigidly, which the partial redraw copies instead of
    // drawing (redraw.h).
    a.scroll_velocity *= 0.92f;
    ImGui::SetScrollY(std::round(ImGui::GetScrollY() + a.scroll_velocity));
    a.animating = true;
  } else {
    a.scroll_velocity = 0;
  }
  const float wheel = ImGui::GetIO().MouseWheel;
  if (wheel != 0 && ImGui::IsWindowHovered()) ImGui::SetScrollY(std::round(ImGui::GetScrollY() - wheel * ui.target()));
  return open;
}

void end_content() { ImGui::EndChild(); }

void keyboard(App& a) {
  if (!a.editing) return;
  Ui& ui = a.ui;
  Editing& e = *a.editing;
  const KeyboardMode mode = e.entry->mode();
  const auto& rows = keyboard_layout(mode);
  const float key_h = ui.target();
  const float tray_h = static_cast<float>(rows.size()) * (key_h + ui.gap()) + ui.gap() * 3 + ui.target();
  ImGui::SetCursorPos(ImVec2(0, ImGui::GetWindowHeight() - tray_h - ui.target() - ui.gap() * 2));
  const ImVec2 tray = ImGui::GetCursorScreenPos();
  ui.fill(ImGui::GetWindowDrawList(), tray, ImVec2(tray.x + ImGui::GetWindowWidth(), tray.y + tray_h), ui.palette().keyboard_tray, 0);
  // The field being typed: committed text, the syllable being composed underlined.
  ImGui::SetCursorPos(ImVec2(ui.gap() * 2, ImGui::GetCursorPosY() + ui.gap()));
  std::string shown = e.entry->committed();
  if (e.masked) {
    std::string m;
    for (std::size_t i = 0; i < shown.size(); ++i) m += i < 7 ? shown[i] : '*';
    shown = m;
  }
  const std::string pre = e.entry->preedit();
  ui.request_text(e.label + shown + pre);
  {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = ImGui::GetWindowWidth() - ui.gap() * 4;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ui.fill(dl, p, ImVec2(p.x + w, p.y + ui.target()), ui.palette().surface, ui.mm(1.5));
    dl->AddRect(p, ImVec2(p.x + w, p.y + ui.target()), ui.col(ui.palette().focus_ring), ui.mm(1.5), 0, ui.mm(0.8));
    const std::string label = e.label + ":  ";
    const float ty = p.y + (ui.target() - ui.font_px()) / 2;
    dl->AddText(ui.body_font(), ui.font_px(), ImVec2(p.x + ui.mm(3), ty), ui.col(ui.palette().text_muted), label.c_str());
    float x = p.x + ui.mm(3) + ImGui::CalcTextSize(label.c_str()).x;
    dl->AddText(ui.body_font(), ui.font_px(), ImVec2(x, ty), ui.col(ui.palette().text), shown.c_str());
    x += ImGui::CalcTextSize(shown.c_str()).x;
    if (!pre.empty()) {
      dl->AddText(ui.body_font(), ui.font_px(), ImVec2(x, ty), ui.col(ui.palette().text), pre.c_str());
      const float pw = ImGui::CalcTextSize(pre.c_str()).x;
      dl->AddLine(ImVec2(x, ty + ui.font_px() + 2), ImVec2(x + pw, ty + ui.font_px() + 2), ui.col(ui.palette().preedit_underline),
                  ui.mm(0.7));
      x += pw;
    }
    dl->AddLine(ImVec2(x + 2, ty), ImVec2(x + 2, ty + ui.font_px()), ui.col(ui.palette().text), 2.0f);  // caret
    ui.record("field:" + e.field, e.label, "field", p, ImVec2(p.x + w, p.y + ui.target()));
    ImGui::Dummy(ImVec2(w, ui.target()));
  }
  if (const Key* k = ui.key_rows(rows, e.entry->shift(),
                                 {T(a, S::kKeyboardSpace), T(a, S::kKeyboardLang), T(a, S::kKeyboardDone)}, key_h)) {
    if (e.entry->press(*k) == PressResult::kDone) {
      a.finish_edit();
      return;
    }
    ui.request_text(e.entry->text());
  }
}

void field_button(App& a, const std::string& field, const std::string& label, const std::string& value, KeyboardMode mode,
                  std::size_t max_chars, std::function<void(const std::string&)> commit, bool masked = false,
                  float width = 0, bool show_label = true) {
  Ui& ui = a.ui;
  std::string shown = value;
  if (masked && shown.size() > 7) shown = shown.substr(0, 7) + std::string(shown.size() - 7, '*');
  const bool editing = a.editing && a.editing->field == field;
  if (show_label) ui.text(label);
  const std::string text = shown.empty() ? "   " : shown;
  const bool tapped = ui.button("field:" + field, text, ImVec2(width > 0 ? width : avail().x, ui.target()), Tone::kQuiet, true,
                                editing, /*check_mark=*/false);
  ui.name_last(label);  // spoken as "<label>, text field, <value or 'entered'>"
  if (editing && a.editing->reveal_frames > 0) {
    --a.editing->reveal_frames;
    ImGui::ScrollToItem(ImGuiScrollFlags_KeepVisibleEdgeY);  // the whole field and its label's line
  }
  if (tapped) a.start_edit(field, label, mode, value, max_chars, std::move(commit), masked);
}

KeyboardMode text_mode(const App& a) { return L(a) == "ko" ? KeyboardMode::kHangul : KeyboardMode::kLatin; }

// One answerable form item (consent choices, comprehension, survey).
void form_item(App& a, forms::FormSession& s, int index) {
  Ui& ui = a.ui;
  const forms::Questionnaire& q = s.questionnaire();
  const forms::Item& it = q.items[static_cast<std::size_t>(index)];
  if (!s.shown(index)) return;
  const std::string text = item_text(s, it);
  const std::string base = q.language;
  switch (it.type) {
    case forms::ItemType::kGroup:
      if (!text.empty()) ui.title(text);
      for (int c : it.children) form_item(a, s, c);
      return;
    case forms::ItemType::kDisplay:
      ui.text(text);
      return;
    default: break;
  }
  std::string label = text;
  if (it.type == forms::ItemType::kDate) label += " (YYYYMMDD)";
  if (it.required || it.consent_mandatory) label += "  [" + T(a, S::kRequired) + "]";
  else if (!it.consent_provision.empty()) label += "  [" + T(a, S::kOptional) + "]";
  ui.text(label);
  const float w = avail().x;
  const std::string id = "item:" + it.link_id;
  switch (it.type) {
    case forms::ItemType::kBoolean: {
      const bool yes = value_is(s, it.link_id, forms::Value{true}), no = value_is(s, it.link_id, forms::Value{false});
      const bool consent = !it.consent_provision.empty();
      if (ui.button(id + ":yes", consent ? T(a, S::kAgreeItem) : T(a, S::kYes), ImVec2((w - ui.gap()) / 2, ui.target()),
                    Tone::kQuiet, true, yes))
        (void)s.set_answer(it.link_id, true);
      ui.name_last(text + ": " + (consent ? T(a, S::kAgreeItem) : T(a, S::kYes)));  // the voice says what is agreed to
      ImGui::SameLine();
      if (ui.button(id + ":no", consent ? T(a, S::kDisagreeItem) : T(a, S::kNo), ImVec2((w - ui.gap()) / 2, ui.target()),
                    Tone::kQuiet, true, no))
        (void)s.set_answer(it.link_id, false);
      ui.name_last(text + ": " + (consent ? T(a, S::kDisagreeItem) : T(a, S::kNo)));
      break;
    }
    case forms::ItemType::kChoice:
    case forms::ItemType::kOpenChoice: {
      for (std::size_t o = 0; o < it.options.size(); ++o) {
        const forms::AnswerOption& opt = it.options[o];
        const bool on = value_is(s, it.link_id, opt.value);
        if (ui.button(id + ":" + std::to_string(o), opt.shown(s.language(), base), ImVec2(w, ui.target()), Tone::kQuiet, true, on)) {
          if (it.repeats) {
            std::vector<forms::Value> vals = s.answers(it.link_id);
            auto f = std::find(vals.begin(), vals.end(), opt.value);
            if (f != vals.end()) vals.erase(f);
            else vals.push_back(opt.value);
            (void)s.set_answers(it.link_id, vals);
          } else {
            (void)s.set_answer(it.link_id, opt.value);
          }
        }
        ui.name_last(text + ": " + opt.shown(s.language(), base));  // the question with the option, for the voice
      }
      break;
    }
    case forms::ItemType::kInteger:
    case forms::ItemType::kDecimal: {
      std::string cur;
      if (!s.answers(it.link_id).empty()) cur = forms::value_to_display(s.answers(it.link_id).front(), s.language(), base);
      const std::string link = it.link_id;
      const bool integer = it.type == forms::ItemType::kInteger;
      field_button(a, link, text, cur, KeyboardMode::kDigits, 9, [&s, link, integer](const std::string& v) {
        if (v.empty()) return s.clear(link);
        if (integer) (void)s.set_answer(link, static_cast<std::int64_t>(std::stoll(v)));
        else (void)s.set_answer(link, forms::Decimal{std::stod(v)});
      }, false, 0, /*show_label=*/false);  // the item's text is above, with its required mark
      break;
    }
    case forms::ItemType::kDate: {
      std::string cur;
      if (!s.answers(it.link_id).empty()) cur = forms::value_to_display(s.answers(it.link_id).front(), s.language(), base);
      std::string digits;
      for (char c : cur)
        if (c >= '0' && c <= '9') digits += c;
      const std::string link = it.link_id;
      field_button(a, link, text + " (YYYYMMDD)", digits, KeyboardMode::kDigits, 8, [&s, link](const std::string& v) {
        if (v.size() == 8) (void)s.set_answer(link, forms::Date{v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2)});
        else if (v.size() == 4) (void)s.set_answer(link, forms::Date{v});
        else s.clear(link);
      }, false, 0, /*show_label=*/false);
      break;
    }
    default: {  // string, text
      std::string cur;
      if (!s.answers(it.link_id).empty()) cur = forms::value_to_display(s.answers(it.link_id).front(), s.language(), base);
      const std::string link = it.link_id;
      field_button(a, link, text, cur, text_mode(a), static_cast<std::size_t>(it.max_length.value_or(200)),
                   [&s, link](const std::string& v) {
                     if (v.empty()) s.clear(link);
                     else (void)s.set_answer(link, v);
                   }, false, 0, /*show_label=*/false);
    }
  }
  for (const forms::ValidationMessage& m : a.flow.validation())
    if (m.link_id == it.link_id) ui.error_text(m.text);
  ImGui::Dummy(ImVec2(1, ui.gap()));
}

void next_button(App& a, const std::string& label, bool enabled = true) {
  Ui& ui = a.ui;
  ImGui::Dummy(ImVec2(1, ui.gap()));
  if (ui.button("next", label + " \u2192", ImVec2(avail().x, ui.target() * 1.2f), Tone::kPrimary, enabled)) a.apply(Intent::kNext);
}

void attract(App& a) {
  Ui& ui = a.ui;
  const ImVec2 size = ImGui::GetWindowSize();
  ImGui::SetCursorPos(ImVec2(ui.gap() * 4, size.y * 0.22f));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(size.x - ui.gap() * 4);
  ui.title(tr(S::kAppTitle, "ko"));
  ui.text(tr(S::kAppTitle, "en"), true);
  ImGui::Dummy(ImVec2(1, ui.gap() * 4));
  if (!a.ready) {
    ui.text(a.not_ready_reason.empty() ? std::string(tr(S::kPreparing, "ko")) + "  " + tr(S::kPreparing, "en")
                                       : a.not_ready_reason);
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ImGui::SetCursorPos(ImVec2(ui.gap() * 4, size.y * 0.55f));
  const std::string label = std::string(tr(S::kTouchToStart, "ko")) + "\n" + tr(S::kTouchToStart, "en");
  if (ui.button("start", label, ImVec2(size.x - ui.gap() * 8, ui.target() * 2.6f), Tone::kPrimary, a.ready)) a.apply(Intent::kStart);
  ImGui::SetCursorPosX(ui.gap() * 4);
  ImGui::PushTextWrapPos(size.x - ui.gap() * 4);
  ui.text(tr(S::kTouchToStartSub, "ko"), true);
  ImGui::SetCursorPosX(ui.gap() * 4);  // each line at the same margin (the window's own is smaller)
  ui.text(tr(S::kTouchToStartSub, "en"), true);
  ImGui::PopTextWrapPos();
  // The marked place for voice guidance (issue 7): held for 2 s (a tap is not enough, so
  // that nobody starts it by brushing past), or 5/Enter on it from the keypad; keypad 0 works
  // anywhere. A speaker sign and a raised frame on the bezel mark it on the kiosk.
  ImGui::Dummy(ImVec2(1, ui.gap() * 2));
  ImGui::SetCursorPosX(size.x * 0.2f);
  const std::string voice = std::string("\u25CF ") + tr(S::kVoiceSpot, "ko") + "\n" + tr(S::kVoiceSpot, "en");
  const bool voice_tap = ui.button("voice", voice, ImVec2(size.x * 0.6f, ui.target() * 1.6f), Tone::kSecondary);
  if ((voice_tap && ui.last_press_from_keypad()) || (ImGui::IsItemActive() && ImGui::GetIO().MouseDownDuration[0] >= 2.0f))
    a.voice_requested = true;
  if (ImGui::IsItemActive()) a.animating = true;  // keep drawing while held, to see the 2 s pass
}

void language(App& a) {
  Ui& ui = a.ui;
  top_bar(a, T(a, S::kChooseLanguage));
  if (begin_content(a, "lang")) {
    const float w = avail().x;
    if (ui.choice("lang:ko", "한국어", "Korean", ImVec2((w - ui.gap()) / 2, 0), L(a) == "ko")) a.apply(Intent::kSetLanguage, "ko");
    ImGui::SameLine();
    if (ui.choice("lang:en", "English", "영어", ImVec2((w - ui.gap()) / 2, 0), L(a) == "en")) a.apply(Intent::kSetLanguage, "en");
    ImGui::Dummy(ImVec2(1, ui.gap() * 2));
    ui.title(T(a, S::kTextSize));
    const S sizes[] = {S::kTextNormal, S::kTextLarge, S::kTextLargest};
    const int pct[] = {100, 150, 200};
    for (int i = 0; i < 3; ++i) {
      if (i) ImGui::SameLine();
      if (ui.button("size:" + std::to_string(pct[i]), T(a, sizes[i]), ImVec2((w - ui.gap() * 2) / 3, ui.target()), Tone::kQuiet,
                    true, a.flow.text_scale_pct() == pct[i]))
        a.apply(Intent::kSetTextScale, {}, pct[i]);
    }
    ImGui::Dummy(ImVec2(1, ui.gap() * 2));
    ui.title(T(a, S::kHighContrast));
    if (ui.button("contrast:off", T(a, S::kOff), ImVec2((w - ui.gap()) / 2, ui.target()), Tone::kQuiet, true, !a.flow.high_contrast()))
      a.apply(Intent::kSetHighContrast, {}, 0);
    ImGui::SameLine();
    if (ui.button("contrast:on", T(a, S::kOn), ImVec2((w - ui.gap()) / 2, ui.target()), Tone::kQuiet, true, a.flow.high_contrast()))
      a.apply(Intent::kSetHighContrast, {}, 1);
    // The low layout (issue 7): every control and the reading content in the lower band of
    // the screen (its height from the site's mounting height), for wheelchair users.
    ImGui::Dummy(ImVec2(1, ui.gap() * 2));
    ui.title(T(a, S::kLowLayout));
    if (ui.button("low:off", T(a, S::kOff), ImVec2((w - ui.gap()) / 2, ui.target()), Tone::kQuiet, true, !a.low_layout)) {
      a.flow.touched(a.now_ms);
      a.low_layout = false;
    }
    ImGui::SameLine();
    if (ui.button("low:on", T(a, S::kOn), ImVec2((w - ui.gap()) / 2, ui.target()), Tone::kQuiet, true, a.low_layout)) {
      a.flow.touched(a.now_ms);
      a.low_layout = true;
    }
    next_button(a, T(a, S::kNext));
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void participation(App& a) {
  Ui& ui = a.ui;
  top_bar(a, T(a, S::kChooseType));
  if (begin_content(a, "type")) {
    struct Opt {
      const char* code;
      S title, sub;
    } opts[] = {{"rare", S::kTypeRare, S::kTypeRareSub}, {"severe", S::kTypeSevere, S::kTypeSevereSub},
                {"general", S::kTypeGeneral, S::kTypeGeneralSub}};
    for (const Opt& o : opts)
      if (ui.choice(std::string("type:") + o.code, T(a, o.title), T(a, o.sub), ImVec2(avail().x, 0),
                    a.flow.participation_type() == o.code))
        a.apply(Intent::kChooseType, o.code);
    if (a.flow.validation().size()) ui.error_text(a.flow.validation().front().text);
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void signer(App& a) {
  Ui& ui = a.ui;
  top_bar(a, T(a, S::kWhoSigns));
  if (begin_content(a, "signer")) {
    if (ui.choice("signer:self", T(a, S::kSelf), T(a, S::kSelfSub), ImVec2(avail().x, 0), false)) a.apply(Intent::kChooseSigner, "self");
    if (ui.choice("signer:representative", T(a, S::kRepresentative), T(a, S::kRepresentativeSub), ImVec2(avail().x, 0), false))
      a.apply(Intent::kChooseSigner, "representative");
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void consent_read(App& a) {
  Ui& ui = a.ui;
  forms::FormSession& s = a.flow.consent_sessions()[static_cast<std::size_t>(a.flow.consent_doc())];
  const forms::Questionnaire& q = s.questionnaire();
  top_bar(a, q.title.in(s.language(), q.language));
  // The action row is as tall as its longest label needs (two lines at 200 % text).
  const float action_w = (ImGui::GetWindowWidth() - ui.gap() * 6) / 3;
  float action_h = ui.target() * 1.2f;
  for (S label : {S::kQuestionCallStaff, S::kScrollDown, S::kAgree}) action_h = ui.fit_height(T(a, label), action_w, action_h);
  const float actions = action_h + ui.gap() * 3 + ui.font_px() * 1.6f;
  // One reader per document, at its top when it appears (begin_content); its scroll extents are
  // known only from its second frame (ImGui measures content at the end of a frame).
  if (begin_content(a, ("read" + std::to_string(a.flow.consent_doc())).c_str(), actions)) {
    if (ImGui::IsWindowAppearing()) a.reader_frames = 0;
    ++a.reader_frames;
    for (int r : q.roots) {
      const forms::Item& it = q.items[static_cast<std::size_t>(r)];
      std::function<void(int)> show = [&](int i) {
        const forms::Item& x = q.items[static_cast<std::size_t>(i)];
        if (!s.shown(i)) return;
        if (x.type == forms::ItemType::kDisplay) ui.text(item_text(s, x));
        else if (x.type == forms::ItemType::kGroup) {
          if (!x.text.empty()) ui.title(item_text(s, x));
          for (int c : x.children) show(c);
        }
      };
      (void)it;
      show(r);
    }
    ImGui::Dummy(ImVec2(1, ui.gap() * 2));
    const bool at_end = a.reader_frames >= 2 && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 2.0f;
    if (at_end && !a.flow.consent_end_reached()) a.apply(Intent::kReachedEnd);
    ui.record("reader", q.title.in(s.language(), q.language), "reader", ImGui::GetWindowPos(),
              ImVec2(ImGui::GetWindowPos().x + ImGui::GetWindowWidth(), ImGui::GetWindowPos().y + ImGui::GetWindowHeight()), true,
              /*focusable=*/true);
    if (ui.activated("reader")) a.pending_scroll = ImGui::GetWindowHeight() * 0.6f;  // keypad 5: the next part
    if (a.animating || a.scroll_velocity != 0) a.animating = true;
    if (a.pending_scroll != 0) {
      ImGui::SetScrollY(std::round(ImGui::GetScrollY() + a.pending_scroll));
      a.pending_scroll = 0;
    }
    end_content();
    const float w = ImGui::GetWindowWidth() - ui.gap() * 4;
    ImGui::SetCursorPosX(ui.gap() * 2);
    if (!a.flow.consent_end_reached()) ui.text(T(a, S::kReadToEnd), true);
    else ImGui::Dummy(ImVec2(1, ui.font_px() * 1.2f));
    ImGui::SetCursorPosX(ui.gap() * 2);
    if (ui.button("question", T(a, S::kQuestionCallStaff), ImVec2((w - ui.gap() * 2) / 3, action_h), Tone::kSecondary))
      a.apply(Intent::kCallStaff);
    ImGui::SameLine();
    if (ui.button("more", T(a, S::kScrollDown), ImVec2((w - ui.gap() * 2) / 3, action_h), Tone::kSecondary,
                  !a.flow.consent_end_reached()))
      a.pending_scroll = ImGui::GetWindowHeight() * 0.6f;
    ImGui::SameLine();
    if (ui.button("next", T(a, S::kAgree), ImVec2((w - ui.gap() * 2) / 3, action_h), Tone::kPrimary,
                  a.flow.consent_end_reached()))
      a.apply(Intent::kNext);
  } else {
    end_content();
  }
  bottom_bar(a, true, true, true);
}

void consent_choose(App& a) {
  forms::FormSession& s = a.flow.consent_sessions()[static_cast<std::size_t>(a.flow.consent_doc())];
  const forms::Questionnaire& q = s.questionnaire();
  top_bar(a, T(a, S::kConsentChoose) + " - " + q.title.in(s.language(), q.language));
  if (begin_content(a, "choose", a.editing ? 0 : 0)) {
    for (std::size_t i = 0; i < q.items.size(); ++i) {
      const forms::Item& it = q.items[i];
      if (!it.has_answer_type() || !s.shown(static_cast<int>(i))) continue;
      form_item(a, s, static_cast<int>(i));
    }
    next_button(a, T(a, S::kNext));
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void comprehension(App& a) {
  Ui& ui = a.ui;
  forms::FormSession* s = a.flow.comprehension();
  if (!s) return;
  const std::vector<int> qs = a.flow.comprehension_questions();
  const int page = std::clamp(a.flow.page(), 0, std::max(0, static_cast<int>(qs.size()) - 1));
  top_bar(a, T(a, S::kComprehension) + "  " + std::to_string(page + 1) + " " + T(a, S::kOf) + " " + std::to_string(qs.size()));
  if (begin_content(a, "comp") && !qs.empty()) {
    const int index = qs[static_cast<std::size_t>(page)];
    form_item(a, *s, index);
    if (a.flow.explanation_shown()) {
      const forms::Item& it = s->questionnaire().items[static_cast<std::size_t>(index)];
      ui.error_text(T(a, S::kTryAgain));
      ui.text(it.explanation.in(s->language(), s->questionnaire().language));
    }
    next_button(a, T(a, S::kNext));
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void relationship_buttons(App& a, forms::Representative& rep) {
  Ui& ui = a.ui;
  struct R {
    const char* code;
    S label;
  } rs[] = {{"MTH", S::kRelMother}, {"FTH", S::kRelFather}, {"GUARD", S::kRelGuardian}, {"SPS", S::kRelSpouse},
            {"CHILD", S::kRelChild},  {"SIB", S::kRelSibling}, {"GRPRN", S::kRelGrandparent}, {"FAMMEMB", S::kRelFamily}};
  const float w = (avail().x - ui.gap() * 3) / 4;
  int n = 0;
  for (const R& r : rs) {
    if (n++ % 4) ImGui::SameLine();
    if (ui.button(std::string("rel:") + r.code, T(a, r.label), ImVec2(w, ui.target()), Tone::kQuiet, true, rep.relationship == r.code))
      rep.relationship = r.code;
  }
}

void identity(App& a) {
  Ui& ui = a.ui;
  IdentityFields& id = a.flow.identity();
  top_bar(a, T(a, S::kIdentity));
  float reserve = 0;
  if (a.editing) reserve = static_cast<float>(keyboard_layout(a.editing->entry->mode()).size() + 1) * (ui.target() + ui.gap()) + ui.gap() * 3;
  if (begin_content(a, "identity", reserve)) {
    const float w = avail().x;
    const float half = (w - ui.gap()) / 2;
    ImGui::BeginGroup();
    field_button(a, "family", T(a, S::kFamilyName), id.patient.family, text_mode(a), 20,
                 [&id](const std::string& v) { id.patient.family = v; }, false, half);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    field_button(a, "given", T(a, S::kGivenName), id.patient.given, text_mode(a), 30,
                 [&id](const std::string& v) { id.patient.given = v; }, false, half);
    ImGui::EndGroup();
    std::string bd;
    for (char c : id.patient.birth_date)
      if (c >= '0' && c <= '9') bd += c;
    ImGui::BeginGroup();
    field_button(a, "birth", T(a, S::kBirthDate) + " (YYYYMMDD)", bd, KeyboardMode::kDigits, 8,
                 [&id](const std::string& v) {
                   id.patient.birth_date = v.size() == 8 ? v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2) : v;
                 }, false, half);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    field_button(a, "phone", T(a, S::kMobile), id.patient.phone, KeyboardMode::kDigits, 11,
                 [&id](const std::string& v) { id.patient.phone = v; }, false, half);
    ImGui::EndGroup();
    ui.text(T(a, S::kSex));
    if (ui.button("sex:female", T(a, S::kFemale), ImVec2(half, ui.target()), Tone::kQuiet, true, id.patient.gender == "female"))
      id.patient.gender = "female";
    ImGui::SameLine();
    if (ui.button("sex:male", T(a, S::kMale), ImVec2(half, ui.target()), Tone::kQuiet, true, id.patient.gender == "male"))
      id.patient.gender = "male";
    if (a.flow.rrn_requested()) {
      field_button(a, "rrn", T(a, S::kRrn) + " (" + T(a, S::kRrnHint) + ")", id.rrn, KeyboardMode::kDigits, 13,
                   [&id](const std::string& v) { id.rrn = v; }, true);
    }
    if (a.flow.representative_signs()) {
      if (!id.representative) id.representative = forms::Representative{};
      forms::Representative& rep = *id.representative;
      ImGui::Dummy(ImVec2(1, ui.gap()));
      ui.title(T(a, S::kRepresentative));
      ImGui::BeginGroup();
      field_button(a, "rep:family", T(a, S::kRepFamily), rep.family, text_mode(a), 20, [&rep](const std::string& v) { rep.family = v; },
                   false, half);
      ImGui::EndGroup();
      ImGui::SameLine();
      ImGui::BeginGroup();
      field_button(a, "rep:given", T(a, S::kRepGiven), rep.given, text_mode(a), 30, [&rep](const std::string& v) { rep.given = v; },
                   false, half);
      ImGui::EndGroup();
      ui.text(T(a, S::kRelationship));
      relationship_buttons(a, rep);
      field_button(a, "rep:phone", T(a, S::kRepPhone), rep.phone, KeyboardMode::kDigits, 11,
                   [&rep](const std::string& v) { rep.phone = v; });
    }
    for (const forms::ValidationMessage& m : a.flow.validation()) ui.error_text(m.text);
    if (!a.editing) next_button(a, T(a, S::kNext));
  }
  end_content();
  keyboard(a);
  bottom_bar(a, true, true, true);
}

void signature(App& a) {
  Ui& ui = a.ui;
  top_bar(a, T(a, S::kSignature));
  if (begin_content(a, "sign")) {
    ui.text(T(a, S::kSignHere));
    const float w = avail().x;
    // Whole pixels: the clear button below keeps its full gap (see Ui::target()).
    const float h = std::floor(std::min(avail().y - ui.target() * 2.6f - ui.gap() * 3, w * 0.4f));
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("pad", ImVec2(w, h));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ui.fill(dl, p, ImVec2(p.x + w, p.y + h), ui.palette().signature_pad, ui.mm(2));
    dl->AddRect(p, ImVec2(p.x + w, p.y + h), ui.col(ui.palette().border), ui.mm(2), 0, ui.mm(0.6));
    dl->AddLine(ImVec2(p.x + w * 0.08f, p.y + h * 0.78f), ImVec2(p.x + w * 0.92f, p.y + h * 0.78f), ui.col(ui.palette().border), 1.5f);
    ui.record("pad", T(a, S::kSignHere), "pad", p, ImVec2(p.x + w, p.y + h), true, /*focusable=*/true);
    a.pad.set_height_over_width(h / w);
    if (ui.activated("pad")) {
      // Keypad (no hands on the screen): 5 on the pad draws the participant's mark, a cross,
      // as strokes like any other signature (docs/ACCESSIBILITY.md: a decision to review).
      a.pad.clear();
      const double xs[2][2] = {{0.3, 0.7}, {0.7, 0.3}};
      for (int s = 0; s < 2; ++s) {
        a.pad.begin_stroke(xs[s][0], 0.2, a.now_ms + s * 400);
        for (int k = 1; k <= 12; ++k)
          a.pad.add_point(xs[s][0] + (xs[s][1] - xs[s][0]) * k / 12.0, 0.2 + 0.6 * k / 12.0, a.now_ms + s * 400 + k * 25);
        a.pad.end_stroke();
      }
      a.flow.signature() = a.pad.capture(static_cast<int>(w), static_cast<int>(h), "");
    }
    const ImVec2 m = ImGui::GetIO().MousePos;
    const double x = (m.x - p.x) / w, y = (m.y - p.y) / h;
    if (ImGui::IsItemActivated()) {
      a.pad.begin_stroke(x, y, a.now_ms);
      a.pad_drawing = true;
    } else if (ImGui::IsItemActive() && a.pad_drawing) {
      a.pad.add_point(x, y, a.now_ms);
    } else if (a.pad_drawing && !ImGui::IsItemActive()) {
      a.pad.end_stroke();
      a.pad_drawing = false;
      a.flow.signature() = a.pad.capture(static_cast<int>(w), static_cast<int>(h), "");
    }
    for (const forms::Stroke& st : a.pad.strokes()) {
      for (std::size_t i = 1; i < st.size(); ++i)
        dl->AddLine(ImVec2(p.x + st[i - 1].x * w, p.y + st[i - 1].y * h), ImVec2(p.x + st[i].x * w, p.y + st[i].y * h),
                    ui.col(ui.palette().signature_ink), ui.mm(0.9));
    }
    if (ui.button("clear", T(a, S::kClear), ImVec2(w / 3, ui.target()), Tone::kSecondary)) {
      a.pad.clear();
      a.flow.signature() = forms::SignatureCapture{};
    }
    for (const forms::ValidationMessage& v : a.flow.validation()) ui.error_text(v.text);
    next_button(a, T(a, S::kNext), !a.pad.empty());
  }
  end_content();
  bottom_bar(a, true, true, true);
}

void survey(App& a) {
  Ui& ui = a.ui;
  auto& surveys = a.flow.survey_sessions();
  const int doc = std::clamp(a.flow.survey_doc(), 0, std::max(0, static_cast<int>(surveys.size()) - 1));
  if (surveys.empty()) return;
  forms::FormSession& s = surveys[static_cast<std::size_t>(doc)];
  const std::vector<int> pages = a.flow.survey_pages(doc);
  const int page = std::clamp(a.flow.page(), 0, std::max(0, static_cast<int>(pages.size()) - 1));
  const forms::Questionnaire& q = s.questionnaire();
  top_bar(a, q.title.in(s.language(), q.language) + "  (" + std::to_string(page + 1) + " " + T(a, S::kOf) + " " +
                 std::to_string(pages.size()) + ")");
  float reserve = 0;
  if (a.editing) reserve = static_cast<float>(keyboard_layout(a.editing->entry->mode()).size() + 1) * (ui.target() + ui.gap()) + ui.gap() * 3;
  if (begin_content(a, ("survey" + std::to_string(doc) + "_" + std::to_string(page)).c_str(), reserve) && !pages.empty()) {
    form_item(a, s, pages[static_cast<std::size_t>(page)]);
    if (!a.editing) next_button(a, T(a, S::kNext));
  }
  end_content();
  keyboard(a);
  bottom_bar(a, true, true, true);
}

void review(App& a) {
  Ui& ui = a.ui;
  top_bar(a, T(a, S::kReview));
  // Submit stays in view below the summary (not at the end of a scrolled list, where a
  // participant who does not think of scrolling would never find it).
  const float submit_h = std::ceil(ui.target() * 1.4f);  // as button() rounds it: the reserve below is exact
  if (begin_content(a, "review", submit_h + ui.gap())) {
    const float w = avail().x;
    auto section = [&](S title, const std::string& summary, ReviewSection sec) {
      ui.title(T(a, title));
      ui.text(summary);
      if (ui.button("edit:" + std::to_string(static_cast<int>(sec)), T(a, S::kEdit), ImVec2(w / 3, ui.target()), Tone::kSecondary))
        a.apply(Intent::kEdit, {}, static_cast<int>(sec));
      ImGui::Dummy(ImVec2(1, ui.gap()));
    };
    std::string consents;
    for (const forms::FormSession& s : a.flow.consent_sessions()) {
      const forms::Questionnaire& q = s.questionnaire();
      for (std::size_t i = 0; i < q.items.size(); ++i) {
        const forms::Item& it = q.items[i];
        if (it.consent_provision.empty() || !s.enabled(static_cast<int>(i))) continue;
        const std::vector<forms::Value>& ans = s.answers(static_cast<int>(i));
        if (it.type != forms::ItemType::kBoolean) {  // a choice (the storage period): what was chosen
          consents += "\u00B7 " + item_text(s, it) + "  " +
                      (ans.empty() ? T(a, S::kNotEntered) : forms::value_to_display(ans.front(), s.language(), q.language)) + "\n";
          continue;
        }
        const bool yes = !ans.empty() && ans.front() == forms::Value{true};
        consents += (yes ? "\u221A " : "\u00D7 ") + item_text(s, it) + "\n";  // glyphs fonts-nanum has
      }
    }
    section(S::kConsents, consents, ReviewSection::kConsents);
    const IdentityFields& id = a.flow.identity();
    std::string who = id.patient.family + " " + id.patient.given + "  " + id.patient.birth_date + "  " +
                      format_phone_display(id.patient.phone);
    if (id.representative)
      who += "\n" + T(a, S::kSignerIs) + ": " + id.representative->family + " " + id.representative->given;
    section(S::kIdentity, who, ReviewSection::kIdentity);
    section(S::kSignature, a.flow.signature_has_enough_ink() ? T(a, S::kSignatureDone) : T(a, S::kNotEntered), ReviewSection::kSignature);
    int answered = 0, total = 0;
    for (const forms::FormSession& s : a.flow.survey_sessions()) {
      const forms::Questionnaire& q = s.questionnaire();
      for (std::size_t i = 0; i < q.items.size(); ++i) {
        if (!q.items[i].has_answer_type() || !s.enabled(static_cast<int>(i))) continue;
        ++total;
        if (!s.answers(static_cast<int>(i)).empty()) ++answered;
      }
    }
    section(S::kSurveys, std::to_string(answered) + " / " + std::to_string(total) + " " + T(a, S::kAnswered), ReviewSection::kSurveys);
    for (const forms::ValidationMessage& m : a.flow.validation()) ui.error_text(m.text);
  }
  end_content();
  // (No extra space above it: the reserve is submit_h + one gap, and the item spacing is that
  // gap; more made submit overlap the bottom bar by half a gap, found by a11y_ui.e2e.cpp.)
  ImGui::SetCursorPosX(ui.gap() * 2);
  if (ui.button("submit", T(a, S::kSubmit), ImVec2(ImGui::GetWindowWidth() - ui.gap() * 4, submit_h), Tone::kPrimary))
    a.apply(Intent::kSubmit);
  bottom_bar(a, true, true, true);
}

void message_screen(App& a, S title, S sub, const char* button_id, S button, Intent::Kind intent, bool staff) {
  Ui& ui = a.ui;
  const ImVec2 size = ImGui::GetWindowSize();
  ImGui::SetCursorPos(ImVec2(ui.gap() * 4, size.y * 0.25f));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(size.x - ui.gap() * 4);
  ui.title(T(a, title));
  ImGui::Dummy(ImVec2(1, ui.gap() * 2));
  ui.text(T(a, sub));
  ImGui::Dummy(ImVec2(1, ui.gap() * 4));
  if (button_id) {
    if (ui.button(button_id, T(a, button), ImVec2(size.x - ui.gap() * 8, ui.target() * 1.5f), Tone::kPrimary)) a.apply(intent);
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  if (staff) bottom_bar(a, false, false, true);
}

void overlay(App& a) {
  const Overlay o = a.flow.overlay();
  if (o == Overlay::kNone) return;
  Ui& ui = a.ui;
  const ImVec2 size = ImGui::GetWindowSize();
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  (void)dl;
  // A layer over the whole kiosk window (in the low layout: the band): nothing behind it can
  // be tapped, and the keypad focus stays in it (begin_modal) until it closes.
  ImGui::SetNextWindowPos(ImGui::GetWindowPos());
  ui.begin_modal();
  ImGui::SetNextWindowSize(size);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ui.colv(ui.palette().warning_bg));
  ImGui::Begin("overlay", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  ImGui::PopStyleColor();
  ImGui::PushStyleColor(ImGuiCol_Text, ui.colv(ui.palette().on_warning));
  ui.push_text_colour(ui.palette().on_warning);
  ImGui::SetCursorPos(ImVec2(ui.gap() * 4, size.y * 0.2f));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(size.x - ui.gap() * 4);
  const float w = size.x - ui.gap() * 8;
  switch (o) {
    case Overlay::kConfirmCancel:
      ui.title(T(a, S::kConfirmCancelTitle));
      ui.text(T(a, S::kConfirmCancelSub));
      ImGui::Dummy(ImVec2(1, ui.gap() * 3));
      if (ui.button("overlay:continue", T(a, S::kNoContinue), ImVec2(w, ui.target() * 1.4f), Tone::kPrimary)) a.apply(Intent::kDismissOverlay);
      ImGui::Dummy(ImVec2(1, ui.gap() * 3));
      if (ui.button("overlay:erase", T(a, S::kYesCancel), ImVec2(w, ui.target() * 1.2f), Tone::kDanger)) a.apply(Intent::kConfirmCancel);
      break;
    case Overlay::kCallStaff:
      ui.title(T(a, S::kStaffComing));
      ui.text(T(a, S::kStaffComingSub));
      ImGui::Dummy(ImVec2(1, ui.gap() * 3));
      if (ui.button("overlay:close", T(a, S::kClose), ImVec2(w, ui.target() * 1.4f), Tone::kPrimary)) a.apply(Intent::kDismissOverlay);
      break;
    case Overlay::kIdleWarning: {
      ui.title(T(a, S::kIdleTitle));
      ui.text(T(a, S::kIdleSub));
      const std::int64_t left = (a.flow.idle_countdown_ms(a.now_ms) + 999) / 1000;
      ImGui::Dummy(ImVec2(1, ui.gap() * 2));
      ImGui::PushFont(ui.title_font());
      const std::string count = std::to_string(left) + " " + T(a, S::kSecondsLeft);
      ui.request_text(count);
      ImGui::TextUnformatted(count.c_str());
      ImGui::PopFont();
      ImGui::Dummy(ImVec2(1, ui.gap() * 3));
      if (ui.button("overlay:more", T(a, S::kMoreTime), ImVec2(w, ui.target() * 2.0f), Tone::kPrimary, a.flow.extensions_left() > 0))
        a.apply(Intent::kMoreTime);
      break;
    }
    case Overlay::kNone: break;
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ui.pop_text_colour();
  ImGui::PopStyleColor();
  ImGui::End();
}

}  // namespace

std::string screen_key(const Flow& flow) {
  std::string k = screen_name(flow.screen());
  if (flow.screen() == Screen::kConsentRead || flow.screen() == Screen::kConsentChoose) k += "-" + std::to_string(flow.consent_doc());
  if (flow.screen() == Screen::kComprehension || flow.screen() == Screen::kSurvey)
    k += "-" + std::to_string(flow.survey_doc()) + "-" + std::to_string(flow.page());
  switch (flow.overlay()) {
    case Overlay::kConfirmCancel: k += "+confirm-cancel"; break;
    case Overlay::kCallStaff: k += "+call-staff"; break;
    case Overlay::kIdleWarning: k += "+idle-warning"; break;
    case Overlay::kNone: break;
  }
  return k;
}

void App::apply(Intent::Kind kind, std::string text, int number) {
  if (kind == Intent::kConfirmCancel) editing.reset();  // discarded, not committed: it is being wiped
  // A field being typed is committed before the screen validates (next) or is left.
  if (editing && (kind == Intent::kNext || kind == Intent::kBack || kind == Intent::kSubmit || kind == Intent::kEdit))
    finish_edit();
  const bool ok = flow.apply(Intent{kind, std::move(text), number}, now_ms);
  if (!ok) return;
  scroll_velocity = 0;
  if (flow.screen() == Screen::kAttract) {
    editing.reset();
    pad.clear();
  }
}

void App::start_edit(const std::string& field, const std::string& label, KeyboardMode mode, const std::string& current,
                     std::size_t max_chars, std::function<void(const std::string&)> commit_fn, bool masked) {
  if (editing) finish_edit();
  Editing e;
  e.field = field;
  e.label = label;
  e.entry = std::make_unique<TextEntry>(mode, max_chars);
  (void)e.entry->set_text(current);
  e.masked = masked;
  e.commit = std::move(commit_fn);
  editing = std::move(e);
  ui.request_focus("key:", /*prefix=*/true);  // the keypad types on the keyboard at once
}

void App::finish_edit() {
  if (!editing) return;
  editing->entry->commit();
  std::string v = editing->entry->committed();
  if (editing->commit) editing->commit(v);
  platform::wipe(v);
  ui.request_focus("field:" + editing->field);  // back to the field that was typed into
  editing.reset();  // TextEntry wipes its buffers
}

void draw_screen(App& a) {
  a.animating = false;
  switch (a.flow.screen()) {
    case Screen::kAttract: attract(a); break;
    case Screen::kLanguage: language(a); break;
    case Screen::kParticipation: participation(a); break;
    case Screen::kSigner: signer(a); break;
    case Screen::kConsentRead: consent_read(a); break;
    case Screen::kConsentChoose: consent_choose(a); break;
    case Screen::kComprehension: comprehension(a); break;
    case Screen::kIdentity: identity(a); break;
    case Screen::kSignature: signature(a); break;
    case Screen::kSurvey: survey(a); break;
    case Screen::kReview: review(a); break;
    case Screen::kSubmitting: message_screen(a, S::kSubmitting, S::kPreparing, nullptr, S::kDone, Intent::kFinish, false); break;
    case Screen::kThankYou: message_screen(a, S::kThankYou, S::kThankYouSub, "finish", S::kDone, Intent::kFinish, false); break;
    case Screen::kSubmitFailed:
      message_screen(a, S::kSubmitFailed, S::kSubmitFailedSub, "retry", S::kRetry, Intent::kRetrySubmit, true);
      break;
  }
  overlay(a);
}

}  // namespace kiosk::app
