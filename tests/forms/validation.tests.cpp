// Validation of answers, per item and per page, with messages in the participant's language.
#include <catch2/catch.hpp>

#include <algorithm>

#include "forms_test_helpers.h"

using namespace ft;
using forms::Value;

namespace {

json survey() {
  return q(group("p1",
                 {required(item("name", "string")),
                  set(item("short", "string"), "maxLength", 3),
                  with_ext(with_ext(item("code", "string"), hl7("regex", "valueString", "[A-Z]{2}[0-9]")),
                           translated_ext(kHl7 + "entryFormat", "예: AB1", "e.g. AB1")),
                  with_ext(with_ext(item("age", "integer"), hl7("minValue", "valueInteger", 1)), hl7("maxValue", "valueInteger", 120)),
                  with_ext(with_ext(item("born", "date"), hl7("minValue", "valueDate", "1900-01-01")),
                           hl7("maxValue", "valueDate", "2025-12-31")),
                  with_ext(with_ext(item("kg", "decimal"), hl7("maxDecimalPlaces", "valueInteger", 1)),
                           hl7("maxValue", "valueDecimal", 300.0)),
                  choice("colour", {"red", "blue"}),
                  options(item("other", "open-choice"), {opt_coding("o1")}),
                  with_ext(required(item("agree", "boolean")), consent_mandatory())}),
           required(group("p2", {item("p2.a", "string"), item("p2.b", "integer")})),
           item("gate", "boolean"),
           when(required(item("gated", "string")), {cond("gate", "=", "answerBoolean", true)}),
           when(required(group("gated.group", {required(item("gated.group.x", "string"))})),
                {cond("gate", "=", "answerBoolean", true)}));
}

const forms::Questionnaire& survey_q() {
  static const forms::Questionnaire qn = load_ok(survey());
  return qn;
}

int idx(const std::string& link) { return survey_q().index.at(link); }

std::vector<std::string> codes(const std::vector<forms::ValidationMessage>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.link_id + ":" + m.code);
  return out;
}

// The one message validate_item gives for `link` after answering `values`, in `lang`.
forms::ValidationMessage only_message(const std::string& lang, const std::string& link, std::vector<Value> values) {
  forms::FormSession s(survey_q(), lang);
  if (!values.empty()) REQUIRE(s.set_answers(link, std::move(values)).is_ok());
  std::vector<forms::ValidationMessage> ms = s.validate_item(idx(link));
  INFO(link);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].link_id == link);
  return ms[0];
}

// Checks the message for a problem in both languages: code, Korean text in Hangul, English in ASCII.
void check_both(const std::string& link, const std::vector<Value>& values, const std::string& code,
                const std::string& en_needle) {
  forms::ValidationMessage ko = only_message("ko", link, values);
  forms::ValidationMessage en = only_message("en", link, values);
  INFO(link << " ko: " << ko.text << " / en: " << en.text);
  CHECK(ko.code == code);
  CHECK(en.code == code);
  CHECK(has_hangul(ko.text));
  CHECK(is_ascii(en.text));
  CHECK_FALSE(en.text.empty());
  CHECK(en.text.find(en_needle) != std::string::npos);
  CHECK(ko.text != en.text);
}

bool valid(const std::string& link, std::vector<Value> values) {
  forms::FormSession s(survey_q(), "en");
  REQUIRE(s.set_answers(link, std::move(values)).is_ok());
  return s.validate_item(idx(link)).empty();
}

}  // namespace

TEST_CASE("required questions and groups", "[forms][validation]") {
  check_both("name", {}, "required", "Please answer");
  check_both("p2", {}, "required", "at least one question");
  CHECK(valid("name", {str("홍길동")}));
  check_both("name", {str("")}, "required", "Please answer");
  forms::FormSession s(survey_q(), "en");
  REQUIRE(s.set_answer("p2.b", integer(3)).is_ok());
  CHECK(s.validate_item(idx("p2")).empty());
  // Unanswered optional questions are fine.
  CHECK(s.validate_item(idx("age")).empty());
  CHECK(s.validate_item(idx("colour")).empty());
}

TEST_CASE("minimum and maximum values name the bound", "[forms][validation]") {
  check_both("age", {integer(0)}, "min", "at least 1");
  check_both("age", {integer(121)}, "max", "at most 120");
  CHECK(valid("age", {integer(1)}));
  CHECK(valid("age", {integer(120)}));
  check_both("born", {date("1899-12-31")}, "min", "1900-01-01");
  check_both("born", {date("2026-01-01")}, "max", "2025-12-31");
  CHECK(valid("born", {date("1990-05-05")}));
  check_both("kg", {decimal(300.5)}, "max", "300");
  CHECK(valid("kg", {decimal(300)}));
}

TEST_CASE("maxLength counts characters, not bytes", "[forms][validation]") {
  CHECK(valid("short", {str("홍길동")}));  // 3 characters, 9 bytes
  CHECK(valid("short", {str("abc")}));
  check_both("short", {str("홍길동전")}, "max-length", "3 characters");
  check_both("short", {str("abcd")}, "max-length", "3 characters");
}

