// kiosk/flow: the participant's way through the kiosk as a state machine (DESIGN.md 7), driven
// with a fake clock over the real protocol packages (assets/protocols). Every person here is
// invented (김테스트, Test Kim) and phone numbers are in the unassigned 010-0000 block.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "forms/enrollment_bundle.h"
#include "forms/package.h"
#include "forms/response.h"
#include "kiosk/flow.h"
#include "platform/clock.h"
#include "test_support.h"

namespace fs = std::filesystem;
using kiosk::Flow;
using kiosk::FlowConfig;
using kiosk::Intent;
using kiosk::Overlay;
using kiosk::ReviewSection;
using kiosk::Screen;

namespace {

const std::vector<forms::ProtocolPackage>& packages() {
  static const std::vector<forms::ProtocolPackage> kPackages = [] {
    std::vector<forms::ProtocolPackage> out;
    for (const std::string type : {"rare", "severe", "general"}) {
      const fs::path file = fs::path(KIOSK_ASSETS_DIR) / "protocols" / (type + ".json");
      forms::FormFile f = forms::load_form_text(testing_support::read_all(file));
      if (!f.ok() || !f.package) throw std::runtime_error("cannot load " + file.string());
      out.push_back(std::move(*f.package));
    }
    return out;
  }();
  return kPackages;
}

const forms::ProtocolPackage& package_of(const std::string& type) {
  for (const forms::ProtocolPackage& p : packages())
    if (p.participation_type == type) return p;
  throw std::runtime_error("no package " + type);
}

// The general package with a second consent document (a copy of the first under another
// url) that has no representative variant, and optionally without the comprehension check.
std::vector<forms::ProtocolPackage> two_document_packages(bool with_comprehension) {
  forms::ProtocolPackage p = package_of("general");
  forms::Questionnaire extra = *p.first("consent");
  extra.url += "-extra";
  std::vector<forms::Questionnaire> qs;
  for (const forms::Questionnaire& q : p.questionnaires) {
    if (q.role == "comprehension" && !with_comprehension) continue;
    qs.push_back(q);
    if (q.role == "consent") qs.push_back(extra);
  }
  p.questionnaires = std::move(qs);
  return {p};
}

// 2026-11-29 10:00 in Korea.
std::int64_t t0() {
  static const std::int64_t kT0 = platform::parse_rfc3339("2026-11-29T10:00:00+09:00").value();
  return kT0;
}

struct Kiosk {
  explicit Kiosk(FlowConfig cfg = {}, const std::vector<forms::ProtocolPackage>& pkgs = packages())
      : flow(pkgs, std::move(cfg)) {}
  Flow flow;
  std::int64_t now = t0();

  bool send(Intent::Kind kind, std::string text = "", int number = 0) {
    now += 1000;
    return flow.apply(Intent{kind, std::move(text), number}, now);
  }
  bool next() { return send(Intent::kNext); }
  bool back() { return send(Intent::kBack); }
  Screen screen() const { return flow.screen(); }
  forms::FormSession& consent() {
    return flow.consent_sessions()[static_cast<std::size_t>(flow.consent_doc())];
  }
  forms::FormSession& survey() {
    return flow.survey_sessions()[static_cast<std::size_t>(flow.survey_doc())];
  }
  int survey_page_item() {
    return flow.survey_pages(flow.survey_doc())[static_cast<std::size_t>(flow.page())];
  }
  int question_item() {
    return flow.comprehension_questions()[static_cast<std::size_t>(flow.page())];
  }
};

bool has_message(const std::vector<forms::ValidationMessage>& v, const std::string& link_id,
                 const std::string& code) {
  return std::any_of(v.begin(), v.end(), [&](const forms::ValidationMessage& m) {
    return m.link_id == link_id && m.code == code && !m.text.empty();
  });
}

std::string describe(const std::vector<forms::ValidationMessage>& v) {
  std::string out;
  for (const auto& m : v) out += m.link_id + " " + m.code + "; ";
  return out;
}

const forms::AnswerOption& option(const forms::FormSession& s, const std::string& link_id,
                                  const std::string& code) {
  const forms::Item* it = s.questionnaire().find(link_id);
  if (!it) throw std::runtime_error("no item " + link_id);
  for (const forms::AnswerOption& o : it->options) {
    const auto* c = std::get_if<forms::Coding>(&o.value);
    if (c && c->code == code) return o;
  }
  throw std::runtime_error("no option " + code + " in " + link_id);
}

void choose(forms::FormSession& s, const std::string& link_id, const std::string& code) {
  REQUIRE(s.set_answer(link_id, option(s, link_id, code).value).is_ok());
}

// Agrees to every required consent item; optional ones as asked. A representative's
// relationship question gets "MTH".
void answer_consent(forms::FormSession& s, bool optional_yes) {
  const forms::Questionnaire& q = s.questionnaire();
  for (const forms::Item& it : q.items) {
    if (!it.has_answer_type() || (!it.required && it.consent_provision.empty())) continue;
    if (it.type == forms::ItemType::kBoolean) {
      REQUIRE(s.set_answer(it.link_id, it.required || it.consent_mandatory ? true : optional_yes)
                  .is_ok());
    } else {
      const forms::AnswerOption* pick = &it.options.front();
      for (const forms::AnswerOption& o : it.options) {
        const auto* c = std::get_if<forms::Coding>(&o.value);
        if (c && c->code == "MTH") pick = &o;
      }
      REQUIRE(s.set_answer(it.link_id, pick->value).is_ok());
    }
  }
}

void answer_question(forms::FormSession& s, int item, bool correct) {
  const forms::Item& it = s.questionnaire().items[static_cast<std::size_t>(item)];
  for (const forms::AnswerOption& o : it.options) {
    if (o.correct == correct) {
      REQUIRE(s.set_answer(it.link_id, o.value).is_ok());
      return;
    }
  }
  FAIL("no such option in " << it.link_id);
}

void fill_item(forms::FormSession& s, int index) {
  const forms::Questionnaire& q = s.questionnaire();
  const forms::Item& it = q.items[static_cast<std::size_t>(index)];
  if (it.type == forms::ItemType::kGroup) {
    for (int c : it.children) {
      if (s.enabled(c) && q.items[static_cast<std::size_t>(c)].has_answer_type()) {
        fill_item(s, c);
        return;
      }
    }
    FAIL("nothing to answer in " << it.link_id);
  }
  forms::Value v = std::string("테스트");
  switch (it.type) {
    case forms::ItemType::kBoolean:
      v = false;
      break;
    case forms::ItemType::kDecimal:
      v = it.min_value ? *it.min_value : forms::Value(forms::Decimal{1});
      break;
    case forms::ItemType::kInteger:
      v = it.min_value ? *it.min_value : forms::Value(std::int64_t{1});
      break;
    case forms::ItemType::kDate:
      v = forms::Date{"2020-01-01"};
      break;
    case forms::ItemType::kChoice:
    case forms::ItemType::kOpenChoice:
      v = it.options.front().value;
      break;
    default:
      break;
  }
  REQUIRE(s.set_answer(it.link_id, v).is_ok());
}

// Answers whatever the page asks for until it validates.
void fill_page(forms::FormSession& s, int root) {
  for (int round = 0; round < 20; ++round) {
    const std::vector<forms::ValidationMessage> msgs = s.validate_subtree(root);
    if (msgs.empty()) return;
    for (const forms::ValidationMessage& m : msgs) {
      INFO(m.link_id << " " << m.code);
      REQUIRE(m.code == "required");
      fill_item(s, s.questionnaire().index.at(m.link_id));
    }
  }
  FAIL("page " << root << " does not validate");
}

void fill_identity(Flow& f) {
  kiosk::IdentityFields& id = f.identity();
  id.patient = {"김", "테스트", f.representative_signs() ? "2014-09-01" : "1985-03-15", "female",
                "01000000000"};
  if (f.representative_signs())
    id.representative = forms::Representative{"김", "보호자", "MTH", "010-0000-0001"};
  // Synthetic numbers with a valid check digit for these birth dates.
  if (f.rrn_requested()) id.rrn = f.representative_signs() ? "140901-3123451" : "850315-1234566";
}

// One horizontal stroke of `length` pad widths.
void sign(Flow& f, double length = 0.5) {
  forms::SignatureCapture& sig = f.signature();
  sig.pad_width_px = 1000;
  sig.pad_height_px = 400;
  forms::Stroke st;
  for (int i = 0; i <= 10; ++i)
    st.push_back(
        {static_cast<float>(0.1 + length * i / 10.0), 0.5f, static_cast<std::int32_t>(i * 20)});
  sig.strokes.push_back(st);
}

struct Path {
  Path(std::string t = "general", std::string s = "self", std::string l = "")
      : type(std::move(t)), signer(std::move(s)), language(std::move(l)) {}
  std::string type;
  std::string signer;
  std::string language;  // set on the language screen if not empty
};

// One step forward on the happy path, answering what the screen asks.
void step(Kiosk& k, const Path& path) {
  INFO("on " << kiosk::screen_name(k.screen()));
  bool ok = false;
  switch (k.screen()) {
    case Screen::kAttract:
      ok = k.send(Intent::kStart);
      break;
    case Screen::kLanguage:
      if (!path.language.empty()) REQUIRE(k.send(Intent::kSetLanguage, path.language));
      ok = k.next();
      break;
    case Screen::kParticipation:
      ok = k.send(Intent::kChooseType, path.type);
      break;
    case Screen::kSigner:
      ok = k.send(Intent::kChooseSigner, path.signer);
      break;
    case Screen::kConsentRead:
      REQUIRE(k.send(Intent::kReachedEnd));
      ok = k.next();
      break;
    case Screen::kConsentChoose:
      answer_consent(k.consent(), false);
      ok = k.next();
      break;
    case Screen::kComprehension:
      answer_question(*k.flow.comprehension(), k.question_item(), true);
      ok = k.next();
      break;
    case Screen::kIdentity:
      fill_identity(k.flow);
      ok = k.next();
      break;
    case Screen::kSignature:
      sign(k.flow);
      ok = k.next();
      break;
    case Screen::kSurvey:
      fill_page(k.survey(), k.survey_page_item());
      ok = k.next();
      break;
    default:
      FAIL("no forward step from " << kiosk::screen_name(k.screen()));
  }
  INFO(describe(k.flow.validation()));
  REQUIRE(ok);
}

void drive_to(Kiosk& k, Screen target, const Path& path = {}) {
  for (int i = 0; i < 300 && k.screen() != target; ++i) step(k, path);
  REQUIRE(k.screen() == target);
}

int total_survey_pages(Flow& f) {
  int n = 0;
  for (std::size_t s = 0; s < f.survey_sessions().size(); ++s)
    n += static_cast<int>(f.survey_pages(static_cast<int>(s)).size());
  return n;
}

}  // namespace

