// The barcode scanner read as its own input device (kiosk/scanner_evdev.h) and its site setting.
// There is no /dev/input (nor /dev/uinput) in CI containers: the reader is fed input_event
// records through a socketpair or a pipe, exactly as evdev hands them out; the end of a device
// (ENODEV when unplugged) is injected through the reader's read function.
#include "kiosk/scanner_evdev.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/site_config.h"
#include "test_support.h"

using Catch::Matchers::Contains;
using kiosk::EvdevScanDecoder;
using kiosk::EvdevScanner;
using kiosk::ScannerEvent;
using Kind = kiosk::ScannerEvent::Kind;

namespace {

// A recorder of what a scanner in keyboard mode sends, with the kernel's timestamps (ms).
struct Events {
  std::vector<input_event> v;
  std::int64_t ms = 1'700'000'000'000;

  void add(std::uint16_t type, std::uint16_t code, std::int32_t value) {
    input_event e{};
    e.input_event_sec = static_cast<decltype(e.input_event_sec)>(ms / 1000);
    e.input_event_usec = static_cast<decltype(e.input_event_usec)>((ms % 1000) * 1000);
    e.type = type;
    e.code = code;
    e.value = value;
    v.push_back(e);
  }
  // One key as a USB keyboard reports it: the HID usage (EV_MSC), the key, a report.
  void key(std::uint16_t code, std::int32_t value) {
    add(EV_MSC, MSC_SCAN, 0x70000 + code);
    add(EV_KEY, code, value);
    add(EV_SYN, SYN_REPORT, 0);
    ms += 2;
  }
  void tap(std::uint16_t code, bool shift = false) {
    if (shift) key(KEY_LEFTSHIFT, 1);
    key(code, 1);
    key(code, 0);
    if (shift) key(KEY_LEFTSHIFT, 0);
  }
  // Types `text` (US layout, Shift for capitals) and, when `enter`, Enter.
  void type(const std::string& text, bool enter = true) {
    for (char c : text) {
      if (c >= 'a' && c <= 'z')
        tap(letter(c));
      else if (c >= 'A' && c <= 'Z')
        tap(letter(static_cast<char>(c - 'A' + 'a')), true);
      else if (c >= '1' && c <= '9')
        tap(static_cast<std::uint16_t>(KEY_1 + (c - '1')));
      else if (c == '0')
        tap(KEY_0);
      else if (c == '-')
        tap(KEY_MINUS);
      else if (c == '.')
        tap(KEY_DOT);
      else if (c == '/')
        tap(KEY_SLASH);
      else
        FAIL("no key for " << c);
    }
    if (enter) tap(KEY_ENTER);
  }
  static std::uint16_t letter(char c) {
    static const std::uint16_t codes[26] = {
        KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
        KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
    return codes[c - 'a'];
  }
};

std::vector<ScannerEvent> decode(const std::vector<input_event>& events) {
  EvdevScanDecoder d;
  std::vector<ScannerEvent> out;
  for (const input_event& e : events)
    if (auto r = d.feed(e)) out.push_back(*r);
  return out;
}

std::string bytes_of(const std::vector<input_event>& events) {
  return std::string(reinterpret_cast<const char*>(events.data()),
                     events.size() * sizeof(input_event));
}

void write_exactly(int fd, const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n > 0);
    at += static_cast<std::size_t>(n);
  }
}

// Drains `s` until `n` events came or `limit` passed (the reader runs on its own thread).
std::vector<ScannerEvent> wait_events(
    EvdevScanner& s, std::size_t n,
    std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  std::vector<ScannerEvent> got;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (got.size() < n && std::chrono::steady_clock::now() < end) {
    for (ScannerEvent& e : s.drain()) got.push_back(std::move(e));
    if (got.size() < n) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return got;
}

}  // namespace

