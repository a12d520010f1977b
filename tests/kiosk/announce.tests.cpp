// kiosk/announce: the words of the voice guidance in Korean and English, personal data kept
// out of them, and reading a document aloud paragraph by paragraph (against the speech spy).
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "kiosk/announce.h"
#include "kiosk/speech_spy.h"

using kiosk::Control;
using kiosk::FieldPrivacy;
using kiosk::Lang;
using kiosk::Priority;
using kiosk::ReadingSession;
using kiosk::Role;
using kiosk::SpeechSpy;

namespace {

bool has_ascii_digit(const std::string& s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

bool is_ascii(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// True when `s` has a Hangul syllable (U+AC00..U+D7A3: UTF-8 EA B0 80 .. ED 9E A3).
bool has_hangul(const std::string& s) {
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 >= 0xEA && b0 <= 0xED) return true;
  }
  return false;
}

std::vector<kiosk::Paragraph> three_paragraphs() {
  return {{"첫째 문단입니다.", {}}, {"둘째 문단입니다.", "/pkg/consent/p2.wav"}, {"셋째 문단입니다.", {}}};
}

}  // namespace

TEST_CASE("Entering a screen says its title, then its instructions", "[announce]") {
  CHECK(kiosk::announce_screen(Lang::kKo, "동의서 읽기", "끝까지 읽은 뒤 동의를 누르세요") ==
        "동의서 읽기. 끝까지 읽은 뒤 동의를 누르세요.");
  CHECK(kiosk::announce_screen(Lang::kEn, "Read the consent", "Read to the end, then press Agree.") ==
        "Read the consent. Read to the end, then press Agree.");
  CHECK(kiosk::announce_screen(Lang::kEn, "  Review?  ", "") == "Review?");
  CHECK(kiosk::announce_screen(Lang::kKo, "", "") == "");
}

TEST_CASE("Focus says the label, the role, the state and the position", "[announce][focus]") {
  Control next{.label = "다음", .role = Role::kButton, .position = 2, .count = 5};
  CHECK(kiosk::announce_focus(Lang::kKo, next) == "다음, 버튼, 다섯 개 중 두 번째");
  next.label = "Next";
  CHECK(kiosk::announce_focus(Lang::kEn, next) == "Next, button, 2 of 5");

  SECTION("disabled") {
    next.disabled = true;
    CHECK(kiosk::announce_focus(Lang::kEn, next) == "Next, button, disabled, 2 of 5");
    next.label = "다음";
    CHECK(kiosk::announce_focus(Lang::kKo, next) == "다음, 버튼, 사용할 수 없음, 다섯 개 중 두 번째");
  }
  SECTION("options: selected and not selected") {
    Control yes{.label = "예", .role = Role::kOption, .selected = true, .position = 1, .count = 2};
    CHECK(kiosk::announce_focus(Lang::kKo, yes) == "예, 선택 항목, 선택됨, 두 개 중 첫 번째");
    yes.label = "No";
    yes.selected = false;
    yes.position = 2;
    CHECK(kiosk::announce_focus(Lang::kEn, yes) == "No, option, not selected, 2 of 2");
  }
  SECTION("check boxes, required") {
    Control item{.label = "유전체 분석에 동의", .role = Role::kCheckbox, .checked = false, .required = true,
                 .position = 3, .count = 4};
    CHECK(kiosk::announce_focus(Lang::kKo, item) == "유전체 분석에 동의, 체크 상자, 체크 안 됨, 필수, 네 개 중 세 번째");
    item.label = "I agree to genome analysis";
    item.checked = true;
    CHECK(kiosk::announce_focus(Lang::kEn, item) ==
          "I agree to genome analysis, check box, checked, required, 3 of 4");
  }
  SECTION("text fields read their value back when it may be said") {
    Control name{.label = "이름", .role = Role::kTextField, .value = "길동", .position = 2, .count = 6};
    CHECK(kiosk::announce_focus(Lang::kKo, name) == "이름, 입력 칸, 길동, 여섯 개 중 두 번째");
    name.value = "";
    CHECK(kiosk::announce_focus(Lang::kKo, name) == "이름, 입력 칸, 입력 안 됨, 여섯 개 중 두 번째");
    name.label = "Given name";
    CHECK(kiosk::announce_focus(Lang::kEn, name) == "Given name, text field, not entered, 2 of 6");
  }
  SECTION("Korean says places and counts with native numerals in words, which espeak-ng cannot derive") {
    const auto where = [](int position, int count) {
      return kiosk::announce_focus(Lang::kKo, Control{.label = "가", .position = position, .count = count});
    };
    CHECK(where(1, 1) == "가, 버튼, 한 개 중 첫 번째");
    CHECK(where(3, 4) == "가, 버튼, 네 개 중 세 번째");
    CHECK(where(11, 20) == "가, 버튼, 스무 개 중 열한 번째");
    CHECK(where(21, 32) == "가, 버튼, 서른두 개 중 스물한 번째");
    CHECK(where(99, 99) == "가, 버튼, 아흔아홉 개 중 아흔아홉 번째");
    CHECK(where(100, 120) == "가, 버튼, 120 개 중 100 번째");
    CHECK(where(0, 5) == "가, 버튼");
    for (int count = 1; count < 100; ++count) {
      for (int position = 1; position <= count; ++position) REQUIRE_FALSE(has_ascii_digit(where(position, count)));
    }
  }
  SECTION("without a position, none is said; keys and the reader have roles too") {
    CHECK(kiosk::announce_focus(Lang::kKo, Control{.label = "ㄱ", .role = Role::kKey}) == "ㄱ, 키");
    CHECK(kiosk::announce_focus(Lang::kEn, Control{.label = "Consent", .role = Role::kDocument}) ==
          "Consent, document");
  }
}

