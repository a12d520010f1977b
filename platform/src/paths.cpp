#include "platform/paths.h"

#include <cstdlib>

#include "platform/fs.h"

namespace platform {

namespace fs = std::filesystem;

fs::path default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return fs::path(xdg) / "bbd-kiosk";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local" / "share" / "bbd-kiosk";
  return "/var/lib/bbd-kiosk";
}

Result<fs::path> resolve_data_dir(const std::optional<std::string>& flag) {
  fs::path dir;
  if (flag && !flag->empty()) {
    dir = *flag;
  } else if (const char* env = std::getenv("KIOSK_DATA_DIR"); env && *env) {
    dir = env;
  } else {
    dir = default_data_dir();
  }
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (ec) return Status::invalid_argument("data dir " + dir.string() + ": " + ec.message());
  Status s = ensure_private_dir(abs);
  if (!s.is_ok()) return s.with_context("data dir");
  return abs;
}

}  // namespace platform
