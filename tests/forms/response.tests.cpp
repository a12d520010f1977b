// FHIR output: QuestionnaireResponse and Consent, and the exact text a participant was shown.
#include <catch2/catch.hpp>

#include "forms/response.h"
#include "forms_test_helpers.h"
#include "platform/crypto.h"

using namespace ft;
using forms::Value;

namespace {

const char kAuthored[] = "2026-11-02T10:20:30+09:00";

json survey() {
  return q(group("g",
                 {display("g.intro", "안내문", "Introduction"), item("g.name", "string", "이름", "Name"),
                  children(item("g.smoke", "boolean", "흡연하십니까?", "Do you smoke?"),
                           {item("g.smoke.years", "integer", "몇 년?", "How many years?")}),
                  choice("g.colour", {"red", "blue"}, "색", "Colour"), item("g.born", "date", "생일", "Birthday"),
                  item("g.kg", "decimal", "몸무게", "Weight")},
                 "1. 기본", "1. Basics"),
           group("empty", {item("empty.a", "string")}, "빈 부분", "Empty part"),
           item("gate", "boolean", "더 있습니까?", "More?"),
           when(item("gated", "string", "더", "More"), {cond("gate", "=", "answerBoolean", true)}),
           repeats(options(item("many", "choice", "여러 개", "Several"), {opt_coding("p"), opt_coding("q")})));
}

}  // namespace

TEST_CASE("QuestionnaireResponse mirrors the questionnaire with enabled answered items only", "[forms][response]") {
  forms::Questionnaire qn = load_ok(survey());
  forms::FormSession s(qn, "en");
  REQUIRE(s.set_answer("g.name", str("Hong")).is_ok());
  REQUIRE(s.set_answer("g.smoke", true).is_ok());
  REQUIRE(s.set_answer("g.smoke.years", integer(12)).is_ok());
  REQUIRE(s.set_answer("g.colour", option_value(qn, "g.colour", "blue")).is_ok());
  REQUIRE(s.set_answer("g.born", date("1980-02-29")).is_ok());
  REQUIRE(s.set_answer("g.kg", decimal(70.5)).is_ok());
  REQUIRE(s.set_answer("gate", false).is_ok());
  REQUIRE(s.set_answer("gated", str("not shown")).is_ok());
  REQUIRE(s.set_answers("many", {option_value(qn, "many", "p"), option_value(qn, "many", "q")}).is_ok());

  json r = forms::make_questionnaire_response(s, kAuthored);
  INFO(r.dump(2));
  CHECK(r["resourceType"] == "QuestionnaireResponse");
  CHECK(r["status"] == "completed");
  CHECK(r["questionnaire"] == kUrl + "|1.0.0");
  CHECK(r["authored"] == kAuthored);
  REQUIRE(r["item"].size() == 3);  // g, gate, many: the empty group and the disabled item are left out
  const json& g = r["item"][0];
  CHECK(g["linkId"] == "g");
  CHECK(g["text"] == "1. Basics");
  CHECK_FALSE(g.contains("answer"));
  REQUIRE(g["item"].size() == 5);  // no display item
  CHECK(g["item"][0]["linkId"] == "g.name");
  CHECK(g["item"][0]["text"] == "Name");
  CHECK(g["item"][0]["answer"] == json::array({{{"valueString", "Hong"}}}));
  const json& smoke = g["item"][1];
  CHECK(smoke["linkId"] == "g.smoke");
  CHECK(smoke["answer"][0]["valueBoolean"] == true);
  CHECK_FALSE(smoke.contains("item"));  // a question's children go under its answer
  REQUIRE(smoke["answer"][0]["item"].size() == 1);
  CHECK(smoke["answer"][0]["item"][0]["linkId"] == "g.smoke.years");
  CHECK(smoke["answer"][0]["item"][0]["text"] == "How many years?");
  CHECK(smoke["answer"][0]["item"][0]["answer"][0]["valueInteger"] == 12);
  const json& colour = g["item"][2]["answer"][0]["valueCoding"];
  CHECK(colour["code"] == "blue");
  CHECK(colour["system"] == kSys);
  CHECK(colour["display"] == "Option blue");
  CHECK(g["item"][3]["answer"][0]["valueDate"] == "1980-02-29");
  CHECK(g["item"][4]["answer"][0]["valueDecimal"] == 70.5);
  CHECK(r["item"][1]["linkId"] == "gate");
  CHECK(r["item"][1]["answer"][0]["valueBoolean"] == false);
  CHECK(r["item"][2]["answer"].size() == 2);
  CHECK(r.dump().find("g.intro") == std::string::npos);
  CHECK(r.dump().find("not shown") == std::string::npos);
  CHECK(r.dump().find("empty") == std::string::npos);

  // The same answers in Korean: Korean texts and displays.
  forms::FormSession ko(qn, "ko");
  REQUIRE(ko.set_answer("g.colour", option_value(qn, "g.colour", "blue")).is_ok());
  json rk = forms::make_questionnaire_response(ko, kAuthored);
  CHECK(rk["item"][0]["text"] == "1. 기본");
  CHECK(rk["item"][0]["item"][0]["text"] == "색");
  CHECK(rk["item"][0]["item"][0]["answer"][0]["valueCoding"]["display"] == "보기 blue");
}