// ---- configuration and names ------------------------------------------------------------------

TEST_CASE("Flow refuses a config below the idle-warning and extension minimums", "[kiosk][flow]") {
  FlowConfig ok;
  ok.idle_warning_ms = 20'000;
  ok.max_extensions = 10;
  REQUIRE_NOTHROW(Flow(packages(), ok));

  FlowConfig short_warning;
  short_warning.idle_warning_ms = 19'999;
  REQUIRE_THROWS_AS(Flow(packages(), short_warning), std::invalid_argument);
  REQUIRE_THROWS_WITH(Flow(packages(), short_warning), Catch::Contains("idle_warning_ms"));

  FlowConfig few_extensions;
  few_extensions.max_extensions = 9;
  REQUIRE_THROWS_WITH(Flow(packages(), few_extensions), Catch::Contains("max_extensions"));

  FlowConfig no_idle;
  no_idle.idle_ms = 0;
  REQUIRE_THROWS_WITH(Flow(packages(), no_idle), Catch::Contains("idle_ms"));
}

TEST_CASE("Screen names are stable", "[kiosk][flow]") {
  CHECK(std::string(kiosk::screen_name(Screen::kAttract)) == "attract");
  CHECK(std::string(kiosk::screen_name(Screen::kConsentRead)) == "consent-read");
  CHECK(std::string(kiosk::screen_name(Screen::kConsentChoose)) == "consent-choose");
  CHECK(std::string(kiosk::screen_name(Screen::kThankYou)) == "thank-you");
  CHECK(std::string(kiosk::screen_name(Screen::kSubmitFailed)) == "submit-failed");
}

// ---- attract, language, participation, signer -------------------------------------------------

TEST_CASE("Attract starts the journey, language, text size and contrast are set only up front",
          "[kiosk][flow]") {
  Kiosk k;
  REQUIRE(k.screen() == Screen::kAttract);
  CHECK_FALSE(k.next());
  CHECK_FALSE(k.back());
  CHECK_FALSE(k.send(Intent::kCancel));
  CHECK_FALSE(k.send(Intent::kCallStaff));
  REQUIRE(k.send(Intent::kStart));
  REQUIRE(k.screen() == Screen::kLanguage);
  CHECK(k.flow.progress() == 0.0);

  CHECK(k.send(Intent::kSetLanguage, "en"));
  CHECK(k.flow.language() == "en");
  CHECK_FALSE(k.send(Intent::kSetLanguage, "fr"));
  CHECK(k.flow.language() == "en");
  CHECK(k.send(Intent::kSetTextScale, "", 150));
  CHECK_FALSE(k.send(Intent::kSetTextScale, "", 120));
  CHECK(k.flow.text_scale_pct() == 150);
  CHECK(k.send(Intent::kSetHighContrast, "", 1));
  CHECK_FALSE(k.send(Intent::kSetHighContrast, "", 2));
  CHECK(k.flow.high_contrast());

  REQUIRE(k.next());
  REQUIRE(k.screen() == Screen::kParticipation);
  CHECK_FALSE(k.send(Intent::kSetLanguage, "ko"));
  CHECK_FALSE(k.send(Intent::kSetTextScale, "", 200));
  CHECK(k.flow.language() == "en");
  CHECK(k.flow.text_scale_pct() == 150);
  CHECK_FALSE(k.next());  // a type must be chosen explicitly
}