TEST_CASE("evdev decoder: a scan with Shift for capitals arrives as that ASCII string",
          "[kiosk][scanner]") {
  Events ev;
  ev.type("BT-12345678-9");
  const std::vector<ScannerEvent> out = decode(ev.v);
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == Kind::kScan);
  CHECK(out[0].text == "BT-12345678-9");

  SECTION("a kit barcode, lower case letters and the keypad's Enter") {
    Events k;
    k.type("BBD-U-00012345-Y", false);
    k.type("x/y.z", false);
    k.tap(KEY_KPENTER);
    const std::vector<ScannerEvent> o = decode(k.v);
    REQUIRE(o.size() == 1);
    CHECK(o[0].text == "BBD-U-00012345-Yx/y.z");
  }
  SECTION("the right Shift and the keypad's digits count too") {
    Events k;
    k.key(KEY_RIGHTSHIFT, 1);
    k.tap(KEY_B);
    k.key(KEY_RIGHTSHIFT, 0);
    k.tap(KEY_KP4);
    k.tap(KEY_KP2);
    k.tap(KEY_ENTER);
    CHECK(decode(k.v).at(0).text == "B42");
  }
}

TEST_CASE("evdev decoder: autorepeat and key releases type nothing", "[kiosk][scanner]") {
  Events ev;
  ev.key(KEY_1, 1);
  ev.key(KEY_1, 2);  // held: autorepeat
  ev.key(KEY_1, 2);
  ev.key(KEY_1, 0);
  ev.key(KEY_LEFTSHIFT, 1);
  ev.key(KEY_LEFTSHIFT, 2);  // a held Shift repeats too; it stays down
  ev.key(KEY_A, 1);
  ev.key(KEY_A, 0);
  ev.key(KEY_LEFTSHIFT, 0);
  ev.key(KEY_2, 0);  // a release without its press (pressed before the grab)
  ev.key(KEY_3, 0);
  ev.tap(KEY_ENTER);
  const std::vector<ScannerEvent> out = decode(ev.v);
  REQUIRE(out.size() == 1);
  CHECK(out[0].text == "1A");

  SECTION("releases alone, and Enter alone, deliver nothing") {
    Events r;
    r.key(KEY_4, 0);
    r.key(KEY_5, 0);
    r.tap(KEY_ENTER);
    r.tap(KEY_ENTER);
    CHECK(decode(r.v).empty());
  }
  SECTION("a key with Ctrl or Alt held types nothing; Tab and F-keys neither") {
    Events c;
    c.type("AB", false);
    c.key(KEY_LEFTCTRL, 1);
    c.tap(KEY_RIGHTBRACE);  // GS1's group separator as Ctrl+]
    c.key(KEY_LEFTCTRL, 0);
    c.tap(KEY_TAB);
    c.tap(KEY_F5);
    c.type("C");
    CHECK(decode(c.v).at(0).text == "ABC");
  }
}

TEST_CASE("evdev decoder: a scan without Enter is not delivered, and never glued to the next",
          "[kiosk][scanner]") {
  Events ev;
  ev.type("BBD-B-123", false);
  EvdevScanDecoder d;
  for (const input_event& e : ev.v) CHECK(!d.feed(e));
  CHECK(d.pending_chars() == 9);

  // The next scan comes 2 s later: the broken one is dropped (and said), the new one whole.
  ev.v.clear();
  ev.ms += 2000;
  ev.type("BBD-B-12345678-8");
  std::vector<ScannerEvent> out;
  for (const input_event& e : ev.v)
    if (auto r = d.feed(e)) out.push_back(*r);
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == Kind::kDropped);
  CHECK_THAT(out[0].text, Contains("9 characters without Enter"));
  CHECK(out[1].kind == Kind::kScan);
  CHECK(out[1].text == "BBD-B-12345678-8");
}

TEST_CASE("evdev decoder: a scan longer than 64 characters is dropped, the next one is read",
          "[kiosk][scanner]") {
  Events ev;
  ev.type(std::string(kiosk::kScanMaxChars, '7'));  // 64: still a scan
  ev.type(std::string(kiosk::kScanMaxChars + 1, '7'));
  ev.type(std::string(500, '1'));
  ev.type("BBD-U-00012345-Y");
  const std::vector<ScannerEvent> out = decode(ev.v);
  REQUIRE(out.size() == 4);
  CHECK(out[0].kind == Kind::kScan);
  CHECK(out[0].text.size() == kiosk::kScanMaxChars);
  CHECK(out[1].kind == Kind::kDropped);
  CHECK_THAT(out[1].text, Contains("longer than 64"));
  CHECK(out[2].kind == Kind::kDropped);
  CHECK(out[3].kind == Kind::kScan);
  CHECK(out[3].text == "BBD-U-00012345-Y");
}

