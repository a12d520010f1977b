// kiosk/speech: the Speech interface, its spy, the WAV codec, and EspeakSpeech rendering real
// Korean and English speech to WAV files, cut off, paused, degraded by a broken or hanging
// audio device, and never blocking its caller.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/announce.h"
#include "kiosk/speech.h"
#include "kiosk/speech_spy.h"
#include "kiosk/wav.h"
#include "platform/log.h"
#include "test_support.h"

namespace fs = std::filesystem;
using kiosk::EspeakOptions;
using kiosk::EspeakSpeech;
using kiosk::Lang;
using kiosk::Priority;
using kiosk::SpeechSpy;
using kiosk::SpeechState;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kKoSentence = "안녕하세요. 국가 바이오 빅데이터 사업 참여를 환영합니다.";
const char* const kEnSentence = "Welcome to the National Bio Big Data Project. Please press next.";
const char* const kShortSentence = "Please press next.";
// Long enough (several seconds) to be cut off or paused in the middle.
const char* const kLongSentence =
    "This is a long sentence, read slowly and clearly, so that a test can pause it, resume it, "
    "and cut it off in the middle, while the worker thread is still playing it.";

// A WAV file read with no help from kiosk/wav.h: the header is checked byte by byte.
struct WavFacts {
  bool header_ok = false;
  std::string header_problem;
  int sample_rate = 0;
  int channels = 0;
  std::vector<std::int16_t> samples;

  double seconds() const {
    return sample_rate > 0 && channels > 0 ? static_cast<double>(samples.size()) / channels / sample_rate : 0.0;
  }
  double rms() const {
    if (samples.empty()) return 0.0;
    double sum = 0;
    for (std::int16_t s : samples) sum += static_cast<double>(s) * s;
    return std::sqrt(sum / static_cast<double>(samples.size()));
  }
  // Share of 20 ms windows whose RMS is above `floor`: speech has pauses, but not mostly.
  double voiced_share(double floor) const {
    const std::size_t w = static_cast<std::size_t>(sample_rate / 50) * static_cast<std::size_t>(channels);
    if (w == 0 || samples.size() < w) return 0.0;
    std::size_t voiced = 0, windows = 0;
    for (std::size_t at = 0; at + w <= samples.size(); at += w, ++windows) {
      double sum = 0;
      for (std::size_t i = at; i < at + w; ++i) sum += static_cast<double>(samples[i]) * samples[i];
      if (std::sqrt(sum / static_cast<double>(w)) > floor) ++voiced;
    }
    return static_cast<double>(voiced) / static_cast<double>(windows);
  }
};

std::uint32_t le32(const std::string& b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 3])) << 24;
}
std::uint16_t le16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}

WavFacts inspect_wav(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  WavFacts f;
  const auto fail = [&](const char* why) {
    f.header_problem = why;
    return f;
  };
  if (b.size() < 44) return fail("shorter than a header");
  if (b.compare(0, 4, "RIFF") != 0) return fail("no RIFF");
  if (le32(b, 4) != b.size() - 8) return fail("RIFF size is not the file size - 8");
  if (b.compare(8, 4, "WAVE") != 0) return fail("no WAVE");
  if (b.compare(12, 4, "fmt ") != 0) return fail("no fmt chunk at 12");
  if (le32(b, 16) != 16) return fail("fmt chunk is not 16 bytes");
  if (le16(b, 20) != 1) return fail("not PCM");
  f.channels = le16(b, 22);
  f.sample_rate = static_cast<int>(le32(b, 24));
  if (le32(b, 28) != static_cast<std::uint32_t>(f.sample_rate * f.channels * 2)) return fail("byte rate");
  if (le16(b, 32) != f.channels * 2) return fail("block align");
  if (le16(b, 34) != 16) return fail("not 16-bit");
  if (b.compare(36, 4, "data") != 0) return fail("no data chunk at 36");
  if (le32(b, 40) != b.size() - 44) return fail("data size is not the rest of the file");
  f.samples.resize((b.size() - 44) / 2);
  for (std::size_t i = 0; i < f.samples.size(); ++i) f.samples[i] = static_cast<std::int16_t>(le16(b, 44 + 2 * i));
  f.header_ok = true;
  return f;
}

// Sample-exact equality, reported as sizes and the first difference (not two whole dumps).
std::string first_difference(const std::vector<std::int16_t>& a, const std::vector<std::int16_t>& b) {
  if (a == b) return "";
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + ", first difference at " +
         std::to_string(i);
}

