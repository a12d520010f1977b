// platform/paths.h: where the kiosk keeps its data.
//
// The data dir is, in order: the --data-dir flag, $KIOSK_DATA_DIR, $XDG_DATA_HOME/bbd-kiosk,
// $HOME/.local/share/bbd-kiosk, /var/lib/bbd-kiosk. It is created mode 0700.
//
// Layout below it:  kiosk.db (+ -wal, -shm)   the outbox, cards, audit chain
//                   keys/                     device keys (0700; secret files 0600)
//                   device.json               device id, site, mode
//                   logs/                     PII-free logs
//                   demo-databank/            demo mode only: the local data bank's keys
//
// Thread-safety: stateless.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "platform/status.h"

namespace platform {

// Resolves and creates (0700) the data dir. `flag` is the --data-dir value, if given.
Result<std::filesystem::path> resolve_data_dir(const std::optional<std::string>& flag);

// The default when neither the flag nor $KIOSK_DATA_DIR is set.
std::filesystem::path default_data_dir();

}  // namespace platform
