// Tests for platform/fs.h: atomic writes, bounded reads, private directories, errno mapping.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <atomic>
#include <filesystem>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "platform/fs.h"
#include "test_support.h"

using namespace platform;
using testing_support::read_all;
using testing_support::TempDir;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 07777);
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("write_file_atomic writes, overwrites only when allowed, and cleans up", "[platform][fs]") {
  TempDir dir;
  fs::path p = dir / "device.json";

  SECTION("writes a new file") {
    REQUIRE(write_file_atomic(p, "{\"a\":1}\n", 0644).is_ok());
    CHECK(read_all(p) == "{\"a\":1}\n");
    CHECK(names_in(dir.path()) == std::set<std::string>{"device.json"});
  }
  SECTION("overwrites with overwrite=true") {
    REQUIRE(write_file_atomic(p, "first version, longer than the second", 0644).is_ok());
    REQUIRE(write_file_atomic(p, "second", 0644, /*overwrite=*/true).is_ok());
    CHECK(read_all(p) == "second");
    CHECK(names_in(dir.path()) == std::set<std::string>{"device.json"});
  }
  SECTION("refuses with overwrite=false and leaves the file alone") {
    REQUIRE(write_file_atomic(p, "original", 0600).is_ok());
    Status s = write_file_atomic(p, "replacement", 0644, /*overwrite=*/false);
    CHECK(s.kind() == StatusKind::kAlreadyExists);
    CHECK(s.message().find(p.string()) != std::string::npos);
    CHECK(read_all(p) == "original");
    CHECK(mode_of(p) == 0600);
    CHECK(names_in(dir.path()) == std::set<std::string>{"device.json"});
  }
  SECTION("creates with overwrite=false when the target is absent") {
    REQUIRE(write_file_atomic(p, "new", 0600, /*overwrite=*/false).is_ok());
    CHECK(read_all(p) == "new");
    CHECK(names_in(dir.path()) == std::set<std::string>{"device.json"});
  }
  SECTION("empty and binary contents are written exactly") {
    REQUIRE(write_file_atomic(p, "", 0600).is_ok());
    CHECK(fs::file_size(p) == 0);
    const std::string binary("a\0b\xff\n\r\0", 7);
    REQUIRE(write_file_atomic(p, binary, 0600).is_ok());
    CHECK(read_all(p) == binary);
  }
  SECTION("a large file is written completely") {
    std::string big(3 * 1024 * 1024 + 17, 'x');
    big.back() = 'y';
    REQUIRE(write_file_atomic(p, big, 0600).is_ok());
    CHECK(read_all(p) == big);
  }
  SECTION("a failed rename removes the temporary file") {
    fs::create_directory(dir / "occupied");  // rename(file, dir) fails
    Status s = write_file_atomic(dir / "occupied", "x", 0600, /*overwrite=*/true);
    CHECK_FALSE(s.is_ok());
    CHECK(fs::is_directory(dir / "occupied"));
    CHECK(names_in(dir.path()) == std::set<std::string>{"occupied"});
  }
  SECTION("a missing directory is an error and creates nothing") {
    Status s = write_file_atomic(dir / "missing" / "f", "x", 0600);
    CHECK(s.kind() == StatusKind::kNotFound);
    CHECK_FALSE(fs::exists(dir / "missing"));
    CHECK(names_in(dir.path()).empty());
  }
}

TEST_CASE("Concurrent writers without overwrite: exactly one creates the file", "[platform][fs]") {
  TempDir dir;
  fs::path p = dir / "device.key";
  constexpr int kThreads = 8;
  for (int round = 0; round < 10; ++round) {
    std::error_code ec;
    fs::remove(p, ec);
    std::latch start(kThreads);
    std::atomic<int> created{0};
    std::atomic<int> refused{0};
    std::atomic<int> winner{-1};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        Status s = write_file_atomic(p, "writer " + std::to_string(t), 0600, /*overwrite=*/false);
        if (s.is_ok()) {
          ++created;
          winner = t;
        } else if (s.kind() == StatusKind::kAlreadyExists) {
          ++refused;
        }
      });
    }
    for (std::thread& th : threads) th.join();
    INFO("round " << round);
    REQUIRE(created == 1);
    CHECK(refused == kThreads - 1);
    CHECK(read_all(p) == "writer " + std::to_string(winner.load()));
    CHECK(names_in(dir.path()) == std::set<std::string>{"device.key"});
  }
}

TEST_CASE("write_file_atomic gives the file exactly the mode asked for", "[platform][fs]") {
  TempDir dir;
  fs::path p = dir / "f";
  SECTION("new files") {
    unsigned mode = GENERATE(0600u, 0640u, 0644u, 0400u);
    INFO("mode " << std::oct << mode);
    REQUIRE(write_file_atomic(p, "x", static_cast<mode_t>(mode)).is_ok());
    CHECK(mode_of(p) == mode);
  }
  SECTION("a mode wider than the umask allows is still applied exactly") {
    mode_t old = ::umask(077);
    Status s = write_file_atomic(p, "x", 0644);
    ::umask(old);
    REQUIRE(s.is_ok());
    CHECK(mode_of(p) == 0644);
  }
  SECTION("overwriting replaces the mode") {
    REQUIRE(write_file_atomic(p, "public", 0644).is_ok());
    REQUIRE(write_file_atomic(p, "private", 0600).is_ok());
    CHECK(mode_of(p) == 0600);
    CHECK(read_all(p) == "private");
  }
}

