// kiosk/recorded_audio.h: a protocol package's recorded human voice (issue 7), from the
// loaded consent document to the paragraphs a ReadingSession reads aloud.
//
// A package carries a recording as WAV bytes inside the signed package (forms::Item::
// recorded_audio, docs/FORMS.md "Recorded voice"); the speech module plays files
// (Speech::say_recorded). audio_file_for() writes the bytes once to a private cache dir as
// <sha256 hex>.wav (dir 0700, file 0600, written atomically) and reuses that file while it
// still holds exactly those bytes. consent_paragraphs() turns a consent FormSession into the
// paragraphs that are read: an item with a recording in the session's language is ONE
// paragraph, its whole text the synthesizer's fallback; every other item is split at blank
// lines as split_paragraphs() does. Whether the WAV can be played is decided at play time:
// EspeakSpeech falls back to the text when it cannot (kiosk/speech.h).
//
// Thread-safety: audio_file_for() may be called from any thread (concurrent writers of the
// same bytes each rename a complete file into place). A RecordedAudioCache belongs to one
// thread (the UI thread, in the app).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "forms/session.h"
#include "kiosk/announce.h"
#include "platform/status.h"

namespace kiosk {

// The file under `cache_dir` (created 0700 if missing) holding exactly `wav_bytes`, named
// "<lowercase hex SHA-256 of the bytes>.wav", mode 0600. An existing file with those bytes
// is reused as is; one with other bytes (a crash, tampering) or not a regular file is
// replaced atomically. Errors (disk full, a cache dir that is not private) name the path.
platform::Result<std::filesystem::path> audio_file_for(std::string_view wav_bytes,
                                                       const std::filesystem::path& cache_dir);

// audio_file_for() remembered per recording for this process, so that reading the consent
// again hashes and reads nothing (recordings may be megabytes, and this runs on the UI
// thread): a remembered file is reused while it is a private regular file of the right size,
// else written again. A recording is known by its shared bytes (forms::RecordedAudio::wav);
// the cache holds only weak references, so a package that is replaced is freed as usual.
class RecordedAudioCache {
 public:
  explicit RecordedAudioCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  // REQUIRES: wav != nullptr.
  platform::Result<std::filesystem::path> file_for(const std::shared_ptr<const std::string>& wav);

 private:
  struct Known {
    std::weak_ptr<const std::string> bytes;
    std::filesystem::path file;
  };
  std::filesystem::path dir_;
  std::map<const std::string*, Known> known_;
};

// The paragraphs of `session`'s Questionnaire as read aloud in the session's language, in
// document order: the text of every shown display and group item. An item with a recording
// in that language gives one Paragraph whose `recorded` is its cache file and whose text is
// the whole item text (its paragraphs joined by a blank line); others are split at blank
// lines. With no `audio` cache, or when the cache file cannot be written (logged, without
// any text), the item is split and synthesized like the others.
std::vector<Paragraph> consent_paragraphs(const forms::FormSession& session,
                                          RecordedAudioCache* audio);

}  // namespace kiosk
