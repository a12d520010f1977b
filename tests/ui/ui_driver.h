// tests/ui: drives the real kiosk app through real X11 input, for the UI test
// (kiosk_ui.e2e.cpp), the screenshot script (scripts/screens.sh) and the UI benchmark
// (tests/bench/bench_ui.cpp).
//
//   Xvfb        an X server of our own (Xvfb -displayfd picks a free display), ended by its PID.
//   KioskUnderTest
//               `kiosk --demo --test-widgets W.json ...` on that display. W.json is the kiosk's
//               record of the visible widgets (id, label, rectangle), rewritten whenever they
//               change; the driver reads it to find where to tap and to see what happened.
//   XInput      XTest: pointer motion, press and release as if from a mouse or touch panel. The
//               kiosk cannot tell these from real input; nothing else reaches it.
//
// Every wait is bounded; a failure throws UiError naming the screen, the widget and the wait.
//
// Thread-safety: none; one driver per test, used from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

namespace ui_test {

namespace fs = std::filesystem;
using Ms = std::chrono::milliseconds;

struct UiError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The Xvfb binary, or "" when it is not installed.
std::string find_xvfb();

// An X server of our own on a free display. Throws UiError (saying to install xvfb) when Xvfb
// is missing or does not start within 15 s.
class Xvfb {
 public:
  Xvfb(int width, int height);
  ~Xvfb();  // SIGTERM, then SIGKILL after 5 s
  Xvfb(const Xvfb&) = delete;
  Xvfb& operator=(const Xvfb&) = delete;
  const std::string& display() const { return display_; }  // ":N"
  pid_t pid() const { return child_->pid(); }

 private:
  std::unique_ptr<testing_support::Child> child_;
  std::string display_;
};

// Synthetic pointer input through XTest, in the coordinates of one top-level window.
class XInput {
 public:
  explicit XInput(const std::string& display);
  ~XInput();
  XInput(const XInput&) = delete;
  XInput& operator=(const XInput&) = delete;
  // Finds the window named `title` and remembers its origin on the screen.
  void attach(const std::string& title, Ms limit);
  void move(double x, double y);  // window coordinates
  void down();
  void up();
  // Move, press, hold briefly, release (a finger's tap).
  void tap(double x, double y);
  // Presses and releases the key with this X keysym name ("KP_2", "KP_Enter", "Tab", "KP_Add"),
  // as a physical keypad would (XTest key events; the pointer does not move).
  void key(const std::string& keysym);
  // Press at `from`, move through the points in steps of at most `step` px, pausing
  // `step_pause` between steps, hold still for `hold` at the end, release, and wait `after`.
  void drag(const std::vector<std::pair<double, double>>& path, double step = 12, Ms step_pause = Ms(12),
            Ms hold = Ms(200), Ms after = Ms(200));
  // Move, press, hold still for `hold`, release (a long press).
  void press_and_hold(double x, double y, Ms hold);
  // Key presses on the X keyboard as a USB barcode scanner in keyboard mode sends them: each
  // printable ASCII character of `text` (Shift for capitals), then Return, `gap` apart.
  // Throws UiError for a character the X keymap cannot type.
  void type_keys(const std::string& text, Ms gap, bool enter = true);
  // What the window shows now, as the X server holds it (not what the app last drew into its
  // back buffer): RGB, row by row from the top.
  std::vector<unsigned char> grab(int& width, int& height);
  // Tells the window its contents were lost (an Expose, as when a window over it goes away).
  void expose();

