#include "platform/hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

// In a child process (the test runner itself stays dumpable): after forbid_core_dumps() the
// core size limit is 0, soft and hard, and the process is not dumpable.
TEST_CASE("forbid_core_dumps leaves no core size and makes the process not dumpable", "[hardening]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    rlimit before{};
    ::getrlimit(RLIMIT_CORE, &before);
    const int dumpable_before = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    const bool ok = platform::forbid_core_dumps().is_ok();
    rlimit after{};
    ::getrlimit(RLIMIT_CORE, &after);
    const long report[5] = {ok ? 1L : 0L, dumpable_before, ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), static_cast<long>(after.rlim_cur),
                            static_cast<long>(after.rlim_max)};
    (void)!::write(fds[1], report, sizeof report);
    ::_exit(0);
  }
  ::close(fds[1]);
  long report[5] = {-1, -1, -1, -1, -1};
  const ssize_t got = ::read(fds[0], report, sizeof report);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(got == static_cast<ssize_t>(sizeof report));
  CHECK(report[0] == 1);
  CHECK(report[1] == 1);  // dumpable before: the check below can tell
  CHECK(report[2] == 0);
  CHECK(report[3] == 0);
  CHECK(report[4] == 0);
}