std::vector<fs::path> wav_files(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".wav") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

EspeakOptions to_files(const fs::path& dir, bool realtime = false) {
  EspeakOptions o;
  o.output = EspeakOptions::Output::kWavFiles;
  o.wav_dir = dir;
  o.realtime = realtime;
  return o;
}

// Renders `text` alone (not in real time) and returns the file's facts.
WavFacts render(const std::string& text, Lang lang, int rate = kiosk::kDefaultRateWpm,
                int volume = kiosk::kDefaultVolume) {
  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path()));
  speech.set_rate(rate);
  speech.set_volume(volume);
  speech.say(text, lang);
  REQUIRE(speech.wait_until_idle(milliseconds(20000)));
  REQUIRE(speech.state() == SpeechState::kReady);
  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 1);
  return inspect_wav(files[0]);
}

// Log lines, from any thread, for the life of the object; then back to stderr (warn+).
class LogCapture {
 public:
  LogCapture() {
    platform::log::set_min_level(platform::log::Level::kDebug);
    platform::log::log_to_callback([this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    });
  }
  ~LogCapture() {
    platform::log::log_to_stderr();
    platform::log::set_min_level(platform::log::Level::kWarn);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::string> lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }
  int count(const std::string& event) const {
    int n = 0;
    for (const std::string& l : lines()) n += l.find(" " + event) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// An output that fails where told to.
class FailingSink final : public kiosk::AudioSink {
 public:
  enum class Where { kBegin, kWrite };
  explicit FailingSink(Where w) : where_(w) {}
  platform::Status begin(kiosk::AudioFormat, Lang) override {
    return where_ == Where::kBegin ? platform::Status::io_error("audio device: cannot open: test") : platform::Status::ok();
  }
  platform::Status write(std::span<const std::int16_t>) override {
    return platform::Status::io_error("audio device: write failed: test");
  }
  platform::Status end(bool) override { return platform::Status::ok(); }

 private:
  Where where_;
};

// An output whose first write hangs (a wedged driver) until released, or for at most 10 s.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  bool entered = false;
  bool left = false;
};
class HangingSink final : public kiosk::AudioSink {
 public:
  explicit HangingSink(std::shared_ptr<Gate> g) : gate_(std::move(g)) {}
  platform::Status begin(kiosk::AudioFormat, Lang) override { return platform::Status::ok(); }
  platform::Status write(std::span<const std::int16_t>) override {
    std::unique_lock lock(gate_->mu);
    gate_->entered = true;
    gate_->cv.notify_all();
    gate_->cv.wait_for(lock, std::chrono::seconds(10), [&] { return gate_->open; });
    return platform::Status::ok();
  }
  platform::Status end(bool) override { return platform::Status::ok(); }
  ~HangingSink() override {
    std::lock_guard lock(gate_->mu);
    gate_->left = true;
    gate_->cv.notify_all();
  }

