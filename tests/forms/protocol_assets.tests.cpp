// The repository's protocol packages (assets/protocols/*.json): they must exist, load without
// problems and hold what docs/FORMS.md promises. Missing files fail these tests (they do not
// skip): the kiosk cannot enroll anyone without them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "forms_test_helpers.h"
#include "test_support.h"

using namespace ft;
namespace fs = std::filesystem;

namespace {

const fs::path kProtocols = fs::path(KIOSK_ASSETS_DIR) / "protocols";

const forms::ProtocolPackage& package_of(const std::string& type) {
  static std::map<std::string, forms::ProtocolPackage> cache;
  auto hit = cache.find(type);
  if (hit != cache.end()) return hit->second;
  const fs::path file = kProtocols / (type + ".json");
  INFO(file);
  REQUIRE(fs::exists(file));
  forms::FormFile f = forms::load_form_text(testing_support::read_all(file));
  INFO(describe(f.problems));
  REQUIRE(f.problems.empty());
  REQUIRE(f.package.has_value());
  return cache.emplace(type, std::move(*f.package)).first->second;
}

std::set<std::string> provisions_of(const forms::Questionnaire& qn) {
  std::set<std::string> out;
  for (const forms::Item& it : qn.items)
    if (!it.consent_provision.empty()) out.insert(it.consent_provision);
  return out;
}

bool is_women(const forms::Questionnaire& qn, int i) {
  return i >= 0 && qn.items[static_cast<std::size_t>(i)].link_id.rfind("women", 0) == 0;
}

// True if neither item `i` nor its women's-health ancestors below the outermost one have a
// condition of their own.
bool unconditional_below_section(const forms::Questionnaire& qn, int i) {
  for (int k = i; is_women(qn, qn.items[static_cast<std::size_t>(k)].parent); k = qn.items[static_cast<std::size_t>(k)].parent)
    if (!qn.items[static_cast<std::size_t>(k)].enable_when.empty()) return false;
  return true;
}

const char* const kTypes[] = {"rare", "severe", "general"};

}  // namespace

TEST_CASE("the protocol packages exist and load without problems", "[forms][assets]") {
  for (const char* type : kTypes) {
    INFO(type);
    const forms::ProtocolPackage& p = package_of(type);
    CHECK(p.participation_type == type);
    CHECK_FALSE(p.version.empty());
    CHECK(p.first("consent") != nullptr);
    CHECK(p.first("consent-representative") != nullptr);
    CHECK(p.first("comprehension") != nullptr);
    CHECK(p.first("survey") != nullptr);
    std::size_t items = 0;
    for (const forms::Questionnaire& qn : p.questionnaires) items += qn.items.size();
    CHECK(items >= 120);
  }
  // No other package files lie around unchecked.
  for (const auto& e : fs::directory_iterator(kProtocols))
    if (e.path().extension() == ".json") {
      INFO(e.path());
      const std::string stem = e.path().stem().string();
      CHECK(std::find(std::begin(kTypes), std::end(kTypes), stem) != std::end(kTypes));
    }
}

TEST_CASE("the protocol packages are complete in Korean and English", "[forms][assets]") {
  for (const char* type : kTypes) {
    const forms::ProtocolPackage& p = package_of(type);
    for (const forms::Questionnaire& qn : p.questionnaires) {
      INFO(type << " " << qn.url);
      CHECK(qn.language == "ko");
      CHECK(qn.languages == std::vector<std::string>{"ko", "en"});
      CHECK(has_hangul(qn.title.in("ko", "ko")));
      CHECK_FALSE(qn.title.in("en", "ko").empty());
      CHECK(qn.title.in("en", "ko") != qn.title.base);
      for (const forms::Item& it : qn.items) {
        if (it.text.empty()) continue;
        INFO(it.link_id);
        // The loader refuses missing translations; check each is really there.
        CHECK(it.text.translations.count("en") == 1);
        for (const forms::AnswerOption& o : it.options)
          if (auto* c = std::get_if<forms::Coding>(&o.value)) CHECK(c->display.translations.count("en") == 1);
      }
    }
  }
}

TEST_CASE("the consent documents hold the documented provisions", "[forms][assets]") {
  const std::set<std::string> common = {"participation",       "biobank-donation",    "whole-genome",
                                        "clinical-records",    "public-data-linkage", "researcher-provision",
                                        "overseas-provision",  "recontact",           "return-of-findings",
                                        "retention-period",    "sensitive-information"};
  for (const char* type : kTypes) {
    const forms::ProtocolPackage& p = package_of(type);
    for (const char* role : {"consent", "consent-representative"}) {
      INFO(type << " " << role);
      const forms::Questionnaire* qn = p.first(role);
      REQUIRE(qn != nullptr);
      std::set<std::string> have = provisions_of(*qn);
      for (const std::string& code : common) {
        INFO("provision " << code);
        CHECK(have.count(code) == 1);
      }
      const bool rrn = have.count("resident-registration-number") == 1;
      CHECK(rrn == (std::string(type) != "general"));
      // Participation and sensitive information are mandatory consents.
      for (const forms::Item& it : qn->items)
        if (it.consent_provision == "participation" || it.consent_provision == "sensitive-information") {
          INFO(it.link_id);
          CHECK(it.consent_mandatory);
          CHECK(it.required);
        }
    }
  }
}

TEST_CASE("the comprehension check has at least five questions, each with one right answer and an explanation",
          "[forms][assets]") {
  for (const char* type : kTypes) {
    INFO(type);
    const forms::Questionnaire* qn = package_of(type).first("comprehension");
    REQUIRE(qn != nullptr);
    int questions = 0;
    for (const forms::Item& it : qn->items) {
      if (it.type != forms::ItemType::kChoice) continue;
      INFO(it.link_id);
      ++questions;
      CHECK(std::count_if(it.options.begin(), it.options.end(), [](const forms::AnswerOption& o) { return o.correct; }) == 1);
      CHECK_FALSE(it.explanation.empty());
      CHECK_FALSE(it.explanation.in("en", "ko").empty());
      CHECK(it.explanation.in("en", "ko") != it.explanation.base);
    }
    CHECK(questions >= 5);
  }
}

TEST_CASE("women's-health items are disabled for demo.sex male and enabled for female", "[forms][assets]") {
  for (const char* type : kTypes) {
    INFO(type);
    const forms::ProtocolPackage& p = package_of(type);
    const forms::Questionnaire* survey = nullptr;
    for (const forms::Questionnaire& qn : p.questionnaires)
      if (qn.find("demo.sex")) survey = &qn;
    REQUIRE(survey != nullptr);
    std::vector<std::string> women;
    for (const forms::Item& it : survey->items)
      if (it.link_id.rfind("women", 0) == 0) women.push_back(it.link_id);
    REQUIRE_FALSE(women.empty());

    forms::FormSession male(*survey, "ko");
    REQUIRE(male.set_answer("demo.sex", option_value(*survey, "demo.sex", "male")).is_ok());
    for (const std::string& link : women) {
      INFO(link);
      CHECK_FALSE(male.enabled(link));
    }
    forms::FormSession female(*survey, "en");
    REQUIRE(female.set_answer("demo.sex", option_value(*survey, "demo.sex", "female")).is_ok());
    int on = 0;
    for (const std::string& link : women) {
      // Items with no condition of their own below the section follow the section.
      if (unconditional_below_section(*survey, survey->index.at(link))) {
        INFO(link);
        CHECK(female.enabled(link));
      }
      on += female.enabled(link) ? 1 : 0;
    }
    CHECK(on > 0);
  }
}
