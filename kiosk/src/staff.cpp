#include "kiosk/staff.h"

#include <algorithm>
#include <functional>

#include "platform/fs.h"
#include "platform/keyfile.h"
#include "platform/log.h"

namespace kiosk {

namespace fs = std::filesystem;
using datasync::AuditEvent;
using datasync::StaffRecord;
using platform::Result;
using platform::Status;

namespace {

constexpr std::size_t kMaxNameBytes = 80;

// Keypad shapes and other PINs high on published frequency lists that the rules below miss.
constexpr std::string_view kCommonPins[] = {"147258", "258369", "369258", "159753", "159357",
                                            "147852", "789456", "456123", "741852", "852963",
                                            "102030", "135790", "246810", "142536", "010203"};

bool is_run(std::string_view d, int step) {  // each digit is the previous + step (mod 10)
  for (std::size_t i = 1; i < d.size(); ++i)
    if ((d[i - 1] - '0' + step + 10) % 10 != d[i] - '0') return false;
  return true;
}

bool is_repeated_block(std::string_view d) {
  for (std::size_t p = 1; p <= d.size() / 2; ++p) {
    if (d.size() % p != 0) continue;
    bool same = true;
    for (std::size_t i = p; i < d.size() && same; ++i) same = d[i] == d[i - p];
    if (same) return true;
  }
  return false;
}

bool is_mirrored(std::string_view d) {
  if (d.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < d.size() / 2; ++i)
    if (d[i] != d[d.size() - 1 - i]) return false;
  return true;
}

bool is_doubled_run(std::string_view d) {
  if (d.size() % 2 != 0) return false;
  std::string halves;
  for (std::size_t i = 0; i < d.size(); i += 2) {
    if (d[i] != d[i + 1]) return false;
    halves += d[i];
  }
  return is_run(halves, 1) || is_run(halves, -1);
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

Status check_pin_quality(std::string_view pin) {
  if (pin.size() < kMinPinDigits || pin.size() > kMaxPinDigits)
    return Status::invalid_argument("a staff PIN has 6 to 12 digits");
  if (!std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Status::invalid_argument("a staff PIN has digits only");
  if (is_repeated_block(pin))
    return Status::invalid_argument(
        "this PIN repeats one digit or one group of digits (like 111111 or 121212); choose "
        "another");
  if (is_run(pin, 1) || is_run(pin, -1))
    return Status::invalid_argument(
        "this PIN is a run of digits (like 123456 or 987654); choose another");
  if (is_mirrored(pin) || is_doubled_run(pin))
    return Status::invalid_argument(
        "this PIN is a mirrored or doubled pattern (like 123321 or 112233); choose another");
  for (std::string_view common : kCommonPins)
    if (pin == common)
      return Status::invalid_argument(
          "this PIN is one of the most commonly used PINs; choose another");
  return Status::ok();
}

Result<platform::PinPepper> load_staff_pepper(const fs::path& data_dir, bool create_if_missing) {
  const fs::path path = data_dir / kStaffPepperFile;
  std::error_code ec;
  if (!fs::exists(path, ec) && create_if_missing) {
    KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(path.parent_path()));
    platform::PinPepper p = platform::generate_pin_pepper();
    Status w = platform::write_secret_key_file(path, p.view());
    if (w.is_ok()) return p;
    if (w.kind() != platform::StatusKind::kAlreadyExists)
      return w;  // else: made meanwhile; read it
  }
  Result<platform::PinPepper> p = platform::read_pin_pepper(path);
  if (!p.is_ok() && p.status().kind() == platform::StatusKind::kNotFound)
    return Status::not_found(
        "the staff PIN pepper " + path.string() +
        " is missing, so no staff PIN can be checked; add staff with `kioskctl staff add` "
        "(or, if it was lost, reset each PIN with `kioskctl staff reset-pin`)");
  return p;
}

const char* sign_in_outcome_name(SignInOutcome o) {
  switch (o) {
    case SignInOutcome::kSignedIn:
      return "signed-in";
    case SignInOutcome::kWrongPin:
      return "wrong-pin";
    case SignInOutcome::kLockedOut:
      return "locked-out";
    case SignInOutcome::kTooSoon:
      return "too-soon";
    case SignInOutcome::kLocked:
      return "locked";
    case SignInOutcome::kUnknown:
      return "unknown";
  }
  return "?";
}

namespace {
Status no_pepper() {
  return Status::invalid_argument(
      "staff PINs cannot be hashed or checked here: the staff PIN pepper was not loaded");
}
}  // namespace

Result<std::string> StaffAccounts::new_pin_hash(std::string& pin) {
  if (!pepper_) {
    platform::wipe(pin);
    return no_pepper();
  }
  Status quality = check_pin_quality(pin);
  if (!quality.is_ok()) {
    platform::wipe(pin);
    return quality;
  }
  Result<std::string> hash = platform::hash_pin(pin, *pepper_);
  platform::wipe(pin);
  return hash;
}

Result<std::string> StaffAccounts::add(std::string_view name, StaffRole role, std::string& pin,
                                       std::string_view actor) {
  if (!valid_name(name)) {
    platform::wipe(pin);
    return Status::invalid_argument("a staff name has 1 to 80 bytes and no control characters");
  }
  Result<std::string> hash = new_pin_hash(pin);
  if (!hash.is_ok()) return hash.status();
  const std::int64_t now = clock_.now_unix_ms();
  StaffRecord r;
  r.id = ids_.next();
  r.name = std::string(name);
  r.role = role;
  r.pin_hash = std::move(hash.value());
  r.created_unix_ms = now;
  KIOSK_RETURN_IF_ERROR(
      store_.add_staff(r, AuditEvent{now, "staff.added", r.id, std::string(actor)}));
  return r.id;
}

Status StaffAccounts::change(std::string_view id, std::string_view actor, const char* code,
                             const std::function<Status(StaffRecord&)>& edit) {
  const std::int64_t now = clock_.now_unix_ms();
  return store_.modify_staff(id, [&](StaffRecord& r) -> Result<AuditEvent> {
    if (r.removed()) return Status::not_found("staff account " + r.id + " was removed");
    KIOSK_RETURN_IF_ERROR(edit(r));
    return AuditEvent{now, code, r.id, std::string(actor)};
  });
}

Status StaffAccounts::reset_pin(std::string_view id, std::string& pin, std::string_view actor) {
  Result<std::string> hash = new_pin_hash(pin);
  if (!hash.is_ok()) return hash.status();
  return change(id, actor, "staff.pin-reset", [&](StaffRecord& r) {
    r.pin_hash = hash.value();
    r.failures = 0;
    r.locked = false;
    return Status::ok();
  });
}

Status StaffAccounts::remove(std::string_view id, std::string_view actor) {
  const std::int64_t now = clock_.now_unix_ms();
  return change(id, actor, "staff.removed", [&](StaffRecord& r) {
    r.removed_unix_ms = now;
    r.pin_hash.clear();
    return Status::ok();
  });
}

Status StaffAccounts::unlock(std::string_view id, std::string_view actor) {
  return change(id, actor, "staff.unlocked", [](StaffRecord& r) {
    r.failures = 0;
    r.locked = false;
    return Status::ok();
  });
}

Status StaffAccounts::unlock(StaffSession& it, std::string_view id) {
  const std::int64_t now = clock_.now_unix_ms();
  if (!it.active(now) || it.role() != StaffRole::kIt)
    return Status::permission_denied(
        "unlocking a staff account needs an IT staff member signed in");
  it.touch(now);
  return unlock(id, it.staff_id());
}

Result<std::vector<StaffSummary>> StaffAccounts::list() {
  Result<std::vector<StaffRecord>> all = store_.list_staff(false);
  if (!all.is_ok()) return all.status();
  std::vector<StaffSummary> out;
  for (const StaffRecord& r : all.value())
    out.push_back({r.id, r.name, r.role, r.locked, r.failures});
  return out;
}

Result<SignInResult> StaffAccounts::sign_in(std::string_view id, std::string& pin) {
  if (!pepper_) {
    platform::wipe(pin);
    return no_pepper();
  }
  const std::int64_t now = clock_.now_unix_ms();
  SignInResult res;
  Result<std::optional<StaffRecord>> found = store_.find_staff(id);
  if (!found.is_ok()) {
    platform::wipe(pin);
    return found.status();
  }
  const std::string sid(id);
  auto refuse = [&](SignInOutcome o, const char* code,
                    const std::string& actor) -> Result<SignInResult> {
    platform::wipe(pin);
    res.outcome = o;
    KIOSK_RETURN_IF_ERROR(audit_.append_audit(AuditEvent{now, code, actor, actor}));
    return res;
  };
  if (!found.value()) return refuse(SignInOutcome::kUnknown, "staff.signin.unknown", "");
  const StaffRecord& before = *found.value();
  if (before.removed()) return refuse(SignInOutcome::kUnknown, "staff.signin.refused-removed", sid);
  res.failures = before.failures;
  res.attempts_left = std::max(0, kLockAfterFailures - before.failures);
  if (before.locked) return refuse(SignInOutcome::kLocked, "staff.signin.refused-locked", sid);
  if (before.failures > 0) {
    const std::int64_t delay =
        kPinDelayMs[static_cast<std::size_t>(std::min(before.failures, kLockAfterFailures - 1))];
    // A clock that stepped back must not stretch the wait beyond one delay.
    const std::int64_t since = std::max<std::int64_t>(0, now - before.last_failure_unix_ms);
    if (since < delay) {
      res.retry_at_unix_ms = now + (delay - since);
      return refuse(SignInOutcome::kTooSoon, "staff.signin.too-soon", sid);
    }
  }

  const bool right = platform::verify_pin(before.pin_hash, pin, *pepper_);
  platform::wipe(pin);
  // Decide against the row as it is inside the transaction (an unlock or another attempt may
  // have happened while argon2id ran).
  Status st = store_.modify_staff(id, [&](StaffRecord& r) -> Result<AuditEvent> {
    if (r.removed()) {
      res.outcome = SignInOutcome::kUnknown;
      return AuditEvent{now, "staff.signin.refused-removed", sid, sid};
    }
    if (r.locked) {
      res.outcome = SignInOutcome::kLocked;
      return AuditEvent{now, "staff.signin.refused-locked", sid, sid};
    }
    if (right && r.pin_hash == before.pin_hash) {
      r.failures = 0;
      res.outcome = SignInOutcome::kSignedIn;
      res.failures = 0;
      res.attempts_left = kLockAfterFailures;
      return AuditEvent{now, "staff.signin.ok", sid, sid};
    }
    r.failures += 1;
    r.last_failure_unix_ms = now;
    res.failures = r.failures;
    res.attempts_left = std::max(0, kLockAfterFailures - r.failures);
    if (r.failures >= kLockAfterFailures) {
      r.locked = true;
      res.outcome = SignInOutcome::kLockedOut;
      return AuditEvent{now, "staff.signin.locked-out", sid, sid};
    }
    res.outcome = SignInOutcome::kWrongPin;
    res.retry_at_unix_ms = now + kPinDelayMs[static_cast<std::size_t>(r.failures)];
    return AuditEvent{now, "staff.signin.wrong-pin", sid, sid};
  });
  if (!st.is_ok()) return st;
  if (res.outcome == SignInOutcome::kSignedIn) {
    res.session = StaffSession(sid, before.role, now);
    platform::log::info("staff.signed_in", {{"staff", platform::log::Id(sid)}});
  } else if (res.outcome == SignInOutcome::kLockedOut) {
    platform::log::warn("staff.locked_out", {{"staff", platform::log::Id(sid)}});
  }
  return res;
}

Status StaffAccounts::lock(StaffSession& s) {
  if (s.ended_) return Status::ok();
  s.ended_ = true;
  return audit_.append_audit(
      AuditEvent{clock_.now_unix_ms(), "staff.session.locked", s.staff_id_, s.staff_id_});
}

Result<bool> StaffAccounts::end_if_idle(StaffSession& s) {
  const std::int64_t now = clock_.now_unix_ms();
  if (s.ended_ || s.active(now)) return false;
  s.ended_ = true;
  // Recorded at the moment it became idle, not when this was noticed.
  KIOSK_RETURN_IF_ERROR(audit_.append_audit(
      AuditEvent{s.idle_deadline_unix_ms(), "staff.session.idle", s.staff_id_, s.staff_id_}));
  return true;
}

}  // namespace kiosk