TEST_CASE("a pattern mismatch shows the entry format in the participant's language", "[forms][validation]") {
  CHECK(valid("code", {str("AB1")}));
  check_both("code", {str("ab1")}, "regex", "(e.g. AB1)");
  check_both("code", {str("AB12")}, "regex", "expected format");  // the whole answer must match
  CHECK(only_message("ko", "code", {str("x")}).text.find("예: AB1") != std::string::npos);
}

TEST_CASE("a very long answer to a pattern item is a mismatch, not a crash", "[forms][validation]") {
  // libstdc++'s std::regex recurses once per character; 200 000 characters overflow the stack.
  const std::string long_answer(200000, 'A');
  check_both("code", {str(long_answer)}, "regex", "expected format");
  forms::Questionnaire qn = load_ok(q(set(with_ext(item("icd", "string"), hl7("regex", "valueString", "[A-Z]*")), "maxLength", 6)));
  forms::FormSession s(qn, "en");
  REQUIRE(s.set_answer("icd", str(long_answer)).is_ok());
  std::vector<std::string> got = codes(s.validate_item(0));
  CHECK(got == std::vector<std::string>{"icd:max-length"});
  REQUIRE(s.set_answer("icd", str("ABC")).is_ok());
  CHECK(s.validate_item(0).empty());
}

TEST_CASE("maxDecimalPlaces", "[forms][validation]") {
  CHECK(valid("kg", {decimal(70.5)}));
  CHECK(valid("kg", {decimal(70)}));
  CHECK(valid("kg", {integer(70)}));
  check_both("kg", {decimal(70.25)}, "decimals", "1 decimal place");
}

TEST_CASE("a choice must be one of its options, open-choice also takes free text", "[forms][validation]") {
  CHECK(valid("colour", {code("red")}));
  check_both("colour", {code("green")}, "option", "choose one of the options");
  check_both("colour", {code("red", "https://example.test/other-system")}, "option", "options");
  CHECK(valid("other", {str("something else")}));
  CHECK(valid("other", {code("o1")}));
  check_both("other", {code("o2")}, "option", "options");
}

TEST_CASE("answering no to a mandatory consent item explains that enrollment stops", "[forms][validation]") {
  check_both("agree", {Value(false)}, "mandatory-consent", "cannot take part");
  CHECK(valid("agree", {Value(true)}));
  check_both("agree", {}, "required", "Please answer");
}

TEST_CASE("disabled items are not validated", "[forms][validation]") {
  forms::FormSession s(survey_q(), "en");
  CHECK(s.validate_item(idx("gated")).empty());
  CHECK(s.validate_item(idx("gated.group")).empty());
  CHECK(s.validate_subtree(idx("gated.group")).empty());
  // A disabled item's bad answer is not validated either.
  REQUIRE(s.set_answer("gated.group.x", str("")).is_ok());
  CHECK(s.validate_subtree(idx("gated.group")).empty());
  REQUIRE(s.set_answer("gate", true).is_ok());
  CHECK(codes(s.validate_item(idx("gated"))) == std::vector<std::string>{"gated:required"});
  CHECK(codes(s.validate_subtree(idx("gated.group"))) == std::vector<std::string>{"gated.group.x:required"});
  REQUIRE(s.set_answer("gate", false).is_ok());
  std::vector<std::string> all = codes(s.validate_all());
  CHECK(std::find(all.begin(), all.end(), "gated:required") == all.end());
  CHECK(std::find(all.begin(), all.end(), "gated.group.x:required") == all.end());
}

TEST_CASE("validate_subtree covers one page, validate_all every enabled item", "[forms][validation]") {
  for (const char* lang : {"ko", "en"}) {
    INFO(lang);
    forms::FormSession s(survey_q(), lang);
    REQUIRE(s.set_answer("short", str("가나다라")).is_ok());
    REQUIRE(s.set_answer("age", integer(200)).is_ok());
    REQUIRE(s.set_answer("colour", code("green")).is_ok());
    REQUIRE(s.set_answer("agree", false).is_ok());
    std::vector<forms::ValidationMessage> page1 = s.validate_subtree(idx("p1"));
    CHECK(codes(page1) == std::vector<std::string>{"name:required", "short:max-length", "age:max", "colour:option",
                                                   "agree:mandatory-consent"});
    for (const auto& m : page1) CHECK((std::string(lang) == "ko" ? has_hangul(m.text) : is_ascii(m.text)));
    CHECK(codes(s.validate_subtree(idx("p2"))) == std::vector<std::string>{"p2:required"});
    CHECK(codes(s.validate_all()) == std::vector<std::string>{"name:required", "short:max-length", "age:max", "colour:option",
                                                              "agree:mandatory-consent", "p2:required"});
    REQUIRE(s.set_answer("name", str("이름")).is_ok());
    REQUIRE(s.set_answer("short", str("가나")).is_ok());
    REQUIRE(s.set_answer("age", integer(40)).is_ok());
    REQUIRE(s.set_answer("colour", code("blue")).is_ok());
    REQUIRE(s.set_answer("agree", true).is_ok());
    REQUIRE(s.set_answer("p2.a", str("x")).is_ok());
    CHECK(s.validate_all().empty());
  }
}
