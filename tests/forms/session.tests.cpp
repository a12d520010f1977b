// FormSession: enableWhen semantics (FHIR R4), answers kept while disabled but counting for
// nothing, and the answers set_answers refuses.
#include <catch2/catch.hpp>

#include "forms/response.h"
#include "forms_test_helpers.h"

using namespace ft;
using forms::Value;

namespace {

// One answer type with an enableWhen answer and three answers below, equal to and above it.
struct Typed {
  std::string name;
  json source;       // the question item "s"
  std::string key;   // answer[x] of the condition
  json value;        // the condition's answer
  Value lower, equal, higher;
};

std::vector<Typed> ordered_types() {
  return {
      {"decimal", item("s", "decimal"), "answerDecimal", 2.5, decimal(2.0), decimal(2.5), decimal(3.0)},
      {"integer", item("s", "integer"), "answerInteger", 10, integer(9), integer(10), integer(11)},
      {"date", item("s", "date"), "answerDate", "2000-06-15", date("2000-06-14"), date("2000-06-15"), date("2001-01-01")},
      {"string", item("s", "string"), "answerString", "m", str("a"), str("m"), str("z")},
      {"integer options", options(item("s", "choice"), {opt_int(1), opt_int(2), opt_int(3)}), "answerInteger", 2, integer(1),
       integer(2), integer(3)},
      {"date options", options(item("s", "choice"), {opt_date("2020-01-01"), opt_date("2021-01-01"), opt_date("2022-01-01")}),
       "answerDate", "2021-01-01", date("2020-01-01"), date("2021-01-01"), date("2022-01-01")},
      {"string options", options(item("s", "choice"), {opt_string("가", "A"), opt_string("나", "B"), opt_string("다", "C")}),
       "answerString", "나", str("가"), str("나"), str("다")},
  };
}

// Whether "t" (enabled when s <op> value) is enabled after answering `given` (nullopt: no answer).
bool target_enabled(const json& source, const json& condition, const std::optional<std::vector<Value>>& given) {
  forms::Questionnaire qn = load_ok(q(source, when(item("t", "string"), {condition})));
  forms::FormSession s(qn, "ko");
  if (given) {
    platform::Status st = s.set_answers("s", *given);
    INFO(st.message());
    REQUIRE(st.is_ok());
  }
  return s.enabled("t");
}

// Checks `op` on every ordered type: expected result with no answer, then lower, equal, higher.
void check_ordered(const std::string& op, bool none, bool lower, bool equal, bool higher) {
  for (const Typed& t : ordered_types()) {
    INFO("operator " << op << " on " << t.name);
    json c = cond("s", op, t.key, t.value);
    CHECK(target_enabled(t.source, c, std::nullopt) == none);
    CHECK(target_enabled(t.source, c, std::vector<Value>{t.lower}) == lower);
    CHECK(target_enabled(t.source, c, std::vector<Value>{t.equal}) == equal);
    CHECK(target_enabled(t.source, c, std::vector<Value>{t.higher}) == higher);
  }
}

}  // namespace

TEST_CASE("enableWhen exists true/false on every answer type", "[forms][enableWhen]") {
  std::vector<std::pair<json, Value>> sources = {
      {item("s", "boolean"), Value(false)},  {item("s", "decimal"), decimal(0)},
      {item("s", "integer"), integer(0)},    {item("s", "date"), date("2024")},
      {item("s", "string"), str("x")},       {item("s", "text"), str("x")},
      {choice("s", {"a", "b"}), code("a")},  {options(item("s", "open-choice"), {opt_coding("a")}), str("free text")}};
  for (const auto& [source, answer] : sources) {
    INFO(source.dump());
    CHECK_FALSE(target_enabled(source, exists("s", true), std::nullopt));
    CHECK(target_enabled(source, exists("s", true), std::vector<Value>{answer}));
    CHECK(target_enabled(source, exists("s", false), std::nullopt));
    CHECK_FALSE(target_enabled(source, exists("s", false), std::vector<Value>{answer}));
  }
}

TEST_CASE("enableWhen '=' on boolean, numbers, dates, strings, codings and option values", "[forms][enableWhen]") {
  check_ordered("=", false, false, true, false);
  json b = cond("s", "=", "answerBoolean", true);
  CHECK_FALSE(target_enabled(item("s", "boolean"), b, std::nullopt));
  CHECK(target_enabled(item("s", "boolean"), b, std::vector<Value>{Value(true)}));
  CHECK_FALSE(target_enabled(item("s", "boolean"), b, std::vector<Value>{Value(false)}));
  json c = cond("s", "=", "answerCoding", {{"system", kSys}, {"code", "b"}});
  CHECK_FALSE(target_enabled(choice("s", {"a", "b"}), c, std::nullopt));
  CHECK_FALSE(target_enabled(choice("s", {"a", "b"}), c, std::vector<Value>{code("a")}));
  CHECK(target_enabled(choice("s", {"a", "b"}), c, std::vector<Value>{code("b")}));
  // Another system is another code; a condition without a system matches the code alone.
  CHECK_FALSE(target_enabled(choice("s", {"a", "b"}), c, std::vector<Value>{code("b", "https://example.test/other")}));
  json no_system = cond("s", "=", "answerCoding", {{"code", "b"}});
  CHECK(target_enabled(choice("s", {"a", "b"}), no_system, std::vector<Value>{code("b")}));
  // A decimal question compared with a whole number.
  CHECK(target_enabled(item("s", "decimal"), cond("s", "=", "answerDecimal", 3), std::vector<Value>{decimal(3.0)}));
}

