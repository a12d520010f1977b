#include "staff_ui.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "platform/crypto.h"

#ifndef KIOSK_APP_VERSION
#define KIOSK_APP_VERSION "unknown"
#endif

namespace kiosk::app {
namespace {

// ---------------------------------------------------------------------------------------------
// Strings of the staff screens, Korean and English. "{}" is replaced by fmt()'s arguments in
// order. Kept here, apart from the participant's strings (strings.cpp).
enum Sx : int {
  kSignInTitle,
  kPickName,
  kNoAccounts,
  kNoPepper,
  kLockedTag,
  kRoleNurse,
  kRoleIt,
  kCancel,
  kEnterPinFor,
  kOtherName,
  kOk,
  kChecking,
  kWrongPin,
  kWaitSeconds,
  kLockedOut,
  kAccountLocked,
  kUnknownAccount,
  kSignInFailed,
  kPinTooShort,
  kPendingTitle,
  kNoCards,
  kLock,
  kRefresh,
  kSubmitted,
  kMinutesAgo,
  kBorn,
  kRepresentative,
  kTypeRare,
  kTypeSevere,
  kTypeGeneral,
  kIdDoc,
  kDocResident,
  kDocDriver,
  kDocPassport,
  kDocAlien,
  kDocOther,
  kNameMatches,
  kBirthMatches,
  kRepIdDoc,
  kRepNameMatches,
  kRelationshipOk,
  kKits,
  kBlood,
  kUrine,
  kScanFirst,
  kScanAgain,
  kKitConfirmed,
  kTypeCode,
  kClear,
  kScanHint,
  kList,
  kRejectOpen,
  kConfirmVerified,
  kStillNeeded,
  kNeedDoc,
  kNeedName,
  kNeedBirth,
  kNeedRepDoc,
  kNeedRepName,
  kNeedRel,
  kNeedKit,
  kNeedSecond,
  kVerifiedNotice,
  kRejectedNotice,
  kRejectTitle,
  kReasonName,
  kReasonBirth,
  kReasonDoc,
  kReasonNoDoc,
  kReasonRep,
  kReasonWithdrew,
  kReasonOther,
  kRejectConfirm,
  kBack,
  kStatusTitle,
  kDevice,
  kSite,
  kServer,
  kServerOk,
  kServerFailing,
  kServerNone,
  kServerNotYet,
  kQueue,
  kQueueLine,
  kNextAttempt,
  kNever,
  kClockOffset,
  kPackages,
  kFreeDisk,
  kAppVersion,
  kSyncNow,
  kSyncAsked,
  kLockedAccounts,
  kUnlock,
  kNoneLocked,
  kUnlocked,
  kCardsWaiting,
  kLocksIn,
  kLanguage,
  kKeyDone,
  kKeyLang,
  kKeySpace,
  kScanFirstOk,
  kScanConfirmedOk,
  kScanMismatch,
  kScanInvalid,
  kScanWrongKind,
  kScanAlreadyLinked,
  kScanAlreadyHere,
  kCardGone,
  kTypedTitle,
  kNotReady,
  kHoldHint,
  kAcked,
  kConflicts,
  kScanner,
  kScannerOwn,
  kScannerBursts,
  kScannerDown,
  kScanDropped,
  kCount
};

struct Text {
  Sx id;
  const char* ko;
  const char* en;
};

constexpr Text kTexts[] = {
    {kSignInTitle, "직원 로그인", "Staff sign-in"},
    {kPickName, "이름을 누르세요", "Tap your name"},
    {kNoAccounts, "이 기기에 직원 계정이 없습니다. IT 담당자가 kioskctl staff add 로 만듭니다.",
     "No staff accounts on this device. IT adds them with kioskctl staff add."},
    {kNoPepper, "PIN 키 파일(keys/staff.pepper)을 읽을 수 없습니다: ",
     "The PIN key file (keys/staff.pepper) cannot be read: "},
    {kLockedTag, "잠김", "locked"},
    {kRoleNurse, "간호사", "nurse"},
    {kRoleIt, "IT", "IT"},
    {kCancel, "취소", "Cancel"},
    {kEnterPinFor, "{}: PIN을 입력하세요", "{}: enter your PIN"},
    {kOtherName, "\u2190 다른 이름", "\u2190 Other name"},
    {kOk, "확인", "OK"},
    {kChecking, "PIN 확인 중\u2026", "Checking the PIN\u2026"},
    {kWrongPin, "PIN이 틀렸습니다. 계정이 잠기기 전까지 {}번 남았습니다.",
     "Wrong PIN. {} tries left before the account locks."},
    {kWaitSeconds, "{}초 뒤에 다시 입력하세요.", "Try again in {} s."},
    {kLockedOut, "PIN이 5번 틀려 계정이 잠겼습니다. IT 담당자에게 잠금 해제를 요청하세요.",
     "5 wrong PINs: the account is now locked. Ask IT to unlock it."},
    {kAccountLocked, "이 계정은 잠겨 있습니다. IT 담당자에게 잠금 해제를 요청하세요.",
     "This account is locked. Ask IT to unlock it."},
    {kUnknownAccount, "이 계정은 더 이상 없습니다.", "This account no longer exists."},
    {kSignInFailed, "PIN을 확인하지 못했습니다: ", "The PIN could not be checked: "},
    {kPinTooShort, "PIN은 6자리 이상입니다.", "A PIN has at least 6 digits."},
    {kPendingTitle, "신원 확인 대기 ({}명)", "Waiting for ID check ({})"},
    {kNoCards, "신원 확인을 기다리는 참여자가 없습니다.", "Nobody is waiting for an ID check."},
    {kLock, "잠금", "Lock"},
    {kRefresh, "새로고침", "Refresh"},
    {kSubmitted, "{} 제출", "submitted {}"},
    {kMinutesAgo, "{}분 전", "{} min ago"},
    {kBorn, "생년월일", "born"},
    {kRepresentative, "법정대리인", "Legal representative"},
    {kTypeRare, "희귀질환", "Rare disease"},
    {kTypeSevere, "중증질환", "Severe disease"},
    {kTypeGeneral, "일반", "General"},
    {kIdDoc, "확인한 신분증", "ID document checked"},
    {kDocResident, "주민등록증", "Resident card"},
    {kDocDriver, "운전면허증", "Driver's licence"},
    {kDocPassport, "여권", "Passport"},
    {kDocAlien, "외국인등록증", "Alien reg. card"},
    {kDocOther, "기타", "Other"},
    {kNameMatches, "이름 일치", "Name matches"},
    {kBirthMatches, "생년월일 일치", "Birth date matches"},
    {kRepIdDoc, "법정대리인의 신분증", "Representative's ID document"},
    {kRepNameMatches, "대리인 이름 일치", "Representative's name matches"},
    {kRelationshipOk, "관계 확인", "Relationship confirmed"},
    {kKits, "검체 키트: 바코드를 스캔하세요 (키트마다 두 번)",
     "Specimen kits: scan each barcode twice"},
    {kBlood, "혈액 튜브", "Blood tube"},
    {kUrine, "소변 컵", "Urine cup"},
    {kScanFirst, "스캔 전", "not scanned"},
    {kScanAgain, "한 번 더 스캔: {}", "scan again: {}"},
    {kKitConfirmed, "확인됨 {}", "confirmed {}"},
    {kTypeCode, "직접 입력", "Type code"},
    {kClear, "지우기", "Clear"},
    {kScanHint, "스캐너가 읽지 못하면 '직접 입력'으로 바코드 아래 글자를 입력하세요.",
     "If the scanner cannot read it, tap 'Type code' and type the text under the barcode."},
    {kList, "\u2190 목록", "\u2190 List"},
    {kRejectOpen, "거부\u2026", "Reject\u2026"},
    {kConfirmVerified, "\u221A 확인 완료", "\u221A Confirm verified"},
    {kStillNeeded, "아직 필요: {}", "Still needed: {}"},
    {kNeedDoc, "신분증 종류", "ID document"},
    {kNeedName, "이름 확인", "name check"},
    {kNeedBirth, "생년월일 확인", "birth date check"},
    {kNeedRepDoc, "대리인 신분증", "representative's ID"},
    {kNeedRepName, "대리인 이름", "representative's name"},
    {kNeedRel, "관계 확인", "relationship"},
    {kNeedKit, "키트 1개 이상", "at least one kit"},
    {kNeedSecond, "키트 두 번째 스캔", "the second scan of a kit"},
    {kVerifiedNotice, "확인 완료: 결과가 전송 대기열에 들어갔습니다 (키트 {}개 연결).",
     "Verified: the result is queued for the data bank ({} kit(s) linked)."},
    {kRejectedNotice, "거부됨: 결과가 전송 대기열에 들어갔습니다.",
     "Rejected: the result is queued for the data bank."},
    {kRejectTitle, "거부 사유를 고르세요", "Why is this enrollment rejected?"},
    {kReasonName, "이름이 신분증과 다름", "Name does not match the ID"},
    {kReasonBirth, "생년월일이 신분증과 다름", "Birth date does not match the ID"},
    {kReasonDoc, "신분증을 인정할 수 없음", "ID document not accepted"},
    {kReasonNoDoc, "신분증 없음", "No ID document"},
    {kReasonRep, "법정대리인 확인 안 됨", "Representative not verified"},
    {kReasonWithdrew, "참여 철회", "Participant withdrew"},
    {kReasonOther, "기타", "Other"},
    {kRejectConfirm, "거부 확정", "Reject"},
    {kBack, "\u2190 돌아가기", "\u2190 Back"},
    {kStatusTitle, "기기 상태", "Device status"},
    {kDevice, "기기", "Device"},
    {kSite, "기관", "Site"},
    {kServer, "서버", "Server"},
    {kServerOk, "정상 (마지막 성공 {})", "OK (last success {})"},
    {kServerFailing, "연결 안 됨 ({}번 연속 실패): {}", "not reached ({} failures in a row): {}"},
    {kServerNone, "서버 없음: USB로 옮기세요 (kioskctl export)",
     "no server: move records by USB (kioskctl export)"},
    {kServerNotYet, "아직 시도하지 않음", "not tried yet"},
    {kQueue, "전송 대기", "Queue"},
    {kQueueLine, "{}건, {}, 가장 오래된 것 {}", "{} waiting, {}, oldest {}"},
    {kNextAttempt, "다음 시도", "Next attempt"},
    {kNever, "없음", "none"},
    {kClockOffset, "시계 보정", "Clock offset"},
    {kPackages, "프로토콜", "Protocols"},
    {kFreeDisk, "남은 디스크", "Free disk"},
    {kAppVersion, "앱 버전", "App version"},
    {kSyncNow, "지금 동기화", "Sync now"},
    {kSyncAsked, "동기화를 시작했습니다.", "Sync started."},
    {kLockedAccounts, "잠긴 계정", "Locked accounts"},
    {kUnlock, "잠금 해제: {}", "Unlock {}"},
    {kNoneLocked, "없음", "none"},
    {kUnlocked, "잠금을 해제했습니다.", "Unlocked."},
    {kCardsWaiting, "신원 확인 대기", "Waiting for ID check"},
    {kLocksIn, "자동 잠금 {}", "locks in {}"},
    {kLanguage, "English", "한국어"},
    {kKeyDone, "입력", "Enter"},
    {kKeyLang, "한/영", "한/A"},
    {kKeySpace, "띄어쓰기", "space"},
    {kScanFirstOk, "{}: 한 번 더 스캔하세요.", "{}: scan it again to confirm."},
    {kScanConfirmedOk, "{}: 확인됨.", "{}: confirmed."},
    {kScanMismatch, "두 번째 스캔이 다릅니다 ({}). 처음부터 다시 스캔하세요.",
     "The second scan differs ({}). Scan the kit again from the start."},
    {kScanInvalid, "키트 바코드가 아닙니다: {}. 잘못 읽혔거나 잘못 입력되었습니다. 다시 스캔하거나 입력하세요.",
     "Not a kit barcode: {}"},
    {kScanWrongKind, "다른 종류의 키트입니다: {}", "Wrong kind of kit: {}"},
    {kScanAlreadyLinked, "이미 다른 참여자에게 연결된 키트입니다: {}",
     "Already linked to another enrollment: {}"},
    {kScanAlreadyHere, "이미 이 참여자의 다른 칸에 있습니다: {}", "Already in the other slot: {}"},
    {kCardGone, "이 카드는 더 이상 없습니다 (만료되었거나 처리됨).",
     "This card is gone (expired or already done)."},
    {kTypedTitle, "키트 바코드", "Kit barcode"},
    {kNotReady, "준비 중입니다. 잠시 뒤에 다시 하세요.",
     "Still starting up. Try again in a moment."},
    {kHoldHint, "직원", "Staff"},
    {kAcked, "전송 완료 {}건, 충돌 {}건", "{} delivered, {} conflicts"},
    {kConflicts, "충돌", "conflicts"},
    {kScanner, "스캐너", "Scanner"},
    {kScannerOwn, "{} (전용 장치)", "{} (own device)"},
    {kScannerBursts, "키보드 입력 속도로 구분", "keyboard bursts"},
    {kScannerDown, "키보드 입력 속도로 구분 ({})", "keyboard bursts ({})"},
    {kScanDropped, "스캔을 읽지 못했습니다. 다시 스캔하세요. ({})",
     "The scan could not be read; scan again. ({})"},
};
static_assert(sizeof(kTexts) / sizeof(kTexts[0]) == kCount,
              "one Korean and one English string per id");

std::string fmt(std::string s, const std::vector<std::string>& args) {
  std::size_t at = 0;
  for (const std::string& a : args) {
    const std::size_t p = s.find("{}", at);
    if (p == std::string::npos) break;
    s.replace(p, 2, a);
    at = p + a.size();
  }
  return s;
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// --- scanner input (GLFW callbacks run on the UI thread, inside glfwPollEvents) --------------
struct KeyIn {
  char32_t ch;
  std::int64_t at_ms;
};
constexpr char32_t kBackspaceKey = 0x08;
// An Enter this long after the last printable key is a person's Enter (it activates the focused
// control); sooner, it ends a burst the detector did not take for a scan (a scanner slowed
// down, or typing without the code field): it must not press whatever has the focus.
constexpr std::int64_t kEnterQuietMs = 500;
std::vector<KeyIn> g_keys_in;  // drained by StaffUi::tick
bool g_capture = false;        // the verify screen is shown
bool g_drop_char = false;      // the next character comes from a navigation key (keypad digit)
GLFWcharfun g_prev_char = nullptr;
GLFWkeyfun g_prev_key = nullptr;

// Keys that navigate (on_key), never typed and never sent by a scanner in keyboard mode: they
// pass on to the frame loop even while the verify screen captures the keyboard. The keypad's
// Enter stays with the detector (a scanner may end a code with it).
bool navigation_key(int key) {
  return key == GLFW_KEY_TAB || key == GLFW_KEY_UP || key == GLFW_KEY_DOWN ||
         key == GLFW_KEY_LEFT || key == GLFW_KEY_RIGHT || key == GLFW_KEY_ESCAPE ||
         (key >= GLFW_KEY_KP_0 && key <= GLFW_KEY_KP_EQUAL && key != GLFW_KEY_KP_ENTER);
}

void char_callback(GLFWwindow* w, unsigned int cp) {
  if (g_capture) {
    if (g_drop_char) {  // the digit of a keypad key with NumLock on: it navigated instead
      g_drop_char = false;
      return;
    }
    if (g_keys_in.size() < 512) g_keys_in.push_back({static_cast<char32_t>(cp), steady_ms()});
    return;  // never to Dear ImGui
  }
  if (g_prev_char) g_prev_char(w, cp);
}

void key_callback(GLFWwindow* w, int key, int scancode, int action, int mods) {
  g_drop_char = false;
  if (g_capture && navigation_key(key)) {
    // GLFW delivers a key's character right after the key: drop it (a keypad 2 moves the focus,
    // it does not type "2" too).
    g_drop_char = action != GLFW_RELEASE;
    if (g_prev_key) g_prev_key(w, key, scancode, action, mods);
    return;
  }
  if (g_capture) {
    if (action != GLFW_RELEASE && (key == GLFW_KEY_ENTER || key == GLFW_KEY_KP_ENTER) &&
        g_keys_in.size() < 512)
      g_keys_in.push_back({kKeyEnter, steady_ms()});
    if (action != GLFW_RELEASE && key == GLFW_KEY_BACKSPACE && g_keys_in.size() < 512)
      g_keys_in.push_back({kBackspaceKey, steady_ms()});
    return;
  }
  if (g_prev_key) g_prev_key(w, key, scancode, action, mods);
}

std::string local_hhmm(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char b[16];
  std::snprintf(b, sizeof b, "%02d:%02d", tm.tm_hour, tm.tm_min);
  return b;
}

std::string human_bytes(std::int64_t n) {
  char b[32];
  if (n < 0) return "?";
  if (n < 1024)
    std::snprintf(b, sizeof b, "%lld B", static_cast<long long>(n));
  else if (n < 1024 * 1024)
    std::snprintf(b, sizeof b, "%.1f KB", static_cast<double>(n) / 1024.0);
  else if (n < 1024LL * 1024 * 1024)
    std::snprintf(b, sizeof b, "%.1f MB", static_cast<double>(n) / (1024.0 * 1024.0));
  else
    std::snprintf(b, sizeof b, "%.1f GB", static_cast<double>(n) / (1024.0 * 1024.0 * 1024.0));
  return b;
}

std::string human_age(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  char b[32];
  if (s < 120)
    std::snprintf(b, sizeof b, "%lld s", static_cast<long long>(s));
  else if (s < 7200)
    std::snprintf(b, sizeof b, "%lld min", static_cast<long long>(s / 60));
  else
    std::snprintf(b, sizeof b, "%lld h", static_cast<long long>(s / 3600));
  return b;
}

constexpr IdDocument kDocs[] = {IdDocument::kResidentCard, IdDocument::kDriversLicence,
                                IdDocument::kPassport, IdDocument::kAlienRegistrationCard,
                                IdDocument::kOther};
constexpr Sx kDocText[] = {kDocResident, kDocDriver, kDocPassport, kDocAlien, kDocOther};
constexpr RejectReason kReasons[] = {RejectReason::kNameMismatch,
                                     RejectReason::kBirthDateMismatch,
                                     RejectReason::kDocumentNotAccepted,
                                     RejectReason::kNoDocument,
                                     RejectReason::kRepresentativeNotVerified,
                                     RejectReason::kWithdrew,
                                     RejectReason::kOther};
constexpr Sx kReasonText[] = {kReasonName, kReasonBirth,    kReasonDoc,  kReasonNoDoc,
                              kReasonRep,  kReasonWithdrew, kReasonOther};

std::string relationship_label(const std::string& code, const std::string& lang) {
  struct R {
    const char *code, *ko, *en;
  };
  static constexpr R kRel[] = {
      {"MTH", "어머니", "mother"},        {"FTH", "아버지", "father"},
      {"GRPRN", "조부모", "grandparent"}, {"SIB", "형제자매", "sibling"},
      {"CHILD", "자녀", "child"},         {"SPS", "배우자", "spouse"},
      {"GUARD", "후견인", "guardian"},    {"FAMMEMB", "가족", "family member"}};
  for (const R& r : kRel)
    if (code == r.code) return lang == "ko" ? r.ko : r.en;
  return code;
}

}  // namespace

const char* staff_screen_name(StaffScreen s) {
  switch (s) {
    case StaffScreen::kClosed:
      return "closed";
    case StaffScreen::kAccounts:
      return "staff-accounts";
    case StaffScreen::kPin:
      return "staff-pin";
    case StaffScreen::kNurseHome:
      return "staff-home";
    case StaffScreen::kVerify:
      return "staff-verify";
    case StaffScreen::kReject:
      return "staff-reject";
    case StaffScreen::kItStatus:
      return "staff-status";
  }
  return "?";
}

// The sign-in worker: its own copy of the PIN (wiped by sign_in) and of the account id.
struct StaffUi::Worker {
  ~Worker() { platform::wipe(pin); }
  std::string id;
  std::string pin;  // filled in place (never moved: a short string would leave its bytes behind)
  std::thread thread;
  std::mutex mu;
  std::optional<platform::Result<SignInResult>> result;  // set once, under mu
  std::atomic<bool> done{false};
};

StaffUi::StaffUi(Ui& ui) : ui_(ui) {
  pin_.reserve(kMaxPinDigits + 1);
}

StaffUi::~StaffUi() {
  if (worker_ && worker_->thread.joinable()) worker_->thread.join();
  platform::wipe(pin_);
  verification_.reset();
  wipe_shown_cards();
  scanner_.reset();
  g_capture = false;
}

void StaffUi::install_input(GLFWwindow* window) {
  g_prev_char = glfwSetCharCallback(window, char_callback);
  g_prev_key = glfwSetKeyCallback(window, key_callback);
}

// --- the scanner as its own device -------------------------------------------------------------
void StaffUi::use_scanner(const std::string& device) {
  scanner_.reset();
  scanner_path_ = device;
  scanner_problem_.clear();
  if (!scanner_path_.empty()) open_scanner();
}

void StaffUi::stop_scanner() {
  scanner_.reset();
  scanner_path_.clear();
}

void StaffUi::open_scanner() {
  auto r = EvdevScanner::open(scanner_path_, [] { glfwPostEmptyEvent(); });
  if (r.is_ok()) {
    scanner_ = std::move(r.value());
    std::fprintf(stderr, "kiosk: %s: reading the barcode scanner as its own device\n",
                 scanner_path_.c_str());
    scanner_problem_.clear();
    return;
  }
  // Said once per problem, not at every retry.
  if (r.status().message() != scanner_problem_)
    std::fprintf(stderr, "kiosk: %s; scans are detected as keyboard bursts instead\n",
                 r.status().message().c_str());
  scanner_problem_ = r.status().message();
  scanner_retry_ms_ = steady_ms() + 10'000;
}

void StaffUi::poll_scanner() {
  if (scanner_path_.empty()) return;
  if (!scanner_) {
    if (steady_ms() >= scanner_retry_ms_) open_scanner();
    if (screen_ == StaffScreen::kItStatus) redraw_ = redraw_ || scanner_ != nullptr;
    return;
  }
  for (ScannerEvent& e : scanner_->drain()) {
    switch (e.kind) {
      case ScannerEvent::Kind::kScan:
        // Where the burst detector's scans go, and only where they would.
        if (screen_ == StaffScreen::kVerify) {
          handle_scan(e.text);
          redraw_ = true;
        }
        break;
      case ScannerEvent::Kind::kDropped:
        std::fprintf(stderr, "kiosk: scanner %s: %s\n", scanner_path_.c_str(), e.text.c_str());
        if (screen_ == StaffScreen::kVerify) {
          scan_message_ = fmt(t(kScanDropped), {e.text});
          scan_message_ok_ = false;
          ui_.request_text(scan_message_);
          redraw_ = true;
        }
        break;
      case ScannerEvent::Kind::kEnded:
        std::fprintf(stderr, "kiosk: %s; scans are detected as keyboard bursts instead\n",
                     e.text.c_str());
        scanner_problem_ = e.text;
        scanner_retry_ms_ = steady_ms() + 10'000;
        redraw_ = redraw_ || screen_ == StaffScreen::kItStatus;
        break;
    }
  }
  if (!scanner_->running() && !scanner_->has_events()) scanner_.reset();
}

std::string StaffUi::scanner_mode() const {
  if (scanner_ && scanner_->running()) return fmt(t(kScannerOwn), {scanner_path_});
  if (scanner_path_.empty()) return t(kScannerBursts);
  return fmt(t(kScannerDown), {scanner_problem_});
}

void StaffUi::wipe_shown_cards() {
  shown_.clear();  // each OpenCard wipes its plaintext as it goes
}

std::string StaffUi::t(int id) const {
  const Text& x = kTexts[id];
  return lang_ == "ko" ? x.ko : x.en;
}

void StaffUi::attach(const StaffBackend& backend) {
  be_ = backend;
  ids_ = std::make_unique<platform::UlidGenerator>(*be_.clock);
  auto pepper = load_staff_pepper(be_.data_dir, /*create_if_missing=*/false);
  if (pepper.is_ok()) {
    pepper_ = std::move(pepper.value());
    accounts_ =
        std::make_unique<StaffAccounts>(*be_.outbox, *be_.outbox, *pepper_, *be_.clock, *ids_);
  } else {
    // No pepper: no account was ever added here (kioskctl staff add makes it). The list still
    // works; signing in says why it cannot.
    pepper_error_ = pepper.status().message();
    accounts_ = std::make_unique<StaffAccounts>(*be_.outbox, *be_.outbox, *be_.clock, *ids_);
  }
  desk_ = std::make_unique<VerificationDesk>(*be_.outbox, be_.device->identity,
                                             be_.device->databank_seal, be_.device->local_key,
                                             *be_.clock, *ids_);
  next_expire_ms_ = 0;  // expire_due() at the next tick
}

std::string StaffUi::screen_key() const {
  std::string k = staff_screen_name(screen_);
  if (screen_ == StaffScreen::kNurseHome && cards_.empty()) k += "-empty";
  if (lang_ != "ko") k += "-" + lang_;
  if (typed_) k += "+keyboard";
  return k;
}

std::string StaffUi::probe() const {
  if (!active()) return "";
  std::string p = screen_key() + "|pin " + std::to_string(pin_.size()) +
                  (worker_ ? "|checking" : "") + "|" + message_ + "|" + error_ + "|" + notice_ +
                  "|" + scan_message_ + "|" + status_message_ + "|cards " +
                  std::to_string(cards_.size());
  // How many decrypted cards are held now, and how many were decrypted since start: the list
  // decrypts each card once, not per frame, and nothing stays decrypted off its screen.
  int plain = verification_ ? 1 : 0;
  for (const ShownCard& c : shown_) plain += c.card ? 1 : 0;
  p += "|plain " + std::to_string(plain) + "|decrypts " + std::to_string(decrypts_);
  if (retry_at_ms_ > now_) p += "|wait " + std::to_string((retry_at_ms_ - now_ + 999) / 1000);
  if (verification_)
    for (KitKind k : {KitKind::kBlood, KitKind::kUrine})
      p += "|" + std::string(kit_kind_name(k)) + " " +
           std::to_string(static_cast<int>(verification_->kit(k).state)) + " " +
           verification_->kit(k).barcode;
  if (typed_)
    p += "|typed " + typed_->text() +
         (typed_->mode() == KeyboardMode::kHangul ? " hangul" : " latin");
  return p;
}

void StaffUi::go(StaffScreen s) {
  screen_ = s;
  redraw_ = true;
  error_.clear();
  g_capture = s == StaffScreen::kVerify;
  detector_.reset();
  typed_.reset();
  if (s != StaffScreen::kVerify && s != StaffScreen::kReject)
    verification_.reset();  // the card is wiped
  wipe_shown_cards();       // the list's cards too (decrypted again if the list comes back)
  if (s == StaffScreen::kAccounts) {
    staff_list_.clear();
    list_error_.clear();
    auto l = accounts_->list();
    if (l.is_ok())
      staff_list_ = std::move(l.value());
    else
      list_error_ = l.status().message();
  }
  if (s == StaffScreen::kNurseHome) refresh_cards();
  if (s == StaffScreen::kItStatus) refresh_status();
  // Placed when the new screen's first frame ends (go() runs inside the old screen's frame):
  // its first control, or on the PIN pad (a digit field) its keys, where Enter is OK.
  focus_on_draw_ = s == StaffScreen::kPin ? "pin:1" : "";
  focus_pending_ = true;
}

void StaffUi::close() {
  if (worker_ && worker_->thread.joinable()) worker_->thread.join();
  worker_.reset();
  if (session_ && !session_->ended() && accounts_) (void)accounts_->lock(*session_);
  if (session_ && accounts_ && be_.device) {
    // The session's audit events go to the data bank with the next sync.
    auto queued = queue_audit_events(*be_.outbox, be_.device->identity, be_.device->databank_seal,
                                     *be_.clock, *ids_, 1);
    if (queued.is_ok() && queued.value() > 0 && be_.sync_now) be_.sync_now();
  }
  session_.reset();
  verification_.reset();
  wipe_shown_cards();
  typed_.reset();
  detector_.reset();
  platform::wipe(pin_);
  pin_.clear();
  message_.clear();
  notice_.clear();
  scan_message_.clear();
  status_message_.clear();
  cards_.clear();
  staff_list_.clear();
  screen_ = StaffScreen::kClosed;
  redraw_ = true;  // the participant's attract screen replaces the staff screen at once
  g_capture = false;
  g_keys_in.clear();
  lang_ = "ko";
  ui_.set_focus_visible(false);  // the next participant starts without the ring (touch)
}

void StaffUi::end_session() {
  close();
}

bool StaffUi::corner(bool allowed) {
  holding_ = false;
  redraw_ = false;
  if (!allowed || !attached()) return false;
  const float side = ui_.mm(14);
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(side, side));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0, 0, 0, 0));
  ImGui::Begin("staff-corner", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                   ImGuiWindowFlags_NoNav);
  ImGui::BringWindowToDisplayFront(ImGui::GetCurrentWindow());
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("hold", ImVec2(side, side));
  const bool active = ImGui::IsItemActive();
  const ImGuiIO& io = ImGui::GetIO();
  bool opened = false;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // The mark: a quarter disc in the corner with a small lock, quiet enough for participants.
  const float r = side * 0.9f;
  dl->PathArcTo(ImVec2(p.x, p.y), r, 0.0f, IM_PI / 2, 16);
  dl->PathLineTo(ImVec2(p.x, p.y));
  dl->PathFillConvex(ui_.col(ui_.palette().surface));
  dl->PathArcTo(ImVec2(p.x, p.y), r, 0.0f, IM_PI / 2, 16);
  dl->PathStroke(ui_.col(ui_.palette().text_muted), 0, ui_.mm(0.4));
  const ImVec2 c(p.x + side * 0.36f, p.y + side * 0.40f);
  const float u = side * 0.1f;
  dl->AddRectFilled(ImVec2(c.x - u * 1.4f, c.y), ImVec2(c.x + u * 1.4f, c.y + u * 2.0f),
                    ui_.col(ui_.palette().text_muted), u * 0.3f);
  dl->PathArcTo(c, u * 0.9f, IM_PI, 2 * IM_PI, 10);
  dl->PathStroke(ui_.col(ui_.palette().text_muted), 0, u * 0.5f);
  if (active) {
    const float dx = io.MousePos.x - io.MouseClickedPos[0].x,
                dy = io.MousePos.y - io.MouseClickedPos[0].y;
    const bool still = std::sqrt(dx * dx + dy * dy) < ui_.mm(4);
    if (still) {
      holding_ = true;
      hold_progress_ = std::min(1.0, static_cast<double>(io.MouseDownDuration[0]) / 2.0);
      // Progress ring: the 2 s can be seen passing.
      const ImVec2 rc(p.x + side * 0.5f, p.y + side * 0.5f);
      dl->PathArcTo(rc, side * 0.45f, -IM_PI / 2,
                    -IM_PI / 2 + 2 * IM_PI * static_cast<float>(hold_progress_), 32);
      dl->PathStroke(ui_.col(ui_.palette().focus_ring), 0, ui_.mm(1.2));
      if (hold_progress_ >= 1.0) {
        holding_ = false;
        opened = true;
      }
    }
  }
  ui_.record("staff-corner", t(kHoldHint), "hold", p, ImVec2(p.x + side, p.y + side));
  ImGui::End();
  ImGui::PopStyleColor();
  ImGui::PopStyleVar();
  if (opened) {
    ImGui::ClearActiveID();  // the press that opened it does not tap the next screen
    lang_ = "ko";
    go(StaffScreen::kAccounts);
  }
  return opened;
}