 private:
  void sync();
  void* dpy_ = nullptr;  // Display*
  int ox_ = 0, oy_ = 0;
  unsigned long window_ = 0;  // Window: key events are sent with the input focus on it
};

struct Widget {
  std::string id, label, kind;
  double x = 0, y = 0, w = 0, h = 0;
  bool enabled = true, selected = false;
  bool focusable = false, focused = false, clipped = false;  // keypad focus (issue 7)
  // The visible part of the window it is drawn in (a scrolling region's view): x, y, w, h.
  double clip_x = 0, clip_y = 0, clip_w = 0, clip_h = 0;
  std::string name;  // what the voice calls it when its label is a value (a text field: its label)
  double cx() const { return x + w / 2; }
  double cy() const { return y + h / 2; }
};

// One reading of W.json.
struct Snapshot {
  std::string raw;
  nlohmann::json j;
  std::vector<Widget> widgets;
  std::string screen() const { return j.value("screen", ""); }
  std::string key() const { return j.value("key", ""); }
  bool ready() const { return j.value("ready", false); }
  std::string editing() const { return j.value("editing", ""); }
  std::string typed() const { return j.value("typed", ""); }
  int frame() const { return j.value("frame", 0); }
  bool stable() const { return j.value("stable", true); }  // drawn twice the same: settled
  const Widget* find(const std::string& id) const;  // the first widget with this id
  bool has(const std::string& id) const { return find(id) != nullptr; }
  bool overlay_shown() const;                       // a full-screen overlay is up
  std::vector<const Widget*> with_prefix(const std::string& prefix) const;
  std::string ids() const;  // all widget ids, for messages
  // Keypad focus and voice (issue 7).
  std::string focus() const { return j.value("focus", ""); }
  std::vector<std::string> focus_order() const;  // ids in the order the keypad visits them
  bool voice() const { return j.value("voice", false); }
  bool low_layout() const { return j.value("low_layout", false); }
  // The window the screens draw into: x, y, w, h (the low layout's band, or the whole screen).
  std::vector<double> window() const;
  // Titles drawn, in order (a screen's first; an overlay's last); pixels per millimetre of the panel.
  std::vector<std::string> titles() const { return j.value("titles", std::vector<std::string>{}); }
  double px_per_mm() const { return j.value("px_per_mm", 0.0); }
};

struct KioskOptions {
  fs::path data_dir;
  fs::path widgets_file;
  fs::path screenshots;  // empty: none
  std::string windowed = "1280x800";  // empty: full screen
  std::vector<std::string> extra_args;
};

// The kiosk app, started in demo mode on the given display.
class KioskUnderTest {
 public:
  KioskUnderTest(const std::string& display, KioskOptions options);
  ~KioskUnderTest();  // kills it if still running (stop() is the clean way)

  pid_t pid() const { return child_ ? child_->pid() : -1; }
  // Reads W.json (waits up to `limit` for it to exist and parse).
  Snapshot snapshot(Ms limit = Ms(10000));
  // The current record once it is settled (see Snapshot::stable).
  Snapshot settled(Ms limit = Ms(10000));
  // Waits until `pred` holds for a snapshot; throws naming `what` otherwise.
  Snapshot wait_until(const std::function<bool(const Snapshot&)>& pred, const std::string& what, Ms limit = Ms(10000));
  // Waits for W.json to differ from `before` and then to stay the same for a moment. Returns
  // nullopt if nothing changed within `limit` (when `must_change` is false) or throws.
  std::optional<Snapshot> wait_change(const std::string& before, Ms limit, bool must_change);
  // Waits until W.json has not changed for `quiet` (nothing moves: scrolling and its inertia have
  // stopped) and is settled; gives up quietly after `limit`.
  Snapshot wait_quiet(Ms quiet = Ms(200), Ms limit = Ms(5000));
  // Waits for the attract screen with its data bank set up, then attaches the input.
  void wait_ready(Ms limit = Ms(60000));

