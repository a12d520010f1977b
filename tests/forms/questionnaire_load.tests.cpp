// Loading Questionnaires: every problem a form author can make is reported with the JSON
// pointer, the linkId and a message; everything docs/FORMS.md supports loads into the model.
#include <catch2/catch.hpp>

#include "forms_test_helpers.h"

using namespace ft;
using forms::ItemType;

TEST_CASE("a valid questionnaire loads into the model", "[forms][load]") {
  json j = q(group("g", {display("g.intro", "안내", "Introduction"), required(item("g.age", "integer", "나이", "Age"))},
                   "1. 기본", "1. Basics"),
             when(item("after", "string"), {exists("g.age")}));
  forms::LoadResult r = forms::load_questionnaire(j);
  INFO(describe(r.problems));
  REQUIRE(r.ok());
  const forms::Questionnaire& qn = *r.questionnaire;
  CHECK(qn.url == kUrl);
  CHECK(qn.version == "1.0.0");
  CHECK(qn.canonical() == kUrl + "|1.0.0");
  CHECK(qn.language == "ko");
  CHECK(qn.languages == std::vector<std::string>{"ko", "en"});
  CHECK(qn.title.in("ko", "ko") == "시험 설문");
  CHECK(qn.title.in("en", "ko") == "Test survey");
  REQUIRE(qn.items.size() == 4);
  CHECK(qn.roots == std::vector<int>{0, 3});
  CHECK(qn.items[0].children == std::vector<int>{1, 2});
  CHECK(qn.items[1].parent == 0);
  CHECK(qn.items[2].link_id == "g.age");
  CHECK(qn.items[2].pointer == "/item/0/item/1");
  CHECK(qn.items[2].required);
  CHECK(qn.items[2].text.in("en", "ko") == "Age");
  CHECK(qn.items[2].dependents == std::vector<int>{3});
  REQUIRE(qn.items[3].enable_when.size() == 1);
  CHECK(qn.items[3].enable_when[0].question_index == 2);
  CHECK(qn.find("g.intro") == &qn.items[1]);
  CHECK(qn.find("nope") == nullptr);
}

TEST_CASE("Problem::to_string is 'pointer (linkId): message'", "[forms][load]") {
  CHECK(forms::Problem{"/item/0/type", "a", "bad"}.to_string() == "/item/0/type (a): bad");
  CHECK(forms::Problem{"", "", "bad"}.to_string() == "/ (-): bad");
}

TEST_CASE("not a Questionnaire, or missing url, version, status, title or items", "[forms][load]") {
  FT_CHECK_PROBLEM(json::array(), "/resourceType", "", "Questionnaire");
  json j = q(item("a", "string"));
  j.erase("url");
  j.erase("version");
  j["status"] = "retired";
  j.erase("title");
  j.erase("_title");
  forms::LoadResult r = forms::load_questionnaire(j);
  INFO(describe(r.problems));
  CHECK(has_problem(r.problems, "/url", "", "url"));
  CHECK(has_problem(r.problems, "/version", "", "version"));
  CHECK(has_problem(r.problems, "/status", "", "retired"));
  CHECK(has_problem(r.problems, "/title", "", "title"));
  FT_CHECK_PROBLEM(q(), "/item", "", "item");
}

TEST_CASE("an unknown item type is reported with the item's pointer and linkId", "[forms][load]") {
  FT_CHECK_PROBLEM(q(item("a", "string"), item("b", "quantity")), "/item/1/type", "b", "'quantity'");
  FT_CHECK_PROBLEM(q(item("a", "string"), item("b", "quantity")), "/item/1/type", "b", "supported: group");
  FT_CHECK_PROBLEM(q(bare("a", "")), "/item/0/type", "a", "needs a type");
  for (const char* t : {"url", "time", "dateTime", "quantity", "reference", "attachment", "question"})
    FT_CHECK_PROBLEM(q(item("a", t)), "/item/0/type", "a", "'" + std::string(t) + "'");
}

