// Tests for platform/keyfile.h: writing and reading key files, their modes, and the
// refusals (overwrite, loose permissions, wrong length, bad encoding, missing file).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "platform/crypto.h"
#include "platform/keyfile.h"
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

bool same(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Writes a file by hand with the given mode (for files the key writers would not produce).
void write_with_mode(const fs::path& p, const std::string& text, unsigned mode) {
  testing_support::write_all(p, text);
  fs::permissions(p, static_cast<fs::perms>(mode), fs::perm_options::replace);
  REQUIRE(mode_of(p) == mode);
}

}  // namespace

TEST_CASE("Each key type can be written and read back", "[platform][keyfile]") {
  TempDir dir;

  SECTION("sign public key") {
    SignKeyPair kp = generate_sign_keypair();
    REQUIRE(write_public_key_file(dir / "sign.pub", kp.pub.view()).is_ok());
    Result<SignPublicKey> back = read_sign_public_key(dir / "sign.pub");
    REQUIRE(back.is_ok());
    CHECK(*back == kp.pub);
  }
  SECTION("seal public key") {
    SealKeyPair kp = generate_seal_keypair();
    REQUIRE(write_public_key_file(dir / "seal.pub", kp.pub.view()).is_ok());
    Result<SealPublicKey> back = read_seal_public_key(dir / "seal.pub");
    REQUIRE(back.is_ok());
    CHECK(*back == kp.pub);
  }
  SECTION("sign secret key") {
    SignKeyPair kp = generate_sign_keypair();
    REQUIRE(write_secret_key_file(dir / "sign.key", kp.sec.view()).is_ok());
    Result<SignSecretKey> back = read_sign_secret_key(dir / "sign.key");
    REQUIRE(back.is_ok());
    CHECK(same(back->view(), kp.sec.view()));
    // The key read back is usable: it signs for the original public key.
    Signature sig = sign_detached(as_bytes("m"), *back);
    CHECK(verify_detached(sig, as_bytes("m"), kp.pub));
  }
  SECTION("seal secret key") {
    SealKeyPair kp = generate_seal_keypair();
    REQUIRE(write_secret_key_file(dir / "seal.key", kp.sec.view()).is_ok());
    Result<SealSecretKey> back = read_seal_secret_key(dir / "seal.key");
    REQUIRE(back.is_ok());
    CHECK(same(back->view(), kp.sec.view()));
    Bytes sealed = seal_for_databank(as_bytes("m"), kp.pub);
    CHECK(open_sealed(sealed, kp.pub, *back).is_ok());
  }
  SECTION("local key") {
    LocalKey k = generate_local_key();
    REQUIRE(write_secret_key_file(dir / "local.key", k.view()).is_ok());
    Result<LocalKey> back = read_local_key(dir / "local.key");
    REQUIRE(back.is_ok());
    CHECK(same(back->view(), k.view()));
  }
}

TEST_CASE("A key file is one line of padded standard base64", "[platform][keyfile]") {
  TempDir dir;
  SealKeyPair kp = generate_seal_keypair();
  REQUIRE(write_public_key_file(dir / "seal.pub", kp.pub.view()).is_ok());
  CHECK(read_all(dir / "seal.pub") == base64_encode(kp.pub.view()) + "\n");
}

TEST_CASE("Secret key files are mode 0600 and public key files 0644", "[platform][keyfile]") {
  TempDir dir;
  SignKeyPair kp = generate_sign_keypair();
  REQUIRE(write_secret_key_file(dir / "sign.key", kp.sec.view()).is_ok());
  REQUIRE(write_public_key_file(dir / "sign.pub", kp.pub.view()).is_ok());
  CHECK(mode_of(dir / "sign.key") == 0600);
  CHECK(mode_of(dir / "sign.pub") == 0644);
}

