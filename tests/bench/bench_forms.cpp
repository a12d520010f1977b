// bench_forms: (1) load + validate the largest protocol package against a bare
// nlohmann-json parse of the same bytes, in the same run; (2) the cost of one answer change
// on a 500-item synthetic questionnaire with deep enableWhen chains (set_answer, which
// recomputes every item's enabled state), p50 and p99.
//
// Usage: bench_forms [--assets DIR] [--iterations N]
// Last line: RESULT load_vs_parse=<x> load_ms=<x> recompute_p50_us=<x> recompute_p99_us=<x>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "forms/package.h"
#include "forms/session.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

json translated(const std::string& /*ko*/, const std::string& en) {
  return {{"extension", json::array({{{"url", "http://hl7.org/fhir/StructureDefinition/translation"},
                                      {"extension", json::array({{{"url", "lang"}, {"valueCode", "en"}},
                                                                 {{"url", "content"}, {"valueString", en}}})}}})}};
}

// 500 integer questions in 5 chains of 100: item k of a chain is enabled when item k-1 of
// the same chain is answered with a value >= 1; every tenth item also needs a boolean gate.
json synthetic_questionnaire() {
  json items = json::array();
  items.push_back({{"linkId", "gate"}, {"type", "boolean"}, {"text", "시작"}, {"_text", translated("시작", "Start")}});
  for (int c = 0; c < 5; ++c) {
    for (int k = 0; k < 100; ++k) {
      std::string id = "c" + std::to_string(c) + "." + std::to_string(k);
      json it = {{"linkId", id}, {"type", "integer"}, {"text", "문항 " + id}, {"_text", translated("문항 " + id, "Item " + id)}};
      if (k > 0) {
        json conds = json::array({{{"question", "c" + std::to_string(c) + "." + std::to_string(k - 1)}, {"operator", ">="}, {"answerInteger", 1}}});
        if (k % 10 == 0) {
          conds.push_back({{"question", "gate"}, {"operator", "="}, {"answerBoolean", true}});
          it["enableBehavior"] = "all";
        }
        it["enableWhen"] = conds;
      }
      items.push_back(it);
    }
  }
  return {{"resourceType", "Questionnaire"}, {"url", "https://bbd.example.kr/fhir/Questionnaire/bench"}, {"version", "1"},
          {"status", "active"}, {"language", "ko"}, {"title", "벤치"}, {"_title", translated("벤치", "Bench")},
          {"extension", json::array({{{"url", "https://bbd.example.kr/fhir/StructureDefinition/translation-languages"}, {"valueCode", "en"}}})},
          {"item", items}};
}

}  // namespace

int main(int argc, char** argv) {
  fs::path assets = KIOSK_ASSETS_DIR;
  int iterations = 10000;
  CLI::App cli{"bench_forms: loading and validating protocol packages, and the per-answer checks"};
  cli.option_defaults()->always_capture_default();  // --help shows each default
  cli.add_option("--assets", assets, "the assets directory holding protocols/")
      ->check(CLI::ExistingDirectory);
  cli.add_option("--iterations", iterations, "iterations of the timed loops")
      ->check(CLI::Range(100, 100000000));
  CLI11_PARSE(cli, argc, argv);
  // (1) the largest package
  fs::path largest;
  std::uintmax_t largest_size = 0;
  for (const auto& e : fs::directory_iterator(assets / "protocols"))
    if (e.path().extension() == ".json" && e.file_size() > largest_size) {
      largest = e.path();
      largest_size = e.file_size();
    }
  if (largest.empty()) {
    std::fprintf(stderr, "bench_forms: no packages in %s\n", (assets / "protocols").c_str());
    return 1;
  }
  std::ifstream in(largest, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  std::vector<double> parse_ms, load_ms;
  std::size_t items = 0;
  for (int r = 0; r < 15; ++r) {
    auto p0 = Clock::now();
    json j = json::parse(bytes);
    auto p1 = Clock::now();
    forms::FormFile f = forms::load_form_text(bytes);
    auto p2 = Clock::now();
    if (!f.ok()) {
      std::fprintf(stderr, "bench_forms: %s does not load: %s\n", largest.c_str(), f.problems.front().to_string().c_str());
      return 1;
    }
    items = 0;
    for (const auto& q : f.package->questionnaires) items += q.items.size();
    parse_ms.push_back(std::chrono::duration<double, std::milli>(p1 - p0).count());
    load_ms.push_back(std::chrono::duration<double, std::milli>(p2 - p1).count());
  }
  double parse = percentile(parse_ms, 0.5), load = percentile(load_ms, 0.5);

  // (2) recompute after one answer change
  forms::LoadResult lr = forms::load_questionnaire(synthetic_questionnaire());
  if (!lr.ok()) {
    std::fprintf(stderr, "bench_forms: synthetic questionnaire: %s\n", lr.problems.front().to_string().c_str());
    return 1;
  }
  forms::FormSession s(*lr.questionnaire, "ko");
  (void)s.set_answer("gate", true);
  for (int c = 0; c < 5; ++c)
    for (int k = 0; k < 100; ++k) (void)s.set_answer("c" + std::to_string(c) + "." + std::to_string(k), std::int64_t{5});
  std::vector<double> us;
  for (int i = 0; i < iterations; ++i) {
    // Flip the head of a chain: 100 dependents switch on or off each time.
    const std::string id = "c" + std::to_string(i % 5) + ".0";
    auto t0 = Clock::now();
    platform::Status st = s.set_answer(id, std::int64_t{i % 2});
    auto t1 = Clock::now();
    if (!st.is_ok()) return 1;
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  int enabled = 0;
  for (std::size_t i = 0; i < lr.questionnaire->items.size(); ++i) enabled += s.enabled(static_cast<int>(i)) ? 1 : 0;

  std::printf("bench_forms: %s (%ju bytes, %zu items)\n", largest.filename().c_str(), largest_size, items);
  std::printf("  bare nlohmann parse : %8.2f ms (median of 15)\n", parse);
  std::printf("  load + validate     : %8.2f ms (parse included)   ratio %.2f  (goal <= 3)\n", load, load / parse);
  std::printf("  answer change on 501 items, 5 chains x 100: p50 %.1f us  p99 %.1f us  (goal p99 < 200 us); %d enabled at end\n",
              percentile(us, 0.5), percentile(us, 0.99), enabled);
  std::printf("RESULT load_vs_parse=%.3f load_ms=%.3f recompute_p50_us=%.2f recompute_p99_us=%.2f\n", load / parse, load,
              percentile(us, 0.5), percentile(us, 0.99));
  return 0;
}
