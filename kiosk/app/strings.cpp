#include "strings.h"

#include <array>
#include <utility>

namespace kiosk::app {
namespace {

struct Pair {
  S id;
  const char* ko;
  const char* en;
};

// One row per text; checked at start-up (strings_complete) so that none is missing.
constexpr Pair kTexts[] = {
    {S::kAppTitle, "국가 바이오 빅데이터 구축사업 참여 신청", "National Bio Big Data Project: sign up"},
    {S::kTouchToStart, "화면을 눌러 시작하세요", "Touch the screen to start"},
    {S::kTouchToStartSub, "참여 동의, 본인 정보, 설문을 이 화면에서 진행합니다. 약 20분 걸립니다.",
     "You will read the consent, enter your details and answer a survey here. About 20 minutes."},
    {S::kPreparing, "준비 중입니다. 잠시만 기다려 주세요.", "Getting ready. Please wait a moment."},
    {S::kChooseLanguage, "언어를 고르세요", "Choose your language"},
    {S::kTextSize, "글자 크기", "Text size"},
    {S::kTextNormal, "보통", "Normal"},
    {S::kTextLarge, "크게", "Large"},
    {S::kTextLargest, "아주 크게", "Largest"},
    {S::kHighContrast, "고대비 화면", "High contrast"},
    {S::kOn, "켜짐", "On"},
    {S::kOff, "꺼짐", "Off"},
    {S::kNext, "다음", "Next"},
    {S::kBack, "이전", "Back"},
    {S::kHome, "처음으로", "Start over"},
    {S::kCallStaff, "직원 호출", "Call staff"},
    {S::kAgree, "동의합니다", "I agree"},
    {S::kScrollDown, "아래로 더 보기", "Show more"},
    {S::kReadToEnd, "끝까지 읽으면 '동의합니다' 버튼을 누를 수 있습니다.",
     "When you have read to the end, you can press 'I agree'."},
    {S::kRequired, "필수", "Required"},
    {S::kOptional, "선택", "Optional"},
    {S::kChooseType, "참여 유형을 고르세요", "Which group are you joining?"},
    {S::kTypeRare, "희귀질환", "Rare disease"},
    {S::kTypeRareSub, "희귀질환 환자와 가족", "Patients with a rare disease and their family"},
    {S::kTypeSevere, "중증질환", "Severe disease"},
    {S::kTypeSevereSub, "암, 심뇌혈관질환 등 중증질환 환자", "Patients with cancer, heart or brain disease and others"},
    {S::kTypeGeneral, "일반 참여자", "General participant"},
    {S::kTypeGeneralSub, "질환과 관계없이 참여하는 분", "Anyone joining regardless of illness"},
    {S::kWhoSigns, "누가 동의서에 서명하나요?", "Who is signing the consent?"},
    {S::kSelf, "본인", "Myself"},
    {S::kSelfSub, "참여자 본인이 직접 서명합니다", "I am the participant and I sign for myself"},
    {S::kRepresentative, "법정대리인", "Legal representative"},
    {S::kRepresentativeSub, "보호자가 참여자(미성년자 등)를 대신하여 서명합니다",
     "I sign for the participant (for example, my child)"},
    {S::kConsentRead, "동의서 읽기", "Read the consent"},
    {S::kConsentChoose, "동의 항목 선택", "Your choices"},
    {S::kAgreeItem, "동의함", "I agree"},
    {S::kDisagreeItem, "동의하지 않음", "I do not agree"},
    {S::kQuestion, "궁금한 점이 있어요", "I have a question"},
    {S::kQuestionCallStaff, "궁금한 점이 있어요 - 직원 호출", "I have a question - call staff"},
    {S::kComprehension, "이해 확인", "Check your understanding"},
    {S::kCorrect, "맞았습니다", "Correct"},
    {S::kTryAgain, "다시 골라 주세요", "Please choose again"},
    {S::kIdentity, "본인 정보", "Your details"},
    {S::kFamilyName, "성", "Family name"},
    {S::kGivenName, "이름", "Given name"},
    {S::kBirthDate, "생년월일", "Date of birth"},
    {S::kSex, "성별", "Sex"},
    {S::kMale, "남성", "Male"},
    {S::kFemale, "여성", "Female"},
    {S::kMobile, "휴대전화 번호", "Mobile phone"},
    {S::kRrn, "주민등록번호", "Resident registration number"},
    {S::kRrnHint, "화면에는 가려서 표시됩니다", "It is hidden on the screen"},
    {S::kRepFamily, "대리인 성", "Representative's family name"},
    {S::kRepGiven, "대리인 이름", "Representative's given name"},
    {S::kRelationship, "참여자와의 관계", "Relationship to the participant"},
    {S::kRepPhone, "대리인 휴대전화", "Representative's mobile"},
    {S::kYear, "년", "Year"},
    {S::kMonth, "월", "Month"},
    {S::kDay, "일", "Day"},
    {S::kSignature, "서명", "Signature"},
    {S::kSignHere, "아래 칸에 손가락으로 서명해 주세요", "Sign in the box below with your finger"},
    {S::kClear, "지우기", "Clear"},
    {S::kSignatureTooShort, "서명이 너무 짧습니다. 조금 더 크게 써 주세요.", "The signature is too short. Please sign a little larger."},
    {S::kSurvey, "설문", "Survey"},
    {S::kPage, "쪽", "Page"},
    {S::kOf, "/", "of"},
    {S::kYes, "예", "Yes"},
    {S::kNo, "아니오", "No"},
    {S::kReview, "확인하고 제출하기", "Check and submit"},
    {S::kEdit, "고치기", "Change"},
    {S::kConsents, "동의 항목", "Consent choices"},
    {S::kSurveys, "설문 응답", "Survey answers"},
    {S::kSubmit, "제출하기", "Submit"},
    {S::kSubmitting, "안전하게 저장하고 있습니다...", "Saving securely..."},
    {S::kThankYou, "참여해 주셔서 감사합니다", "Thank you for taking part"},
    {S::kThankYouSub, "간호사에게 가서 신분증을 보여 주세요. 채혈과 소변 검체 키트를 안내해 드립니다.",
     "Please go to the nurse with your ID card. The nurse will guide you to the blood and urine kit."},
    {S::kDone, "마치기", "Finish"},
    {S::kSubmitFailed, "저장하지 못했습니다", "We could not save it yet"},
    {S::kSubmitFailedSub, "입력하신 내용은 그대로 있습니다. 직원을 불러 주세요.",
     "Nothing you entered is lost. Please call a member of staff."},
    {S::kRetry, "다시 시도", "Try again"},
    {S::kConfirmCancelTitle, "처음으로 돌아갈까요?", "Start over?"},
    {S::kConfirmCancelSub, "지금까지 입력한 내용은 모두 지워집니다.", "Everything you entered will be erased."},
    {S::kYesCancel, "예, 지우고 처음으로", "Yes, erase and start over"},
    {S::kNoContinue, "아니요, 계속하기", "No, continue"},
    {S::kStaffComing, "직원을 불렀습니다", "Staff have been called"},
    {S::kStaffComingSub, "잠시만 기다려 주세요. 직원이 곧 도와드립니다.", "Please wait. Someone will come to help you."},
    {S::kClose, "닫기", "Close"},
    {S::kIdleTitle, "계속하시겠어요?", "Are you still there?"},
    {S::kIdleSub, "시간이 지나면 입력한 내용이 지워지고 처음 화면으로 돌아갑니다.",
     "When the time runs out, what you entered is erased and the kiosk starts over."},
    {S::kMoreTime, "시간 더 쓰기", "More time"},
    {S::kSecondsLeft, "초 남음", "seconds left"},
    {S::kKeyboardSpace, "띄어쓰기", "Space"},
    {S::kKeyboardDone, "입력 완료", "Done"},
    {S::kKeyboardLang, "한/영", "Han/Eng"},
    {S::kEntered, "입력됨", "entered"},
    {S::kNotEntered, "입력 안 됨", "not entered"},
    {S::kAnswered, "응답함", "answered"},
    {S::kNotAnswered, "응답 안 함", "not answered"},
    {S::kProgress, "진행", "Progress"},
    {S::kSignerIs, "서명자", "Signed by"},
    {S::kNoPackage, "이 유형의 동의서가 설치되어 있지 않습니다. 직원을 불러 주세요.",
     "The consent for this group is not installed. Please call staff."},
    {S::kRelMother, "어머니", "Mother"},
    {S::kRelFather, "아버지", "Father"},
    {S::kRelGuardian, "후견인", "Guardian"},
    {S::kRelSpouse, "배우자", "Spouse"},
    {S::kRelChild, "자녀", "Child"},
    {S::kRelSibling, "형제자매", "Sibling"},
    {S::kRelGrandparent, "조부모", "Grandparent"},
    {S::kRelFamily, "기타 가족", "Other family"},
    {S::kSignatureDone, "서명됨", "signed"},
    {S::kLowLayout, "낮은 화면 (휠체어, 키가 작은 분)", "Low layout (wheelchair, short reach)"},
    {S::kLowLayoutOn, "낮은 화면: 아래쪽만 사용합니다", "Low layout: only the lower part is used"},
    {S::kVoiceSpot, "음성 안내: 여기를 2초 누르거나 키패드 0번", "Voice guidance: hold here 2 s, or keypad 0"},
    {S::kInstrLanguage, "언어, 글자 크기, 화면 대비, 낮은 화면을 고른 뒤 다음을 누르세요.",
     "Choose the language, text size, contrast and low layout, then press Next."},
    {S::kInstrChoose, "하나를 고르세요.", "Choose one."},
    {S::kInstrRead, "문서를 끝까지 들은 뒤 동의를 누르세요. 키패드 1번은 멈춤과 다시 시작, 0번은 다시 듣기, 7번과 9번은 앞뒤 문단입니다.",
     "Listen to the document to the end, then press Agree. Keypad 1 pauses and resumes, 0 repeats, 7 and 9 go to the previous "
     "and next paragraph."},
    {S::kInstrForm, "각 항목에 답한 뒤 다음을 누르세요.", "Answer each item, then press Next."},
    {S::kInstrIdentity, "이름, 생년월일, 휴대전화, 성별을 입력한 뒤 다음을 누르세요. 숫자 칸에서는 키패드 숫자로 입력합니다.",
     "Enter your name, date of birth, mobile phone and sex, then press Next. In a number field, type with the keypad digits."},
    {S::kInstrSignature, "서명 칸에 서명하세요. 키패드로는 서명 칸에서 5번을 누르면 서명 표시가 그려집니다.",
     "Sign in the box. With the keypad, press 5 on the signature box to make your mark."},
    {S::kInstrReview, "내용을 확인한 뒤 제출을 누르세요.", "Check your answers, then press Submit."},
    {S::kKeyDigit, "숫자", "digit"},
};
static_assert(std::size(kTexts) == static_cast<std::size_t>(S::kCount), "every S needs a row in kTexts");

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < std::size(kTexts); ++i)
    if (static_cast<std::size_t>(kTexts[i].id) != i) return false;
  return true;
}
static_assert(rows_in_order(), "kTexts rows must follow the order of enum S");

}  // namespace

const char* tr(S id, const std::string& lang) {
  const Pair& p = kTexts[static_cast<std::size_t>(id)];
  return lang == "en" ? p.en : p.ko;
}

}  // namespace kiosk::app