TEST_CASE("an unanswered questionnaire gives a response without items", "[forms][response]") {
  forms::Questionnaire qn = load_ok(survey());
  forms::FormSession s(qn, "ko");
  json r = forms::make_questionnaire_response(s, kAuthored);
  CHECK(r["status"] == "completed");
  CHECK_FALSE(r.contains("item"));
}

namespace {

json consent_doc(const std::string& notice_ko = "이 연구는 유전체를 분석합니다.") {
  return with_role(
      q(group("c.info", {display("c.notice", notice_ko, "This study analyses genomes."),
                         with_ext(display("c.hidden", "숨은 글", "Hidden text"), hl7("questionnaire-hidden", "valueBoolean", true))},
              "연구 안내", "About the study"),
        with_ext(with_ext(required(item("c.participation", "boolean", "참여에 동의하십니까?", "Do you agree to take part?")),
                          consent_provision("participation")),
                 consent_mandatory()),
        with_ext(item("c.wgs", "boolean", "전장 유전체 분석에 동의하십니까?", "Do you agree to whole-genome analysis?"),
                 consent_provision("whole-genome")),
        when(display("c.wgs.more", "전장 유전체 추가 안내", "More about whole-genome analysis"),
             {cond("c.wgs", "=", "answerBoolean", true)}),
        with_ext(options(item("c.retention", "choice", "보관 기간을 골라 주십시오.", "Please choose the retention period."),
                         {opt_coding("10y", "10년", "10 years"), opt_coding("permanent", "영구", "Permanently")}),
                 consent_provision("retention-period")),
        with_ext(options(item("c.contact", "choice", "연락 방법", "How to contact you"),
                         {opt_string("전화", "Phone"), opt_string("우편", "Post")}),
                 consent_provision("recontact"))),
      "consent");
}

forms::ConsentContext ctx() {
  return {"https://example.test/fhir/protocol/general|1.0.0", "urn:uuid:patient-1", "urn:uuid:related-1",
          "2026-11-02T10:20:30+09:00"};
}

}  // namespace

TEST_CASE("shown_text is the title, then shown texts and option labels in document order", "[forms][consent]") {
  forms::Questionnaire qn = load_ok(consent_doc());
  forms::FormSession ko(qn, "ko");
  CHECK(forms::shown_text(ko) ==
        "시험 설문\n"
        "연구 안내\n"
        "이 연구는 유전체를 분석합니다.\n"
        "참여에 동의하십니까?\n"
        "전장 유전체 분석에 동의하십니까?\n"
        "보관 기간을 골라 주십시오.\n10년\n영구\n"
        "연락 방법\n전화\n우편\n");
  forms::FormSession en(qn, "en");
  REQUIRE(en.set_answer("c.wgs", true).is_ok());  // enables c.wgs.more
  CHECK(forms::shown_text(en) ==
        "Test survey\n"
        "About the study\n"
        "This study analyses genomes.\n"
        "Do you agree to take part?\n"
        "Do you agree to whole-genome analysis?\n"
        "More about whole-genome analysis\n"
        "Please choose the retention period.\n10 years\nPermanently\n"
        "How to contact you\nPhone\nPost\n");
  CHECK(forms::shown_text_sha256(en) == platform::sha256_hex(platform::as_bytes(forms::shown_text(en))));
}

