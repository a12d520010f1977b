// Golden tests for the protocol packages: every answer set under tests/forms/golden/<type>/
// is applied to assets/protocols/<type>.json and the enabled items and QuestionnaireResponses
// are compared with the files next to it (layout: golden_support.h).
//
// To regenerate after an intended change: KIOSK_UPDATE_GOLDEN=1 ./tests/forms_tests "[golden]"
// then read the diff (git diff tests/forms/golden) before committing it. Regeneration still
// fails on refused answers and on validation problems.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include "golden_support.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kGoldenRoot = fs::path(KIOSK_TESTS_DIR) / "forms" / "golden";

bool updating() {
  const char* v = std::getenv("KIOSK_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// Loaded once per process: Catch re-runs a test case once per dynamic section.
const forms::ProtocolPackage& package(const std::string& type) {
  static std::map<std::string, forms::ProtocolPackage> cache;
  auto it = cache.find(type);
  if (it == cache.end())
    it = cache.emplace(type, golden::load_package_file(fs::path(KIOSK_ASSETS_DIR) / "protocols" / (type + ".json"))).first;
  return it->second;
}

std::string short_json(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= 200) return s;
  std::size_t cut = 197;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return s.substr(0, cut) + "...";
}

// "-"/"+" lines for a sorted list.
std::string list_diff(const std::vector<std::string>& expected, const std::vector<std::string>& actual) {
  std::set<std::string> e(expected.begin(), expected.end()), a(actual.begin(), actual.end());
  std::string out;
  for (const std::string& x : expected)
    if (!a.count(x)) out += "  - " + x + "   (expected enabled, is not)\n";
  for (const std::string& x : actual)
    if (!e.count(x)) out += "  + " + x + "   (enabled, not expected)\n";
  if (out.empty() && expected != actual) out = "  (same items, different order or duplicates)\n";
  return out;
}

bool keyed_by_link_id(const json& a) {
  if (!a.is_array() || a.empty()) return false;
  for (const json& x : a)
    if (!x.is_object() || !x.contains("linkId") || !x["linkId"].is_string()) return false;
  return true;
}

// A structural diff, one line per difference: "-" expected but missing, "+" not expected,
// "~" changed. Item arrays are matched by linkId (so one missing item is one line, not a
// cascade), other arrays by position. Paths name items by linkId.
void json_diff_into(const json& expected, const json& actual, const std::string& path, std::vector<std::string>& out) {
  if (expected.is_object() && actual.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      if (!actual.contains(it.key())) out.push_back("- " + path + "/" + it.key() + ": " + short_json(it.value()));
      else json_diff_into(it.value(), actual[it.key()], path + "/" + it.key(), out);
    }
    for (auto it = actual.begin(); it != actual.end(); ++it)
      if (!expected.contains(it.key())) out.push_back("+ " + path + "/" + it.key() + ": " + short_json(it.value()));
    return;
  }
  if (keyed_by_link_id(expected) && keyed_by_link_id(actual)) {
    std::vector<std::string> order_e, order_a;
    for (const json& x : expected) order_e.push_back(x["linkId"].get<std::string>());
    for (const json& x : actual) order_a.push_back(x["linkId"].get<std::string>());
    for (const json& x : expected) {
      const std::string id = x["linkId"].get<std::string>();
      auto match = std::find_if(actual.begin(), actual.end(), [&](const json& y) { return y["linkId"] == id; });
      if (match == actual.end()) out.push_back("- " + path + "[" + id + "]: " + short_json(x));
      else json_diff_into(x, *match, path + "[" + id + "]", out);
    }
    for (const json& y : actual)
      if (std::find(order_e.begin(), order_e.end(), y["linkId"].get<std::string>()) == order_e.end())
        out.push_back("+ " + path + "[" + y["linkId"].get<std::string>() + "]: " + short_json(y));
    std::vector<std::string> common_e, common_a;
    for (const std::string& id : order_e)
      if (std::find(order_a.begin(), order_a.end(), id) != order_a.end()) common_e.push_back(id);
    for (const std::string& id : order_a)
      if (std::find(order_e.begin(), order_e.end(), id) != order_e.end()) common_a.push_back(id);
    if (common_e != common_a) out.push_back("~ " + path + ": items in a different order");
    return;
  }
  if (expected.is_array() && actual.is_array()) {
    const std::size_t n = std::min(expected.size(), actual.size());
    for (std::size_t i = 0; i < n; ++i) json_diff_into(expected[i], actual[i], path + "/" + std::to_string(i), out);
    for (std::size_t i = n; i < expected.size(); ++i)
      out.push_back("- " + path + "/" + std::to_string(i) + ": " + short_json(expected[i]));
    for (std::size_t i = n; i < actual.size(); ++i)
      out.push_back("+ " + path + "/" + std::to_string(i) + ": " + short_json(actual[i]));
    return;
  }
  if (expected != actual)
    out.push_back("~ " + path + ": expected " + short_json(expected) + ", got " + short_json(actual));
}