TEST_CASE("A site's languages limit the language choice", "[kiosk][flow]") {
  FlowConfig cfg;
  cfg.languages = {"ko"};
  Kiosk k(cfg);
  REQUIRE(k.send(Intent::kStart));
  CHECK_FALSE(k.send(Intent::kSetLanguage, "en"));
  CHECK(k.flow.language() == "ko");
}

TEST_CASE("Participation types must be recruited by the site and installed", "[kiosk][flow]") {
  SECTION("a site recruiting one type still asks, and refuses the others") {
    FlowConfig cfg;
    cfg.participation_types = {"general"};
    Kiosk k(cfg);
    drive_to(k, Screen::kParticipation);
    CHECK_FALSE(k.send(Intent::kChooseType, "rare"));
    CHECK_FALSE(k.send(Intent::kChooseType, "other"));
    CHECK(k.screen() == Screen::kParticipation);
    REQUIRE(k.send(Intent::kChooseType, "general"));
    CHECK(k.screen() == Screen::kSigner);
    CHECK(k.flow.participation_type() == "general");
    REQUIRE(k.flow.package() != nullptr);
    CHECK(k.flow.package()->participation_type == "general");
  }
  SECTION("a recruited type without an installed package is refused") {
    const std::vector<forms::ProtocolPackage> only_rare = {package_of("rare")};
    Kiosk k(FlowConfig{}, only_rare);
    drive_to(k, Screen::kParticipation);
    CHECK_FALSE(k.send(Intent::kChooseType, "general"));
    CHECK(k.screen() == Screen::kParticipation);
    CHECK(k.send(Intent::kChooseType, "rare"));
  }
}

TEST_CASE("Choosing the signer builds one session per form in the session's language",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kSigner, {"general", "self", "en"});
  CHECK_FALSE(k.send(Intent::kChooseSigner, "neighbour"));
  CHECK(k.flow.consent_sessions().empty());

  SECTION("self") {
    REQUIRE(k.send(Intent::kChooseSigner, "self"));
    CHECK_FALSE(k.flow.representative_signs());
    REQUIRE(k.flow.consent_sessions().size() == 1);
    CHECK(k.flow.consent_sessions()[0].questionnaire().role == "consent");
    CHECK(k.flow.consent_sessions()[0].language() == "en");
    REQUIRE(k.flow.comprehension() != nullptr);
    CHECK(k.flow.comprehension()->questionnaire().role == "comprehension");
    REQUIRE(k.flow.survey_sessions().size() == 2);
    CHECK(k.flow.survey_sessions()[0].questionnaire().url ==
          "https://bbd.example.kr/fhir/Questionnaire/general-baseline");
    CHECK(k.flow.survey_sessions()[1].questionnaire().url ==
          "https://bbd.example.kr/fhir/Questionnaire/general-lifestyle");
    CHECK(k.flow.survey_sessions()[1].language() == "en");
    CHECK(k.screen() == Screen::kConsentRead);
    CHECK(k.flow.consent_doc() == 0);
    CHECK_FALSE(k.flow.consent_end_reached());
    CHECK_FALSE(k.flow.identity().representative.has_value());
  }
  SECTION("a legal representative signs the representative variant") {
    REQUIRE(k.send(Intent::kChooseSigner, "representative"));
    CHECK(k.flow.representative_signs());
    REQUIRE(k.flow.consent_sessions().size() == 1);
    CHECK(k.flow.consent_sessions()[0].questionnaire().role == "consent-representative");
    CHECK(k.flow.identity().representative.has_value());
  }
  SECTION("choosing again after going back starts the documents afresh") {
    REQUIRE(k.send(Intent::kChooseSigner, "self"));
    REQUIRE(k.send(Intent::kReachedEnd));
    REQUIRE(k.next());
    answer_consent(k.consent(), true);
    REQUIRE(k.back());
    REQUIRE(k.back());
    REQUIRE(k.screen() == Screen::kSigner);
    REQUIRE(k.send(Intent::kChooseSigner, "representative"));
    REQUIRE(k.flow.consent_sessions().size() == 1);
    CHECK(k.flow.consent_sessions()[0].questionnaire().role == "consent-representative");
    CHECK(k.flow.consent_sessions()[0].answers("rep.participation.agree").empty());
    CHECK_FALSE(k.flow.consent_end_reached());
  }
}

TEST_CASE(
    "A document without a representative variant is signed as is, no comprehension check skips its "
    "screen",
    "[kiosk][flow]") {
  const std::vector<forms::ProtocolPackage> pkgs = two_document_packages(false);
  Kiosk k(FlowConfig{}, pkgs);
  drive_to(k, Screen::kSigner, {"general", "representative"});
  REQUIRE(k.send(Intent::kChooseSigner, "representative"));
  REQUIRE(k.flow.consent_sessions().size() == 2);
  CHECK(k.flow.consent_sessions()[0].questionnaire().role == "consent-representative");
  CHECK(k.flow.consent_sessions()[1].questionnaire().url ==
        "https://bbd.example.kr/fhir/Questionnaire/general-consent-extra");
  CHECK(k.flow.comprehension() == nullptr);

  // doc 0: read, choose -> doc 1: read -> back to doc 0's choices
  step(k, {});
  step(k, {});
  REQUIRE(k.screen() == Screen::kConsentRead);
  REQUIRE(k.flow.consent_doc() == 1);
  CHECK_FALSE(k.flow.consent_end_reached());
  REQUIRE(k.send(Intent::kReachedEnd));
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(k.flow.consent_doc() == 0);
  REQUIRE(k.next());
  REQUIRE(k.screen() == Screen::kConsentRead);
  CHECK(k.flow.consent_end_reached());  // read once this journey: no second scroll needed
  step(k, {});
  step(k, {});
  CHECK(k.screen() == Screen::kIdentity);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(k.flow.consent_doc() == 1);
}

// ---- consents -----------------------------------------------------------------------------------

TEST_CASE("A consent document must be read to the end before its choices", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kConsentRead);
  CHECK_FALSE(k.next());
  CHECK(k.screen() == Screen::kConsentRead);
  CHECK(has_message(k.flow.validation(), "", "read-to-end"));
  REQUIRE(k.send(Intent::kReachedEnd));
  CHECK(k.flow.consent_end_reached());
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(k.flow.validation().empty());
  CHECK_FALSE(k.send(Intent::kReachedEnd));
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kConsentRead);
  CHECK(k.flow.consent_end_reached());
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kSigner);
}

TEST_CASE("Consent choices: a refused required item blocks, optional ones may be declined",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kConsentChoose);
  CHECK_FALSE(k.next());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(has_message(k.flow.validation(), "consent.participation.agree", "required"));

  answer_consent(k.consent(), false);
  REQUIRE(k.consent().set_answer("consent.genome.agree", false).is_ok());
  CHECK_FALSE(k.next());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(k.flow.consent_doc() == 0);
  CHECK(has_message(k.flow.validation(), "consent.genome.agree", "mandatory-consent"));

  REQUIRE(k.consent().set_answer("consent.genome.agree", true).is_ok());
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kComprehension);
  CHECK(k.flow.page() == 0);
  CHECK(k.flow.validation().empty());
}

