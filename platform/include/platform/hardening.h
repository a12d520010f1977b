// platform/hardening.h: what a process that holds participant data or keys does first.
//
// The kiosk, kioskctl and databank-ingest hold names, answers, a resident registration number,
// decrypted staff cards or the data bank's secret keys in memory. A crash must not write that
// memory to disk: no core dump (RLIMIT_CORE 0, so a core_pattern that writes files gets
// nothing) and not dumpable (PR_SET_DUMPABLE 0: also no core through a pipe handler such as
// systemd-coredump, and no ptrace or /proc/PID/mem reading by other processes of the same user;
// root keeps it, for an IT admin with gdb).
//
// Thread-safety: call once at the start of main, before threads are started.
#pragma once

#include "platform/status.h"

namespace platform {

// Returns an error naming the call that failed; the process should then not go on.
Status forbid_core_dumps();

}  // namespace platform