std::string json_diff(const json& expected, const json& actual) {
  std::vector<std::string> lines;
  json_diff_into(expected, actual, "", lines);
  if (lines.empty() && expected != actual) lines.push_back("~ (values differ in a way this diff does not show)");
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == 40) {
      out += "  ... and " + std::to_string(lines.size() - 40) + " more differences\n";
      break;
    }
    out += "  " + lines[i] + "\n";
  }
  return out;
}

void run_case(const golden::Case& c) {
  INFO("answer set " << c.answers_file.string());
  REQUIRE_FALSE(c.lang.empty());  // name it <case>.ko.answers.json or <case>.en.answers.json
  const forms::ProtocolPackage& pkg = package(c.type);
  json answers;
  REQUIRE_NOTHROW(answers = json::parse(golden::read_text(c.answers_file)));
  const golden::Filled f = golden::fill(pkg, answers, c.lang);
  {
    INFO("refused answers:\n" << golden::lines(f.refused));
    REQUIRE(f.refused.empty());
  }
  {
    INFO("validation problems:\n" << golden::lines(f.invalid));
    REQUIRE(f.invalid.empty());
  }
  REQUIRE_FALSE(f.answered.empty());

  const std::vector<std::string> enabled = golden::enabled_link_ids(f);
  const json responses = golden::responses(f);

  if (updating()) {
    golden::write_text(c.enabled_file(), golden::lines(enabled));
    golden::write_text(c.responses_file(), golden::golden_json(responses));
    WARN("rewrote " << c.enabled_file().string() << " and " << c.responses_file().string());
    return;
  }

  const std::string hint = "(if the change is intended: KIOSK_UPDATE_GOLDEN=1 forms_tests \"[golden]\", then review git diff)";
  {
    INFO("missing golden files for " << c.name << " " << hint);
    REQUIRE(fs::exists(c.enabled_file()));
    REQUIRE(fs::exists(c.responses_file()));
  }

  const std::vector<std::string> expected_enabled = golden::split_lines(golden::read_text(c.enabled_file()));
  {
    const bool same = expected_enabled == enabled;
    INFO("enabled items differ from " << c.enabled_file().string() << ":\n"
                                      << list_diff(expected_enabled, enabled) << hint);
    CHECK(same);
  }

  json expected_responses;
  REQUIRE_NOTHROW(expected_responses = json::parse(golden::read_text(c.responses_file())));
  {
    const bool same = expected_responses == responses;
    INFO("QuestionnaireResponses differ from " << c.responses_file().string() << " (- expected, + actual):\n"
                                               << (same ? std::string() : json_diff(expected_responses, responses))
                                               << hint);
    CHECK(same);
  }
}

void run_type(const std::string& type) {
  const std::vector<golden::Case> cases = golden::find_cases(kGoldenRoot, type);
  INFO("golden dir " << (kGoldenRoot / type).string());
  REQUIRE(cases.size() >= 3);
  for (const golden::Case& c : cases) {
    DYNAMIC_SECTION(type << "/" << c.name) { run_case(c); }
  }
}

// Applies one answer set (no golden comparison) for the semantic checks below.
struct Applied {
  golden::Case c;
  json answers;
  golden::Filled f;
  std::set<std::string> enabled;
  bool answered(const std::string& link_id) const { return answers.contains(link_id); }
  std::string code(const std::string& link_id) const {
    return answers.contains(link_id) && answers[link_id].is_string() ? answers[link_id].get<std::string>() : "";
  }
  bool any_enabled_with_prefix(const std::string& prefix) const {
    for (const std::string& id : enabled)
      if (id.rfind(prefix, 0) == 0) return true;
    return false;
  }
};