TEST_CASE("Key files are never overwritten", "[platform][keyfile]") {
  TempDir dir;
  SECTION("secret") {
    LocalKey first = generate_local_key();
    LocalKey second = generate_local_key();
    REQUIRE(write_secret_key_file(dir / "local.key", first.view()).is_ok());
    std::string before = read_all(dir / "local.key");

    Status s = write_secret_key_file(dir / "local.key", second.view());
    CHECK(s.kind() == StatusKind::kAlreadyExists);
    CHECK(s.message().find((dir / "local.key").string()) != std::string::npos);
    CHECK(read_all(dir / "local.key") == before);
    CHECK(mode_of(dir / "local.key") == 0600);
    Result<LocalKey> back = read_local_key(dir / "local.key");
    REQUIRE(back.is_ok());
    CHECK(same(back->view(), first.view()));
    CHECK(names_in(dir.path()) == std::set<std::string>{"local.key"});
  }
  SECTION("public") {
    SignKeyPair a = generate_sign_keypair();
    SignKeyPair b = generate_sign_keypair();
    REQUIRE(write_public_key_file(dir / "sign.pub", a.pub.view()).is_ok());
    std::string before = read_all(dir / "sign.pub");
    CHECK(write_public_key_file(dir / "sign.pub", b.pub.view()).kind() == StatusKind::kAlreadyExists);
    CHECK(read_all(dir / "sign.pub") == before);
    CHECK(names_in(dir.path()) == std::set<std::string>{"sign.pub"});
  }
  SECTION("a public key is not written over a secret one") {
    SignKeyPair a = generate_sign_keypair();
    REQUIRE(write_secret_key_file(dir / "k", a.sec.view()).is_ok());
    std::string before = read_all(dir / "k");
    CHECK(write_public_key_file(dir / "k", a.pub.view()).kind() == StatusKind::kAlreadyExists);
    CHECK(read_all(dir / "k") == before);
    CHECK(mode_of(dir / "k") == 0600);
  }
}

TEST_CASE("Writing key files leaves no temporary files behind", "[platform][keyfile]") {
  TempDir dir;
  SignKeyPair sign = generate_sign_keypair();
  SealKeyPair seal = generate_seal_keypair();
  LocalKey local = generate_local_key();
  REQUIRE(write_secret_key_file(dir / "sign.key", sign.sec.view()).is_ok());
  REQUIRE(write_public_key_file(dir / "sign.pub", sign.pub.view()).is_ok());
  REQUIRE(write_secret_key_file(dir / "seal.key", seal.sec.view()).is_ok());
  REQUIRE(write_public_key_file(dir / "seal.pub", seal.pub.view()).is_ok());
  REQUIRE(write_secret_key_file(dir / "local.key", local.view()).is_ok());
  // Refused writes must not leave anything either.
  CHECK_FALSE(write_secret_key_file(dir / "local.key", local.view()).is_ok());
  CHECK_FALSE(write_public_key_file(dir / "sign.pub", sign.pub.view()).is_ok());
  CHECK(names_in(dir.path()) ==
        std::set<std::string>{"sign.key", "sign.pub", "seal.key", "seal.pub", "local.key"});
}

TEST_CASE("A secret key file readable by others is refused", "[platform][keyfile]") {
  TempDir dir;
  LocalKey k = generate_local_key();
  fs::path p = dir / "local.key";
  REQUIRE(write_secret_key_file(p, k.view()).is_ok());

  unsigned mode = GENERATE(0640u, 0604u, 0644u, 0660u, 0606u, 0666u);
  fs::permissions(p, static_cast<fs::perms>(mode), fs::perm_options::replace);
  REQUIRE(mode_of(p) == mode);
  INFO("mode " << std::oct << mode);

  Result<LocalKey> r = read_local_key(p);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().kind() == StatusKind::kPermissionDenied);
  CHECK(r.status().message().find(p.string()) != std::string::npos);
  CHECK(r.status().message().find("readable by others") != std::string::npos);
}

TEST_CASE("Every secret key reader checks the file mode", "[platform][keyfile]") {
  TempDir dir;
  SignKeyPair sign = generate_sign_keypair();
  SealKeyPair seal = generate_seal_keypair();
  REQUIRE(write_secret_key_file(dir / "sign.key", sign.sec.view()).is_ok());
  REQUIRE(write_secret_key_file(dir / "seal.key", seal.sec.view()).is_ok());
  fs::permissions(dir / "sign.key", static_cast<fs::perms>(0640), fs::perm_options::replace);
  fs::permissions(dir / "seal.key", static_cast<fs::perms>(0604), fs::perm_options::replace);
  CHECK(read_sign_secret_key(dir / "sign.key").status().kind() == StatusKind::kPermissionDenied);
  CHECK(read_seal_secret_key(dir / "seal.key").status().kind() == StatusKind::kPermissionDenied);
}

