#include "platform/status.h"

namespace platform {

const char* status_kind_name(StatusKind kind) {
  switch (kind) {
    case StatusKind::kOk: return "ok";
    case StatusKind::kInvalidArgument: return "invalid input";
    case StatusKind::kNotFound: return "not found";
    case StatusKind::kAlreadyExists: return "already exists";
    case StatusKind::kPermissionDenied: return "permission denied";
    case StatusKind::kCorruption: return "corruption";
    case StatusKind::kIoError: return "I/O error";
    case StatusKind::kDiskFull: return "disk full";
    case StatusKind::kCrypto: return "verification failed";
    case StatusKind::kConflict: return "conflict";
    case StatusKind::kInternal: return "internal error";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(status_kind_name(kind_)) + ": " + message_;
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return Status(kind_, context + ": " + message_);
}

}  // namespace platform
