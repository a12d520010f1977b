// Protocol packages: the Bundle's own rules, problems inside entries, and detached signatures.
#include <catch2/catch.hpp>

#include "forms_test_helpers.h"
#include "platform/crypto.h"

using namespace ft;

namespace {

#define FT_CHECK_PACKAGE_PROBLEM(json_value, pointer, link, needle)          \
  do {                                                                       \
    forms::PackageLoad ft_p_ = forms::load_package(json_value);              \
    INFO(ft::describe(ft_p_.problems));                                      \
    CHECK_FALSE(ft_p_.ok());                                                 \
    CHECK_FALSE(ft_p_.package.has_value());                                  \
    CHECK(ft::has_problem(ft_p_.problems, pointer, link, needle));           \
  } while (0)

}  // namespace

TEST_CASE("a minimal valid package loads", "[forms][package]") {
  forms::PackageLoad r = forms::load_package(minimal_package());
  INFO(describe(r.problems));
  REQUIRE(r.ok());
  const forms::ProtocolPackage& p = *r.package;
  CHECK(p.id == "test-general-1.0.0");
  CHECK(p.canonical == kProtocol);
  CHECK(p.version == "1.0.0");
  CHECK(p.policy() == kProtocol + "|1.0.0");
  CHECK(p.participation_type == "general");
  REQUIRE(p.questionnaires.size() == 4);
  REQUIRE(p.first("consent") != nullptr);
  CHECK(p.first("consent")->find("c.participation") != nullptr);
  CHECK(p.first("consent-representative")->find("r.participation") != nullptr);
  CHECK(p.first("comprehension")->find("k.1") != nullptr);
  CHECK(p.first("survey")->find("s.age") != nullptr);
  CHECK(p.first("nothing") == nullptr);
  // load_form_text tells a package from a Questionnaire.
  forms::FormFile f = forms::load_form_text(minimal_package().dump());
  CHECK(f.ok());
  CHECK(f.package.has_value());
  CHECK_FALSE(f.questionnaire.has_value());
  forms::FormFile fq = forms::load_form_text(q(item("a", "string")).dump());
  CHECK(fq.ok());
  CHECK(fq.questionnaire.has_value());
}

TEST_CASE("a package that is not a collection Bundle is refused", "[forms][package]") {
  FT_CHECK_PACKAGE_PROBLEM(q(item("a", "string")), "/resourceType", "", "Bundle");
  FT_CHECK_PACKAGE_PROBLEM(json::array(), "/resourceType", "", "Bundle");
  json wrong = minimal_package();
  wrong["type"] = "document";
  FT_CHECK_PACKAGE_PROBLEM(wrong, "/type", "", "collection");
  json empty = minimal_package();
  empty["entry"] = json::array();
  FT_CHECK_PACKAGE_PROBLEM(empty, "/entry", "", "entries");
  json no_resource = minimal_package();
  no_resource["entry"].push_back({{"fullUrl", "x"}});
  FT_CHECK_PACKAGE_PROBLEM(no_resource, "/entry/4", "", "resource");
}

TEST_CASE("a package needs its identifier and participation-type tag", "[forms][package]") {
  json no_id = minimal_package();
  no_id.erase("identifier");
  FT_CHECK_PACKAGE_PROBLEM(no_id, "/identifier", "", "<canonical>|<version>");
  json other_system = minimal_package();
  other_system["identifier"]["system"] = "https://example.test/other";
  FT_CHECK_PACKAGE_PROBLEM(other_system, "/identifier", "", "identifier");
  json no_version = minimal_package();
  no_version["identifier"]["value"] = kProtocol;
  FT_CHECK_PACKAGE_PROBLEM(no_version, "/identifier", "", "identifier");
  json no_tag = minimal_package();
  no_tag.erase("meta");
  FT_CHECK_PACKAGE_PROBLEM(no_tag, "/meta/tag", "", "participation-type");
  json bad_tag = minimal_package();
  bad_tag["meta"]["tag"][0]["code"] = "common";
  FT_CHECK_PACKAGE_PROBLEM(bad_tag, "/meta/tag", "", "rare, severe or general");
}

TEST_CASE("a linkId used in two Questionnaires of a package is refused", "[forms][package]") {
  std::vector<json> qs = minimal_questionnaires();
  qs[3]["item"].push_back(item("c.participation", "boolean"));
  FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry/3/resource/item/1/linkId", "c.participation", "two Questionnaires");
}

TEST_CASE("every Questionnaire has the package's version, its own url and a role", "[forms][package]") {
  std::vector<json> qs = minimal_questionnaires();
  qs[1]["version"] = "1.0.1";
  FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry/1/resource/version", "", "'1.0.1' differs from the package's '1.0.0'");
  qs = minimal_questionnaires();
  qs[3]["url"] = qs[2]["url"];
  FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry/3/resource/url", "", "share the url");
  qs = minimal_questionnaires();
  qs[3]["extension"] = json::array({bbd("translation-languages", "valueCode", "en")});
  FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry/3/resource/extension", "", "protocol-role");
}

TEST_CASE("enableWhen cannot name an item of another Questionnaire in the package", "[forms][package]") {
  std::vector<json> qs = minimal_questionnaires();
  qs[3]["item"].push_back(when(item("s.more", "string"), {exists("c.participation")}));
  FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry/3/resource/item/1/enableWhen/0/question", "s.more", "'c.participation'");
}

