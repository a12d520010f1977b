// Tests for platform/status.h: Status kinds, messages, context and Result<T>.
#include <catch2/catch.hpp>

#include <iterator>
#include <set>
#include <string>

#include "platform/status.h"

using platform::Result;
using platform::Status;
using platform::StatusKind;

namespace {

Status fails_then_returns(bool fail, int& reached) {
  KIOSK_RETURN_IF_ERROR(fail ? Status::not_found("thing missing") : Status::ok());
  reached = 1;
  return Status::ok();
}

}  // namespace

TEST_CASE("A default Status is ok and each factory gives its own kind", "[platform][status]") {
  Status ok;
  CHECK(ok.is_ok());
  CHECK(ok.kind() == StatusKind::kOk);
  CHECK(ok.message().empty());

  SECTION("invalid_argument") {
    Status s = Status::invalid_argument("m");
    CHECK_FALSE(s.is_ok());
    CHECK(s.kind() == StatusKind::kInvalidArgument);
    CHECK(s.message() == "m");
  }
  SECTION("not_found") { CHECK(Status::not_found("m").kind() == StatusKind::kNotFound); }
  SECTION("already_exists") { CHECK(Status::already_exists("m").kind() == StatusKind::kAlreadyExists); }
  SECTION("permission_denied") {
    CHECK(Status::permission_denied("m").kind() == StatusKind::kPermissionDenied);
  }
  SECTION("corruption") { CHECK(Status::corruption("m").kind() == StatusKind::kCorruption); }
  SECTION("io_error") { CHECK(Status::io_error("m").kind() == StatusKind::kIoError); }
  SECTION("disk_full") { CHECK(Status::disk_full("m").kind() == StatusKind::kDiskFull); }
  SECTION("crypto") { CHECK(Status::crypto("m").kind() == StatusKind::kCrypto); }
  SECTION("conflict") { CHECK(Status::conflict("m").kind() == StatusKind::kConflict); }
  SECTION("internal") { CHECK(Status::internal("m").kind() == StatusKind::kInternal); }
}

TEST_CASE("A Result built from an ok Status becomes an internal error", "[platform][status]") {
  Result<int> r(Status::ok());
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kInternal);
  CHECK_FALSE(r.status().message().empty());
}

TEST_CASE("A Result holds either a value or the error it was built from", "[platform][status]") {
  SECTION("value") {
    Result<std::string> r(std::string("payload"));
    REQUIRE(r.is_ok());
    CHECK(r.status().is_ok());
    CHECK(*r == "payload");
    CHECK(r->size() == 7);
    std::string moved = std::move(r).value();
    CHECK(moved == "payload");
  }
  SECTION("error") {
    Result<std::string> r(Status::corruption("record 3 is damaged"));
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kCorruption);
    CHECK(r.status().message() == "record 3 is damaged");
  }
}

TEST_CASE("with_context prefixes the message and keeps the kind", "[platform][status]") {
  SECTION("an error gets the prefix") {
    Status s = Status::io_error("cannot write x").with_context("saving outbox");
    CHECK(s.kind() == StatusKind::kIoError);
    CHECK(s.message() == "saving outbox: cannot write x");
  }
  SECTION("contexts nest outermost first") {
    Status s = Status::not_found("f").with_context("inner").with_context("outer");
    CHECK(s.message() == "outer: inner: f");
  }
  SECTION("an ok status stays ok and message-free") {
    Status s = Status::ok().with_context("anything");
    CHECK(s.is_ok());
    CHECK(s.message().empty());
  }
  SECTION("the original is not modified") {
    Status orig = Status::conflict("same id");
    Status copy = orig.with_context("ctx");
    CHECK(orig.message() == "same id");
    CHECK(copy.message() == "ctx: same id");
  }
}

TEST_CASE("to_string gives '<kind name>: <message>' and 'ok' for ok", "[platform][status]") {
  CHECK(Status::ok().to_string() == "ok");
  CHECK(Status::invalid_argument("bad field /name").to_string() == "invalid input: bad field /name");
  CHECK(Status::disk_full("no space").to_string() == "disk full: no space");
  CHECK(Status::crypto("sig").to_string() == "verification failed: sig");
  CHECK(Status::io_error("x").to_string() == "I/O error: x");
  CHECK(Status::internal("y").with_context("z").to_string() == "internal error: z: y");
}

TEST_CASE("Every status kind has a distinct, non-empty name", "[platform][status]") {
  const StatusKind kinds[] = {
      StatusKind::kOk,       StatusKind::kInvalidArgument, StatusKind::kNotFound,
      StatusKind::kAlreadyExists, StatusKind::kPermissionDenied, StatusKind::kCorruption,
      StatusKind::kIoError,  StatusKind::kDiskFull,        StatusKind::kCrypto,
      StatusKind::kConflict, StatusKind::kInternal};
  std::set<std::string> names;
  for (StatusKind k : kinds) {
    std::string n = platform::status_kind_name(k);
    CHECK_FALSE(n.empty());
    CHECK(n != "unknown");
    names.insert(n);
  }
  CHECK(names.size() == std::size(kinds));
}

TEST_CASE("KIOSK_RETURN_IF_ERROR returns an error early and passes ok through", "[platform][status]") {
  SECTION("error returns early") {
    int reached = 0;
    Status s = fails_then_returns(true, reached);
    CHECK(s.kind() == StatusKind::kNotFound);
    CHECK(reached == 0);
  }
  SECTION("ok continues") {
    int reached = 0;
    Status s = fails_then_returns(false, reached);
    CHECK(s.is_ok());
    CHECK(reached == 1);
  }
}