bool StaffUi::wants_frame() const {
  if (holding_ || redraw_) return true;
  if (!active()) return false;
  if (worker_) return worker_->done.load();
  if (!g_keys_in.empty()) return true;
  if (scanner_ && scanner_->has_events()) return true;
  if (detector_.wake_at() && *detector_.wake_at() <= steady_ms()) return true;
  // Countdowns (PIN wait, idle lock) are drawn once a second.
  return now_ / 1000 != last_second_;
}

void StaffUi::tick(std::int64_t now_unix_ms) {
  now_ = now_unix_ms;
  if (!attached()) return;
  if (now_unix_ms >= next_expire_ms_) {
    // Cards past their 12 h become `expired` attestations (also after a restart: here at start).
    auto n = desk_->expire_due();
    next_expire_ms_ = now_unix_ms + 60'000;
    if (n.is_ok() && n.value() > 0 && screen_ == StaffScreen::kNurseHome) refresh_cards();
  }
  poll_scanner();  // also while closed: scans then go nowhere, the device's end is noticed
  if (!active()) return;
  if (worker_ && worker_->done.load()) finish_sign_in();
  if (session_) {
    auto ended = accounts_->end_if_idle(*session_);
    if ((ended.is_ok() && ended.value()) || session_->ended()) {
      end_session();
      return;
    }
  }
  // Keys from the scanner path. The gap between keys is what tells a scanner from a person,
  // and keys are timed when GLFW delivers them: so while a burst may be under way (the detector
  // holds keys) no frame is drawn, only events are taken, until the burst ends or its keys are
  // released as typing. Bounded: a burst is at most kScanMaxChars keys kScanMaxGapMs apart.
  const std::int64_t spin_end = steady_ms() + 3000;
  for (;;) {
    std::vector<KeyIn> keys;
    keys.swap(g_keys_in);
    for (const KeyIn& k : keys) {
      if (k.ch == kBackspaceKey) {
        keys_typed(detector_.poll(k.at_ms + kScanMaxGapMs + 1).typed, k.at_ms);
        typed_key(kBackspaceKey);
        continue;
      }
      ScanDetector::Output o = detector_.key(k.ch, k.at_ms);
      keys_typed(o.typed, k.at_ms);
      if (o.scan) handle_scan(*o.scan);
      if (k.ch != kKeyEnter && k.ch != U'\r') last_printable_ms_ = k.at_ms;
    }
    const std::optional<std::int64_t> wake = detector_.wake_at();
    if (!wake) break;
    const std::int64_t now = steady_ms();
    if (*wake <= now || now >= spin_end) {
      ScanDetector::Output o = detector_.poll(std::max(now, *wake));
      keys_typed(o.typed, now);
      if (o.scan) handle_scan(*o.scan);
      break;
    }
    glfwWaitEventsTimeout(static_cast<double>(*wake - now) / 1000.0);
  }
  if (screen_ == StaffScreen::kItStatus && now_unix_ms - status_at_ms_ >= 2000) refresh_status();
}

