// kiosk/app/staff_ui.h: the staff screens of the kiosk app (issue 6): the long-press corner,
// sign-in (name, then PIN pad), the nurse's pending verification cards and the verify screen
// (ID checks, specimen kits from a barcode scanner or typed), and the IT status screen.
//
// StaffUi owns the staff mode's state and draws it INSTEAD of the participant's screen while
// active(). The rules live in kiosk_core (kiosk/staff.h, kiosk/verification.h, kiosk/kit.h);
// this layer draws their state with the Ui widgets (every control recorded with an id) and turns
// taps into calls. It never shows participant screens' data: it opens only from the attract
// and thank-you screens, and a card's name and birth date are decrypted only while a screen
// shows them: each card of the list once, when first drawn, kept (an OpenCard) while the list
// is shown; the card being verified while its verify (or reject) screen is. Leaving the
// screen, locking, the idle end, close() and the destructor wipe them.
//
// Scanner input, two ways. (1) The site's scanner_device (use_scanner()): the scanner read as
// its own input device and grabbed (kiosk/scanner_evdev.h), so its keys never reach X; its
// scans are drained in tick(). If it cannot be opened, or goes away (unplugged), that is said
// once on stderr and on the IT status screen, and it is tried again every 10 s. (2) Always, for
// scanners on the keyboard path: install_input() chains GLFW's char and key callbacks. While
// the verify screen is shown, every character, Enter and Backspace goes to a ScanDetector (as
// ASCII, timestamped when GLFW delivers it), never to Dear ImGui or the on-screen keyboard's
// Hangul composer; a burst is a scan, slower keys are typing for the kit code field if it is
// open, and an Enter typed on its own activates the focused control. Navigation keys (Tab,
// arrows, Esc, the numeric keypad but its Enter) pass on to on_key(). On every other screen the
// callbacks pass everything on unchanged.
//
// Keypad (issue 7, docs/ACCESSIBILITY.md): every staff control is in the widget layer's focus
// order; 2/6/Down/Right/Tab and 8/4/Up/Left/Shift+Tab move, 5/Enter activate, Esc and the
// keypad's . go back where a screen has a back button. The PIN pad is a digit field: number
// keys type, Enter is OK, Backspace and . delete. Opening the staff screens is a long press on
// the corner (touch only).
//
// PIN: typed on the pad into a buffer reserved up front (no reallocation leaves copies), copied
// to a worker thread for StaffAccounts::sign_in (argon2id, ~0.1 s; the frame loop stays alive)
// and wiped after each attempt. The session ends after 2 minutes without a tap or on "lock";
// then the participant's attract screen is back.
//
// Thread-safety: UI thread only (the sign-in worker touches only its own copies and hands its
// result back through a mutex the UI drains once a frame).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "forms/package.h"
#include "kiosk/device.h"
#include "kiosk/keyboard.h"
#include "kiosk/kit.h"
#include "kiosk/scanner_evdev.h"
#include "kiosk/staff.h"
#include "kiosk/verification.h"
#include "platform/clock.h"
#include "platform/ulid.h"
#include "sync/sqlite_outbox.h"
#include "sync/uploader.h"
#include "ui.h"

struct GLFWwindow;

namespace kiosk::app {

// What the staff screens need of the app's services, once its set-up has finished.
// REQUIRES: every pointer stays valid while the StaffUi is attached (until the loop ends).
struct StaffBackend {
  std::filesystem::path data_dir;
  datasync::SqliteOutbox* outbox = nullptr;  // the outbox, the audit chain and the staff store
  const Device* device = nullptr;
  platform::SystemClock* clock = nullptr;
  const std::vector<forms::ProtocolPackage>* packages = nullptr;
  std::function<datasync::SyncStatus()> sync_status;  // empty when the device has no server
  std::function<void()> sync_now;
};

enum class StaffScreen { kClosed, kAccounts, kPin, kNurseHome, kVerify, kReject, kItStatus };
const char* staff_screen_name(StaffScreen s);  // "staff-accounts", "staff-pin", ...

class StaffUi {
 public:
  explicit StaffUi(Ui& ui);
  ~StaffUi();  // joins the sign-in worker, wipes the PIN and any open card
  StaffUi(const StaffUi&) = delete;
  StaffUi& operator=(const StaffUi&) = delete;

  // Chains GLFW's char and key callbacks (call once, after Dear ImGui installed its own).
  static void install_input(GLFWwindow* window);
  // The site's scanner device ("": none, scanner bursts on the keyboard only). Opened and
  // grabbed now; on failure the kiosk says why on stderr and tries again every 10 s.
  // REQUIRES: GLFW is initialised (the reader wakes the frame loop with glfwPostEmptyEvent).
  void use_scanner(const std::string& device);
  // Closes the scanner device; call before glfwTerminate.
  void stop_scanner();
  // For the status screen: "/dev/input/... (own device)", or keyboard bursts and why.
  std::string scanner_mode() const;

