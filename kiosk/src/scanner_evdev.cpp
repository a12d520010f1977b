#include "kiosk/scanner_evdev.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/log.h"

namespace kiosk {

using platform::Result;
using platform::Status;

namespace {

struct KeyChars {
  std::uint16_t code;
  char plain, shifted;
};

// The US layout's printable keys; the keypad types the same with or without Shift (scanners
// that send keypad digits mean digits).
constexpr KeyChars kKeys[] = {
    {KEY_1, '1', '!'},          {KEY_2, '2', '@'},           {KEY_3, '3', '#'},
    {KEY_4, '4', '$'},          {KEY_5, '5', '%'},           {KEY_6, '6', '^'},
    {KEY_7, '7', '&'},          {KEY_8, '8', '*'},           {KEY_9, '9', '('},
    {KEY_0, '0', ')'},          {KEY_MINUS, '-', '_'},       {KEY_EQUAL, '=', '+'},
    {KEY_Q, 'q', 'Q'},          {KEY_W, 'w', 'W'},           {KEY_E, 'e', 'E'},
    {KEY_R, 'r', 'R'},          {KEY_T, 't', 'T'},           {KEY_Y, 'y', 'Y'},
    {KEY_U, 'u', 'U'},          {KEY_I, 'i', 'I'},           {KEY_O, 'o', 'O'},
    {KEY_P, 'p', 'P'},          {KEY_LEFTBRACE, '[', '{'},   {KEY_RIGHTBRACE, ']', '}'},
    {KEY_A, 'a', 'A'},          {KEY_S, 's', 'S'},           {KEY_D, 'd', 'D'},
    {KEY_F, 'f', 'F'},          {KEY_G, 'g', 'G'},           {KEY_H, 'h', 'H'},
    {KEY_J, 'j', 'J'},          {KEY_K, 'k', 'K'},           {KEY_L, 'l', 'L'},
    {KEY_SEMICOLON, ';', ':'},  {KEY_APOSTROPHE, '\'', '"'}, {KEY_GRAVE, '`', '~'},
    {KEY_BACKSLASH, '\\', '|'}, {KEY_Z, 'z', 'Z'},           {KEY_X, 'x', 'X'},
    {KEY_C, 'c', 'C'},          {KEY_V, 'v', 'V'},           {KEY_B, 'b', 'B'},
    {KEY_N, 'n', 'N'},          {KEY_M, 'm', 'M'},           {KEY_COMMA, ',', '<'},
    {KEY_DOT, '.', '>'},        {KEY_SLASH, '/', '?'},       {KEY_SPACE, ' ', ' '},
    {KEY_KP0, '0', '0'},        {KEY_KP1, '1', '1'},         {KEY_KP2, '2', '2'},
    {KEY_KP3, '3', '3'},        {KEY_KP4, '4', '4'},         {KEY_KP5, '5', '5'},
    {KEY_KP6, '6', '6'},        {KEY_KP7, '7', '7'},         {KEY_KP8, '8', '8'},
    {KEY_KP9, '9', '9'},        {KEY_KPMINUS, '-', '-'},     {KEY_KPPLUS, '+', '+'},
    {KEY_KPDOT, '.', '.'},      {KEY_KPASTERISK, '*', '*'},  {KEY_KPSLASH, '/', '/'},
};

std::int64_t event_ms(const input_event& ev) {
  return static_cast<std::int64_t>(ev.input_event_sec) * 1000 +
         static_cast<std::int64_t>(ev.input_event_usec) / 1000;
}

std::string errno_text(int e) {
  return std::string(std::strerror(e)) + " (errno " + std::to_string(e) + ")";
}

}  // namespace

char evdev_key_ascii(std::uint16_t code, bool shift) {
  for (const KeyChars& k : kKeys)
    if (k.code == code) return shift ? k.shifted : k.plain;
  return 0;
}

// --- decoder ---------------------------------------------------------------------------------

void EvdevScanDecoder::reset() {
  buf_.clear();
  overflow_ = false;
  lost_ = false;
}

std::optional<ScannerEvent> EvdevScanDecoder::feed(const input_event& ev) {
  if (ev.type == EV_SYN && ev.code == SYN_DROPPED) {
    // The kernel's buffer overflowed: keys of this scan are missing, and a Shift release may be
    // too (the next press or release of Shift sets it right again).
    lost_ = true;
    left_shift_ = right_shift_ = ctrl_or_alt_ = false;
    return std::nullopt;
  }
  if (ev.type != EV_KEY) return std::nullopt;  // EV_MSC scan codes, EV_SYN reports, LEDs
  switch (ev.code) {
    case KEY_LEFTSHIFT:
      if (ev.value != 2) left_shift_ = ev.value != 0;
      return std::nullopt;
    case KEY_RIGHTSHIFT:
      if (ev.value != 2) right_shift_ = ev.value != 0;
      return std::nullopt;
    case KEY_LEFTCTRL:
    case KEY_RIGHTCTRL:
    case KEY_LEFTALT:
    case KEY_RIGHTALT:
      if (ev.value != 2) ctrl_or_alt_ = ev.value != 0;
      return std::nullopt;
    default:
      break;
  }
  if (ev.value != 1) return std::nullopt;  // a release, or autorepeat (a key held down)
  const std::int64_t at = event_ms(ev);
  std::optional<ScannerEvent> out;
  if ((!buf_.empty() || overflow_) && at - last_key_ms_ > kEvdevStaleMs) {
    // The last scan never got its Enter: it is dropped, not glued to this one.
    out = ScannerEvent{ScannerEvent::Kind::kDropped,
                       "a scan of " + std::to_string(buf_.size()) +
                           " characters without Enter was dropped (the scanner must send Enter "
                           "after the code)"};
    reset();
  }
  last_key_ms_ = at;
  if (ev.code == KEY_ENTER || ev.code == KEY_KPENTER) {
    if (overflow_) {
      out = ScannerEvent{ScannerEvent::Kind::kDropped,
                         "a scan longer than " + std::to_string(kScanMaxChars) +
                             " characters was dropped (not a kit barcode)"};
    } else if (lost_) {
      if (!buf_.empty())
        out = ScannerEvent{ScannerEvent::Kind::kDropped,
                           "a scan lost key events (the kiosk read the scanner too late) and was "
                           "dropped; scan again"};
    } else if (!buf_.empty()) {
      out = ScannerEvent{ScannerEvent::Kind::kScan, buf_};
    }
    reset();
    return out;
  }
  if (ctrl_or_alt_) return out;  // a control combination types no character
  const char c = evdev_key_ascii(ev.code, left_shift_ || right_shift_);
  if (c == 0) return out;  // Tab, function keys, CapsLock...: nothing a kit barcode holds
  if (buf_.size() >= kScanMaxChars) {
    overflow_ = true;
    buf_.clear();  // kept empty from here on: its length does not grow without bound
    return out;
  }
  if (!overflow_) buf_ += c;
  return out;
}

// --- the device and its reader thread -----------------------------------------------------------

EvdevScanner::EvdevScanner(int fd, std::string path, Wake wake, ReadFn read)
    : fd_(fd), path_(std::move(path)), wake_(std::move(wake)), read_(std::move(read)) {
  if (!read_) read_ = [](int f, void* b, std::size_t n) { return ::read(f, b, n); };
}

Result<std::unique_ptr<EvdevScanner>> EvdevScanner::open(const std::string& path, Wake wake) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    platform::log::warn("scanner.open-failed", {{"errno", e}});
    if (e == ENOENT || e == ENODEV || e == ENXIO)
      return Status::not_found("scanner " + path + ": no such device (" + errno_text(e) +
                               "); is it plugged in? `ls -l /dev/input/by-id/` lists devices");
    if (e == EACCES || e == EPERM)
      return Status::permission_denied("scanner " + path + ": " + errno_text(e) +
                                       "; add the kiosk's user to the `input` group");
    return Status::io_error("scanner " + path + ": cannot open: " + errno_text(e));
  }
  // The grab: while the kiosk holds it, the scanner's keys go to no one else (not X, not the
  // console). Without it every scan would also arrive as keyboard input.
  if (::ioctl(fd, EVIOCGRAB, 1) != 0) {
    const int e = errno;
    ::close(fd);
    platform::log::warn("scanner.grab-failed", {{"errno", e}});
    if (e == EBUSY)
      return Status::already_exists("scanner " + path +
                                    ": another program holds it (grab refused, EBUSY)");
    if (e == ENOTTY || e == EINVAL)
      return Status::invalid_argument("scanner " + path +
                                      ": not an input event device (use the -event-kbd entry "
                                      "of /dev/input/by-id/)");
    return Status::io_error("scanner " + path + ": cannot grab it: " + errno_text(e));
  }
  std::unique_ptr<EvdevScanner> s(new EvdevScanner(fd, path, std::move(wake), nullptr));
  s->start();
  platform::log::info("scanner.opened");
  return s;
}

