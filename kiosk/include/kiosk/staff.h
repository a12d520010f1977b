// kiosk/staff.h: staff accounts, PIN sign-in with escalating delays and lockout, and the
// staff session (issue 6). No drawing: the staff screens call this; kioskctl too.
//
// PINs: 6 to 12 digits, common PINs refused (check_pin_quality). Stored only as argon2id
// hashes with the device's pepper (keys/staff.pepper, 0600; platform/crypto.h). A PIN string
// handed to any call here is wiped (sodium_memzero) before the call returns.
//
// Sign-in: the staff member picks their name from accounts(), then types the PIN. Wrong PINs
// count per account, survive restarts (stored with the account), and cost a wait before the
// next attempt: after 1 failure none, after 2: 5 s, 3: 15 s, 4: 60 s (kPinDelayMs); the 5th
// locks the account until an IT account unlocks it (unlock with an IT session) or
// `kioskctl staff unlock`. A correct PIN resets the count. An attempt during the wait is
// refused without checking the PIN and does not count. Every attempt is an audit event, with
// the account's id as actor and no PIN or name: staff.signin.ok, staff.signin.wrong-pin,
// staff.signin.locked-out (the failure that locked it), staff.signin.too-soon,
// staff.signin.refused-locked, staff.signin.refused-removed, staff.signin.unknown (no such
// account; no actor). Administration: staff.added, staff.pin-reset, staff.unlocked,
// staff.removed (actor: kioskctl or the IT staff id; ref: the account).
//
// Session: begins on a correct PIN; ends after kStaffIdleMs without touch(), or on lock().
// StaffSession's own methods take `now` from the caller, as kiosk::Flow does; StaffAccounts
// reads its Clock (delays, audit times). The screens call touch() on every tap and
// end_if_idle() every frame (or second). Ending writes staff.session.locked or
// staff.session.idle (at the moment it went idle).
//
// Thread-safety: StaffAccounts may be used from one thread at a time (the UI thread, or a
// worker while the UI waits: sign_in spends ~0.1 s in argon2id). The stores behind it are
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/status.h"
#include "platform/ulid.h"
#include "sync/outbox.h"
#include "sync/staff_store.h"

