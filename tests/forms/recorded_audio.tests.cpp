// The recorded-audio extension (issue 7): a display item (or a group's text) may carry a
// recorded human voice per language as a FHIR Attachment with the WAV inline in base64. A
// valid one loads into Item::recorded_audio; everything else is refused at load with the
// pointer of the offending field (docs/FORMS.md, "Recorded voice").
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "forms_test_helpers.h"
#include "kiosk/wav.h"
#include "platform/crypto.h"

using namespace ft;

namespace {

const std::string kRecordedUrl = kBbd + "recorded-audio";

// A short 16-bit mono WAV (a ramp, so that two recordings differ by their `seed`).
std::string wav_bytes(int seed = 1, std::size_t samples = 800, int rate = 16000, int channels = 1) {
  kiosk::Pcm16 pcm;
  pcm.sample_rate = rate;
  pcm.channels = channels;
  pcm.samples.resize(samples * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < pcm.samples.size(); ++i)
    pcm.samples[i] = static_cast<std::int16_t>((static_cast<int>(i % 200) - 100) * 50 * seed);
  return kiosk::encode_wav(pcm);
}

std::string b64(const std::string& bytes) {
  return platform::base64_encode_public(platform::as_bytes(bytes));
}

json attachment(const std::string& lang, const std::string& bytes) {
  return {{"contentType", "audio/wav"}, {"language", lang}, {"data", b64(bytes)}};
}
json recorded_ext(json att) {
  return {{"url", kRecordedUrl}, {"valueAttachment", std::move(att)}};
}
json recorded(const std::string& lang, const std::string& bytes) {
  return recorded_ext(attachment(lang, bytes));
}

// A Korean questionnaire (English declared) whose item 1 ("d.2") carries `ext`.
json with_audio(json ext) {
  return q(display("d.1", "첫째 안내문", "First notice"),
           with_ext(display("d.2", "둘째 안내문", "Second notice"), std::move(ext)));
}
json with_attachment(json att) {
  return with_audio(recorded_ext(std::move(att)));
}

// The pointers of the attachment on item 1 and of its fields.
const std::string kExt = "/item/1/extension/0";
const std::string kAtt = kExt + "/valueAttachment";

// Bytes of a WAV header whose fmt chunk says `format`/`channels`/`rate`/`bits`.
std::string wav_with_fmt(std::uint16_t format, std::uint16_t channels, std::uint32_t rate,
                         std::uint16_t bits) {
  std::string w = wav_bytes();
  auto put16 = [&](std::size_t at, std::uint32_t v) {
    w[at] = static_cast<char>(v & 0xFFu);
    w[at + 1] = static_cast<char>((v >> 8) & 0xFFu);
  };
  // encode_wav writes the canonical header: "fmt " at 12, its body at 20.
  REQUIRE(w.substr(12, 4) == "fmt ");
  put16(20, format);
  put16(22, channels);
  put16(24, rate & 0xFFFFu);
  put16(26, rate >> 16);
  put16(34, bits);
  return w;
}

}  // namespace

TEST_CASE("A recorded voice on a display item loads as the WAV bytes, one per language",
          "[forms][load][recorded-audio]") {
  const std::string ko = wav_bytes(1), en = wav_bytes(2, 1200, 22050, 2);
  json att = attachment("ko", ko);
  att["title"] = "둘째 안내문 낭독";
  json j = with_audio(recorded_ext(att));
  j["item"][1] = with_ext(j["item"][1], recorded("en", en));
  const forms::Questionnaire qn = load_ok(j);
  const forms::Item* plain = qn.find("d.1");
  const forms::Item* it = qn.find("d.2");
  REQUIRE(plain != nullptr);
  REQUIRE(it != nullptr);
  CHECK(plain->recorded_audio.empty());
  REQUIRE(it->recorded_audio.size() == 2);
  REQUIRE(it->recorded_audio.at("ko").wav != nullptr);
  CHECK(*it->recorded_audio.at("ko").wav == ko);
  CHECK(it->recorded_audio.at("ko").title == "둘째 안내문 낭독");
  CHECK(*it->recorded_audio.at("en").wav == en);
  CHECK(it->recorded_audio.at("en").title.empty());

  // Copies of the Questionnaire share the audio instead of copying it.
  const forms::Questionnaire copy = qn;
  CHECK(copy.find("d.2")->recorded_audio.at("ko").wav == it->recorded_audio.at("ko").wav);

  // A group's text may have one too.
  json g = q(with_ext(group("g", {display("g.1", "안내", "Notice")}, "1. 목적", "1. Purpose"),
                      recorded("ko", ko)));
  const forms::Questionnaire qg = load_ok(g);
  REQUIRE(qg.find("g")->recorded_audio.count("ko") == 1);
  CHECK(*qg.find("g")->recorded_audio.at("ko").wav == ko);

  // In a package, the item is found by the same rules.
  std::vector<json> qs = minimal_questionnaires();
  qs[0]["item"][0] = with_ext(qs[0]["item"][0], recorded("ko", ko));
  forms::PackageLoad p = forms::load_package(bundle(qs));
  INFO(describe(p));
  REQUIRE(p.ok());
  CHECK(*p.package->first("consent")->find("c.notice")->recorded_audio.at("ko").wav == ko);
}