TEST_CASE("enableWhen '!=' is true when no answer has an equal value, including no answer", "[forms][enableWhen]") {
  check_ordered("!=", true, true, false, true);
  json b = cond("s", "!=", "answerBoolean", true);
  CHECK(target_enabled(item("s", "boolean"), b, std::nullopt));
  CHECK(target_enabled(item("s", "boolean"), b, std::vector<Value>{Value(false)}));
  CHECK_FALSE(target_enabled(item("s", "boolean"), b, std::vector<Value>{Value(true)}));
  json c = cond("s", "!=", "answerCoding", {{"system", kSys}, {"code", "b"}});
  CHECK(target_enabled(choice("s", {"a", "b"}), c, std::nullopt));
  CHECK(target_enabled(choice("s", {"a", "b"}), c, std::vector<Value>{code("a")}));
  CHECK_FALSE(target_enabled(choice("s", {"a", "b"}), c, std::vector<Value>{code("b")}));
}

TEST_CASE("enableWhen '>' (false with no answer)", "[forms][enableWhen]") { check_ordered(">", false, false, false, true); }
TEST_CASE("enableWhen '<' (false with no answer)", "[forms][enableWhen]") { check_ordered("<", false, true, false, false); }
TEST_CASE("enableWhen '>=' (false with no answer)", "[forms][enableWhen]") { check_ordered(">=", false, false, true, true); }
TEST_CASE("enableWhen '<=' (false with no answer)", "[forms][enableWhen]") { check_ordered("<=", false, true, true, false); }

TEST_CASE("with repeats, a condition holds if ANY answer satisfies it", "[forms][enableWhen]") {
  json src = repeats(item("s", "integer"));
  CHECK(target_enabled(src, cond("s", "=", "answerInteger", 5), std::vector<Value>{integer(1), integer(5)}));
  CHECK_FALSE(target_enabled(src, cond("s", "=", "answerInteger", 5), std::vector<Value>{integer(1), integer(2)}));
  CHECK(target_enabled(src, cond("s", ">", "answerInteger", 4), std::vector<Value>{integer(1), integer(5)}));
  CHECK(target_enabled(src, cond("s", "<", "answerInteger", 4), std::vector<Value>{integer(1), integer(5)}));
  // != : "no answer has a value equal to"
  CHECK_FALSE(target_enabled(src, cond("s", "!=", "answerInteger", 5), std::vector<Value>{integer(1), integer(5)}));
  CHECK(target_enabled(src, cond("s", "!=", "answerInteger", 5), std::vector<Value>{integer(1), integer(2)}));
  json boxes = with_ext(repeats(choice("s", {"a", "b", "c"})), control("check-box"));
  json c = cond("s", "=", "answerCoding", {{"system", kSys}, {"code", "c"}});
  CHECK(target_enabled(boxes, c, std::vector<Value>{code("a"), code("c")}));
  CHECK_FALSE(target_enabled(boxes, c, std::vector<Value>{code("a"), code("b")}));
}

TEST_CASE("enableBehavior any vs all", "[forms][enableWhen]") {
  auto make = [](const std::string& behavior) {
    return q(item("a", "boolean"), item("b", "integer"),
             when(item("t", "string"), {cond("a", "=", "answerBoolean", true), cond("b", ">", "answerInteger", 10)}, behavior));
  };
  forms::Questionnaire any = load_ok(make("any"));
  forms::Questionnaire all = load_ok(make("all"));
  forms::FormSession sa(any, "ko"), sl(all, "ko");
  CHECK_FALSE(sa.enabled("t"));
  CHECK_FALSE(sl.enabled("t"));
  for (forms::FormSession* s : {&sa, &sl}) {
    REQUIRE(s->set_answer("a", true).is_ok());
    REQUIRE(s->set_answer("b", integer(3)).is_ok());
  }
  CHECK(sa.enabled("t"));
  CHECK_FALSE(sl.enabled("t"));
  for (forms::FormSession* s : {&sa, &sl}) REQUIRE(s->set_answer("b", integer(11)).is_ok());
  CHECK(sa.enabled("t"));
  CHECK(sl.enabled("t"));
  for (forms::FormSession* s : {&sa, &sl}) REQUIRE(s->set_answer("a", false).is_ok());
  CHECK(sa.enabled("t"));
  CHECK_FALSE(sl.enabled("t"));
}

