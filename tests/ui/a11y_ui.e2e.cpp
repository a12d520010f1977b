// Accessibility of the kiosk app end to end (issue 7), through real X11 input on an Xvfb of the
// test's own:
//   - a participant who cannot see the screen starts voice mode with keypad 0 and completes the
//     whole journey with keypad key events only (XTest keys, the pointer never moves); on every
//     screen the keypad visits every control in the recorded order and wraps (no trap); the
//     overlays and the on-screen keyboards take the focus and give it back; the enrollment
//     arrives at the data bank; what was said (--speech-log) announced the screens and the
//     focus and never a phone number; speech went to WAV files (--speech-out); this run is at
//     150 % text;
//   - the low layout keeps every widget inside the band of the screen the site config sets; in
//     that run (English, voice mode) what was said is English, says each screen's title on
//     entry and each focus with its place, and never a phone number;
//   - at 200 % text no two widgets overlap and none is clipped by its window;
//   - on every screen, keyboard and overlay these runs look at, every touch target is >= 12 mm
//     with >= 2.5 mm to the next (check_touch_targets, journey.h).
// The widget record (--test-widgets) carries the focus, the focus order and each widget's
// visible window (ui_driver.h).
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "journey.h"
#include "test_support.h"
#include "ui_driver.h"

namespace fs = std::filesystem;
namespace ts = testing_support;
using namespace ui_test;
using nlohmann::json;

