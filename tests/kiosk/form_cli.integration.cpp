// kioskctl form check|fill|show and forms install|demo-sign, run as a form author and an IT
// admin would: the real binary, files in a temporary directory, exit codes and output lines.
// The fixture is the worked example of docs/FORMS.md ("smoking.json").
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../forms/forms_test_helpers.h"
#include "kiosk_fixture.h"
#include "platform/crypto.h"

using namespace testing_support;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {


bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

ProcessResult kioskctl(std::vector<std::string> args) {
  args.insert(args.begin(), bin("kioskctl").string());
  return run_process(args, std::chrono::seconds(60));
}

// docs/FORMS.md's worked example: smoke (choice, required) and perday (integer 1..100, required,
// enabled when smoke = current).
json smoking() {
  using namespace ft;
  json smoke = required(options(item("smoke", "choice", "담배를 피우십니까?", "Do you smoke?"),
                                {json{{"valueCoding", coding("never", "안 피움", "Never", "urn:s")}},
                                 json{{"valueCoding", coding("current", "피움", "Yes", "urn:s")}}}));
  json perday = with_ext(with_ext(required(item("perday", "integer", "하루 몇 개비?", "Cigarettes a day?")),
                                  hl7("minValue", "valueInteger", 1)),
                         hl7("maxValue", "valueInteger", 100));
  perday = when(perday, {cond("smoke", "=", "answerCoding", {{"system", "urn:s"}, {"code", "current"}})});
  json j = q(smoke, perday);
  j["url"] = "https://bbd.example.kr/fhir/Questionnaire/smoking";
  ft::set_text(j, "title", "흡연", "Smoking");
  return j;
}

struct FormFiles {
  TempDir dir;
  fs::path form = dir / "smoking.json";
  FormFiles() { write_all(form, smoking().dump(1)); }
  fs::path answers(const json& a, const std::string& name = "answers.json") const {
    fs::path p = dir / name;
    write_all(p, a.dump());
    return p;
  }
};

// The package files installed under <data>/forms.
std::vector<fs::path> installed(const fs::path& data) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::exists(data / "forms", ec)) return out;
  for (const auto& e : fs::directory_iterator(data / "forms")) out.push_back(e.path());
  return out;
}

}  // namespace

TEST_CASE("form check: exit 0 on a valid file, one 'file: pointer (linkId): message' line per problem",
          "[integration][form]") {
  FormFiles f;
  ProcessResult ok = kioskctl({"form", "check", f.form.string()});
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.empty());
  CHECK(ok.err.find("1 file(s) valid") != std::string::npos);

  // Three problems: the documented '>' on a choice, an unknown item type, a missing translation.
  json bad = smoking();
  bad["item"][1]["enableWhen"][0]["operator"] = ">";
  bad["item"].push_back(ft::item("when", "time"));
  bad["item"].push_back(ft::item("note", "string", "메모"));
  const fs::path bad_file = f.dir / "bad.json";
  write_all(bad_file, bad.dump(2));
  ProcessResult r = kioskctl({"form", "check", f.form.string(), bad_file.string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code != 0);
  std::vector<std::string> lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  for (const std::string& l : lines) CHECK(starts_with(l, bad_file.string() + ": /item/"));
  std::sort(lines.begin(), lines.end());  // the order problems are found in is not document order
  CHECK(lines[0] == bad_file.string() + ": /item/1/enableWhen/0/operator (perday): operator '>' cannot compare choice answers");
  CHECK(starts_with(lines[1], bad_file.string() + ": /item/2/type (when): "));
  CHECK(lines[1].find("'time'") != std::string::npos);
  CHECK(starts_with(lines[2], bad_file.string() + ": /item/3/text (note): "));
  CHECK(lines[2].find("'en'") != std::string::npos);
  CHECK(r.out.find(f.form.string() + ":") == std::string::npos);  // the valid file has no lines

  // Not JSON at all: one line with the byte offset.
  const fs::path broken = f.dir / "broken.json";
  write_all(broken, "{\"resourceType\": \"Questionnaire\", ");
  ProcessResult b = kioskctl({"form", "check", broken.string()});
  CHECK(b.exit_code != 0);
  REQUIRE(lines_of(b.out).size() == 1);
  CHECK(b.out.find("not valid JSON at byte") != std::string::npos);

  // A protocol package is checked as a whole.
  const fs::path pkg = f.dir / "package.json";
  write_all(pkg, ft::minimal_package().dump(2));
  ProcessResult p = kioskctl({"form", "check", pkg.string()});
  INFO(p.out << p.err);
  CHECK(p.exit_code == 0);
}

