#include "kiosk/synthetic.h"

#include <array>
#include <cstdio>

#include "platform/crypto.h"

namespace kiosk {

using nlohmann::json;

namespace {

const std::array<const char*, 12> kFamily = {"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오"};
const std::array<const char*, 24> kSyllable = {"민", "서", "준", "지", "현", "우", "영", "수", "하", "은", "도", "윤",
                                               "예", "진", "성", "희", "경", "호", "연", "아", "재", "숙", "철", "순"};
const std::array<const char*, 3> kTypes = {"rare", "severe", "general"};

template <typename T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
}

int rnd(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

json answer_item(const std::string& link_id, const std::string& text, json answer) {
  return {{"linkId", link_id}, {"text", text}, {"answer", json::array({answer})}};
}

json coding(const char* system, const std::string& code) {
  return {{"valueCoding", {{"system", system}, {"code", code}}}};
}

}  // namespace

forms::EnrollmentContent make_synthetic_content(std::mt19937_64& rng, const std::string& id,
                                                const std::string& now, const SyntheticOptions& opt) {
  forms::EnrollmentContent c;
  c.enrollment_id = id;
  c.participation_type = kTypes[static_cast<std::size_t>(rnd(rng, 0, 2))];
  c.language = rnd(rng, 0, 4) == 0 ? "en" : "ko";
  c.patient.family = kFamily[static_cast<std::size_t>(rnd(rng, 0, kFamily.size() - 1))];
  c.patient.given = std::string(kSyllable[static_cast<std::size_t>(rnd(rng, 0, kSyllable.size() - 1))]) +
                    kSyllable[static_cast<std::size_t>(rnd(rng, 0, kSyllable.size() - 1))];
  if (!opt.marker.empty()) c.patient.given += opt.marker + "N";
  int year = rnd(rng, 1930, 2010);
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", year, rnd(rng, 1, 12), rnd(rng, 1, 28));
  c.patient.birth_date = date;
  c.patient.gender = rnd(rng, 0, 1) ? "female" : "male";
  char phone[32];
  std::snprintf(phone, sizeof phone, "010-0000-%04d", rnd(rng, 0, 9999));
  c.patient.phone = phone;
  if (!opt.marker.empty()) c.patient.phone += " " + opt.marker + "P";
  if (year > 2007) {
    c.representative = forms::Representative{kFamily[static_cast<std::size_t>(rnd(rng, 0, kFamily.size() - 1))],
                                             std::string(kSyllable[static_cast<std::size_t>(rnd(rng, 0, 23))]) + kSyllable[static_cast<std::size_t>(rnd(rng, 0, 23))],
                                             rnd(rng, 0, 1) ? "MTH" : "FTH", "010-0000-" + std::to_string(1000 + rnd(rng, 0, 8999))};
  }

  // A baseline-survey-shaped QuestionnaireResponse.
  const char* sys = "https://bbd.example.kr/fhir/CodeSystem/survey";
  json items = json::array();
  items.push_back(answer_item("smoking.status", "흡연 여부", coding(sys, pick(rng, std::vector<std::string>{"never", "former", "current"}))));
  items.push_back(answer_item("smoking.pack_years", "흡연량(갑년)", {{"valueDecimal", rnd(rng, 0, 400) / 10.0}}));
  items.push_back(answer_item("alcohol.freq", "음주 빈도", coding(sys, pick(rng, std::vector<std::string>{"none", "monthly", "weekly", "daily"}))));
  items.push_back(answer_item("activity.days", "주당 운동 일수", {{"valueInteger", rnd(rng, 0, 7)}}));
  items.push_back(answer_item("sleep.hours", "하루 수면 시간", {{"valueDecimal", rnd(rng, 40, 100) / 10.0}}));
  items.push_back(answer_item("height", "키(cm)", {{"valueDecimal", rnd(rng, 1400, 1900) / 10.0}}));
  items.push_back(answer_item("weight", "몸무게(kg)", {{"valueDecimal", rnd(rng, 400, 1100) / 10.0}}));
  items.push_back(answer_item("education", "최종 학력", coding(sys, pick(rng, std::vector<std::string>{"elementary", "middle", "high", "college", "graduate"}))));
  const std::vector<std::string> conditions = {"hypertension", "diabetes", "dyslipidemia", "asthma", "arthritis", "depression", "stroke", "cancer", "ckd", "thyroid"};
  for (const std::string& cond : conditions) {
    bool has = rnd(rng, 0, 4) == 0;
    json group = {{"linkId", "history." + cond}, {"item", json::array()}};
    group["item"].push_back(answer_item("history." + cond + ".has", "진단 여부", {{"valueBoolean", has}}));
    if (has) {
      group["item"].push_back(answer_item("history." + cond + ".age", "진단 나이", {{"valueInteger", rnd(rng, 10, 80)}}));
      group["item"].push_back(answer_item("history." + cond + ".treated", "치료 중", {{"valueBoolean", rnd(rng, 0, 1) == 1}}));
    }
    items.push_back(group);
  }
  for (int q = 1; q <= 26; ++q) {
    char link[32];
    std::snprintf(link, sizeof link, "qol.%02d", q);
    items.push_back(answer_item(link, "삶의 질 문항", {{"valueInteger", rnd(rng, 1, 5)}}));
  }
  std::string note = "특이사항 없음";
  if (!opt.marker.empty()) note += " " + opt.marker + "A";
  items.push_back(answer_item("comments", "기타 의견", {{"valueString", note}}));
  json qr = {{"resourceType", "QuestionnaireResponse"},
             {"status", "completed"},
             {"questionnaire", "https://bbd.example.kr/fhir/Questionnaire/baseline|1.0.0"},
             {"authored", now},
             {"item", items}};
  if (opt.target_bytes > 0) {
    // Pad with a realistic medication list until the bundle is near the target size.
    json meds = json::array();
    std::size_t approx = 9000;
    for (int i = 0; approx < opt.target_bytes && i < 2000; ++i) {
      meds.push_back(answer_item("medications." + std::to_string(i), "복용 약물",
                                 coding("http://www.whocc.no/atc", "C09AA0" + std::to_string(rng() % 10))));
      approx += 150;
    }
    qr["item"].push_back({{"linkId", "medications"}, {"item", meds}});
  }
  c.responses.push_back(qr);

  // The finger-drawn signature: a few strokes of a few dozen samples each.
  c.signature.pad_width_px = 1200;
  c.signature.pad_height_px = 400;
  c.signature.signed_at = now;
  int strokes = opt.target_bytes > 0 ? 4 : rnd(rng, 3, 9);
  std::int32_t t = 0;
  for (int s = 0; s < strokes; ++s) {
    forms::Stroke st;
    float x = static_cast<float>(rnd(rng, 50, 900)) / 1200.0f, y = static_cast<float>(rnd(rng, 50, 350)) / 400.0f;
    int points = opt.target_bytes > 0 ? 60 : rnd(rng, 40, 140);
    for (int p = 0; p < points; ++p) {
      x += static_cast<float>(rnd(rng, -8, 12)) / 1200.0f;
      y += static_cast<float>(rnd(rng, -10, 10)) / 400.0f;
      t += rnd(rng, 8, 20);
      st.push_back({x, y, t});
    }
    t += rnd(rng, 100, 400);
    c.signature.strokes.push_back(std::move(st));
  }
  return c;
}

datasync::EnrollmentInput make_synthetic_enrollment(std::mt19937_64& rng, const std::string& id,
                                                    const std::string& now, const SyntheticOptions& opt) {
  forms::EnrollmentContent c = make_synthetic_content(rng, id, now, opt);
  datasync::EnrollmentInput in;
  in.id = id;
  // A Bundle built here is an object by construction; from_object cannot fail on it.
  in.bundle = datasync::BundleJson::from_object(forms::make_enrollment_bundle(c)).value();
  in.card = {c.patient.family + c.patient.given, c.patient.birth_date, c.participation_type};
  if (c.representative) {
    in.card.representative_name = c.representative->family + c.representative->given;
    in.card.representative_relationship = c.representative->relationship;
  }
  platform::wipe(c.patient.family);
  platform::wipe(c.patient.given);
  platform::wipe(c.patient.phone);
  return in;
}

}  // namespace kiosk
