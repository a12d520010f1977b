// tests/ui/journey.cpp: see journey.h.
#include "journey.h"

#include <fcntl.h>
#include <png.h>
#include <unistd.h>
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <set>
#include <thread>

#include "kiosk/keyboard.h"

namespace ui_test {

namespace ts = testing_support;
using nlohmann::json;

std::vector<std::string> codes(const std::string& qwerty) {  // Hangul: the 2-beolsik keys
  std::vector<std::string> out;
  for (char c : qwerty) out.emplace_back(1, c);
  return out;
}

std::vector<std::string> latin(const std::string& text) {  // Latin: capitals with shift
  std::vector<std::string> out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      out.emplace_back("shift");
      out.emplace_back(1, static_cast<char>(c - 'A' + 'a'));
    } else {
      out.emplace_back(1, c);
    }
  }
  return out;
}



// The kiosk names a screenshot <lang>-<text %>[-hc]-<screen key>.png.
std::string shot_prefix(const Journey& j) {
  return j.lang + "-" + std::to_string(j.text_pct) + (j.high_contrast ? "-hc" : "");
}

Journey korean_general() {
  Journey j;
  j.family_keys = codes("rla");  // 김: ㄱ ㅣ ㅁ
  j.family = "김";
  j.given_keys = codes("xptmxm");  // 테스트: ㅌ ㅔ ㅅ ㅡ ㅌ ㅡ (libhangul moves ㅅ to the next syllable)
  j.given = "테스트";
  j.text_keys = codes("xptmxm");
  j.text = "테스트";
  return j;
}

Journey english_representative() {
  Journey j;
  j.lang = "en";
  j.type = "rare";
  j.representative = true;
  j.family_keys = latin("Kim");
  j.family = "Kim";
  j.given_keys = latin("Test");
  j.given = "Test";
  j.birth = "20150601";
  j.phone = "01006842175";
  j.sex = "male";
  j.rep_family_keys = latin("Kim");
  j.rep_family = "Kim";
  j.rep_given_keys = latin("Testrep");
  j.rep_given = "Testrep";
  j.relationship = "MTH";
  j.rep_phone = "01007351942";
  j.text_keys = latin("test");
  j.text = "test";
  j.drag_reader = false;
  return j;
}

fs::path package_path(const std::string& type) { return fs::path(KIOSK_ASSETS_DIR) / "protocols" / (type + ".json"); }

// Taps `id` and waits until the screen key differs from before; throws with the validation
// messages shown when the kiosk refused to move on.
Snapshot tap_and_leave(KioskUnderTest& k, const std::string& id, Ms limit) {
  const std::string before = k.snapshot().key();
  (void)k.tap(id);
  return k.wait_until([&](const Snapshot& s) { return s.key() != before; },
                      "leaving screen " + before + " after tapping \"" + id + "\"", limit);
}

