// kiosk/wav.h: 16-bit PCM WAV, the one audio file format the speech module reads and writes.
//
// The speech worker writes what it would have played as WAV files (EspeakSpeech's file mode,
// for tests and for listening without speakers), and a protocol package may carry a recorded
// human voice for a consent paragraph as a WAV file (say_recorded). Only plain PCM, 16 bits,
// mono or stereo, 8 to 96 kHz is read; anything else (OGG, 8/24-bit, float, compressed) is
// refused with kInvalidArgument, and the speech module then falls back to the synthesizer.
//
// Thread-safety: pure functions on values; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace kiosk {

// Interleaved signed 16-bit samples.
struct Pcm16 {
  int sample_rate = 22050;
  int channels = 1;
  std::vector<std::int16_t> samples;

  std::size_t frames() const { return channels > 0 ? samples.size() / static_cast<std::size_t>(channels) : 0; }
  double seconds() const {
    return sample_rate > 0 ? static_cast<double>(frames()) / static_cast<double>(sample_rate) : 0.0;
  }
};

inline constexpr int kMinWavSampleRate = 8000;
inline constexpr int kMaxWavSampleRate = 96000;
// A recorded paragraph longer than this is refused (about 6 minutes of 48 kHz stereo).
inline constexpr std::size_t kMaxWavFileBytes = 64u * 1024u * 1024u;

// The canonical 44-byte-header RIFF/WAVE file for `pcm`.
// REQUIRES: channels 1 or 2, sample_rate in [kMinWavSampleRate, kMaxWavSampleRate].
std::string encode_wav(const Pcm16& pcm);

// Parses a RIFF/WAVE file: walks the chunks (any order, odd sizes padded), takes "fmt " and
// "data". A data chunk cut short by a truncated file yields the whole frames that are there.
platform::Result<Pcm16> decode_wav(std::string_view bytes);

// read_file (up to kMaxWavFileBytes) + decode_wav; errors name the path.
platform::Result<Pcm16> read_wav_file(const std::filesystem::path& path);

}  // namespace kiosk