// ---- comprehension ------------------------------------------------------------------------------

TEST_CASE("Comprehension: one question a page, a wrong answer shows the explanation and blocks",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kComprehension);
  forms::FormSession& c = *k.flow.comprehension();
  const std::vector<int> questions = k.flow.comprehension_questions();
  REQUIRE(questions.size() == 7);
  CHECK(c.questionnaire().items[static_cast<std::size_t>(questions[0])].link_id == "comp.withdraw");

  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "comp.withdraw", "required"));
  CHECK_FALSE(k.flow.explanation_shown());

  choose(c, "comp.withdraw", "no");
  CHECK_FALSE(k.next());
  CHECK(k.screen() == Screen::kComprehension);
  CHECK(k.flow.page() == 0);
  CHECK(k.flow.explanation_shown());
  CHECK(has_message(k.flow.validation(), "comp.withdraw", "comprehension"));

  choose(c, "comp.withdraw", "yes");
  REQUIRE(k.next());
  CHECK(k.flow.page() == 1);
  CHECK_FALSE(k.flow.explanation_shown());
  CHECK(k.flow.validation().empty());

  choose(c, "comp.treatment", "no");
  REQUIRE(k.next());
  CHECK(k.flow.page() == 2);
  REQUIRE(k.back());
  CHECK(k.flow.page() == 1);
  REQUIRE(k.back());
  CHECK(k.flow.page() == 0);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kConsentChoose);
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kComprehension);

  for (int page = 0; page < 7; ++page) {
    REQUIRE(k.screen() == Screen::kComprehension);
    CHECK(k.flow.page() == page);
    answer_question(c, k.question_item(), true);
    REQUIRE(k.next());
  }
  CHECK(k.screen() == Screen::kIdentity);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kComprehension);
  CHECK(k.flow.page() == 6);
}

// ---- identity -----------------------------------------------------------------------------------

TEST_CASE("Identity: each field is checked and a refusal leaves the screen as it was",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kIdentity);
  forms::PatientDetails& p = k.flow.identity().patient;

  SECTION("empty") {
    CHECK_FALSE(k.next());
    const auto& v = k.flow.validation();
    CHECK(has_message(v, "family", "required"));
    CHECK(has_message(v, "given", "required"));
    CHECK(has_message(v, "birth_date", "required"));
    CHECK(has_message(v, "gender", "required"));
    CHECK(has_message(v, "phone", "required"));
    CHECK(v.size() == 5);
  }
  SECTION("bad values") {
    fill_identity(k.flow);
    std::string field, code;
    SECTION("a blank name") {
      p.given = "  ";
      field = "given";
      code = "required";
    }
    SECTION("a name over 50 characters") {
      p.family = std::string(51, 'A');
      field = "family";
      code = "max-length";
    }
    SECTION("a date that does not exist") {
      p.birth_date = "1985-02-30";
      field = "birth_date";
      code = "date";
    }
    SECTION("a partial date") {
      p.birth_date = "1985-03";
      field = "birth_date";
      code = "date";
    }
    SECTION("tomorrow in Korea") {
      p.birth_date = "2026-11-30";
      field = "birth_date";
      code = "date-future";
    }
    SECTION("before 1900") {
      p.birth_date = "1899-12-31";
      field = "birth_date";
      code = "date-range";
    }
    SECTION("an unknown gender") {
      p.gender = "f";
      field = "gender";
      code = "option";
    }
    SECTION("a landline") {
      p.phone = "0212345678";
      field = "phone";
      code = "phone";
    }
    SECTION("010 with too few digits") {
      p.phone = "0100000000";
      field = "phone";
      code = "phone";
    }
    SECTION("letters in the phone") {
      p.phone = "010-0000-000O";
      field = "phone";
      code = "phone";
    }
    CHECK_FALSE(k.next());
    CHECK(k.screen() == Screen::kIdentity);
    INFO(describe(k.flow.validation()));
    CHECK(has_message(k.flow.validation(), field, code));
    CHECK(k.flow.validation().size() == 1);
  }
  SECTION("valid values, in Korean and English") {
    fill_identity(k.flow);
    SECTION("digits only") {}
    SECTION("with hyphens") {
      p.phone = "010-0000-0000";
    }
    SECTION("a legacy 011 number of 10 digits") {
      p.phone = "0110000000";
    }
    SECTION("born today in Korea") {
      p.birth_date = "2026-11-29";
    }
    SECTION("English names") {
      p.family = "Kim";
      p.given = "Test";
    }
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kSignature);
    CHECK(k.flow.validation().empty());
  }
}

TEST_CASE("Identity: birth dates are compared with the date in Korea", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kIdentity);
  fill_identity(k.flow);
  k.flow.identity().patient.birth_date = "2026-11-29";
  // 00:30 on 29 November in Seoul is still 28 November in UTC.
  const std::int64_t early = platform::parse_rfc3339("2026-11-29T00:30:00+09:00").value();
  CHECK(k.flow.apply({Intent::kNext, "", 0}, early));
  CHECK(k.screen() == Screen::kSignature);
}

TEST_CASE("Identity messages are in the session's language", "[kiosk][flow]") {
  Kiosk en;
  drive_to(en, Screen::kIdentity, {"general", "self", "en"});
  CHECK_FALSE(en.next());
  REQUIRE_FALSE(en.flow.validation().empty());
  CHECK(en.flow.validation()[0].text == "Please enter the family name.");
  Kiosk ko;
  drive_to(ko, Screen::kIdentity);
  CHECK_FALSE(ko.next());
  CHECK(ko.flow.validation()[0].text == "성을 적어 주세요.");
}

TEST_CASE("The resident registration number is asked only when the site and the package ask",
          "[kiosk][flow]") {
  FlowConfig collect;
  collect.collect_rrn = true;

  SECTION("a site that does not collect it") {
    Kiosk k;
    drive_to(k, Screen::kIdentity, {"rare"});
    CHECK_FALSE(k.flow.rrn_requested());
  }
  SECTION("the general package has no RRN consent") {
    Kiosk k(collect);
    drive_to(k, Screen::kIdentity, {"general"});
    CHECK_FALSE(k.flow.rrn_requested());
    fill_identity(k.flow);
    REQUIRE(k.next());
  }
  SECTION("valid numbers") {
    Kiosk k(collect);
    drive_to(k, Screen::kIdentity, {"rare"});
    fill_identity(k.flow);
    SECTION("with a hyphen") {
      k.flow.identity().rrn = "850315-1234566";
    }
    SECTION("without") {
      k.flow.identity().rrn = "8503151234566";
    }
    SECTION("issued after the 2020 reform: no check digit") {
      k.flow.identity().patient.birth_date = "2021-05-05";
      k.flow.identity().rrn = "2105053123457";  // the old check digit would be 1
    }
    INFO(describe(k.flow.validation()));
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kSignature);
  }
}

