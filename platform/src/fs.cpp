#include "platform/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace platform {

namespace fs = std::filesystem;

Status status_from_errno(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return Status::disk_full(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::permission_denied(msg);
    case ENOENT:
      return Status::not_found(msg);
    case EEXIST:
      return Status::already_exists(msg);
    default:
      return Status::io_error(msg);
  }
}

namespace {

Status write_all(int fd, std::string_view data, const std::string& what) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return status_from_errno(errno, "cannot write " + what);
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::ok();
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return status_from_errno(errno, "cannot open directory " + dir.string());
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return status_from_errno(err, "cannot fsync directory " + dir.string());
  return Status::ok();
}

}  // namespace

Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode,
                         bool overwrite) {
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec))
    return Status::already_exists(path.string() + " already exists; not overwriting it");
  fs::path dir = path.parent_path();
  std::random_device rd;
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return status_from_errno(errno, "cannot create " + tmp.string());
  // The umask may have narrowed the mode; a wider mode than asked for is never wanted.
  Status s = Status::ok();
  if (::fchmod(fd, mode) != 0) s = status_from_errno(errno, "cannot chmod " + tmp.string());
  if (s.is_ok()) s = write_all(fd, contents, tmp.string());
  if (s.is_ok() && ::fsync(fd) != 0) s = status_from_errno(errno, "cannot fsync " + tmp.string());
  if (::close(fd) != 0 && s.is_ok()) s = status_from_errno(errno, "cannot close " + tmp.string());
  if (s.is_ok()) {
    if (!overwrite) {
      // link() fails if the target appeared meanwhile: no race overwrites a key.
      if (::link(tmp.c_str(), path.c_str()) != 0)
        s = status_from_errno(errno, "cannot create " + path.string());
      ::unlink(tmp.c_str());
    } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
      s = status_from_errno(errno, "cannot rename " + tmp.string() + " to " + path.string());
    }
  }
  if (!s.is_ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_dir(dir);
}

Result<std::string> read_file(const fs::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return status_from_errno(errno, "cannot open " + path.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return status_from_errno(err, "cannot stat " + path.string());
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::invalid_argument(path.string() + " is larger than " +
                                    std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return status_from_errno(err, "cannot read " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

Status ensure_private_dir(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return status_from_errno(ec.value(), "cannot create directory " + dir.string());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return status_from_errno(errno, "cannot stat " + dir.string());
  if (!S_ISDIR(st.st_mode)) return Status::invalid_argument(dir.string() + " is not a directory");
  if ((st.st_mode & 0777) != 0700) {
    if (st.st_uid != ::geteuid())
      return Status::permission_denied(dir.string() +
                                       " is not private (mode not 0700) and is owned by another "
                                       "user; fix it with chmod 700");
    if (::chmod(dir.c_str(), 0700) != 0)
      return status_from_errno(errno, "cannot make " + dir.string() + " private (chmod 700)");
  }
  return Status::ok();
}

}  // namespace platform
