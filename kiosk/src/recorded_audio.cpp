#include "kiosk/recorded_audio.h"

#include <sys/stat.h>

#include <utility>

#include "platform/crypto.h"
#include "platform/fs.h"
#include "platform/log.h"

namespace kiosk {

namespace fs = std::filesystem;

namespace {

// True when `file` is a regular file of mode 0600 holding exactly `bytes`.
bool holds_exactly(const fs::path& file, std::string_view bytes) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0777) != 0600)
    return false;
  if (static_cast<std::size_t>(st.st_size) != bytes.size()) return false;
  platform::Result<std::string> on_disk = platform::read_file(file, bytes.size());
  return on_disk.is_ok() && *on_disk == bytes;
}

}  // namespace

platform::Result<fs::path> audio_file_for(std::string_view wav_bytes, const fs::path& cache_dir) {
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(cache_dir));
  const fs::path file = cache_dir / (platform::sha256_hex(platform::as_bytes(wav_bytes)) + ".wav");
  if (holds_exactly(file, wav_bytes)) return file;
  // Not there, or not what it should be (cut short by a crash, changed, a symlink): a new file
  // is renamed over whatever is there.
  platform::Status s = platform::write_file_atomic(file, wav_bytes, 0600, /*overwrite=*/true);
  if (!s.is_ok()) return s;
  return file;
}

platform::Result<fs::path> RecordedAudioCache::file_for(
    const std::shared_ptr<const std::string>& wav) {
  auto k = known_.find(wav.get());
  // A live weak reference means the bytes at this address are still the ones remembered.
  // The file is then only looked at, not read: still a private regular file of that size.
  if (k != known_.end() && !k->second.bytes.expired()) {
    struct stat st {};
    if (::lstat(k->second.file.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & 0777) == 0600 && static_cast<std::size_t>(st.st_size) == wav->size())
      return k->second.file;
  }
  platform::Result<fs::path> file = audio_file_for(*wav, dir_);
  if (!file.is_ok()) return file;
  // Forget recordings whose package has gone, so the map stays as small as what is loaded.
  for (auto it = known_.begin(); it != known_.end();)
    it = it->second.bytes.expired() ? known_.erase(it) : std::next(it);
  known_[wav.get()] = Known{wav, *file};
  return file;
}

std::vector<Paragraph> consent_paragraphs(const forms::FormSession& session,
                                          RecordedAudioCache* audio) {
  const forms::Questionnaire& q = session.questionnaire();
  const std::string& lang = session.language();
  std::vector<Paragraph> out;
  for (std::size_t i = 0; i < q.items.size(); ++i) {
    const forms::Item& it = q.items[i];
    if (!session.shown(static_cast<int>(i))) continue;
    if (it.type != forms::ItemType::kDisplay && it.type != forms::ItemType::kGroup) continue;
    std::vector<Paragraph> parts = split_paragraphs(it.text.in(lang, q.language));
    if (parts.empty()) continue;
    const auto rec = it.recorded_audio.find(lang);
    if (audio != nullptr && rec != it.recorded_audio.end() && rec->second.wav != nullptr) {
      platform::Result<fs::path> file = audio->file_for(rec->second.wav);
      if (file.is_ok()) {
        Paragraph whole;
        for (const Paragraph& p : parts) whole.text += (whole.text.empty() ? "" : "\n\n") + p.text;
        whole.recorded = std::move(*file);
        out.push_back(std::move(whole));
        continue;
      }
      // The synthesizer reads this item instead; the status's message may name a path, so
      // only its kind is logged.
      platform::log::warn("speech.recorded_audio_unavailable", {{"kind", file.status().kind()}});
    }
    for (Paragraph& p : parts) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace kiosk