std::unique_ptr<EvdevScanner> EvdevScanner::adopt(int fd, std::string name, Wake wake,
                                                  ReadFn read) {
  (void)::ioctl(fd, EVIOCGRAB, 1);  // ENOTTY on a pipe or socket: tolerated here
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::unique_ptr<EvdevScanner> s(
      new EvdevScanner(fd, std::move(name), std::move(wake), std::move(read)));
  s->start();
  return s;
}

void EvdevScanner::start() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
    end("cannot make the reader's stop pipe: " + errno_text(errno));
    return;
  }
  stop_r_ = p[0];
  stop_w_ = p[1];
  thread_ = std::thread([this] { run(); });
}

EvdevScanner::~EvdevScanner() {
  if (thread_.joinable()) {
    const char b = 1;
    while (::write(stop_w_, &b, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }
  if (stop_r_ >= 0) ::close(stop_r_);
  if (stop_w_ >= 0) ::close(stop_w_);
  if (fd_ >= 0) ::close(fd_);  // closing the fd ends the grab
}

void EvdevScanner::push(ScannerEvent e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= kEvdevQueueMax) queue_.erase(queue_.begin());
    queue_.push_back(std::move(e));
  }
  if (wake_) wake_();
}

void EvdevScanner::end(std::string why) {
  running_ = false;
  push({ScannerEvent::Kind::kEnded, "scanner " + path_ + ": " + why});
}