TEST_CASE("A recording at the size cap loads and one byte more is refused",
          "[forms][load][recorded-audio]") {
  // encode_wav's header is 44 bytes; the samples make up the rest.
  const std::size_t at_cap_samples = (forms::kMaxRecordedAudioBytes - 44) / 2;
  const std::string at_cap = wav_bytes(1, at_cap_samples);
  REQUIRE(at_cap.size() == forms::kMaxRecordedAudioBytes);
  const forms::Questionnaire qn = load_ok(with_audio(recorded("ko", at_cap)));
  CHECK(qn.find("d.2")->recorded_audio.at("ko").wav->size() == forms::kMaxRecordedAudioBytes);

  // One more sample (two bytes) is over: refused after decoding.
  FT_CHECK_PROBLEM(with_audio(recorded("ko", wav_bytes(1, at_cap_samples + 1))), kAtt + "/data",
                   "d.2", "larger than 16 MiB");
  // Far over: refused from the length of the base64 alone.
  json huge = attachment("ko", wav_bytes());
  huge["data"] = std::string((forms::kMaxRecordedAudioBytes / 3 + 8) * 4, 'A');
  FT_CHECK_PROBLEM(with_attachment(huge), kAtt + "/data", "d.2", "larger than 16 MiB");
}

TEST_CASE("Recorded audio in the wrong form is refused with a message naming the pointer",
          "[forms][load][recorded-audio]") {
  const std::string wav = wav_bytes();

  SECTION("the content type is not audio/wav") {
    json att = attachment("ko", wav);
    att["contentType"] = "audio/ogg";
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/contentType", "d.2", "must be \"audio/wav\"");
    att.erase("contentType");
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/contentType", "d.2",
                     "needs contentType \"audio/wav\"");
  }
  SECTION("the language is not one of the questionnaire's") {
    FT_CHECK_PROBLEM(with_audio(recorded("ja", wav)), kAtt + "/language", "d.2", "'ja' is neither");
    // English is only a language of the questionnaire when declared.
    FT_CHECK_PROBLEM(ko_only(with_audio(recorded("en", wav))), kAtt + "/language", "d.2",
                     "'en' is neither");
    json att = attachment("ko", wav);
    att.erase("language");
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/language", "d.2",
                     "needs a 'language' (one of ko, en)");
  }
  SECTION("two recordings in one language") {
    json j = with_audio(recorded("ko", wav));
    j["item"][1] = with_ext(j["item"][1], recorded("ko", wav_bytes(2)));
    FT_CHECK_PROBLEM(j, "/item/1/extension/1/valueAttachment/language", "d.2",
                     "a second recording in 'ko'");
  }
  SECTION("the data is not base64") {
    json att = attachment("ko", wav);
    att["data"] = "UklGR!!!";
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/data", "d.2", "not valid base64");
    std::string unpadded = b64("RIFF!");  // 5 bytes: one '=' of padding
    REQUIRE(unpadded.back() == '=');
    unpadded.pop_back();
    att["data"] = unpadded;
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/data", "d.2", "not valid base64");
    std::string wrapped = b64(wav);
    wrapped.insert(76, "\n");
    att["data"] = wrapped;
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/data", "d.2", "not valid base64");
    att.erase("data");
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/data", "d.2", "needs 'data'");
  }
  SECTION("the data is not a 16-bit PCM WAV file") {
    const std::string ogg = std::string("OggS\0\2\0\0\0\0\0\0\0\0", 14) + std::string(200, 'x');
    FT_CHECK_PROBLEM(with_audio(recorded("ko", ogg)), kAtt + "/data", "d.2", "no RIFF/WAVE header");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav_with_fmt(1, 1, 16000, 8))), kAtt + "/data",
                     "d.2", "8-bit");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav_with_fmt(3, 1, 16000, 32))), kAtt + "/data",
                     "d.2", "not plain PCM (format 3)");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav_with_fmt(1, 6, 48000, 16))), kAtt + "/data",
                     "d.2", "6 channels");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav_with_fmt(1, 1, 4000, 16))), kAtt + "/data",
                     "d.2", "sample rate 4000 Hz");
    // Only the header: no samples. Cut before the data chunk: none at all.
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav.substr(0, 44))), kAtt + "/data", "d.2",
                     "no audio samples");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav.substr(0, 36))), kAtt + "/data", "d.2",
                     "no data chunk");
    FT_CHECK_PROBLEM(with_audio(recorded("ko", wav.substr(0, 12))), kAtt + "/data", "d.2",
                     "no fmt chunk");
  }
  SECTION("an attachment by url, or with fields the kiosk does not read") {
    json att = attachment("ko", wav);
    att.erase("data");
    att["url"] = "https://example.test/audio/d2.wav";
    FT_CHECK_PROBLEM(with_attachment(att), kAtt + "/url", "d.2", "put the WAV file in 'data'");
    json sized = attachment("ko", wav);
    sized["size"] = static_cast<std::int64_t>(wav.size());
    FT_CHECK_PROBLEM(with_attachment(sized), kAtt + "/size", "d.2", "'size' is not supported");
    json titled = attachment("ko", wav);
    titled["title"] = "";
    FT_CHECK_PROBLEM(with_attachment(titled), kAtt + "/title", "d.2", "non-empty string");
  }
  SECTION("not an Attachment, or on an item that is not read") {
    FT_CHECK_PROBLEM(with_audio({{"url", kRecordedUrl}, {"valueString", "d2.wav"}}), kExt, "d.2",
                     "needs a valueAttachment");
    FT_CHECK_PROBLEM(q(with_ext(item("b", "boolean"), recorded("ko", wav))), "/item/0/extension/0",
                     "b", "only to display items and to a group's text, not to boolean");
    json g = group("g", {display("g.1")});
    g.erase("text");
    g.erase("_text");
    FT_CHECK_PROBLEM(q(with_ext(g, recorded("ko", wav))), "/item/0/extension/0", "g",
                     "needs the item's text");
  }
  SECTION("inside a package, the pointer starts at the entry") {
    std::vector<json> qs = minimal_questionnaires();
    qs[0]["item"][0] = with_ext(qs[0]["item"][0], recorded("ja", wav));
    forms::PackageLoad p = forms::load_package(bundle(qs));
    INFO(describe(p));
    CHECK_FALSE(p.ok());
    CHECK(has_problem(p.problems, "/entry/0/resource/item/0/extension/0/valueAttachment/language",
                      "c.notice", "'ja'"));
  }
}

TEST_CASE("recorded_audio_problem accepts what kiosk/wav.h plays", "[forms][recorded-audio]") {
  CHECK(forms::recorded_audio_problem(wav_bytes()) == "");
  CHECK(forms::recorded_audio_problem(wav_bytes(1, 10, 8000, 2)) == "");
  CHECK(forms::recorded_audio_problem(wav_bytes(1, 10, 96000, 1)) == "");
  // A chunk before fmt (LIST, odd size padded) is walked over, as the player does.
  std::string w = wav_bytes();
  const std::string list = std::string("LIST\x03\0\0\0abc\0", 12);
  w.insert(12, list);
  CHECK(forms::recorded_audio_problem(w) == "");
  REQUIRE(kiosk::decode_wav(w).is_ok());
  CHECK(forms::recorded_audio_problem("") == "no RIFF/WAVE header");
}