 private:
  std::shared_ptr<Gate> gate_;
};

kiosk::Pcm16 tone(int rate, int channels, double seconds, double amplitude) {
  kiosk::Pcm16 p{rate, channels, {}};
  const auto frames = static_cast<std::size_t>(seconds * rate);
  for (std::size_t i = 0; i < frames; ++i) {
    const double v = amplitude * std::sin(2.0 * std::numbers::pi * 440.0 * static_cast<double>(i) / rate);
    for (int c = 0; c < channels; ++c) p.samples.push_back(static_cast<std::int16_t>(std::lround(v)));
  }
  return p;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

}  // namespace

// --- the interface and its spy ---------------------------------------------------------------

TEST_CASE("The speech spy records each utterance with its language and priority", "[speech][spy]") {
  SpeechSpy spy;
  spy.say("다음, 버튼, 5개 중 2번째", Lang::kKo);
  spy.say("Next, button, 2 of 5", Lang::kEn, Priority::kQueue);
  spy.say_recorded("/pkg/consent/p1.wav", "첫째 문단", Lang::kKo, Priority::kQueue);
  spy.say("", Lang::kKo);  // nothing to say: not recorded

  REQUIRE(spy.said().size() == 3);
  CHECK(spy.said()[0].text == "다음, 버튼, 5개 중 2번째");
  CHECK(spy.said()[0].lang == Lang::kKo);
  CHECK(spy.said()[0].priority == Priority::kInterrupt);
  CHECK(spy.said()[0].recorded.empty());
  CHECK(spy.said()[1].lang == Lang::kEn);
  CHECK(spy.said()[1].priority == Priority::kQueue);
  CHECK(spy.said()[2].recorded == fs::path("/pkg/consent/p1.wav"));
  CHECK(spy.said()[2].text == "첫째 문단");
  CHECK(spy.texts() == std::vector<std::string>{"다음, 버튼, 5개 중 2번째", "Next, button, 2 of 5", "첫째 문단"});

  SECTION("speaking lasts until finished, an interrupt starts afresh, stop ends it") {
    CHECK(spy.is_speaking());
    spy.finish();
    spy.finish();
    CHECK(spy.is_speaking());
    spy.finish();
    CHECK_FALSE(spy.is_speaking());
    const std::uint64_t before = spy.interrupt_count();
    spy.say("a", Lang::kEn, Priority::kQueue);
    CHECK(spy.interrupt_count() == before);
    spy.say("b", Lang::kEn);
    CHECK(spy.interrupt_count() == before + 1);
    spy.pause();
    CHECK(spy.is_paused());
    spy.stop();
    CHECK_FALSE(spy.is_paused());
    CHECK_FALSE(spy.is_speaking());
    CHECK(spy.interrupt_count() == before + 2);
  }
  SECTION("a broken device records nothing, as EspeakSpeech does") {
    spy.set_state(SpeechState::kAudioUnavailable);
    CHECK_FALSE(spy.is_available());
    spy.say("not heard", Lang::kEn);
    CHECK(spy.said().size() == 3);
  }
}

TEST_CASE("Language codes are ko and en only", "[speech]") {
  CHECK(std::string(kiosk::lang_code(Lang::kKo)) == "ko");
  CHECK(std::string(kiosk::lang_code(Lang::kEn)) == "en");
  CHECK(kiosk::lang_from_code("ko") == Lang::kKo);
  CHECK(kiosk::lang_from_code("en") == Lang::kEn);
  CHECK_FALSE(kiosk::lang_from_code("ja").has_value());
  CHECK_FALSE(kiosk::lang_from_code("").has_value());
  CHECK_FALSE(kiosk::lang_from_code("KO").has_value());
}

TEST_CASE("Rate and volume stay in their safe ranges and a new session restores the defaults",
          "[speech][settings]") {
  CHECK(kiosk::clamp_rate(10) == kiosk::kMinRateWpm);
  CHECK(kiosk::clamp_rate(1000) == kiosk::kMaxRateWpm);
  CHECK(kiosk::clamp_volume(-5) == 0);
  CHECK(kiosk::clamp_volume(150) == 100);

  SECTION("keypad steps") {
    CHECK(kiosk::step_rate(kiosk::kDefaultRateWpm, +1) == kiosk::kDefaultRateWpm + kiosk::kRateStepWpm);
    CHECK(kiosk::step_rate(kiosk::kMaxRateWpm, +1) == kiosk::kMaxRateWpm);
    CHECK(kiosk::step_rate(kiosk::kMinRateWpm, -1) == kiosk::kMinRateWpm);
    CHECK(kiosk::step_volume(80, +1) == 90);
    CHECK(kiosk::step_volume(100, +1) == 100);
    CHECK(kiosk::step_volume(kiosk::kMinKeypadVolume, -1) == kiosk::kMinKeypadVolume);
    CHECK(kiosk::step_volume(kiosk::kMinKeypadVolume + 5, -1) == kiosk::kMinKeypadVolume);
    // Below the keypad floor (set by staff), "down" never makes it louder.
    CHECK(kiosk::step_volume(10, -1) == 10);
    // The keypad cannot silence the guidance from the default in any number of presses.
    int v = kiosk::kDefaultVolume;
    for (int i = 0; i < 50; ++i) v = kiosk::step_volume(v, -1);
    CHECK(v == kiosk::kMinKeypadVolume);
  }
  SECTION("the volume scale is 3 dB per step of 10, full scale at 100, silent at 0") {
    CHECK(kiosk::volume_gain(100) == Approx(1.0));
    CHECK(kiosk::volume_gain(0) == 0.0);
    CHECK(20.0 * std::log10(kiosk::volume_gain(90) / kiosk::volume_gain(100)) == Approx(-3.0));
    CHECK(20.0 * std::log10(kiosk::volume_gain(30) / kiosk::volume_gain(80)) == Approx(-15.0));
  }
  SECTION("the spy and EspeakSpeech clamp and reset alike") {
    SpeechSpy spy;
    testing_support::TempDir dir;
    EspeakSpeech espeak(to_files(dir.path()));
    for (kiosk::Speech* s : std::vector<kiosk::Speech*>{&spy, &espeak}) {
      CHECK(s->rate() == kiosk::kDefaultRateWpm);
      CHECK(s->volume() == kiosk::kDefaultVolume);
      CHECK(s->set_rate(5000) == kiosk::kMaxRateWpm);
      CHECK(s->set_volume(-1) == 0);
      CHECK(s->set_volume(35) == 35);
      s->reset_for_new_session();
      CHECK(s->rate() == kiosk::kDefaultRateWpm);
      CHECK(s->volume() == kiosk::kDefaultVolume);
    }
  }
}

// --- WAV --------------------------------------------------------------------------------------

TEST_CASE("WAV files round-trip, and malformed ones are refused", "[speech][wav]") {
  const kiosk::Pcm16 mono = tone(16000, 1, 0.25, 8000);
  const std::string bytes = kiosk::encode_wav(mono);
  REQUIRE(bytes.size() == 44 + mono.samples.size() * 2);
  platform::Result<kiosk::Pcm16> back = kiosk::decode_wav(bytes);
  REQUIRE(back.is_ok());
  CHECK(back->sample_rate == 16000);
  CHECK(back->channels == 1);
  CHECK(first_difference(back->samples, mono.samples) == "");
  CHECK(back->seconds() == Approx(0.25));

  SECTION("stereo, with an extra chunk before data and an odd-sized one padded") {
    const kiosk::Pcm16 stereo = tone(44100, 2, 0.1, 1000);
    std::string s = kiosk::encode_wav(stereo);
    std::string extra = "LIST";
    extra += std::string("\x03\0\0\0abc\0", 8);  // 3 bytes + 1 pad
    s.insert(36, extra);
    platform::Result<kiosk::Pcm16> p = kiosk::decode_wav(s);
    REQUIRE(p.is_ok());
    CHECK(p->channels == 2);
    CHECK(first_difference(p->samples, stereo.samples) == "");
  }
  SECTION("a truncated data chunk yields the whole frames that are there") {
    std::string s = bytes.substr(0, 44 + 101);  // 50.5 samples
    platform::Result<kiosk::Pcm16> p = kiosk::decode_wav(s);
    REQUIRE(p.is_ok());
    CHECK(p->samples.size() == 50);
  }
  SECTION("not WAV, not PCM, not 16-bit, too many channels, odd rates, chunks out of order") {
    const auto refused = [](std::string s) {
      platform::Result<kiosk::Pcm16> p = kiosk::decode_wav(s);
      return !p.is_ok() && p.status().kind() == platform::StatusKind::kInvalidArgument;
    };
    CHECK(refused(""));
    CHECK(refused("OggS\0\2\0\0\0\0\0\0\0\0"));
    CHECK(refused(bytes.substr(0, 11)));
    std::string b = bytes;
    b[20] = 3;  // IEEE float
    CHECK(refused(b));
    b = bytes;
    b[34] = 8;
    CHECK(refused(b));
    b = bytes;
    b[22] = 6;
    CHECK(refused(b));
    b = bytes;
    b[24] = 100;  // 100 Hz
    b[25] = 0;
    b[26] = 0;
    b[27] = 0;
    CHECK(refused(b));
    b = bytes.substr(0, 36);  // fmt only
    CHECK(refused(b));
    std::string data_first = bytes.substr(0, 12) + bytes.substr(36) + bytes.substr(12, 24);
    CHECK(refused(data_first));
  }
  SECTION("read_wav_file names the file it refuses") {
    testing_support::TempDir dir;
    write_bytes(dir / "bad.wav", "RIFF1234WAVExxxx");
    platform::Result<kiosk::Pcm16> p = kiosk::read_wav_file(dir / "bad.wav");
    REQUIRE_FALSE(p.is_ok());
    CHECK(p.status().message().find("bad.wav") != std::string::npos);
    CHECK_FALSE(kiosk::read_wav_file(dir / "missing.wav").is_ok());
  }
}

// --- EspeakSpeech -----------------------------------------------------------------------------

TEST_CASE("EspeakSpeech renders Korean and English sentences to WAV files that are speech",
          "[speech][espeak]") {
  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path()));
  speech.say(kKoSentence, Lang::kKo, Priority::kQueue);
  speech.say(kEnSentence, Lang::kEn, Priority::kQueue);
  REQUIRE(speech.wait_until_idle(milliseconds(20000)));
  REQUIRE(speech.state() == SpeechState::kReady);
  CHECK(speech.engine_sample_rate() == 22050);
  CHECK(speech.utterances_done() == 2);

  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 2);
  CHECK(files[0].filename() == "000001-ko.wav");
  CHECK(files[1].filename() == "000002-en.wav");
  for (const fs::path& f : files) {
    INFO(f.filename().string());
    const WavFacts w = inspect_wav(f);
    INFO(w.header_problem);
    REQUIRE(w.header_ok);
    CHECK(w.sample_rate == 22050);
    CHECK(w.channels == 1);
    INFO("seconds " << w.seconds() << ", rms " << w.rms() << ", voiced " << w.voiced_share(300));
    CHECK(w.seconds() > 0.5);
    CHECK(w.seconds() < 20.0);
    CHECK(w.rms() > 500.0);  // about -36 dBFS; silence is 0, espeak-ng's speech is far above
    CHECK(w.voiced_share(300) > 0.4);
  }
  // The two voices are different voices: not the same samples.
  CHECK(first_difference(inspect_wav(files[0]).samples, inspect_wav(files[1]).samples) != "");
}