TEST_CASE("make_consent records scope, parties, policy, the shown text's hash and one provision per item", "[forms][consent]") {
  forms::Questionnaire qn = load_ok(consent_doc());
  forms::FormSession s(qn, "en");
  REQUIRE(s.set_answer("c.participation", true).is_ok());
  REQUIRE(s.set_answer("c.wgs", false).is_ok());
  REQUIRE(s.set_answer("c.retention", option_value(qn, "c.retention", "permanent")).is_ok());
  REQUIRE(s.set_answer("c.contact", option_value(qn, "c.contact", "전화")).is_ok());
  json c = forms::make_consent(s, ctx());
  INFO(c.dump(2));
  CHECK(c["resourceType"] == "Consent");
  CHECK(c["status"] == "active");
  CHECK(c["scope"]["coding"][0]["code"] == "research");
  CHECK(c["scope"]["coding"][0]["system"] == "http://terminology.hl7.org/CodeSystem/consentscope");
  CHECK(c["category"][0]["coding"][0]["code"] == "research");
  CHECK(c["patient"]["reference"] == "urn:uuid:patient-1");
  CHECK(c["performer"][0]["reference"] == "urn:uuid:related-1");
  CHECK(c["dateTime"] == "2026-11-02T10:20:30+09:00");
  CHECK(c["policy"][0]["uri"] == "https://example.test/fhir/protocol/general|1.0.0");
  std::map<std::string, json> ext;
  for (const json& x : c["extension"]) ext[x["url"].get<std::string>()] = x;
  REQUIRE(ext.count(kBbd + "consent-text-sha256"));
  CHECK(ext[kBbd + "consent-text-sha256"]["valueString"] == platform::sha256_hex(platform::as_bytes(forms::shown_text(s))));
  CHECK(ext[kBbd + "consent-language"]["valueCode"] == "en");
  CHECK(ext[kBbd + "consent-document"]["valueCanonical"] == kUrl + "|1.0.0");

  const json& ps = c["provision"]["provision"];
  REQUIRE(ps.size() == 4);
  auto first_code = [](const json& p) { return p["code"][0]["coding"][0]; };
  CHECK(ps[0]["type"] == "permit");
  CHECK(first_code(ps[0])["code"] == "participation");
  CHECK(first_code(ps[0])["system"] == forms::kConsentProvisionSystem);
  CHECK(ps[1]["type"] == "deny");
  CHECK(first_code(ps[1])["code"] == "whole-genome");
  CHECK(first_code(ps[2])["code"] == "retention-period");
  REQUIRE(ps[2]["code"][0]["coding"].size() == 2);
  CHECK(ps[2]["code"][0]["coding"][1]["code"] == "permanent");
  CHECK(ps[2]["code"][0]["coding"][1]["system"] == kSys);
  CHECK(first_code(ps[3])["code"] == "recontact");
  CHECK(ps[3]["code"][0]["coding"][1]["code"] == "전화");
}

TEST_CASE("the consent hash changes with the language, one character of text, and what is shown", "[forms][consent]") {
  forms::Questionnaire qn = load_ok(consent_doc());
  forms::Questionnaire changed = load_ok(consent_doc("이 연구는 유전체를 분석합니다!"));
  forms::FormSession ko(qn, "ko"), en(qn, "en"), ko2(changed, "ko"), ko3(qn, "ko");
  auto hash_of = [](const forms::FormSession& s) {
    json c = forms::make_consent(s, ctx());
    for (const json& x : c["extension"])
      if (x["url"] == kBbd + "consent-text-sha256") return x["valueString"].get<std::string>();
    return std::string();
  };
  const std::string h_ko = hash_of(ko);
  CHECK(h_ko.size() == 64);
  CHECK(h_ko == forms::shown_text_sha256(ko));
  CHECK(h_ko != hash_of(en));
  CHECK(h_ko != hash_of(ko2));
  CHECK(h_ko == hash_of(ko3));
  REQUIRE(ko3.set_answer("c.wgs", true).is_ok());  // shows one more notice
  CHECK(h_ko != hash_of(ko3));
  // Answers alone do not change what was shown.
  REQUIRE(ko.set_answer("c.participation", true).is_ok());
  CHECK(h_ko == hash_of(ko));
}

TEST_CASE("unanswered or disabled consent items give no provision", "[forms][consent]") {
  json doc = with_role(q(item("gate", "boolean"),
                         when(with_ext(item("c.a", "boolean"), consent_provision("biobank-donation")),
                              {cond("gate", "=", "answerBoolean", true)}),
                         with_ext(item("c.b", "boolean"), consent_provision("recontact"))),
                       "consent");
  forms::Questionnaire qn = load_ok(doc);
  forms::FormSession s(qn, "ko");
  REQUIRE(s.set_answer("c.a", true).is_ok());
  json c = forms::make_consent(s, ctx());
  CHECK(c["provision"]["type"] == "permit");
  CHECK_FALSE(c["provision"].contains("provision"));
  REQUIRE(s.set_answer("gate", true).is_ok());
  REQUIRE(s.set_answer("c.b", false).is_ok());
  c = forms::make_consent(s, ctx());
  REQUIRE(c["provision"]["provision"].size() == 2);
  CHECK(c["provision"]["provision"][0]["type"] == "permit");
  CHECK(c["provision"]["provision"][1]["type"] == "deny");
}

TEST_CASE("value_to_display and value_to_fhir", "[forms][response]") {
  forms::Questionnaire qn = load_ok(q(choice("c", {"x"})));
  Value x = option_value(qn, "c", "x");
  CHECK(forms::value_to_display(x, "en", "ko") == "Option x");
  CHECK(forms::value_to_display(x, "ko", "ko") == "보기 x");
  CHECK(forms::value_to_display(Value(true), "ko", "ko") == "예");
  CHECK(forms::value_to_display(Value(false), "en", "ko") == "no");
  CHECK(forms::value_to_display(decimal(1.5), "en", "ko") == "1.5");
  CHECK(forms::value_to_fhir(integer(3), "en", "ko") == json{{"valueInteger", 3}});
  CHECK(forms::value_to_fhir(date("2024-01"), "en", "ko") == json{{"valueDate", "2024-01"}});
  CHECK(forms::value_to_fhir(code("z", ""), "en", "ko") == json{{"valueCoding", {{"code", "z"}}}});
}