TEST_CASE("items nested more than 24 levels deep are refused", "[forms][load]") {
  auto nest = [](int levels) {
    json inner = item("leaf", "string");
    for (int i = levels - 1; i >= 1; --i) inner = group("g" + std::to_string(i), {inner});
    return q(inner);
  };
  load_ok(nest(24));
  forms::LoadResult r = forms::load_questionnaire(nest(25));
  INFO(describe(r.problems));
  CHECK_FALSE(r.ok());
  REQUIRE_FALSE(r.problems.empty());
  CHECK(r.problems[0].message.find("nested more than 24 levels") != std::string::npos);
  // Deep garbage is a problem, not a stack overflow.
  json deep = item("x", "string");
  for (int i = 0; i < 10000; ++i) {
    json outer = {{"linkId", "n" + std::to_string(i)}, {"type", "group"}, {"item", json::array()}};
    outer["item"].push_back(std::move(deep));
    deep = std::move(outer);
  }
  json deep_q = q();
  deep_q["item"].push_back(std::move(deep));
  CHECK_FALSE(forms::load_questionnaire(deep_q).ok());
}

TEST_CASE("a missing or duplicate linkId is reported", "[forms][load]") {
  json no_link = item("x", "string");
  no_link.erase("linkId");
  FT_CHECK_PROBLEM(q(item("a", "string"), no_link), "/item/1/linkId", "", "linkId");
  FT_CHECK_PROBLEM(q(item("a", "string"), group("g", {item("a", "integer")})), "/item/1/item/0/linkId", "a",
                   "duplicate linkId 'a'");
}

TEST_CASE("enableWhen naming a missing question, a group or a display item is reported", "[forms][load]") {
  FT_CHECK_PROBLEM(q(item("a", "string"), when(item("b", "string"), {exists("zz")})), "/item/1/enableWhen/0/question", "b",
                   "'zz'");
  FT_CHECK_PROBLEM(q(group("g", {item("g.1", "string")}), when(item("b", "string"), {exists("g")})),
                   "/item/1/enableWhen/0/question", "b", "group");
  FT_CHECK_PROBLEM(q(display("d"), when(item("b", "string"), {exists("d")})), "/item/1/enableWhen/0/question", "b",
                   "display");
}

TEST_CASE("an enableWhen answer type that does not fit the question is reported", "[forms][load]") {
  // answerString on an integer question.
  FT_CHECK_PROBLEM(q(item("a", "integer"), when(item("b", "string"), {cond("a", "=", "answerString", "3")})),
                   "/item/1/enableWhen/0", "b", "integer");
  // answerCoding on a boolean question.
  FT_CHECK_PROBLEM(q(item("a", "boolean"), when(item("b", "string"), {cond("a", "=", "answerCoding", coding("x"))})),
                   "/item/1/enableWhen/0", "b", "boolean");
  // answerInteger on a date question.
  FT_CHECK_PROBLEM(q(item("a", "date"), when(item("b", "string"), {cond("a", ">", "answerInteger", 3)})),
                   "/item/1/enableWhen/0", "b", "date");
  // answerInteger on a choice question whose options are codes.
  FT_CHECK_PROBLEM(q(choice("a", {"x", "y"}), when(item("b", "string"), {cond("a", "=", "answerInteger", 3)})),
                   "/item/1/enableWhen/0", "b", "choice");
  // answerString on a choice question whose options are codes: it could never match.
  FT_CHECK_PROBLEM(q(choice("a", {"x", "y"}), when(item("b", "string"), {cond("a", "=", "answerString", "x")})),
                   "/item/1/enableWhen/0", "b", "choice");
  // answerCoding on a choice question whose options are whole numbers.
  FT_CHECK_PROBLEM(q(options(item("a", "choice"), {opt_int(1), opt_int(2)}),
                     when(item("b", "string"), {cond("a", "=", "answerCoding", coding("x"))})),
                   "/item/1/enableWhen/0", "b", "choice");
  // What does fit: the options' own types, and free text on open-choice.
  load_ok(q(choice("a", {"x", "y"}), when(item("b", "string"), {cond("a", "=", "answerCoding", coding("x"))})));
  load_ok(q(options(item("a", "choice"), {opt_int(1), opt_int(2)}), when(item("b", "string"), {cond("a", ">", "answerInteger", 1)})));
  load_ok(q(options(item("a", "open-choice"), {opt_coding("x")}), when(item("b", "string"), {cond("a", "=", "answerString", "other")})));
  // An unknown operator.
  FT_CHECK_PROBLEM(q(item("a", "integer"), when(item("b", "string"), {cond("a", "~", "answerInteger", 3)})),
                   "/item/1/enableWhen/0/operator", "b", "'~'");
}