namespace kiosk {

using datasync::StaffRole;

inline constexpr std::size_t kMinPinDigits = 6;
inline constexpr std::size_t kMaxPinDigits = 12;
inline constexpr int kLockAfterFailures = 5;
// The wait before the next attempt, indexed by consecutive failures so far (0..4).
inline constexpr std::array<std::int64_t, kLockAfterFailures> kPinDelayMs = {0, 0, 5'000, 15'000,
                                                                             60'000};
inline constexpr std::int64_t kStaffIdleMs = 2 * 60 * 1000;
inline constexpr char kStaffPepperFile[] = "keys/staff.pepper";
inline constexpr char kCliActor[] = "kioskctl";  // the audit actor of admin CLI changes

// Refuses PINs that are short, not digits, or common (one message naming the rule):
//   - fewer than 6 or more than 12 digits, or anything but 0-9;
//   - one digit repeated (000000), or a block repeated (121212, 123123, 12341234);
//   - a run up or down, wrapping at 9/0 (123456, 987654, 890123);
//   - the first half mirrored (123321, 456654), or doubled digits in a run (112233, 998877);
//   - keypad patterns and a few others that top published PIN-frequency lists:
//     147258, 258369, 369258, 159753, 159357, 147852, 789456, 456123, 741852, 852963, 102030,
//     135790, 246810, 142536, 010203.
// Birthday-like PINs (YYMMDD, MMDDYY) are not refused: a third of all 6-digit strings read as a
// date, so the rule would refuse good PINs; staff are told not to use their birthday.
platform::Status check_pin_quality(std::string_view pin);

// keys/staff.pepper below the data dir: read it, or (create_if_missing) make it, 0600, never
// overwriting. Without it no PIN can be checked: a missing pepper with accounts present means
// every PIN must be reset (`kioskctl staff reset-pin`).
platform::Result<platform::PinPepper> load_staff_pepper(const std::filesystem::path& data_dir,
                                                        bool create_if_missing);

// A signed-in staff member. Copyable value; holds no PIN and no participant data.
class StaffSession {
 public:
  const std::string& staff_id() const { return staff_id_; }
  StaffRole role() const { return role_; }
  std::int64_t started_unix_ms() const { return started_ms_; }
  // When it ends if nothing is touched (for a countdown).
  std::int64_t idle_deadline_unix_ms() const { return last_touch_ms_ + kStaffIdleMs; }
  // Not locked or ended, and touched within kStaffIdleMs.
  bool active(std::int64_t now_unix_ms) const {
    return !ended_ && now_unix_ms < idle_deadline_unix_ms();
  }
  // A tap. Ignored once the session is no longer active (it cannot be revived).
  void touch(std::int64_t now_unix_ms) {
    if (active(now_unix_ms)) last_touch_ms_ = now_unix_ms;
  }
  bool ended() const { return ended_; }

 private:
  friend class StaffAccounts;
  StaffSession(std::string id, StaffRole role, std::int64_t now)
      : staff_id_(std::move(id)), role_(role), started_ms_(now), last_touch_ms_(now) {}
  std::string staff_id_;
  StaffRole role_;
  std::int64_t started_ms_;
  std::int64_t last_touch_ms_;
  bool ended_ = false;
};

// What the PIN screen lists and `kioskctl staff list` prints. No hashes.
struct StaffSummary {
  std::string id;
  std::string name;
  StaffRole role = StaffRole::kNurse;
  bool locked = false;
  int failures = 0;
};

enum class SignInOutcome {
  kSignedIn,
  kWrongPin,   // counted; retry_at says when the next attempt is allowed
  kLockedOut,  // this wrong PIN was the 5th: the account is now locked
  kTooSoon,    // still waiting after a wrong PIN; the PIN was not checked, not counted
  kLocked,     // the account is locked; ask IT
  kUnknown,    // no such account, or it was removed
};
const char* sign_in_outcome_name(SignInOutcome o);

struct SignInResult {
  SignInOutcome outcome = SignInOutcome::kUnknown;
  std::optional<StaffSession> session;  // kSignedIn only
  int failures = 0;                     // consecutive failures after this attempt
  int attempts_left = 0;                // wrong PINs left before the account locks
  std::int64_t retry_at_unix_ms = 0;    // kWrongPin / kTooSoon: the next attempt's earliest time
};

class StaffAccounts {
 public:
  // `audit` receives the session events (the StaffStore writes the others with each change);
  // in the product both are the same SqliteOutbox.
  // REQUIRES: every reference outlives this object.
  StaffAccounts(datasync::StaffStore& store, datasync::Outbox& audit,
                const platform::PinPepper& pepper, const platform::Clock& clock,
                platform::UlidGenerator& ids)
      : store_(store), audit_(audit), pepper_(&pepper), clock_(clock), ids_(ids) {}
  // Without the pepper: for the changes that involve no PIN (list, remove, unlock), so that
  // they work, and create nothing, where keys/staff.pepper does not exist yet. add, reset_pin
  // and sign_in then fail with kInvalidArgument.
  StaffAccounts(datasync::StaffStore& store, datasync::Outbox& audit, const platform::Clock& clock,
                platform::UlidGenerator& ids)
      : store_(store), audit_(audit), pepper_(nullptr), clock_(clock), ids_(ids) {}

  // --- administration: `actor` is kCliActor or an IT staff id -------------------------------
  // Adds an account; returns its id. kInvalidArgument for an empty or over-long name (80
  // bytes), or a PIN refused by check_pin_quality. Audit: staff.added (ref = the new id).
  platform::Result<std::string> add(std::string_view name, StaffRole role, std::string& pin,
                                    std::string_view actor);
  // New PIN; also clears failures and the lock. Audit: staff.pin-reset.
  platform::Status reset_pin(std::string_view id, std::string& pin, std::string_view actor);
  // The account can no longer sign in; its row stays for the audit trail. Audit: staff.removed.
  platform::Status remove(std::string_view id, std::string_view actor);
  // Clears failures and the lock. Audit: staff.unlocked.
  platform::Status unlock(std::string_view id, std::string_view actor);
  // The same from the kiosk: `it` must be an active IT session (kPermissionDenied otherwise).
  platform::Status unlock(StaffSession& it, std::string_view id);

  // Active accounts, oldest first.
  platform::Result<std::vector<StaffSummary>> list();

  // --- the kiosk ------------------------------------------------------------------------------
  // Checks a PIN for one account (see the header comment). Wipes `pin`. An error (not a
  // refusal) means the store failed: nothing was decided, nothing counted.
  platform::Result<SignInResult> sign_in(std::string_view id, std::string& pin);
  // "Lock" on the staff screen: ends the session. Audit: staff.session.locked.
  platform::Status lock(StaffSession& s);
  // Ends the session if it has been idle kStaffIdleMs; returns whether it ended now.
  // Audit: staff.session.idle.
  platform::Result<bool> end_if_idle(StaffSession& s);

 private:
  // The argon2id hash of a new PIN (pepper loaded, quality checked); wipes `pin`.
  platform::Result<std::string> new_pin_hash(std::string& pin);
  platform::Status change(std::string_view id, std::string_view actor, const char* code,
                          const std::function<platform::Status(datasync::StaffRecord&)>& edit);

  datasync::StaffStore& store_;
  datasync::Outbox& audit_;
  const platform::PinPepper* pepper_;  // nullptr: no PIN operations
  const platform::Clock& clock_;
  platform::UlidGenerator& ids_;
};

}  // namespace kiosk