TEST_CASE("A slower rate takes longer, and the volume scales the level in dB", "[speech][espeak]") {
  // espeak-ng's output depends a little on what it said before in the same process (up to a
  // few per cent in duration after some Korean texts), so renderings are compared by
  // duration and level, not sample by sample.
  const WavFacts slow = render(kEnSentence, Lang::kEn, kiosk::kMinRateWpm);
  const WavFacts fast = render(kEnSentence, Lang::kEn, kiosk::kMaxRateWpm);
  INFO("slow " << slow.seconds() << " s, fast " << fast.seconds() << " s");
  CHECK(slow.seconds() > 1.8 * fast.seconds());

  const WavFacts full = render(kKoSentence, Lang::kKo, kiosk::kDefaultRateWpm, 100);
  const WavFacts half = render(kKoSentence, Lang::kKo, kiosk::kDefaultRateWpm, 50);
  CHECK(half.seconds() == Approx(full.seconds()).epsilon(0.08));
  CHECK(half.rms() / full.rms() == Approx(kiosk::volume_gain(50)).epsilon(0.1));

  SECTION("exactly, on a recording: the gain is applied to every sample") {
    testing_support::TempDir dir;
    const kiosk::Pcm16 recording = tone(16000, 1, 0.5, 20000);
    write_bytes(dir / "tone.wav", kiosk::encode_wav(recording));
    EspeakSpeech speech(to_files(dir / "out"));
    for (int volume : {100, 50, 0}) {
      speech.set_volume(volume);
      speech.say_recorded(dir / "tone.wav", "tone", Lang::kEn, Priority::kQueue);
      REQUIRE(speech.wait_until_idle(milliseconds(10000)));
    }
    const std::vector<fs::path> files = wav_files(dir / "out");
    REQUIRE(files.size() == 3);
    const WavFacts at100 = inspect_wav(files[0]), at50 = inspect_wav(files[1]), at0 = inspect_wav(files[2]);
    CHECK(first_difference(at100.samples, recording.samples) == "");
    REQUIRE(at50.samples.size() == recording.samples.size());
    for (std::size_t i = 0; i < recording.samples.size(); ++i) {
      const double want = recording.samples[i] * kiosk::volume_gain(50);
      if (std::abs(at50.samples[i] - want) > 0.5) FAIL("sample " << i << ": " << at50.samples[i] << " != " << want);
    }
    CHECK(at0.rms() == 0.0);
  }
}