TEST_CASE("an ordering operator on boolean or coded choice answers is reported", "[forms][load]") {
  FT_CHECK_PROBLEM(q(item("a", "boolean"), when(item("b", "string"), {cond("a", ">", "answerBoolean", true)})),
                   "/item/1/enableWhen/0/operator", "b", "'>' cannot compare boolean");
  FT_CHECK_PROBLEM(q(choice("a", {"x", "y"}), when(item("b", "string"), {cond("a", "<=", "answerCoding", coding("x"))})),
                   "/item/1/enableWhen/0/operator", "b", "'<=' cannot compare choice");
}

TEST_CASE("'exists' takes answerBoolean", "[forms][load]") {
  FT_CHECK_PROBLEM(q(item("a", "string"), when(item("b", "string"), {cond("a", "exists", "answerString", "x")})),
                   "/item/1/enableWhen/0", "b", "'exists' takes answerBoolean");
  json no_answer = {{"question", "a"}, {"operator", "exists"}};
  FT_CHECK_PROBLEM(q(item("a", "string"), when(item("b", "string"), {no_answer})), "/item/1/enableWhen/0", "b",
                   "answer[x]");
}

TEST_CASE("answerOption belongs on choice items, and a choice needs options", "[forms][load]") {
  FT_CHECK_PROBLEM(q(options(item("a", "integer"), {opt_int(1), opt_int(2)})), "/item/0/answerOption", "a",
                   "only allowed on choice and open-choice items, not integer");
  FT_CHECK_PROBLEM(q(item("a", "choice")), "/item/0", "a", "answerOption");
  FT_CHECK_PROBLEM(q(options(item("a", "choice"), {json{{"valueBoolean", true}}})), "/item/0/answerOption/0", "a",
                   "valueCoding, valueString, valueInteger or valueDate");
  FT_CHECK_PROBLEM(q(options(item("a", "choice"), {opt_coding("x"), opt_coding("x")})), "/item/0/answerOption/1", "a",
                   "duplicate");
}

TEST_CASE("a regex that does not compile is reported", "[forms][load]") {
  FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), hl7("regex", "valueString", "([a-z"))), "/item/0/extension/0/valueString",
                   "a", "does not compile");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "integer"), hl7("regex", "valueString", "[0-9]+"))), "/item/0/extension/0", "a",
                   "regex applies only to string");
}

TEST_CASE("minValue greater than maxValue, or of the wrong type, is reported", "[forms][load]") {
  FT_CHECK_PROBLEM(q(with_ext(with_ext(item("a", "integer"), hl7("minValue", "valueInteger", 10)),
                              hl7("maxValue", "valueInteger", 5))),
                   "/item/0/extension", "a", "minValue is greater than maxValue");
  FT_CHECK_PROBLEM(q(with_ext(with_ext(item("a", "date"), hl7("minValue", "valueDate", "2020-01-01")),
                              hl7("maxValue", "valueDate", "2019-12-31"))),
                   "/item/0/extension", "a", "minValue is greater than maxValue");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "integer"), hl7("minValue", "valueDecimal", 1.5))), "/item/0/extension/0", "a",
                   "minValue must have the item's own type (integer)");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "date"), hl7("maxValue", "valueInteger", 2000))), "/item/0/extension/0", "a",
                   "maxValue must have the item's own type (date)");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), hl7("minValue", "valueInteger", 1))), "/item/0/extension/0", "a",
                   "minValue");
}