TEST_CASE("evdev decoder: a scan that lost events (SYN_DROPPED) is dropped whole",
          "[kiosk][scanner]") {
  Events ev;
  ev.type("BBD-B-1234", false);
  ev.add(EV_SYN, SYN_DROPPED, 0);
  ev.type("5678-8");
  ev.type("BBD-B-12345678-8");
  const std::vector<ScannerEvent> out = decode(ev.v);
  REQUIRE(out.size() == 2);
  CHECK(out[0].kind == Kind::kDropped);
  CHECK_THAT(out[0].text, Contains("lost key events"));
  CHECK(out[1].text == "BBD-B-12345678-8");
}

TEST_CASE(
    "evdev reader: scans from a socketpair reach the UI queue, split records included, "
    "and the reader stops at once when destroyed",
    "[kiosk][scanner]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  std::atomic<int> wakes{0};
  std::unique_ptr<EvdevScanner> s = EvdevScanner::adopt(sv[0], "test-scanner", [&] { ++wakes; });
  CHECK(s->running());
  CHECK(s->path() == "test-scanner");

  Events ev;
  ev.type("BT-12345678-9");
  ev.type("BBD-U-00012345-Y");
  const std::string bytes = bytes_of(ev.v);
  // Odd pieces: a record split over two writes must be put back together.
  for (std::size_t at = 0; at < bytes.size(); at += 37) write_exactly(sv[1], bytes.substr(at, 37));
  const std::vector<ScannerEvent> got = wait_events(*s, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == Kind::kScan);
  CHECK(got[0].text == "BT-12345678-9");
  CHECK(got[1].text == "BBD-U-00012345-Y");
  CHECK(wakes.load() >= 1);
  CHECK(s->running());
  CHECK(!s->has_events());

  // No stall: the reader sits in poll() with nothing to read; destroying it returns at once.
  const auto t0 = std::chrono::steady_clock::now();
  s.reset();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
  ::close(sv[1]);
}

TEST_CASE(
    "evdev reader: end of file ends the reader and says so, and an unfinished scan is not "
    "delivered",
    "[kiosk][scanner]") {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  std::unique_ptr<EvdevScanner> s = EvdevScanner::adopt(p[0], "/dev/input/test-kbd", nullptr);
  Events ev;
  ev.type("BBD-B-12345678-8");
  ev.type("BBD-B-1234", false);  // the cable is pulled mid-scan
  write_exactly(p[1], bytes_of(ev.v));
  ::close(p[1]);
  const std::vector<ScannerEvent> got = wait_events(*s, 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == Kind::kScan);
  CHECK(got[0].text == "BBD-B-12345678-8");
  CHECK(got[1].kind == Kind::kEnded);
  CHECK_THAT(got[1].text, Contains("/dev/input/test-kbd"));
  CHECK_THAT(got[1].text, Contains("end of file"));
  CHECK_THAT(got[1].text, Contains("unfinished scan was dropped"));
  CHECK(!s->running());
  CHECK(wait_events(*s, 1, std::chrono::milliseconds(50)).empty());  // nothing after the end
}

TEST_CASE("evdev reader: a device unplugged mid-run (ENODEV) ends the reader and says so",
          "[kiosk][scanner]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  std::atomic<bool> unplugged{false};
  // Reads work until the cable is pulled; then the device is gone, as evdev reports it.
  EvdevScanner::ReadFn read = [&](int fd, void* buf, std::size_t n) -> ssize_t {
    if (!unplugged.load()) return ::read(fd, buf, n);
    errno = ENODEV;
    return -1;
  };
  std::unique_ptr<EvdevScanner> s =
      EvdevScanner::adopt(sv[0], "/dev/input/by-id/usb-x-event-kbd", nullptr, read);
  Events ev;
  ev.type("BBD-U-00012345-Y");
  write_exactly(sv[1], bytes_of(ev.v));
  std::vector<ScannerEvent> got = wait_events(*s, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == "BBD-U-00012345-Y");
  unplugged = true;
  write_exactly(sv[1], bytes_of(ev.v));  // more input: its read fails
  got = wait_events(*s, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == Kind::kEnded);
  CHECK(got[0].text == "scanner /dev/input/by-id/usb-x-event-kbd: unplugged (ENODEV)");
  CHECK(!s->running());
  ::close(sv[1]);
}