TEST_CASE("a disabled question's answers count as absent for the items depending on it", "[forms][enableWhen]") {
  forms::Questionnaire qn = load_ok(q(item("a", "boolean"), when(item("b", "boolean"), {cond("a", "=", "answerBoolean", true)}),
                                      when(item("c", "string"), {cond("b", "=", "answerBoolean", true)}),
                                      when(item("d", "string"), {exists("b", false)})));
  forms::FormSession s(qn, "en");
  REQUIRE(s.set_answer("a", true).is_ok());
  REQUIRE(s.set_answer("b", true).is_ok());
  REQUIRE(s.set_answer("c", str("kept")).is_ok());
  CHECK(s.enabled("b"));
  CHECK(s.enabled("c"));
  CHECK_FALSE(s.enabled("d"));

  REQUIRE(s.set_answer("a", false).is_ok());
  CHECK_FALSE(s.enabled("b"));
  CHECK_FALSE(s.enabled("c"));  // b keeps its answer, but a disabled answer counts for nothing
  CHECK(s.enabled("d"));        // "b exists = false" holds for a disabled b
  CHECK(s.answers("b").size() == 1);
  CHECK(s.answers("c").size() == 1);
  CHECK(s.validate_all().empty());

  REQUIRE(s.set_answer("a", true).is_ok());
  CHECK(s.enabled("b"));
  CHECK(s.enabled("c"));
  CHECK_FALSE(s.enabled("d"));

  s.clear("a");
  CHECK_FALSE(s.enabled("b"));
  CHECK_FALSE(s.enabled("c"));
}

TEST_CASE("the children of a disabled group or question are disabled", "[forms][enableWhen]") {
  forms::Questionnaire qn = load_ok(q(item("a", "boolean"),
                                      when(group("g", {item("g.1", "string"), group("g.h", {item("g.h.1", "integer")})}),
                                           {cond("a", "=", "answerBoolean", true)}),
                                      when(item("after", "string"), {exists("g.h.1")})));
  forms::FormSession s(qn, "ko");
  CHECK_FALSE(s.enabled("g"));
  CHECK_FALSE(s.enabled("g.1"));
  CHECK_FALSE(s.enabled("g.h.1"));
  REQUIRE(s.set_answer("g.h.1", integer(4)).is_ok());
  CHECK_FALSE(s.enabled("after"));
  REQUIRE(s.set_answer("a", true).is_ok());
  CHECK(s.enabled("g.1"));
  CHECK(s.enabled("g.h.1"));
  CHECK(s.enabled("after"));
}

namespace {

// x0..x<n-1>, booleans; x<i> enabled when x<i-1> = true. `backward` lists them last to first,
// so every condition names an item further down the document.
json chain(int n, bool backward) {
  std::vector<json> items;
  for (int i = 0; i < n; ++i) {
    json it = item("x" + std::to_string(i), "boolean");
    if (i > 0) it = when(it, {cond("x" + std::to_string(i - 1), "=", "answerBoolean", true)});
    items.push_back(it);
  }
  if (backward) std::reverse(items.begin(), items.end());
  json j = q();
  j["item"] = items;
  return j;
}

}  // namespace

TEST_CASE("a chain of 200 conditions resolves in one recompute, in either document order", "[forms][enableWhen]") {
  constexpr int kN = 200;
  for (bool backward : {false, true}) {
    INFO((backward ? "backward references" : "forward references"));
    forms::Questionnaire qn = load_ok(chain(kN, backward));
    forms::FormSession s(qn, "ko");
    CHECK(s.enabled("x0"));
    CHECK_FALSE(s.enabled("x1"));
    CHECK_FALSE(s.enabled("x199"));
    // Answer from the end backwards, so nothing but the last answer enables anything.
    for (int i = kN - 1; i >= 1; --i) REQUIRE(s.set_answer("x" + std::to_string(i), true).is_ok());
    CHECK_FALSE(s.enabled("x1"));
    REQUIRE(s.set_answer("x0", true).is_ok());  // one recompute
    int on = 0;
    for (int i = 0; i < kN; ++i) on += s.enabled("x" + std::to_string(i)) ? 1 : 0;
    CHECK(on == kN);
    REQUIRE(s.set_answer("x0", false).is_ok());
    on = 0;
    for (int i = 0; i < kN; ++i) on += s.enabled("x" + std::to_string(i)) ? 1 : 0;
    CHECK(on == 1);
    // Breaking the chain in the middle disables the rest only.
    REQUIRE(s.set_answer("x0", true).is_ok());
    REQUIRE(s.set_answer("x100", false).is_ok());
    CHECK(s.enabled("x100"));
    CHECK_FALSE(s.enabled("x101"));
    CHECK_FALSE(s.enabled("x199"));
  }
}