namespace {

struct A11yRig {
  ts::TempDir tmp;
  std::unique_ptr<Xvfb> x;
  std::unique_ptr<KioskUnderTest> kiosk;
  fs::path data() const { return tmp.path() / "data"; }
  fs::path said_log() const { return tmp.path() / "said.jsonl"; }
  fs::path wav_dir() const { return tmp.path() / "speech"; }
  void start(const fs::path& shots, std::vector<std::string> extra, const std::string& site_json = "") {
    x = std::make_unique<Xvfb>(1280, 800);
    if (!site_json.empty()) {
      fs::create_directories(data());
      ts::write_all(data() / "site.json", site_json);
    }
    KioskOptions o;
    o.data_dir = data();
    o.widgets_file = tmp.path() / "widgets.json";
    o.screenshots = shots;
    o.extra_args = std::move(extra);
    kiosk = std::make_unique<KioskUnderTest>(x->display(), o);
    kiosk->wait_ready(Ms(60000));
    check_px_per_mm(kiosk->settled(), data() / "site.json");
  }
};

std::vector<json> said(const fs::path& log) {
  std::vector<json> out;
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool has_hangul(const std::string& utf8) {
  // UTF-8 of U+1100..U+11FF (jamo), U+3130..U+318F (compatibility jamo), U+AC00..U+D7A3 (syllables).
  for (std::size_t i = 0; i + 2 < utf8.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(utf8[i]), b1 = static_cast<unsigned char>(utf8[i + 1]);
    if (b0 == 0xE1 && (b1 == 0x84 || b1 == 0x85 || b1 == 0x86 || b1 == 0x87)) return true;
    if (b0 == 0xE3 && (b1 == 0x84 || b1 == 0x85 || b1 == 0x86)) return true;
    if (b0 >= 0xEA && b0 <= 0xED) {
      const unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu);
      if (cp >= 0xAC00 && cp <= 0xD7A3) return true;
    }
  }
  return false;
}

std::string trimmed(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \n\t"), b = s.find_last_not_of(" \n\t");
  return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
}

// What the voice said in a session switched to English on the language screen (the log of
// --speech-log), against the screens the run looked at (`seen`, settled records in order):
//   - from the first English utterance on, every one is English ("lang": "en") with no Hangul in
//     it (before it: the attract and language screens, in Korean, the kiosk's first language);
//   - each screen's entry says its title, in the order the screens came (the record's titles: a
//     screen's first, an overlay's last), and the fixed titles are strings.cpp's English ones;
//   - each focus the run looked at was said as "<label>, <role>..., <n> of <m>" (a text field by
//     its name; a key of a private field as "digit");
//   - no four digits of a phone number in `secrets` in any utterance.
void check_english_speech(const std::vector<json>& lines, const std::vector<Snapshot>& seen, const std::vector<std::string>& secrets) {
  std::vector<std::string> said_en;
  std::string all, korean_name;
  bool english = false;
  int korean_names = 0;
  for (const json& l : lines) {
    const std::string t = l.value("text", ""), lang = l.value("lang", "");
    all += lang + ": " + t + "\n";
    english = english || (lang == "en" && t != "English");  // "English": the language's name, said in English in a Korean session
    std::string leak;
    for (const std::string& p : secrets)
      for (std::size_t i = 0; i + 4 <= p.size(); ++i)
        if (t.find(p.substr(i, 4)) != std::string::npos) leak = p.substr(i, 4);
    INFO("utterance \"" << t << "\"");
    INFO("digits of a phone number in it: " << leak);
    CHECK(leak.empty());
    // A language's name is said in that language (3.1.2 language of parts): the option 한국어
    // by the Korean voice, then the rest of its announcement in English. Nothing else in Korean.
    if (lang == "ko" && t == "한국어") {
      korean_name = t;
      continue;
    }
    if (!english) continue;
    CHECK(lang != "ko");
    CHECK(lang == "en");
    // A form's English text may quote a Korean term in brackets, as the rare-disease survey
    // does ("co-payment reduction (산정특례)"): the author's words, not the kiosk's. Only that.
    std::string outside = t;
    for (std::size_t open = outside.find('('); open != std::string::npos; open = outside.find('(', open)) {
      const std::size_t close = outside.find(')', open);
      if (close == std::string::npos) break;
      outside.erase(open, close - open + 1);
    }
    CHECK(!has_hangul(outside));
    said_en.push_back(korean_name.empty() ? t : korean_name + ", " + t);  // as one announcement
    if (!korean_name.empty()) ++korean_names;
    korean_name.clear();
  }
  CHECK(korean_names > 0);  // the run focused the option 한국어 in English (the test's own walk)
  INFO("said:\n" << all.substr(0, 6000));
  REQUIRE(said_en.size() > 30);
  // Screen entries, in order.
  std::size_t at = 0;
  std::set<std::string> titles;
  for (const Snapshot& s : seen) {
    const std::vector<std::string> ts = s.titles();
    if (s.j.value("language", "") != "en" || ts.empty() || s.screen() == "language") continue;  // language: said in Korean on entry
    const std::string title = trimmed(s.overlay_shown() ? ts.back() : ts.front());
    titles.insert(title);
    std::size_t i = at;
    while (i < said_en.size() && said_en[i].rfind(title, 0) != 0) ++i;
    INFO("screen " << s.key() << ": its title \"" << title << "\" said on entry (after utterance " << at << ")");
    CHECK(i < said_en.size());
    if (i < said_en.size()) at = i;
  }
  for (const char* fixed : {"Which group are you joining?", "Who is signing the consent?", "Staff have been called", "Start over?",
                            "Your choices", "Check your understanding", "Your details", "Signature", "Check and submit",
                            "Thank you for taking part"}) {
    bool found = false;
    for (const std::string& t : titles) found = found || t.rfind(fixed, 0) == 0;
    INFO("the English title \"" << fixed << "\" (strings.cpp) on a screen");
    CHECK(found);
  }
  // The focus, with its place.
  int focus_checked = 0;
  for (const Snapshot& s : seen) {
    const Widget* f = s.find(s.focus());
    if (s.j.value("language", "") != "en" || !f) continue;
    const std::vector<std::string> order = s.focus_order();
    const auto pos = std::find(order.begin(), order.end(), f->id);
    REQUIRE(pos != order.end());
    const bool private_key = (s.editing().find("phone") != std::string::npos || s.editing().find("rrn") != std::string::npos) &&
                             f->id.size() == 5 && f->id.rfind("key:", 0) == 0 && std::isdigit(static_cast<unsigned char>(f->id[4]));
    const std::string label = private_key ? "digit" : trimmed(f->name.empty() ? f->label : f->name);
    const std::string place = std::to_string(pos - order.begin() + 1) + " of " + std::to_string(order.size());
    bool found = false;
    for (const std::string& t : said_en)
      found = found || (t.rfind(label + ", ", 0) == 0 && t.size() >= place.size() && t.compare(t.size() - place.size(), place.size(), place) == 0);
    INFO("screen " << s.key() << ": focus on " << f->id << " said as \"" << label << ", ..., " << place << "\"");
    CHECK(found);
    ++focus_checked;
  }
  CHECK(focus_checked > 15);
}

// (a) From the screen's first control, keypad 2 visits every control of the focus order once,
// in order, and comes back to the first (wraps: no dead end, no trap); 8 goes back one.
void check_traversal(KioskUnderTest& k) {
  Snapshot s = k.settled();
  const std::vector<std::string> order = s.focus_order();
  INFO("screen " << s.key() << "; order " << json(order).dump());
  REQUIRE(!order.empty());
  // Every focusable widget drawn is in the order (an overlay: only the overlay's widgets).
  for (const Widget& w : s.widgets) {
    if (!w.focusable) continue;
    if (s.overlay_shown() && w.id.rfind("overlay:", 0) != 0) continue;
    INFO("widget " << w.id);
    CHECK(contains(order, w.id));
  }
  const auto at = std::find(order.begin(), order.end(), s.focus());
  REQUIRE(at != order.end());
  const std::size_t n = order.size(), i0 = static_cast<std::size_t>(at - order.begin());
  for (std::size_t step = 1; step <= n; ++step) {
    s = k.press_key("KP_2", n > 1, n > 1 ? Ms(5000) : Ms(400));
    const std::string& want = order[(i0 + step) % n];
    // A record written as the region scrolls to the last focus may come before the new focus.
    if (s.focus() != want)
      s = k.wait_until([&](const Snapshot& x) { return x.focus() != s.focus(); }, "the focus to move on", Ms(3000));
    REQUIRE(s.focus() == want);
    int marked = 0;
    for (const Widget& w : s.widgets) marked += w.focused ? 1 : 0;
    CHECK(marked == 1);
    const Widget* f = s.find(s.focus());
    REQUIRE(f);
    CHECK(f->focused);
  }
  if (n > 1) {
    const std::string last = order[(i0 + n - 1) % n], first = order[i0];
    s = k.press_key("KP_8");
    if (s.focus() != last) s = k.wait_until([&](const Snapshot& x) { return x.focus() == last; }, "8 to go back", Ms(3000));
    s = k.press_key("Down");  // the arrow keys too
    if (s.focus() != first) s = k.wait_until([&](const Snapshot& x) { return x.focus() == first; }, "Down to go on", Ms(3000));
  }
}

// How a keypad journey goes, and what it looks at on the way.
struct KeypadRun {
  bool voice = true;     // start voice mode on attract with 0
  bool traverse = true;  // (a) on the first screen of each kind, and in the overlays
  bool low = false;      // switch the low layout on, on the language screen
  std::function<void(const Snapshot&)> check;  // on every screen (and every keyboard) once settled
};
KeypadRun g_run;  // the current run's (the helpers below are called deep inside the walk)

// Every settled screen, keyboard and overlay of a keypad run: its touch targets (journey.h), and
// the run's own check.
void look(KioskUnderTest& k) {
  // The targets' sizes and gaps hold in any settled record (a scroll moves them together); the
  // run's own check waits for the screen to be still.
  const Snapshot s = g_run.check ? k.wait_quiet(Ms(150)) : k.settled();
  (void)check_touch_targets(s);
  if (g_run.check) g_run.check(s);
}

Snapshot kp_leave(KioskUnderTest& k, const std::string& id, Ms limit = Ms(20000)) {
  const std::string before = k.snapshot().key();
  (void)k.activate(id);
  return k.wait_until([&](const Snapshot& s) { return s.key() != before; },
                      "leaving screen " + before + " after activating \"" + id + "\" from the keypad", limit);
}

// Opens the keyboard on `field` from the keypad, types, checks, and closes it with its done key.
void kp_fill(KioskUnderTest& k, const std::string& field, const std::vector<std::string>& keys, const std::string& expect,
             bool digits) {
  (void)k.activate("field:" + field);
  Snapshot s = k.wait_until([&](const Snapshot& x) { return x.editing() == field && x.has("key:done"); }, "the keyboard for " + field);
  // The keyboard takes the focus (its first key), so that it can be typed on at once.
  CHECK(s.focus().rfind("key:", 0) == 0);
  look(k);
  for (const std::string& c : keys) {
    if (digits) (void)k.press_key("KP_" + c);  // a digit field: the keypad's number keys type
    else (void)k.activate("key:" + c);
  }
  INFO("field " << field);
  CHECK(await_typed(k, expect) == expect);
  if (digits) (void)k.press_key("KP_Enter");  // Enter is done in a digit field (its 2/8 type)
  else (void)k.activate("key:done");
  s = k.wait_until([](const Snapshot& x) { return x.editing().empty(); }, "the keyboard to close after " + field);
  CHECK(s.focus() == "field:" + field);  // and gives the focus back
}

void kp_answer(KioskUnderTest& k, const Journey& j, const ItemInfo& it) {
  const std::string& l = it.link_id;
  if (it.type == "boolean") {
    (void)k.activate("item:" + l + ":yes");
  } else if (it.type == "choice" || it.type == "open-choice") {
    (void)k.activate("item:" + l + ":0");
  } else if (it.type == "integer" || it.type == "decimal") {
    const std::string d = number_answer(it);
    kp_fill(k, l, codes(d), d, true);
  } else if (it.type == "date") {
    kp_fill(k, l, codes("20200101"), "20200101", true);
  } else {
    kp_fill(k, l, j.text_keys, j.text, false);
  }
}

void kp_answer_page(KioskUnderTest& k, const Journey& j, const PackageModel& pkg) {
  std::set<std::string> also;
  for (int pass = 0; pass < 5; ++pass) {
    Snapshot s = k.settled();
    const std::string screen = s.screen(), key = s.key();
    for (const std::string& link : links_on(s)) {
      const ItemInfo* it = pkg.find(link);
      REQUIRE(it);
      if (answered(k.snapshot(), link)) continue;
      if (screen == "comprehension") {
        REQUIRE(it->correct >= 0);
        (void)k.activate("item:" + link + ":" + std::to_string(it->correct));
      } else if (screen == "consent-choose" || it->required || also.count(link)) {
        kp_answer(k, j, *it);
      }
    }
    (void)k.activate("next");
    const Snapshot after = k.wait_until([&](const Snapshot& x) { return x.key() != key || !errors(x).empty(); },
                                        "the page " + key + " to move on or say why");
    if (after.key() != key) return;
    std::string last_link;
    for (const Widget& w : after.widgets) {
      if (!link_of(w.id).empty()) last_link = link_of(w.id);
      if (w.id == "error" && !last_link.empty()) also.insert(last_link);
    }
    REQUIRE(!also.empty());
  }
  FAIL("page " << k.snapshot().key() << " kept refusing");
}

// An overlay from the keypad: it takes the focus (its first button), keeps it (its buttons
// only), and closing it gives the focus back to the control that opened it.
void kp_overlay(KioskUnderTest& k, const std::string& open, const std::string& close) {
  const std::string key = k.snapshot().key();
  (void)k.activate(open);
  Snapshot s = k.wait_until([&](const Snapshot& x) { return x.has(close) && x.overlay_shown(); }, "the overlay after " + open);
  for (const std::string& id : s.focus_order()) CHECK(id.rfind("overlay:", 0) == 0);
  CHECK(s.focus().rfind("overlay:", 0) == 0);
  if (g_run.traverse) check_traversal(k);
  look(k);
  (void)k.activate(close);
  s = k.wait_until([&](const Snapshot& x) { return x.key() == key && !x.overlay_shown(); }, "the overlay to close");
  CHECK(s.focus() == open);
}

// The whole journey with keypad events only: voice mode from attract with 0, every control
// reached with 2/8 and activated with Enter, digits typed with the number keys.
void keypad_walk(KioskUnderTest& k, const Journey& j, const PackageModel& pkg) {
  std::set<std::string> traversed;
  bool overlays_done = false;
  for (int step = 0; step < 100; ++step) {
    const Snapshot s = k.settled();
    const std::string screen = s.screen();
    if (!traversed.count(screen) && screen != "submitting") {
      traversed.insert(screen);
      INFO("traversal on " << s.key());
      CHECK(s.focus() == s.focus_order().front());  // a new screen starts at its first control
      if (g_run.traverse) check_traversal(k);
    }
    if (screen != "attract" && screen != "language" && screen != "submitting") look(k);
    if (screen == "attract") {
      if (g_run.voice) {
        const Snapshot v = k.press_key("KP_0");
        CHECK(v.voice());
      }
      (void)kp_leave(k, "start");
    } else if (screen == "language") {
      CHECK(s.voice() == g_run.voice);
      if (g_run.voice) (void)k.press_key("KP_Add", false, Ms(300));  // louder, for this session only
      if (!s.find("lang:" + j.lang)->selected) (void)k.activate("lang:" + j.lang);
      if (!k.snapshot().find("size:" + std::to_string(j.text_pct))->selected) (void)k.activate("size:" + std::to_string(j.text_pct));
      if (j.high_contrast) (void)k.activate("contrast:on");
      if (g_run.low) {
        (void)k.activate("low:on");
        (void)k.wait_until([](const Snapshot& x) { return x.low_layout(); }, "the low layout");
      }
      look(k);
      (void)kp_leave(k, "next");
    } else if (screen == "participation") {
      if (!overlays_done) {
        overlays_done = true;
        kp_overlay(k, "staff", "overlay:close");
        kp_overlay(k, "home", "overlay:continue");
      }
      (void)kp_leave(k, "type:" + j.type);
    } else if (screen == "signer") {
      (void)kp_leave(k, j.representative ? "signer:representative" : "signer:self");
    } else if (screen == "consent-read") {
      // "more" from the keypad until the end (or the voice has read it to the end), then agree.
      for (int i = 0; i < 120; ++i) {
        const Snapshot r = k.snapshot();
        if (r.find("next") && r.find("next")->enabled) break;
        if (r.find("more") && r.find("more")->enabled) (void)k.activate("more", false, Ms(300));
        else std::this_thread::sleep_for(Ms(50));
      }
      (void)kp_leave(k, "next");
    } else if (screen == "consent-choose" || screen == "comprehension" || screen == "survey") {
      kp_answer_page(k, j, pkg);
    } else if (screen == "identity") {
      kp_fill(k, "family", j.family_keys, j.family, false);
      kp_fill(k, "given", j.given_keys, j.given, false);
      kp_fill(k, "birth", codes(j.birth), j.birth, true);
      kp_fill(k, "phone", codes(j.phone), j.phone, true);
      (void)k.activate("sex:" + j.sex);
      CHECK(k.snapshot().find("sex:" + j.sex)->selected);
      if (j.representative) {
        kp_fill(k, "rep:family", j.rep_family_keys, j.rep_family, false);
        kp_fill(k, "rep:given", j.rep_given_keys, j.rep_given, false);
        if (!k.snapshot().find("rel:" + j.relationship)->selected) (void)k.activate("rel:" + j.relationship);
        kp_fill(k, "rep:phone", codes(j.rep_phone), j.rep_phone, true);
      }
      (void)kp_leave(k, "next");
    } else if (screen == "signature") {
      (void)k.activate("pad");  // 5 on the pad: the participant's mark
      (void)k.wait_until([](const Snapshot& x) { return x.find("next") && x.find("next")->enabled; }, "the mark to be accepted");
      (void)kp_leave(k, "next");
    } else if (screen == "review") {
      (void)k.activate("submit");
      (void)k.wait_until([](const Snapshot& x) { return x.screen() == "thank-you" || x.screen() == "submit-failed"; },
                         "the thank-you screen after submit", Ms(30000));
      REQUIRE(k.snapshot().screen() == "thank-you");
    } else if (screen == "thank-you") {
      (void)kp_leave(k, "finish");
      const Snapshot a = k.settled();
      REQUIRE(a.screen() == "attract");
      CHECK(!a.voice());  // the session ended: voice mode too
      return;
    } else if (screen == "submitting") {
      std::this_thread::sleep_for(Ms(100));
    } else {
      FAIL("unexpected screen " << s.key());
    }
  }
  FAIL("the journey did not end within 100 screens");
}

bool container(const Widget& w) { return w.id == "content" || w.id == "reader"; }

// (b) In the low layout everything drawn is inside the band.
void check_in_band(const Snapshot& s, double screen_h) {
  const std::vector<double> win = s.window();
  INFO("screen " << s.key() << " window " << json(win).dump());
  REQUIRE(win.size() == 4);
  CHECK(s.low_layout());
  CHECK(win[1] > screen_h * 0.25);                   // it is the lower part of the screen...
  CHECK(std::fabs(win[1] + win[3] - screen_h) < 1);  // ...down to its bottom edge
  int shown = 0;
  for (const Widget& w : s.widgets) {
    if (w.id == "staff-corner") continue;  // the staff's hidden long-press corner, not a participant's control
    const Box b = visible(w);
    if (b.empty()) continue;  // scrolled out of its region's view
    ++shown;
    INFO("widget " << w.id << " at y " << b.y0 << ".." << b.y1);
    CHECK(b.y0 >= win[1] - 1);
    CHECK(b.y1 <= win[1] + win[3] + 1);
    CHECK(w.clip_y >= win[1] - 1);  // its window (a scrolling region) is inside the band too
  }
  CHECK(shown > 0);
}

// (c) No two widgets of one window overlap; none sticks out of its window sideways, none is
// taller than its window's view (it could not be scrolled into view whole), and every label
// fits inside its widget.
void check_no_overlap(const Snapshot& s) {
  INFO("screen " << s.key());
  std::vector<const Widget*> ws;
  for (const Widget& w : s.widgets) {
    if (container(w) || w.kind == "region") continue;
    if (s.overlay_shown() && w.id.rfind("overlay:", 0) != 0) continue;  // under the overlay
    ws.push_back(&w);
    INFO("widget " << w.id << " x " << w.x << " w " << w.w << " h " << w.h << "; window x " << w.clip_x << " w " << w.clip_w
                   << " h " << w.clip_h);
    CHECK(!w.clipped);
    CHECK(w.x >= w.clip_x - 1);
    CHECK(w.x + w.w <= w.clip_x + w.clip_w + 1);
    CHECK(w.h <= w.clip_h + 1);
  }
  // What is seen: a widget scrolled under the bottom bar is hidden by its region, not overlapped.
  for (std::size_t i = 0; i < ws.size(); ++i)
    for (std::size_t k = i + 1; k < ws.size(); ++k) {
      const Box a = visible(*ws[i]), b = visible(*ws[k]);
      if (a.empty() || b.empty()) continue;
      const double ox = std::min(a.x1, b.x1) - std::max(a.x0, b.x0);
      const double oy = std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
      INFO(ws[i]->id << " and " << ws[k]->id << " (visible y " << a.y0 << ".." << a.y1 << " and " << b.y0 << ".." << b.y1 << ")");
      CHECK(!(ox > 1 && oy > 1));
    }
}

}  // namespace

