// sync/usb_export.h: the offline path's file (DESIGN.md section 5), for a USB stick.
//
// One queued envelope per line (the wire JSON), then one last line
//   {"manifest":{"count":N,"sha256":"<hex SHA-256 of all bytes before this line>",
//                "device":"dev-...","created":"<RFC 3339>"}}
// Written atomically (temp file, fsync, rename). The outbox is not changed: envelopes leave
// the queue only when the data bank's receipts come back (kioskctl import-receipts).
//
// Thread-safety: reads the outbox through its own thread-safe interface.
#pragma once

#include <filesystem>
#include <string>

#include "platform/status.h"
#include "sync/outbox.h"

namespace datasync {

struct ExportSummary {
  std::int64_t count = 0;
  std::int64_t bytes = 0;
  std::string sha256;
};

platform::Result<ExportSummary> export_queue(Outbox& outbox, const std::filesystem::path& out,
                                             const std::string& device_id,
                                             const std::string& created_rfc3339);

// Checks an export file's manifest (count and hash) and returns its envelope lines.
platform::Result<std::vector<std::string>> read_export(const std::filesystem::path& file);

}  // namespace datasync