TEST_CASE("A resident registration number must be well formed and match the birth date",
          "[kiosk][flow]") {
  FlowConfig collect;
  collect.collect_rrn = true;
  const std::string type = GENERATE(std::string("rare"), std::string("severe"));
  Kiosk k(collect);
  drive_to(k, Screen::kIdentity, {type});
  REQUIRE(k.flow.rrn_requested());
  fill_identity(k.flow);
  std::string& rrn = k.flow.identity().rrn;
  std::string code;
  SECTION("missing") {
    rrn.clear();
    code = "required";
  }
  SECTION("12 digits") {
    rrn = "850315123456";
    code = "rrn";
  }
  SECTION("a wrong check digit") {
    rrn = "8503151234567";
    code = "rrn";
  }
  SECTION("a hyphen in the wrong place") {
    rrn = "85031-51234566";
    code = "rrn";
  }
  SECTION("another birth date") {
    rrn = "8503161234565";
    code = "rrn-birth-date";
  }
  SECTION("a 2000s century digit for a 1985 birth") {
    rrn = "8503153234564";
    code = "rrn-birth-date";
  }
  CHECK_FALSE(k.next());
  INFO(describe(k.flow.validation()));
  CHECK(has_message(k.flow.validation(), "rrn", code));
  CHECK(k.flow.validation().size() == 1);
  CHECK(k.screen() == Screen::kIdentity);
}

// ---- signature ----------------------------------------------------------------------------------

TEST_CASE("The signature needs enough ink", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kSignature);
  CHECK_FALSE(k.flow.signature_has_enough_ink());
  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "signature", "signature"));

  SECTION("a dot is not a signature") {
    k.flow.signature().strokes.push_back({{0.5f, 0.5f, 0}});
    CHECK_FALSE(k.next());
  }
  SECTION("a short tick is not enough") {
    sign(k.flow, 0.1);
    CHECK_FALSE(k.flow.signature_has_enough_ink());
    CHECK_FALSE(k.next());
    CHECK(k.screen() == Screen::kSignature);
  }
  SECTION("vertical movement is measured in pad widths") {
    forms::SignatureCapture& sig = k.flow.signature();
    sig.pad_width_px = 1000;
    sig.pad_height_px = 100;  // a full-height stroke is 0.1 pad widths
    sig.strokes.push_back({{0.5f, 0.0f, 0}, {0.5f, 1.0f, 100}});
    CHECK_FALSE(k.flow.signature_has_enough_ink());
    sig.pad_height_px = 200;  // now 0.2
    CHECK(k.flow.signature_has_enough_ink());
  }
  SECTION("a real signature moves on and records when") {
    sign(k.flow, 0.5);
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kSurvey);
    CHECK(k.flow.signature().signed_at == platform::format_rfc3339_utc(k.now));
    REQUIRE(k.back());
    CHECK(k.screen() == Screen::kSignature);
    REQUIRE(k.back());
    CHECK(k.screen() == Screen::kIdentity);
  }
}

// ---- surveys and review -------------------------------------------------------------------------

TEST_CASE("Survey pages are validated one by one and hidden pages are skipped", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kSurvey);
  REQUIRE(k.flow.survey_doc() == 0);
  REQUIRE(k.flow.page() == 0);
  forms::FormSession& baseline = k.flow.survey_sessions()[0];
  const int women = baseline.questionnaire().index.at("women");

  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "demo.sex", "required"));
  CHECK(k.flow.page() == 0);

  const std::string sex = GENERATE(std::string("male"), std::string("female"));
  choose(baseline, "demo.sex", sex);
  const std::vector<int> pages = k.flow.survey_pages(0);
  const bool women_shown = std::find(pages.begin(), pages.end(), women) != pages.end();
  CHECK(women_shown == (sex == "female"));
  CHECK(pages.size() == (sex == "female" ? 14u : 13u));

  std::vector<int> visited;
  while (k.screen() == Screen::kSurvey && k.flow.survey_doc() == 0) {
    visited.push_back(k.survey_page_item());
    fill_page(baseline, k.survey_page_item());
    REQUIRE(k.next());
  }
  CHECK(visited == pages);
  REQUIRE(k.screen() == Screen::kSurvey);
  CHECK(k.flow.survey_doc() == 1);
  CHECK(k.flow.page() == 0);
  REQUIRE(k.back());
  CHECK(k.flow.survey_doc() == 0);
  CHECK(k.survey_page_item() == pages.back());
  REQUIRE(k.next());
  REQUIRE(k.next());
  REQUIRE(k.next());
  REQUIRE(k.screen() == Screen::kReview);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kSurvey);
  CHECK(k.flow.survey_doc() == 1);
  CHECK(k.flow.page() == 1);
}

TEST_CASE("Back works from every screen that has one", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kLanguage);
  REQUIRE(k.send(Intent::kSetLanguage, "en"));
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kAttract);
  CHECK(k.flow.language() == "ko");  // the next person starts from the defaults

  drive_to(k, Screen::kParticipation);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kLanguage);
  drive_to(k, Screen::kSigner);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kParticipation);
  drive_to(k, Screen::kConsentRead);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kSigner);
  drive_to(k, Screen::kIdentity);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kComprehension);
  drive_to(k, Screen::kSignature);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kIdentity);
  drive_to(k, Screen::kSurvey);
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kSignature);
  drive_to(k, Screen::kReview);
  REQUIRE(k.send(Intent::kSubmit));
  CHECK_FALSE(k.back());
  CHECK(k.screen() == Screen::kSubmitting);
  REQUIRE(k.send(Intent::kSubmitFailedKind));
  CHECK_FALSE(k.back());
  CHECK(k.screen() == Screen::kSubmitFailed);
  REQUIRE(k.send(Intent::kRetrySubmit));
  REQUIRE(k.send(Intent::kSubmitted));
  CHECK_FALSE(k.back());
  CHECK(k.screen() == Screen::kThankYou);
}

TEST_CASE("Progress runs from 0 at language to 1 at review and never goes back", "[kiosk][flow]") {
  const std::string type = GENERATE(std::string("general"), std::string("rare"));
  Kiosk k;
  drive_to(k, Screen::kLanguage, {type});
  CHECK(k.flow.progress() == 0.0);
  double last = 0;
  int steps = 0;
  while (k.screen() != Screen::kReview) {
    step(k, {type});
    const double p = k.flow.progress();
    INFO(kiosk::screen_name(k.screen()) << " page " << k.flow.page());
    CHECK(p >= last);
    CHECK(p <= 1.0);
    last = p;
    ++steps;
  }
  CHECK(k.flow.progress() == 1.0);
  CHECK(steps > 20);
}