TEST_CASE("a11y UI: a participant completes the journey with keypad keys only in voice mode and it arrives",
          "[ui][e2e][a11y]") {
  A11yRig rig;
  const fs::path shots = screens_dir("a11y-keypad");
  rig.start(shots, {"--speech-out", (rig.tmp.path() / "speech").string(), "--speech-log", rig.said_log().string()});
  KioskUnderTest& k = *rig.kiosk;
  Journey j = korean_general();
  j.text_pct = 150;  // the one run at 150 % (touch targets, traversal); the journeys are at 100 %, one run at 200 %
  j.given_keys = codes(kRareKeys);  // spoken back in voice mode: scanned for below
  j.given = kRareName;
  g_run = KeypadRun{};
  keypad_walk(k, j, load_package_model(package_path(j.type)));

  // Sealed, synced, and the data bank opens it to what was typed on the keypad.
  json st;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    st = run_json({ts::bin("kioskctl").string(), "--data-dir", rig.data().string(), "status", "--json"});
    if (st.value("queued", 1) == 0 && st.value("acked", 0) >= 1) break;
    std::this_thread::sleep_for(Ms(250));
  } while (std::chrono::steady_clock::now() < end);
  INFO("kioskctl status: " << st.dump());
  REQUIRE(st.value("acked", 0) >= 1);
  // The next participant's voice mode starts at the default volume again: one step down from
  // the default (80 -> 70), not from the last session's 90.
  // Submitted: the name (typed, shown, spoken by the speech engine) and the phone number are
  // gone from the kiosk's memory.
  (void)k.wait_quiet();
  CHECK(copies_in_memory(k.pid(), kRareName) == std::vector<std::string>{});
  CHECK(copies_in_memory(k.pid(), j.phone) == std::vector<std::string>{});
  CHECK(k.press_key("KP_0").voice());
  (void)k.press_key("KP_Subtract", false, Ms(300));
  std::this_thread::sleep_for(Ms(200));
  REQUIRE(k.stop() == 0);
  const fs::path server = rig.data() / "demo-databank" / "server";
  const std::vector<std::string> ids = enrollment_ids(server / "ingest.db");
  REQUIRE(ids.size() == 1);
  const json b = run_json({ts::bin("databank-ingest").string(), "open", "--dir", server.string(), "--id", ids[0]});
  const json* p = resource(b, "Patient");
  REQUIRE(p);
  CHECK(p->at("name")[0].value("family", "") == "김");
  CHECK(p->at("name")[0]["given"][0] == j.given);
  CHECK(p->at("birthDate") == "1950-03-15");
  CHECK(p->at("telecom")[0]["value"] == j.phone);
  const json* prov = resource(b, "Provenance");
  REQUIRE(prov);
  CHECK(!prov->at("signature").empty());

  // What was said: voice mode, each screen, the focus with its place, in Korean; never the
  // phone number (nor any run of its digits).
  std::error_code ec;
  fs::copy_file(rig.said_log(), shots / "said.jsonl", fs::copy_options::overwrite_existing, ec);  // to read afterwards
  std::vector<json> lines;
  int chimes = 0;  // the confirm tone: one per activated control
  for (json& l : said(rig.said_log())) {
    if (l.value("chime", false)) ++chimes;
    else lines.push_back(std::move(l));
  }
  CHECK(chimes >= 20);
  REQUIRE(lines.size() > 20);
  std::string all;
  for (const json& l : lines) {
    const std::string t = l.value("text", "");
    // Korean throughout, but for the name of the option English, said in English (3.1.2).
    CHECK(l.value("lang", "") == (t == "English" ? "en" : "ko"));
    all += t + "\n";
    CHECK(t.find("0100") == std::string::npos);
    CHECK(t.find("0000") == std::string::npos);
  }
  INFO(all.substr(0, 4000));
  CHECK(lines.front().value("text", "").find("음성 안내") != std::string::npos);
  std::vector<std::string> volumes;
  for (const json& l : lines)
    if (l.value("text", "").rfind("음량", 0) == 0) volumes.push_back(l.value("text", ""));
  REQUIRE(volumes.size() == 2);
  CHECK(volumes[0].find("9단계") != std::string::npos);
  CHECK(volumes[1].find("7단계") != std::string::npos);
  for (const char* expect : {"언어를 고르세요", "번째", "버튼", "입력됨", "서명", "제출"}) {
    INFO("expected in the speech: " << expect);
    CHECK(all.find(expect) != std::string::npos);
  }
  // And it went to WAV files (the container has no sound card): real, non-empty audio.
  int wavs = 0;
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(rig.tmp.path() / "speech")) {
    ++wavs;
    bytes += e.file_size();
  }
  CHECK(wavs > 10);
  CHECK(bytes > 100000);
}

