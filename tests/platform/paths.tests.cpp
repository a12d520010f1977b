// Tests for platform/paths.h: data dir resolution order, creation (0700), and refusals.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "platform/paths.h"
#include "test_support.h"

using namespace platform;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

// Sets or unsets an environment variable and restores the original on destruction.
class EnvVar {
 public:
  EnvVar(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Changes the working directory and restores it on destruction.
class Cwd {
 public:
  explicit Cwd(const fs::path& to) : old_(fs::current_path()) { fs::current_path(to); }
  ~Cwd() {
    std::error_code ec;
    fs::current_path(old_, ec);
  }
  Cwd(const Cwd&) = delete;
  Cwd& operator=(const Cwd&) = delete;

 private:
  fs::path old_;
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

}  // namespace

TEST_CASE("The --data-dir flag is used and created 0700", "[platform][paths]") {
  TempDir tmp;
  EnvVar env("KIOSK_DATA_DIR", std::nullopt);
  fs::path want = tmp / "flag" / "data";
  Result<fs::path> r = resolve_data_dir(want.string());
  REQUIRE(r.is_ok());
  CHECK(*r == want);
  CHECK(fs::is_directory(want));
  CHECK(mode_of(want) == 0700);
}

TEST_CASE("$KIOSK_DATA_DIR is used when there is no flag", "[platform][paths]") {
  TempDir tmp;
  fs::path want = tmp / "env-data";
  EnvVar env("KIOSK_DATA_DIR", want.string());

  SECTION("no flag") {
    Result<fs::path> r = resolve_data_dir(std::nullopt);
    REQUIRE(r.is_ok());
    CHECK(*r == want);
  }
  SECTION("an empty flag counts as no flag") {
    Result<fs::path> r = resolve_data_dir(std::string());
    REQUIRE(r.is_ok());
    CHECK(*r == want);
  }
  CHECK(fs::is_directory(want));
  CHECK(mode_of(want) == 0700);
}

TEST_CASE("The flag beats $KIOSK_DATA_DIR", "[platform][paths]") {
  TempDir tmp;
  fs::path from_env = tmp / "env-data";
  fs::path from_flag = tmp / "flag-data";
  EnvVar env("KIOSK_DATA_DIR", from_env.string());
  Result<fs::path> r = resolve_data_dir(from_flag.string());
  REQUIRE(r.is_ok());
  CHECK(*r == from_flag);
  CHECK(fs::is_directory(from_flag));
  CHECK_FALSE(fs::exists(from_env));
}

TEST_CASE("Without flag or $KIOSK_DATA_DIR the default data dir is used", "[platform][paths]") {
  TempDir tmp;
  EnvVar kiosk("KIOSK_DATA_DIR", std::string());  // set but empty: ignored

  SECTION("$XDG_DATA_HOME") {
    EnvVar xdg("XDG_DATA_HOME", (tmp / "xdg").string());
    CHECK(default_data_dir() == tmp / "xdg" / "bbd-kiosk");
    Result<fs::path> r = resolve_data_dir(std::nullopt);
    REQUIRE(r.is_ok());
    CHECK(*r == tmp / "xdg" / "bbd-kiosk");
    CHECK(mode_of(*r) == 0700);
  }
  SECTION("$HOME when $XDG_DATA_HOME is unset") {
    EnvVar xdg("XDG_DATA_HOME", std::nullopt);
    EnvVar home("HOME", (tmp / "home").string());
    CHECK(default_data_dir() == tmp / "home" / ".local" / "share" / "bbd-kiosk");
    Result<fs::path> r = resolve_data_dir(std::nullopt);
    REQUIRE(r.is_ok());
    CHECK(*r == tmp / "home" / ".local" / "share" / "bbd-kiosk");
    CHECK(fs::is_directory(*r));
  }
  SECTION("/var/lib when neither is set") {
    EnvVar xdg("XDG_DATA_HOME", std::nullopt);
    EnvVar home("HOME", std::nullopt);
    CHECK(default_data_dir() == fs::path("/var/lib/bbd-kiosk"));  // not created here
  }
}

TEST_CASE("A relative data dir is made absolute", "[platform][paths]") {
  TempDir tmp;
  EnvVar env("KIOSK_DATA_DIR", std::nullopt);
  Cwd cwd(tmp.path());
  Result<fs::path> r = resolve_data_dir(std::string("rel/data"));
  REQUIRE(r.is_ok());
  CHECK(r->is_absolute());
  CHECK(fs::equivalent(*r, tmp / "rel" / "data"));
  CHECK(mode_of(tmp / "rel" / "data") == 0700);
}

TEST_CASE("An existing loose data dir is tightened to 0700", "[platform][paths]") {
  TempDir tmp;
  fs::path d = tmp / "data";
  fs::create_directory(d);
  fs::permissions(d, static_cast<fs::perms>(0755), fs::perm_options::replace);
  Result<fs::path> r = resolve_data_dir(d.string());
  REQUIRE(r.is_ok());
  CHECK(mode_of(d) == 0700);
}

TEST_CASE("A data dir path that is a regular file is an error", "[platform][paths]") {
  TempDir tmp;
  fs::path f = tmp / "not-a-dir";
  testing_support::write_all(f, "x");
  Result<fs::path> r = resolve_data_dir(f.string());
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInvalidArgument);
  CHECK(r.status().message().rfind("data dir: ", 0) == 0);
  CHECK(r.status().message().find(f.string()) != std::string::npos);
  CHECK(testing_support::read_all(f) == "x");
}
