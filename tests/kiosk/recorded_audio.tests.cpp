// kiosk/recorded_audio: a protocol package's recorded voice, from the loaded consent to the
// paragraphs read aloud (against the speech spy) and the private cache file the speech
// module plays. Whether EspeakSpeech plays the file or falls back to the text is tested in
// speech.tests.cpp ("Recorded audio is played when it can be read, else the synthesizer says
// the text"), including a file that is not playable.
#include "kiosk/recorded_audio.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "forms/questionnaire.h"
#include "forms/session.h"
#include "kiosk/announce.h"
#include "kiosk/speech_spy.h"
#include "kiosk/wav.h"
#include "platform/crypto.h"
#include "test_support.h"

namespace fs = std::filesystem;
using kiosk::Lang;
using kiosk::Paragraph;
using kiosk::Priority;
using kiosk::ReadingSession;
using kiosk::SpeechSpy;
using nlohmann::json;
using testing_support::TempDir;

namespace {

const std::string kBbd = "https://bbd.example.kr/fhir/StructureDefinition/";

std::string test_wav(int seed) {
  kiosk::Pcm16 pcm;
  pcm.sample_rate = 16000;
  pcm.samples.resize(1600);
  for (std::size_t i = 0; i < pcm.samples.size(); ++i)
    pcm.samples[i] = static_cast<std::int16_t>((static_cast<int>(i % 100) - 50) * 100 * seed);
  return kiosk::encode_wav(pcm);
}

// The "_text" sibling carrying the English translation.
json english(const std::string& en) {
  return {
      {"extension",
       json::array({{{"url", forms::kTranslationUrl},
                     {"extension", json::array({{{"url", "lang"}, {"valueCode", "en"}},
                                                {{"url", "content"}, {"valueString", en}}})}}})}};
}
json display(const std::string& link, const std::string& ko, const std::string& en) {
  return {{"linkId", link}, {"type", "display"}, {"text", ko}, {"_text", english(en)}};
}

// A consent document in Korean with English: item 2 ("c.2", two paragraphs) has a recorded
// voice in Korean only; "c.4" is shown only when the participant declines.
json consent_with_audio(const std::string& wav) {
  json c2 = display("c.2", "둘째 안내문 첫 문단.\n\n둘째 안내문 둘째 문단.",
                    "Second notice, first paragraph.\n\nSecond notice, second paragraph.");
  c2["extension"] =
      json::array({{{"url", forms::kRecordedAudioUrl},
                    {"valueAttachment",
                     {{"contentType", "audio/wav"},
                      {"language", "ko"},
                      {"data", platform::base64_encode_public(platform::as_bytes(wav))}}}}});
  json agree = {
      {"linkId", "c.3"},
      {"type", "boolean"},
      {"required", true},
      {"text", "동의하십니까?"},
      {"_text", english("Do you agree?")},
      {"extension",
       json::array({{{"url", kBbd + "consent-provision"}, {"valueCode", "participation"}}})}};
  json declined = display("c.4", "동의하지 않으면 참여할 수 없습니다.",
                          "Without agreeing you cannot take part.");
  declined["enableWhen"] =
      json::array({{{"question", "c.3"}, {"operator", "="}, {"answerBoolean", false}}});
  json q = {
      {"resourceType", "Questionnaire"},
      {"url", "https://example.test/fhir/Questionnaire/consent"},
      {"version", "1.0.0"},
      {"name", "Consent"},
      {"status", "active"},
      {"language", "ko"},
      {"title", "동의서"},
      {"_title", english("Consent")},
      {"extension", json::array({{{"url", kBbd + "translation-languages"}, {"valueCode", "en"}},
                                 {{"url", kBbd + "protocol-role"}, {"valueCode", "consent"}}})},
      {"item", json::array({display("c.1", "첫째 안내문입니다.", "This is the first notice."), c2,
                            agree, declined})}};
  return q;
}

forms::Questionnaire load(const json& j) {
  forms::LoadResult r = forms::load_questionnaire(j);
  std::string problems;
  for (const forms::Problem& p : r.problems) problems += p.to_string() + "\n";
  INFO(problems);
  REQUIRE(r.ok());
  return std::move(*r.questionnaire);
}

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st;
}
unsigned mode_of(const fs::path& p) {
  return static_cast<unsigned>(stat_of(p).st_mode) & 0777u;
}

}  // namespace