TEST_CASE("The resident registration number and phone numbers are never spoken, only 'entered'",
          "[announce][privacy]") {
  CHECK(kiosk::field_privacy("rrn") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("RRN") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("phone") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("patient.phone") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("representative.phone") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("resident_number") == FieldPrivacy::kPresenceOnly);
  CHECK(kiosk::field_privacy("family") == FieldPrivacy::kSpeakValue);
  CHECK(kiosk::field_privacy("given") == FieldPrivacy::kSpeakValue);
  CHECK(kiosk::field_privacy("relationship") == FieldPrivacy::kSpeakValue);

  const std::vector<std::string> values = {"900101-1234567", "9001011234567", "010-9876-5432", "01098765432",
                                           "+82 10 2345 6789", "0", "７"};
  for (const std::string& v : values) {
    INFO(v);
    for (Lang lang : {Lang::kKo, Lang::kEn}) {
      const std::string said = kiosk::announce_field_value(lang, v, FieldPrivacy::kPresenceOnly);
      CHECK(said == (lang == Lang::kKo ? "입력됨" : "entered"));
      CHECK_FALSE(has_ascii_digit(said));
      for (char c : v) CHECK((said.find(c) == std::string::npos || c == ' '));
      // Typing echo: one "typed" per key, never the key.
      for (char c : v) CHECK_FALSE(has_ascii_digit(kiosk::announce_typed(lang, std::string(1, c), FieldPrivacy::kPresenceOnly)));
      // Focus: without a position there is no digit at all.
      Control field{.label = lang == Lang::kKo ? "주민등록번호" : "Resident registration number",
                    .role = Role::kTextField, .value = v, .privacy = FieldPrivacy::kPresenceOnly};
      CHECK_FALSE(has_ascii_digit(kiosk::announce_focus(lang, field)));
    }
  }
  SECTION("what is said depends only on whether something was entered") {
    Control field{.label = "휴대전화", .role = Role::kTextField, .privacy = FieldPrivacy::kPresenceOnly,
                  .position = 4, .count = 6};
    CHECK(kiosk::announce_focus(Lang::kKo, field) == "휴대전화, 입력 칸, 입력 안 됨, 여섯 개 중 네 번째");
    field.value = "010-1111-2222";
    const std::string reference = kiosk::announce_focus(Lang::kKo, field);
    CHECK(reference == "휴대전화, 입력 칸, 입력됨, 여섯 개 중 네 번째");
    std::mt19937 rng(20240101);
    std::uniform_int_distribution<int> digit(0, 9), length(1, 16);
    for (int i = 0; i < 1000; ++i) {
      std::string v;
      for (int n = length(rng); n > 0; --n) v += static_cast<char>('0' + digit(rng));
      field.value = v;
      REQUIRE(kiosk::announce_focus(Lang::kKo, field) == reference);
    }
    field.value = "01098765432";
    field.label = "Mobile phone";
    CHECK(kiosk::announce_focus(Lang::kEn, field) == "Mobile phone, text field, entered, 4 of 6");
  }
  SECTION("a value that may be spoken is spoken, to show the rule is what keeps digits out") {
    CHECK(kiosk::announce_field_value(Lang::kKo, "900101-1234567", FieldPrivacy::kSpeakValue) == "900101-1234567");
    CHECK(kiosk::announce_typed(Lang::kEn, "7", FieldPrivacy::kSpeakValue) == "7");
  }
}