bool StaffUi::on_key(int key, int action, int mods) {
  if (!active() || action == GLFW_RELEASE) return false;
  if (session_) session_->touch(now_);
  const bool repeat = action == GLFW_REPEAT;
  const bool enter = key == GLFW_KEY_ENTER || key == GLFW_KEY_KP_ENTER;
  if (screen_ == StaffScreen::kPin) {
    // A digit field (docs/ACCESSIBILITY.md): the number keys type, Enter is OK, Backspace and
    // the keypad's . delete, Esc goes back to the names; Tab and the arrows move the focus.
    int digit = -1;
    if (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) digit = key - GLFW_KEY_0;
    if (key >= GLFW_KEY_KP_0 && key <= GLFW_KEY_KP_9) digit = key - GLFW_KEY_KP_0;
    if (digit >= 0) {
      ui_.press("pin:" + std::to_string(digit));
      return true;
    }
    if (key == GLFW_KEY_BACKSPACE || key == GLFW_KEY_KP_DECIMAL) {
      ui_.press("pin:back");
      return true;
    }
    if (enter) {
      if (repeat) return false;
      // On the pad (its keys, OK) Enter is OK; on the other controls it presses them.
      const std::string& f = ui_.focus_id();
      if (f.rfind("pin:", 0) == 0 && f != "pin:back" && f != "pin:cancel")
        ui_.press("pin:ok");
      else
        ui_.nav(NavKey::kActivate);
      return true;
    }
  }
  if (screen_ == StaffScreen::kVerify && typed_ && key == GLFW_KEY_KP_DECIMAL) {
    (void)typed_->backspace();  // in the kit code field the keypad's . deletes, as Backspace does
    return true;
  }
  if (ui_.nav_key(key, mods, repeat)) return true;  // the participant's screens' focus keys
  switch (key) {
    case GLFW_KEY_ESCAPE:
    case GLFW_KEY_KP_DECIMAL:
    case GLFW_KEY_BACKSPACE:
      if (repeat) return false;
      back_key();
      return true;
    default:
      return false;
  }
}

