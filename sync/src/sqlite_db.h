// Private: a thin RAII layer over the SQLite C API for this library. Maps result codes to
// Status kinds (SQLITE_FULL -> kDiskFull, SQLITE_CORRUPT/NOTADB -> kCorruption, ...).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/crypto.h"
#include "platform/status.h"

namespace datasync::detail {

platform::Status sqlite_status(sqlite3* db, int rc, const std::string& what);

// Prepared statements kept for the life of a connection, keyed by their SQL text's address
// (callers pass string literals). finalize_all() must run before sqlite3_close().
class StmtCache {
 public:
  sqlite3_stmt* get(sqlite3* db, const char* sql, int* rc);
  void finalize_all();

 private:
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;
};

// A prepared statement; a cached one is reset and unbound on destruction for reuse.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  Stmt(sqlite3* db, StmtCache& cache, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  const platform::Status& prepare_status() const { return prep_; }
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::string_view v);
  // Not copied: the caller keeps `v` alive until the statement has run (large texts).
  Stmt& bind_static(int i, std::string_view v);
  Stmt& bind_blob(int i, platform::ByteView v);
  Stmt& bind_null(int i);
  // SQLITE_ROW -> true, SQLITE_DONE -> false; anything else -> error status.
  platform::Result<bool> step(const std::string& what);
  platform::Status exec(const std::string& what);  // step to completion

  std::int64_t col_int(int i) const;
  std::string col_text(int i) const;
  platform::Bytes col_blob(int i) const;
  bool col_null(int i) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  bool cached_ = false;
  platform::Status prep_;
};

platform::Status exec_sql(sqlite3* db, const char* sql, const std::string& what);

// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction();
  platform::Status begin();
  platform::Status commit();

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace datasync::detail