bool EvdevScanner::has_events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !queue_.empty();
}

std::vector<ScannerEvent> EvdevScanner::drain() {
  std::vector<ScannerEvent> out;
  std::lock_guard<std::mutex> lock(mu_);
  out.swap(queue_);
  return out;
}

void EvdevScanner::run() {
  // evdev returns whole events; a pipe may split one, so bytes are kept until a record is whole.
  constexpr std::size_t kEv = sizeof(input_event);
  unsigned char buf[64 * sizeof(input_event)];
  std::size_t have = 0;
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_r_, POLLIN, 0}};
  for (;;) {
    fds[0].revents = fds[1].revents = 0;
    const int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      end("poll failed: " + errno_text(errno));
      return;
    }
    if (fds[1].revents != 0) return;  // the destructor: stop
    if (fds[0].revents == 0) continue;
    if (fds[0].revents & POLLNVAL) {
      end("the device's file descriptor is not open");
      return;
    }
    const ssize_t r = read_(fd_, buf + have, sizeof buf - have);
    if (r == 0) {
      end("end of file (the device went away)" +
          (decoder_.pending_chars() ? std::string("; an unfinished scan was dropped") : ""));
      platform::log::warn("scanner.ended", {{"errno", 0}});
      return;
    }
    if (r < 0) {
      const int e = errno;
      if (e == EAGAIN || e == EINTR) continue;
      end(e == ENODEV ? "unplugged (ENODEV)" : "read failed: " + errno_text(e));
      platform::log::warn("scanner.ended", {{"errno", e}});
      return;
    }
    have += static_cast<std::size_t>(r);
    std::size_t at = 0;
    for (; at + kEv <= have; at += kEv) {
      input_event ev;
      std::memcpy(&ev, buf + at, kEv);
      std::optional<ScannerEvent> out = decoder_.feed(ev);
      if (!out) continue;
      if (out->kind == ScannerEvent::Kind::kDropped) platform::log::warn("scanner.scan-dropped");
      push(std::move(*out));
    }
    if (at > 0 && at < have) std::memmove(buf, buf + at, have - at);
    have -= at;
  }
}

}  // namespace kiosk
