// sync/staff_store.h: staff accounts (nurses and IT) as stored in the kiosk's one SQLite file,
// the interface.
//
// A staff account is an id (ULID), a display name, a role, the argon2id hash of the PIN (with
// the device's pepper: platform/crypto.h), and the state of the PIN lockout: consecutive
// failures, the time of the last one, locked. Accounts are never deleted: a removed account
// keeps its row (so the ids in the audit chain still name someone) but loses its PIN hash and
// can no longer sign in.
//
// Every change comes with its audit event and both are stored in one transaction, so the chain
// holds exactly the changes that happened. The rules (PIN quality, delays, lockout) are the
// kiosk's (kiosk/staff.h); this layer only stores.
//
// Implementations: SqliteOutbox (the `staff` table, schema 2) and MemoryOutbox, behind the
// same contract (tests/sync/staff_kits_contract.tests.cpp).
//
// Thread-safety: every method may be called from any thread; implementations serialise.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"
#include "sync/outbox.h"

namespace datasync {

enum class StaffRole { kNurse, kIt };
const char* staff_role_name(StaffRole r);  // "nurse" / "it"
std::optional<StaffRole> staff_role_from(std::string_view name);

struct StaffRecord {
  std::string id;    // ULID
  std::string name;  // as staff screens and `kioskctl staff list` show it
  StaffRole role = StaffRole::kNurse;
  std::string pin_hash;  // "$argon2id$..."; "" once removed
  int failures = 0;      // consecutive wrong PINs since the last success or unlock
  bool locked = false;
  std::int64_t last_failure_unix_ms = 0;
  std::int64_t created_unix_ms = 0;
  std::int64_t removed_unix_ms = 0;  // 0 while the account is active

  bool removed() const { return removed_unix_ms != 0; }
};

class StaffStore {
 public:
  virtual ~StaffStore() = default;

  // Stores a new account and its audit event. kAlreadyExists if the id is taken;
  // kInvalidArgument for an empty id, name or PIN hash.
  virtual platform::Status add_staff(const StaffRecord& r, const AuditEvent& audit) = 0;

  // Active accounts (or all, with removed ones), oldest first.
  virtual platform::Result<std::vector<StaffRecord>> list_staff(bool include_removed) = 0;
  virtual platform::Result<std::optional<StaffRecord>> find_staff(std::string_view id) = 0;

  // A read-modify-write in one transaction: reads the account, lets `change` edit it and
  // name the audit event, writes both. `change` returning an error leaves everything as it
  // was and is passed on. The id, role and creation time cannot change (kInvalidArgument).
  // kNotFound for an unknown id.
  // REQUIRES: `change` does not call back into this store (it runs under its lock) and is
  // quick (no PIN hashing inside: hash before, then store).
  using StaffChange = std::function<platform::Result<AuditEvent>(StaffRecord&)>;
  virtual platform::Status modify_staff(std::string_view id, const StaffChange& change) = 0;
};

}  // namespace datasync