void StaffUi::back_key() {
  switch (screen_) {
    case StaffScreen::kAccounts:
      ui_.press("staff:cancel");
      break;
    case StaffScreen::kPin:
      ui_.press("pin:cancel");
      break;
    case StaffScreen::kVerify:
      if (typed_) {  // the kit code keyboard: closed, nothing checked
        typed_.reset();
        detector_.reset();
        ui_.request_focus(std::string("kit:") + kit_kind_name(typed_kind_) + ":type");
        redraw_ = true;
      } else {
        ui_.press("verify:back");
      }
      break;
    case StaffScreen::kReject:
      ui_.press("reject:back");
      break;
    case StaffScreen::kClosed:
    case StaffScreen::kNurseHome:  // no back: "Lock" is not a back button
    case StaffScreen::kItStatus:
      break;
  }
}

// --- sign-in ---------------------------------------------------------------------------------
void StaffUi::start_sign_in() {
  if (pin_.size() < kMinPinDigits) {
    message_ = t(kPinTooShort);
    message_is_error_ = true;
    return;
  }
  if (!pepper_) {
    message_ = t(kNoPepper) + pepper_error_;
    message_is_error_ = true;
    platform::wipe(pin_);
    pin_.clear();
    return;
  }
  worker_ = std::make_unique<Worker>();
  Worker* w = worker_.get();
  w->id = chosen_.id;
  w->pin.reserve(kMaxPinDigits + 1);
  w->pin.assign(pin_);  // the worker's copy; sign_in wipes it
  platform::wipe(pin_);
  pin_.clear();
  StaffAccounts* accounts = accounts_.get();
  w->thread = std::thread([w, accounts]() {
    platform::Result<SignInResult> r = accounts->sign_in(w->id, w->pin);
    platform::wipe(w->pin);
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->result.emplace(std::move(r));
    }
    w->done = true;
    glfwPostEmptyEvent();
  });
  message_.clear();
}