TEST_CASE("A new session's speech is at the default volume again", "[speech][espeak][settings]") {
  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path()));
  speech.set_volume(100);
  speech.set_rate(kiosk::kMaxRateWpm);
  speech.say(kEnSentence, Lang::kEn);
  REQUIRE(speech.wait_until_idle(milliseconds(20000)));
  speech.reset_for_new_session();
  CHECK(speech.volume() == kiosk::kDefaultVolume);
  CHECK(speech.rate() == kiosk::kDefaultRateWpm);
  speech.say(kEnSentence, Lang::kEn);
  REQUIRE(speech.wait_until_idle(milliseconds(20000)));
  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 2);
  const WavFacts loud = inspect_wav(files[0]);
  const WavFacts next = inspect_wav(files[1]);
  const WavFacts reference = render(kEnSentence, Lang::kEn);  // a fresh instance: the defaults
  CHECK(next.seconds() == Approx(reference.seconds()).epsilon(0.03));
  CHECK(next.rms() == Approx(reference.rms()).epsilon(0.1));
  CHECK(next.seconds() > 1.3 * loud.seconds());  // the default rate is well below the maximum
  CHECK(next.rms() < 0.7 * loud.rms());          // and the default volume is 6 dB below 100
}

TEST_CASE("say() never blocks the caller, and the queue stays bounded", "[speech][espeak][worker]") {
  testing_support::TempDir dir;
  EspeakOptions o = to_files(dir.path(), /*realtime=*/true);
  o.queue_capacity = 16;
  EspeakSpeech speech(o);
  const auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) speech.say("Item " + std::to_string(i) + " of a thousand.", Lang::kEn, Priority::kQueue);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  INFO("1000 say() calls took " << took.count() << " ms");
  CHECK(took < milliseconds(500));
  CHECK(speech.is_speaking());
  // At most one utterance is being said and 16 wait: the rest were dropped, oldest first.
  CHECK(speech.utterances_dropped() >= 1000 - 16 - 1);
  const auto stop_start = Clock::now();
  speech.stop();
  REQUIRE(speech.wait_until_idle(milliseconds(5000)));
  CHECK(Clock::now() - stop_start < milliseconds(1000));  // cut off within a slice or so
  CHECK(wav_files(dir.path()).size() <= 2);
}