TEST_CASE(
    "A consent item with a recorded voice in the session's language is one recorded paragraph",
    "[recorded-audio][reading]") {
  const std::string wav = test_wav(1);
  const forms::Questionnaire q = load(consent_with_audio(wav));
  TempDir tmp;
  kiosk::RecordedAudioCache cache(tmp / "audio-cache");

  SECTION("in Korean, paragraph 2 is the recording, with the whole item text as the fallback") {
    forms::FormSession s(q, "ko");
    const std::vector<Paragraph> ps = kiosk::consent_paragraphs(s, &cache);
    REQUIRE(ps.size() == 2);
    CHECK(ps[0].text == "첫째 안내문입니다.");
    CHECK(ps[0].recorded.empty());
    CHECK(ps[1].text == "둘째 안내문 첫 문단.\n\n둘째 안내문 둘째 문단.");
    REQUIRE_FALSE(ps[1].recorded.empty());
    CHECK(ps[1].recorded.parent_path() == tmp / "audio-cache");
    CHECK(ps[1].recorded.filename() == platform::sha256_hex(platform::as_bytes(wav)) + ".wav");
    CHECK(testing_support::read_all(ps[1].recorded) == wav);
    // What the speech module will read from it is the package's recording.
    platform::Result<kiosk::Pcm16> played = kiosk::read_wav_file(ps[1].recorded);
    REQUIRE(played.is_ok());
    CHECK(played->samples.size() == 1600);

    // Declining shows c.4, which is read after the others.
    REQUIRE(s.set_answer("c.3", forms::Value(false)).is_ok());
    const std::vector<Paragraph> more = kiosk::consent_paragraphs(s, &cache);
    REQUIRE(more.size() == 3);
    CHECK(more[1].recorded == ps[1].recorded);
    CHECK(more[2].text == "동의하지 않으면 참여할 수 없습니다.");
    CHECK(more[2].recorded.empty());
  }
  SECTION("in English there is no recording: every paragraph is synthesized") {
    forms::FormSession s(q, "en");
    const std::vector<Paragraph> ps = kiosk::consent_paragraphs(s, &cache);
    REQUIRE(ps.size() == 3);
    CHECK(ps[0].text == "This is the first notice.");
    CHECK(ps[1].text == "Second notice, first paragraph.");
    CHECK(ps[2].text == "Second notice, second paragraph.");
    for (const Paragraph& p : ps) CHECK(p.recorded.empty());
    CHECK_FALSE(fs::exists(tmp / "audio-cache"));  // nothing was written
  }
  SECTION("without a cache dir, or when the file cannot be written, Korean is synthesized too") {
    forms::FormSession s(q, "ko");
    std::vector<Paragraph> ps = kiosk::consent_paragraphs(s, nullptr);
    REQUIRE(ps.size() == 3);
    CHECK(ps[1].text == "둘째 안내문 첫 문단.");
    for (const Paragraph& p : ps) CHECK(p.recorded.empty());

    testing_support::write_all(tmp / "a-file", "not a directory");
    kiosk::RecordedAudioCache broken(tmp / "a-file");
    ps = kiosk::consent_paragraphs(s, &broken);
    REQUIRE(ps.size() == 3);
    for (const Paragraph& p : ps) CHECK(p.recorded.empty());
  }
}

TEST_CASE(
    "Reading the consent aloud plays the recording for its paragraph and synthesizes the others",
    "[recorded-audio][reading]") {
  const std::string wav = test_wav(2);
  const forms::Questionnaire q = load(consent_with_audio(wav));
  TempDir tmp;
  kiosk::RecordedAudioCache cache(tmp.path());
  forms::FormSession s(q, "ko");
  SpeechSpy spy;
  ReadingSession reading(spy, kiosk::consent_paragraphs(s, &cache), Lang::kKo);
  reading.start();
  REQUIRE(spy.said().size() == 1);
  CHECK(spy.last().text == "첫째 안내문입니다.");
  CHECK(spy.last().recorded.empty());  // say()
  spy.finish();
  REQUIRE(reading.poll());
  REQUIRE(spy.said().size() == 2);
  CHECK(spy.last().text ==
        "둘째 안내문 첫 문단.\n\n둘째 안내문 둘째 문단.");  // say_recorded(): the fallback
  REQUIRE_FALSE(spy.last().recorded.empty());
  CHECK(testing_support::read_all(spy.last().recorded) == wav);
  CHECK(spy.last().lang == Lang::kKo);
  // Replay plays the recording again, not the synthesizer.
  reading.replay();
  CHECK(spy.last().recorded == spy.said()[1].recorded);
  spy.finish();
  REQUIRE(reading.poll());
  CHECK(spy.last().text == kiosk::announce_reading_finished(Lang::kKo));
  CHECK(spy.last().recorded.empty());
  CHECK(reading.finished());

  // In English, the same document is said by the synthesizer only.
  forms::FormSession en(q, "en");
  SpeechSpy spy_en;
  ReadingSession reading_en(spy_en, kiosk::consent_paragraphs(en, &cache), Lang::kEn);
  reading_en.start();
  for (int i = 0; i < 4 && !reading_en.finished(); ++i) {
    spy_en.finish();
    (void)reading_en.poll();
  }
  CHECK(reading_en.finished());
  REQUIRE(spy_en.said().size() == 4);
  for (const SpeechSpy::Utterance& u : spy_en.said()) CHECK(u.recorded.empty());
}