void StaffUi::finish_sign_in() {
  worker_->thread.join();
  std::optional<platform::Result<SignInResult>> r;
  {
    std::lock_guard<std::mutex> lock(worker_->mu);
    r = std::move(worker_->result);
  }
  worker_.reset();
  message_is_error_ = true;
  retry_at_ms_ = 0;
  if (!r || !r->is_ok()) {
    message_ = t(kSignInFailed) + (r ? r->status().message() : std::string("?"));
    return;
  }
  SignInResult& s = r->value();
  switch (s.outcome) {
    case SignInOutcome::kSignedIn:
      session_ = std::move(s.session);
      message_.clear();
      go(session_->role() == StaffRole::kIt ? StaffScreen::kItStatus : StaffScreen::kNurseHome);
      return;
    case SignInOutcome::kWrongPin:
      message_ = fmt(t(kWrongPin), {std::to_string(s.attempts_left)});
      retry_at_ms_ = s.retry_at_unix_ms;
      break;
    case SignInOutcome::kTooSoon:
      retry_at_ms_ = s.retry_at_unix_ms;
      message_.clear();
      break;
    case SignInOutcome::kLockedOut:
      message_ = t(kLockedOut);
      chosen_.locked = true;
      break;
    case SignInOutcome::kLocked:
      message_ = t(kAccountLocked);
      chosen_.locked = true;
      break;
    case SignInOutcome::kUnknown:
      message_ = t(kUnknownAccount);
      break;
  }
}

// --- scanning ----------------------------------------------------------------------------------
void StaffUi::keys_typed(const std::u32string& keys, std::int64_t at_ms) {
  for (char32_t c : keys) {
    if (c == kKeyEnter && !typed_) {
      // Enter on its own: the keypad's (or keyboard's) activation of the focused control. Right
      // after printable keys it ends a burst that was not a scan: nothing is pressed.
      if (at_ms - last_printable_ms_ > kEnterQuietMs) {
        ui_.set_focus_visible(true);
        ui_.nav(NavKey::kActivate);
        redraw_ = true;
      }
      continue;
    }
    typed_key(c);
  }
}

void StaffUi::typed_key(char32_t ch) {
  if (!typed_) return;  // typing without the code field open goes nowhere
  if (ch == kBackspaceKey) {
    (void)typed_->backspace();
  } else if (ch == kKeyEnter) {
    std::string text = typed_->text();
    typed_.reset();
    ui_.request_focus(std::string("kit:") + kit_kind_name(typed_kind_) + ":type");
    if (text.find_first_not_of(' ') != std::string::npos) handle_scan(text);  // empty: just closes
  } else if (ch >= 0x20 && ch < 0x7F) {
    // A physical keyboard types ASCII into the kit code whatever mode the on-screen one shows:
    // never through the Hangul composer.
    const KeyboardMode shown = typed_->mode();
    if (shown != KeyboardMode::kLatin) typed_->set_mode(KeyboardMode::kLatin);
    (void)typed_->press_code(static_cast<char>(ch));
    if (shown != KeyboardMode::kLatin) typed_->set_mode(shown);
  }
}

void StaffUi::handle_scan(const std::string& text) {
  if (!verification_) return;
  if (session_) session_->touch(now_);
  // The kit slot follows the barcode's own type letter; an unreadable code goes to the blood
  // slot, whose check then names what is wrong.
  KitKind slot = KitKind::kBlood;
  if (auto b = parse_kit_barcode(text); b.is_ok()) slot = b->kind;
  const ScanResult r = verification_->scan(slot, text);
  const std::string code = r.outcome == ScanOutcome::kInvalid ? text.substr(0, 40)
                           : verification_->kit(slot).barcode.empty()
                               ? text.substr(0, 40)
                               : verification_->kit(slot).barcode;
  scan_message_ok_ = r.outcome == ScanOutcome::kFirstScan || r.outcome == ScanOutcome::kConfirmed;
  switch (r.outcome) {
    case ScanOutcome::kFirstScan:
      scan_message_ = fmt(t(kScanFirstOk), {code});
      break;
    case ScanOutcome::kConfirmed:
      scan_message_ = fmt(t(kScanConfirmedOk), {code});
      break;
    case ScanOutcome::kMismatch:
      scan_message_ = fmt(t(kScanMismatch), {text.substr(0, 40)});
      break;
    case ScanOutcome::kInvalid:
      // The reader's reason (length, format, check character) is in English: said in an English
      // session only, not mixed into a Korean sentence.
      scan_message_ = fmt(t(kScanInvalid), {text.substr(0, 40)}) + (lang_ == "ko" ? "" : " (" + r.message + ")");
      break;
    case ScanOutcome::kWrongKind:
      scan_message_ = fmt(t(kScanWrongKind), {text.substr(0, 40)});
      break;
    case ScanOutcome::kAlreadyLinked:
      scan_message_ = fmt(t(kScanAlreadyLinked), {text.substr(0, 40)});
      break;
    case ScanOutcome::kAlreadyHere:
      scan_message_ = fmt(t(kScanAlreadyHere), {text.substr(0, 40)});
      break;
  }
  ui_.request_text(scan_message_);
}

void StaffUi::refresh_cards() {
  wipe_shown_cards();
  cards_.clear();
  cards_error_.clear();
  auto p = desk_->pending();
  if (p.is_ok())
    cards_ = std::move(p.value());
  else
    cards_error_ = p.status().message();
}

void StaffUi::refresh_status() {
  status_at_ms_ = now_;
  auto st = be_.outbox->stats(now_);
  if (st.is_ok()) {
    status_.stats = st.value();
    status_.stats_error.clear();
  } else {
    status_.stats_error = st.status().message();
  }
  status_.sync.reset();
  if (be_.sync_status) status_.sync = be_.sync_status();
  status_.clock_offset_ms = be_.clock->offset_ms();
  std::error_code ec;
  const auto sp = std::filesystem::space(be_.data_dir, ec);
  status_.free_disk_bytes = ec ? -1 : static_cast<std::int64_t>(sp.available);
  if (session_ && session_->role() == StaffRole::kIt) {
    auto l = accounts_->list();
    if (l.is_ok()) staff_list_ = std::move(l.value());
  }
}

// --- drawing -----------------------------------------------------------------------------------
void StaffUi::draw_top(const std::string& title) {
  const float W = ImGui::GetWindowWidth(), g = ui_.gap();
  ImGui::SetCursorPos(ImVec2(g * 2, g * 2));
  const float right_w = ui_.target() * 3.2f;
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(W - right_w * 2 - g * 4);
  ui_.title(title);
  ImGui::PopTextWrapPos();
  if (session_) {
    const std::int64_t left =
        std::max<std::int64_t>(0, session_->idle_deadline_unix_ms() - now_) / 1000;
    char b[48];
    std::snprintf(b, sizeof b, "%lld:%02lld", static_cast<long long>(left / 60),
                  static_cast<long long>(left % 60));
    ui_.text(fmt(t(kLocksIn), {b}), true);
  }
  ImGui::EndGroup();
  ImGui::SetCursorPos(ImVec2(W - right_w * 2 - g * 3, g * 2));
  if (ui_.button("staff:lang", t(kLanguage), ImVec2(right_w, ui_.target()), Tone::kQuiet))
    lang_ = lang_ == "ko" ? "en" : "ko";
  ImGui::SameLine();
  if (session_) {
    if (ui_.button("staff:lock", t(kLock), ImVec2(right_w, ui_.target()), Tone::kDanger)) {
      end_session();
      return;
    }
  } else if (ui_.button("staff:cancel", t(kCancel), ImVec2(right_w, ui_.target()),
                        Tone::kSecondary)) {
    close();
    return;
  }
  ImGui::SetCursorPos(ImVec2(g * 2, std::max(ImGui::GetCursorPosY(), g * 3 + ui_.target() * 1.6f)));
}

void StaffUi::draw_accounts() {
  draw_top(t(kSignInTitle));
  if (!active()) return;
  const float W = ImGui::GetWindowWidth(), g = ui_.gap();
  ui_.text(t(kPickName));
  if (!list_error_.empty()) ui_.error_text(list_error_);
  if (staff_list_.empty() && list_error_.empty()) ui_.error_text(t(kNoAccounts));
  const float bw = (W - g * 6) / 2;
  int i = 0;
  for (const StaffSummary& s : staff_list_) {
    ImGui::SetCursorPosX(g * 2 + static_cast<float>(i % 2) * (bw + g * 2));
    const std::string role = s.role == StaffRole::kIt ? t(kRoleIt) : t(kRoleNurse);
    const std::string sub = role + (s.locked ? "  \u203B " + t(kLockedTag) : "");
    if (ui_.choice("staff:" + s.id, s.name, sub, ImVec2(bw, ui_.target() * 1.6f), false)) {
      chosen_ = s;
      platform::wipe(pin_);
      pin_.clear();
      message_ = s.locked ? t(kAccountLocked) : "";
      message_is_error_ = true;
      retry_at_ms_ = 0;
      go(StaffScreen::kPin);
      return;
    }
    if (i % 2 == 0 && &s != &staff_list_.back()) ImGui::SameLine();
    ++i;
  }
}