TEST_CASE("a missing translation for a declared language names the text", "[forms][load]") {
  SECTION("title") {
    json j = q(item("a", "string"));
    j.erase("_title");
    FT_CHECK_PROBLEM(j, "/title", "", "title has no 'en' translation");
  }
  SECTION("item text") {
    FT_CHECK_PROBLEM(q(item("a", "string"), item("b", "string", "한국어만")), "/item/1/text", "b", "no 'en' translation");
  }
  SECTION("answer option display") {
    json o = opt_coding("y");
    o["valueCoding"].erase("_display");
    FT_CHECK_PROBLEM(q(options(item("a", "choice"), {opt_coding("x"), o})), "/item/0/answerOption/1/valueCoding/display", "a",
                     "answer option 'y' has no 'en' translation");
  }
  SECTION("string answer option") {
    FT_CHECK_PROBLEM(q(options(item("a", "choice"), {opt_string("네", "Yes"), opt_string("아니요", "")})),
                     "/item/0/answerOption/1/valueString", "a", "no 'en' translation");
  }
  SECTION("entryFormat") {
    FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), translated_ext(kHl7 + "entryFormat", "예: 홍길동", ""))),
                     "/item/0/extension/0/valueString", "a", "entryFormat has no 'en' translation");
  }
  SECTION("explanation") {
    FT_CHECK_PROBLEM(q(with_ext(choice("a", {"x"}), explanation("설명", ""))), "/item/0/extension/0/valueString", "a",
                     "explanation has no 'en' translation");
  }
  SECTION("unit display") {
    json u = hl7("questionnaire-unit", "valueCoding", {{"system", "http://unitsofmeasure.org"}, {"code", "kg"}, {"display", "킬로그램"}});
    FT_CHECK_PROBLEM(q(with_ext(item("a", "decimal"), u)), "/item/0/extension/0/valueCoding/display", "a",
                     "no 'en' translation");
  }
  SECTION("a translation into another language does not count") {
    json a = item("a", "string");
    a["_text"] = translations("Frage", "de");
    FT_CHECK_PROBLEM(q(a), "/item/0/text", "a", "no 'en' translation");
  }
  SECTION("no declared languages: Korean alone is complete") {
    json o = opt_coding("y");
    o["valueCoding"].erase("_display");
    json j = ko_only(q(item("b", "string", "한국어만"), options(item("a", "choice"), {o})));
    j.erase("_title");
    forms::Questionnaire qn = load_ok(j);
    CHECK(qn.languages == std::vector<std::string>{"ko"});
  }
}

TEST_CASE("an unsupported extension or property is reported, never ignored", "[forms][load]") {
  FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), {{"url", "http://example.test/ext/foo"}, {"valueString", "x"}})),
                   "/item/0/extension/0", "a", "'http://example.test/ext/foo' is not supported");
  json top = q(item("a", "string"));
  top["extension"].push_back({{"url", "http://example.test/ext/bar"}, {"valueCode", "x"}});
  FT_CHECK_PROBLEM(top, "/extension/1", "", "'http://example.test/ext/bar' is not supported");
  json vs = set(choice("a", {"x"}), "answerValueSet", "http://example.test/ValueSet/v");
  FT_CHECK_PROBLEM(q(vs), "/item/0/answerValueSet", "a", "'answerValueSet' is not supported (list the answers as answerOption)");
  FT_CHECK_PROBLEM(q(set(item("a", "string"), "answerExpression", "x")), "/item/0/answerExpression", "a", "not supported");
  json top2 = q(item("a", "string"));
  top2["derivedFrom"] = json::array({"http://example.test/q"});
  FT_CHECK_PROBLEM(top2, "/derivedFrom", "", "not supported on a Questionnaire");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), control("slider"))), "/item/0/extension/0", "a", "'slider' is not supported");
  // Listed as supported: prefix, definition, code.
  json a = set(set(item("a", "string"), "definition", "http://example.test/sd#a"), "code",
               json::array({{{"system", kSys}, {"code", "a"}}}));
  a["prefix"] = "1.";
  load_ok(q(a));
}

