#include "kiosk/wav.h"

#include <algorithm>

#include "platform/fs.h"

namespace kiosk {

namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint16_t get_u16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}

std::uint32_t get_u32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
  return v;
}

}  // namespace

std::string encode_wav(const Pcm16& pcm) {
  const auto channels = static_cast<std::uint16_t>(pcm.channels);
  const auto rate = static_cast<std::uint32_t>(pcm.sample_rate);
  const auto data_bytes = static_cast<std::uint32_t>(pcm.samples.size() * 2);
  std::string out;
  out.reserve(44 + data_bytes);
  out += "RIFF";
  put_u32(out, 36 + data_bytes);
  out += "WAVE";
  out += "fmt ";
  put_u32(out, 16);
  put_u16(out, 1);  // PCM
  put_u16(out, channels);
  put_u32(out, rate);
  put_u32(out, rate * channels * 2u);                 // bytes per second
  put_u16(out, static_cast<std::uint16_t>(channels * 2u));  // bytes per frame
  put_u16(out, 16);
  out += "data";
  put_u32(out, data_bytes);
  for (std::int16_t s : pcm.samples) put_u16(out, static_cast<std::uint16_t>(s));
  return out;
}

platform::Result<Pcm16> decode_wav(std::string_view b) {
  using platform::Status;
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE")
    return Status::invalid_argument("not a RIFF/WAVE file");
  bool have_fmt = false;
  Pcm16 pcm;
  std::size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string_view id = b.substr(at, 4);
    const std::uint32_t size = get_u32(b, at + 4);
    const std::size_t body = at + 8;
    const std::size_t available = std::min<std::size_t>(size, b.size() - body);
    if (id == "fmt ") {
      if (available < 16) return Status::invalid_argument("WAV fmt chunk is too short");
      const std::uint16_t format = get_u16(b, body);
      const std::uint16_t channels = get_u16(b, body + 2);
      const std::uint32_t rate = get_u32(b, body + 4);
      const std::uint16_t bits = get_u16(b, body + 14);
      if (format != 1) return Status::invalid_argument("WAV is not plain PCM (format " + std::to_string(format) + ")");
      if (bits != 16) return Status::invalid_argument("WAV is not 16-bit (" + std::to_string(bits) + " bits)");
      if (channels < 1 || channels > 2)
        return Status::invalid_argument("WAV has " + std::to_string(channels) + " channels; 1 or 2 are read");
      if (rate < static_cast<std::uint32_t>(kMinWavSampleRate) || rate > static_cast<std::uint32_t>(kMaxWavSampleRate))
        return Status::invalid_argument("WAV sample rate " + std::to_string(rate) + " Hz is out of range");
      pcm.channels = channels;
      pcm.sample_rate = static_cast<int>(rate);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return Status::invalid_argument("WAV data chunk comes before fmt");
      const std::size_t frame_bytes = 2u * static_cast<std::size_t>(pcm.channels);
      const std::size_t usable = available - available % frame_bytes;
      pcm.samples.resize(usable / 2);
      for (std::size_t i = 0; i < pcm.samples.size(); ++i)
        pcm.samples[i] = static_cast<std::int16_t>(get_u16(b, body + 2 * i));
      return pcm;
    }
    // Chunks are padded to an even size; a size running past the end ends the walk.
    const std::size_t next = body + static_cast<std::size_t>(size) + (size & 1u);
    if (next <= at) break;
    at = next;
  }
  return Status::invalid_argument(have_fmt ? "WAV has no data chunk" : "WAV has no fmt chunk");
}

platform::Result<Pcm16> read_wav_file(const std::filesystem::path& path) {
  platform::Result<std::string> bytes = platform::read_file(path, kMaxWavFileBytes);
  if (!bytes.is_ok()) return bytes.status();
  platform::Result<Pcm16> pcm = decode_wav(*bytes);
  if (!pcm.is_ok()) return pcm.status().with_context(path.string());
  return pcm;
}

}  // namespace kiosk