TEST_CASE("Review: each section can be edited and returns to review", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kReview);
  CHECK_FALSE(k.flow.returning_to_review());
  CHECK_FALSE(k.send(Intent::kEdit, "", 4));
  CHECK_FALSE(k.send(Intent::kEdit, "", -1));

  SECTION("consents: straight to the choices, no second reading") {
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kConsents)));
    CHECK(k.screen() == Screen::kConsentChoose);
    CHECK(k.flow.consent_doc() == 0);
    CHECK(k.flow.returning_to_review());
    REQUIRE(k.consent().set_answer("consent.overseas.agree", true).is_ok());
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kReview);
    CHECK_FALSE(k.flow.returning_to_review());
  }
  SECTION("consents: a now invalid choice is refused") {
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kConsents)));
    REQUIRE(k.consent().set_answer("consent.participation.agree", false).is_ok());
    CHECK_FALSE(k.next());
    CHECK(k.screen() == Screen::kConsentChoose);
    CHECK(has_message(k.flow.validation(), "consent.participation.agree", "mandatory-consent"));
  }
  SECTION("identity") {
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kIdentity)));
    CHECK(k.screen() == Screen::kIdentity);
    k.flow.identity().patient.phone = "abc";
    CHECK_FALSE(k.next());
    CHECK(k.screen() == Screen::kIdentity);
    k.flow.identity().patient.phone = "010-0000-0002";
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kReview);
    CHECK(k.flow.identity().patient.phone == "010-0000-0002");
  }
  SECTION("signature") {
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kSignature)));
    CHECK(k.screen() == Screen::kSignature);
    REQUIRE(k.next());
    CHECK(k.screen() == Screen::kReview);
  }
  SECTION("surveys: through every page, then review") {
    const int pages = total_survey_pages(k.flow);
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kSurveys)));
    CHECK(k.screen() == Screen::kSurvey);
    CHECK(k.flow.survey_doc() == 0);
    CHECK(k.flow.page() == 0);
    int nexts = 0;
    while (k.screen() == Screen::kSurvey) {
      REQUIRE(k.next());
      ++nexts;
    }
    CHECK(nexts == pages);
    CHECK(k.screen() == Screen::kReview);
  }
  SECTION("back inside an edited survey goes to the previous page") {
    REQUIRE(k.send(Intent::kEdit, "", static_cast<int>(ReviewSection::kSurveys)));
    REQUIRE(k.next());
    REQUIRE(k.back());
    CHECK(k.screen() == Screen::kSurvey);
    CHECK(k.flow.page() == 0);
    CHECK(k.flow.returning_to_review());
  }
}

TEST_CASE("Review: back from the first screen of an edited section returns to review",
          "[kiosk][flow]") {
  const int section = GENERATE(0, 1, 2, 3);
  Kiosk k;
  drive_to(k, Screen::kReview);
  REQUIRE(k.send(Intent::kEdit, "", section));
  CHECK(k.flow.returning_to_review());
  REQUIRE(k.back());
  CHECK(k.screen() == Screen::kReview);
  CHECK_FALSE(k.flow.returning_to_review());
}

TEST_CASE("Review: editing two consent documents goes through both choices, then review",
          "[kiosk][flow]") {
  const std::vector<forms::ProtocolPackage> pkgs = two_document_packages(true);
  Kiosk k(FlowConfig{}, pkgs);
  drive_to(k, Screen::kReview);
  REQUIRE(k.send(Intent::kEdit, "", 0));
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kConsentChoose);
  CHECK(k.flow.consent_doc() == 1);
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kReview);
}

TEST_CASE("Submit: everything is checked again, then submitting, failure and retry",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kReview);

  SECTION("an edit that broke a section blocks submit, and nothing moves") {
    k.flow.identity().patient.family.clear();
    k.flow.signature().strokes.clear();
    CHECK_FALSE(k.send(Intent::kSubmit));
    CHECK(k.screen() == Screen::kReview);
    CHECK(has_message(k.flow.validation(), "family", "required"));
    CHECK(has_message(k.flow.validation(), "signature", "signature"));
  }
  SECTION("a comprehension answer changed to a wrong one blocks submit") {
    choose(*k.flow.comprehension(), "comp.optional", "no");
    CHECK_FALSE(k.send(Intent::kSubmit));
    CHECK(has_message(k.flow.validation(), "comp.optional", "comprehension"));
  }
  SECTION("submitted") {
    REQUIRE(k.send(Intent::kSubmit));
    CHECK(k.screen() == Screen::kSubmitting);
    CHECK_FALSE(k.send(Intent::kCancel));
    CHECK_FALSE(k.send(Intent::kSubmit));
    CHECK_FALSE(k.send(Intent::kFinish));
    REQUIRE(k.send(Intent::kSubmitted));
    CHECK(k.screen() == Screen::kThankYou);
    // The sealed copy is stored; the readable one is gone already.
    CHECK(k.flow.identity().patient.family.empty());
    CHECK(k.flow.consent_sessions().empty());
    CHECK(k.flow.signature().strokes.empty());
    CHECK_FALSE(k.send(Intent::kCancel));
    REQUIRE(k.send(Intent::kFinish));
    CHECK(k.screen() == Screen::kAttract);
  }
  SECTION("failed, retried, submitted") {
    REQUIRE(k.send(Intent::kSubmit));
    CHECK_FALSE(k.send(Intent::kRetrySubmit));
    REQUIRE(k.send(Intent::kSubmitFailedKind));
    CHECK(k.screen() == Screen::kSubmitFailed);
    CHECK_FALSE(k.send(Intent::kSubmitted));
    // Nothing is lost: the enrollment can be built again for the retry.
    CHECK(k.flow.identity().patient.family == "김");
    CHECK(k.flow.enrollment("01JGQ0000000000000000000FL", "2026-11-29T01:00:00Z").consents.size() ==
          1);
    REQUIRE(k.send(Intent::kRetrySubmit));
    CHECK(k.screen() == Screen::kSubmitting);
    REQUIRE(k.send(Intent::kSubmitted));
    CHECK(k.screen() == Screen::kThankYou);
  }
}

