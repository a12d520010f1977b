// platform/fs.h: the file operations that must be crash-safe or private.
//
// write_file_atomic: write a temp file in the same directory, fsync it, rename it over the
// target, fsync the directory. A reader sees the old file or the new one, never a part.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace platform {

// REQUIRES: `path`'s directory exists. `mode` applies to the new file (e.g. 0600 for secrets).
// With `overwrite` false an existing target is left alone and kAlreadyExists is returned.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         mode_t mode, bool overwrite = true);

// Reads a whole file, refusing files larger than `max_bytes`.
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Creates `dir` (and parents) if missing and makes it mode 0700. An existing directory with
// looser permissions owned by this user is tightened to 0700; one owned by someone else is
// refused.
Status ensure_private_dir(const std::filesystem::path& dir);

// Maps an errno value to a Status of the right kind (ENOSPC and EDQUOT become kDiskFull).
Status status_from_errno(int err, const std::string& what);

}  // namespace platform
