// platform/keyfile.h: key files (DESIGN.md section 4).
//
// A key file holds the raw libsodium key bytes as one line of base64 (standard alphabet,
// padded). Secret key files are written mode 0600, atomically, and are never overwritten;
// reading one that is group- or world-accessible is refused with a message saying so.
//
// Thread-safety: stateless; safe from any thread.
#pragma once

#include <filesystem>

#include "platform/crypto.h"
#include "platform/status.h"

namespace platform {

// Public keys are mode 0644. Neither call overwrites an existing file (kAlreadyExists).
Status write_public_key_file(const std::filesystem::path& path, ByteView key);
Status write_secret_key_file(const std::filesystem::path& path, ByteView key);

Result<SignPublicKey> read_sign_public_key(const std::filesystem::path& path);
Result<SealPublicKey> read_seal_public_key(const std::filesystem::path& path);
Result<SignSecretKey> read_sign_secret_key(const std::filesystem::path& path);
Result<SealSecretKey> read_seal_secret_key(const std::filesystem::path& path);
Result<LocalKey> read_local_key(const std::filesystem::path& path);
Result<PinPepper> read_pin_pepper(const std::filesystem::path& path);

}  // namespace platform
