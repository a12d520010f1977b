// kiosk/flow.h: the participant's way through the kiosk (DESIGN.md section 7) as a state
// machine with no UI in it. Screens render a snapshot of the Flow and hand back Intents; the
// Flow decides what comes next. Time comes from the caller (tick/now_ms), so every
// transition, the idle warning and the wipe are unit-testable with a fake clock.
//
//   attract -> language (and text size, contrast) -> participation type -> who signs
//   -> for each consent document: read (to the end) -> choose items
//   -> comprehension (one question per page, explanation after a wrong answer)
//   -> identity -> signature -> survey pages -> review -> submitting -> thank you -> attract
//
// Everywhere but attract/submitting/thank-you: cancel (confirm, then wipe), call staff,
// back where it makes sense (not out of submitting or thank-you), and the idle warning.
//
// Thread-safety: not thread-safe; the Flow belongs to the UI thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "forms/enrollment_bundle.h"
#include "forms/package.h"
#include "forms/session.h"

namespace kiosk {

enum class Screen {
  kAttract,
  kLanguage,       // language, text size, high contrast
  kParticipation,  // rare | severe | general (only those the site recruits)
  kSigner,         // self, or a legal representative with relationship
  kConsentRead,    // consent document `doc`: text, "agree" only after the end was reached
  kConsentChoose,  // consent document `doc`: its items (required vs optional)
  kComprehension,  // question `page` of the comprehension questionnaire
  kIdentity,       // participant (and representative) details
  kSignature,
  kSurvey,         // page `page` of survey questionnaire `doc`
  kReview,
  kSubmitting,
  kThankYou,
  kSubmitFailed,  // calm message + call staff; nothing is lost, retry possible
};

enum class Overlay { kNone, kConfirmCancel, kIdleWarning, kCallStaff };

const char* screen_name(Screen s);  // "attract", "language", ... (stable: tests, screenshots)

struct FlowConfig {
  std::vector<std::string> participation_types = {"rare", "severe", "general"};  // site recruits
  std::vector<std::string> languages = {"ko", "en"};
  std::int64_t idle_ms = 120'000;         // no input for this long -> idle warning
  std::int64_t idle_warning_ms = 30'000;  // countdown shown; >= 20 s
  int max_extensions = 10;                // "more time" presses per session; >= 10
  bool collect_rrn = false;               // site setting AND the package must ask
  double min_ink = 0.15;                  // signature: summed stroke length / pad width
};

// What the participant is asked for on the identity screen.
struct IdentityFields {
  forms::PatientDetails patient;                    // family, given, birth_date, gender, phone
  std::string rrn;                                  // only if collect_rrn and the package asks
  std::optional<forms::Representative> representative;  // when a representative signs
};

struct Intent {
  enum Kind {
    kStart,            // attract -> language
    kSetLanguage,      // text = "ko" | "en"
    kSetTextScale,     // number = 100 | 150 | 200
    kSetHighContrast,  // number = 0 | 1
    kChooseType,       // text = rare | severe | general
    kChooseSigner,     // text = "self" | "representative"; relationship set via identity
    kReachedEnd,       // consent read: the participant scrolled to the end
    kNext,             // validates the current screen; moves on only when valid
    kBack,
    kCancel,           // opens the confirm overlay
    kConfirmCancel,    // wipe -> attract
    kDismissOverlay,   // close confirm / call-staff overlays
    kCallStaff,        // opens the call-staff overlay (and the app rings)
    kMoreTime,         // idle warning: extend
    kEdit,             // review: number = section (see ReviewSection)
    kSubmit,           // review -> submitting (the app then calls submit and reports)
    kSubmitted,        // the app: submit returned success -> thank you
    kSubmitFailedKind, // the app: submit failed -> submit-failed screen
    kRetrySubmit,      // submit-failed -> submitting
    kFinish,           // thank you -> attract (also after 30 s without input)
  };
  Kind kind;
  std::string text;
  int number = 0;
};

enum class ReviewSection { kConsents = 0, kIdentity = 1, kSignature = 2, kSurveys = 3 };

class Flow {
 public:
  // `packages` are the installed protocol packages (one per participation type); they must
  // outlive the Flow. Throws std::invalid_argument (the one exception: a guard, the site
  // config loader reports these first) when idle_ms <= 0, idle_warning_ms < 20000 or
  // max_extensions < 10.
  Flow(const std::vector<forms::ProtocolPackage>& packages, FlowConfig config);

  // Applies an intent at time now_ms (also counts as input for the idle timer). Returns
  // false (and changes nothing) when the intent makes no sense here or the screen is not
  // valid for kNext; validation() then says why. While an overlay is open only its intents
  // count. An intent that arrives after the idle countdown ran out (before tick() saw it)
  // ends the session as tick() would, and returns false.
  bool apply(const Intent& intent, std::int64_t now_ms);
  // Any touch or key, even one that is not an intent, resets the idle timer.
  void touched(std::int64_t now_ms);
  // Drives the idle warning and the wipe. Call every frame (or when woken).
  void tick(std::int64_t now_ms);