namespace {

// The cycle problems of `j`, REQUIRE-ing that loading failed.
std::vector<forms::Problem> cycle_problems(const json& j) {
  forms::LoadResult r = forms::load_questionnaire(j);
  INFO(describe(r.problems));
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.questionnaire.has_value());
  std::vector<forms::Problem> out;
  for (const forms::Problem& p : r.problems)
    if (p.message.find("cycle") != std::string::npos) out.push_back(p);
  REQUIRE(out.size() == 1);
  return out;
}

// True if `msg` names the cycle through `members` (in this rotation or another).
bool names_cycle(const std::string& msg, std::vector<std::string> members) {
  for (std::size_t rot = 0; rot < members.size(); ++rot) {
    std::string path;
    for (std::size_t i = 0; i <= members.size(); ++i) path += (i ? " -> " : "") + members[(rot + i) % members.size()];
    if (msg.find(path) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("enableWhen cycles are load errors naming the cycle", "[forms][load][cycle]") {
  SECTION("A <-> B") {
    auto ps = cycle_problems(q(when(item("a", "string"), {exists("b")}), when(item("b", "string"), {exists("a")})));
    INFO(ps[0].to_string());
    CHECK(names_cycle(ps[0].message, {"a", "b"}));
    CHECK((ps[0].link_id == "a" || ps[0].link_id == "b"));
    CHECK(ps[0].pointer.find("/enableWhen") != std::string::npos);
  }
  SECTION("a 3-cycle") {
    auto ps = cycle_problems(q(item("x", "string"), when(item("a", "string"), {exists("c")}),
                               when(item("b", "string"), {exists("a")}), when(item("c", "string"), {exists("b")})));
    INFO(ps[0].to_string());
    CHECK(names_cycle(ps[0].message, {"a", "c", "b"}));
  }
  SECTION("self-reference") {
    auto ps = cycle_problems(q(item("x", "string"), when(item("a", "string"), {exists("a")})));
    INFO(ps[0].to_string());
    CHECK(ps[0].link_id == "a");
    CHECK(ps[0].pointer == "/item/1/enableWhen");
    CHECK(names_cycle(ps[0].message, {"a"}));
  }
  SECTION("a group enabled by its own child") {
    auto ps = cycle_problems(q(when(group("g", {item("g.1", "boolean")}), {cond("g.1", "=", "answerBoolean", true)})));
    INFO(ps[0].to_string());
    CHECK(names_cycle(ps[0].message, {"g", "g.1"}));
  }
  SECTION("a question enabled by a question nested inside it") {
    auto ps = cycle_problems(q(when(children(item("p", "boolean"), {item("p.c", "string")}), {exists("p.c")})));
    CHECK(names_cycle(ps[0].message, {"p", "p.c"}));
  }
}

TEST_CASE("several enableWhen conditions need enableBehavior", "[forms][load]") {
  FT_CHECK_PROBLEM(q(item("a", "string"), item("b", "string"), when(item("c", "string"), {exists("a"), exists("b")})),
                   "/item/2", "c", "enableBehavior");
  FT_CHECK_PROBLEM(q(item("a", "string"), when(item("c", "string"), {exists("a")}, "some")), "/item/1/enableBehavior", "c",
                   "'all' or 'any'");
  load_ok(q(item("a", "string"), item("b", "string"), when(item("c", "string"), {exists("a"), exists("b")}, "any")));
}

TEST_CASE("item controls and decimals are checked against the item", "[forms][load]") {
  FT_CHECK_PROBLEM(q(with_ext(choice("a", {"x", "y"}), control("check-box"))), "/item/0/extension/0", "a",
                   "check-box needs repeats");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "integer"), hl7("maxDecimalPlaces", "valueInteger", 2))), "/item/0/extension/0",
                   "a", "maxDecimalPlaces applies only to decimal items");
  FT_CHECK_PROBLEM(q(with_ext(item("a", "string"), control("radio-button"))), "/item/0/extension/0", "a",
                   "applies only to choice");
}