  XInput& input() { return *input_; }
  // Taps the widget `id` at its centre, scrolling it into view first when it is inside the
  // scrolling content region. Refuses (throws) when it is disabled or an overlay hides it.
  // Waits up to `limit` for W.json to change; throws if it does not and `expect_change`.
  Snapshot tap(const std::string& id, bool expect_change = true, Ms limit = Ms(10000));
  // Presses the widget `id` at its centre, holds it still for `ms`, releases; then waits as tap()
  // does for the record to change.
  Snapshot hold(const std::string& id, Ms ms, bool expect_change = true, Ms limit = Ms(10000));
  // A barcode scanner's burst: `text` and Enter typed on the X keyboard, `gap` between keys.
  void scan(const std::string& text, Ms gap = Ms(4));
  // Scrolls the content region until `id` is fully inside it.
  Snapshot scroll_into_view(const std::string& id);
  // One drag of the content region by `dy` pixels of finger movement (negative: finger moves
  // up, content scrolls down), starting on a point no widget covers.
  void drag_content(const Snapshot& s, double dy);
  // Presses the keys, each a key code ("r", "1", "shift", "done"...), on the on-screen keyboard.
  void keys(const std::vector<std::string>& codes);
  // Types Latin text on the Latin keyboard (capitals with shift).
  void type_latin(const std::string& text);
  void type_digits(const std::string& digits);

  // Keypad (issue 7): no pointer at all.
  // Presses `keysym` and waits (bounded) for the widget record to change.
  Snapshot press_key(const std::string& keysym, bool expect_change = true, Ms limit = Ms(5000));
  // Moves the focus to `id` with 2 / 8 (whichever way is shorter), checking that each press moves
  // it one place in the focus order. Throws when `id` is not in the order.
  Snapshot focus_to(const std::string& id);
  // focus_to(id), then 5 (activate). Waits for the record to change.
  Snapshot activate(const std::string& id, bool expect_change = true, Ms limit = Ms(10000));

  // With --screenshots: waits (up to `limit`, quietly) until the kiosk has saved the screenshot
  // of the screen `s` shows (named as the kiosk names it: <lang>-<text %>[-hc]-<key>[+keyboard]).
  // The kiosk saves it once the screen is settled and the confirm flash of the tap that led
  // there (150 ms) is over; a driver that moves on sooner leaves the screen without one.
  void await_screenshot(const Snapshot& s, Ms limit = Ms(3000));

  // Lines the kiosk printed on stdout so far.
  const std::vector<std::string>& stdout_lines();
  // SIGTERM and wait (bounded); returns the exit status (-1 for a signal or a timeout).
  int stop(Ms limit = Ms(20000));

 private:
  std::string display_;
  KioskOptions opt_;
  std::unique_ptr<testing_support::Child> child_;
  std::unique_ptr<XInput> input_;
  std::vector<std::string> lines_;
};

// What the driver needs to know of a protocol package (assets/protocols/<type>.json).
struct ItemInfo {
  std::string link_id, type;  // FHIR item type: boolean, choice, integer, decimal, date, string...
  bool required = false;
  int options = 0;
  int correct = -1;  // index of the answerOption with the bbd correct-answer extension
  std::optional<double> min_value, max_value;
};
struct PackageModel {
  std::map<std::string, ItemInfo> items;  // by linkId (unique within a package)
  const ItemInfo* find(const std::string& link) const;
};
PackageModel load_package_model(const fs::path& package_json);

// The linkId of a form widget id ("item:<link>:yes", "item:<link>:2", "field:<link>"), or "".
std::string link_of(const std::string& widget_id);

// One line of the kiosk's --frame-log: a frame drawn, when it ended and what it cost.
struct FrameRecord {
  long long steady_ms = 0;  // steady clock at the frame's end
  long long cpu_us = 0;     // process CPU time (all threads, the GL driver's too) of the frame
  long long ui_cpu_us = 0;  // the UI thread's share
};
// The frames of a frame log (read once the kiosk has closed it), in order. A line that is not
// exactly "<ms> <us> <us>" is damage: `error` names the first such line and its number, and
// the frames before it are returned; `error` is empty for a whole log.
std::vector<FrameRecord> read_frame_log(const fs::path& file, std::string& error);

}  // namespace ui_test
