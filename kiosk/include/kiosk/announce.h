// kiosk/announce.h: what the voice guidance says, in Korean and English, as pure functions;
// and ReadingSession, which reads a consent document aloud paragraph by paragraph.
//
// The screens (and nothing else) decide when to speak; these functions decide the words, so
// that the wording is the same on every screen and testable without a window or a sound card:
//
//   screen entry   "동의서 읽기. 끝까지 읽은 뒤 동의를 누르세요."
//   focus          "다음, 버튼, 다섯 개 중 두 번째" / "Next, button, 2 of 5"
//   error          "오류: 생년월일을 확인하세요." / "Error: ..."
//   idle warning   "30초 남았습니다. 시간을 늘리려면 ..."
//   voice mode, rate and volume changes.
//
// Personal data: a field whose FieldPrivacy is kPresenceOnly (the resident registration
// number and phone numbers, see field_privacy()) is announced only as "입력됨"/"entered" or
// "입력 안 됨"/"not entered". Its value never enters the text, so it cannot be spoken,
// whatever the value is; tests check that the words do not depend on it. The key names
// spoken (8/2, 5, 0, ...) follow the keypad proposal in docs/ACCESSIBILITY.md.
//
// Thread-safety: the functions are pure. A ReadingSession belongs to the UI thread, like
// the Speech it drives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/speech.h"

namespace kiosk {

// --- screens and controls --------------------------------------------------------------------

// "<title>. <instructions>" (either may be empty); a full stop is added where a sentence lacks
// one, so that the synthesizer pauses between them.
std::string announce_screen(Lang lang, std::string_view title, std::string_view instructions);

enum class Role {
  kButton,     // 버튼 / button
  kOption,     // one answer of several: 선택 항목 / option
  kCheckbox,   // 체크 상자 / check box
  kTextField,  // 입력 칸 / text field
  kKey,        // a key of the on-screen keyboard: 키 / key
  kDocument,   // the consent reader: 문서 / document
};

enum class FieldPrivacy {
  kSpeakValue,    // the value may be read back (name, relationship, ...)
  kPresenceOnly,  // only whether something was entered (RRN, phone)
};

// The privacy of an identity field by its name in forms::PatientDetails / Representative
// ("rrn", "phone", "representative.phone", ...): kPresenceOnly for the resident registration
// number and every phone number, kSpeakValue otherwise. Unknown names that contain "rrn" or
// "phone" are kPresenceOnly too.
FieldPrivacy field_privacy(std::string_view field_name);

struct Control {
  std::string label{};  // the visible label
  Role role = Role::kButton;
  bool disabled = false;
  bool selected = false;  // kOption: this answer is the chosen one
  bool checked = false;   // kCheckbox
  bool required = false;  // a required question or consent item
  // kTextField: what is in it, and whether it may be said.
  std::string value{};
  FieldPrivacy privacy = FieldPrivacy::kSpeakValue;
  // 1-based place in the screen's focus order and the number of places; 0: not said.
  int position = 0;
  int count = 0;
};

// "<label>, <role>, <state...>, <value>, <required>, <position>", e.g.
// "다음, 버튼, 다섯 개 중 두 번째" / "Next, button, 2 of 5";
// "예, 선택 항목, 선택됨, 두 개 중 첫 번째" / "Yes, option, selected, 1 of 2";
// "휴대전화, 입력 칸, 입력됨, 여섯 개 중 네 번째" / "Mobile phone, text field, entered, 4 of 6".
// Korean positions use the native numerals in words (espeak-ng reads "2번째" as "이 번째",
// which is wrong); up to 99, digits beyond.
std::string announce_focus(Lang lang, const Control& control);

// A text field's content as spoken: kPresenceOnly -> "입력됨"/"entered" or "입력 안 됨"/
// "not entered"; kSpeakValue -> the value, or "입력 안 됨"/"not entered" when empty.
std::string announce_field_value(Lang lang, std::string_view value, FieldPrivacy privacy);

// The echo of one typed character: the key's label, or "입력"/"typed" in a kPresenceOnly field.
std::string announce_typed(Lang lang, std::string_view key_label, FieldPrivacy privacy);

// "오류: <message>" / "Error: <message>"; several messages are joined into one utterance.
std::string announce_error(Lang lang, std::string_view message);
std::string announce_errors(Lang lang, const std::vector<std::string>& messages);

// The idle warning, said when it appears: "30초 남았습니다. 시간을 늘리려면 화면의 '시간
// 연장' 버튼이나 키패드의 5번 키를 누르세요." `extend_label` is the button's visible label.
// `seconds_left` below 1 is said as 1.
std::string announce_idle_warning(Lang lang, int seconds_left, std::string_view extend_label);

// Said when voice mode starts (with the keys that matter most) and when it ends.
std::string announce_voice_mode_started(Lang lang);
std::string announce_voice_mode_stopped(Lang lang);

// After a keypad change: "말 빠르기 10단계 중 5단계" / "Speech rate 5 of 10", with ", 기본" /
// ", default" at the default and "가장 빠름"/"fastest" etc. at the ends.
std::string announce_rate(Lang lang, int wpm);
// "음량 10단계 중 9단계" / "Volume 9 of 10", with "최대"/"maximum" and "최소"/"minimum".
std::string announce_volume(Lang lang, int volume);

// Reading aloud: "읽기를 멈췄습니다" / "Reading stopped", "문서 끝" / "End of document".
std::string announce_reading_stopped(Lang lang);
std::string announce_reading_finished(Lang lang);

// --- reading a document aloud ----------------------------------------------------------------

struct Paragraph {
  std::string text;
  std::filesystem::path recorded;  // a recorded human voice for this paragraph; empty: none
};

// Splits plain text into paragraphs at blank lines; line breaks inside a paragraph become
// spaces, surrounding white space is trimmed, empty paragraphs are dropped.
std::vector<Paragraph> split_paragraphs(std::string_view text);

// Reads a list of paragraphs aloud, one utterance per paragraph, going on to the next when
// the Speech has finished one (poll() once a frame). The participant can pause, resume,
// replay the paragraph, go to the next or previous one, and stop. Every command that starts
// a paragraph interrupts whatever was being said. When speech is not available (no audio
// device) nothing advances by itself: the participant reads the screen.
class ReadingSession {
 public:
  enum class State { kIdle, kReading, kPaused, kStopped, kFinished };

  // REQUIRES: `speech` outlives the session.
  ReadingSession(Speech& speech, std::vector<Paragraph> paragraphs, Lang lang);

  void start();     // from the first paragraph
  void pause();     // kReading -> kPaused
  void resume();    // kPaused -> kReading
  void replay();    // the current paragraph again, from its beginning
  bool next();      // the following paragraph; false (and nothing said) at the last one
  bool previous();  // the one before; false at the first
  void stop();      // silence; kStopped ("읽기를 멈췄습니다" is said)

  // Call once a frame: when the current paragraph has been said, says the next one, or after
  // the last says "end of document" and finishes. Returns true when it started something.
  bool poll();

  State state() const { return state_; }
  std::size_t index() const { return index_; }  // the current paragraph
  std::size_t size() const { return paragraphs_.size(); }
  bool finished() const { return state_ == State::kFinished; }

 private:
  void say_current();

  Speech& speech_;
  std::vector<Paragraph> paragraphs_;
  Lang lang_;
  std::size_t index_ = 0;
  State state_ = State::kIdle;
  std::uint64_t mark_ = 0;  // speech_.interrupt_count() just after our paragraph began
};

}  // namespace kiosk