void StaffUi::draw_pin() {
  draw_top(fmt(t(kEnterPinFor), {chosen_.name}));
  if (!active()) return;
  const float W = ImGui::GetWindowWidth(), g = ui_.gap();
  const float key = ui_.target() * 1.5f, pad_w = key * 3 + g * 2;
  const float x0 = (W - pad_w) / 2;
  ImVec2 dots_at;
  // The digits as dots, never the digits.
  std::string dots;
  for (std::size_t i = 0; i < pin_.size(); ++i) dots += "\u25CF ";
  for (std::size_t i = pin_.size(); i < kMinPinDigits; ++i) dots += "\u25CB ";
  ImGui::SetCursorPosX(x0);
  {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + pad_w, p.y + ui_.target()), ui_.col(ui_.palette().surface),
                      ui_.mm(1.5));
    dl->AddRect(p, ImVec2(p.x + pad_w, p.y + ui_.target()), ui_.col(ui_.palette().text_muted),
                ui_.mm(1.5), 0, ui_.mm(0.4));
    const ImVec2 ts = ImGui::CalcTextSize(dots.c_str());
    dl->AddText(ImVec2(p.x + (pad_w - ts.x) / 2, p.y + (ui_.target() - ts.y) / 2),
                ui_.col(ui_.palette().text), dots.c_str());
    dots_at = p;
    ImGui::Dummy(ImVec2(pad_w, ui_.target()));
  }
  const bool waiting = worker_ != nullptr;
  const std::int64_t wait_s = retry_at_ms_ > now_ ? (retry_at_ms_ - now_ + 999) / 1000 : 0;
  const bool enabled = !waiting && wait_s == 0 && !chosen_.locked;
  // Messages in a space of their own, so that the pad never moves under a finger when one
  // appears or goes.
  const float msg_w = std::min(W - g * 4, std::max(pad_w * 2.5f, W * 0.5f));
  const float msg_top = ImGui::GetCursorPosY();
  // Each message centred over the pad when it fits on a line, else from the block's left edge.
  const auto line = [&](const std::string& m, bool error) {
    const float w = ui_.text_width(m, error);
    ImGui::SetCursorPosX(w < msg_w ? (W - w) / 2 : (W - msg_w) / 2);
    if (error)
      ui_.error_text(m);
    else
      ui_.text(m);
  };
  if (waiting) line(t(kChecking), false);
  if (!message_.empty()) line(message_, message_is_error_);
  if (wait_s > 0) line(fmt(t(kWaitSeconds), {std::to_string(wait_s)}), false);
  ImGui::SetCursorPosY(
      std::max(ImGui::GetCursorPosY(), msg_top + ImGui::GetTextLineHeightWithSpacing() * 3.2f));
  const char* rows[4][3] = {{"1", "2", "3"}, {"4", "5", "6"}, {"7", "8", "9"}, {"back", "0", "ok"}};
  for (auto& row : rows) {
    ImGui::SetCursorPosX(x0);
    for (int c = 0; c < 3; ++c) {
      if (c) ImGui::SameLine();
      const std::string k = row[c];
      const bool digit = k.size() == 1;
      const std::string label = digit ? k : k == "back" ? "\u2190" : t(kOk);
      const bool en = enabled && (digit         ? pin_.size() < kMaxPinDigits
                                  : k == "back" ? !pin_.empty()
                                                : pin_.size() >= kMinPinDigits);
      if (ui_.button("pin:" + k, label, ImVec2(key, key * 0.8f),
                     digit       ? Tone::kQuiet
                     : k == "ok" ? Tone::kPrimary
                                 : Tone::kSecondary,
                     en)) {
        if (session_) session_->touch(now_);
        message_.clear();
        if (digit)
          pin_.push_back(k[0]);
        else if (k == "back" && !pin_.empty()) {
          pin_.back() = '\0';
          pin_.pop_back();
        } else if (k == "ok")
          start_sign_in();
      }
    }
  }
  // Recorded after the pad so that the record counts this frame's digit too.
  ui_.record("pin:dots", std::to_string(pin_.size()), "field", dots_at,
             ImVec2(dots_at.x + pad_w, dots_at.y + ui_.target()));
  ImGui::Dummy(ImVec2(1, g));
  ImGui::SetCursorPosX(x0);
  if (ui_.button("pin:cancel", t(kOtherName), ImVec2(pad_w, ui_.target()), Tone::kSecondary,
                 !waiting)) {
    platform::wipe(pin_);
    pin_.clear();
    go(StaffScreen::kAccounts);
  }
}

void StaffUi::draw_home() {
  draw_top(fmt(t(kPendingTitle), {std::to_string(cards_.size())}));
  if (!active()) return;
  const float W = ImGui::GetWindowWidth(), H = ImGui::GetWindowHeight(), g = ui_.gap();
  if (!notice_.empty()) {
    ImGui::SetCursorPosX(g * 2);
    ui_.text("\u221A " + notice_);
    const ImVec2 mn = ImGui::GetItemRectMin(), mx = ImGui::GetItemRectMax();
    ui_.record("notice", notice_, "text", mn, mx);
  }
  ImGui::SetCursorPosX(g * 2);
  if (!cards_error_.empty()) ui_.error_text(cards_error_);
  ImGui::SetCursorPosX(g * 2);
  if (!error_.empty()) ui_.error_text(error_);
  ImGui::SetCursorPosX(g * 2);
  if (cards_.empty() && cards_error_.empty()) ui_.text(t(kNoCards), true);
  const float card_h = ui_.target() * 1.9f;
  const float bottom = H - ui_.target() - g * 3;
  const float cw = (W - g * 6) / 2;
  int i = 0;
  for (const PendingCard& pc : cards_) {
    if (ImGui::GetCursorPosY() + card_h > bottom)
      break;  // the oldest first; more after these are done
    // Decrypted once, when first drawn, and kept only while the list is shown (wipe_shown_cards).
    const std::size_t at = static_cast<std::size_t>(i);
    if (shown_.size() != cards_.size()) shown_.resize(cards_.size());
    ShownCard& shown = shown_[at];
    if (!shown.tried) {
      shown.tried = true;
      ++decrypts_;
      platform::Result<OpenCard> oc = desk_->open(pc.envelope_id);
      if (oc.is_ok()) shown.card.emplace(std::move(oc.value()));
    }
    std::string title, sub;
    if (shown.card) {
      const datasync::VerificationCard& c = shown.card->card();
      title = c.name + "  \u00B7  " + t(kBorn) + " " + c.birth_date;
      if (c.has_representative())
        title += "  \u00B7  " + t(kRepresentative) + ": " + c.representative_name + " (" +
                 relationship_label(c.representative_relationship, lang_) + ")";
    } else {
      title = "?";
    }
    const std::string type = pc.participation_type == "rare"     ? t(kTypeRare)
                             : pc.participation_type == "severe" ? t(kTypeSevere)
                                                                 : t(kTypeGeneral);
    sub = type + "  \u00B7  " + fmt(t(kSubmitted), {local_hhmm(pc.submitted_unix_ms)}) + " (" +
          fmt(t(kMinutesAgo),
              {std::to_string(std::max<std::int64_t>(0, (now_ - pc.submitted_unix_ms) / 60000))}) +
          ")";
    ImGui::SetCursorPosX(g * 2 + static_cast<float>(i % 2) * (cw + g * 2));
    const bool tapped = ui_.choice("card:" + pc.envelope_id, title, sub, ImVec2(cw, card_h), false);
    platform::wipe(title);
    if (i % 2 == 0 && &pc != &cards_.back()) ImGui::SameLine();
    ++i;
    if (tapped && session_) {
      ++decrypts_;  // begin() opens the card for the verify screen (kept while it is shown)
      auto v = desk_->begin(*session_, pc.envelope_id);
      if (v.is_ok()) {
        verification_.emplace(std::move(v.value()));
        scan_message_.clear();
        reason_.reset();
        go(StaffScreen::kVerify);
        return;
      }
      error_ = v.status().kind() == platform::StatusKind::kNotFound ? t(kCardGone)
                                                                    : v.status().message();
      refresh_cards();
      return;
    }
  }
  ImGui::SetCursorPos(ImVec2(g * 2, H - ui_.target() - g * 2));
  if (ui_.button("staff:refresh", t(kRefresh), ImVec2(ui_.target() * 4, ui_.target()),
                 Tone::kSecondary)) {
    notice_.clear();
    error_.clear();
    refresh_cards();
  }
}

