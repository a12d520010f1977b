#include "sqlite_db.h"

namespace datasync::detail {

using platform::Status;

Status sqlite_status(sqlite3* db, int rc, const std::string& what) {
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::ok();
    case SQLITE_FULL:
      return Status::disk_full(msg + " (free some space; nothing was half-written)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corruption(msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Status::permission_denied(msg);
    case SQLITE_CONSTRAINT:
      return Status::invalid_argument(msg);
    case SQLITE_NOMEM:
      return Status::internal(msg);
    default:
      return Status::io_error(msg);
  }
}

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr);
  if (rc != SQLITE_OK) prep_ = sqlite_status(db, rc, "preparing a statement");
}

Stmt::Stmt(sqlite3* db, StmtCache& cache, const char* sql) : db_(db), cached_(true) {
  int rc = SQLITE_OK;
  st_ = cache.get(db, sql, &rc);
  if (rc != SQLITE_OK) prep_ = sqlite_status(db, rc, "preparing a statement");
}

Stmt::~Stmt() {
  if (!st_) return;
  if (cached_) {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  } else {
    sqlite3_finalize(st_);
  }
}

sqlite3_stmt* StmtCache::get(sqlite3* db, const char* sql, int* rc) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) {
    *rc = SQLITE_OK;
    return it->second;
  }
  sqlite3_stmt* st = nullptr;
  *rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
  if (*rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return nullptr;
  }
  stmts_[sql] = st;
  return st;
}

void StmtCache::finalize_all() {
  for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
  stmts_.clear();
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  if (st_) sqlite3_bind_int64(st_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  if (st_) sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_static(int i, std::string_view v) {
  if (st_) sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_blob(int i, platform::ByteView v) {
  // SQLITE_STATIC: callers keep the bytes alive until the statement has run.
  if (st_) sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  if (st_) sqlite3_bind_null(st_, i);
  return *this;
}

platform::Result<bool> Stmt::step(const std::string& what) {
  if (!prep_.is_ok()) return prep_.with_context(what);
  int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(db_, rc, what);
}

Status Stmt::exec(const std::string& what) {
  for (int guard = 0; guard < 1'000'000; ++guard) {
    platform::Result<bool> r = step(what);
    if (!r.is_ok()) return r.status();
    if (!r.value()) return Status::ok();
  }
  return Status::internal(what + ": statement returned too many rows");
}

std::int64_t Stmt::col_int(int i) const { return sqlite3_column_int64(st_, i); }
std::string Stmt::col_text(int i) const {
  const unsigned char* t = sqlite3_column_text(st_, i);
  return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(st_, i))) : std::string();
}
platform::Bytes Stmt::col_blob(int i) const {
  const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(st_, i));
  int n = sqlite3_column_bytes(st_, i);
  return b ? platform::Bytes(b, b + n) : platform::Bytes();
}
bool Stmt::col_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }

Status exec_sql(sqlite3* db, const char* sql, const std::string& what) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) return sqlite_status(db, rc, what);
  return Status::ok();
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin() {
  KIOSK_RETURN_IF_ERROR(exec_sql(db_, "BEGIN IMMEDIATE", "starting a transaction"));
  open_ = true;
  return Status::ok();
}

Status Transaction::commit() {
  Status s = exec_sql(db_, "COMMIT", "committing a transaction");
  if (s.is_ok()) {
    open_ = false;
  } else if (sqlite3_get_autocommit(db_)) {
    open_ = false;  // SQLite already rolled the transaction back
  }
  return s;
}

}  // namespace datasync::detail
