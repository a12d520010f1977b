// kiosk/speech.h: spoken guidance (issue 7), without any UI.
//
// Speech is what the screens talk to: say() a sentence in Korean or English, either cutting
// off what is being said (kInterrupt: the participant did something, so the old sentence is
// stale) or after it (kQueue). Rate and volume are the participant's to change from the
// keypad and go back to the defaults with every new session. What to say is composed by
// kiosk/announce.h; personal data (RRN, phone) never reaches say().
//
// Implementations:
//   EspeakSpeech   libespeak-ng on its own worker thread, to the audio device, to WAV files
//                  (one per utterance; tests, listening without speakers) or to nothing.
//   SpeechSpy      (kiosk/speech_spy.h) records what was said, for tests of the screens.
//
// EspeakSpeech never blocks its caller: say() and the other calls take a mutex for a few
// instructions and return; synthesis and playback run on the worker, behind a bounded queue
// (when full, the oldest waiting utterance is dropped). A failure of the audio device (no
// sound card, as on a CI machine, or a write error) or of the engine (voice data missing) is
// logged once without any text, shows in state()/failure(), and from then on speech is a
// no-op: the flow goes on without sound.
//
// libespeak-ng has one global state per process: the EspeakSpeech instances of a process take
// turns at it (one synthesizes and plays while the others wait), so a kiosk has one.
//
// Thread-safety: every member of EspeakSpeech may be called from any thread (in practice the
// UI thread). AudioSink implementations are used from the speech worker only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "platform/status.h"

namespace kiosk {

enum class Lang { kKo, kEn };
const char* lang_code(Lang lang);                               // "ko" | "en"
std::optional<Lang> lang_from_code(std::string_view code);  // "ko" | "en", else nullopt

enum class Priority {
  kInterrupt,  // stop what is being said, drop what waits, say this now (and end a pause)
  kQueue,      // say this after what is being said and what waits
};

// Speech rate in words per minute (espeak-ng's unit). The range keeps speech intelligible:
// espeak-ng accepts 80..450, but above ~270 Korean syllables run together, and below ~90
// words are drawn out so far that sentences fall apart. Keypad steps are kRateStepWpm.
inline constexpr int kMinRateWpm = 90;
inline constexpr int kMaxRateWpm = 270;
inline constexpr int kDefaultRateWpm = 150;  // a little under espeak-ng's 175: many are elderly
inline constexpr int kRateStepWpm = 20;

// Volume 0..100 on a decibel scale: 100 is the synthesizer's full level (the site sets the
// amplifier), each step of 10 is 3 dB, 0 is silent. Keypad steps stop at kMinKeypadVolume so
// that nobody can turn the guidance off by accident without sight.
inline constexpr int kMinVolume = 0;
inline constexpr int kMaxVolume = 100;
inline constexpr int kDefaultVolume = 80;
inline constexpr int kVolumeStep = 10;
inline constexpr int kMinKeypadVolume = 30;

int clamp_rate(int wpm);     // to [kMinRateWpm, kMaxRateWpm]
int clamp_volume(int vol);   // to [kMinVolume, kMaxVolume]
// One keypad step up (+1) or down (-1) from `current`, kept within the keypad's range.
int step_rate(int current, int direction);
int step_volume(int current, int direction);
// Amplitude factor for a volume: 0 -> 0, otherwise 10^(-(100 - v) * 0.3 / 20) (3 dB per 10).
double volume_gain(int volume);

enum class SpeechState {
  kStarting,           // the worker is loading the engine; say() is queued
  kReady,
  kAudioUnavailable,   // the audio device could not be opened or written: no-op from now on
  kEngineUnavailable,  // libespeak-ng or a voice could not be loaded: no-op from now on
};
const char* speech_state_name(SpeechState state);  // "starting", "ready", ...

class Speech {
 public:
  virtual ~Speech() = default;

  // Queues `text` (UTF-8, plain text, no markup) in `lang`'s voice. Never blocks.
  virtual void say(std::string text, Lang lang, Priority priority = Priority::kInterrupt) = 0;
  // A recorded human voice for a fixed text (a consent paragraph): plays the WAV at `audio`
  // if it can be read (kiosk/wav.h), otherwise says `fallback_text` with the synthesizer.
  virtual void say_recorded(std::filesystem::path audio, std::string fallback_text, Lang lang,
                            Priority priority = Priority::kInterrupt) = 0;

  // A short tone (80 ms, 880 Hz, soft edges) at the current volume: the sound that answers a
  // confirmed tap or keypad activation, in voice mode or not. Does not interrupt what is being
  // said, and is not cut off by what is said next. Never blocks.
  virtual void chime() = 0;

  virtual void stop() = 0;    // stops what is being said and drops what waits; ends a pause
  virtual void pause() = 0;   // holds the current utterance where it is (and the queue)
  virtual void resume() = 0;  // goes on from where pause() held it
  virtual bool is_paused() const = 0;
  // True while an utterance is being said, held by pause() or waiting in the queue.
  virtual bool is_speaking() const = 0;
  // How many times stop() or a kInterrupt say has been called, counted at the call. Lets a
  // caller (ReadingSession) notice that something else cut off what it had said.
  virtual std::uint64_t interrupt_count() const = 0;