// Also the English voice (the keypad journey above is Korean): voice mode from attract, English
// chosen on the language screen, what was said checked against the screens seen.
TEST_CASE("a11y UI: the low layout keeps every widget inside the band set by the site config, and the English voice says "
          "each screen and focus",
          "[ui][e2e][a11y]") {
  A11yRig rig;
  const fs::path shots = screens_dir("a11y-low");
  rig.start(shots, {"--speech", "null", "--speech-log", rig.said_log().string()});
  KioskUnderTest& k = *rig.kiosk;
  const Journey j = english_representative();
  g_run = KeypadRun{};
  g_run.traverse = false;
  g_run.low = true;
  std::vector<Snapshot> seen;
  g_run.check = [&seen](const Snapshot& x) {
    seen.push_back(x);
    check_in_band(x, 800);
    // Default site config: a 150 mm band of the 296 mm panel, 405 of 800 px.
    CHECK(std::fabs(x.window()[3] - 800.0 * 150 / 296) < 2);
  };
  keypad_walk(k, j, load_package_model(package_path(j.type)));
  CHECK(seen.size() > 15);
  std::error_code ec;
  fs::copy_file(rig.said_log(), shots / "said.jsonl", fs::copy_options::overwrite_existing, ec);  // to read afterwards
  std::vector<json> lines;
  for (json& l : said(rig.said_log()))
    if (!l.value("chime", false)) lines.push_back(std::move(l));
  check_english_speech(lines, seen, {j.phone, j.rep_phone});
  // The session ended: the next participant starts in the normal layout.
  const Snapshot s = k.settled();
  CHECK(s.screen() == "attract");
  CHECK(!s.low_layout());
  CHECK(k.stop() == 0);
}

