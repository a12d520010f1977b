#include "platform/hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>

#include "platform/fs.h"

namespace platform {

Status forbid_core_dumps() {
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0) return status_from_errno(errno, "setrlimit(RLIMIT_CORE, 0)");
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return status_from_errno(errno, "prctl(PR_SET_DUMPABLE, 0)");
  return Status::ok();
}

}  // namespace platform