TEST_CASE("Thank-you returns to attract by itself after 30 s without input", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kReview, {"general", "self", "en"});
  REQUIRE(k.send(Intent::kSubmit));
  REQUIRE(k.send(Intent::kSubmitted));
  REQUIRE(k.screen() == Screen::kThankYou);
  CHECK(k.flow.language() == "en");  // the thank-you text stays in the participant's language
  k.flow.tick(k.now + 29'999);
  CHECK(k.screen() == Screen::kThankYou);
  k.flow.touched(k.now + 20'000);
  k.flow.tick(k.now + 49'999);
  CHECK(k.screen() == Screen::kThankYou);
  k.flow.tick(k.now + 50'000);
  CHECK(k.screen() == Screen::kAttract);
  CHECK(k.flow.language() == "ko");
}

// ---- cancel, call staff -------------------------------------------------------------------------

TEST_CASE("Cancel asks first, confirming wipes every answer, name and stroke", "[kiosk][flow]") {
  FlowConfig cfg;
  cfg.collect_rrn = true;
  Kiosk k(cfg);
  drive_to(k, Screen::kSurvey, {"rare", "representative", "en"});
  REQUIRE(k.send(Intent::kSetTextScale, "", 200) == false);  // not here
  kiosk::IdentityFields& id = k.flow.identity();
  id.patient.given = "테스트테스트테스트테스트";  // long enough to live on the heap
  const char* given_buffer = id.patient.given.data();
  const std::size_t given_size = id.patient.given.size();
  REQUIRE_FALSE(k.flow.consent_sessions()[0].answers("rep.participation.agree").empty());
  REQUIRE_FALSE(k.flow.signature().strokes.empty());
  REQUIRE_FALSE(id.rrn.empty());

  REQUIRE(k.send(Intent::kCancel));
  CHECK(k.flow.overlay() == Overlay::kConfirmCancel);
  CHECK_FALSE(k.next());  // only the overlay's intents while it is open
  CHECK_FALSE(k.back());
  CHECK(k.screen() == Screen::kSurvey);
  REQUIRE(k.send(Intent::kConfirmCancel));

  CHECK(k.screen() == Screen::kAttract);
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(id.patient.family.empty());
  CHECK(id.patient.given.empty());
  CHECK(id.patient.birth_date.empty());
  CHECK(id.patient.phone.empty());
  CHECK(id.rrn.empty());
  CHECK_FALSE(id.representative.has_value());
  // The name's bytes are zeroed in place, not only forgotten.
  REQUIRE(id.patient.given.data() == given_buffer);
  CHECK(std::all_of(given_buffer, given_buffer + given_size, [](char c) { return c == 0; }));
  CHECK(k.flow.consent_sessions().empty());
  CHECK(k.flow.comprehension() == nullptr);
  CHECK(k.flow.survey_sessions().empty());
  CHECK(k.flow.signature().strokes.empty());
  CHECK(k.flow.signature().signed_at.empty());
  CHECK(k.flow.participation_type().empty());
  CHECK(k.flow.package() == nullptr);
  CHECK_FALSE(k.flow.representative_signs());
  CHECK(k.flow.language() == "ko");
  CHECK(k.flow.text_scale_pct() == 100);
  CHECK_FALSE(k.flow.high_contrast());
  const forms::EnrollmentContent after =
      k.flow.enrollment("01JGQ0000000000000000000WP", "2026-11-29T01:00:00Z");
  CHECK(after.consents.empty());
  CHECK(after.responses.empty());
  CHECK(after.patient.family.empty());
  CHECK_FALSE(after.representative.has_value());
}

TEST_CASE("Cancel then dismiss keeps everything where it was", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kIdentity);
  fill_identity(k.flow);
  REQUIRE(k.send(Intent::kCancel));
  REQUIRE(k.send(Intent::kDismissOverlay));
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.screen() == Screen::kIdentity);
  CHECK(k.flow.identity().patient.family == "김");
  CHECK(k.flow.consent_sessions()[0].answers("consent.participation.agree").size() == 1);
  REQUIRE(k.next());
  CHECK(k.screen() == Screen::kSignature);
  CHECK_FALSE(k.send(Intent::kConfirmCancel));  // no overlay open
}

TEST_CASE("Call staff opens on every screen but attract and is dismissed", "[kiosk][flow]") {
  Kiosk k;
  CHECK_FALSE(k.send(Intent::kCallStaff));
  drive_to(k, Screen::kConsentChoose);
  REQUIRE(k.send(Intent::kCallStaff));
  CHECK(k.flow.overlay() == Overlay::kCallStaff);
  CHECK_FALSE(k.send(Intent::kCancel));
  CHECK_FALSE(k.send(Intent::kConfirmCancel));
  CHECK_FALSE(k.send(Intent::kMoreTime));
  REQUIRE(k.send(Intent::kDismissOverlay));
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.screen() == Screen::kConsentChoose);
}

// ---- idle
// -----------------------------------------------------------------------------------------