  // Clamped (clamp_rate/clamp_volume); return the value now in effect. A new rate applies
  // from the next utterance, a new volume at once.
  virtual int set_rate(int wpm) = 0;
  virtual int rate() const = 0;
  virtual int set_volume(int volume) = 0;
  virtual int volume() const = 0;
  // Rate and volume back to kDefaultRateWpm and kDefaultVolume. Call when a session ends
  // (wipe, timeout, thank-you): the next participant starts from the defaults.
  virtual void reset_for_new_session() = 0;

  virtual SpeechState state() const = 0;
  // False once speech became a no-op (kAudioUnavailable, kEngineUnavailable).
  bool is_available() const {
    const SpeechState s = state();
    return s == SpeechState::kStarting || s == SpeechState::kReady;
  }
};

// Where a sample rate and channel count of one utterance meet the output.
struct AudioFormat {
  int sample_rate = 22050;
  int channels = 1;
};

// The output end of EspeakSpeech: the audio device, WAV files or nothing. Tests inject their
// own to simulate a broken or hanging device. Called from the speech worker only, one
// utterance at a time: begin, write..., end.
class AudioSink {
 public:
  virtual ~AudioSink() = default;
  // A non-ok Status from any call marks the output broken: speech becomes a no-op.
  virtual platform::Status begin(AudioFormat format, Lang lang) = 0;
  // Interleaved samples, already scaled to the volume. A device blocks about as long as the
  // samples take to play; so does a file sink made with `realtime`.
  virtual platform::Status write(std::span<const std::int16_t> samples) = 0;
  // `completed` false: the utterance was cut off (stop, interrupt); a device discards what it
  // still holds instead of playing it out.
  virtual platform::Status end(bool completed) = 0;
};

// The system's audio device through pcaudiolib (PulseAudio, else ALSA). `device` empty: the
// default. Opened at the first utterance (on the worker), reopened when the format changes.
std::unique_ptr<AudioSink> make_device_sink(std::string device);
// One WAV file per utterance in `dir` (created if missing): "000001-ko.wav", "000002-en.wav", ...
// written when the utterance ends (a cut-off utterance is written as far as it got).
std::unique_ptr<AudioSink> make_wav_sink(std::filesystem::path dir, bool realtime);
// Discards the samples; with `realtime`, takes as long as playing them would.
std::unique_ptr<AudioSink> make_null_sink(bool realtime);

// The samples of chime()'s tone at `sample_rate` (mono, before the volume is applied).
std::vector<std::int16_t> confirm_tone(int sample_rate);

struct EspeakOptions {
  enum class Output { kDevice, kWavFiles, kNull };
  Output output = Output::kDevice;
  std::string device;             // kDevice: a pcaudiolib device name; empty = default
  std::filesystem::path wav_dir;  // kWavFiles: where the files go
  bool realtime = false;          // kWavFiles, kNull: pace the output as a device would
  std::size_t queue_capacity = 32;
};

class EspeakSpeech final : public Speech {
 public:
  // How long the destructor waits for the worker to finish; a worker stuck in a device call
  // is then left to finish on its own (it owns everything it touches).
  static constexpr std::chrono::milliseconds kShutdownWait{2000};

  // Starts the worker, which loads libespeak-ng (and opens the output at the first utterance).
  explicit EspeakSpeech(EspeakOptions options = {});
  // The same with an injected output (options.output and its fields are then not used; a
  // null `sink` is make_null_sink(false)).
  EspeakSpeech(EspeakOptions options, std::unique_ptr<AudioSink> sink);
  ~EspeakSpeech() override;
  EspeakSpeech(const EspeakSpeech&) = delete;
  EspeakSpeech& operator=(const EspeakSpeech&) = delete;

  void say(std::string text, Lang lang, Priority priority = Priority::kInterrupt) override;
  void say_recorded(std::filesystem::path audio, std::string fallback_text, Lang lang,
                    Priority priority = Priority::kInterrupt) override;
  void chime() override;
  void stop() override;
  void pause() override;
  void resume() override;
  bool is_paused() const override;
  bool is_speaking() const override;
  std::uint64_t interrupt_count() const override;
  int set_rate(int wpm) override;
  int rate() const override;
  int set_volume(int volume) override;
  int volume() const override;
  void reset_for_new_session() override;
  SpeechState state() const override;

  // Why speech became a no-op (ok while it has not). The message names no text.
  platform::Status failure() const;
  // Waits up to `limit` until nothing is being said or waits (or speech is a no-op). For tests
  // and tools; the UI never waits on speech.
  bool wait_until_idle(std::chrono::milliseconds limit) const;
  // Counters since construction: utterances finished (played to the end or cut off),
  // dropped because the queue was full, and recorded audio replaced by the synthesizer.
  std::uint64_t utterances_done() const;
  std::uint64_t utterances_dropped() const;
  std::uint64_t recorded_fallbacks() const;

  // libespeak-ng's output sample rate (22050), once the worker has loaded it; 0 before.
  int engine_sample_rate() const;

  struct Core;  // shared by this object and its worker (public only for the worker's code)

 private:
  std::shared_ptr<Core> core_;
  std::thread worker_;
};

}  // namespace kiosk