double wcag_contrast(const std::string& a, const std::string& b) {
  auto luminance = [](const std::string& hex) {
    REQUIRE(hex.size() == 7);
    double rgb[3];
    for (int i = 0; i < 3; ++i) {
      const double c = std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16) / 255.0;
      rgb[i] = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  };
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

void check_text_contrast(const Snapshot& s) {
  REQUIRE(s.j.contains("text_pairs"));
  for (const json& p : s.j["text_pairs"]) {
    const std::string fg = p.at(0), bg = p.at(1);
    INFO(s.key() << ": text " << fg << " on " << bg);
    CHECK(wcag_contrast(fg, bg) >= 4.5);
  }
}

Box visible(const Widget& w) {
  return {std::max(w.x, w.clip_x), std::max(w.y, w.clip_y), std::min(w.x + w.w, w.clip_x + w.clip_w),
          std::min(w.y + w.h, w.clip_y + w.clip_h)};
}

bool touch_target(const Widget& w) {
  static const std::set<std::string> targets = {"button", "pad", "hold"};
  static const std::set<std::string> not_targets = {"text", "field", "region", "reader", "kit"};
  if (targets.count(w.kind)) return true;
  if (not_targets.count(w.kind)) return false;
  throw UiError("widget " + w.id + " has a kind the touch-target check does not know: \"" + w.kind + "\"");
}

int check_touch_targets(const Snapshot& s) {
  constexpr double kMinSideMm = 12.0, kMinGapMm = 2.5;
  const double ppm = s.px_per_mm();
  INFO("screen " << s.key() << " (" << s.j.value("text_scale", 0) << " % text" << (s.low_layout() ? ", low layout" : "")
                 << (s.editing().empty() ? "" : ", keyboard for " + s.editing()) << "), " << ppm << " px/mm");
  REQUIRE(ppm > 0);
  // The widget layer works in float pixels: a hair below the limit by rounding is not a defect;
  // a whole pixel (0.4 mm here) is.
  const double eps = 0.01 / ppm;
  std::vector<std::string> problems;
  char buf[256];
  struct Target {
    const Widget* w;
    Box b;
  };
  std::vector<Target> ts;
  for (const Widget& w : s.widgets) {
    if (!touch_target(w)) continue;
    if (s.overlay_shown() && w.id.rfind("overlay:", 0) != 0) continue;  // under the overlay: cannot be tapped
    const Box b = visible(w);
    if (b.empty()) continue;  // scrolled out of its region's view
    ts.push_back({&w, b});
    // Its own size, not its visible part: one scrolled half out of view is whole once scrolled back.
    if (w.w / ppm < kMinSideMm - eps || w.h / ppm < kMinSideMm - eps) {
      std::snprintf(buf, sizeof buf, "%s is %.2f x %.2f mm (%.1f x %.1f px), under %.1f mm", w.id.c_str(), w.w / ppm, w.h / ppm,
                    w.w, w.h, kMinSideMm);
      problems.emplace_back(buf);
    }
  }
  for (std::size_t i = 0; i < ts.size(); ++i)
    for (std::size_t k = i + 1; k < ts.size(); ++k) {
      const Box &a = ts[i].b, &b = ts[k].b;
      // The shortest distance between the rectangles: side by side (they face each other
      // across a column or row gap) or corner to corner (diagonal neighbours).
      const double dx = std::max({0.0, b.x0 - a.x1, a.x0 - b.x1}), dy = std::max({0.0, b.y0 - a.y1, a.y0 - b.y1});
      const double gap = std::hypot(dx, dy);
      if (gap / ppm >= kMinGapMm - eps) continue;
      std::snprintf(buf, sizeof buf, "%s and %s are %.2f mm apart (%.2f px; %.1f mm = %.2f px), %s", ts[i].w->id.c_str(),
                    ts[k].w->id.c_str(), gap / ppm, gap, kMinGapMm, kMinGapMm * ppm,
                    dx > 0 && dy > 0 ? "corner to corner" : dx > 0 ? "side by side" : dy > 0 ? "one above the other" : "overlapping");
      problems.emplace_back(buf);
    }
  std::string all;
  for (const std::string& p : problems) all += "\n  " + p;
  INFO(ts.size() << " touch targets; " << problems.size() << " problems:" << all);
  CHECK(problems.empty());
  return static_cast<int>(ts.size());
}

void check_px_per_mm(const Snapshot& s, const fs::path& site_json) {
  // A key the file leaves out has its default (kiosk/include/kiosk/site_config.h: a 527 x 296 mm
  // panel, 23.8" 16:9).
  const json site = json::parse(ts::read_all(site_json));
  const double pw = site.value("panel_width_mm", 527.0), ph = site.value("panel_height_mm", 296.0);
  REQUIRE(s.j.contains("framebuffer"));
  const double fw = s.j["framebuffer"].at(0), fh = s.j["framebuffer"].at(1);
  INFO("site.json panel " << pw << " x " << ph << " mm, framebuffer " << fw << " x " << fh << " px, record "
                          << s.px_per_mm() << " px/mm");
  CHECK(std::fabs(s.px_per_mm() - std::min(fw / pw, fh / ph)) < 1e-4);
}

namespace {

// The colours of a PNG's pixels, as "#RRGGBB", at each (x, y), where -1 is the middle of the
// image (the file decoded once); an empty string where it cannot be read.
std::vector<std::string> png_pixels(const fs::path& file, const std::vector<std::pair<int, int>>& at) {
  std::vector<std::string> out(at.size());
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, file.c_str())) return out;
  img.format = PNG_FORMAT_RGB;
  std::vector<unsigned char> px(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) return out;
  for (std::size_t i = 0; i < at.size(); ++i) {
    const int x = at[i].first == -1 ? static_cast<int>(img.width / 2) : at[i].first;
    const int y = at[i].second == -1 ? static_cast<int>(img.height / 2) : at[i].second;
    if (x < 0 || y < 0 || x >= static_cast<int>(img.width) || y >= static_cast<int>(img.height)) continue;
    const std::size_t o = (static_cast<std::size_t>(y) * img.width + static_cast<std::size_t>(x)) * 3;
    char hex[8];
    std::snprintf(hex, sizeof hex, "#%02X%02X%02X", px[o], px[o + 1], px[o + 2]);
    out[i] = hex;
  }
  return out;
}

}  // namespace

