// platform/status.h: errors as values.
//
// Every error that crosses a module boundary is a Status (or a Result<T>) with a kind a
// program can branch on and a message a person can act on: what failed and where
// (a file path, a field name, a JSON pointer). Messages never carry participant data.
//
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace platform {

enum class StatusKind {
  kOk,
  kInvalidArgument,  // bad input from a caller or a file
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,  // includes unsafe file permissions
  kCorruption,        // a file or record is damaged; never auto-repaired
  kIoError,
  kDiskFull,
  kCrypto,     // a signature, seal or MAC did not verify
  kConflict,   // same id, different content
  kInternal,   // a broken invariant; a bug
};

const char* status_kind_name(StatusKind kind);

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string msg) { return {StatusKind::kInvalidArgument, std::move(msg)}; }
  static Status not_found(std::string msg) { return {StatusKind::kNotFound, std::move(msg)}; }
  static Status already_exists(std::string msg) { return {StatusKind::kAlreadyExists, std::move(msg)}; }
  static Status permission_denied(std::string msg) { return {StatusKind::kPermissionDenied, std::move(msg)}; }
  static Status corruption(std::string msg) { return {StatusKind::kCorruption, std::move(msg)}; }
  static Status io_error(std::string msg) { return {StatusKind::kIoError, std::move(msg)}; }
  static Status disk_full(std::string msg) { return {StatusKind::kDiskFull, std::move(msg)}; }
  static Status crypto(std::string msg) { return {StatusKind::kCrypto, std::move(msg)}; }
  static Status conflict(std::string msg) { return {StatusKind::kConflict, std::move(msg)}; }
  static Status internal(std::string msg) { return {StatusKind::kInternal, std::move(msg)}; }

  bool is_ok() const { return kind_ == StatusKind::kOk; }
  StatusKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "<kind>: <message>", for a one-line error report.
  std::string to_string() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status with_context(const std::string& context) const;

 private:
  Status(StatusKind kind, std::string msg) : kind_(kind), message_(std::move(msg)) {}
  StatusKind kind_ = StatusKind::kOk;
  std::string message_;
};

// A value or an error. REQUIRES: a non-ok Status when constructed from one.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).is_ok()) v_ = Status::internal("Result built from an ok Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  // REQUIRES: is_ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &std::get<T>(v_); }
  const T* operator->() const { return &std::get<T>(v_); }
  T& operator*() & { return std::get<T>(v_); }
  const T& operator*() const& { return std::get<T>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace platform

// Early-return helpers; keep call sites short without hiding control flow in lambdas.
#define KIOSK_RETURN_IF_ERROR(expr)          \
  do {                                       \
    ::platform::Status kiosk_s_ = (expr);    \
    if (!kiosk_s_.is_ok()) return kiosk_s_;  \
  } while (0)
