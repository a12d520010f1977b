#include "platform/keyfile.h"

#include <sys/stat.h>

#include <cstring>
#include <string>

#include "platform/fs.h"

namespace platform {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

std::string trim_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<Bytes> read_key_bytes(const fs::path& path, std::size_t expected, bool secret) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return status_from_errno(errno, "cannot read key file " + path.string());
  if (secret && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::permission_denied("secret key file " + path.string() + " has mode " + mode +
                                     " and is readable by others; refusing to use it. Check who "
                                     "may have copied it, then chmod 600 it");
  }
  Result<std::string> text = read_file(path, kMaxKeyFileBytes);
  if (!text.is_ok()) return text.status();
  std::string line = trim_line(std::move(text.value()));
  Result<Bytes> raw = base64_decode(line);
  wipe(line);
  if (!raw.is_ok()) return raw.status().with_context("key file " + path.string());
  if (raw->size() != expected) {
    std::size_t got = raw->size();
    wipe(raw->data(), raw->size());
    return Status::invalid_argument("key file " + path.string() + " holds " + std::to_string(got) +
                                    " bytes; expected " + std::to_string(expected));
  }
  return raw;
}

template <typename Pub>
Result<Pub> read_public(const fs::path& path) {
  Result<Bytes> raw = read_key_bytes(path, Pub::kSize, false);
  if (!raw.is_ok()) return raw.status();
  Pub key;
  std::memcpy(key.bytes.data(), raw->data(), Pub::kSize);
  return key;
}

template <typename Sec>
Result<Sec> read_secret(const fs::path& path) {
  Result<Bytes> raw = read_key_bytes(path, Sec::kSize, true);
  if (!raw.is_ok()) return raw.status();
  Sec key;
  std::memcpy(key.data(), raw->data(), Sec::kSize);
  wipe(raw->data(), raw->size());
  return key;
}

}  // namespace

Status write_public_key_file(const fs::path& path, ByteView key) {
  return write_file_atomic(path, base64_encode(key) + "\n", 0644, /*overwrite=*/false);
}

Status write_secret_key_file(const fs::path& path, ByteView key) {
  std::string text = base64_encode(key) + "\n";
  Status s = write_file_atomic(path, text, 0600, /*overwrite=*/false);
  wipe(text);
  return s;
}

Result<SignPublicKey> read_sign_public_key(const fs::path& p) { return read_public<SignPublicKey>(p); }
Result<SealPublicKey> read_seal_public_key(const fs::path& p) { return read_public<SealPublicKey>(p); }
Result<SignSecretKey> read_sign_secret_key(const fs::path& p) { return read_secret<SignSecretKey>(p); }
Result<SealSecretKey> read_seal_secret_key(const fs::path& p) { return read_secret<SealSecretKey>(p); }
Result<LocalKey> read_local_key(const fs::path& p) { return read_secret<LocalKey>(p); }
Result<PinPepper> read_pin_pepper(const fs::path& p) { return read_secret<PinPepper>(p); }

}  // namespace platform