void check_screenshots_drawn(const fs::path& dir, int min_files) {
  int n = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".png") continue;
    ++n;
    INFO(e.path().filename().string() << ": " << e.file_size() << " bytes");
    CHECK(e.file_size() > 10000);
    // Not the confirm frame of the tap that led there (a 1.5 mm line in the focus-ring colour
    // along every edge for 150 ms; theme.cpp: #B34700, high contrast #00E5FF): nothing else
    // touches the screen's edge, so its left middle and top middle pixels say.
    const std::vector<std::string> edge = png_pixels(e.path(), {{1, -1}, {-1, 1}});
    const std::string &left = edge[0], &top = edge[1];
    INFO("left edge " << left << ", top edge " << top);
    REQUIRE(!left.empty());
    REQUIRE(!top.empty());
    const bool framed = (left == "#B34700" || left == "#00E5FF") && left == top;
    CHECK_FALSE(framed);
  }
  CHECK(n >= min_files);
}

std::vector<std::string> errors(const Snapshot& s) {
  std::vector<std::string> out;
  for (const Widget& w : s.widgets)
    if (w.id == "error") out.push_back(w.label);
  return out;
}

std::string await_typed(KioskUnderTest& k, const std::string& expect) {
  // A tap returns on the first settled change; on a loaded machine that can be a frame drawn
  // before the last key's release was handled, so the text is awaited (a lost key still fails).
  try {
    return k.wait_until([&](const Snapshot& s) { return s.typed() == expect; }, "the field to show \"" + expect + "\"", Ms(5000)).typed();
  } catch (const UiError&) {
    return k.snapshot().typed();
  }
}

void erase_session(KioskUnderTest& k) {
  (void)k.tap("home");
  (void)k.wait_until([](const Snapshot& x) { return x.has("overlay:erase"); }, "the cancel confirmation");
  (void)k.tap("overlay:erase");
  (void)k.wait_until([](const Snapshot& x) { return x.screen() == "attract"; }, "attract after erase");
  (void)k.wait_quiet();
}

// Opens the keyboard on `field`, presses `keys`, checks what the field shows, presses done.
void fill(KioskUnderTest& k, const std::string& field, const std::vector<std::string>& keys, const std::string& expect) {
  (void)k.tap("field:" + field);
  (void)k.wait_until([&](const Snapshot& s) { return s.editing() == field && s.has("key:done"); }, "the keyboard for " + field);
  k.keys(keys);
  const std::string typed = await_typed(k, expect);
  INFO("field " << field);
  CHECK(typed == expect);
  const Snapshot open = k.settled();
  (void)check_touch_targets(open);  // with the keyboard open
  k.await_screenshot(open);
  (void)k.tap("key:done");
  (void)k.wait_until([](const Snapshot& x) { return x.editing().empty(); }, "the keyboard to close after " + field);
}

// Consent reader: to the end, by dragging the text or with the "more" button.
void read_to_end(KioskUnderTest& k, bool drag) {
  for (int i = 0; i < 80; ++i) {
    Snapshot s = k.snapshot();
    const Widget* next = s.find("next");
    REQUIRE(next);
    if (next->enabled) return;
    if (i == 0) CHECK(s.find("more")->enabled);  // not agreeable before the end was reached
    if (drag) {
      const Widget* r = s.find("reader");
      REQUIRE(r);
      const double x = r->x + r->w * 0.45, y0 = r->y + r->h - 20, y1 = r->y + 20;
      k.input().drag({{x, y0}, {x, y1}}, 32, Ms(10), Ms(150));
      (void)k.wait_change(s.raw, Ms(150), false);
    } else {
      (void)k.tap("more", false, Ms(300));
    }
  }
  FAIL("the consent text never reached its end");
}

bool answered(const Snapshot& s, const std::string& link) {
  for (const Widget& w : s.widgets) {
    if (link_of(w.id) != link) continue;
    if (w.id.rfind("item:", 0) == 0 && w.selected) return true;
    if (w.id.rfind("field:", 0) == 0 && w.label.find_first_not_of(' ') != std::string::npos) return true;
  }
  return false;
}

