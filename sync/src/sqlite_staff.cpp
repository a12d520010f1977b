// SqliteOutbox's StaffStore half: the `staff` table (schema 2). Same connection, same lock,
// same transaction discipline as the outbox: each change and its audit event commit together.
#include <sqlite3.h>

#include "sqlite_db.h"
#include "sync/sqlite_outbox.h"

namespace datasync {

using detail::Stmt;
using detail::Transaction;
using platform::Result;
using platform::Status;

namespace {

constexpr const char* kStaffColumns =
    "id, name, role, pin_hash, failures, locked, last_failure_ms, created_ms, coalesce(removed_ms, "
    "0)";

Result<StaffRecord> staff_from_row(const Stmt& q) {
  StaffRecord r;
  r.id = q.col_text(0);
  r.name = q.col_text(1);
  std::optional<StaffRole> role = staff_role_from(q.col_text(2));
  if (!role) return Status::corruption("staff account " + r.id + " has an unknown role");
  r.role = *role;
  r.pin_hash = q.col_text(3);
  r.failures = static_cast<int>(q.col_int(4));
  r.locked = q.col_int(5) != 0;
  r.last_failure_unix_ms = q.col_int(6);
  r.created_unix_ms = q.col_int(7);
  r.removed_unix_ms = q.col_int(8);
  return r;
}

}  // namespace

Status SqliteOutbox::add_staff(const StaffRecord& r, const AuditEvent& audit) {
  if (r.id.empty() || r.name.empty() || (r.pin_hash.empty() && !r.removed()))
    return Status::invalid_argument("a staff account needs an id, a name and a PIN hash");
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  Stmt ins(
      db_, *stmts_,
      "INSERT INTO staff(id, name, role, pin_hash, failures, locked, last_failure_ms, created_ms, "
      "removed_ms) VALUES(?,?,?,?,?,?,?,?,?)");
  ins.bind(1, r.id)
      .bind(2, r.name)
      .bind(3, std::string_view(staff_role_name(r.role)))
      .bind(4, r.pin_hash)
      .bind(5, static_cast<std::int64_t>(r.failures))
      .bind(6, static_cast<std::int64_t>(r.locked ? 1 : 0))
      .bind(7, r.last_failure_unix_ms)
      .bind(8, r.created_unix_ms);
  if (r.removed())
    ins.bind(9, r.removed_unix_ms);
  else
    ins.bind_null(9);
  if (Status st = ins.exec("storing staff account " + r.id); !st.is_ok()) {
    const int ext = sqlite3_extended_errcode(db_);
    if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
      return Status::already_exists("staff account " + r.id + " already exists");
    return st;
  }
  KIOSK_RETURN_IF_ERROR(append_audit_locked(audit));
  return tx.commit().with_context("staff account " + r.id + " was not stored");
}

Result<std::vector<StaffRecord>> SqliteOutbox::list_staff(bool include_removed) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StaffRecord> out;
  static const std::string all =
      std::string("SELECT ") + kStaffColumns + " FROM staff ORDER BY created_ms, id";
  static const std::string active = std::string("SELECT ") + kStaffColumns +
                                    " FROM staff WHERE removed_ms IS NULL ORDER BY created_ms, id";
  Stmt q(db_, *stmts_, include_removed ? all.c_str() : active.c_str());
  for (;;) {
    Result<bool> row = q.step("listing staff accounts");
    if (!row.is_ok()) return row.status();
    if (!row.value()) break;
    Result<StaffRecord> r = staff_from_row(q);
    if (!r.is_ok()) return r.status();
    out.push_back(std::move(r.value()));
  }
  return out;
}

Result<std::optional<StaffRecord>> SqliteOutbox::find_staff(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  static const std::string sql =
      std::string("SELECT ") + kStaffColumns + " FROM staff WHERE id = ?";
  Stmt q(db_, *stmts_, sql.c_str());
  q.bind(1, id);
  Result<bool> row = q.step("looking up a staff account");
  if (!row.is_ok()) return row.status();
  if (!row.value()) return std::optional<StaffRecord>();
  Result<StaffRecord> r = staff_from_row(q);
  if (!r.is_ok()) return r.status();
  return std::optional<StaffRecord>(std::move(r.value()));
}

Status SqliteOutbox::modify_staff(std::string_view id, const StaffChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  Transaction tx(db_);
  KIOSK_RETURN_IF_ERROR(tx.begin());
  StaffRecord before;
  {
    static const std::string sql =
        std::string("SELECT ") + kStaffColumns + " FROM staff WHERE id = ?";
    Stmt q(db_, *stmts_, sql.c_str());
    q.bind(1, id);
    Result<bool> row = q.step("looking up a staff account");
    if (!row.is_ok()) return row.status();
    if (!row.value()) return Status::not_found("no staff account " + std::string(id));
    Result<StaffRecord> r = staff_from_row(q);
    if (!r.is_ok()) return r.status();
    before = std::move(r.value());
  }
  StaffRecord after = before;
  Result<AuditEvent> audit = change(after);
  if (!audit.is_ok()) return audit.status();
  if (after.id != before.id || after.role != before.role ||
      after.created_unix_ms != before.created_unix_ms)
    return Status::invalid_argument("staff account " + before.id +
                                    ": id, role and creation time cannot change");
  if (after.name.empty() || (after.pin_hash.empty() && !after.removed()) || after.failures < 0)
    return Status::invalid_argument("staff account " + before.id +
                                    ": the change leaves it without a name or PIN");
  if (after.removed()) platform::wipe(after.pin_hash);  // a removed account can never sign in
  Stmt up(db_, *stmts_,
          "UPDATE staff SET name = ?, pin_hash = ?, failures = ?, locked = ?, last_failure_ms = ?, "
          "removed_ms = ? WHERE id = ?");
  up.bind(1, after.name)
      .bind(2, after.pin_hash)
      .bind(3, static_cast<std::int64_t>(after.failures))
      .bind(4, static_cast<std::int64_t>(after.locked ? 1 : 0))
      .bind(5, after.last_failure_unix_ms);
  if (after.removed())
    up.bind(6, after.removed_unix_ms);
  else
    up.bind_null(6);
  up.bind(7, after.id);
  KIOSK_RETURN_IF_ERROR(up.exec("updating staff account " + after.id));
  KIOSK_RETURN_IF_ERROR(append_audit_locked(audit.value()));
  return tx.commit().with_context("staff account " + after.id + " was not changed");
}

}  // namespace datasync