TEST_CASE("The idle warning comes at idle_ms without input and counts down", "[kiosk][flow]") {
  FlowConfig cfg;
  cfg.idle_ms = 60'000;
  cfg.idle_warning_ms = 25'000;
  Kiosk k(cfg);
  drive_to(k, Screen::kConsentRead);
  const std::int64_t last = k.now;

  k.flow.tick(last + 59'999);
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.flow.idle_countdown_ms(last + 59'999) == 0);
  k.flow.touched(last + 30'000);  // a touch that is no intent still counts
  k.flow.tick(last + 60'000);
  CHECK(k.flow.overlay() == Overlay::kNone);
  k.flow.tick(last + 90'000);
  REQUIRE(k.flow.overlay() == Overlay::kIdleWarning);
  CHECK(k.flow.idle_countdown_ms(last + 90'000) == 25'000);
  CHECK(k.flow.idle_countdown_ms(last + 100'000) == 15'000);
  CHECK(k.flow.idle_countdown_ms(last + 200'000) == 0);

  // Only "more time" closes it.
  CHECK_FALSE(k.flow.apply({Intent::kReachedEnd, "", 0}, last + 95'000));
  CHECK_FALSE(k.flow.apply({Intent::kDismissOverlay, "", 0}, last + 95'000));
  k.flow.touched(last + 96'000);
  k.flow.tick(last + 97'000);
  CHECK(k.flow.overlay() == Overlay::kIdleWarning);
  REQUIRE(k.flow.apply({Intent::kMoreTime, "", 0}, last + 100'000));
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.flow.extensions_left() == 9);
  CHECK(k.screen() == Screen::kConsentRead);
  k.flow.tick(last + 159'999);
  CHECK(k.flow.overlay() == Overlay::kNone);
  k.flow.tick(last + 160'000);
  CHECK(k.flow.overlay() == Overlay::kIdleWarning);
}

TEST_CASE("No idle warning on attract or while submitting", "[kiosk][flow]") {
  Kiosk k;
  k.flow.tick(k.now + 10'000'000);
  CHECK(k.flow.overlay() == Overlay::kNone);
  drive_to(k, Screen::kReview);
  REQUIRE(k.send(Intent::kSubmit));
  k.flow.tick(k.now + 10'000'000);
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.screen() == Screen::kSubmitting);
}

TEST_CASE("More time is given max_extensions times, then the countdown runs out and wipes",
          "[kiosk][flow]") {
  FlowConfig cfg;  // idle 120 s, warning 30 s, 10 extensions
  Kiosk k(cfg);
  drive_to(k, Screen::kIdentity);
  fill_identity(k.flow);
  std::int64_t t = k.now;
  for (int i = 0; i < 10; ++i) {
    t += cfg.idle_ms;
    k.flow.tick(t);
    REQUIRE(k.flow.overlay() == Overlay::kIdleWarning);
    t += 1000;
    REQUIRE(k.flow.apply({Intent::kMoreTime, "", 0}, t));
  }
  CHECK(k.flow.extensions_left() == 0);
  t += cfg.idle_ms;
  k.flow.tick(t);
  REQUIRE(k.flow.overlay() == Overlay::kIdleWarning);
  CHECK_FALSE(k.flow.apply({Intent::kMoreTime, "", 0}, t + 1000));
  CHECK(k.flow.overlay() == Overlay::kIdleWarning);
  k.flow.tick(t + cfg.idle_warning_ms - 1);
  CHECK(k.screen() == Screen::kIdentity);
  k.flow.tick(t + cfg.idle_warning_ms);
  CHECK(k.screen() == Screen::kAttract);
  CHECK(k.flow.identity().patient.family.empty());
  CHECK(k.flow.extensions_left() == 10);  // the next person gets their own
}

TEST_CASE("An idle timeout wipes a half-filled session and returns to attract", "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kIdentity, {"general", "representative", "en"});
  k.flow.identity().patient.family = "Kim";
  k.flow.identity().representative->given = "Test";
  REQUIRE_FALSE(k.flow.comprehension()->answers("comp.withdraw").empty());

  SECTION("by tick") {
    k.flow.tick(k.now + 120'000);
    REQUIRE(k.flow.overlay() == Overlay::kIdleWarning);
    k.flow.tick(k.now + 150'000);
  }
  SECTION("a late more-time after the deadline does not bring it back") {
    k.flow.tick(k.now + 120'000);
    CHECK_FALSE(k.flow.apply({Intent::kMoreTime, "", 0}, k.now + 150'001));
  }
  SECTION("from a confirm-cancel nobody answered") {
    REQUIRE(k.send(Intent::kCancel));
    k.flow.tick(k.now + 120'000);
    REQUIRE(k.flow.overlay() == Overlay::kIdleWarning);
    k.flow.tick(k.now + 150'000);
  }
  CHECK(k.screen() == Screen::kAttract);
  CHECK(k.flow.overlay() == Overlay::kNone);
  CHECK(k.flow.identity().patient.family.empty());
  CHECK_FALSE(k.flow.identity().representative.has_value());
  CHECK(k.flow.consent_sessions().empty());
  CHECK(k.flow.comprehension() == nullptr);
  CHECK(k.flow.language() == "ko");
}

// ---- legal representative and the enrollment --------------------------------------------------

TEST_CASE(
    "A legal representative: their consent document, their details, their name on the consent",
    "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kIdentity, {"general", "representative"});
  REQUIRE(k.flow.representative_signs());
  REQUIRE(k.flow.consent_sessions()[0].questionnaire().role == "consent-representative");
  // The relationship answered in the representative consent is carried over.
  REQUIRE(k.flow.identity().representative.has_value());
  CHECK(k.flow.identity().representative->relationship == "MTH");

  kiosk::IdentityFields& id = k.flow.identity();
  id.patient = {"김", "테스트", "2014-09-01", "male", "01000000000"};
  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "representative.family", "required"));
  CHECK(has_message(k.flow.validation(), "representative.given", "required"));
  CHECK(has_message(k.flow.validation(), "representative.phone", "required"));
  CHECK(k.flow.validation().size() == 3);

  id.representative = forms::Representative{"김", "보호자", "XYZ", "01000000001"};
  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "representative.relationship", "option"));
  id.representative->relationship = "GUARD";
  id.representative->phone = "12345";
  CHECK_FALSE(k.next());
  CHECK(has_message(k.flow.validation(), "representative.phone", "phone"));
  id.representative->phone = "01000000001";
  REQUIRE(k.next());
  drive_to(k, Screen::kReview, {"general", "representative"});

  const std::string id_ = "01JGQ0000000000000000000RP";
  const forms::EnrollmentContent c = k.flow.enrollment(id_, "2026-11-29T01:00:00Z");
  REQUIRE(c.representative.has_value());
  CHECK(c.representative->relationship == "GUARD");
  CHECK(c.representative->given == "보호자");
  REQUIRE(c.consents.size() == 1);
  CHECK(c.consents[0]["performer"][0]["reference"] ==
        forms::enrollment_resource_ref(id_, "representative"));
  CHECK(c.consents[0]["patient"]["reference"] == forms::enrollment_resource_ref(id_, "patient"));
  CHECK(c.consents[0]["extension"][0]["valueCanonical"] ==
        "https://bbd.example.kr/fhir/Questionnaire/general-consent-representative|1.0.0");
  const nlohmann::json bundle = forms::make_enrollment_bundle(c);
  CHECK(bundle["entry"][1]["resource"]["resourceType"] == "RelatedPerson");
}

TEST_CASE("enrollment() carries the identity, one Consent per document and a response per form",
          "[kiosk][flow]") {
  Kiosk k;
  drive_to(k, Screen::kReview, {"general", "self", "en"});
  const std::string id = "01JGQ0000000000000000000EN";
  const std::string now = "2026-11-29T01:05:00Z";
  const forms::EnrollmentContent c = k.flow.enrollment(id, now);

  CHECK(c.enrollment_id == id);
  CHECK(c.participation_type == "general");
  CHECK(c.language == "en");
  CHECK(c.patient.family == "김");
  CHECK(c.patient.given == "테스트");
  CHECK(c.patient.birth_date == "1985-03-15");
  CHECK(c.patient.gender == "female");
  CHECK(c.patient.phone == "01000000000");
  CHECK_FALSE(c.representative.has_value());

  REQUIRE(c.consents.size() == k.flow.consent_sessions().size());
  const nlohmann::json& consent = c.consents[0];
  CHECK(consent["resourceType"] == "Consent");
  CHECK(consent["policy"][0]["uri"] == "https://bbd.example.kr/fhir/protocol/general|1.0.0");
  CHECK(consent["policy"][0]["uri"] == package_of("general").policy());
  CHECK(consent["performer"][0]["reference"] == forms::enrollment_resource_ref(id, "patient"));
  CHECK(consent["dateTime"] == now);
  CHECK(consent["extension"][1]["valueString"] ==
        forms::shown_text_sha256(k.flow.consent_sessions()[0]));
  CHECK(consent["extension"][2]["valueCode"] == "en");
  // Required items permitted, the declined optional ones denied.
  std::map<std::string, std::string> provision;
  for (const nlohmann::json& p : consent["provision"]["provision"])
    provision[p["code"][0]["coding"][0]["code"].get<std::string>()] = p["type"].get<std::string>();
  CHECK(provision["participation"] == "permit");
  CHECK(provision["whole-genome"] == "permit");
  CHECK(provision["overseas-provision"] == "deny");
  CHECK(provision.count("resident-registration-number") == 0);

  // consent, comprehension, baseline, lifestyle: in package order.
  REQUIRE(c.responses.size() == 4);
  CHECK(c.responses[0]["questionnaire"] ==
        "https://bbd.example.kr/fhir/Questionnaire/general-consent|1.0.0");
  CHECK(c.responses[1]["questionnaire"] ==
        "https://bbd.example.kr/fhir/Questionnaire/general-comprehension|1.0.0");
  CHECK(c.responses[2]["questionnaire"] ==
        "https://bbd.example.kr/fhir/Questionnaire/general-baseline|1.0.0");
  CHECK(c.responses[3]["questionnaire"] ==
        "https://bbd.example.kr/fhir/Questionnaire/general-lifestyle|1.0.0");
  CHECK(c.responses[2]["language"] == "en");
  CHECK(c.responses[2]["item"].size() > 3);

  REQUIRE(c.signature.strokes.size() == 1);
  CHECK(c.signature.strokes[0].size() == 11);
  CHECK_FALSE(c.signature.signed_at.empty());
  CHECK(c.signature.signed_at != now);  // when the participant signed, not when submitted

  const nlohmann::json bundle = forms::make_enrollment_bundle(c);
  CHECK(bundle["entry"].size() == 1 + 1 + 4 + 1);  // patient, consent, responses, provenance
}
