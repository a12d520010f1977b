#include "kiosk/flow.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "forms/response.h"
#include "platform/clock.h"
#include "platform/crypto.h"

namespace kiosk {

using forms::FormSession;
using forms::ValidationMessage;

namespace {

// The thank-you screen returns to attract by itself so that the next person finds the kiosk
// ready; 30 s is long enough to read "please go to the nurse".
constexpr std::int64_t kThankYouMs = 30'000;
// Birth dates are compared with the date in Korea (UTC+9, no daylight saving time): a child
// born this morning in Seoul must not be "in the future" because UTC is still yesterday.
constexpr std::int64_t kKoreaOffsetMs = 9LL * 3600 * 1000;
constexpr std::size_t kMaxNameChars = 50;
// The consent-provision code of the consent item that allows processing the resident
// registration number (build_packages.py: only the rare and severe packages ask for it).
constexpr std::string_view kRrnProvision = "resident-registration-number";
constexpr std::string_view kRoleCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
// v3 RoleCode relationships accepted for a legal representative: parents and grandparents,
// siblings, adult children and spouses (of an adult without capacity), a court-appointed
// guardian, and other family. The consent document's own list (MTH, FTH, GUARD, FAMMEMB) is a
// subset.
constexpr std::array<std::string_view, 8> kRelationships = {"MTH",   "FTH", "GRPRN", "SIB",
                                                            "CHILD", "SPS", "GUARD", "FAMMEMB"};
constexpr std::array<std::string_view, 4> kGenders = {"male", "female", "other", "unknown"};
// New resident registration numbers (issued from 2020-10-05, including every newborn) carry
// random digits after the first seven and no check digit; only older numbers are checked.
constexpr std::string_view kRrnCheckDigitUntil = "2020-10-05";

struct Text {
  const char* ko;
  const char* en;
};

std::string in_lang(const std::string& lang, Text t) {
  return lang == "ko" ? t.ko : t.en;
}

constexpr Text kReadToEnd = {"동의서를 끝까지 읽어 주세요.",
                             "Please read the document to the end."};
constexpr Text kWrongAnswer = {
    "답이 맞지 않습니다. 아래 설명을 읽고 다시 골라 주세요.",
    "That answer is not right. Please read the explanation below and choose again."};
constexpr Text kFamilyRequired = {"성을 적어 주세요.", "Please enter the family name."};
constexpr Text kGivenRequired = {"이름을 적어 주세요.", "Please enter the given name."};
constexpr Text kNameTooLong = {"50자 이내로 적어 주세요.", "Please use at most 50 characters."};
constexpr Text kNameInvalid = {"쓸 수 없는 문자가 들어 있습니다.",
                               "This contains characters that cannot be used."};
constexpr Text kBirthRequired = {"생년월일을 적어 주세요.", "Please enter the date of birth."};
constexpr Text kBirthInvalid = {
    "생년월일을 실제 날짜로, 연-월-일 형식으로 적어 주세요. (예: 1985-03-15)",
    "Please enter a real date of birth as year-month-day (e.g. 1985-03-15)."};
constexpr Text kBirthFuture = {"생년월일이 오늘보다 뒤일 수는 없습니다.",
                               "The date of birth cannot be in the future."};
constexpr Text kBirthTooEarly = {"1900년 1월 1일 이후의 날짜를 적어 주세요.",
                                 "Please enter a date on or after 1 January 1900."};
constexpr Text kGenderRequired = {"성별을 골라 주세요.", "Please choose a gender."};
constexpr Text kPhoneRequired = {"휴대전화 번호를 적어 주세요.",
                                 "Please enter a mobile phone number."};
constexpr Text kPhoneInvalid = {
    "휴대전화 번호를 01로 시작하는 숫자 10~11자리로 적어 주세요.",
    "Please enter a Korean mobile number: 10 or 11 digits starting with 01."};
constexpr Text kRepresentativeRequired = {"법정대리인의 정보를 적어 주세요.",
                                          "Please enter the legal representative's details."};
constexpr Text kRelationshipRequired = {"참여자와의 관계를 골라 주세요.",
                                        "Please choose your relationship to the participant."};
constexpr Text kRrnRequired = {"주민등록번호를 적어 주세요.",
                               "Please enter the resident registration number."};
constexpr Text kRrnInvalid = {
    "주민등록번호 13자리를 정확하게 적어 주세요.",
    "Please enter all 13 digits of the resident registration number correctly."};
constexpr Text kRrnBirthMismatch = {
    "주민등록번호 앞자리가 생년월일과 맞지 않습니다.",
    "The resident registration number does not match the date of birth."};
constexpr Text kSignatureTooSmall = {
    "서명이 너무 작습니다. 서명란에 조금 더 크게 서명해 주세요.",
    "The signature is too small. Please sign a little larger in the box."};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

bool has_control_char(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Days since 1970-01-01 -> "YYYY-MM-DD" (proleptic Gregorian; H. Hinnant's civil_from_days).
std::string civil_date(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[48];  // sized for any int64 so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::string korea_date(std::int64_t unix_ms) {
  const std::int64_t ms = unix_ms + kKoreaOffsetMs;
  const std::int64_t day_ms = 86'400'000;
  return civil_date(ms >= 0 ? ms / day_ms : (ms - day_ms + 1) / day_ms);
}

// A Korean mobile number: 010 + 8 digits, or a legacy 011/016/017/018/019 number of 10-11
// digits. Spaces and hyphens between digit groups are accepted as typed.
bool korean_mobile(const std::string& phone) {
  std::string digits;
  for (char c : phone) {
    if (is_digit(c))
      digits += c;
    else if (c != '-' && c != ' ')
      return false;
  }
  if (digits.size() < 10 || digits.size() > 11 || digits.compare(0, 2, "01") != 0) return false;
  const char third = digits[2];
  if (third == '0') return digits.size() == 11;
  return third == '1' || third == '6' || third == '7' || third == '8' || third == '9';
}

// The 13 digits of a resident registration number ("YYMMDD-NNNNNNN" or without the hyphen),
// or empty when the shape is wrong.
std::string rrn_digits(const std::string& rrn) {
  std::string d;
  for (std::size_t i = 0; i < rrn.size(); ++i) {
    if (is_digit(rrn[i]))
      d += rrn[i];
    else if (!(rrn[i] == '-' && i == 6))
      return {};
  }
  return d.size() == 13 ? d : std::string();
}

// Format, century digit and (for numbers issued before the 2020 reform) the check digit.
// `birth_date` is a valid YYYY-MM-DD.
enum class RrnCheck { kOk, kInvalid, kBirthMismatch };
RrnCheck check_rrn(const std::string& rrn, const std::string& birth_date) {
  std::string d = rrn_digits(rrn);
  if (d.empty()) return RrnCheck::kInvalid;
  if (d.compare(0, 2, birth_date, 2, 2) != 0 || d.compare(2, 2, birth_date, 5, 2) != 0 ||
      d.compare(4, 2, birth_date, 8, 2) != 0) {
    platform::wipe(d);
    return RrnCheck::kBirthMismatch;
  }
  // The seventh digit gives the century: 1, 2, 5, 6 for 19xx, 3, 4, 7, 8 for 20xx (9 and 0,
  // 18xx, are before the 1900 limit on birth dates).
  const char g = d[6];
  const char* century = (g == '1' || g == '2' || g == '5' || g == '6')   ? "19"
                        : (g == '3' || g == '4' || g == '7' || g == '8') ? "20"
                                                                         : nullptr;
  RrnCheck result = RrnCheck::kOk;
  if (!century || birth_date.compare(0, 2, century) != 0) {
    result = RrnCheck::kBirthMismatch;
  } else if (birth_date < kRrnCheckDigitUntil) {
    static constexpr int kWeights[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (std::size_t i = 0; i < 12; ++i) sum += (d[i] - '0') * kWeights[i];
    if ((11 - sum % 11) % 10 != d[12] - '0') result = RrnCheck::kInvalid;
  }
  platform::wipe(d);
  return result;
}

// Zeroes a string's whole buffer, not only its current contents: text that was typed and
// then deleted still sits in the capacity beyond size().
void wipe_all(std::string& s) {
  s.resize(s.capacity());
  platform::wipe(s);
}

void wipe_patient(forms::PatientDetails& p) {
  wipe_all(p.family);
  wipe_all(p.given);
  wipe_all(p.birth_date);
  wipe_all(p.gender);
  wipe_all(p.phone);
}

void wipe_representative(forms::Representative& r) {
  wipe_all(r.family);
  wipe_all(r.given);
  wipe_all(r.relationship);
  wipe_all(r.phone);
}

}  // namespace

const char* screen_name(Screen s) {
  switch (s) {
    case Screen::kAttract:
      return "attract";
    case Screen::kLanguage:
      return "language";
    case Screen::kParticipation:
      return "participation";
    case Screen::kSigner:
      return "signer";
    case Screen::kConsentRead:
      return "consent-read";
    case Screen::kConsentChoose:
      return "consent-choose";
    case Screen::kComprehension:
      return "comprehension";
    case Screen::kIdentity:
      return "identity";
    case Screen::kSignature:
      return "signature";
    case Screen::kSurvey:
      return "survey";
    case Screen::kReview:
      return "review";
    case Screen::kSubmitting:
      return "submitting";
    case Screen::kThankYou:
      return "thank-you";
    case Screen::kSubmitFailed:
      return "submit-failed";
  }
  return "unknown";
}

Flow::Flow(const std::vector<forms::ProtocolPackage>& packages, FlowConfig config)
    : packages_(packages), config_(std::move(config)) {
  // A guard, not a policy: the site config loader reports these with the file and key. A
  // silent clamp would hide a mistaken site file; an exception at start-up cannot be missed.
  if (config_.idle_ms <= 0)
    throw std::invalid_argument("FlowConfig.idle_ms is " + std::to_string(config_.idle_ms) +
                                "; it must be positive");
  if (config_.idle_warning_ms < 20'000)
    throw std::invalid_argument("FlowConfig.idle_warning_ms is " +
                                std::to_string(config_.idle_warning_ms) +
                                "; it must be at least 20000 (20 s) so that a participant can read "
                                "the warning and ask for more time");
  if (config_.max_extensions < 10)
    throw std::invalid_argument("FlowConfig.max_extensions is " +
                                std::to_string(config_.max_extensions) +
                                "; it must be at least 10 so that slow readers are not cut off");
}

// ---- snapshot helpers -----------------------------------------------------------------------

std::int64_t Flow::idle_countdown_ms(std::int64_t now_ms) const {
  if (overlay_ != Overlay::kIdleWarning) return 0;
  return std::max<std::int64_t>(0, warning_deadline_ms_ - now_ms);
}

std::vector<int> Flow::comprehension_questions() const {
  std::vector<int> out;
  if (!comprehension_) return out;
  const forms::Questionnaire& q = comprehension_->questionnaire();
  for (std::size_t i = 0; i < q.items.size(); ++i) {
    const int idx = static_cast<int>(i);
    if (q.items[i].has_answer_type() && comprehension_->shown(idx)) out.push_back(idx);
  }
  return out;
}

std::vector<int> Flow::survey_pages(int survey) const {
  std::vector<int> out;
  if (survey < 0 || static_cast<std::size_t>(survey) >= surveys_.size()) return out;
  const FormSession& s = surveys_[static_cast<std::size_t>(survey)];
  for (int root : s.questionnaire().roots)
    if (s.shown(root)) out.push_back(root);
  return out;
}

bool Flow::rrn_requested() const {
  if (!config_.collect_rrn || !package_) return false;
  for (const forms::Questionnaire& q : package_->questionnaires) {
    if (q.role != "consent" && q.role != "consent-representative") continue;
    for (const forms::Item& it : q.items)
      if (it.consent_provision == kRrnProvision) return true;
  }
  return false;
}

bool Flow::signature_has_enough_ink() const {
  // y is a fraction of the pad's height; scale it to width units so that a vertical stroke
  // counts for its real length.
  const double aspect = signature_.pad_width_px > 0 && signature_.pad_height_px > 0
                            ? static_cast<double>(signature_.pad_height_px) /
                                  static_cast<double>(signature_.pad_width_px)
                            : 1.0;
  bool drawn = false;
  double ink = 0;
  for (const forms::Stroke& st : signature_.strokes) {
    if (st.size() >= 2) drawn = true;
    for (std::size_t i = 1; i < st.size(); ++i) {
      const double dx = static_cast<double>(st[i].x) - static_cast<double>(st[i - 1].x);
      const double dy = (static_cast<double>(st[i].y) - static_cast<double>(st[i - 1].y)) * aspect;
      const double len = std::hypot(dx, dy);
      if (std::isfinite(len)) ink += len;
    }
  }
  return drawn && ink >= config_.min_ink;
}

double Flow::progress() const {
  switch (screen_) {
    case Screen::kAttract:
    case Screen::kLanguage:
      return 0.0;
    // Before the documents are known the first steps get fixed small shares, below the
    // share of the first consent screen, so the bar never moves back.
    case Screen::kParticipation:
      return 0.02;
    case Screen::kSigner:
      return 0.04;
    case Screen::kReview:
    case Screen::kSubmitting:
    case Screen::kThankYou:
    case Screen::kSubmitFailed:
      return 1.0;
    default:
      break;
  }
  // Steps from the first consent screen (0) to review (total): read and choose per document,
  // one per comprehension question, identity, signature, one per survey page. Counted on the
  // static structure, so answers that show or hide later pages do not move the bar back.
  const int docs = static_cast<int>(consents_.size());
  int questions = 0, question_pos = 0;
  if (comprehension_) {
    const forms::Questionnaire& q = comprehension_->questionnaire();
    for (std::size_t i = 0; i < q.items.size(); ++i) {
      if (!q.items[i].has_answer_type()) continue;
      ++questions;
      if (static_cast<int>(i) < page_item_) ++question_pos;
    }
  }
  int pages = 0, page_pos = 0;
  for (std::size_t s = 0; s < surveys_.size(); ++s) {
    const std::vector<int>& roots = surveys_[s].questionnaire().roots;
    if (static_cast<int>(s) < doc_) page_pos += static_cast<int>(roots.size());
    if (static_cast<int>(s) == doc_)
      page_pos += static_cast<int>(
          std::count_if(roots.begin(), roots.end(), [&](int r) { return r < page_item_; }));
    pages += static_cast<int>(roots.size());
  }
  const int total = 2 * docs + questions + 2 + pages;
  int step = 0;
  switch (screen_) {
    case Screen::kConsentRead:
      step = 2 * doc_;
      break;
    case Screen::kConsentChoose:
      step = 2 * doc_ + 1;
      break;
    case Screen::kComprehension:
      step = 2 * docs + question_pos;
      break;
    case Screen::kIdentity:
      step = 2 * docs + questions;
      break;
    case Screen::kSignature:
      step = 2 * docs + questions + 1;
      break;
    case Screen::kSurvey:
      step = 2 * docs + questions + 2 + page_pos;
      break;
    default:
      break;
  }
  return 0.05 + 0.95 * static_cast<double>(step) / static_cast<double>(std::max(total, 1));
}

// ---- intents --------------------------------------------------------------------------------

void Flow::touched(std::int64_t now_ms) {
  last_input_ms_ = now_ms;
}

void Flow::tick(std::int64_t now_ms) {
  if (screen_ == Screen::kAttract) return;
  if (overlay_ == Overlay::kIdleWarning) {
    if (now_ms >= warning_deadline_ms_) wipe();
    return;
  }
  if (screen_ == Screen::kThankYou && now_ms - last_input_ms_ >= kThankYouMs) {
    wipe();
    return;
  }
  // Submitting waits for the app's report; a participant watching the spinner is not idle.
  if (screen_ == Screen::kSubmitting) return;
  if (now_ms - last_input_ms_ >= config_.idle_ms) {
    // Replaces a confirm-cancel or call-staff overlay: either way nobody is answering it.
    overlay_ = Overlay::kIdleWarning;
    warning_deadline_ms_ = now_ms + config_.idle_warning_ms;
  }
}

bool Flow::apply(const Intent& intent, std::int64_t now_ms) {
  now_ms_ = now_ms;
  // The frame loop may not have ticked since the countdown ran out: the session is over, and
  // a late "more time" must not bring it back.
  if (overlay_ == Overlay::kIdleWarning && now_ms >= warning_deadline_ms_) {
    wipe();
    return false;
  }
  last_input_ms_ = now_ms;
  if (overlay_ != Overlay::kNone) return apply_overlay(intent, now_ms);

  switch (intent.kind) {
    case Intent::kStart:
      if (screen_ != Screen::kAttract) return false;
      go(Screen::kLanguage);
      return true;
    case Intent::kSetLanguage: {
      if (screen_ != Screen::kAttract && screen_ != Screen::kLanguage) return false;
      const auto& langs = config_.languages;
      if (std::find(langs.begin(), langs.end(), intent.text) == langs.end()) return false;
      lang_ = intent.text;
      return true;
    }
    case Intent::kSetTextScale:
      if (screen_ != Screen::kAttract && screen_ != Screen::kLanguage) return false;
      if (intent.number != 100 && intent.number != 150 && intent.number != 200) return false;
      text_scale_ = intent.number;
      return true;
    case Intent::kSetHighContrast:
      if (screen_ != Screen::kAttract && screen_ != Screen::kLanguage) return false;
      if (intent.number != 0 && intent.number != 1) return false;
      high_contrast_ = intent.number == 1;
      return true;
    case Intent::kChooseType: {
      if (screen_ != Screen::kParticipation) return false;
      const auto& types = config_.participation_types;
      if (std::find(types.begin(), types.end(), intent.text) == types.end()) return false;
      const forms::ProtocolPackage* chosen = nullptr;
      for (const forms::ProtocolPackage& p : packages_) {
        if (p.participation_type == intent.text) {
          chosen = &p;
          break;
        }
      }
      if (!chosen) return false;
      // Sessions of another package (after going back) are meaningless now; kChooseSigner
      // builds new ones.
      if (chosen != package_) wipe_personal_data();
      type_ = intent.text;
      package_ = chosen;
      go(Screen::kSigner);
      return true;
    }
    case Intent::kChooseSigner:
      if (screen_ != Screen::kSigner || !package_) return false;
      if (intent.text != "self" && intent.text != "representative") return false;
      representative_ = intent.text == "representative";
      start_journey();
      if (consents_.empty())
        enter_after_consents();
      else
        enter_consent_read(0);
      return true;
    case Intent::kReachedEnd:
      if (screen_ != Screen::kConsentRead) return false;
      end_reached_ = true;
      doc_read_[static_cast<std::size_t>(doc_)] = 1;
      validation_.clear();
      return true;
    case Intent::kNext:
      return next();
    case Intent::kBack:
      return back();
    case Intent::kCancel:
      if (screen_ == Screen::kAttract || screen_ == Screen::kSubmitting ||
          screen_ == Screen::kThankYou)
        return false;
      overlay_ = Overlay::kConfirmCancel;
      return true;
    case Intent::kCallStaff:
      if (screen_ == Screen::kAttract) return false;
      overlay_ = Overlay::kCallStaff;
      return true;
    case Intent::kEdit: {
      if (screen_ != Screen::kReview) return false;
      if (intent.number < 0 || intent.number > static_cast<int>(ReviewSection::kSurveys))
        return false;
      const auto section = static_cast<ReviewSection>(intent.number);
      switch (section) {
        case ReviewSection::kConsents:
          if (consents_.empty()) return false;
          enter_consent_choose(0);  // read once already; the choices are what gets edited
          break;
        case ReviewSection::kIdentity:
          enter_identity();
          break;
        case ReviewSection::kSignature:
          go(Screen::kSignature);
          break;
        case ReviewSection::kSurveys:
          if (!enter_first_survey_page_from(0)) return false;
          break;
      }
      editing_ = section;
      return true;
    }
    case Intent::kSubmit: {
      if (screen_ != Screen::kReview) return false;
      // Everything again: an edit from review may have changed what is shown or required.
      std::vector<ValidationMessage> problems = everything_messages();
      if (!problems.empty()) {
        validation_ = std::move(problems);
        return false;
      }
      go(Screen::kSubmitting);
      return true;
    }
    case Intent::kSubmitted:
      if (screen_ != Screen::kSubmitting) return false;
      // The sealed copy is committed; the readable one has no reason to live on through the
      // thank-you screen (DESIGN.md 3.2). The language stays for the thank-you text.
      wipe_personal_data();
      go(Screen::kThankYou);
      return true;
    case Intent::kSubmitFailedKind:
      if (screen_ != Screen::kSubmitting) return false;
      go(Screen::kSubmitFailed);
      return true;
    case Intent::kRetrySubmit:
      if (screen_ != Screen::kSubmitFailed) return false;
      go(Screen::kSubmitting);
      return true;
    case Intent::kFinish:
      if (screen_ != Screen::kThankYou) return false;
      wipe();
      return true;
    case Intent::kConfirmCancel:
    case Intent::kDismissOverlay:
    case Intent::kMoreTime:
      return false;  // no overlay open
  }
  return false;
}

bool Flow::apply_overlay(const Intent& intent, std::int64_t now_ms) {
  switch (intent.kind) {
    case Intent::kConfirmCancel:
      if (overlay_ != Overlay::kConfirmCancel) return false;
      wipe();
      return true;
    case Intent::kDismissOverlay:
      // The idle warning is closed only by "more time", which is counted.
      if (overlay_ != Overlay::kConfirmCancel && overlay_ != Overlay::kCallStaff) return false;
      overlay_ = Overlay::kNone;
      return true;
    case Intent::kMoreTime:
      if (overlay_ != Overlay::kIdleWarning || extensions_left() <= 0) return false;
      ++extensions_used_;
      overlay_ = Overlay::kNone;
      warning_deadline_ms_ = 0;
      last_input_ms_ = now_ms;
      return true;
    default:
      return false;
  }
}

bool Flow::next() {
  switch (screen_) {
    case Screen::kLanguage:
      go(Screen::kParticipation);
      return true;
    case Screen::kConsentRead:
      if (!validate_current()) return false;
      enter_consent_choose(doc_);
      return true;
    case Screen::kConsentChoose: {
      if (!validate_current()) return false;
      const bool last = static_cast<std::size_t>(doc_) + 1 >= consents_.size();
      if (editing_) {
        if (last)
          go(Screen::kReview);
        else
          enter_consent_choose(doc_ + 1);
      } else if (last) {
        enter_after_consents();
      } else {
        enter_consent_read(doc_ + 1);
      }
      return true;
    }
    case Screen::kComprehension: {
      if (!validate_current()) return false;
      for (int q : comprehension_questions()) {
        if (q > page_item_) {
          set_comprehension_item(q);
          return true;
        }
      }
      enter_identity();
      return true;
    }
    case Screen::kIdentity:
      if (!validate_current()) return false;
      if (editing_)
        go(Screen::kReview);
      else
        go(Screen::kSignature);
      return true;
    case Screen::kSignature:
      if (!validate_current()) return false;
      signature_.signed_at = platform::format_rfc3339_utc(now_ms_);
      if (editing_)
        go(Screen::kReview);
      else if (!enter_first_survey_page_from(0))
        go(Screen::kReview);
      return true;
    case Screen::kSurvey: {
      if (!validate_current()) return false;
      for (int p : survey_pages(doc_)) {
        if (p > page_item_) {
          set_survey_page(doc_, p);
          return true;
        }
      }
      if (!enter_first_survey_page_from(doc_ + 1)) go(Screen::kReview);
      return true;
    }
    default:
      return false;
  }
}

bool Flow::back() {
  // A section opened from review: back from its first screen returns to review.
  if (editing_) {
    bool first = false;
    switch (*editing_) {
      case ReviewSection::kConsents:
        first = screen_ == Screen::kConsentChoose && doc_ == 0;
        break;
      case ReviewSection::kIdentity:
        first = screen_ == Screen::kIdentity;
        break;
      case ReviewSection::kSignature:
        first = screen_ == Screen::kSignature;
        break;
      case ReviewSection::kSurveys: {
        bool earlier = false;
        for (int s = 0; s < doc_ && !earlier; ++s) earlier = !survey_pages(s).empty();
        for (int p : survey_pages(doc_)) earlier = earlier || p < page_item_;
        first = screen_ == Screen::kSurvey && !earlier;
        break;
      }
    }
    if (first) {
      go(Screen::kReview);
      return true;
    }
  }
  switch (screen_) {
    case Screen::kLanguage:
      // Nothing was entered yet but language, size and contrast: back to a clean attract.
      wipe();
      return true;
    case Screen::kParticipation:
      go(Screen::kLanguage);
      return true;
    case Screen::kSigner:
      go(Screen::kParticipation);
      return true;
    case Screen::kConsentRead:
      if (doc_ == 0)
        go(Screen::kSigner);
      else
        enter_consent_choose(doc_ - 1);
      return true;
    case Screen::kConsentChoose:
      enter_consent_read(doc_);
      return true;
    case Screen::kComprehension: {
      int prev = -1;
      for (int q : comprehension_questions())
        if (q < page_item_) prev = q;
      if (prev >= 0)
        set_comprehension_item(prev);
      else if (!consents_.empty())
        enter_consent_choose(static_cast<int>(consents_.size()) - 1);
      else
        go(Screen::kSigner);
      return true;
    }
    case Screen::kIdentity:
      enter_before_identity();
      return true;
    case Screen::kSignature:
      enter_identity();
      return true;
    case Screen::kSurvey: {
      int prev = -1;
      for (int p : survey_pages(doc_))
        if (p < page_item_) prev = p;
      if (prev >= 0)
        set_survey_page(doc_, prev);
      else if (!enter_last_survey_page_before(doc_))
        go(Screen::kSignature);
      return true;
    }
    case Screen::kReview:
      if (!enter_last_survey_page_before(static_cast<int>(surveys_.size()))) go(Screen::kSignature);
      return true;
    default:
      return false;  // attract, submitting, thank-you, submit-failed
  }
}

// ---- validation -----------------------------------------------------------------------------

bool Flow::validate_current() {
  std::vector<ValidationMessage> out;
  switch (screen_) {
    case Screen::kConsentRead:
      if (!end_reached_) out.push_back({"", "read-to-end", in_lang(lang_, kReadToEnd)});
      break;
    case Screen::kConsentChoose:
      out = consents_[static_cast<std::size_t>(doc_)].validate_all();
      break;
    case Screen::kComprehension:
      out = comprehension_->validate_item(page_item_);
      if (out.empty() && !comprehension_correct(page_item_)) {
        out.push_back(
            {comprehension_->questionnaire().items[static_cast<std::size_t>(page_item_)].link_id,
             "comprehension", in_lang(lang_, kWrongAnswer)});
        explanation_shown_ = true;
      }
      break;
    case Screen::kIdentity:
      out = identity_messages();
      break;
    case Screen::kSignature:
      if (!signature_has_enough_ink())
        out.push_back({"signature", "signature", in_lang(lang_, kSignatureTooSmall)});
      break;
    case Screen::kSurvey:
      out = surveys_[static_cast<std::size_t>(doc_)].validate_subtree(page_item_);
      break;
    default:
      break;
  }
  validation_ = std::move(out);
  return validation_.empty();
}

bool Flow::comprehension_correct(int item) const {
  const forms::Item& it = comprehension_->questionnaire().items[static_cast<std::size_t>(item)];
  const std::vector<forms::Value>& given = comprehension_->answers(item);
  if (given.size() != 1) return false;
  for (const forms::AnswerOption& o : it.options)
    if (o.correct && forms::compare_values(o.value, given.front()) == 0) return true;
  return false;
}

std::vector<ValidationMessage> Flow::identity_messages() const {
  std::vector<ValidationMessage> out;
  auto add = [&](const char* field, const char* code, Text t) {
    out.push_back({field, code, in_lang(lang_, t)});
  };
  auto name = [&](const std::string& v, const char* field, Text required) {
    if (blank(v))
      add(field, "required", required);
    else if (utf8_length(v) > kMaxNameChars)
      add(field, "max-length", kNameTooLong);
    else if (has_control_char(v))
      add(field, "invalid", kNameInvalid);
  };
  auto phone = [&](const std::string& v, const char* field) {
    if (blank(v))
      add(field, "required", kPhoneRequired);
    else if (!korean_mobile(v))
      add(field, "phone", kPhoneInvalid);
  };

  const forms::PatientDetails& p = identity_.patient;
  name(p.family, "family", kFamilyRequired);
  name(p.given, "given", kGivenRequired);
  bool birth_ok = false;
  if (p.birth_date.empty()) {
    add("birth_date", "required", kBirthRequired);
  } else if (p.birth_date.size() != 10 || !forms::is_fhir_date(p.birth_date)) {
    add("birth_date", "date", kBirthInvalid);
  } else if (p.birth_date > korea_date(now_ms_)) {
    add("birth_date", "date-future", kBirthFuture);
  } else if (p.birth_date < "1900-01-01") {
    add("birth_date", "date-range", kBirthTooEarly);
  } else {
    birth_ok = true;
  }
  if (p.gender.empty())
    add("gender", "required", kGenderRequired);
  else if (!one_of(kGenders, p.gender))
    add("gender", "option", kGenderRequired);
  phone(p.phone, "phone");

  if (rrn_requested()) {
    if (blank(identity_.rrn)) {
      add("rrn", "required", kRrnRequired);
    } else {
      // Without a valid birth date the number cannot be compared; the birth date message
      // already asks for a correction, and the number is checked again after it.
      const RrnCheck r =
          birth_ok ? check_rrn(identity_.rrn, p.birth_date)
                   : (rrn_digits(identity_.rrn).empty() ? RrnCheck::kInvalid : RrnCheck::kOk);
      if (r == RrnCheck::kInvalid)
        add("rrn", "rrn", kRrnInvalid);
      else if (r == RrnCheck::kBirthMismatch)
        add("rrn", "rrn-birth-date", kRrnBirthMismatch);
    }
  }

  if (representative_) {
    if (!identity_.representative) {
      add("representative", "required", kRepresentativeRequired);
    } else {
      const forms::Representative& r = *identity_.representative;
      name(r.family, "representative.family", kFamilyRequired);
      name(r.given, "representative.given", kGivenRequired);
      if (r.relationship.empty())
        add("representative.relationship", "required", kRelationshipRequired);
      else if (!one_of(kRelationships, r.relationship))
        add("representative.relationship", "option", kRelationshipRequired);
      phone(r.phone, "representative.phone");
    }
  }
  return out;
}

std::vector<ValidationMessage> Flow::everything_messages() const {
  std::vector<ValidationMessage> out;
  auto append = [&](std::vector<ValidationMessage> part) {
    out.insert(out.end(), part.begin(), part.end());
  };
  for (const FormSession& s : consents_) append(s.validate_all());
  if (comprehension_) {
    for (int q : comprehension_questions())
      if (!comprehension_correct(q))
        out.push_back({comprehension_->questionnaire().items[static_cast<std::size_t>(q)].link_id,
                       "comprehension", in_lang(lang_, kWrongAnswer)});
  }
  append(identity_messages());
  if (!signature_has_enough_ink())
    out.push_back({"signature", "signature", in_lang(lang_, kSignatureTooSmall)});
  for (const FormSession& s : surveys_) append(s.validate_all());
  return out;
}

// ---- moving between screens -----------------------------------------------------------------

void Flow::go(Screen s) {
  screen_ = s;
  validation_.clear();
  explanation_shown_ = false;
  if (s == Screen::kReview) editing_.reset();
}

void Flow::enter_consent_read(int doc) {
  doc_ = doc;
  page_ = 0;
  page_item_ = -1;
  end_reached_ = doc_read_[static_cast<std::size_t>(doc)] != 0;
  go(Screen::kConsentRead);
}

void Flow::enter_consent_choose(int doc) {
  doc_ = doc;
  page_ = 0;
  page_item_ = -1;
  end_reached_ = doc_read_[static_cast<std::size_t>(doc)] != 0;
  go(Screen::kConsentChoose);
}

void Flow::enter_after_consents() {
  std::vector<int> questions = comprehension_questions();
  if (questions.empty())
    enter_identity();
  else
    set_comprehension_item(questions.front());
}

void Flow::enter_before_identity() {
  std::vector<int> questions = comprehension_questions();
  if (!questions.empty())
    set_comprehension_item(questions.back());
  else if (!consents_.empty())
    enter_consent_choose(static_cast<int>(consents_.size()) - 1);
  else
    go(Screen::kSigner);
}

void Flow::enter_identity() {
  // The representative consent asks for the relationship (a v3 RoleCode choice); carry that
  // answer over so it is not asked twice. The identity screen can still change it.
  if (representative_ && identity_.representative &&
      identity_.representative->relationship.empty()) {
    for (const FormSession& s : consents_) {
      const forms::Questionnaire& q = s.questionnaire();
      for (std::size_t i = 0; i < q.items.size(); ++i) {
        if (!s.enabled(static_cast<int>(i))) continue;
        for (const forms::Value& v : s.answers(static_cast<int>(i))) {
          const auto* c = std::get_if<forms::Coding>(&v);
          if (c && c->system == kRoleCodeSystem && one_of(kRelationships, c->code))
            identity_.representative->relationship = c->code;
        }
      }
    }
  }
  doc_ = 0;
  page_ = 0;
  page_item_ = -1;
  go(Screen::kIdentity);
}

void Flow::set_comprehension_item(int item) {
  std::vector<int> questions = comprehension_questions();
  auto at = std::find(questions.begin(), questions.end(), item);
  doc_ = 0;
  page_item_ = item;
  page_ = static_cast<int>(at - questions.begin());
  go(Screen::kComprehension);
}

void Flow::set_survey_page(int survey, int item) {
  std::vector<int> pages = survey_pages(survey);
  auto at = std::find(pages.begin(), pages.end(), item);
  doc_ = survey;
  page_item_ = item;
  page_ = static_cast<int>(at - pages.begin());
  go(Screen::kSurvey);
}

bool Flow::enter_first_survey_page_from(int survey) {
  for (int s = survey; s < static_cast<int>(surveys_.size()); ++s) {
    std::vector<int> pages = survey_pages(s);
    if (!pages.empty()) {
      set_survey_page(s, pages.front());
      return true;
    }
  }
  return false;
}

bool Flow::enter_last_survey_page_before(int survey) {
  for (int s = survey - 1; s >= 0; --s) {
    std::vector<int> pages = survey_pages(s);
    if (!pages.empty()) {
      set_survey_page(s, pages.back());
      return true;
    }
  }
  return false;
}

// ---- the journey's data ---------------------------------------------------------------------

std::string Flow::session_language(const forms::Questionnaire& q) const {
  return std::find(q.languages.begin(), q.languages.end(), lang_) != q.languages.end() ? lang_
                                                                                       : q.language;
}

void Flow::start_journey() {
  // Choosing again after going back starts the documents afresh.
  for (FormSession& s : consents_) s.wipe();
  consents_.clear();
  if (comprehension_) comprehension_->wipe();
  comprehension_.reset();
  for (FormSession& s : surveys_) s.wipe();
  surveys_.clear();
  editing_.reset();

  // Consent documents in package order. A representative signs the representative variant;
  // the i-th variant stands for the i-th document, and a document without one is signed as is.
  std::vector<const forms::Questionnaire*> self_docs, rep_docs;
  for (const forms::Questionnaire& q : package_->questionnaires) {
    if (q.role == "consent")
      self_docs.push_back(&q);
    else if (q.role == "consent-representative")
      rep_docs.push_back(&q);
  }
  std::vector<const forms::Questionnaire*> docs = self_docs;
  if (representative_) {
    for (std::size_t i = 0; i < rep_docs.size(); ++i) {
      if (i < docs.size())
        docs[i] = rep_docs[i];
      else
        docs.push_back(rep_docs[i]);
    }
  }
  consents_.reserve(docs.size());
  for (const forms::Questionnaire* q : docs) consents_.emplace_back(*q, session_language(*q));
  doc_read_.assign(docs.size(), 0);
  if (const forms::Questionnaire* c = package_->first("comprehension"))
    comprehension_ = std::make_unique<FormSession>(*c, session_language(*c));
  for (const forms::Questionnaire& q : package_->questionnaires)
    if (q.role == "survey") surveys_.emplace_back(q, session_language(q));

  if (representative_ && !identity_.representative) identity_.representative.emplace();
  if (!representative_ && identity_.representative) {
    wipe_representative(*identity_.representative);
    identity_.representative.reset();
  }
}

forms::EnrollmentContent Flow::enrollment(const std::string& enrollment_id,
                                          const std::string& now) const {
  forms::EnrollmentContent c;
  c.enrollment_id = enrollment_id;
  c.participation_type = type_;
  c.language = lang_;
  c.patient = identity_.patient;
  if (representative_ && identity_.representative) c.representative = *identity_.representative;
  // The resident registration number has no place in EnrollmentContent (nor in the Bundle);
  // it stays out until the data bank defines how it is carried.
  const std::string patient_ref = forms::enrollment_resource_ref(enrollment_id, "patient");
  const forms::ConsentContext ctx{
      package_ ? package_->policy() : std::string(), patient_ref,
      c.representative ? forms::enrollment_resource_ref(enrollment_id, "representative")
                       : patient_ref,
      now};
  for (const FormSession& s : consents_) c.consents.push_back(forms::make_consent(s, ctx));
  // One QuestionnaireResponse per form, in package order: consent documents (DESIGN.md 4),
  // the comprehension check, the surveys.
  for (const FormSession& s : consents_)
    c.responses.push_back(forms::make_questionnaire_response(s, now));
  if (comprehension_)
    c.responses.push_back(forms::make_questionnaire_response(*comprehension_, now));
  for (const FormSession& s : surveys_)
    c.responses.push_back(forms::make_questionnaire_response(s, now));
  c.signature = signature_;
  if (c.signature.signed_at.empty()) c.signature.signed_at = now;
  return c;
}

void Flow::wipe_personal_data() {
  wipe_patient(identity_.patient);
  wipe_all(identity_.rrn);
  if (identity_.representative) wipe_representative(*identity_.representative);
  identity_.representative.reset();

  for (FormSession& s : consents_) s.wipe();
  consents_.clear();
  if (comprehension_) comprehension_->wipe();
  comprehension_.reset();
  for (FormSession& s : surveys_) s.wipe();
  surveys_.clear();
  doc_read_.clear();

  // Stroke points are plain floats: zero the whole buffer (capacity, not only size).
  for (forms::Stroke& st : signature_.strokes)
    platform::wipe(st.data(), st.capacity() * sizeof(forms::StrokePoint));
  signature_.strokes.clear();
  platform::wipe(signature_.png.data(), signature_.png.capacity());
  signature_.png.clear();
  signature_.pad_width_px = 0;
  signature_.pad_height_px = 0;
  wipe_all(signature_.signed_at);
}

void Flow::wipe() {
  wipe_personal_data();
  screen_ = Screen::kAttract;
  overlay_ = Overlay::kNone;
  lang_ = "ko";
  text_scale_ = 100;
  high_contrast_ = false;
  type_.clear();
  representative_ = false;
  package_ = nullptr;
  doc_ = 0;
  page_ = 0;
  page_item_ = -1;
  end_reached_ = false;
  explanation_shown_ = false;
  editing_.reset();
  last_input_ms_ = 0;
  warning_deadline_ms_ = 0;
  extensions_used_ = 0;
  validation_.clear();
}

}  // namespace kiosk
