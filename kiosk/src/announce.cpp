#include "kiosk/announce.h"

#include <algorithm>
#include <utility>

namespace kiosk {

namespace {

bool ko(Lang lang) { return lang == Lang::kKo; }

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Appends `sentence` (trimmed) to `out` as a sentence of its own: a full stop is added when it
// ends without terminal punctuation, so that the synthesizer pauses after it.
void add_sentence(std::string& out, std::string_view sentence) {
  sentence = trim(sentence);
  if (sentence.empty()) return;
  if (!out.empty()) out += ' ';
  out += sentence;
  const char last = sentence.back();
  if (last != '.' && last != '?' && last != '!' && last != ':') out += '.';
}

// Joins the parts of a focus announcement with ", ".
void add_part(std::string& out, std::string_view part) {
  part = trim(part);
  if (part.empty()) return;
  if (!out.empty()) out += ", ";
  out += part;
}

const char* role_name(Lang lang, Role role) {
  switch (role) {
    case Role::kButton: return ko(lang) ? "버튼" : "button";
    case Role::kOption: return ko(lang) ? "선택 항목" : "option";
    case Role::kCheckbox: return ko(lang) ? "체크 상자" : "check box";
    case Role::kTextField: return ko(lang) ? "입력 칸" : "text field";
    case Role::kKey: return ko(lang) ? "키" : "key";
    case Role::kDocument: return ko(lang) ? "문서" : "document";
  }
  return "";
}

// Korean counts things (개) and places (번째) with the native numerals, which espeak-ng does
// not derive from digits: it reads "2번째" as "이 번째" and "5개" as "오 개" (heard in the
// listening check). So these are written out: "다섯 개 중 두 번째". 1..99; digits beyond.
std::string korean_native_determiner(int n) {
  static const char* const kUnits[] = {"", "한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉"};
  static const char* const kTens[] = {"", "열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔"};
  if (n < 1 || n > 99) return std::to_string(n);
  const int tens = n / 10, units = n % 10;
  if (n == 20) return "스무";
  return std::string(kTens[tens]) + kUnits[units];
}

std::string korean_count(int n) { return korean_native_determiner(n) + " 개"; }

std::string korean_ordinal(int n) { return (n == 1 ? std::string("첫") : korean_native_determiner(n)) + " 번째"; }

std::string position_text(Lang lang, int position, int count) {
  if (position <= 0 || count <= 0) return {};
  if (ko(lang)) return korean_count(count) + " 중 " + korean_ordinal(position);
  return std::to_string(position) + " of " + std::to_string(count);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

std::string announce_screen(Lang, std::string_view title, std::string_view instructions) {
  std::string out;
  add_sentence(out, title);
  add_sentence(out, instructions);
  return out;
}

FieldPrivacy field_privacy(std::string_view field_name) {
  std::string lower(field_name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  if (contains(lower, "rrn") || contains(lower, "phone") || contains(lower, "resident")) {
    return FieldPrivacy::kPresenceOnly;
  }
  return FieldPrivacy::kSpeakValue;
}

std::string announce_field_value(Lang lang, std::string_view value, FieldPrivacy privacy) {
  // Decided on emptiness alone for kPresenceOnly: the value's characters never get further.
  const bool empty = trim(value).empty();
  if (empty) return ko(lang) ? "입력 안 됨" : "not entered";
  if (privacy == FieldPrivacy::kPresenceOnly) return ko(lang) ? "입력됨" : "entered";
  return std::string(trim(value));
}

std::string announce_focus(Lang lang, const Control& c) {
  std::string out;
  add_part(out, c.label);
  add_part(out, role_name(lang, c.role));
  if (c.role == Role::kOption) {
    add_part(out, c.selected ? (ko(lang) ? "선택됨" : "selected") : (ko(lang) ? "선택 안 됨" : "not selected"));
  } else if (c.role == Role::kCheckbox) {
    add_part(out, c.checked ? (ko(lang) ? "체크됨" : "checked") : (ko(lang) ? "체크 안 됨" : "not checked"));
  } else if (c.role == Role::kTextField) {
    add_part(out, announce_field_value(lang, c.value, c.privacy));
  }
  if (c.disabled) add_part(out, ko(lang) ? "사용할 수 없음" : "disabled");
  if (c.required) add_part(out, ko(lang) ? "필수" : "required");
  add_part(out, position_text(lang, c.position, c.count));
  return out;
}

std::string announce_typed(Lang lang, std::string_view key_label, FieldPrivacy privacy) {
  if (privacy == FieldPrivacy::kPresenceOnly) return ko(lang) ? "입력" : "typed";
  return std::string(trim(key_label));
}

std::string announce_error(Lang lang, std::string_view message) {
  std::string out = ko(lang) ? "오류: " : "Error: ";
  std::string body;
  add_sentence(body, message);
  return out + body;
}

std::string announce_errors(Lang lang, const std::vector<std::string>& messages) {
  std::vector<std::string_view> real;
  for (const std::string& m : messages) {
    if (!trim(m).empty()) real.push_back(m);
  }
  if (real.empty()) return {};
  if (real.size() == 1) return announce_error(lang, real.front());
  std::string out = ko(lang) ? "오류 " + korean_count(static_cast<int>(real.size())) + ":"
                             : std::to_string(real.size()) + " errors:";
  for (std::string_view m : real) add_sentence(out, m);
  return out;
}

std::string announce_idle_warning(Lang lang, int seconds_left, std::string_view extend_label) {
  const int n = std::max(seconds_left, 1);
  const std::string_view label = trim(extend_label);
  std::string out;
  if (ko(lang)) {
    out = std::to_string(n) + "초 남았습니다. 시간을 늘리려면 ";
    if (!label.empty()) out += "화면의 '" + std::string(label) + "' 버튼이나 ";
    out += "키패드의 5번 키를 누르세요.";
  } else {
    out = std::to_string(n) + (n == 1 ? " second left. " : " seconds left. ");
    out += "To get more time, press ";
    if (!label.empty()) out += "the '" + std::string(label) + "' button on the screen, or ";
    out += "5 on the keypad.";
  }
  return out;
}

std::string announce_voice_mode_started(Lang lang) {
  if (ko(lang)) {
    return "음성 안내를 시작합니다. 8번과 2번 키, 또는 위아래 화살표 키로 항목을 옮기고, 5번 키나 확인 키로 "
           "누릅니다. 0번 키를 누르면 다시 들려 드립니다. 음량은 더하기와 빼기 키로, 말 빠르기는 별표와 샵 "
           "키로 바꿉니다.";
  }
  return "Voice guidance is on. Use 8 and 2, or the up and down arrows, to move between items, and 5 or "
         "Enter to press one. Press 0 to hear it again. Plus and minus change the volume; star and hash "
         "change the speed of speech.";
}

std::string announce_voice_mode_stopped(Lang lang) {
  return ko(lang) ? "음성 안내를 끕니다." : "Voice guidance is off.";
}

std::string announce_rate(Lang lang, int wpm) {
  const int v = clamp_rate(wpm);
  const int levels = (kMaxRateWpm - kMinRateWpm) / kRateStepWpm + 1;
  const int level = (v - kMinRateWpm + kRateStepWpm / 2) / kRateStepWpm + 1;
  std::string out = ko(lang) ? "말 빠르기 " + std::to_string(levels) + "단계 중 " + std::to_string(level) + "단계"
                             : "Speech rate " + std::to_string(level) + " of " + std::to_string(levels);
  if (v == kDefaultRateWpm) out += ko(lang) ? ", 기본" : ", default";
  else if (v == kMaxRateWpm) out += ko(lang) ? ", 가장 빠름" : ", fastest";
  else if (v == kMinRateWpm) out += ko(lang) ? ", 가장 느림" : ", slowest";
  return out;
}

std::string announce_volume(Lang lang, int volume) {
  const int v = clamp_volume(volume);
  if (v == 0) return ko(lang) ? "음량 꺼짐" : "Volume off";
  const int levels = kMaxVolume / kVolumeStep;
  const int level = std::max((v + kVolumeStep / 2) / kVolumeStep, 1);
  std::string out = ko(lang) ? "음량 " + std::to_string(levels) + "단계 중 " + std::to_string(level) + "단계"
                             : "Volume " + std::to_string(level) + " of " + std::to_string(levels);
  if (v == kDefaultVolume) out += ko(lang) ? ", 기본" : ", default";
  else if (v == kMaxVolume) out += ko(lang) ? ", 최대" : ", maximum";
  else if (v <= kMinKeypadVolume) out += ko(lang) ? ", 최소" : ", minimum";
  return out;
}

std::string announce_reading_stopped(Lang lang) {
  return ko(lang) ? "읽기를 멈췄습니다." : "Reading stopped.";
}

std::string announce_reading_finished(Lang lang) {
  return ko(lang) ? "문서 끝." : "End of document.";
}

// --- paragraphs ------------------------------------------------------------------------------

std::vector<Paragraph> split_paragraphs(std::string_view text) {
  std::vector<Paragraph> out;
  std::string current;
  const auto flush = [&] {
    const std::string_view t = trim(current);
    if (!t.empty()) out.push_back(Paragraph{std::string(t), {}});
    current.clear();
  };
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) {
      flush();
    } else {
      if (!current.empty()) current += ' ';
      current += line;
    }
  }
  flush();
  return out;
}

ReadingSession::ReadingSession(Speech& speech, std::vector<Paragraph> paragraphs, Lang lang)
    : speech_(speech), paragraphs_(std::move(paragraphs)), lang_(lang) {}

void ReadingSession::say_current() {
  const Paragraph& p = paragraphs_[index_];
  if (p.recorded.empty()) {
    speech_.say(p.text, lang_, Priority::kInterrupt);
  } else {
    speech_.say_recorded(p.recorded, p.text, lang_, Priority::kInterrupt);
  }
  mark_ = speech_.interrupt_count();
  state_ = State::kReading;
}

void ReadingSession::start() {
  index_ = 0;
  if (paragraphs_.empty()) {
    speech_.say(announce_reading_finished(lang_), lang_, Priority::kInterrupt);
    state_ = State::kFinished;
    return;
  }
  say_current();
}

void ReadingSession::pause() {
  if (state_ != State::kReading) return;
  speech_.pause();
  state_ = State::kPaused;
}

void ReadingSession::resume() {
  if (state_ != State::kPaused) return;
  if (speech_.is_paused() && speech_.interrupt_count() == mark_) {
    speech_.resume();
    state_ = State::kReading;
  } else {
    // Something else was said in between and cut the paragraph off: read it from its start.
    say_current();
  }
}

void ReadingSession::replay() {
  if (paragraphs_.empty()) return;
  say_current();
}

bool ReadingSession::next() {
  if (index_ + 1 >= paragraphs_.size()) return false;
  ++index_;
  say_current();
  return true;
}

bool ReadingSession::previous() {
  if (index_ == 0 || paragraphs_.empty()) return false;
  --index_;
  say_current();
  return true;
}

void ReadingSession::stop() {
  if (state_ == State::kIdle) return;
  speech_.say(announce_reading_stopped(lang_), lang_, Priority::kInterrupt);
  state_ = State::kStopped;
}

bool ReadingSession::poll() {
  if (state_ != State::kReading) return false;
  if (speech_.interrupt_count() != mark_) {
    // Another announcement (the participant did something) cut the paragraph off: hold here;
    // resume() or replay() reads it again.
    state_ = State::kPaused;
    return false;
  }
  if (!speech_.is_available() || speech_.is_speaking()) return false;
  if (index_ + 1 < paragraphs_.size()) {
    ++index_;
    const Paragraph& p = paragraphs_[index_];
    if (p.recorded.empty()) {
      speech_.say(p.text, lang_, Priority::kQueue);
    } else {
      speech_.say_recorded(p.recorded, p.text, lang_, Priority::kQueue);
    }
    return true;
  }
  speech_.say(announce_reading_finished(lang_), lang_, Priority::kQueue);
  state_ = State::kFinished;
  return true;
}

}  // namespace kiosk