TEST_CASE("a package needs a consent, a representative consent, a comprehension check and a survey", "[forms][package]") {
  const char* needles[] = {"consent document", "legal-representative", "comprehension check", "survey"};
  for (std::size_t drop = 0; drop < 4; ++drop) {
    std::vector<json> qs = minimal_questionnaires();
    qs.erase(qs.begin() + static_cast<std::ptrdiff_t>(drop));
    INFO("without entry " << drop);
    FT_CHECK_PACKAGE_PROBLEM(bundle(qs), "/entry", "", needles[drop]);
  }
}

TEST_CASE("problems inside an entry carry /entry/N/resource pointers", "[forms][package]") {
  std::vector<json> qs = minimal_questionnaires();
  qs[2]["item"][0]["answerOption"][0].erase("extension");  // no correct answer
  qs[3]["item"].push_back(item("s.bad", "quantity"));
  qs[0].erase("_title");
  forms::PackageLoad r = forms::load_package(bundle(qs));
  INFO(describe(r.problems));
  CHECK_FALSE(r.ok());
  CHECK(has_problem(r.problems, "/entry/2/resource/item/0/answerOption", "k.1", "exactly one correct-answer"));
  CHECK(has_problem(r.problems, "/entry/3/resource/item/1/type", "s.bad", "quantity"));
  CHECK(has_problem(r.problems, "/entry/0/resource/title", "", "'en' translation"));
  // And the same through load_form_text, which a file check uses.
  forms::FormFile f = forms::load_form_text(bundle(qs).dump());
  CHECK(f.problems.size() == r.problems.size());
}

TEST_CASE("load_form_text reports JSON syntax errors with the byte offset", "[forms][package]") {
  forms::FormFile f = forms::load_form_text("{\"resourceType\": \"Questionnaire\",");
  REQUIRE(f.problems.size() == 1);
  CHECK(f.problems[0].message.find("not valid JSON at byte") != std::string::npos);
  forms::FormFile other = forms::load_form_text(R"({"resourceType": "Patient"})");
  REQUIRE(other.problems.size() == 1);
  CHECK(other.problems[0].pointer == "/resourceType");
}

TEST_CASE("package signatures: round trip, any changed byte, another key or garbage fails", "[forms][package][signature]") {
  platform::SignKeyPair bank = platform::generate_sign_keypair();
  platform::SignKeyPair other = platform::generate_sign_keypair();
  const std::string bytes = minimal_package().dump(2) + "\n";
  const std::string sig = forms::sign_package(bytes, bank.sec);
  CHECK(forms::package_signed_string(bytes) ==
        "bbd-protocol-package-v1\n" + platform::sha256_hex(platform::as_bytes(bytes)));

  CHECK(forms::verify_package_signature(bytes, sig, bank.pub).is_ok());
  CHECK(forms::verify_package_signature(bytes, sig + "\n", bank.pub).is_ok());  // as written to a .sig file
  CHECK(forms::verify_package_signature(bytes, sig + "\r\n", bank.pub).is_ok());

  // One changed byte anywhere, even whitespace, fails.
  std::string changed = bytes;
  changed[changed.size() / 2] = static_cast<char>(changed[changed.size() / 2] ^ 0x01);
  CHECK(forms::verify_package_signature(changed, sig, bank.pub).kind() == platform::StatusKind::kCrypto);
  CHECK(forms::verify_package_signature(bytes + " ", sig, bank.pub).kind() == platform::StatusKind::kCrypto);
  CHECK(forms::verify_package_signature(bytes.substr(0, bytes.size() - 1), sig, bank.pub).kind() ==
        platform::StatusKind::kCrypto);
  std::string respaced = bytes;
  respaced.replace(respaced.find("  "), 2, " \t");
  CHECK_FALSE(forms::verify_package_signature(respaced, sig, bank.pub).is_ok());
  CHECK_FALSE(forms::verify_package_signature(minimal_package().dump(), sig, bank.pub).is_ok());  // same JSON, other bytes

  // Another key.
  platform::Status wrong_key = forms::verify_package_signature(bytes, sig, other.pub);
  CHECK(wrong_key.kind() == platform::StatusKind::kCrypto);
  CHECK(wrong_key.message().find("does not verify") != std::string::npos);
  CHECK_FALSE(forms::verify_package_signature(bytes, forms::sign_package(bytes, other.sec), bank.pub).is_ok());

  // A changed signature byte, garbage, the wrong length, nothing.
  platform::Result<platform::Bytes> raw = platform::base64_decode(sig);
  REQUIRE(raw.is_ok());
  platform::Bytes flipped = raw.value();
  flipped[10] ^= 0x80;
  CHECK_FALSE(forms::verify_package_signature(bytes, platform::base64_encode(flipped), bank.pub).is_ok());
  for (const std::string& garbage : {std::string("not a signature at all!"), std::string(""), std::string("AAAA"),
                                     platform::base64_encode(platform::Bytes(63, 7)), sig.substr(0, sig.size() - 4)}) {
    platform::Status st = forms::verify_package_signature(bytes, garbage, bank.pub);
    INFO("signature text: '" << garbage << "'");
    CHECK_FALSE(st.is_ok());
  }
}