TEST_CASE("consent-mandatory needs a required boolean item", "[forms][load]") {
  FT_CHECK_PROBLEM(q(with_ext(item("a", "boolean"), consent_mandatory())), "/item/0", "a",
                   "consent-mandatory needs a required boolean item");
  FT_CHECK_PROBLEM(q(with_ext(required(choice("a", {"x"})), consent_mandatory())), "/item/0", "a",
                   "consent-mandatory needs a required boolean item");
  load_ok(q(with_ext(required(item("a", "boolean")), consent_mandatory())));
}

TEST_CASE("a consent document needs at least one consent item", "[forms][load]") {
  FT_CHECK_PROBLEM(with_role(q(display("d"), item("a", "boolean")), "consent"), "/item", "", "consent-provision");
}

TEST_CASE("comprehension questions need exactly one correct answer and an explanation", "[forms][load]") {
  auto comp = [](json it) { return with_role(q(std::move(it)), "comprehension"); };
  FT_CHECK_PROBLEM(comp(with_ext(options(item("k", "choice"), {opt_coding("a"), opt_coding("b")}), explanation())),
                   "/item/0/answerOption", "k", "exactly one correct-answer option");
  FT_CHECK_PROBLEM(comp(with_ext(options(item("k", "choice"), {correct(opt_coding("a")), correct(opt_coding("b"))}),
                                 explanation())),
                   "/item/0/answerOption", "k", "exactly one correct-answer option");
  FT_CHECK_PROBLEM(comp(options(item("k", "choice"), {correct(opt_coding("a")), opt_coding("b")})), "/item/0", "k",
                   "explanation");
  forms::Questionnaire qn =
      load_ok(comp(with_ext(options(item("k", "choice"), {correct(opt_coding("a")), opt_coding("b")}), explanation())));
  CHECK(qn.role == "comprehension");
  CHECK(qn.items[0].options[0].correct);
  CHECK_FALSE(qn.items[0].options[1].correct);
  CHECK(qn.items[0].explanation.in("en", "ko") == "The explanation");
}

TEST_CASE("every problem is reported, not just the first", "[forms][load]") {
  json no_link = item("x", "string");
  no_link.erase("linkId");
  json j = q(item("a", "quantity"), no_link, item("b", "string", "한국어만"),
             with_ext(item("c", "string"), hl7("regex", "valueString", "(")), item("d", "choice"),
             when(item("e", "string"), {exists("missing")}), with_ext(item("f", "integer"), hl7("maxDecimalPlaces", "valueInteger", 1)));
  j.erase("_title");
  forms::LoadResult r = forms::load_questionnaire(j);
  INFO(describe(r.problems));
  CHECK_FALSE(r.ok());
  CHECK(r.problems.size() >= 8);
  CHECK(has_problem(r.problems, "/title", "", "'en'"));
  CHECK(has_problem(r.problems, "/item/0/type", "a", "quantity"));
  CHECK(has_problem(r.problems, "/item/1/linkId", "", "linkId"));
  CHECK(has_problem(r.problems, "/item/2/text", "b", "'en'"));
  CHECK(has_problem(r.problems, "/item/3/extension/0/valueString", "c", "regex"));
  CHECK(has_problem(r.problems, "/item/4", "d", "answerOption"));
  CHECK(has_problem(r.problems, "/item/5/enableWhen/0/question", "e", "'missing'"));
  CHECK(has_problem(r.problems, "/item/6/extension/0", "f", "maxDecimalPlaces"));
}

