#include "kiosk/speech.h"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <pcaudiolib/audio.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "kiosk/wav.h"
#include "platform/fs.h"
#include "platform/log.h"

namespace kiosk {

namespace log = platform::log;
using platform::Status;

const char* lang_code(Lang lang) { return lang == Lang::kEn ? "en" : "ko"; }

std::optional<Lang> lang_from_code(std::string_view code) {
  if (code == "ko") return Lang::kKo;
  if (code == "en") return Lang::kEn;
  return std::nullopt;
}

int clamp_rate(int wpm) { return std::clamp(wpm, kMinRateWpm, kMaxRateWpm); }
int clamp_volume(int vol) { return std::clamp(vol, kMinVolume, kMaxVolume); }

int step_rate(int current, int direction) {
  const int step = direction > 0 ? kRateStepWpm : direction < 0 ? -kRateStepWpm : 0;
  return clamp_rate(clamp_rate(current) + step);
}

int step_volume(int current, int direction) {
  const int now = clamp_volume(current);
  if (direction > 0) return std::min(now + kVolumeStep, kMaxVolume);
  if (direction < 0) return std::max(now - kVolumeStep, std::min(now, kMinKeypadVolume));
  return now;
}

double volume_gain(int volume) {
  const int v = clamp_volume(volume);
  if (v == 0) return 0.0;
  return std::pow(10.0, -static_cast<double>(kMaxVolume - v) * 0.3 / 20.0);
}

const char* speech_state_name(SpeechState state) {
  switch (state) {
    case SpeechState::kStarting: return "starting";
    case SpeechState::kReady: return "ready";
    case SpeechState::kAudioUnavailable: return "audio-unavailable";
    case SpeechState::kEngineUnavailable: return "engine-unavailable";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Sinks

namespace {

// Sleeps as long as the samples written so far would take to play, so a file or null sink
// behaves like a device in time (pause and cut-off tests).
class Pacer {
 public:
  explicit Pacer(bool on) : on_(on) {}
  void wrote(std::size_t samples, AudioFormat f) {
    if (!on_ || f.sample_rate <= 0 || f.channels <= 0) return;
    const auto frames = static_cast<std::int64_t>(samples / static_cast<std::size_t>(f.channels));
    // After a pause a device does not catch up: it plays on from now.
    next_ = std::max(next_, std::chrono::steady_clock::now());
    next_ += std::chrono::microseconds(frames * 1'000'000 / f.sample_rate);
    std::this_thread::sleep_until(next_);
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point next_{};
};

class DeviceSink final : public AudioSink {
 public:
  explicit DeviceSink(std::string device) : device_(std::move(device)) {}
  ~DeviceSink() override {
    if (object_ != nullptr) {
      if (open_) audio_object_close(object_);
      audio_object_destroy(object_);
    }
  }

  Status begin(AudioFormat format, Lang) override {
    if (object_ == nullptr) {
      object_ = create_audio_device_object(device_.empty() ? nullptr : device_.c_str(), "bbd-kiosk",
                                           "Kiosk voice guidance");
      if (object_ == nullptr) return Status::io_error("audio device: no audio backend could be created");
    }
    if (open_ && format.sample_rate == format_.sample_rate && format.channels == format_.channels) {
      return Status::ok();
    }
    if (open_) {
      audio_object_close(object_);
      open_ = false;
    }
    const int err = audio_object_open(object_, AUDIO_OBJECT_FORMAT_S16LE,
                                      static_cast<std::uint32_t>(format.sample_rate),
                                      static_cast<std::uint8_t>(format.channels));
    if (err != 0) return Status::io_error(std::string("audio device: cannot open: ") + audio_object_strerror(object_, err));
    open_ = true;
    format_ = format;
    return Status::ok();
  }

  Status write(std::span<const std::int16_t> samples) override {
    if (!open_) return Status::internal("audio device: write before open");
    const int err = audio_object_write(object_, samples.data(), samples.size_bytes());
    if (err != 0) return Status::io_error(std::string("audio device: write failed: ") + audio_object_strerror(object_, err));
    return Status::ok();
  }

  Status end(bool completed) override {
    if (!open_) return Status::ok();
    const int err = completed ? audio_object_drain(object_) : audio_object_flush(object_);
    if (err != 0) return Status::io_error(std::string("audio device: drain failed: ") + audio_object_strerror(object_, err));
    return Status::ok();
  }

 private:
  std::string device_;
  audio_object* object_ = nullptr;
  bool open_ = false;
  AudioFormat format_;
};

class WavSink final : public AudioSink {
 public:
  WavSink(std::filesystem::path dir, bool realtime) : dir_(std::move(dir)), pacer_(realtime) {}

  Status begin(AudioFormat format, Lang lang) override {
    if (!dir_ready_) {
      std::error_code ec;
      std::filesystem::create_directories(dir_, ec);
      if (ec) return Status::io_error("speech WAV dir " + dir_.string() + ": " + ec.message());
      dir_ready_ = true;
    }
    pcm_ = Pcm16{format.sample_rate, format.channels, {}};
    format_ = format;
    lang_ = lang;
    return Status::ok();
  }

  Status write(std::span<const std::int16_t> samples) override {
    pcm_.samples.insert(pcm_.samples.end(), samples.begin(), samples.end());
    pacer_.wrote(samples.size(), format_);
    return Status::ok();
  }

  Status end(bool) override {
    char name[32];
    std::snprintf(name, sizeof name, "%06llu-%s.wav", static_cast<unsigned long long>(++count_), lang_code(lang_));
    Status s = platform::write_file_atomic(dir_ / name, encode_wav(pcm_), 0644);
    pcm_.samples.clear();
    return s;
  }

 private:
  std::filesystem::path dir_;
  bool dir_ready_ = false;
  Pacer pacer_;
  Pcm16 pcm_;
  AudioFormat format_;
  Lang lang_ = Lang::kKo;
  std::uint64_t count_ = 0;
};

class NullSink final : public AudioSink {
 public:
  explicit NullSink(bool realtime) : pacer_(realtime) {}
  Status begin(AudioFormat format, Lang) override {
    format_ = format;
    return Status::ok();
  }
  Status write(std::span<const std::int16_t> samples) override {
    pacer_.wrote(samples.size(), format_);
    return Status::ok();
  }
  Status end(bool) override { return Status::ok(); }

 private:
  Pacer pacer_;
  AudioFormat format_;
};

}  // namespace

std::unique_ptr<AudioSink> make_device_sink(std::string device) {
  return std::make_unique<DeviceSink>(std::move(device));
}
std::unique_ptr<AudioSink> make_wav_sink(std::filesystem::path dir, bool realtime) {
  return std::make_unique<WavSink>(std::move(dir), realtime);
}
std::unique_ptr<AudioSink> make_null_sink(bool realtime) { return std::make_unique<NullSink>(realtime); }

// ---------------------------------------------------------------------------------------------
// The engine: libespeak-ng's process-wide state, behind one mutex.

namespace {

// Synthesis hands samples to the callback in pieces of this length; playback then writes
// slices of kSliceMs, the granularity of pause, cut-off and volume changes.
constexpr int kEngineBufferMs = 60;
constexpr int kSliceMs = 40;

struct Engine {
  std::mutex mu;
  bool tried = false;
  Status status;
  int sample_rate = 0;
};

Engine& engine() {
  // Never destroyed: a worker left behind by a stuck device may still use it at exit.
  static Engine* e = new Engine;
  return *e;
}

// What the synthesis callback plays into; set by the thread that calls espeak_ng_Synthesize
// (in synchronous mode the callback runs on that same thread).
struct SynthTarget {
  EspeakSpeech::Core* core = nullptr;
  AudioFormat format;
  std::uint64_t epoch = 0;
  Status status;
  bool cut_off = false;
};
thread_local SynthTarget* t_target = nullptr;

int synth_callback(short* wav, int numsamples, espeak_EVENT*);

// REQUIRES: e.mu held.
Status ensure_engine(Engine& e) {
  if (e.tried) return e.status;
  e.tried = true;
  espeak_ng_InitializePath(nullptr);
  espeak_ng_ERROR_CONTEXT context = nullptr;
  espeak_ng_STATUS s = espeak_ng_Initialize(&context);
  espeak_ng_ClearErrorContext(&context);
  if (s == ENS_OK) s = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, kEngineBufferMs, nullptr);
  if (s != ENS_OK) {
    char message[256] = {};
    espeak_ng_GetStatusCodeMessage(s, message, sizeof message);
    e.status = Status::not_found(std::string("espeak-ng could not be loaded: ") + message);
    return e.status;
  }
  e.sample_rate = espeak_ng_GetSampleRate();
  espeak_SetSynthCallback(synth_callback);
  (void)espeak_ng_SetParameter(espeakVOLUME, 100, 0);  // full level; Speech's volume scales it
  return e.status;
}

const char* voice_name(Lang lang) { return lang == Lang::kEn ? "en-us" : "ko"; }

struct Item {
  bool recorded = false;
  bool tone = false;  // chime(): the confirm tone, not text
  std::string text;  // recorded: the fallback text
  Lang lang = Lang::kKo;
  std::filesystem::path audio;
  std::uint64_t epoch = 0;
};

}  // namespace

std::vector<std::int16_t> confirm_tone(int sample_rate) {
  const int n = sample_rate * 80 / 1000, fade = sample_rate * 10 / 1000;
  std::vector<std::int16_t> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double edge = std::min({1.0, static_cast<double>(i) / fade, static_cast<double>(n - 1 - i) / fade});
    const double env = 0.5 - 0.5 * std::cos(3.14159265358979 * edge);  // raised cosine: no click
    out[static_cast<std::size_t>(i)] =
        static_cast<std::int16_t>(std::lround(0.35 * 32767.0 * env * std::sin(2 * 3.14159265358979 * 880.0 * i / sample_rate)));
  }
  return out;
}

namespace {

bool is_failed(SpeechState s) {
  return s == SpeechState::kAudioUnavailable || s == SpeechState::kEngineUnavailable;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The worker's shared state.

struct EspeakSpeech::Core {
  Core(std::size_t queue_capacity, std::unique_ptr<AudioSink> out)
      : capacity(std::max<std::size_t>(queue_capacity, 1)), sink(std::move(out)) {}

  const std::size_t capacity;
  std::unique_ptr<AudioSink> sink;  // the worker's alone

  mutable std::mutex mu;
  std::condition_variable wake;             // the worker: work, resume, cut-off, shutdown
  mutable std::condition_variable changed;  // waiters: idle, state, worker done
  std::deque<Item> queue;
  std::uint64_t epoch = 0;  // bumped by stop() and by kInterrupt: older utterances are cut off
  std::uint64_t interrupts = 0;  // stop() and kInterrupt calls, even when speech is a no-op
  bool paused = false;
  bool busy = false;  // the worker is saying an utterance
  bool shutdown = false;
  bool done = false;  // the worker has left run()
  SpeechState state = SpeechState::kStarting;
  Status failure;
  std::uint64_t finished = 0, dropped = 0, fallbacks = 0;
  bool drop_logged = false;
  int sample_rate = 0;

  std::atomic<int> rate{kDefaultRateWpm};
  std::atomic<int> volume{kDefaultVolume};

  // REQUIRES: mu held.
  void enqueue(Item item, Priority priority) {
    if (priority == Priority::kInterrupt) ++interrupts;
    if (shutdown || is_failed(state)) return;
    if (priority == Priority::kInterrupt) {
      queue.clear();
      ++epoch;
      paused = false;
    }
    item.epoch = epoch;
    queue.push_back(std::move(item));
    while (queue.size() > capacity) {
      queue.pop_front();
      ++dropped;
      if (!drop_logged) {
        drop_logged = true;
        log::warn("speech.queue_full", {{"capacity", capacity}});
      }
    }
    wake.notify_all();
  }

  // REQUIRES: mu held. Speech becomes a no-op; reported once.
  void give_up(SpeechState why, Status status) {
    if (is_failed(state)) return;
    state = why;
    failure = std::move(status);
    queue.clear();
    paused = false;
    if (why == SpeechState::kEngineUnavailable) {
      log::error("speech.engine_unavailable", {{"kind", failure.kind()}});
    } else {
      log::warn("speech.audio_unavailable", {{"kind", failure.kind()}});
    }
    changed.notify_all();
  }

  // Waits while paused. False when the utterance of `item_epoch` was cut off meanwhile.
  bool may_go_on(std::uint64_t item_epoch) {
    std::unique_lock lock(mu);
    while (paused && epoch == item_epoch && !shutdown) wake.wait_for(lock, std::chrono::milliseconds(200));
    return epoch == item_epoch && !shutdown;
  }

  // Plays `samples` slice by slice at the current volume, honouring pause and cut-off.
  // False when cut off or when the sink failed (then `status` says why).
  bool play(std::span<const std::int16_t> samples, AudioFormat format, std::uint64_t item_epoch, Status& status) {
    const auto slice = std::max<std::size_t>(
        static_cast<std::size_t>(format.sample_rate * format.channels * kSliceMs / 1000), 1);
    std::vector<std::int16_t> scaled;
    for (std::size_t at = 0; at < samples.size(); at += slice) {
      if (!may_go_on(item_epoch)) return false;
      const double gain = volume_gain(volume.load());
      const std::span<const std::int16_t> part = samples.subspan(at, std::min(slice, samples.size() - at));
      scaled.resize(part.size());
      for (std::size_t i = 0; i < part.size(); ++i) {
        const long v = std::lround(static_cast<double>(part[i]) * gain);
        scaled[i] = static_cast<std::int16_t>(std::clamp(v, -32768L, 32767L));
      }
      status = sink->write(scaled);
      if (!status.is_ok()) return false;
    }
    return true;
  }

  struct Outcome {
    Status status;
    SpeechState on_failure = SpeechState::kAudioUnavailable;
  };

  Outcome speak_text(const std::string& text, Lang lang, std::uint64_t item_epoch) {
    Engine& e = engine();
    std::lock_guard engine_lock(e.mu);
    if (espeak_ng_SetVoiceByName(voice_name(lang)) != ENS_OK) {
      return {Status::not_found(std::string("espeak-ng voice '") + voice_name(lang) + "' is missing"),
              SpeechState::kEngineUnavailable};
    }
    (void)espeak_ng_SetParameter(espeakRATE, clamp_rate(rate.load()), 0);
    SynthTarget target{this, AudioFormat{e.sample_rate, 1}, item_epoch, Status::ok(), false};
    Status s = sink->begin(target.format, lang);
    if (!s.is_ok()) return {s};
    t_target = &target;
    const espeak_ng_STATUS synth = espeak_ng_Synthesize(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                                        espeakCHARS_UTF8, nullptr, nullptr);
    t_target = nullptr;
    if (!target.status.is_ok()) return {target.status};
    if (synth != ENS_OK && synth != ENS_SPEECH_STOPPED && !target.cut_off) {
      // One text the engine could not say is not a reason to give up speech altogether.
      log::warn("speech.synthesis_failed", {{"code", static_cast<std::int64_t>(synth)}});
    }
    return {sink->end(!target.cut_off)};
  }

  // The confirm tone, written in one piece: 80 ms is shorter than anything worth cutting off.
  Outcome play_tone() {
    const AudioFormat format{22050, 1};
    std::vector<std::int16_t> pcm = confirm_tone(format.sample_rate);
    const double gain = volume_gain(volume.load());
    for (std::int16_t& v : pcm) v = static_cast<std::int16_t>(std::lround(static_cast<double>(v) * gain));
    Status s = sink->begin(format, Lang::kKo);
    if (!s.is_ok()) return {s};
    s = sink->write(pcm);
    if (!s.is_ok()) return {s};
    return {sink->end(true)};
  }

  Outcome speak(const Item& item) {
    if (item.tone) return play_tone();
    if (!item.recorded) return speak_text(item.text, item.lang, item.epoch);
    platform::Result<Pcm16> pcm = read_wav_file(item.audio);
    if (!pcm.is_ok()) {
      log::warn("speech.recorded_fallback", {{"kind", pcm.status().kind()}});
      {
        std::lock_guard lock(mu);
        ++fallbacks;
      }
      return speak_text(item.text, item.lang, item.epoch);
    }
    const AudioFormat format{pcm->sample_rate, pcm->channels};
    Status s = sink->begin(format, item.lang);
    if (!s.is_ok()) return {s};
    const bool completed = play(pcm->samples, format, item.epoch, s);
    if (!s.is_ok()) return {s};
    return {sink->end(completed)};
  }

  void run() {
    Status init;
    int engine_rate = 0;
    {
      Engine& e = engine();
      std::lock_guard engine_lock(e.mu);
      init = ensure_engine(e);
      engine_rate = e.sample_rate;
    }
    {
      std::lock_guard lock(mu);
      if (!init.is_ok()) {
        give_up(SpeechState::kEngineUnavailable, init);
      } else {
        sample_rate = engine_rate;
        state = SpeechState::kReady;
      }
      changed.notify_all();
    }
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mu);
        wake.wait(lock, [&] { return shutdown || (!paused && !queue.empty()); });
        if (shutdown) break;
        item = std::move(queue.front());
        queue.pop_front();
        busy = true;
      }
      Outcome out = speak(item);
      {
        std::lock_guard lock(mu);
        busy = false;
        if (out.status.is_ok()) {
          ++finished;
        } else {
          give_up(out.on_failure, out.status);
        }
        changed.notify_all();
      }
    }
    std::lock_guard lock(mu);
    done = true;
    changed.notify_all();
  }
};

namespace {

int synth_callback(short* wav, int numsamples, espeak_EVENT*) {
  SynthTarget* t = t_target;
  if (t == nullptr) return 1;
  if (wav == nullptr || numsamples <= 0) return 0;
  const std::span<const std::int16_t> samples(wav, static_cast<std::size_t>(numsamples));
  if (t->core->play(samples, t->format, t->epoch, t->status)) return 0;
  t->cut_off = t->status.is_ok();
  return 1;  // stop synthesizing
}

std::unique_ptr<AudioSink> sink_for(const EspeakOptions& o) {
  switch (o.output) {
    case EspeakOptions::Output::kWavFiles: return make_wav_sink(o.wav_dir, o.realtime);
    case EspeakOptions::Output::kNull: return make_null_sink(o.realtime);
    case EspeakOptions::Output::kDevice: break;
  }
  return make_device_sink(o.device);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// EspeakSpeech

EspeakSpeech::EspeakSpeech(EspeakOptions options) : EspeakSpeech(options, sink_for(options)) {}

EspeakSpeech::EspeakSpeech(EspeakOptions options, std::unique_ptr<AudioSink> sink)
    : core_(std::make_shared<Core>(options.queue_capacity, sink ? std::move(sink) : make_null_sink(false))) {
  worker_ = std::thread([core = core_] { core->run(); });
}

EspeakSpeech::~EspeakSpeech() {
  bool finished = false;
  {
    std::unique_lock lock(core_->mu);
    core_->shutdown = true;
    core_->queue.clear();
    ++core_->epoch;
    core_->paused = false;
    core_->wake.notify_all();
    finished = core_->changed.wait_for(lock, kShutdownWait, [&] { return core_->done; });
  }
  if (finished) {
    worker_.join();
  } else {
    // The worker is stuck in the audio device. It owns the Core; let it end on its own.
    log::warn("speech.worker_stuck", {{"waited_ms", static_cast<std::int64_t>(kShutdownWait.count())}});
    worker_.detach();
  }
}

void EspeakSpeech::say(std::string text, Lang lang, Priority priority) {
  if (text.empty()) return;
  std::lock_guard lock(core_->mu);
  core_->enqueue(Item{false, false, std::move(text), lang, {}, 0}, priority);
}

void EspeakSpeech::say_recorded(std::filesystem::path audio, std::string fallback_text, Lang lang,
                                Priority priority) {
  std::lock_guard lock(core_->mu);
  core_->enqueue(Item{true, false, std::move(fallback_text), lang, std::move(audio), 0}, priority);
}

void EspeakSpeech::chime() {
  std::lock_guard lock(core_->mu);
  core_->enqueue(Item{false, true, {}, Lang::kKo, {}, 0}, Priority::kQueue);
}

void EspeakSpeech::stop() {
  std::lock_guard lock(core_->mu);
  ++core_->interrupts;
  core_->queue.clear();
  ++core_->epoch;
  core_->paused = false;
  core_->wake.notify_all();
}

void EspeakSpeech::pause() {
  std::lock_guard lock(core_->mu);
  if (is_failed(core_->state)) return;
  core_->paused = true;
}

void EspeakSpeech::resume() {
  std::lock_guard lock(core_->mu);
  core_->paused = false;
  core_->wake.notify_all();
}

bool EspeakSpeech::is_paused() const {
  std::lock_guard lock(core_->mu);
  return core_->paused;
}

bool EspeakSpeech::is_speaking() const {
  std::lock_guard lock(core_->mu);
  return core_->busy || !core_->queue.empty();
}

std::uint64_t EspeakSpeech::interrupt_count() const {
  std::lock_guard lock(core_->mu);
  return core_->interrupts;
}

int EspeakSpeech::set_rate(int wpm) {
  const int v = clamp_rate(wpm);
  core_->rate.store(v);
  return v;
}
int EspeakSpeech::rate() const { return core_->rate.load(); }

int EspeakSpeech::set_volume(int volume) {
  const int v = clamp_volume(volume);
  core_->volume.store(v);
  return v;
}
int EspeakSpeech::volume() const { return core_->volume.load(); }

void EspeakSpeech::reset_for_new_session() {
  core_->rate.store(kDefaultRateWpm);
  core_->volume.store(kDefaultVolume);
}

SpeechState EspeakSpeech::state() const {
  std::lock_guard lock(core_->mu);
  return core_->state;
}

Status EspeakSpeech::failure() const {
  std::lock_guard lock(core_->mu);
  return core_->failure;
}

bool EspeakSpeech::wait_until_idle(std::chrono::milliseconds limit) const {
  std::unique_lock lock(core_->mu);
  return core_->changed.wait_for(lock, limit, [&] {
    return is_failed(core_->state) || (!core_->busy && core_->queue.empty());
  });
}

std::uint64_t EspeakSpeech::utterances_done() const {
  std::lock_guard lock(core_->mu);
  return core_->finished;
}
std::uint64_t EspeakSpeech::utterances_dropped() const {
  std::lock_guard lock(core_->mu);
  return core_->dropped;
}
std::uint64_t EspeakSpeech::recorded_fallbacks() const {
  std::lock_guard lock(core_->mu);
  return core_->fallbacks;
}
int EspeakSpeech::engine_sample_rate() const {
  std::lock_guard lock(core_->mu);
  return core_->sample_rate;
}

}  // namespace kiosk