TEST_CASE("Errors are announced as errors, in the session's language", "[announce]") {
  CHECK(kiosk::announce_error(Lang::kKo, "생년월일을 확인하세요") == "오류: 생년월일을 확인하세요.");
  CHECK(kiosk::announce_error(Lang::kEn, "Check the birth date.") == "Error: Check the birth date.");
  CHECK(kiosk::announce_errors(Lang::kEn, {}) == "");
  CHECK(kiosk::announce_errors(Lang::kEn, {"Enter your name."}) == "Error: Enter your name.");
  CHECK(kiosk::announce_errors(Lang::kKo, {"이름을 입력하세요", " ", "성별을 고르세요."}) ==
        "오류 두 개: 이름을 입력하세요. 성별을 고르세요.");
  CHECK(kiosk::announce_errors(Lang::kEn, {"Enter your name", "Choose a gender."}) ==
        "2 errors: Enter your name. Choose a gender.");
}

TEST_CASE("The idle warning is spoken with the time left and how to get more", "[announce][timing]") {
  CHECK(kiosk::announce_idle_warning(Lang::kKo, 30, "시간 연장") ==
        "30초 남았습니다. 시간을 늘리려면 화면의 '시간 연장' 버튼이나 키패드의 5번 키를 누르세요.");
  CHECK(kiosk::announce_idle_warning(Lang::kEn, 30, "More time") ==
        "30 seconds left. To get more time, press the 'More time' button on the screen, or 5 on the keypad.");
  CHECK(kiosk::announce_idle_warning(Lang::kEn, 1, "") == "1 second left. To get more time, press 5 on the keypad.");
  CHECK(kiosk::announce_idle_warning(Lang::kKo, 0, "") == "1초 남았습니다. 시간을 늘리려면 키패드의 5번 키를 누르세요.");
}

TEST_CASE("Voice mode, rate and volume changes are announced in both languages", "[announce]") {
  for (Lang lang : {Lang::kKo, Lang::kEn}) {
    const std::string started = kiosk::announce_voice_mode_started(lang);
    INFO(started);
    // The keys that matter most without sight (docs/ACCESSIBILITY.md): move, press, repeat.
    for (const char* key : {"8", "2", "5", "0"}) CHECK(started.find(key) != std::string::npos);
    CHECK(has_hangul(started) == (lang == Lang::kKo));
    CHECK(has_hangul(kiosk::announce_voice_mode_stopped(lang)) == (lang == Lang::kKo));
  }
  CHECK(is_ascii(kiosk::announce_voice_mode_started(Lang::kEn)));

  CHECK(kiosk::announce_rate(Lang::kKo, kiosk::kDefaultRateWpm) == "말 빠르기 10단계 중 4단계, 기본");
  CHECK(kiosk::announce_rate(Lang::kEn, kiosk::kDefaultRateWpm) == "Speech rate 4 of 10, default");
  CHECK(kiosk::announce_rate(Lang::kEn, kiosk::kMaxRateWpm) == "Speech rate 10 of 10, fastest");
  CHECK(kiosk::announce_rate(Lang::kKo, kiosk::kMinRateWpm) == "말 빠르기 10단계 중 1단계, 가장 느림");
  CHECK(kiosk::announce_rate(Lang::kEn, kiosk::step_rate(kiosk::kDefaultRateWpm, +1)) == "Speech rate 5 of 10");

  CHECK(kiosk::announce_volume(Lang::kKo, kiosk::kDefaultVolume) == "음량 10단계 중 8단계, 기본");
  CHECK(kiosk::announce_volume(Lang::kEn, 100) == "Volume 10 of 10, maximum");
  CHECK(kiosk::announce_volume(Lang::kEn, kiosk::kMinKeypadVolume) == "Volume 3 of 10, minimum");
  CHECK(kiosk::announce_volume(Lang::kKo, 90) == "음량 10단계 중 9단계");
  CHECK(kiosk::announce_volume(Lang::kEn, 0) == "Volume off");
}

TEST_CASE("A consent text is split into paragraphs at blank lines", "[announce][reading]") {
  const auto ps = kiosk::split_paragraphs("  첫째 줄\n이어지는 줄\n\n\n둘째 문단 \r\n \t\n셋째\n");
  REQUIRE(ps.size() == 3);
  CHECK(ps[0].text == "첫째 줄 이어지는 줄");
  CHECK(ps[1].text == "둘째 문단");
  CHECK(ps[2].text == "셋째");
  CHECK(ps[0].recorded.empty());
  CHECK(kiosk::split_paragraphs("").empty());
  CHECK(kiosk::split_paragraphs("\n \n").empty());
  CHECK(kiosk::split_paragraphs("one").size() == 1);
}