void StaffUi::draw_verify() {
  if (!verification_) {
    go(StaffScreen::kNurseHome);
    return;
  }
  Verification& v = *verification_;
  const datasync::VerificationCard& c = v.card().card();
  {
    std::string title = c.name + "  \u00B7  " + t(kBorn) + " " + c.birth_date;
    draw_top(title);
    platform::wipe(title);
  }
  if (!active() || !verification_) return;
  const float W = ImGui::GetWindowWidth(), H = ImGui::GetWindowHeight(), g = ui_.gap();
  const float top = ImGui::GetCursorPosY();
  const float col_w = (W - g * 6) / 2;
  const float half = (col_w - g) / 2;
  // Left column: the ID checks.
  ImGui::SetCursorPos(ImVec2(g * 2, top));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(g * 2 + col_w);
  {
    const std::string& type = c.participation_type;
    ui_.text((type == "rare"     ? t(kTypeRare)
              : type == "severe" ? t(kTypeSevere)
                                 : t(kTypeGeneral)) +
             "  \u00B7  " + fmt(t(kSubmitted), {local_hhmm(v.card().submitted_unix_ms())}));
    ImGui::Dummy(ImVec2(1, g));
  }
  ui_.text(t(kIdDoc), true);
  for (int i = 0; i < 5; ++i) {
    if (i % 3) ImGui::SameLine();
    const float w = (col_w - g * 2) / 3;
    if (ui_.button(std::string("id:") + id_document_code(kDocs[i]), t(kDocText[i]),
                   ImVec2(w, ui_.target()), Tone::kQuiet, true, v.identity.document == kDocs[i]))
      v.identity.document = kDocs[i];
  }
  if (ui_.button("check:name", t(kNameMatches), ImVec2(half, ui_.target()), Tone::kQuiet, true,
                 v.identity.name_matches))
    v.identity.name_matches = !v.identity.name_matches;
  ImGui::SameLine();
  if (ui_.button("check:birth", t(kBirthMatches), ImVec2(half, ui_.target()), Tone::kQuiet, true,
                 v.identity.birth_date_matches))
    v.identity.birth_date_matches = !v.identity.birth_date_matches;
  if (c.has_representative()) {
    ImGui::Dummy(ImVec2(1, g));
    // Not muted: the second person to check must not be overlooked.
    ui_.text(t(kRepIdDoc) + ": " + c.representative_name + " (" +
             relationship_label(c.representative_relationship, lang_) + ")");
    for (int i = 0; i < 5; ++i) {
      if (i % 3) ImGui::SameLine();
      const float w = (col_w - g * 2) / 3;
      if (ui_.button(std::string("repid:") + id_document_code(kDocs[i]), t(kDocText[i]),
                     ImVec2(w, ui_.target()), Tone::kQuiet, true,
                     v.representative.document == kDocs[i]))
        v.representative.document = kDocs[i];
    }
    if (ui_.button("check:rep-name", t(kRepNameMatches), ImVec2(half, ui_.target()), Tone::kQuiet,
                   true, v.representative.name_matches))
      v.representative.name_matches = !v.representative.name_matches;
    ImGui::SameLine();
    if (ui_.button("check:relationship", t(kRelationshipOk), ImVec2(half, ui_.target()),
                   Tone::kQuiet, true, v.representative.relationship_confirmed))
      v.representative.relationship_confirmed = !v.representative.relationship_confirmed;
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();

  // Right column: the kits.
  const float x1 = g * 4 + col_w;
  ImGui::SetCursorPos(ImVec2(x1, top));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(x1 + col_w);
  ui_.text(t(kKits), true);
  for (KitKind k : {KitKind::kBlood, KitKind::kUrine}) {
    const KitSlot& s = v.kit(k);
    const std::string name = std::string(kit_kind_name(k));
    const std::string state = s.state == KitSlotState::kEmpty ? t(kScanFirst)
                              : s.state == KitSlotState::kAwaitingConfirm
                                  ? fmt(t(kScanAgain), {s.barcode})
                                  : fmt(t(kKitConfirmed), {s.barcode});
    const std::string label = t(k == KitKind::kBlood ? kBlood : kUrine) + ":  " + state;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 sz(col_w, ui_.target());
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const bool done = s.state == KitSlotState::kConfirmed;
    dl->AddRectFilled(p, ImVec2(p.x + sz.x, p.y + sz.y),
                      ui_.col(done ? ui_.palette().selected_bg : ui_.palette().surface),
                      ui_.mm(1.5));
    dl->AddRect(p, ImVec2(p.x + sz.x, p.y + sz.y),
                ui_.col(done ? ui_.palette().on_selected : ui_.palette().text_muted), ui_.mm(1.5),
                0, done ? ui_.mm(1.0) : ui_.mm(0.4));
    const std::string shown = (done ? "\u221A " : "") + label;
    ui_.request_text(shown);
    dl->AddText(ImVec2(p.x + ui_.mm(3), p.y + (sz.y - ui_.font_px()) / 2),
                ui_.col(done ? ui_.palette().on_selected : ui_.palette().text), shown.c_str());
    ImGui::Dummy(sz);
    ui_.record("kit:" + name, label, "kit", p, ImVec2(p.x + sz.x, p.y + sz.y));
    if (done)
      ui_.record("kit:" + name + ":confirmed", s.barcode, "text", p, ImVec2(p.x + 1, p.y + 1));
    if (ui_.button("kit:" + name + ":type", t(kTypeCode), ImVec2(half, ui_.target()),
                   Tone::kSecondary)) {
      typed_ = std::make_unique<TextEntry>(KeyboardMode::kLatin, 32);
      typed_kind_ = k;
      detector_.reset();
      ui_.request_focus("key:", /*prefix=*/true);  // the keypad moves over the keys at once
    }
    ImGui::SameLine();
    if (ui_.button("kit:" + name + ":clear", t(kClear), ImVec2(half, ui_.target()),
                   Tone::kSecondary, s.state != KitSlotState::kEmpty))
      v.clear_kit(k);
    ImGui::Dummy(ImVec2(1, g));
  }
  if (!scan_message_.empty()) {
    if (scan_message_ok_)
      ui_.text(scan_message_);
    else
      ui_.error_text(scan_message_);
    const ImVec2 mn = ImGui::GetItemRectMin(), mx = ImGui::GetItemRectMax();
    ui_.record("scan:message", scan_message_, "text", mn, mx);
  } else {
    ui_.text(t(kScanHint), true);
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();

  // What is still missing, and the bottom bar.
  std::vector<std::string> need;
  if (!v.identity.document) need.push_back(t(kNeedDoc));
  if (!v.identity.name_matches) need.push_back(t(kNeedName));
  if (!v.identity.birth_date_matches) need.push_back(t(kNeedBirth));
  if (c.has_representative()) {
    if (!v.representative.document) need.push_back(t(kNeedRepDoc));
    if (!v.representative.name_matches) need.push_back(t(kNeedRepName));
    if (!v.representative.relationship_confirmed) need.push_back(t(kNeedRel));
  }
  const bool awaiting = v.kit(KitKind::kBlood).state == KitSlotState::kAwaitingConfirm ||
                        v.kit(KitKind::kUrine).state == KitSlotState::kAwaitingConfirm;
  const bool any_kit = v.kit(KitKind::kBlood).state == KitSlotState::kConfirmed ||
                       v.kit(KitKind::kUrine).state == KitSlotState::kConfirmed;
  if (awaiting)
    need.push_back(t(kNeedSecond));
  else if (!any_kit)
    need.push_back(t(kNeedKit));
  const bool can_confirm = v.missing_for_verified().empty();
  if (typed_) {
    draw_keyboard();
    return;
  }
  const float bar_y = H - ui_.target() * 1.2f - g * 2;
  ImGui::SetCursorPos(ImVec2(g * 2, bar_y - ui_.font_px() * 2.6f));
  ImGui::PushTextWrapPos(W - g * 2);
  if (!error_.empty())
    ui_.error_text(error_);
  else if (!need.empty()) {
    std::string list;
    for (const std::string& n : need) list += (list.empty() ? "" : ", ") + n;
    ui_.text(fmt(t(kStillNeeded), {list}), true);
  }
  ImGui::PopTextWrapPos();
  const float bw = (W - g * 8) / 3;
  ImGui::SetCursorPos(ImVec2(g * 2, bar_y));
  if (ui_.button("verify:back", t(kList), ImVec2(bw, ui_.target() * 1.2f), Tone::kSecondary)) {
    go(StaffScreen::kNurseHome);
    return;
  }
  ImGui::SameLine(0, g * 2);
  if (ui_.button("verify:reject", t(kRejectOpen), ImVec2(bw, ui_.target() * 1.2f), Tone::kDanger)) {
    reason_.reset();
    screen_ = StaffScreen::kReject;
    g_capture = false;
    detector_.reset();
    error_.clear();
    return;
  }
  ImGui::SameLine(0, g * 2);
  if (ui_.button("verify:confirm", t(kConfirmVerified), ImVec2(bw, ui_.target() * 1.2f),
                 Tone::kPrimary, can_confirm) &&
      session_) {
    int kits = 0;
    for (KitKind k : {KitKind::kBlood, KitKind::kUrine})
      if (v.kit(k).state == KitSlotState::kConfirmed) ++kits;
    auto r = desk_->confirm_verified(*session_, v);
    if (r.is_ok()) {
      notice_ = fmt(t(kVerifiedNotice), {std::to_string(kits)});
      if (be_.sync_now) be_.sync_now();
      go(StaffScreen::kNurseHome);
    } else {
      error_ = r.status().message();
    }
  }
}

void StaffUi::draw_keyboard() {
  const float W = ImGui::GetWindowWidth(), H = ImGui::GetWindowHeight(), g = ui_.gap();
  const KeyboardMode mode = typed_->mode();
  const auto& rows = keyboard_layout(mode);
  const float key_h = ui_.target();
  const float tray_h = static_cast<float>(rows.size()) * (key_h + g) + g * 3 + ui_.target();
  ImGui::SetCursorPos(ImVec2(0, H - tray_h - g));
  const ImVec2 tray = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(tray, ImVec2(tray.x + W, tray.y + tray_h + g),
                    ui_.col(ui_.palette().keyboard_tray));
  ImGui::SetCursorPos(ImVec2(g * 2, ImGui::GetCursorPosY() + g));
  {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float w = W - g * 4;
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + ui_.target()), ui_.col(ui_.palette().surface),
                      ui_.mm(1.5));
    dl->AddRect(p, ImVec2(p.x + w, p.y + ui_.target()), ui_.col(ui_.palette().focus_ring),
                ui_.mm(1.5), 0, ui_.mm(0.8));
    const std::string shown = t(kTypedTitle) + ":  " + typed_->text();
    ui_.request_text(shown);
    dl->AddText(ImVec2(p.x + ui_.mm(3), p.y + (ui_.target() - ui_.font_px()) / 2),
                ui_.col(ui_.palette().text), shown.c_str());
    ui_.record("field:kit", typed_->text(), "field", p, ImVec2(p.x + w, p.y + ui_.target()));
    ImGui::Dummy(ImVec2(w, ui_.target()));
  }
  if (const Key* k = ui_.key_rows(rows, typed_->shift(), {t(kKeySpace), t(kKeyLang), t(kKeyDone)}, key_h)) {
    if (session_) session_->touch(now_);
    if (typed_->press(*k) == PressResult::kDone) typed_key(kKeyEnter);  // the typed code is checked like a scan
  }
}

