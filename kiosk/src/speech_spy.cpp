#include "kiosk/speech_spy.h"

#include <utility>

namespace kiosk {

void SpeechSpy::record(Utterance u) {
  if (u.priority == Priority::kInterrupt) ++interrupts_;
  if (!is_available()) return;
  if (u.priority == Priority::kInterrupt) {
    pending_ = 0;
    paused_ = false;
  }
  said_.push_back(std::move(u));
  ++pending_;
}

void SpeechSpy::say(std::string text, Lang lang, Priority priority) {
  if (text.empty()) return;
  record(Utterance{std::move(text), lang, priority, {}});
}

void SpeechSpy::say_recorded(std::filesystem::path audio, std::string fallback_text, Lang lang,
                             Priority priority) {
  record(Utterance{std::move(fallback_text), lang, priority, std::move(audio)});
}

void SpeechSpy::stop() {
  ++stops_;
  ++interrupts_;
  pending_ = 0;
  paused_ = false;
}

void SpeechSpy::pause() {
  ++pauses_;
  if (is_available()) paused_ = true;
}

void SpeechSpy::resume() {
  ++resumes_;
  paused_ = false;
}

void SpeechSpy::reset_for_new_session() {
  ++resets_;
  rate_ = kDefaultRateWpm;
  volume_ = kDefaultVolume;
}

std::vector<std::string> SpeechSpy::texts() const {
  std::vector<std::string> out;
  out.reserve(said_.size());
  for (const Utterance& u : said_) out.push_back(u.text);
  return out;
}

void SpeechSpy::finish(bool all) {
  if (pending_ == 0) return;
  pending_ = all ? 0 : pending_ - 1;
}

}  // namespace kiosk