TEST_CASE("a11y UI: at 200 % text no two widgets overlap and none is clipped", "[ui][e2e][a11y]") {
  A11yRig rig;
  rig.start(screens_dir("a11y-200"), {"--speech", "null"});
  KioskUnderTest& k = *rig.kiosk;
  Journey j = korean_general();
  j.text_pct = 200;
  g_run = KeypadRun{};
  g_run.voice = false;
  g_run.traverse = false;
  int looked = 0;
  g_run.check = [&looked](const Snapshot& x) {
    ++looked;
    CHECK(x.j.value("text_scale", 0) == 200);
    check_no_overlap(x);
  };
  keypad_walk(k, j, load_package_model(package_path(j.type)));
  CHECK(looked > 15);
  CHECK(k.stop() == 0);
}

TEST_CASE("a11y UI: a long press starts voice mode and the idle warning is spoken and extended from the keypad",
          "[ui][e2e][a11y]") {
  A11yRig rig;
  // The shortest idle times a site may set: the warning after 30 s, 20 s to answer it.
  rig.start(screens_dir("a11y-idle"), {"--speech", "null", "--speech-log", rig.said_log().string()},
            R"({"idle_seconds": 30, "idle_warning_seconds": 20})");
  KioskUnderTest& k = *rig.kiosk;
  // A tap on the marked place is not enough; a 2 s press is.
  Snapshot s = k.settled();
  REQUIRE(s.has("voice"));
  (void)k.tap("voice", false, Ms(500));
  CHECK(!k.snapshot().voice());
  const Widget* v = k.snapshot().find("voice");
  REQUIRE(v);
  k.input().drag({{v->cx(), v->cy()}, {v->cx(), v->cy() + 1}}, 4, Ms(10), Ms(2400), Ms(200));
  s = k.wait_until([](const Snapshot& x) { return x.voice(); }, "voice mode after a long press");
  (void)kp_leave(k, "start");
  (void)kp_leave(k, "next");
  s = k.wait_until([](const Snapshot& x) { return x.key() == "participation"; }, "participation");
  (void)k.focus_to("type:severe");
  // No key for 30 s: the warning, spoken, with the focus on "more time".
  s = k.wait_until([](const Snapshot& x) { return x.key().ends_with("+idle-warning"); }, "the idle warning", Ms(40000));
  CHECK(s.focus() == "overlay:more");
  (void)check_touch_targets(k.settled());
  std::this_thread::sleep_for(Ms(300));
  bool spoken = false;
  for (const json& l : said(rig.said_log())) spoken = spoken || l.value("text", "").find("초 남았습니다") != std::string::npos;
  CHECK(spoken);
  // 5 extends: the warning goes, the focus is back where it was.
  (void)k.press_key("KP_5");
  s = k.wait_until([](const Snapshot& x) { return x.key() == "participation"; }, "the warning to go after 5");
  CHECK(s.focus() == "type:severe");
  CHECK(s.voice());
  CHECK(k.stop() == 0);
}