TEST_CASE("ReadingSession reads paragraph by paragraph with pause, resume, replay and stop",
          "[announce][reading]") {
  SpeechSpy spy;
  ReadingSession reading(spy, three_paragraphs(), Lang::kKo);
  CHECK(reading.state() == ReadingSession::State::kIdle);
  CHECK(reading.size() == 3);
  CHECK_FALSE(reading.poll());
  CHECK(spy.said().empty());

  reading.start();
  REQUIRE(spy.said().size() == 1);
  CHECK(spy.last().text == "첫째 문단입니다.");
  CHECK(spy.last().priority == Priority::kInterrupt);
  CHECK(spy.last().lang == Lang::kKo);
  CHECK(reading.state() == ReadingSession::State::kReading);

  SECTION("goes on to the next paragraph only when the last one has been said, then ends") {
    CHECK_FALSE(reading.poll());  // still being said
    CHECK(spy.said().size() == 1);
    spy.finish();
    CHECK(reading.poll());
    CHECK(reading.index() == 1);
    // The second paragraph has a recorded voice: played, with its text as the fallback.
    CHECK(spy.last().recorded == "/pkg/consent/p2.wav");
    CHECK(spy.last().text == "둘째 문단입니다.");
    CHECK(spy.last().priority == Priority::kQueue);
    spy.finish();
    CHECK(reading.poll());
    CHECK(spy.last().text == "셋째 문단입니다.");
    spy.finish();
    CHECK(reading.poll());
    CHECK(spy.last().text == "문서 끝.");
    CHECK(reading.finished());
    CHECK_FALSE(reading.poll());
    CHECK(spy.said().size() == 4);
  }
  SECTION("pause holds the speech; resume goes on from where it was") {
    reading.pause();
    CHECK(reading.state() == ReadingSession::State::kPaused);
    CHECK(spy.is_paused());
    spy.finish();  // even if the speech finished meanwhile, a paused session does not advance
    CHECK_FALSE(reading.poll());
    spy.say("unused", Lang::kKo, Priority::kQueue);  // (keeps the spy 'speaking' and paused)
    spy.pause();
    reading.resume();
    CHECK(reading.state() == ReadingSession::State::kReading);
    CHECK(spy.resumes() == 1);
    CHECK(spy.said().size() == 2);  // nothing said again
  }
  SECTION("replay says the current paragraph again from its start") {
    spy.finish();
    REQUIRE(reading.poll());
    reading.replay();
    CHECK(reading.index() == 1);
    CHECK(spy.last().text == "둘째 문단입니다.");
    CHECK(spy.last().priority == Priority::kInterrupt);
  }
  SECTION("next and previous move one paragraph and stop at the ends") {
    CHECK_FALSE(reading.previous());
    CHECK(reading.next());
    CHECK(reading.next());
    CHECK(reading.index() == 2);
    CHECK(spy.last().text == "셋째 문단입니다.");
    CHECK_FALSE(reading.next());
    CHECK(reading.previous());
    CHECK(spy.last().text == "둘째 문단입니다.");
    CHECK(spy.last().priority == Priority::kInterrupt);
    CHECK(spy.said().size() == 4);
  }
  SECTION("stop says so and reads no further") {
    reading.stop();
    CHECK(reading.state() == ReadingSession::State::kStopped);
    CHECK(spy.last().text == "읽기를 멈췄습니다.");
    spy.finish(true);
    CHECK_FALSE(reading.poll());
    CHECK(spy.said().size() == 2);
  }
  SECTION("something else said with kInterrupt (the participant acted) holds the reading") {
    spy.say("음량 10단계 중 9단계", Lang::kKo);  // a volume key press, say
    spy.finish(true);
    CHECK_FALSE(reading.poll());
    CHECK(reading.state() == ReadingSession::State::kPaused);
    CHECK(reading.index() == 0);
    reading.resume();  // the paragraph was cut off: it is read again from its start
    CHECK(spy.last().text == "첫째 문단입니다.");
    CHECK(reading.state() == ReadingSession::State::kReading);
  }
  SECTION("without an audio device nothing advances by itself") {
    spy.set_state(kiosk::SpeechState::kAudioUnavailable);
    spy.finish(true);
    for (int frame = 0; frame < 100; ++frame) CHECK_FALSE(reading.poll());
    CHECK(reading.index() == 0);
  }
}

TEST_CASE("ReadingSession of an empty document says it ended", "[announce][reading]") {
  SpeechSpy spy;
  ReadingSession reading(spy, {}, Lang::kEn);
  reading.start();
  CHECK(reading.finished());
  CHECK(spy.texts() == std::vector<std::string>{"End of document."});
  reading.replay();
  CHECK_FALSE(reading.next());
  CHECK_FALSE(reading.previous());
  CHECK(spy.said().size() == 1);
}