TEST_CASE("form fill prints the QuestionnaireResponse in the chosen language", "[integration][form]") {
  FormFiles f;
  const fs::path a = f.answers({{"smoke", "current"}, {"perday", 12}});
  ProcessResult en = kioskctl({"form", "fill", f.form.string(), "--answers", a.string(), "--lang", "en"});
  INFO(en.out << en.err);
  REQUIRE(en.exit_code == 0);
  json r = json::parse(en.out);
  CHECK(r["resourceType"] == "QuestionnaireResponse");
  CHECK(r["status"] == "completed");
  CHECK(r["questionnaire"] == "https://bbd.example.kr/fhir/Questionnaire/smoking|1.0.0");
  CHECK(r["authored"].is_string());
  REQUIRE(r["item"].size() == 2);
  CHECK(r["item"][0]["linkId"] == "smoke");
  CHECK(r["item"][0]["text"] == "Do you smoke?");
  CHECK(r["item"][0]["answer"][0]["valueCoding"]["code"] == "current");
  CHECK(r["item"][0]["answer"][0]["valueCoding"]["display"] == "Yes");
  CHECK(r["item"][1]["answer"][0]["valueInteger"] == 12);

  ProcessResult ko = kioskctl({"form", "fill", f.form.string(), "--answers", a.string()});
  REQUIRE(ko.exit_code == 0);
  json rk = json::parse(ko.out);
  CHECK(rk["item"][0]["text"] == "담배를 피우십니까?");
  CHECK(rk["item"][0]["answer"][0]["valueCoding"]["display"] == "피움");
}