// docs/screens/a11y-*.png: the low layout and high contrast with the keypad focus ring, in
// voice mode (Korean), and high contrast in the normal layout at 200 % (English). Saved to
// $KIOSK_UI_SCREENS_OUT (default <build>/ui-screens/a11y-shots).
TEST_CASE("a11y UI: screenshots of the low layout and high contrast", "[.a11y-screens]") {
  const char* out = std::getenv("KIOSK_UI_SCREENS_OUT");
  const fs::path dir = out ? fs::path(out) : screens_dir("a11y-shots");
  {
    A11yRig rig;
    rig.start(dir / "low", {"--speech", "null"});
    Journey j = korean_general();
    j.high_contrast = true;
    g_run = KeypadRun{};
    g_run.traverse = false;
    g_run.low = true;
    keypad_walk(*rig.kiosk, j, load_package_model(package_path(j.type)));
    CHECK(rig.kiosk->stop() == 0);
  }
  {
    A11yRig rig;
    rig.start(dir / "normal", {"--speech", "null"});
    Journey j = english_representative();
    j.high_contrast = true;
    j.text_pct = 200;
    g_run = KeypadRun{};
    g_run.traverse = false;
    g_run.voice = false;
    keypad_walk(*rig.kiosk, j, load_package_model(package_path(j.type)));
    CHECK(rig.kiosk->stop() == 0);
  }
}