TEST_CASE("An interrupt cuts off what is being said, and the new utterance is said whole",
          "[speech][espeak][worker]") {
  const WavFacts whole_long = render(kLongSentence, Lang::kEn);
  const WavFacts whole_short = render(kShortSentence, Lang::kEn);

  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path(), /*realtime=*/true));
  speech.say(kLongSentence, Lang::kEn);
  speech.say("This waits in the queue and is dropped.", Lang::kEn, Priority::kQueue);
  std::this_thread::sleep_for(milliseconds(800));
  speech.say(kShortSentence, Lang::kEn, Priority::kInterrupt);
  REQUIRE(speech.wait_until_idle(milliseconds(30000)));

  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 2);
  const WavFacts cut = inspect_wav(files[0]);
  const WavFacts next = inspect_wav(files[1]);
  INFO("cut " << cut.seconds() << " s of " << whole_long.seconds() << " s");
  CHECK(cut.seconds() > 0.2);
  CHECK(cut.seconds() < whole_long.seconds() * 0.7);
  // The engine starts the next text afresh: said whole, as when said alone.
  CHECK(next.seconds() == Approx(whole_short.seconds()).epsilon(0.03));
}

TEST_CASE("Pause holds the utterance where it is, and resume goes on without losing any of it",
          "[speech][espeak][worker]") {
  const WavFacts whole = render(kShortSentence, Lang::kEn);
  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path(), /*realtime=*/true));
  const auto start = Clock::now();
  speech.say(kShortSentence, Lang::kEn);
  speech.say("And then this.", Lang::kEn, Priority::kQueue);
  std::this_thread::sleep_for(milliseconds(300));
  speech.pause();
  CHECK(speech.is_paused());
  CHECK(speech.is_speaking());
  CHECK_FALSE(speech.wait_until_idle(milliseconds(1500)));  // held, not finished
  CHECK(wav_files(dir.path()).empty());
  speech.resume();
  CHECK_FALSE(speech.is_paused());
  REQUIRE(speech.wait_until_idle(milliseconds(30000)));
  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 2);
  CHECK(inspect_wav(files[0]).seconds() == Approx(whole.seconds()).epsilon(0.03));
  // Played in real time, and held for the 1.5 s of the pause on top.
  CHECK(Clock::now() - start > milliseconds(1500) + milliseconds(static_cast<int>(whole.seconds() * 900)));
}

