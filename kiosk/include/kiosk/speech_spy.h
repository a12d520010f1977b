// kiosk/speech_spy.h: a Speech that records instead of speaking, for tests of what the screens
// say (per screen, on focus, in both languages) and of what they must never say.
//
// Every say()/say_recorded() becomes an Utterance in said(), with its language and priority;
// stop/pause/resume are counted. Time does not pass by itself: an utterance counts as being
// said (is_speaking) from say() until the test calls finish() or stop(), so tests drive
// "the paragraph has been read out" explicitly. set_state() simulates a broken device (then
// say() records nothing, as EspeakSpeech does).
//
// Thread-safety: none; a test and the code under test on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kiosk/speech.h"

namespace kiosk {

class SpeechSpy final : public Speech {
 public:
  struct Utterance {
    std::string text;  // for say_recorded: the fallback text
    Lang lang = Lang::kKo;
    Priority priority = Priority::kInterrupt;
    std::filesystem::path recorded;  // empty for say()
  };

  void say(std::string text, Lang lang, Priority priority = Priority::kInterrupt) override;
  void say_recorded(std::filesystem::path audio, std::string fallback_text, Lang lang,
                    Priority priority = Priority::kInterrupt) override;
  void chime() override { ++chimes_; }
  void stop() override;
  void pause() override;
  void resume() override;
  bool is_paused() const override { return paused_; }
  bool is_speaking() const override { return pending_ > 0; }
  std::uint64_t interrupt_count() const override { return interrupts_; }
  int set_rate(int wpm) override { return rate_ = clamp_rate(wpm); }
  int rate() const override { return rate_; }
  int set_volume(int volume) override { return volume_ = clamp_volume(volume); }
  int volume() const override { return volume_; }
  void reset_for_new_session() override;
  SpeechState state() const override { return state_; }

  // --- for tests
  const std::vector<Utterance>& said() const { return said_; }
  std::vector<std::string> texts() const;
  // REQUIRES: !said().empty()
  const Utterance& last() const { return said_.back(); }
  void clear() { said_.clear(); }
  // The utterance being said (and, with all = true, everything queued) has been said.
  void finish(bool all = false);
  void set_state(SpeechState s) { state_ = s; }
  int stops() const { return stops_; }
  int pauses() const { return pauses_; }
  int resumes() const { return resumes_; }
  int resets() const { return resets_; }
  int chimes() const { return chimes_; }

 private:
  void record(Utterance u);

  std::vector<Utterance> said_;
  std::size_t pending_ = 0;  // said but not yet finished
  std::uint64_t interrupts_ = 0;
  bool paused_ = false;
  int rate_ = kDefaultRateWpm;
  int volume_ = kDefaultVolume;
  SpeechState state_ = SpeechState::kReady;
  int stops_ = 0, pauses_ = 0, resumes_ = 0, resets_ = 0, chimes_ = 0;
};

}  // namespace kiosk