std::vector<Applied> apply_all() {
  std::vector<Applied> out;
  for (const std::string& type : golden::kTypes) {
    for (const golden::Case& c : golden::find_cases(kGoldenRoot, type)) {
      Applied a{c, json::parse(golden::read_text(c.answers_file)), {}, {}};
      a.f = golden::fill(package(type), a.answers, c.lang.empty() ? "ko" : c.lang);
      for (const std::string& id : golden::enabled_link_ids(a.f)) a.enabled.insert(id);
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("golden: rare package answer sets", "[golden]") { run_type("rare"); }
TEST_CASE("golden: severe package answer sets", "[golden]") { run_type("severe"); }
TEST_CASE("golden: general package answer sets", "[golden]") { run_type("general"); }

TEST_CASE("golden: no golden file without its answer set", "[golden]") {
  for (const std::string& type : golden::kTypes) {
    const std::vector<golden::Case> cases = golden::find_cases(kGoldenRoot, type);
    // No golden file without its answer set (left over after a rename).
    std::set<std::string> names;
    for (const golden::Case& c : cases) names.insert(c.name);
    for (const auto& e : fs::directory_iterator(kGoldenRoot / type)) {
      const std::string file = e.path().filename().string();
      for (const std::string suffix : {".enabled.txt", ".responses.json"}) {
        if (file.size() > suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
          INFO("golden file without an answer set: " << e.path().string());
          CHECK(names.count(file.substr(0, file.size() - suffix.size())) == 1);
        }
      }
    }
  }
}

// What the golden files were checked for by hand, kept as executable checks so that a golden
// regenerated after a behaviour change cannot silently encode wrong skip logic.
TEST_CASE("golden: answer sets exercise the intended skip logic", "[golden]") {
  const std::vector<Applied> all = apply_all();
  REQUIRE(all.size() >= 9);
  std::set<std::string> langs, sexes, smoking, roles_seen;
  for (const Applied& a : all) {
    INFO(a.c.answers_file.string());
    REQUIRE(a.f.refused.empty());
    langs.insert(a.c.lang);
    const std::string sex = a.code("demo.sex");
    sexes.insert(sex);
    // The women's section is shown to women only.
    CHECK(a.any_enabled_with_prefix("women.") == (sex == "female"));
    // Smoking quantity only for smokers; quitting age only for former smokers.
    const std::string smoke = a.code("smoking.status");
    REQUIRE_FALSE(smoke.empty());
    smoking.insert(smoke);
    CHECK(a.enabled.count("smoking.start_age") == (smoke != "never" ? 1u : 0u));
    CHECK(a.enabled.count("smoking.pack_years") == (smoke != "never" ? 1u : 0u));
    CHECK(a.enabled.count("smoking.per_day") == (smoke == "current" ? 1u : 0u));
    CHECK(a.enabled.count("smoking.quit_age") == (smoke == "former" ? 1u : 0u));
    // Drinking follow-ups only for drinkers, the "former drinker" question only for others.
    const bool drinks = a.code("alcohol.freq") != "none";
    CHECK(a.enabled.count("alcohol.amount") == (drinks ? 1u : 0u));
    CHECK(a.enabled.count("alcohol.former") == (drinks ? 0u : 1u));
    // A minor is enrolled through the representative's consent, never the adult one.
    const bool minor = a.c.name.rfind("minor-", 0) == 0;
    const golden::Answered* own = a.f.find_role("consent");
    const golden::Answered* rep = a.f.find_role("consent-representative");
    CHECK((rep != nullptr) == minor);
    CHECK((own != nullptr) == !minor);
    if (rep) CHECK(a.answered("rep.representative.relationship"));
    // Every set answers the comprehension check, the baseline survey and the type's survey.
    CHECK(a.f.find_role("comprehension") != nullptr);
    std::size_t surveys = 0;
    for (const golden::Answered& x : a.f.answered) surveys += x.questionnaire->role == "survey" ? 1 : 0;
    CHECK(surveys == 2);
    // At least one optional consent is declined (and recorded as such, not dropped).
    bool declined = false;
    for (auto kv = a.answers.begin(); kv != a.answers.end(); ++kv) {
      const std::string& k = kv.key();
      const bool optional_consent = k == "consent.overseas.agree" || k == "consent.recontact.agree" ||
                                    k == "consent.findings.agree" || k == "rep.overseas.agree" ||
                                    k == "rep.recontact.agree" || k == "rep.findings.agree";
      declined = declined || (optional_consent && kv.value() == false);
    }
    CHECK(declined);
    // Exactly the enabled answered items reach the output; an answer left on an item that
    // its conditions disabled (male-never-smoker answered smoking.per_day, then "never") does not.
    std::set<std::string> in_output;
    std::function<void(const json&)> collect = [&](const json& items) {
      for (const json& it : items) {
        if (it.contains("answer")) {
          in_output.insert(it["linkId"].get<std::string>());
          for (const json& ans : it["answer"])
            if (ans.contains("item")) collect(ans["item"]);
        }
        if (it.contains("item")) collect(it["item"]);
      }
    };
    for (const json& r : golden::responses(a.f))
      if (r.contains("item")) collect(r["item"]);
    for (auto kv = a.answers.begin(); kv != a.answers.end(); ++kv) {
      INFO(kv.key());
      CHECK(in_output.count(kv.key()) == a.enabled.count(kv.key()));
    }
    CHECK(in_output.size() <= a.answers.size());
    roles_seen.insert(minor ? "minor" : "adult");
  }
  CHECK(roles_seen == std::set<std::string>{"adult", "minor"});
  CHECK(langs == std::set<std::string>{"en", "ko"});
  CHECK(sexes == std::set<std::string>{"female", "male"});
  CHECK(smoking == std::set<std::string>{"current", "former", "never"});
}

// The comparison itself must notice a change: the same answers with one answer changed give a
// different enabled set and different responses than the golden files record.
TEST_CASE("golden: a changed answer is noticed", "[golden]") {
  if (updating()) return;
  const std::vector<golden::Case> cases = golden::find_cases(kGoldenRoot, "rare");
  REQUIRE_FALSE(cases.empty());
  const golden::Case& c = cases.front();
  json answers = json::parse(golden::read_text(c.answers_file));
  REQUIRE(answers.contains("demo.sex"));
  answers["demo.sex"] = answers["demo.sex"] == "female" ? "male" : "female";
  const golden::Filled f = golden::fill(package("rare"), answers, c.lang);
  const std::vector<std::string> expected = golden::split_lines(golden::read_text(c.enabled_file()));
  CHECK(golden::enabled_link_ids(f) != expected);
  CHECK(golden::responses(f) != json::parse(golden::read_text(c.responses_file())));
}
