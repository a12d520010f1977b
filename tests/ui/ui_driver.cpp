#include "ui_driver.h"

#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/keysym.h>
#include <X11/extensions/XTest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace ui_test {

namespace ts = testing_support;
using Clock = std::chrono::steady_clock;

namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(Ms(ms)); }

// KIOSK_UI_TRACE=1: every tap, drag and wait on stderr, with milliseconds since the start.
void trace(const std::string& what) {
  static const bool on = std::getenv("KIOSK_UI_TRACE") != nullptr;
  static const auto t0 = Clock::now();
  if (on)
    std::fprintf(stderr, "[ui %7lld ms] %s\n",
                 static_cast<long long>(std::chrono::duration_cast<Ms>(Clock::now() - t0).count()), what.c_str());
}

Display* D(void* p) { return static_cast<Display*>(p); }

// Widgets drawn outside the scrolling content region (bars, keyboard, overlays, the consent
// reader's buttons): never scrolled.
bool outside_content(const std::string& id, const std::string& screen) {
  static const char* fixed[] = {"back", "staff", "home", "question", "more", "start", "finish", "retry", "content", "reader", "submit", "voice"};
  for (const char* f : fixed)
    if (id == f) return true;
  if (id.rfind("key:", 0) == 0 || id.rfind("overlay:", 0) == 0) return true;
  if (id == "next" && screen == "consent-read") return true;
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
std::string find_xvfb() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  dirs += ":/usr/bin";
  std::stringstream ss(dirs);
  std::string d;
  while (std::getline(ss, d, ':')) {
    if (d.empty()) continue;
    const fs::path p = fs::path(d) / "Xvfb";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

Xvfb::Xvfb(int width, int height) {
  const std::string xvfb = find_xvfb();
  if (xvfb.empty())
    throw UiError("Xvfb is not installed: the UI test needs its own X server (Debian package xvfb; scripts/deps.sh installs it)");
  // -displayfd: Xvfb chooses a free display number and writes it to our pipe when it is ready.
  child_ = std::make_unique<ts::Child>(std::vector<std::string>{xvfb, "-displayfd", "1", "-screen", "0",
                                                                 std::to_string(width) + "x" + std::to_string(height) + "x24",
                                                                 "-nolisten", "tcp", "-noreset"});
  std::vector<std::string> lines;
  const auto end = Clock::now() + Ms(15000);
  while (lines.empty() && Clock::now() < end) child_->read_lines(lines, Ms(200));
  if (lines.empty() || lines[0].empty() || lines[0].find_first_not_of("0123456789") != std::string::npos)
    throw UiError("Xvfb did not start within 15 s (no display number on its -displayfd)");
  display_ = ":" + lines[0];
}

Xvfb::~Xvfb() {
  if (child_ && child_->pid() > 0) {
    ::kill(child_->pid(), SIGTERM);
    (void)child_->wait(Ms(5000));  // kills it if it does not end by then
  }
}

// ---------------------------------------------------------------------------------------------
XInput::XInput(const std::string& display) {
  dpy_ = XOpenDisplay(display.c_str());
  if (!dpy_) throw UiError("cannot open the X display " + display);
  int ev = 0, err = 0, major = 0, minor = 0;
  if (!XTestQueryExtension(D(dpy_), &ev, &err, &major, &minor))
    throw UiError("the X server on " + display + " has no XTEST extension");
}

XInput::~XInput() {
  if (dpy_) XCloseDisplay(D(dpy_));
}

void XInput::attach(const std::string& title, Ms limit) {
  Display* d = D(dpy_);
  const Window root = DefaultRootWindow(d);
  const auto end = Clock::now() + limit;
  for (;;) {
    std::vector<Window> todo{root};
    while (!todo.empty()) {
      Window w = todo.back();
      todo.pop_back();
      char* name = nullptr;
      if (XFetchName(d, w, &name) && name) {
        const bool match = title == name;
        XFree(name);
        if (match) {
          Window child = 0;
          XTranslateCoordinates(d, w, root, 0, 0, &ox_, &oy_, &child);
          window_ = w;
          return;
        }
      }
      Window r = 0, parent = 0, *kids = nullptr;
      unsigned n = 0;
      if (XQueryTree(d, w, &r, &parent, &kids, &n)) {
        for (unsigned i = 0; i < n; ++i) todo.push_back(kids[i]);
        if (kids) XFree(kids);
      }
    }
    if (Clock::now() > end) throw UiError("no window named \"" + title + "\" on the display");
    sleep_ms(50);
  }
}

void XInput::sync() { XSync(D(dpy_), False); }

std::vector<unsigned char> XInput::grab(int& width, int& height) {
  Display* d = D(dpy_);
  XWindowAttributes a{};
  if (window_ == 0 || !XGetWindowAttributes(d, window_, &a)) throw UiError("grab: no window attached");
  XImage* img = XGetImage(d, window_, 0, 0, static_cast<unsigned>(a.width), static_cast<unsigned>(a.height), AllPlanes, ZPixmap);
  if (img == nullptr) throw UiError("grab: XGetImage failed");
  width = a.width;
  height = a.height;
  std::vector<unsigned char> rgb(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const unsigned long px = XGetPixel(img, x, y);
      unsigned char* o = &rgb[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3];
      o[0] = static_cast<unsigned char>((px & img->red_mask) >> __builtin_ctzl(img->red_mask));
      o[1] = static_cast<unsigned char>((px & img->green_mask) >> __builtin_ctzl(img->green_mask));
      o[2] = static_cast<unsigned char>((px & img->blue_mask) >> __builtin_ctzl(img->blue_mask));
    }
  XDestroyImage(img);
  return rgb;
}

void XInput::expose() {
  XClearArea(D(dpy_), window_, 0, 0, 0, 0, True);
  sync();
}

void XInput::move(double x, double y) {
  XTestFakeMotionEvent(D(dpy_), -1, ox_ + static_cast<int>(std::lround(x)), oy_ + static_cast<int>(std::lround(y)), CurrentTime);
  sync();
}

void XInput::down() {
  XTestFakeButtonEvent(D(dpy_), 1, True, CurrentTime);
  sync();
}

void XInput::up() {
  XTestFakeButtonEvent(D(dpy_), 1, False, CurrentTime);
  sync();
}

void XInput::tap(double x, double y) {
  move(x, y);
  sleep_ms(10);
  down();
  sleep_ms(25);
  up();
}

void XInput::key(const std::string& keysym) {
  const KeySym sym = XStringToKeysym(keysym.c_str());
  if (sym == NoSymbol) throw UiError("no X keysym named " + keysym);
  const KeyCode code = XKeysymToKeycode(D(dpy_), sym);
  if (code == 0) throw UiError("the X server has no key for " + keysym);
  XTestFakeKeyEvent(D(dpy_), code, True, CurrentTime);
  sync();
  sleep_ms(15);
  XTestFakeKeyEvent(D(dpy_), code, False, CurrentTime);
  sync();
}

void XInput::drag(const std::vector<std::pair<double, double>>& path, double step, Ms step_pause, Ms hold, Ms after) {
  if (path.empty()) return;
  move(path[0].first, path[0].second);
  sleep_ms(20);
  down();
  sleep_ms(40);
  std::pair<double, double> at = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const double dx = path[i].first - at.first, dy = path[i].second - at.second;
    const int n = std::max(1, static_cast<int>(std::ceil(std::hypot(dx, dy) / step)));
    for (int k = 1; k <= n; ++k) {
      move(at.first + dx * k / n, at.second + dy * k / n);
      std::this_thread::sleep_for(step_pause);
    }
    at = path[i];
  }
  std::this_thread::sleep_for(hold);  // still: no fling when the finger lifts
  up();
  // Let the kiosk draw a frame with the button up: Dear ImGui 1.86 polls the button state once
  // a frame, so a tap whose press arrived in the same frame as this release would be lost.
  std::this_thread::sleep_for(after);
}

void XInput::press_and_hold(double x, double y, Ms hold) {
  move(x, y);
  sleep_ms(20);
  down();
  std::this_thread::sleep_for(hold);
  up();
  sleep_ms(100);  // a frame with the button up (see drag)
}

void XInput::type_keys(const std::string& text, Ms gap, bool enter) {
  Display* d = D(dpy_);
  if (window_) XSetInputFocus(d, static_cast<Window>(window_), RevertToParent, CurrentTime);
  const KeyCode shift = XKeysymToKeycode(d, XK_Shift_L);
  auto key = [&](KeySym sym, bool shifted) {
    const KeyCode kc = XKeysymToKeycode(d, sym);
    if (kc == 0) throw UiError("the X keymap has no key for keysym " + std::to_string(sym));
    if (shifted) XTestFakeKeyEvent(d, shift, True, CurrentTime);
    XTestFakeKeyEvent(d, kc, True, CurrentTime);
    XTestFakeKeyEvent(d, kc, False, CurrentTime);
    if (shifted) XTestFakeKeyEvent(d, shift, False, CurrentTime);
    sync();
    std::this_thread::sleep_for(gap);
  };
  for (char ch : text) {
    if (ch < 0x20 || ch > 0x7E) throw UiError(std::string("type_keys: not printable ASCII: ") + ch);
    // Latin-1 keysyms equal the ASCII code; capitals are the lower-case key with Shift.
    const bool upper = ch >= 'A' && ch <= 'Z';
    const bool shifted_symbol = std::string("~!@#$%^&*()_+{}|:\"<>?").find(ch) != std::string::npos;
    if (shifted_symbol) throw UiError(std::string("type_keys: no shifted symbols in a kit barcode: ") + ch);
    key(static_cast<KeySym>(upper ? ch - 'A' + 'a' : ch), upper);
  }
  if (enter) key(XK_Return, false);
}

// ---------------------------------------------------------------------------------------------
const Widget* Snapshot::find(const std::string& id) const {
  for (const Widget& w : widgets)
    if (w.id == id) return &w;
  return nullptr;
}

bool Snapshot::overlay_shown() const {
  for (const Widget& w : widgets)
    if (w.id.rfind("overlay:", 0) == 0) return true;
  return false;
}

std::vector<const Widget*> Snapshot::with_prefix(const std::string& prefix) const {
  std::vector<const Widget*> out;
  for (const Widget& w : widgets)
    if (w.id.rfind(prefix, 0) == 0) out.push_back(&w);
  return out;
}

std::vector<std::string> Snapshot::focus_order() const {
  std::vector<std::string> out;
  if (j.contains("order"))
    for (const auto& x : j["order"]) out.push_back(x.get<std::string>());
  return out;
}

std::vector<double> Snapshot::window() const {
  std::vector<double> out;
  if (j.contains("window"))
    for (const auto& x : j["window"]) out.push_back(x.get<double>());
  return out;
}

std::string Snapshot::ids() const {
  std::string s, messages;
  for (const Widget& w : widgets) {
    s += (s.empty() ? "" : " ") + w.id;
    if (w.id == "error") messages += (messages.empty() ? "" : " | ") + w.label;
  }
  return messages.empty() ? s : s + "; messages shown: " + messages;
}

namespace {
std::optional<Snapshot> parse_snapshot(const std::string& raw) {
  if (raw.empty()) return std::nullopt;
  Snapshot s;
  s.raw = raw;
  try {
    s.j = nlohmann::json::parse(raw);
    for (const auto& w : s.j.at("widgets")) {
      s.widgets.push_back({w.value("id", ""), w.value("label", ""), w.value("kind", ""), w.value("x", 0.0), w.value("y", 0.0),
                           w.value("w", 0.0), w.value("h", 0.0), w.value("enabled", true), w.value("selected", false),
                           w.value("focusable", false), w.value("focused", false), w.value("clipped", false), 0, 0, 0, 0,
                           w.value("name", "")});
      if (w.contains("clip") && w["clip"].size() == 4) {
        Widget& x = s.widgets.back();
        x.clip_x = w["clip"][0].get<double>();
        x.clip_y = w["clip"][1].get<double>();
        x.clip_w = w["clip"][2].get<double>();
        x.clip_h = w["clip"][3].get<double>();
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return s;
}
}  // namespace

// ---------------------------------------------------------------------------------------------
KioskUnderTest::KioskUnderTest(const std::string& display, KioskOptions options) : display_(display), opt_(std::move(options)) {
  std::error_code ec;
  fs::remove(opt_.widgets_file, ec);
  std::vector<std::string> argv = {ts::bin("kiosk").string(), "--demo", "--data-dir", opt_.data_dir.string(), "--test-widgets",
                                   opt_.widgets_file.string()};
  if (!opt_.windowed.empty()) argv.insert(argv.end(), {"--windowed", opt_.windowed});
  if (!opt_.screenshots.empty()) argv.insert(argv.end(), {"--screenshots", opt_.screenshots.string()});
  argv.insert(argv.end(), opt_.extra_args.begin(), opt_.extra_args.end());
  // Our own X server, whatever DISPLAY this process was started with (the child's environment
  // is a copy of ours; an appended second DISPLAY would lose to the first).
  ::setenv("DISPLAY", display_.c_str(), 1);
  child_ = std::make_unique<ts::Child>(argv);
}

KioskUnderTest::~KioskUnderTest() {
  input_.reset();
  if (child_ && child_->pid() > 0) (void)stop(Ms(10000));
}

const std::vector<std::string>& KioskUnderTest::stdout_lines() {
  if (child_ && child_->pid() > 0) child_->read_lines(lines_, Ms(0));
  return lines_;
}

Snapshot KioskUnderTest::snapshot(Ms limit) {
  const auto end = Clock::now() + limit;
  for (;;) {
    if (auto s = parse_snapshot(ts::read_all(opt_.widgets_file))) return *s;
    if (Clock::now() > end) throw UiError("no readable widget record at " + opt_.widgets_file.string());
    if (child_ && child_->pid() > 0 && ::kill(child_->pid(), 0) != 0) throw UiError("the kiosk is not running");
    sleep_ms(20);
  }
}

Snapshot KioskUnderTest::wait_until(const std::function<bool(const Snapshot&)>& pred, const std::string& what, Ms limit) {
  const auto end = Clock::now() + limit;
  Snapshot s = snapshot(limit);
  // Only a settled record counts: right after a screen change, its first frame's widgets are
  // not tappable yet (Dear ImGui hit-tests against the previous frame's windows).
  while (!s.stable() || !pred(s)) {
    if (Clock::now() > end)
      throw UiError("waited " + std::to_string(limit.count()) + " ms for " + what + "; screen " + s.key() + ", widgets: " + s.ids());
    sleep_ms(20);
    s = snapshot(Ms(5000));
  }
  return s;
}

Snapshot KioskUnderTest::settled(Ms limit) {
  return wait_until([](const Snapshot&) { return true; }, "a settled screen", limit);
}

std::optional<Snapshot> KioskUnderTest::wait_change(const std::string& before, Ms limit, bool must_change) {
  const auto end = Clock::now() + limit;
  std::string raw;
  for (;;) {
    raw = ts::read_all(opt_.widgets_file);
    if (raw != before) {
      // The kiosk marks a record "stable" once the screen has been drawn twice the same (fonts
      // rebuilt, layout done); the record before that is followed by another.
      auto s = parse_snapshot(raw);
      if (s && s->j.value("stable", true)) break;
    }
    if (Clock::now() > end) {
      if (!must_change) return std::nullopt;
      auto s = parse_snapshot(before);
      auto now = parse_snapshot(raw);
      throw UiError("nothing changed on the screen within " + std::to_string(limit.count()) + " ms (screen " +
                    (s ? s->key() : std::string("?")) + (raw != before && now ? ", an unsettled record of frame " +
                    std::to_string(now->frame()) : std::string()) + ")");
    }
    sleep_ms(5);
  }
  // And the same record for a moment (a late record that is not yet stable is waited out).
  auto still = Clock::now();
  bool stable = true;
  const auto settle_end = Clock::now() + Ms(3000);
  while ((!stable || Clock::now() - still < Ms(15)) && Clock::now() < settle_end) {
    sleep_ms(5);
    std::string again = ts::read_all(opt_.widgets_file);
    if (again == raw) continue;
    if (auto s = parse_snapshot(again)) {
      raw = again;
      stable = s->j.value("stable", true);
      still = Clock::now();
    }
  }
  return parse_snapshot(raw);
}

Snapshot KioskUnderTest::wait_quiet(Ms quiet, Ms limit) {
  const auto end = Clock::now() + limit;
  std::string raw = ts::read_all(opt_.widgets_file);
  auto still = Clock::now();
  while (Clock::now() < end) {
    sleep_ms(10);
    std::string again = ts::read_all(opt_.widgets_file);
    if (again != raw) {
      raw = std::move(again);
      still = Clock::now();
    } else if (Clock::now() - still >= quiet) {
      auto s = parse_snapshot(raw);
      if (s && s->stable()) return *s;
    }
  }
  return settled();
}

void KioskUnderTest::wait_ready(Ms limit) {
  const Snapshot s = wait_until(
      [](const Snapshot& x) {
        return x.j.contains("not_ready_reason") ||
               (x.screen() == "attract" && x.ready() && x.find("start") && x.find("start")->enabled);
      },
      "the attract screen with the demo data bank set up", limit);
  if (s.j.contains("not_ready_reason"))
    throw UiError("the kiosk's set-up failed: " + s.j.value("not_ready_reason", ""));
  if (!input_) {
    input_ = std::make_unique<XInput>(display_);
    input_->attach("BBD kiosk", Ms(5000));
  }
}

void KioskUnderTest::drag_content(const Snapshot& s, double dy) {
  const Widget* c = s.find("content");
  if (!c) throw UiError("no scrolling content region on screen " + s.key());
  const double margin = 10;
  auto free_at = [&](double x, double y) {
    for (const Widget& w : s.widgets) {
      if (w.id == "content" || w.id == "reader") continue;
      if (x >= w.x - 3 && x <= w.x + w.w + 3 && y >= w.y - 3 && y <= w.y + w.h + 3) return false;
    }
    return true;
  };
  // Start near the edge the finger moves away from, on a point no widget covers (pressing a
  // button and dragging would tap it on release); keep clear of the scroll bar on the right.
  const bool up = dy < 0;
  const double usable_w = c->w - 60;
  for (double off = margin; off < c->h - margin; off += 4) {
    const double y = up ? c->y + c->h - off : c->y + off;
    for (double fx : {0.5, 0.25, 0.75, 0.05, 0.95}) {
      const double x = c->x + 8 + usable_w * fx;
      if (!free_at(x, y)) continue;
      const double room = up ? (y - (c->y + margin)) : (c->y + c->h - margin - y);
      const double dist = std::min(std::fabs(dy), room);
      if (dist < 30) continue;
      trace("drag content of " + s.key() + " at " + std::to_string(int(x)) + "," + std::to_string(int(y)) + " by " +
            std::to_string(int(up ? -dist : dist)) + " (content y " + std::to_string(int(c->y)) + " h " + std::to_string(int(c->h)) + ")");
      input_->drag({{x, y}, {x, up ? y - dist : y + dist}}, 24, Ms(10), Ms(150), Ms(50));  // then wait_quiet
      return;
    }
  }
  throw UiError("no free spot to drag the content of screen " + s.key());
}

Snapshot KioskUnderTest::scroll_into_view(const std::string& id) {
  Snapshot s = settled();
  for (int attempt = 0; attempt < 16; ++attempt) {
    const Widget* w = s.find(id);
    if (!w) throw UiError("no widget \"" + id + "\" on screen " + s.key() + "; widgets: " + s.ids());
    const Widget* c = s.find("content");
    if (!c || outside_content(id, s.screen())) return s;
    // Inside (to within a few pixels: at the end of the scroll range the last button can stick
    // out by a pixel or two, ImGui rounds sizes): tappable at its centre.
    const double overlap = std::min(w->y + w->h, c->y + c->h) - std::max(w->y, c->y);
    if (overlap >= w->h - 4 && w->cy() > c->y + 4 && w->cy() < c->y + c->h - 4) return s;
    drag_content(s, (c->y + c->h / 2) - w->cy());
    s = wait_quiet();  // until the content stands still
  }
  const Widget* w = s.find(id);
  const Widget* c = s.find("content");
  throw UiError("could not scroll \"" + id + "\" into view on screen " + s.key() + " (widget y " +
                std::to_string(w ? w->y : -1) + " h " + std::to_string(w ? w->h : -1) + ", content y " +
                std::to_string(c ? c->y : -1) + " h " + std::to_string(c ? c->h : -1) + ")");
}

Snapshot KioskUnderTest::tap(const std::string& id, bool expect_change, Ms limit) {
  Snapshot s = scroll_into_view(id);
  const Widget* w = s.find(id);
  if (!w->enabled) throw UiError("\"" + id + "\" is disabled on screen " + s.key());
  if (s.overlay_shown() && id.rfind("overlay:", 0) != 0)
    throw UiError("an overlay hides \"" + id + "\" on screen " + s.key() + "; widgets: " + s.ids());
  trace("tap " + id + " on " + s.key() + " at " + std::to_string(int(w->cx())) + "," + std::to_string(int(w->cy())));
  input_->tap(w->cx(), w->cy());
  auto after = wait_change(s.raw, limit, expect_change);
  if (after) {
    std::string diff;
    for (auto it = after->j.begin(); it != after->j.end(); ++it)
      if (it.key() != "widgets" && it.key() != "frame" && (!s.j.contains(it.key()) || s.j[it.key()] != it.value()))
        diff += " " + it.key() + "=" + it.value().dump();
    const auto& a = after->widgets;
    const auto& b = s.widgets;
    if (a.size() != b.size()) diff += " widgets " + std::to_string(b.size()) + "->" + std::to_string(a.size());
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
      if (a[i].id != b[i].id || a[i].x != b[i].x || a[i].y != b[i].y || a[i].selected != b[i].selected || a[i].enabled != b[i].enabled) {
        diff += " first widget change: " + a[i].id + " y " + std::to_string(b[i].y) + "->" + std::to_string(a[i].y);
        break;
      }
    trace("  -> " + after->key() + " frame " + std::to_string(after->frame()) + diff);
  } else {
    trace("  -> no change");
  }
  return after ? *after : snapshot();
}

Snapshot KioskUnderTest::hold(const std::string& id, Ms ms, bool expect_change, Ms limit) {
  Snapshot s = scroll_into_view(id);
  const Widget* w = s.find(id);
  if (!w->enabled) throw UiError("\"" + id + "\" is disabled on screen " + s.key());
  trace("hold " + id + " for " + std::to_string(ms.count()) + " ms on " + s.key());
  input_->press_and_hold(w->cx(), w->cy(), ms);
  auto after = wait_change(s.raw, limit, expect_change);
  trace("  -> " + (after ? after->key() : std::string("no change")));
  return after ? *after : snapshot();
}

void KioskUnderTest::scan(const std::string& text, Ms gap) {
  trace("scan " + text);
  input_->type_keys(text, gap, true);
}

void KioskUnderTest::await_screenshot(const Snapshot& s, Ms limit) {
  if (opt_.screenshots.empty()) return;
  std::string name = s.j.value("language", "") + "-" + std::to_string(s.j.value("text_scale", 0)) +
                     (s.j.value("high_contrast", false) ? "-hc" : "") + "-" + s.key() + (s.editing().empty() ? "" : "+keyboard");
  for (char& c : name)
    if (c == '+' || c == '/') c = '_';
  const fs::path file = opt_.screenshots / (name + ".png");
  const auto end = Clock::now() + limit;
  while (!fs::exists(file) && Clock::now() < end) sleep_ms(10);
}

void KioskUnderTest::keys(const std::vector<std::string>& codes) {
  // Each key waits for its own effect, not for any change: after a shifted letter the shift key
  // is lifted one record later, and that record, taken as the next key's change, let the driver
  // move on to the key after while the kiosk had not yet seen this key's release; the release
  // then came with the pointer over the next key and the key was lost ("Km" for "Kim" under load).
  auto shift_on = [](const Snapshot& s) {
    const Widget* w = s.find("key:shift");
    return w && w->selected;
  };
  for (const std::string& c : codes) {
    const Snapshot before = snapshot();
    const bool typed_shown = before.j.contains("typed");  // not for a masked field
    (void)tap("key:" + c);
    std::function<bool(const Snapshot&)> done;
    if (c == "shift") done = [&](const Snapshot& s) { return shift_on(s) != shift_on(before); };
    else if (c == "done") done = [](const Snapshot& s) { return s.editing().empty(); };
    else if (c == "mode" || !typed_shown) continue;  // its own change was what tap() waited for
    else done = [&](const Snapshot& s) { return s.typed() != before.typed() || s.j.value("preedit", "") != before.j.value("preedit", ""); };
    try {
      (void)wait_until(done, "key " + c + " to take effect", Ms(5000));
    } catch (const UiError&) {
      // A key with no effect here (backspace on an empty field): what the field shows is checked
      // by the caller.
    }
  }
}

void KioskUnderTest::type_latin(const std::string& text) {
  for (char ch : text) {
    if (ch == ' ') {
      (void)tap("key:space");
    } else if (ch >= 'A' && ch <= 'Z') {
      (void)tap("key:shift");
      (void)tap(std::string("key:") + static_cast<char>(ch - 'A' + 'a'));
    } else {
      (void)tap(std::string("key:") + ch);
    }
  }
}

void KioskUnderTest::type_digits(const std::string& digits) {
  for (char ch : digits) (void)tap(std::string("key:") + ch);
}

Snapshot KioskUnderTest::press_key(const std::string& keysym, bool expect_change, Ms limit) {
  const Snapshot s = snapshot();
  trace("key " + keysym + " on " + s.key() + " (focus " + s.focus() + ")");
  input_->key(keysym);
  auto after = wait_change(s.raw, limit, expect_change);
  if (after) trace("  -> " + after->key() + " focus " + after->focus());
  return after ? *after : snapshot();
}

Snapshot KioskUnderTest::focus_to(const std::string& id) {
  Snapshot s = settled();
  for (int step = 0; step < 400; ++step) {
    if (s.focus() == id) return s;
    const std::vector<std::string> order = s.focus_order();
    const auto at = std::find(order.begin(), order.end(), id);
    if (at == order.end()) throw UiError("\"" + id + "\" is not in the focus order of screen " + s.key() + ": " + s.ids());
    const auto from = std::find(order.begin(), order.end(), s.focus());
    const long n = static_cast<long>(order.size());
    const long want = at - order.begin(), have = from == order.end() ? 0 : from - order.begin();
    const long forward = ((want - have) % n + n) % n;
    const bool next = forward <= n - forward;
    const std::string expect = order[static_cast<std::size_t>(((have + (next ? 1 : -1)) % n + n) % n)];
    const std::string was = s.focus();
    s = press_key(next ? "KP_2" : "KP_8");
    // A record written for something else (an answer just chosen settling) may come first.
    if (s.focus() == was && s.focus_order() == order)
      s = wait_until([&](const Snapshot& x) { return x.focus() != was || x.focus_order() != order; },
                     "the focus to move from \"" + was + "\"", Ms(3000));
    // One press, one place (a changed order, e.g. a keyboard opening, is simply re-planned).
    if (s.focus_order() == order && s.focus() != expect)
      throw UiError("keypad " + std::string(next ? "2" : "8") + " moved the focus to \"" + s.focus() + "\", not \"" + expect +
                    "\", on screen " + s.key());
  }
  throw UiError("could not move the focus to \"" + id + "\" on screen " + s.key());
}

Snapshot KioskUnderTest::activate(const std::string& id, bool expect_change, Ms limit) {
  const Snapshot s = focus_to(id);
  const Widget* w = s.find(id);
  if (w && !w->enabled) throw UiError("\"" + id + "\" is disabled on screen " + s.key());
  return press_key("KP_Enter", expect_change, limit);
}

int KioskUnderTest::stop(Ms limit) {
  if (!child_ || child_->pid() <= 0) return -1;
  child_->read_lines(lines_, Ms(0));
  ::kill(child_->pid(), SIGTERM);
  const int rc = child_->wait(limit);
  child_->read_lines(lines_, Ms(500));  // what it printed on the way out (until EOF, bounded)
  return rc;
}

// ---------------------------------------------------------------------------------------------
const ItemInfo* PackageModel::find(const std::string& link) const {
  auto it = items.find(link);
  return it == items.end() ? nullptr : &it->second;
}

PackageModel load_package_model(const fs::path& package_json) {
  const std::string text = ts::read_all(package_json);
  if (text.empty()) throw UiError("cannot read the protocol package " + package_json.string());
  const nlohmann::json p = nlohmann::json::parse(text);
  PackageModel m;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& items) {
    for (const auto& it : items) {
      ItemInfo info;
      info.link_id = it.value("linkId", "");
      info.type = it.value("type", "");
      info.required = it.value("required", false);
      if (it.contains("answerOption")) {
        const auto& opts = it["answerOption"];
        info.options = static_cast<int>(opts.size());
        for (std::size_t i = 0; i < opts.size(); ++i)
          for (const auto& x : opts[i].value("extension", nlohmann::json::array()))
            if (x.value("url", "").ends_with("/correct-answer") && x.value("valueBoolean", false)) info.correct = static_cast<int>(i);
      }
      for (const auto& x : it.value("extension", nlohmann::json::array())) {
        const std::string url = x.value("url", "");
        std::optional<double> v;
        if (x.contains("valueInteger")) v = x["valueInteger"].get<double>();
        if (x.contains("valueDecimal")) v = x["valueDecimal"].get<double>();
        if (url.ends_with("/minValue")) info.min_value = v;
        if (url.ends_with("/maxValue")) info.max_value = v;
      }
      m.items[info.link_id] = info;
      if (it.contains("item")) walk(it["item"]);
    }
  };
  for (const auto& e : p.at("entry"))
    if (e.contains("resource") && e["resource"].value("resourceType", "") == "Questionnaire" && e["resource"].contains("item"))
      walk(e["resource"]["item"]);
  return m;
}

std::string link_of(const std::string& widget_id) {
  if (widget_id.rfind("field:", 0) == 0) return widget_id.substr(6);
  if (widget_id.rfind("item:", 0) == 0) {
    const std::size_t last = widget_id.rfind(':');
    if (last > 5) return widget_id.substr(5, last - 5);
  }
  return "";
}

std::vector<FrameRecord> read_frame_log(const fs::path& file, std::string& error) {
  error.clear();
  std::vector<FrameRecord> frames;
  std::istringstream in(ts::read_all(file));
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    FrameRecord f;
    int used = 0;
    if (std::sscanf(line.c_str(), "%lld %lld %lld%n", &f.steady_ms, &f.cpu_us, &f.ui_cpu_us, &used) != 3 ||
        static_cast<std::size_t>(used) != line.size()) {
      error = file.string() + " line " + std::to_string(number) + ": \"" + line.substr(0, 80) + "\" is not \"<ms> <us> <us>\"";
      break;
    }
    frames.push_back(f);
  }
  return frames;
}

}  // namespace ui_test