TEST_CASE("The recording's cache file is private, named by its SHA-256, written once and reused",
          "[recorded-audio][cache]") {
  const std::string wav = test_wav(3);
  TempDir tmp;
  const fs::path dir = tmp / "data" / "audio-cache";  // parents are created too

  platform::Result<fs::path> first = kiosk::audio_file_for(wav, dir);
  REQUIRE(first.is_ok());
  const fs::path file = *first;
  CHECK(file == dir / (platform::sha256_hex(platform::as_bytes(wav)) + ".wav"));
  CHECK(mode_of(dir) == 0700u);
  CHECK(mode_of(file) == 0600u);
  CHECK(testing_support::read_all(file) == wav);
  const ino_t inode = stat_of(file).st_ino;

  SECTION("the same bytes reuse the file as it is") {
    platform::Result<fs::path> again = kiosk::audio_file_for(wav, dir);
    REQUIRE(again.is_ok());
    CHECK(*again == file);
    CHECK(stat_of(file).st_ino == inode);  // not rewritten
    // Other bytes get a file of their own.
    const std::string other = test_wav(4);
    platform::Result<fs::path> second = kiosk::audio_file_for(other, dir);
    REQUIRE(second.is_ok());
    CHECK(*second != file);
    CHECK(testing_support::read_all(*second) == other);
    CHECK(testing_support::read_all(file) == wav);
  }
  SECTION("a file that no longer holds exactly the bytes, or is not private, is replaced") {
    std::string changed = wav;
    changed[100] = static_cast<char>(changed[100] ^ 0x55);
    SECTION("changed bytes") {
      testing_support::write_all(file, changed);
    }
    SECTION("cut short") {
      testing_support::write_all(file, wav.substr(0, 50));
    }
    SECTION("readable by others") {
      REQUIRE(::chmod(file.c_str(), 0644) == 0);
    }
    SECTION("a symlink to something else") {
      testing_support::write_all(tmp / "elsewhere", changed);
      fs::remove(file);
      fs::create_symlink(tmp / "elsewhere", file);
      platform::Result<fs::path> again = kiosk::audio_file_for(wav, dir);
      REQUIRE(again.is_ok());
      CHECK(testing_support::read_all(tmp / "elsewhere") == changed);  // the target is left alone
    }
    platform::Result<fs::path> again = kiosk::audio_file_for(wav, dir);
    REQUIRE(again.is_ok());
    CHECK(*again == file);
    CHECK(fs::is_regular_file(fs::symlink_status(file)));
    CHECK(mode_of(file) == 0600u);
    CHECK(testing_support::read_all(file) == wav);
  }
  SECTION("a cache dir that is open to others is made private") {
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    REQUIRE(kiosk::audio_file_for(wav, dir).is_ok());
    CHECK(mode_of(dir) == 0700u);
  }
  SECTION("a cache dir that cannot be made is an error naming it") {
    testing_support::write_all(tmp / "plain", "x");
    platform::Result<fs::path> bad = kiosk::audio_file_for(wav, tmp / "plain");
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().to_string().find("plain") != std::string::npos);
  }
  SECTION("the per-process cache remembers a recording, and writes it again if it went away") {
    kiosk::RecordedAudioCache cache(dir);
    auto bytes = std::make_shared<const std::string>(wav);
    platform::Result<fs::path> a = cache.file_for(bytes);
    REQUIRE(a.is_ok());
    CHECK(*a == file);
    CHECK(stat_of(file).st_ino == inode);
    // Remembered: the file is only looked at, not read (a same-size change goes unnoticed,
    // which shows that nothing was read or hashed).
    std::string changed = wav;
    changed[60] = static_cast<char>(changed[60] ^ 0x11);
    testing_support::write_all(file, changed);
    REQUIRE(::chmod(file.c_str(), 0600) == 0);
    platform::Result<fs::path> b = cache.file_for(bytes);
    REQUIRE(b.is_ok());
    CHECK(testing_support::read_all(*b) == changed);
    SECTION("cut short: written again") {
      testing_support::write_all(file, wav.substr(0, 50));
    }
    SECTION("removed: written again") {
      fs::remove(file);
    }
    platform::Result<fs::path> c = cache.file_for(bytes);
    REQUIRE(c.is_ok());
    CHECK(*c == file);
    CHECK(testing_support::read_all(*c) == wav);
    CHECK(mode_of(*c) == 0600u);
  }
}
