// kiosk/scanner_evdev.h: a USB barcode scanner read as its own input device (Linux evdev),
// issue 6. Opened and grabbed, its keystrokes never reach X, Dear ImGui, the keypad navigation
// or the on-screen keyboard's Hangul composer: a scan arrives as ASCII whatever the keyboard
// mode, and cannot be mistaken for typing however slowly the scanner sends it.
//
//   EvdevScanDecoder  pure: input_event records in, complete scans out. US layout (digits,
//                     letters with Shift, - . / and the other printable ASCII keys, the
//                     keypad's digits and operators); a key press (value 1) types, releases (0)
//                     and autorepeat (2) do not; KEY_ENTER / KEY_KPENTER ends a scan. A scan
//                     longer than kScanMaxChars, one with events lost by the kernel
//                     (SYN_DROPPED) and one left unfinished for kEvdevStaleMs are dropped.
//   EvdevScanner      owns the device: open() opens it O_RDONLY|O_NONBLOCK|O_CLOEXEC and grabs
//                     it (EVIOCGRAB); a reader thread poll()s it, decodes, and hands scans, drops
//                     and its own end (end of file, ENODEV when unplugged, a read error) to the
//                     UI thread through a queue that drain() empties once a frame, waking the
//                     frame loop with the `wake` callback. Without a device, or once it ended,
//                     the kiosk reads scanners from the keyboard as bursts (kiosk/kit.h
//                     ScanDetector); the caller decides when to try open() again.
//
// Raw input_event reads rather than libevdev: the kiosk needs key presses of one device and
// the grab, nothing of libevdev's capability queries or its event-name tables; libevdev's one
// real service here, resynchronising after SYN_DROPPED, is not needed either, since a scan that
// lost events is dropped whole (the nurse scans again). Raw reads add no dependency, and the
// decoder can be tested with a pipe carrying input_event records (libevdev_new_from_fd refuses
// anything but a real evdev node, and there is no /dev/input or /dev/uinput in CI containers).
//
// Scans are kit barcodes, not personal data: they are neither wiped nor kept from the log.
//
// Thread-safety: an EvdevScanDecoder belongs to one thread. EvdevScanner: open(), drain(),
// running() and the destructor from one thread (the UI's); its reader thread touches only the
// decoder, the fd and the queue (under a mutex), and calls `wake` (which must be callable from
// any thread, e.g. glfwPostEmptyEvent, and must stay callable until the scanner is destroyed).
#pragma once

#include <linux/input.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/kit.h"
#include "platform/status.h"

namespace kiosk {

// A scan left without its Enter for this long is dropped when the next key comes: the start of
// the next scan must not be glued to a broken one.
inline constexpr std::int64_t kEvdevStaleMs = 1000;
// Events the reader queues for the UI before it drops the oldest (a UI thread that stalls).
inline constexpr std::size_t kEvdevQueueMax = 32;

// What the scanner hands the UI thread.
struct ScannerEvent {
  enum class Kind {
    kScan,     // a complete scan: `text` is printable ASCII without the Enter
    kDropped,  // a scan was dropped: `text` says why (too long, events lost, unfinished)
    kEnded,    // the reader stopped: `text` says why, naming the device; no more events follow
  };
  Kind kind = Kind::kScan;
  std::string text;
};

class EvdevScanDecoder {
 public:
  // One event from the device. Returns a scan or a drop when this event finishes one.
  std::optional<ScannerEvent> feed(const input_event& ev);
  // A scan begun and not finished (for tests and the end-of-file message).
  std::size_t pending_chars() const { return buf_.size(); }
  void reset();

 private:
  std::string buf_;
  bool overflow_ = false;  // more than kScanMaxChars: dropped at Enter
  bool lost_ = false;      // SYN_DROPPED: dropped at Enter
  bool left_shift_ = false, right_shift_ = false;
  bool ctrl_or_alt_ = false;  // left/right Ctrl or Alt held: the key types nothing
  std::int64_t last_key_ms_ = 0;
};

// The ASCII character a US-layout key types, or 0 for a key that types none.
char evdev_key_ascii(std::uint16_t code, bool shift);

class EvdevScanner {
 public:
  using Wake = std::function<void()>;
  // read(2) for the reader thread; tests replace it to inject errors (ENODEV, EIO).
  using ReadFn = std::function<ssize_t(int fd, void* buf, std::size_t n)>;

  // Opens and grabs the device at `path`. Errors name the path and what to do: kNotFound (no
  // such device: unplugged or a wrong path), kPermissionDenied (the kiosk's user is not in the
  // `input` group), kAlreadyExists (another program grabbed it), kInvalidArgument (not an
  // input event device), kIoError otherwise.
  [[nodiscard]] static platform::Result<std::unique_ptr<EvdevScanner>> open(const std::string& path,
                                                                            Wake wake);
  // Tests: reads `fd` (taken over and closed), e.g. a pipe or socketpair carrying input_event
  // records. The grab is tried and its failure tolerated: such fds are not evdev nodes.
  static std::unique_ptr<EvdevScanner> adopt(int fd, std::string name, Wake wake,
                                             ReadFn read = nullptr);
  // Stops the reader (it is woken through a pipe; no wait for the device), then closes the fd,
  // which ends the grab.
  ~EvdevScanner();
  EvdevScanner(const EvdevScanner&) = delete;
  EvdevScanner& operator=(const EvdevScanner&) = delete;

  const std::string& path() const { return path_; }
  // False once the reader has ended (its kEnded event is queued).
  bool running() const { return running_.load(); }
  // Whether drain() has something.
  bool has_events() const;
  // The queued events, oldest first.
  std::vector<ScannerEvent> drain();

 private:
  EvdevScanner(int fd, std::string path, Wake wake, ReadFn read);
  void start();
  void run();
  void push(ScannerEvent e);
  void end(std::string why);

  int fd_ = -1;
  int stop_r_ = -1, stop_w_ = -1;  // a pipe: the destructor writes, the reader's poll() wakes
  std::string path_;
  Wake wake_;
  ReadFn read_;
  EvdevScanDecoder decoder_;  // reader thread only
  std::atomic<bool> running_{true};
  mutable std::mutex mu_;
  std::vector<ScannerEvent> queue_;  // under mu_
  std::thread thread_;
};

}  // namespace kiosk
