// kiosk/app/strings.h: every fixed text of the participant's screens, in Korean and English.
// Content (consent documents, questions) comes from the protocol packages, not from here.
//
// Thread-safety: constant data.
#pragma once

#include <string>

namespace kiosk::app {

enum class S {
  kAppTitle, kTouchToStart, kTouchToStartSub, kPreparing,
  kChooseLanguage, kTextSize, kTextNormal, kTextLarge, kTextLargest, kHighContrast, kOn, kOff,
  kNext, kBack, kHome, kCallStaff, kAgree, kScrollDown, kReadToEnd, kRequired, kOptional,
  kChooseType, kTypeRare, kTypeRareSub, kTypeSevere, kTypeSevereSub, kTypeGeneral, kTypeGeneralSub,
  kWhoSigns, kSelf, kSelfSub, kRepresentative, kRepresentativeSub,
  kConsentRead, kConsentChoose, kAgreeItem, kDisagreeItem, kQuestion, kQuestionCallStaff,
  kComprehension, kCorrect, kTryAgain, kIdentity, kFamilyName, kGivenName, kBirthDate, kSex,
  kMale, kFemale, kMobile, kRrn, kRrnHint, kRepFamily, kRepGiven, kRelationship, kRepPhone,
  kYear, kMonth, kDay, kSignature, kSignHere, kClear, kSignatureTooShort, kSurvey, kPage, kOf,
  kYes, kNo, kReview, kEdit, kConsents, kSurveys, kSubmit, kSubmitting, kThankYou,
  kThankYouSub, kDone, kSubmitFailed, kSubmitFailedSub, kRetry, kConfirmCancelTitle,
  kConfirmCancelSub, kYesCancel, kNoContinue, kStaffComing, kStaffComingSub, kClose,
  kIdleTitle, kIdleSub, kMoreTime, kSecondsLeft, kKeyboardSpace, kKeyboardDone, kKeyboardLang,
  kEntered, kNotEntered, kAnswered, kNotAnswered, kProgress, kSignerIs, kNoPackage,
  kRelMother, kRelFather, kRelGuardian, kRelSpouse, kRelChild, kRelSibling, kRelGrandparent,
  kRelFamily, kSignatureDone,
  // Accessibility (issue 7): the low layout switch, the voice-mode spot, spoken instructions.
  kLowLayout, kLowLayoutOn, kVoiceSpot, kInstrLanguage, kInstrChoose, kInstrRead, kInstrForm,
  kInstrIdentity, kInstrSignature, kInstrReview, kKeyDigit, kCount
};

// The text for `id` in `lang` ("ko" or "en"; anything else falls back to Korean).
const char* tr(S id, const std::string& lang);

}  // namespace kiosk::app