TEST_CASE("A broken audio device makes speech a no-op, reported once, without blocking",
          "[speech][espeak][faults]") {
  LogCapture log;
  const auto check_degraded = [&](EspeakSpeech& speech, const char* event) {
    const auto start = Clock::now();
    speech.say(kKoSentence, Lang::kKo);
    speech.say(kEnSentence, Lang::kEn, Priority::kQueue);
    CHECK(Clock::now() - start < milliseconds(100));
    REQUIRE(speech.wait_until_idle(milliseconds(10000)));
    CHECK(speech.state() == SpeechState::kAudioUnavailable);
    CHECK_FALSE(speech.is_available());
    CHECK(speech.failure().kind() == platform::StatusKind::kIoError);
    // From now on, nothing: no queue, no worker activity, no further reports.
    for (int i = 0; i < 100; ++i) speech.say("again", Lang::kEn, Priority::kQueue);
    speech.pause();
    CHECK_FALSE(speech.is_paused());
    CHECK_FALSE(speech.is_speaking());
    CHECK(speech.wait_until_idle(milliseconds(100)));
    CHECK(log.count(event) == 1);
    for (const std::string& line : log.lines()) {
      CHECK(line.find("안녕") == std::string::npos);
      CHECK(line.find("Welcome") == std::string::npos);
    }
  };

  SECTION("the device cannot be opened") {
    EspeakSpeech speech({}, std::make_unique<FailingSink>(FailingSink::Where::kBegin));
    check_degraded(speech, "speech.audio_unavailable");
  }
  SECTION("a write fails in the middle of an utterance") {
    EspeakSpeech speech({}, std::make_unique<FailingSink>(FailingSink::Where::kWrite));
    check_degraded(speech, "speech.audio_unavailable");
  }
  SECTION("playback to a device that does not exist, through pcaudiolib") {
    EspeakOptions o;
    o.output = EspeakOptions::Output::kDevice;
    o.device = "bbd-kiosk-test-no-such-device";
    EspeakSpeech speech(o);
    check_degraded(speech, "speech.audio_unavailable");
  }
  SECTION("playback to the default device on a machine without a sound card") {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    const bool no_sound = !fs::exists("/dev/snd") && std::getenv("PULSE_SERVER") == nullptr &&
                          !(runtime != nullptr && fs::exists(fs::path(runtime) / "pulse" / "native"));
    if (!no_sound) {
      WARN("this machine has a sound card or a sound server: skipped so that the test stays silent");
      return;
    }
    EspeakSpeech speech;  // kDevice, the default device: what the kiosk does
    check_degraded(speech, "speech.audio_unavailable");
  }
}

TEST_CASE("A hung audio device never blocks say() or the destructor for long",
          "[speech][espeak][faults]") {
  LogCapture log;
  testing_support::TempDir dir;
  const fs::path wav = dir / "p1.wav";
  write_bytes(wav, kiosk::encode_wav(tone(16000, 1, 1.0, 8000)));
  auto gate = std::make_shared<Gate>();
  auto speech = std::make_unique<EspeakSpeech>(EspeakOptions{}, std::make_unique<HangingSink>(gate));
  speech->say_recorded(wav, "fallback", Lang::kKo);
  {
    std::unique_lock lock(gate->mu);
    REQUIRE(gate->cv.wait_for(lock, std::chrono::seconds(10), [&] { return gate->entered; }));
  }
  const auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) speech->say("queued behind a wedged device", Lang::kEn, Priority::kQueue);
  speech->stop();
  speech->pause();
  speech->resume();
  CHECK(Clock::now() - start < milliseconds(500));
  CHECK(speech->is_speaking());
  // ~EspeakSpeech waits kShutdownWait, then leaves the worker to finish on its own.
  const auto destroy = Clock::now();
  speech.reset();
  const auto took = Clock::now() - destroy;
  CHECK(took >= EspeakSpeech::kShutdownWait - milliseconds(50));
  CHECK(took < EspeakSpeech::kShutdownWait + milliseconds(1000));
  CHECK(log.count("speech.worker_stuck") == 1);
  // Let the worker go; it owns its sink and ends without touching the destroyed object.
  std::unique_lock lock(gate->mu);
  gate->open = true;
  gate->cv.notify_all();
  CHECK(gate->cv.wait_for(lock, std::chrono::seconds(10), [&] { return gate->left; }));
}

