// tests/ui/journey.h: a participant's whole journey through the kiosk, driven through the UI
// driver (ui_driver.h) with Catch2 checks on the way, and the rig the UI tests start (an Xvfb
// and the kiosk in demo mode). Shared by the UI tests (kiosk_ui.e2e.cpp, staff_ui.e2e.cpp);
// not by bench_ui, which links no Catch2.
//
// Thread-safety: none; one test, one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.h"
#include "ui_driver.h"

namespace ui_test {

std::vector<std::string> codes(const std::string& qwerty);  // Hangul: the 2-beolsik keys
std::vector<std::string> latin(const std::string& text);    // Latin: capitals with shift

struct Journey {
  std::string lang = "ko";
  int text_pct = 100;
  bool high_contrast = false;
  std::string type = "general";
  bool representative = false;
  // Identity: the keys pressed and the text they must give.
  std::vector<std::string> family_keys, given_keys;
  std::string family, given;
  // Phone numbers in the 010-0xxx block, which is not given to subscribers; digits that occur
  // nowhere else, so that a memory scan for them finds only the typed ones.
  std::string birth = "19500315", phone = "01004729538", sex = "female";
  std::vector<std::string> rep_family_keys, rep_given_keys;
  std::string rep_family, rep_given, relationship = "MTH", rep_phone = "01005931826";
  // Free-text survey answers: keys and text.
  std::vector<std::string> text_keys;
  std::string text;
  bool drag_reader = true;  // read the consent by dragging (else with the "more" button)
  bool extras = false;      // screenshots: also open the call-staff and cancel overlays on the way
  fs::path shots;           // screenshots: the kiosk's --screenshots dir (to keep the text keyboard's)
};

// The kiosk names a screenshot <lang>-<text %>[-hc]-<screen key>.png.
// A given name of syllables no package or UI text uses (뷁 퓌 뭘), typed on the 2-beolsik keyboard:
// a memory scan for it finds only the typed copies.
inline constexpr const char* kRareName = "뷁퓌뭘";
inline constexpr const char* kRareKeys = "qnpfrvnlanjf";  // ㅂㅜㅔㄹㄱ ㅍㅜㅣ ㅁㅜㅓㄹ

std::string shot_prefix(const Journey& j);
Journey korean_general();          // 김 테스트, general, self-signed, Korean
Journey english_representative();  // Kim Test (a child), rare, signed by a legal representative, English
fs::path package_path(const std::string& type);

// Taps `id` and waits until the screen key differs from before; throws with the validation
// messages shown when the kiosk refused to move on.
Snapshot tap_and_leave(KioskUnderTest& k, const std::string& id, Ms limit = Ms(15000));
std::vector<std::string> errors(const Snapshot& s);
// A valid whole number for a numeric item: the middle of its range, else a bound, else 1.
std::string number_answer(const ItemInfo& it);
// WCAG 2.x contrast of two "#RRGGBB" colours (computed here, not with the kiosk's own code).
double wcag_contrast(const std::string& a, const std::string& b);
// CHECKs that every text colour the screen drew (the record's "text_pairs") has at least 4.5:1
// against the background it was drawn on.
void check_text_contrast(const Snapshot& s);
// The visible part of a widget: its rectangle within its window's view (a widget scrolled
// partly under a scrolling region's edge is seen, and can be tapped, only there).
struct Box {
  double x0, y0, x1, y1;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
};
Box visible(const Widget& w);
// Touch targets (issue 5: >= 12 mm a side with >= 2.5 mm gaps, from the panel's physical size in
// the site config; issue 7: in every mode). A widget kind is a touch target when a finger acts on
// it: "button" (buttons, choices, keyboard keys, the fields that open a keyboard), "pad" (the
// signature pad), "hold" (the staff's long-press corner, on the participant's screen). Not
// targets: "text" (messages), "field" (the keyboard's echo of what is typed), "region" (a
// scrolling content area), "reader" (the consent reader's scrolling body: it is dragged anywhere,
// and its controls are the buttons below it), "kit" (staff: a kit slot shown). Throws for a
// kind it does not know, so that a new one is classified, not skipped.
bool touch_target(const Widget& w);
// CHECKs, on what can be tapped now (under an overlay: only the overlay's widgets; in a
// scrolling region: what is in its view), that every touch target is at least 12 mm wide and
// high, and that every two are at least 2.5 mm apart (the shortest distance between their
// visible rectangles), in the record's px_per_mm. Returns the number of targets checked.
int check_touch_targets(const Snapshot& s);
// CHECKs that the record's px_per_mm is what the site config in `site_json` gives for the
// record's framebuffer: min(width px / panel_width_mm, height px / panel_height_mm) (a size the
// file leaves out: the default, 527 x 296 mm).
void check_px_per_mm(const Snapshot& s, const fs::path& site_json);
// CHECKs that the kiosk's screenshots in `dir` show a drawn screen without the confirm frame of
// the tap that led there (its colour on the left and top edges), and: a 1280x800 PNG of one
// flat colour (nothing rendered but the clear) is under 6 KB; every screen has text, borders
// and buttons and is over 15 KB. At least `min_files` screenshots.
void check_screenshots_drawn(const fs::path& dir, int min_files);
// Where `needle` occurs in the writable memory of process `pid` (its heap, stacks, anonymous
// and shared mappings; read through /proc/PID/mem): one line per hit, "<mapping> +<offset>
// <the 200 bytes around it, printable ASCII>".
std::vector<std::string> find_in_memory(pid_t pid, std::string_view needle);
// Copies of `utf8` (valid, at least 2 characters, all in the BMP) in the process's writable
// memory, as UTF-8, UTF-16 and UTF-32 (find_in_memory's lines). Searched without its first
// character, so that a string emptied but not wiped (clear() overwrites only the first) counts.
std::vector<std::string> copies_in_memory(pid_t pid, const std::string& utf8);
// What the field being edited shows once it reads `expect` (within 5 s), or what it shows then.
std::string await_typed(KioskUnderTest& k, const std::string& expect);
// Home, then "erase" on the cancel confirmation; returns once attract is shown and settled.
void erase_session(KioskUnderTest& k);
// Opens the keyboard on `field`, presses `keys`, checks what the field shows, presses done.
void fill(KioskUnderTest& k, const std::string& field, const std::vector<std::string>& keys, const std::string& expect);
void read_to_end(KioskUnderTest& k, bool drag);
bool answered(const Snapshot& s, const std::string& link);
std::vector<std::string> links_on(const Snapshot& s);
void answer(KioskUnderTest& k, const Journey& j, const ItemInfo& it);
void answer_page(KioskUnderTest& k, const Journey& j, const PackageModel& pkg);
void sign(KioskUnderTest& k);
void choose_settings(KioskUnderTest& k, const Journey& j);
void visit_overlay(KioskUnderTest& k, const std::string& open, const std::string& close);
// Walks from the current screen to `stop_at`, or (empty) through the whole journey: thank you,
// then back to attract.
void walk(KioskUnderTest& k, const Journey& j, const PackageModel& pkg, const std::string& stop_at = "");

// <build>/ui-screens/<name>/, emptied.
fs::path screens_dir(const std::string& name);
// Runs a tool that prints JSON; REQUIREs exit 0.
nlohmann::json run_json(const std::vector<std::string>& argv);
// The enrollment envelope ids the data bank stored (its ingest.db).
std::vector<std::string> enrollment_ids(const fs::path& db_file);
const nlohmann::json* resource(const nlohmann::json& bundle, const std::string& type);
std::string full_url(const nlohmann::json& bundle, const std::string& type);

// An Xvfb of the test's own and the kiosk in demo mode on it, with its data dir in a temp dir.
struct Rig {
  testing_support::TempDir tmp;
  std::unique_ptr<Xvfb> x;
  std::unique_ptr<KioskUnderTest> kiosk;
  fs::path data() const { return tmp.path() / "data"; }
  // The kiosk's --frame-log (ui_test::read_frame_log reads it).
  fs::path frame_log() const { return tmp.path() / "frames.log"; }
  // Starts both and waits for the attract screen with the data bank set up. `site_json`, if
  // given, is written as the data dir's site.json first.
  void start(const fs::path& shots, const std::string& site_json = "", const std::vector<std::string>& extra_args = {});
};

}  // namespace ui_test