TEST_CASE("answers of disabled items leave the response and come back when re-enabled", "[forms][enableWhen]") {
  forms::Questionnaire qn = load_ok(q(item("a", "boolean"), when(item("b", "string"), {cond("a", "=", "answerBoolean", true)})));
  forms::FormSession s(qn, "en");
  auto links = [&]() {
    std::vector<std::string> out;
    json r = forms::make_questionnaire_response(s, "2026-01-01T00:00:00Z");
    for (const json& it : r.value("item", json::array())) out.push_back(it["linkId"].get<std::string>());
    return out;
  };
  REQUIRE(s.set_answer("a", true).is_ok());
  REQUIRE(s.set_answer("b", str("remember me")).is_ok());
  CHECK(links() == std::vector<std::string>{"a", "b"});
  REQUIRE(s.set_answer("a", false).is_ok());
  CHECK(links() == std::vector<std::string>{"a"});
  REQUIRE(s.answers("b").size() == 1);
  REQUIRE(s.set_answer("a", true).is_ok());
  CHECK(links() == std::vector<std::string>{"a", "b"});
  json r = forms::make_questionnaire_response(s, "2026-01-01T00:00:00Z");
  CHECK(r["item"][1]["answer"][0]["valueString"] == "remember me");
}

TEST_CASE("set_answers refuses what does not fit, naming the linkId", "[forms][session]") {
  forms::Questionnaire qn = load_ok(q(group("g", {item("g.n", "integer")}), display("d"), item("one", "string"),
                                      item("num", "integer"), item("dec", "decimal"), item("when", "date"),
                                      choice("ch", {"a", "b"}), item("yes", "boolean")));
  forms::FormSession s(qn, "en");
  auto refused = [&](const std::string& link, std::vector<Value> values) {
    platform::Status st = s.set_answers(link, std::move(values));
    INFO(link << ": " << st.message());
    CHECK(st.kind() == platform::StatusKind::kInvalidArgument);
    CHECK(st.message().find("'" + link + "'") != std::string::npos);
  };
  refused("nope", {str("x")});
  refused("g", {str("x")});
  refused("d", {str("x")});
  refused("one", {str("x"), str("y")});
  refused("num", {str("12")});
  refused("num", {decimal(1.5)});
  refused("dec", {str("1.5")});
  refused("when", {str("2024-01-01")});
  refused("when", {date("2023-02-30")});
  refused("when", {date("2024-13")});
  refused("when", {date("yesterday")});
  refused("ch", {Value(true)});
  refused("yes", {integer(1)});
  refused("ch", {code("a"), code("b")});
  // Nothing refused was stored.
  for (const char* link : {"one", "num", "dec", "when", "ch", "yes"}) CHECK(s.answers(link).empty());
  // What fits is accepted; a whole number fits a decimal.
  CHECK(s.set_answer("dec", integer(2)).is_ok());
  CHECK(s.set_answer("when", date("2024-02-29")).is_ok());
  CHECK(s.set_answers("one", {}).is_ok());
  CHECK(s.answers("one").empty());
}

TEST_CASE("wipe clears every answer", "[forms][session]") {
  forms::Questionnaire qn = load_ok(q(item("a", "string"), item("b", "date"), when(item("c", "string"), {exists("a")})));
  forms::FormSession s(qn, "ko");
  REQUIRE(s.set_answer("a", str("홍길동")).is_ok());
  REQUIRE(s.set_answer("b", date("1990-01-01")).is_ok());
  CHECK(s.enabled("c"));
  s.wipe();
  CHECK(s.answers("a").empty());
  CHECK(s.answers("b").empty());
  CHECK_FALSE(s.enabled("c"));
}

TEST_CASE("compare_values orders numbers, dates of one precision and strings, else not comparable", "[forms][session]") {
  CHECK(forms::compare_values(integer(2), decimal(2.0)) == 0);
  CHECK(forms::compare_values(decimal(1.5), integer(2)) == -1);
  CHECK(forms::compare_values(date("2024-01-02"), date("2024-01-01")) == 1);
  CHECK(forms::compare_values(date("2024-01"), date("2024-01-01")) == 2);
  CHECK(forms::compare_values(str("a"), str("b")) == -1);
  CHECK(forms::compare_values(Value(true), Value(true)) == 0);
  CHECK(forms::compare_values(Value(true), Value(false)) == 2);
  CHECK(forms::compare_values(code("a"), code("a")) == 0);
  CHECK(forms::compare_values(code("a"), code("b")) == 2);
  CHECK(forms::compare_values(str("1"), integer(1)) == 2);
}