TEST_CASE("Recorded audio is played when it can be read, else the synthesizer says the text",
          "[speech][espeak][recorded]") {
  testing_support::TempDir pkg;
  const kiosk::Pcm16 recording = tone(16000, 1, 1.5, 10000);
  write_bytes(pkg / "p1.wav", kiosk::encode_wav(recording));
  write_bytes(pkg / "p2.ogg", std::string("OggS\0\2\0\0\0\0\0\0\0\0", 14) + std::string(200, 'x'));

  testing_support::TempDir out;
  EspeakSpeech speech(to_files(out.path()));
  speech.set_volume(100);
  speech.say_recorded(pkg / "p1.wav", "첫째 문단입니다.", Lang::kKo, Priority::kQueue);
  speech.say_recorded(pkg / "p2.ogg", "둘째 문단입니다.", Lang::kKo, Priority::kQueue);
  speech.say_recorded(pkg / "missing.wav", "Third paragraph.", Lang::kEn, Priority::kQueue);
  REQUIRE(speech.wait_until_idle(milliseconds(20000)));
  CHECK(speech.state() == SpeechState::kReady);
  CHECK(speech.recorded_fallbacks() == 2);

  const std::vector<fs::path> files = wav_files(out.path());
  REQUIRE(files.size() == 3);
  const WavFacts played = inspect_wav(files[0]);
  CHECK(played.sample_rate == 16000);
  CHECK(first_difference(played.samples, recording.samples) == "");  // volume 100: unchanged
  for (std::size_t i = 1; i < 3; ++i) {
    const WavFacts tts = inspect_wav(files[i]);
    CHECK(tts.sample_rate == 22050);
    CHECK(tts.seconds() > 0.5);
    CHECK(tts.rms() > 500.0);
  }
}

TEST_CASE("The null output speaks into nothing, and the destructor ends a long queue quickly",
          "[speech][espeak][worker]") {
  EspeakOptions o;
  o.output = EspeakOptions::Output::kNull;
  o.realtime = true;
  const auto start = Clock::now();
  {
    EspeakSpeech speech(o);
    for (int i = 0; i < 10; ++i) speech.say(kLongSentence, Lang::kEn, Priority::kQueue);
    std::this_thread::sleep_for(milliseconds(300));
    CHECK(speech.is_speaking());
    CHECK(speech.state() == SpeechState::kReady);
  }
  CHECK(Clock::now() - start < milliseconds(1500));
}

TEST_CASE("The confirm chime is a short soft tone at the speech volume, and cuts nothing off",
          "[speech][espeak][chime]") {
  // The tone itself: 80 ms, edges that start and end at silence (no click), a clear level.
  const std::vector<std::int16_t> tone = kiosk::confirm_tone(22050);
  REQUIRE(tone.size() == 22050 * 80 / 1000);
  CHECK(std::abs(tone.front()) < 50);
  CHECK(std::abs(tone.back()) < 50);
  const auto peak_of = [](const std::vector<std::int16_t>& v) {
    int p = 0;
    for (std::int16_t s : v) p = std::max(p, std::abs(static_cast<int>(s)));
    return p;
  };
  CHECK(peak_of(tone) > 10000);

  testing_support::TempDir dir;
  EspeakSpeech speech(to_files(dir.path(), /*realtime=*/true));
  speech.set_volume(kiosk::kMaxVolume);
  speech.say(kLongSentence, Lang::kEn);
  const std::uint64_t interrupts = speech.interrupt_count();
  std::this_thread::sleep_for(milliseconds(300));
  speech.chime();  // while the sentence is being said: after it, not instead of it
  CHECK(speech.interrupt_count() == interrupts);
  REQUIRE(speech.wait_until_idle(milliseconds(30000)));
  speech.set_volume(50);
  speech.chime();
  REQUIRE(speech.wait_until_idle(milliseconds(10000)));

  const std::vector<fs::path> files = wav_files(dir.path());
  REQUIRE(files.size() == 3);
  const WavFacts sentence = inspect_wav(files[0]), loud = inspect_wav(files[1]), soft = inspect_wav(files[2]);
  CHECK(sentence.seconds() == Approx(render(kLongSentence, Lang::kEn).seconds()).epsilon(0.03));  // said whole
  CHECK(loud.seconds() == Approx(0.08).margin(0.001));
  CHECK(loud.samples == tone);  // full volume: the tone as made
  // Volume 50 is 15 dB down: the chime follows the participant's volume like the voice does.
  const double db = 20 * std::log10(static_cast<double>(peak_of(soft.samples)) / peak_of(loud.samples));
  CHECK(db == Approx(-15.0).margin(0.5));
}

TEST_CASE("The speech spy counts chimes", "[speech][spy][chime]") {
  kiosk::SpeechSpy spy;
  spy.chime();
  spy.chime();
  CHECK(spy.chimes() == 2);
  CHECK(spy.said().empty());  // a tone is not an utterance
  CHECK(spy.interrupt_count() == 0);
}