TEST_CASE(
    "evdev open: a missing device, a file that is no input device, and a device the kiosk "
    "may not read are refused, naming the path",
    "[kiosk][scanner]") {
  testing_support::TempDir tmp;
  int wakes = 0;
  auto wake = [&] { ++wakes; };

  const std::string missing = (tmp.path() / "usb-Nope-event-kbd").string();
  auto r = EvdevScanner::open(missing, wake);
  REQUIRE(!r.is_ok());
  CHECK(r.status().kind() == platform::StatusKind::kNotFound);
  CHECK_THAT(r.status().message(), Contains(missing));
  CHECK_THAT(r.status().message(), Contains("no such device"));

  const std::string plain = (tmp.path() / "not-a-device").string();
  testing_support::write_all(plain, "hello");
  r = EvdevScanner::open(plain, wake);
  REQUIRE(!r.is_ok());
  CHECK(r.status().kind() == platform::StatusKind::kInvalidArgument);
  CHECK_THAT(r.status().message(), Contains(plain));
  CHECK_THAT(r.status().message(), Contains("not an input event device"));

  if (::geteuid() != 0) {  // root reads a mode-000 file all the same
    REQUIRE(::chmod(plain.c_str(), 0) == 0);
    r = EvdevScanner::open(plain, wake);
    REQUIRE(!r.is_ok());
    CHECK(r.status().kind() == platform::StatusKind::kPermissionDenied);
    CHECK_THAT(r.status().message(), Contains("input` group"));
  }
  CHECK(wakes == 0);
}

TEST_CASE("site config: scanner_device is optional, round-trips and is checked with clear errors",
          "[kiosk][scanner][site_config]") {
  CHECK(kiosk::SiteConfig{}.scanner_device.empty());
  kiosk::SiteConfig c;
  c.scanner_device = "/dev/input/by-id/usb-Honeywell_Imaging_1900-event-kbd";
  auto back = kiosk::parse_site_config(kiosk::site_config_to_json(c));
  REQUIRE(back.is_ok());
  CHECK(*back == c);
  CHECK(kiosk::parse_site_config(R"({"scanner_device": ""})")->scanner_device.empty());
  CHECK(kiosk::parse_site_config(R"({"scanner_device": "/dev/barcode"})")->scanner_device ==
        "/dev/barcode");

  auto message_of = [](const char* json) {
    auto r = kiosk::parse_site_config(json);
    return r.is_ok() ? std::string("(accepted)") : r.status().message();
  };
  CHECK_THAT(message_of(R"({"scanner_device": 3})"),
             Contains("/scanner_device: 3 is a number; expected a path such as"));
  CHECK_THAT(message_of(R"({"scanner_device": "input/by-id/x-event-kbd"})"),
             Contains("/scanner_device: \"input/by-id/x-event-kbd\" is not under /dev/"));
  CHECK_THAT(message_of(R"({"scanner_device": "/dev/input/../sda"})"),
             Contains("no \".\" or \"..\" steps"));
  CHECK_THAT(message_of(R"({"scanner_device": "/dev/input/by-id/"})"), Contains("no trailing /"));
  CHECK_THAT(message_of(R"({"scanner_device": "/dev/input/a\nb"})"), Contains("control character"));
  CHECK_THAT(message_of(("{\"scanner_device\": \"/dev/" + std::string(300, 'x') + "\"}").c_str()),
             Contains("at most 255"));
  CHECK_THAT(message_of(R"({"scanner": "/dev/input/event3"})"), Contains("scanner_device"));
}