TEST_CASE("A secret key file that only its owner can read is accepted", "[platform][keyfile]") {
  TempDir dir;
  LocalKey k = generate_local_key();
  fs::path p = dir / "local.key";
  REQUIRE(write_secret_key_file(p, k.view()).is_ok());
  fs::permissions(p, static_cast<fs::perms>(0400), fs::perm_options::replace);
  Result<LocalKey> r = read_local_key(p);
  REQUIRE(r.is_ok());
  CHECK(same(r->view(), k.view()));
}

TEST_CASE("A key of the wrong length is refused, naming the file", "[platform][keyfile]") {
  TempDir dir;

  SECTION("a 32-byte key where a 64-byte signing secret is expected") {
    LocalKey k32 = generate_local_key();
    fs::path p = dir / "short.key";
    REQUIRE(write_secret_key_file(p, k32.view()).is_ok());
    Result<SignSecretKey> r = read_sign_secret_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
    CHECK(r.status().message().find("32") != std::string::npos);
    CHECK(r.status().message().find("64") != std::string::npos);
  }
  SECTION("a 64-byte key where a 32-byte public key is expected") {
    SignKeyPair kp = generate_sign_keypair();
    fs::path p = dir / "long.pub";
    REQUIRE(write_public_key_file(p, kp.sec.view()).is_ok());
    Result<SealPublicKey> r = read_seal_public_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
  SECTION("one byte short") {
    Bytes b(kLocalKeyBytes - 1, 0x5a);
    fs::path p = dir / "local.key";
    REQUIRE(write_secret_key_file(p, b).is_ok());
    CHECK(read_local_key(p).status().kind() == StatusKind::kInvalidArgument);
  }
  SECTION("an empty file") {
    fs::path p = dir / "empty.pub";
    write_with_mode(p, "", 0644);
    Result<SignPublicKey> r = read_sign_public_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
}

TEST_CASE("A key file that is not base64 is refused, naming the file", "[platform][keyfile]") {
  TempDir dir;
  SECTION("secret") {
    fs::path p = dir / "garbage.key";
    write_with_mode(p, "this is not a key!!\n", 0600);
    Result<SealSecretKey> r = read_seal_secret_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
  SECTION("public, URL-safe alphabet") {
    SignKeyPair kp = generate_sign_keypair();
    std::string text = base64_encode(kp.pub.view());
    std::replace(text.begin(), text.end(), '+', '-');
    std::replace(text.begin(), text.end(), '/', '_');
    text[0] = '-';  // make sure at least one URL-safe character is present
    fs::path p = dir / "urlsafe.pub";
    write_with_mode(p, text + "\n", 0644);
    Result<SignPublicKey> r = read_sign_public_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kInvalidArgument);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
  SECTION("two keys in one file") {
    SignKeyPair kp = generate_sign_keypair();
    std::string line = base64_encode(kp.pub.view());
    fs::path p = dir / "two.pub";
    write_with_mode(p, line + "\n" + line + "\n", 0644);
    CHECK_FALSE(read_sign_public_key(p).is_ok());
  }
}

TEST_CASE("A missing key file is kNotFound, naming the file", "[platform][keyfile]") {
  TempDir dir;
  fs::path p = dir / "absent.key";
  SECTION("secret") {
    Result<LocalKey> r = read_local_key(p);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.status().kind() == StatusKind::kNotFound);
    CHECK(r.status().message().find(p.string()) != std::string::npos);
  }
  SECTION("public") {
    CHECK(read_sign_public_key(p).status().kind() == StatusKind::kNotFound);
    CHECK(read_seal_public_key(p).status().kind() == StatusKind::kNotFound);
  }
}

TEST_CASE("Writing a key file into a missing directory fails without creating it", "[platform][keyfile]") {
  TempDir dir;
  LocalKey k = generate_local_key();
  Status s = write_secret_key_file(dir / "nope" / "local.key", k.view());
  CHECK_FALSE(s.is_ok());
  CHECK_FALSE(fs::exists(dir / "nope"));
}