TEST_CASE("form fill on a package prints a Bundle of the answered Questionnaires' responses", "[integration][form]") {
  FormFiles f;
  const fs::path pkg = f.dir / "package.json";
  write_all(pkg, ft::minimal_package().dump(2));
  ProcessResult r = kioskctl({"form", "fill", pkg.string(), "--answers",
                              f.answers({{"c.participation", true}, {"s.age", 41}}).string(), "--lang", "en"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json b = json::parse(r.out);
  CHECK(b["resourceType"] == "Bundle");
  REQUIRE(b["entry"].size() == 2);
  CHECK(b["entry"][0]["resource"]["questionnaire"] == "https://example.test/fhir/Questionnaire/consent|1.0.0");
  CHECK(b["entry"][1]["resource"]["item"][0]["answer"][0]["valueInteger"] == 41);

  // A language the form is not written in is refused.
  json ko_only = ft::ko_only(smoking());
  ko_only.erase("_title");
  for (json& it : ko_only["item"]) it.erase("_text");
  const fs::path ko_file = f.dir / "ko.json";
  write_all(ko_file, ko_only.dump());
  ProcessResult en = kioskctl({"form", "fill", ko_file.string(), "--answers", f.answers({{"smoke", "never"}}).string(), "--lang", "en"});
  INFO(en.out << en.err);
  CHECK(en.exit_code != 0);
  CHECK(en.err.find("no 'en' text") != std::string::npos);
}

TEST_CASE("form fill lists problems by linkId and exits non-zero", "[integration][form]") {
  FormFiles f;
  SECTION("out of range: the documented message") {
    ProcessResult r = kioskctl({"form", "fill", f.form.string(), "--answers",
                                f.answers({{"smoke", "current"}, {"perday", 300}}).string(), "--lang", "en"});
    CHECK(r.exit_code != 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{"perday: The value must be at most 100"});
  }
  SECTION("missing required answers, in Korean by default") {
    ProcessResult r = kioskctl({"form", "fill", f.form.string(), "--answers", f.answers({{"smoke", "current"}}).string()});
    CHECK(r.exit_code != 0);
    std::vector<std::string> lines = lines_of(r.out);
    REQUIRE(lines.size() == 1);
    CHECK(starts_with(lines[0], "perday: "));
    CHECK(ft::has_hangul(lines[0]));
    ProcessResult none = kioskctl({"form", "fill", f.form.string(), "--answers", f.answers(json::object()).string(), "--lang", "en"});
    CHECK(none.exit_code != 0);
    CHECK(lines_of(none.out) == std::vector<std::string>{"smoke: Please answer this question."});  // perday is disabled
  }
  SECTION("answers that do not fit, and unknown linkIds") {
    ProcessResult r = kioskctl({"form", "fill", f.form.string(), "--answers",
                                f.answers({{"smoke", "sometimes"}, {"perday", "three"}, {"nope", 1}}).string(), "--lang", "en"});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    std::vector<std::string> lines = lines_of(r.out);
    bool smoke = false, perday = false, nope = false;
    for (const std::string& l : lines) {
      CHECK((starts_with(l, "smoke: ") || starts_with(l, "perday: ") || starts_with(l, "nope: ")));
      smoke = smoke || (starts_with(l, "smoke: ") && l.find("sometimes") != std::string::npos);
      perday = perday || (starts_with(l, "perday: ") && l.find("whole number") != std::string::npos);
      nope = nope || (starts_with(l, "nope: ") && l.find("no such item") != std::string::npos);
    }
    CHECK(smoke);
    CHECK(perday);
    CHECK(nope);
    CHECK(r.out.find("QuestionnaireResponse") == std::string::npos);
  }
}

TEST_CASE("form fill ignores answers to disabled items and says so on stderr", "[integration][form]") {
  FormFiles f;
  ProcessResult r = kioskctl({"form", "fill", f.form.string(), "--answers",
                              f.answers({{"smoke", "never"}, {"perday", 3}}).string(), "--lang", "en"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("ignored (disabled by its conditions): perday") != std::string::npos);
  json out = json::parse(r.out);
  REQUIRE(out["item"].size() == 1);
  CHECK(out["item"][0]["linkId"] == "smoke");
  CHECK(r.out.find("perday") == std::string::npos);
}

TEST_CASE("form show outlines items, conditions and, with answers, the enabled state", "[integration][form]") {
  FormFiles f;
  ProcessResult plain = kioskctl({"form", "show", f.form.string(), "--lang", "en"});
  INFO(plain.out << plain.err);
  REQUIRE(plain.exit_code == 0);
  CHECK(plain.out.find("Smoking") != std::string::npos);
  CHECK(plain.out.find("[choice] smoke (required)  Do you smoke?") != std::string::npos);
  CHECK(plain.out.find("perday") != std::string::npos);
  CHECK(plain.out.find("{when smoke = current}") != std::string::npos);
  CHECK(plain.out.find("disabled") == std::string::npos);

  ProcessResult with = kioskctl({"form", "show", f.form.string(), "--lang", "en", "--answers",
                                 f.answers({{"smoke", "never"}, {"perday", 3}}).string()});
  INFO(with.out << with.err);
  REQUIRE(with.exit_code == 0);
  bool saw_perday = false;
  for (const std::string& l : lines_of(with.out)) {
    if (l.find("] smoke") != std::string::npos) {
      CHECK(l.find("disabled") == std::string::npos);
      CHECK(l.find("= Never") != std::string::npos);
    }
    if (l.find("] perday") != std::string::npos) {
      saw_perday = true;
      CHECK(l.find("-- disabled") != std::string::npos);
    }
  }
  CHECK(saw_perday);

  ProcessResult ko = kioskctl({"form", "show", f.form.string()});
  REQUIRE(ko.exit_code == 0);
  CHECK(ko.out.find("담배를 피우십니까?") != std::string::npos);

  ProcessResult invalid_file = kioskctl({"form", "show", (f.dir / "missing.json").string()});
  CHECK(invalid_file.exit_code != 0);
}

TEST_CASE("forms install refuses a package whose signature does not verify and accepts a demo-signed one",
          "[integration][form]") {
  TempDir dir;
  const fs::path data = dir / "data";
  const fs::path no_assets = dir / "assets";
  fs::create_directories(no_assets);
  ProcessResult init = run_process(kioskctl_args(data, {"--assets", no_assets.string(), "demo-init"}));
  INFO(init.out << init.err);
  REQUIRE(init.exit_code == 0);
  REQUIRE(installed(data).empty());

  const std::string bytes = ft::minimal_package().dump(2) + "\n";
  const fs::path pkg = dir / "general.json";
  write_all(pkg, bytes);

  SECTION("signed by another key") {
    platform::SignKeyPair other = platform::generate_sign_keypair();
    const fs::path sig = dir / "general.json.sig";
    write_all(sig, forms::sign_package(bytes, other.sec) + "\n");
    ProcessResult r = run_process(kioskctl_args(data, {"forms", "install", pkg.string(), sig.string()}));
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("signature does not verify") != std::string::npos);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(installed(data).empty());
  }
  SECTION("garbage signature text") {
    const fs::path sig = dir / "garbage.sig";
    write_all(sig, "this is not a signature\n");
    ProcessResult r = run_process(kioskctl_args(data, {"forms", "install", pkg.string(), sig.string()}));
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("signature") != std::string::npos);
    CHECK(installed(data).empty());
  }
  SECTION("demo-signed, then changed by one byte") {
    const fs::path sig = dir / "demo.sig";
    ProcessResult s = run_process(kioskctl_args(data, {"forms", "demo-sign", pkg.string(), "--out", sig.string()}));
    INFO(s.out << s.err);
    REQUIRE(s.exit_code == 0);
    write_all(pkg, bytes + " ");
    ProcessResult r = run_process(kioskctl_args(data, {"forms", "install", pkg.string(), sig.string()}));
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("signature does not verify") != std::string::npos);
    CHECK(installed(data).empty());
  }
  SECTION("demo-signed but not a valid package") {
    json broken = ft::minimal_package();
    broken["entry"][3]["resource"]["item"][0]["type"] = "quantity";
    write_all(pkg, broken.dump(2));
    const fs::path sig = dir / "demo.sig";
    REQUIRE(run_process(kioskctl_args(data, {"forms", "demo-sign", pkg.string(), "--out", sig.string()})).exit_code == 0);
    ProcessResult r = run_process(kioskctl_args(data, {"forms", "install", pkg.string(), sig.string()}));
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("/entry/3/resource/item/0/type") != std::string::npos);
    CHECK(installed(data).empty());
  }
  SECTION("demo-signed") {
    const fs::path sig = dir / "demo.sig";
    ProcessResult s = run_process(kioskctl_args(data, {"forms", "demo-sign", pkg.string(), "--out", sig.string()}));
    INFO(s.out << s.err);
    REQUIRE(s.exit_code == 0);
    ProcessResult r = run_process(kioskctl_args(data, {"forms", "install", pkg.string(), sig.string()}));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("installed") != std::string::npos);
    const fs::path target = data / "forms" / "general-1.0.0.json";
    REQUIRE(fs::exists(target));
    CHECK(read_all(target) == bytes);
    CHECK(read_all(data / "forms" / "general-1.0.0.json.sig") == read_all(sig));
    CHECK(installed(data).size() == 2);
  }
}

TEST_CASE("demo-init installs the repository's protocol packages", "[integration][form]") {
  TempDir dir;
  const fs::path data = dir / "data";
  // The fixture's demo_init skips the packages (--no-forms); this test wants them.
  ProcessResult init = run_process(kioskctl_args(data, {"--assets", KIOSK_ASSETS_DIR, "demo-init"}));
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  const fs::path protocols = fs::path(KIOSK_ASSETS_DIR) / "protocols";
  REQUIRE(fs::exists(protocols));
  for (const auto& e : fs::directory_iterator(protocols)) {
    if (e.path().extension() != ".json") continue;
    INFO(e.path());
    forms::FormFile f = forms::load_form_text(read_all(e.path()));
    REQUIRE(f.package.has_value());
    const fs::path target = data / "forms" / (f.package->participation_type + "-" + f.package->version + ".json");
    CHECK(fs::exists(target));
    CHECK(fs::exists(target.string() + ".sig"));
  }
}