void StaffUi::draw_reject() {
  draw_top(t(kRejectTitle));
  if (!active()) return;
  if (!verification_) {
    go(StaffScreen::kNurseHome);
    return;
  }
  const float W = ImGui::GetWindowWidth(), H = ImGui::GetWindowHeight(), g = ui_.gap();
  const float bw = (W - g * 6) / 2;
  {
    // Whose enrollment: the nurse must see it on the screen that ends it.
    const datasync::VerificationCard& c = verification_->card().card();
    ImGui::SetCursorPosX(g * 2);
    ui_.text(c.name + "  \u00B7  " + t(kBorn) + " " + c.birth_date);
    ImGui::Dummy(ImVec2(1, g));
  }
  for (int i = 0; i < 7; ++i) {
    ImGui::SetCursorPosX(g * 2 + static_cast<float>(i % 2) * (bw + g * 2));
    if (ui_.button(std::string("reason:") + reject_reason_code(kReasons[i]), t(kReasonText[i]),
                   ImVec2(bw, ui_.target()), Tone::kQuiet, true, reason_ == kReasons[i]))
      reason_ = kReasons[i];
    if (i % 2 == 0 && i != 6) ImGui::SameLine();
  }
  if (!error_.empty()) ui_.error_text(error_);
  const float bar_y = H - ui_.target() * 1.2f - g * 2;
  ImGui::SetCursorPos(ImVec2(g * 2, bar_y));
  if (ui_.button("reject:back", t(kBack), ImVec2(bw, ui_.target() * 1.2f), Tone::kSecondary)) {
    screen_ = StaffScreen::kVerify;
    g_capture = true;
    return;
  }
  ImGui::SameLine(0, g * 2);
  if (ui_.button("reject:confirm", t(kRejectConfirm), ImVec2(bw, ui_.target() * 1.2f),
                 Tone::kDanger, reason_.has_value()) &&
      session_ && reason_) {
    auto r = desk_->reject(*session_, *verification_, *reason_);
    if (r.is_ok()) {
      notice_ = t(kRejectedNotice);
      if (be_.sync_now) be_.sync_now();
      go(StaffScreen::kNurseHome);
    } else {
      error_ = r.status().message();
    }
  }
}

void StaffUi::draw_status() {
  draw_top(t(kStatusTitle));
  if (!active()) return;
  const float W = ImGui::GetWindowWidth(), H = ImGui::GetWindowHeight(), g = ui_.gap();
  const float label_w = W * 0.22f;
  auto row = [&](const std::string& id, const std::string& label, const std::string& value,
                 bool bad = false) {
    ImGui::SetCursorPosX(g * 2);
    ui_.text(label, true);
    ImGui::SameLine(g * 2 + label_w);
    ImGui::PushTextWrapPos(W - g * 2);
    if (bad)
      ui_.error_text(value);
    else
      ui_.text(value);
    ImGui::PopTextWrapPos();
    const ImVec2 mn = ImGui::GetItemRectMin(), mx = ImGui::GetItemRectMax();
    ui_.record("status:" + id, value, "text", mn, mx);
  };
  const Device& d = *be_.device;
  row("device", t(kDevice), d.identity.device_id + "  (" + d.mode + ")");
  row("site", t(kSite), d.identity.site);
  std::string server;
  bool server_bad = false;
  if (!be_.sync_status || !status_.sync) {
    server = t(kServerNone);
  } else if (status_.sync->consecutive_failures > 0) {
    server = fmt(t(kServerFailing),
                 {std::to_string(status_.sync->consecutive_failures), status_.sync->last_error});
    server_bad = true;
  } else if (status_.sync->last_success_unix_ms > 0) {
    server = fmt(t(kServerOk),
                 {local_hhmm(status_.sync->last_success_unix_ms) + ", " +
                  fmt(t(kMinutesAgo),
                      {std::to_string((now_ - status_.sync->last_success_unix_ms) / 60000)})});
  } else {
    server = t(kServerNotYet);
  }
  row("server", t(kServer), server, server_bad);
  if (!status_.stats_error.empty()) {
    row("queue", t(kQueue), status_.stats_error, true);
  } else {
    const auto& s = status_.stats;
    row("queue", t(kQueue),
        fmt(t(kQueueLine), {std::to_string(s.queued_count), human_bytes(s.queued_bytes),
                            s.queued_count ? human_age(s.oldest_queued_age_ms) : t(kNever)}) +
            "  \u00B7  " +
            fmt(t(kAcked), {std::to_string(s.acked_count), std::to_string(s.conflict_count)}),
        s.conflict_count > 0);
    row("cards", t(kCardsWaiting), std::to_string(s.pending_cards));
  }
  if (status_.sync && status_.sync->next_attempt_unix_ms > 0)
    row("next", t(kNextAttempt), local_hhmm(status_.sync->next_attempt_unix_ms));
  {
    char b[48];
    std::snprintf(b, sizeof b, "%+.1f s", static_cast<double>(status_.clock_offset_ms) / 1000.0);
    row("clock", t(kClockOffset), b);
  }
  std::string pk;
  if (be_.packages)
    for (const forms::ProtocolPackage& p : *be_.packages)
      pk += (pk.empty() ? "" : ", ") + p.participation_type + " " + p.version;
  row("packages", t(kPackages), pk.empty() ? t(kNever) : pk, pk.empty());
  row("disk", t(kFreeDisk), human_bytes(status_.free_disk_bytes),
      status_.free_disk_bytes >= 0 && status_.free_disk_bytes < 500LL * 1024 * 1024);
  row("version", t(kAppVersion), KIOSK_APP_VERSION);
  row("scanner", t(kScanner), scanner_mode(),
      !scanner_path_.empty() && !(scanner_ && scanner_->running()));
  // Locked accounts, for an IT session to unlock.
  ImGui::Dummy(ImVec2(1, g));
  ImGui::SetCursorPosX(g * 2);
  ui_.text(t(kLockedAccounts), true);
  bool any = false;
  for (const StaffSummary& s : staff_list_) {
    if (!s.locked) continue;
    any = true;
    ImGui::SetCursorPosX(g * 2);
    if (ui_.button("unlock:" + s.id, fmt(t(kUnlock), {s.name}), ImVec2(W * 0.4f, ui_.target()),
                   Tone::kSecondary) &&
        session_) {
      platform::Status st = accounts_->unlock(*session_, s.id);
      status_message_ = st.is_ok() ? t(kUnlocked) : st.message();
      refresh_status();
      break;
    }
  }
  if (!any) {
    ImGui::SameLine();
    ui_.text(t(kNoneLocked));
  }
  if (!status_message_.empty()) {
    ImGui::SetCursorPosX(g * 2);
    ui_.text(status_message_);
    ui_.record("status:message", status_message_, "text", ImGui::GetItemRectMin(),
               ImGui::GetItemRectMax());
  }
  ImGui::SetCursorPos(ImVec2(g * 2, H - ui_.target() * 1.2f - g * 2));
  if (ui_.button("status:sync", t(kSyncNow), ImVec2(W * 0.3f, ui_.target() * 1.2f), Tone::kPrimary,
                 static_cast<bool>(be_.sync_now))) {
    (void)queue_audit_events(*be_.outbox, be_.device->identity, be_.device->databank_seal,
                             *be_.clock, *ids_, 1);
    be_.sync_now();
    status_message_ = t(kSyncAsked);
    refresh_status();
  }
}

void StaffUi::draw(std::int64_t now_unix_ms) {
  now_ = now_unix_ms;
  redraw_ = false;
  last_second_ = now_ / 1000;
  if (!active()) return;
  if (session_ && (ImGui::IsMouseClicked(0) || ImGui::IsMouseReleased(0))) session_->touch(now_);
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ui_.colv(ui_.palette().background));
  ImGui::Begin("staff", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoScrollWithMouse |
                   ImGuiWindowFlags_NoScrollbar);
  ImGui::PopStyleColor();
  ImGui::BringWindowToDisplayFront(ImGui::GetCurrentWindow());
  if (focus_pending_) {
    ui_.request_focus(focus_on_draw_);
    focus_pending_ = false;
  }
  switch (screen_) {
    case StaffScreen::kClosed:
      break;
    case StaffScreen::kAccounts:
      draw_accounts();
      break;
    case StaffScreen::kPin:
      draw_pin();
      break;
    case StaffScreen::kNurseHome:
      draw_home();
      break;
    case StaffScreen::kVerify:
      draw_verify();
      break;
    case StaffScreen::kReject:
      draw_reject();
      break;
    case StaffScreen::kItStatus:
      draw_status();
      break;
  }
  ImGui::End();
}

}  // namespace kiosk::app