TEST_CASE("read_file reads whole files and refuses ones over max_bytes", "[platform][fs]") {
  TempDir dir;
  fs::path p = dir / "f";
  REQUIRE(write_file_atomic(p, "0123456789", 0600).is_ok());

  SECTION("exactly max_bytes is fine") {
    Result<std::string> r = read_file(p, 10);
    REQUIRE(r.is_ok());
    CHECK(*r == "0123456789");
  }
  SECTION("more than max_bytes is refused, naming the file") {
    Result<std::string> r = read_file(p, 9);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
  SECTION("an empty file reads as empty") {
    REQUIRE(write_file_atomic(dir / "e", "", 0600).is_ok());
    Result<std::string> r = read_file(dir / "e", 0);
    REQUIRE(r.is_ok());
    CHECK(r->empty());
  }
  SECTION("a missing file is kNotFound, naming the file") {
    Result<std::string> r = read_file(dir / "absent", 100);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kNotFound);
    CHECK(r.status().message().find((dir / "absent").string()) != std::string::npos);
  }
  SECTION("a directory is an error") {
    CHECK_FALSE(read_file(dir.path(), 1 << 20).is_ok());
  }
}

TEST_CASE("ensure_private_dir creates and tightens directories to 0700", "[platform][fs]") {
  TempDir dir;

  SECTION("creates a missing directory and its parents") {
    fs::path d = dir / "a" / "b" / "c";
    REQUIRE(ensure_private_dir(d).is_ok());
    CHECK(fs::is_directory(d));
    CHECK(mode_of(d) == 0700);
  }
  SECTION("tightens a 0755 directory") {
    fs::path d = dir / "loose";
    fs::create_directory(d);
    fs::permissions(d, static_cast<fs::perms>(0755), fs::perm_options::replace);
    REQUIRE(mode_of(d) == 0755);
    REQUIRE(ensure_private_dir(d).is_ok());
    CHECK(mode_of(d) == 0700);
  }
  SECTION("tightens a world-writable directory") {
    fs::path d = dir / "open";
    fs::create_directory(d);
    fs::permissions(d, static_cast<fs::perms>(0777), fs::perm_options::replace);
    REQUIRE(ensure_private_dir(d).is_ok());
    CHECK(mode_of(d) == 0700);
  }
  SECTION("an existing 0700 directory is left as it is, contents intact") {
    fs::path d = dir / "ok";
    fs::create_directory(d);
    fs::permissions(d, static_cast<fs::perms>(0700), fs::perm_options::replace);
    testing_support::write_all(d / "keep", "data");
    REQUIRE(ensure_private_dir(d).is_ok());
    CHECK(mode_of(d) == 0700);
    CHECK(read_all(d / "keep") == "data");
  }
  SECTION("a regular file is refused") {
    fs::path f = dir / "file";
    testing_support::write_all(f, "x");
    Status s = ensure_private_dir(f);
    CHECK(s.kind() == StatusKind::kInvalidArgument);
    CHECK(s.message().find(f.string()) != std::string::npos);
    CHECK(fs::is_regular_file(f));
  }
  SECTION("a path below a regular file is an error") {
    fs::path f = dir / "file";
    testing_support::write_all(f, "x");
    CHECK_FALSE(ensure_private_dir(f / "sub").is_ok());
  }
}

TEST_CASE("status_from_errno maps errno values to status kinds", "[platform][fs]") {
  SECTION("disk full") {
    Status s = status_from_errno(ENOSPC, "cannot write outbox");
    CHECK(s.kind() == StatusKind::kDiskFull);
    CHECK(s.message().rfind("cannot write outbox: ", 0) == 0);
    CHECK(s.message().find(std::strerror(ENOSPC)) != std::string::npos);
    CHECK(status_from_errno(EDQUOT, "w").kind() == StatusKind::kDiskFull);
  }
  SECTION("permissions") {
    CHECK(status_from_errno(EACCES, "w").kind() == StatusKind::kPermissionDenied);
    CHECK(status_from_errno(EPERM, "w").kind() == StatusKind::kPermissionDenied);
    CHECK(status_from_errno(EROFS, "w").kind() == StatusKind::kPermissionDenied);
  }
  SECTION("existence") {
    CHECK(status_from_errno(ENOENT, "w").kind() == StatusKind::kNotFound);
    CHECK(status_from_errno(EEXIST, "w").kind() == StatusKind::kAlreadyExists);
  }
  SECTION("everything else is an I/O error") {
    CHECK(status_from_errno(EIO, "w").kind() == StatusKind::kIoError);
    CHECK(status_from_errno(EBADF, "w").kind() == StatusKind::kIoError);
  }
}