  // The app's set-up finished: accounts and the verification desk become usable, and cards past
  // their expiry are expired at once (then every minute, from tick()).
  void attach(const StaffBackend& backend);
  bool attached() const { return accounts_ != nullptr; }

  bool active() const { return screen_ != StaffScreen::kClosed; }
  StaffScreen screen() const { return screen_; }
  std::string screen_key() const;  // screen name plus what changes the layout ("+keyboard")
  // Test mode: a one-line summary of the state that does not show as widget ids (messages, kit
  // slots, PIN length, waiting for the worker), so that the widget record is rewritten when it
  // changes. No names, no PIN digits.
  std::string probe() const;

  // The marked corner target (top left, id "staff-corner"), drawn over the participant's
  // screen when `allowed` (attract, thank you). Held still for 2 s it opens the sign-in;
  // returns true in that frame.
  bool corner(bool allowed);
  // Every loop turn: staff idle timeout, the expiry timer, the sign-in worker's result,
  // scanner keys held back by the detector.
  void tick(std::int64_t now_unix_ms);
  // Something must be drawn without input: a hold in progress, a countdown, keys to handle.
  bool wants_frame() const;
  // A key that reached the frame loop while a staff screen is shown (on the verify screen only
  // the navigation keys do; the scanner path takes the rest): see "Keypad" above. Returns true
  // when it did something.
  bool on_key(int key, int action, int mods);
  // Draws the active staff screen (full window).
  void draw(std::int64_t now_unix_ms);
  // Ends staff mode: the session is locked (audited), the PIN, the open card and the typed code
  // are wiped.
  void close();

 private:
  struct Worker;
  void go(StaffScreen s);
  void end_session();
  void refresh_cards();
  void refresh_status();
  void handle_scan(const std::string& text);
  void typed_key(char32_t ch);
  void keys_typed(const std::u32string& keys, std::int64_t at_ms);
  void open_scanner();
  void poll_scanner();
  void wipe_shown_cards();
  void back_key();
  void finish_sign_in();
  void start_sign_in();
  std::string t(int id) const;

  void draw_top(const std::string& title);
  void draw_accounts();
  void draw_pin();
  void draw_home();
  void draw_verify();
  void draw_reject();
  void draw_status();
  void draw_keyboard();

  Ui& ui_;
  std::string lang_ = "ko";
  StaffScreen screen_ = StaffScreen::kClosed;
  std::int64_t now_ = 0;

  StaffBackend be_;
  std::optional<platform::PinPepper> pepper_;
  std::string pepper_error_;
  std::unique_ptr<platform::UlidGenerator> ids_;
  std::unique_ptr<StaffAccounts> accounts_;
  std::unique_ptr<VerificationDesk> desk_;
  std::int64_t next_expire_ms_ = 0;

  bool redraw_ = false;         // the screen changed outside a frame (idle lock, sign-in result)
  bool focus_pending_ = false;  // go() chose a new screen: its focus is placed in its first frame
  std::string focus_on_draw_;   // "": the first control

  // Corner hold.
  bool holding_ = false;
  double hold_progress_ = 0;

  // Sign-in.
  std::vector<StaffSummary> staff_list_;
  std::string list_error_;
  StaffSummary chosen_;
  std::string pin_;  // reserved kMaxPinDigits + 1: never reallocates
  std::string message_;
  bool message_is_error_ = false;
  std::int64_t retry_at_ms_ = 0;
  std::unique_ptr<Worker> worker_;
  std::optional<StaffSession> session_;
  std::int64_t last_second_ = -1;

  // Nurse.
  std::vector<PendingCard> cards_;
  struct ShownCard {
    bool tried = false;            // decrypted (or failed to) already: never again per frame
    std::optional<OpenCard> card;  // wiped when it goes
  };
  std::vector<ShownCard> shown_;  // beside cards_, filled as the list draws them
  int decrypts_ = 0;              // cards decrypted since start (the test probe shows it)
  std::string cards_error_;
  std::string notice_;
  std::optional<Verification> verification_;
  std::string scan_message_;
  bool scan_message_ok_ = false;
  std::optional<RejectReason> reason_;
  ScanDetector detector_;
  std::unique_ptr<TextEntry> typed_;      // the kit code typed on the on-screen keyboard
  KitKind typed_kind_ = KitKind::kBlood;  // whose "Type code" opened it (the focus goes back)
  std::int64_t last_printable_ms_ = 0;    // steady ms of the last printable key (verify screen)
  std::string error_;

  // The scanner as its own device.
  std::string scanner_path_;  // "": none configured
  std::unique_ptr<EvdevScanner> scanner_;
  std::string scanner_problem_;        // why it is not open (said once on stderr)
  std::int64_t scanner_retry_ms_ = 0;  // steady ms

  // IT.
  struct Status {
    datasync::OutboxStats stats;
    std::string stats_error;
    std::optional<datasync::SyncStatus> sync;
    std::int64_t clock_offset_ms = 0;
    std::int64_t free_disk_bytes = -1;
  } status_;
  std::int64_t status_at_ms_ = 0;
  std::string status_message_;
};

}  // namespace kiosk::app