// The linkIds of the form items on screen, in drawing order.
std::vector<std::string> links_on(const Snapshot& s) {
  std::vector<std::string> out;
  for (const Widget& w : s.widgets) {
    const std::string l = link_of(w.id);
    if (!l.empty() && std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

std::string number_answer(const ItemInfo& it) {
  double v = 1;
  if (it.min_value && it.max_value) v = std::floor((*it.min_value + *it.max_value) / 2);
  else if (it.min_value) v = std::ceil(*it.min_value);
  else if (it.max_value) v = std::floor(*it.max_value);
  return std::to_string(static_cast<long long>(std::max(0.0, v)));
}

void answer(KioskUnderTest& k, const Journey& j, const ItemInfo& it) {
  const std::string& l = it.link_id;
  if (it.type == "boolean") {
    (void)k.tap("item:" + l + ":yes");
  } else if (it.type == "choice" || it.type == "open-choice") {
    (void)k.tap("item:" + l + ":0");
  } else if (it.type == "integer" || it.type == "decimal") {
    const std::string digits = number_answer(it);
    fill(k, l, codes(digits), digits);
  } else if (it.type == "date") {
    fill(k, l, codes("20200101"), "20200101");
  } else {  // string, text
    fill(k, l, j.text_keys, j.text);
  }
}

// A page of form items: consent choices (every item accepted: "yes", the first option),
// comprehension (the correct option) or a survey page (required items; then whatever the
// page's validation names). Then "next", until the screen changes.
void answer_page(KioskUnderTest& k, const Journey& j, const PackageModel& pkg) {
  std::set<std::string> also;  // items the validation asked for
  for (int pass = 0; pass < 5; ++pass) {
    Snapshot s = k.settled();
    const std::string screen = s.screen(), key = s.key();
    for (const std::string& link : links_on(s)) {
      const ItemInfo* it = pkg.find(link);
      if (!it) FAIL("item " << link << " on screen " << key << " is not in the package");
      if (answered(k.snapshot(), link)) continue;
      if (screen == "comprehension") {
        // The package marks the right option with the bbd correct-answer extension
        // (assets/protocols/<type>.json: answerOption.extension correct-answer = true); the
        // option widgets are numbered in answerOption order. A wrong answer would keep the page
        // and show the explanation.
        REQUIRE(it->correct >= 0);
        (void)k.tap("item:" + link + ":" + std::to_string(it->correct));
      } else if (screen == "consent-choose" || it->required || also.count(link)) {
        answer(k, j, *it);
      }
    }
    (void)k.tap("next");
    const Snapshot after = k.wait_until(
        [&](const Snapshot& x) { return x.key() != key || !errors(x).empty(); }, "the page " + key + " to move on or say why");
    if (after.key() != key) return;
    // Refused: every message is drawn just after its item; answer those items too.
    std::string last_link;
    for (const Widget& w : after.widgets) {
      if (!link_of(w.id).empty()) last_link = link_of(w.id);
      if (w.id == "error" && !last_link.empty()) also.insert(last_link);
    }
    INFO("page " << key << " refused: " << after.raw);
    REQUIRE(!also.empty());
  }
  FAIL("page " << k.snapshot().key() << " kept refusing");
}

void sign(KioskUnderTest& k) {
  const Snapshot s = k.scroll_into_view("pad");
  const Widget* p = s.find("pad");
  REQUIRE(p);
  auto at = [&](double fx, double fy) { return std::make_pair(p->x + p->w * fx, p->y + p->h * fy); };
  k.input().drag({at(0.12, 0.6), at(0.25, 0.25), at(0.38, 0.7), at(0.52, 0.3), at(0.66, 0.65), at(0.8, 0.35), at(0.88, 0.55)}, 20,
                 Ms(10), Ms(60));
  (void)k.wait_quiet(Ms(100));
  (void)k.wait_until([](const Snapshot& x) { return x.find("next") && x.find("next")->enabled; }, "the signature to be accepted");
}

void choose_settings(KioskUnderTest& k, const Journey& j) {
  Snapshot s = k.snapshot();
  if (!s.find("lang:" + j.lang)->selected) s = k.tap("lang:" + j.lang);
  if (!s.find("size:" + std::to_string(j.text_pct))->selected) s = k.tap("size:" + std::to_string(j.text_pct));
  const std::string hc = j.high_contrast ? "contrast:on" : "contrast:off";
  if (!k.snapshot().find(hc)->selected) (void)k.tap(hc);
  s = k.settled();
  CHECK(s.j.value("language", "") == j.lang);
  CHECK(s.j.value("text_scale", 0) == j.text_pct);
  k.await_screenshot(s);  // the language screen in the chosen mode (the kiosk saves it once the confirm frame is gone)
}

// An overlay opened and closed again (screenshots; and a check that it gives the screen back).
void visit_overlay(KioskUnderTest& k, const std::string& open, const std::string& close) {
  const std::string key = k.snapshot().key();
  (void)k.tap(open);
  (void)k.wait_until([&](const Snapshot& s) { return s.has(close); }, "the overlay after " + open);
  const Snapshot shown = k.settled();
  (void)check_touch_targets(shown);
  k.await_screenshot(shown);
  (void)k.tap(close);
  (void)k.wait_until([&](const Snapshot& s) { return s.key() == key && !s.overlay_shown(); }, "the overlay to close");
}

// Walks from the current screen to `stop_at`, or (empty) through the whole journey: thank you,
// then back to attract.
void walk(KioskUnderTest& k, const Journey& j, const PackageModel& pkg, const std::string& stop_at) {
  std::set<std::string> extras_done;
  for (int step = 0; step < 80; ++step) {
    const Snapshot s = k.settled();
    const std::string screen = s.screen();
    check_text_contrast(s);
    (void)check_touch_targets(s);
    if (screen != "submitting") k.await_screenshot(s);  // (submitting passes too quickly to be saved)
    if (screen == stop_at) return;
    if (j.extras && !extras_done.count(screen) && s.has("staff") && s.has("home") && !s.overlay_shown() && screen != "attract") {
      extras_done.insert(screen);
      if (screen == "participation") visit_overlay(k, "staff", "overlay:close");
      if (screen == "signer") visit_overlay(k, "home", "overlay:continue");
    }
    if (screen == "attract") {
      (void)tap_and_leave(k, "start");
    } else if (screen == "language") {
      choose_settings(k, j);
      (void)tap_and_leave(k, "next");
      if (j.extras && !extras_done.count("language:back")) {  // back: the language screen in this mode
        extras_done.insert("language:back");
        (void)tap_and_leave(k, "back");
        (void)tap_and_leave(k, "next");
      }
    } else if (screen == "participation") {
      (void)tap_and_leave(k, "type:" + j.type);
    } else if (screen == "signer") {
      (void)tap_and_leave(k, j.representative ? "signer:representative" : "signer:self");
    } else if (screen == "consent-read") {
      read_to_end(k, j.drag_reader);
      (void)tap_and_leave(k, "next");
    } else if (screen == "consent-choose" || screen == "comprehension" || screen == "survey") {
      answer_page(k, j, pkg);
    } else if (screen == "identity") {
      fill(k, "family", j.family_keys, j.family);
      if (!j.shots.empty()) {  // the next keyboard (digits) will take this name: keep the text one
        const std::string p = shot_prefix(j) + "-identity_keyboard";
        std::error_code ec;
        fs::copy_file(j.shots / (p + ".png"), j.shots / (p + "-text.png"), fs::copy_options::overwrite_existing, ec);
      }
      fill(k, "given", j.given_keys, j.given);
      fill(k, "birth", codes(j.birth), j.birth);
      fill(k, "phone", codes(j.phone), j.phone);
      (void)k.tap("sex:" + j.sex);
      if (j.representative) {
        fill(k, "rep:family", j.rep_family_keys, j.rep_family);
        fill(k, "rep:given", j.rep_given_keys, j.rep_given);
        // The representative consent asked for the relationship already (its first option,
        // mother); the identity screen carries it over.
        if (!k.snapshot().find("rel:" + j.relationship)->selected) (void)k.tap("rel:" + j.relationship);
        CHECK(k.snapshot().find("rel:" + j.relationship)->selected);
        fill(k, "rep:phone", codes(j.rep_phone), j.rep_phone);
      }
      INFO("identity: " << k.snapshot().raw);
      (void)tap_and_leave(k, "next");
    } else if (screen == "signature") {
      sign(k);
      (void)tap_and_leave(k, "next");
    } else if (screen == "review") {
      (void)k.tap("submit");
      (void)k.wait_until([](const Snapshot& x) { return x.screen() == "thank-you" || x.screen() == "submit-failed"; },
                         "the thank-you screen after submit", Ms(30000));
      REQUIRE(k.snapshot().screen() == "thank-you");
    } else if (screen == "thank-you") {
      (void)tap_and_leave(k, "finish");
      REQUIRE(k.snapshot().screen() == "attract");
      return;
    } else if (screen == "submitting") {
      std::this_thread::sleep_for(Ms(100));
    } else {
      FAIL("unexpected screen " << s.key());
    }
  }
  FAIL("the journey did not end within 80 screens");
}

fs::path screens_dir(const std::string& name) {
  const fs::path d = fs::path(KIOSK_UI_SCREENS_DIR) / name;
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d, ec);
  return d;
}

json run_json(const std::vector<std::string>& argv) {
  const ts::ProcessResult r = ts::run_process(argv, Ms(60000));
  INFO(argv[0] << " " << argv[1] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::vector<std::string> enrollment_ids(const fs::path& db_file) {
  sqlite3* db = nullptr;
  std::vector<std::string> ids;
  REQUIRE(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT id FROM envelopes WHERE kind = 'enrollment' ORDER BY id", -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ids;
}

const json* resource(const json& bundle, const std::string& type) {
  for (const json& e : bundle.at("entry"))
    if (e.at("resource").value("resourceType", "") == type) return &e.at("resource");
  return nullptr;
}

std::string full_url(const json& bundle, const std::string& type) {
  for (const json& e : bundle.at("entry"))
    if (e.at("resource").value("resourceType", "") == type) return e.value("fullUrl", "");
  return "";
}

std::vector<std::string> find_in_memory(pid_t pid, std::string_view needle) {
  std::vector<std::string> hits;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(maps);
  REQUIRE(mem >= 0);
  std::string line;
  std::vector<char> buf;
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || perms[1] != 'w') continue;
    const std::size_t name_at = line.find('/') != std::string::npos ? line.find('/') : line.find('[');
    const std::string name = name_at == std::string::npos ? "anon" : line.substr(name_at);
    buf.resize(hi - lo);
    const ssize_t got = ::pread(mem, buf.data(), buf.size(), static_cast<off_t>(lo));
    if (got <= 0) continue;  // a guard page or a device mapping
    const std::string_view region(buf.data(), static_cast<std::size_t>(got));
    for (std::size_t at = region.find(needle); at != std::string_view::npos; at = region.find(needle, at + 1)) {
      // With what surrounds it, printable, to tell whose copy it is.
      std::string ctx(region.substr(at >= 96 ? at - 96 : 0, 200));
      for (char& c : ctx)
        if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '.';
      hits.push_back(name + " +" + std::to_string(at) + " <" + ctx + ">");
    }
  }
  ::close(mem);
  return hits;
}

std::vector<std::string> copies_in_memory(pid_t pid, const std::string& utf8) {
  const std::optional<std::u32string> decoded = kiosk::from_utf8(utf8);
  REQUIRE(decoded);
  const std::u32string& u32 = *decoded;
  std::u16string u16;
  for (char32_t c : u32) {
    REQUIRE(c < 0x10000);  // one UTF-16 unit a character: a needle beyond the BMP would be searched wrongly
    u16.push_back(static_cast<char16_t>(c));
  }
  REQUIRE(u32.size() >= 2);
  // Without the first character: a string emptied by clear() keeps the rest of its characters
  // (the first becomes the terminator), and that is a copy too.
  const std::string rest = kiosk::to_utf8(std::u32string_view(u32).substr(1));
  std::vector<std::string> all;
  for (const std::string_view needle : {std::string_view(rest),
                                        std::string_view(reinterpret_cast<const char*>(u16.data() + 1), (u16.size() - 1) * 2),
                                        std::string_view(reinterpret_cast<const char*>(u32.data() + 1), (u32.size() - 1) * 4)}) {
    for (std::string& h : find_in_memory(pid, needle)) all.push_back(std::move(h));
  }
  return all;
}

void Rig::start(const fs::path& shots, const std::string& site_json, const std::vector<std::string>& extra_args) {
  x = std::make_unique<Xvfb>(1280, 800);
  if (!site_json.empty()) {
    fs::create_directories(data());
    ts::write_all(data() / "site.json", site_json);
  }
  KioskOptions o;
  o.data_dir = data();
  o.widgets_file = tmp.path() / "widgets.json";
  o.screenshots = shots;
  o.extra_args = {"--frame-log", frame_log().string()};
  o.extra_args.insert(o.extra_args.end(), extra_args.begin(), extra_args.end());
  kiosk = std::make_unique<KioskUnderTest>(x->display(), o);
  kiosk->wait_ready(Ms(60000));
  check_px_per_mm(kiosk->settled(), data() / "site.json");  // the kiosk wrote its default if there was none
}

}  // namespace ui_test