  // Snapshot for the screens.
  Screen screen() const { return screen_; }
  Overlay overlay() const { return overlay_; }
  const std::string& language() const { return lang_; }
  int text_scale_pct() const { return text_scale_; }
  bool high_contrast() const { return high_contrast_; }
  const std::string& participation_type() const { return type_; }
  bool representative_signs() const { return representative_; }
  const forms::ProtocolPackage* package() const { return package_; }
  int consent_doc() const { return doc_; }  // index into consent_sessions()
  int page() const { return page_; }        // comprehension question / survey page
  int survey_doc() const { return doc_; }   // index into survey_sessions() on kSurvey
  bool consent_end_reached() const { return end_reached_; }
  // Milliseconds left on the idle warning countdown (0 when not shown).
  std::int64_t idle_countdown_ms(std::int64_t now_ms) const;
  int extensions_left() const { return config_.max_extensions - extensions_used_; }
  // 0..1 through the whole journey (for the progress bar).
  double progress() const;
  // Messages for the current screen after a refused kNext (language of the session).
  const std::vector<forms::ValidationMessage>& validation() const { return validation_; }
  // Comprehension: after a wrong answer, the explanation is shown (true) until corrected.
  bool explanation_shown() const { return explanation_shown_; }
  // True while a section opened from review (kEdit) is being edited: kNext at the section's
  // end, and kBack on its first screen, return to review (label the buttons accordingly).
  bool returning_to_review() const { return editing_.has_value(); }

  // The sessions of the current journey (valid after kChooseSigner), mutable for answers.
  std::vector<forms::FormSession>& consent_sessions() { return consents_; }
  forms::FormSession* comprehension() { return comprehension_ ? comprehension_.get() : nullptr; }
  std::vector<forms::FormSession>& survey_sessions() { return surveys_; }
  // Item indices of the comprehension questions / the shown top-level pages of a survey.
  std::vector<int> comprehension_questions() const;
  std::vector<int> survey_pages(int survey) const;
  IdentityFields& identity() { return identity_; }
  bool rrn_requested() const;  // config AND the package asks for it
  forms::SignatureCapture& signature() { return signature_; }
  bool signature_has_enough_ink() const;

  // Review -> submit: the enrollment content (Bundle parts) for `enrollment_id`, built from
  // the sessions, identity and signature; `now` is RFC 3339.
  forms::EnrollmentContent enrollment(const std::string& enrollment_id, const std::string& now) const;

  // Zeroes every answer, name, number and stroke, then returns to attract. Also called by
  // cancel and the idle timeout.
  void wipe();

 private:
  void go(Screen s);
  bool validate_current();
  void start_journey();
  bool next();
  bool back();
  bool apply_overlay(const Intent& intent, std::int64_t now_ms);
  void enter_consent_read(int doc);
  void enter_consent_choose(int doc);
  void enter_after_consents();
  void enter_before_identity();
  void enter_identity();
  bool enter_first_survey_page_from(int survey);
  bool enter_last_survey_page_before(int survey);
  void set_survey_page(int survey, int item);
  void set_comprehension_item(int item);
  bool comprehension_correct(int item) const;
  std::vector<forms::ValidationMessage> identity_messages() const;
  std::vector<forms::ValidationMessage> everything_messages() const;
  std::string session_language(const forms::Questionnaire& q) const;
  void wipe_personal_data();

  const std::vector<forms::ProtocolPackage>& packages_;
  FlowConfig config_;
  Screen screen_ = Screen::kAttract;
  Overlay overlay_ = Overlay::kNone;
  std::string lang_ = "ko";
  int text_scale_ = 100;
  bool high_contrast_ = false;
  std::string type_;
  bool representative_ = false;
  const forms::ProtocolPackage* package_ = nullptr;
  int doc_ = 0;
  int page_ = 0;
  int page_item_ = -1;  // item index of the current comprehension question / survey page
  bool end_reached_ = false;
  std::vector<char> doc_read_;  // per consent document: read to the end once this journey
  std::optional<ReviewSection> editing_;  // a section opened from review
  bool explanation_shown_ = false;
  std::int64_t now_ms_ = 0;  // time of the intent being applied (identity date checks)
  std::int64_t last_input_ms_ = 0;
  std::int64_t warning_deadline_ms_ = 0;
  int extensions_used_ = 0;
  std::vector<forms::ValidationMessage> validation_;
  std::vector<forms::FormSession> consents_;
  std::unique_ptr<forms::FormSession> comprehension_;
  std::vector<forms::FormSession> surveys_;
  IdentityFields identity_;
  forms::SignatureCapture signature_;
};

}  // namespace kiosk