TEST_CASE("problems inside nested items carry nested pointers and a base pointer prefix", "[forms][load]") {
  json j = q(group("g", {group("g.h", {item("g.h.x", "quantity")})}));
  FT_CHECK_PROBLEM(j, "/item/0/item/0/item/0/type", "g.h.x", "quantity");
  forms::LoadResult r = forms::load_questionnaire(j, "/entry/3/resource");
  CHECK(has_problem(r.problems, "/entry/3/resource/item/0/item/0/item/0/type", "g.h.x", "quantity"));
}

TEST_CASE("every supported feature loads into the model", "[forms][load]") {
  const json unit = {{"system", "http://unitsofmeasure.org"}, {"code", "kg"}, {"display", "킬로그램"}, {"_display", translations("kilograms")}};
  json j = q(
      group("page",
            {display("intro", "안내문입니다", "This is the introduction"),
             set(required(item("name", "string", "이름", "Name")), "maxLength", 20),
             with_ext(with_ext(item("code", "string"), hl7("regex", "valueString", "[A-Z][0-9]{2}")),
                      translated_ext(kHl7 + "entryFormat", "예: A12", "e.g. A12")),
             item("note", "text"),
             set(set(item("fixed", "string"), "readOnly", true), "initial", json::array({json{{"valueString", "고정값"}}})),
             with_ext(item("secret", "string"), hl7("questionnaire-hidden", "valueBoolean", true)),
             with_ext(with_ext(item("age", "integer"), hl7("minValue", "valueInteger", 0)), hl7("maxValue", "valueInteger", 120)),
             with_ext(with_ext(with_ext(item("weight", "decimal"), hl7("minValue", "valueDecimal", 0.5)),
                               hl7("maxDecimalPlaces", "valueInteger", 1)),
                      hl7("questionnaire-unit", "valueCoding", unit)),
             with_ext(with_ext(item("born", "date"), hl7("minValue", "valueDate", "1900-01-01")),
                      hl7("maxValue", "valueDate", "2030-12-31")),
             set(item("smoker", "boolean"), "initial", json::array({json{{"valueBoolean", false}}})),
             with_ext(options(item("colour", "choice"), {opt_coding("red"), selected(opt_coding("blue"))}), control("radio-button")),
             with_ext(repeats(options(item("many", "choice"), {opt_coding("p"), opt_coding("q")})), control("check-box")),
             with_ext(options(item("drop", "choice"), {opt_string("가", "A"), opt_string("나", "B")}), control("drop-down")),
             options(item("count", "choice"), {opt_int(1), opt_int(2), opt_int(3)}),
             options(item("when", "choice"), {opt_date("2024-01-01"), opt_date("2025-01-01")}),
             options(item("other", "open-choice"), {opt_coding("o1")}),
             children(item("parent", "boolean"), {item("parent.detail", "string")})},
            "1쪽", "Page 1"));
  forms::Questionnaire qn = load_ok(j);
  auto at = [&](const std::string& link) -> const forms::Item& {
    const forms::Item* it = qn.find(link);
    REQUIRE(it != nullptr);
    return *it;
  };
  CHECK(at("page").type == ItemType::kGroup);
  CHECK(at("intro").type == ItemType::kDisplay);
  CHECK(at("intro").text.in("en", "ko") == "This is the introduction");
  CHECK(at("name").type == ItemType::kString);
  CHECK(at("name").required);
  CHECK(at("name").max_length == 20);
  CHECK(at("code").regex_source == "[A-Z][0-9]{2}");
  REQUIRE(at("code").regex != nullptr);
  CHECK(std::regex_match(std::string("A12"), *at("code").regex));
  CHECK(at("code").entry_format.in("ko", "ko") == "예: A12");
  CHECK(at("code").entry_format.in("en", "ko") == "e.g. A12");
  CHECK(at("note").type == ItemType::kText);
  CHECK(at("fixed").read_only);
  REQUIRE(at("fixed").initial.size() == 1);
  CHECK(std::get<std::string>(at("fixed").initial[0]) == "고정값");
  CHECK(at("secret").hidden);
  CHECK(at("age").type == ItemType::kInteger);
  CHECK(std::get<std::int64_t>(*at("age").min_value) == 0);
  CHECK(std::get<std::int64_t>(*at("age").max_value) == 120);
  CHECK(at("weight").type == ItemType::kDecimal);
  CHECK(std::get<forms::Decimal>(*at("weight").min_value).v == 0.5);
  CHECK(at("weight").max_decimal_places == 1);
  REQUIRE(at("weight").unit.has_value());
  CHECK(at("weight").unit->code == "kg");
  CHECK(at("weight").unit->display.in("en", "ko") == "kilograms");
  CHECK(at("born").type == ItemType::kDate);
  CHECK(std::get<forms::Date>(*at("born").max_value).iso == "2030-12-31");
  CHECK(at("smoker").type == ItemType::kBoolean);
  CHECK(std::get<bool>(at("smoker").initial.at(0)) == false);
  CHECK(at("colour").control == forms::ItemControl::kRadioButton);
  REQUIRE(at("colour").options.size() == 2);
  CHECK(std::get<forms::Coding>(at("colour").options[0].value).code == "red");
  CHECK(std::get<forms::Coding>(at("colour").options[0].value).display.in("en", "ko") == "Option red");
  CHECK_FALSE(at("colour").options[0].initial_selected);
  CHECK(at("colour").options[1].initial_selected);
  CHECK(at("many").repeats);
  CHECK(at("many").control == forms::ItemControl::kCheckBox);
  CHECK(at("drop").control == forms::ItemControl::kDropDown);
  CHECK(std::get<std::string>(at("drop").options[1].value) == "나");
  CHECK(at("drop").options[1].shown("ko", "ko") == "나");
  CHECK(at("drop").options[1].shown("en", "ko") == "B");
  CHECK(at("colour").options[0].shown("en", "ko") == "Option red");
  CHECK(std::get<std::int64_t>(at("count").options[2].value) == 3);
  CHECK(std::get<forms::Date>(at("when").options[0].value).iso == "2024-01-01");
  CHECK(at("other").type == ItemType::kOpenChoice);
  CHECK(at("parent.detail").parent == qn.index.at("parent"));
  CHECK(at("parent").children == std::vector<int>{qn.index.at("parent.detail")});

  // A session starts with the initial values and initially selected options.
  forms::FormSession s(qn, "en");
  CHECK(s.answers("fixed").size() == 1);
  REQUIRE(s.answers("smoker").size() == 1);
  CHECK(std::get<bool>(s.answers("smoker")[0]) == false);
  REQUIRE(s.answers("colour").size() == 1);
  CHECK(std::get<forms::Coding>(s.answers("colour")[0]).code == "blue");
  CHECK(s.answers("name").empty());
}

TEST_CASE("is_fhir_date accepts FHIR dates with real months and days only", "[forms][load]") {
  for (const char* good : {"2024", "2024-02", "2024-02-29", "2000-02-29", "1999-12-31"}) CHECK(forms::is_fhir_date(good));
  for (const char* bad : {"", "24", "2023-02-29", "1900-02-29", "2024-13", "2024-00", "2024-04-31", "2024-1-01",
                          "2024/01/01", "2024-01-01T00:00", "abcd", "yesterday"})
    CHECK_FALSE(forms::is_fhir_date(bad));
}
