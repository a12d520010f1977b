#include "kiosk/signature.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <limits>
#include <utility>

#include "platform/crypto.h"

namespace kiosk {

namespace {

void wipe_points(forms::Stroke& stroke) {
  if (!stroke.empty()) platform::wipe(stroke.data(), stroke.size() * sizeof(forms::StrokePoint));
}

double segment_length(const forms::StrokePoint& a, const forms::StrokePoint& b, double aspect) {
  const double dx = static_cast<double>(b.x) - static_cast<double>(a.x);
  const double dy = (static_cast<double>(b.y) - static_cast<double>(a.y)) * aspect;
  return std::hypot(dx, dy);
}

double strokes_ink(const std::vector<forms::Stroke>& strokes, double aspect) {
  double sum = 0;
  for (const forms::Stroke& s : strokes)
    for (std::size_t i = 1; i < s.size(); ++i) sum += segment_length(s[i - 1], s[i], aspect);
  return sum;
}

double sane_aspect(double height_over_width) {
  return std::isfinite(height_over_width) && height_over_width > 0 ? height_over_width : 1.0;
}

}  // namespace

// --- SignaturePad ------------------------------------------------------------------------------

SignaturePad::SignaturePad(double height_over_width) : aspect_(sane_aspect(height_over_width)) {}

SignaturePad::~SignaturePad() { clear(); }

void SignaturePad::set_height_over_width(double height_over_width) {
  aspect_ = sane_aspect(height_over_width);
}

void SignaturePad::begin_stroke(double x, double y, std::int64_t now_ms) {
  if (in_stroke_) end_stroke();
  strokes_.emplace_back();
  append(strokes_.back(), x, y, now_ms);
  if (strokes_.back().empty()) {
    // Nothing was kept (non-finite point, or the pad is full): no empty stroke in the Bundle.
    strokes_.pop_back();
    return;
  }
  in_stroke_ = true;
}

void SignaturePad::add_point(double x, double y, std::int64_t now_ms) {
  if (!in_stroke_) {
    begin_stroke(x, y, now_ms);
    return;
  }
  append(strokes_.back(), x, y, now_ms);
}

void SignaturePad::end_stroke() { in_stroke_ = false; }

void SignaturePad::append(forms::Stroke& stroke, double x, double y, std::int64_t now_ms) {
  if (!std::isfinite(x) || !std::isfinite(y) || full()) return;
  x = std::clamp(x, 0.0, 1.0);
  y = std::clamp(y, 0.0, 1.0);
  if (!stroke.empty()) {
    const forms::StrokePoint& last = stroke.back();
    const double dx = x - static_cast<double>(last.x);
    const double dy = (y - static_cast<double>(last.y)) * aspect_;
    if (std::hypot(dx, dy) < kMinStep) return;
  }
  if (!have_origin_) {
    origin_ms_ = now_ms;
    have_origin_ = true;
  }
  // Times never run backwards within a signature, even if the caller's clock jitters.
  const std::int64_t rel =
      std::clamp<std::int64_t>(now_ms - origin_ms_, 0, std::numeric_limits<std::int32_t>::max());
  last_t_ms_ = std::max(last_t_ms_, static_cast<std::int32_t>(rel));

  if (stroke.size() == stroke.capacity()) {
    // Grow by hand so that the old buffer is wiped before it goes back to the allocator;
    // std::vector's own growth would free it with the points still in it.
    forms::Stroke bigger;
    bigger.reserve(std::max<std::size_t>(64, stroke.capacity() * 2));
    bigger.insert(bigger.end(), stroke.begin(), stroke.end());
    wipe_points(stroke);
    stroke.swap(bigger);
  }
  stroke.push_back({static_cast<float>(x), static_cast<float>(y), last_t_ms_});
  ++points_;
}

void SignaturePad::clear() {
  for (forms::Stroke& s : strokes_) wipe_points(s);
  strokes_.clear();
  in_stroke_ = false;
  have_origin_ = false;
  origin_ms_ = 0;
  last_t_ms_ = 0;
  points_ = 0;
}

double SignaturePad::ink() const { return strokes_ink(strokes_, aspect_); }

forms::SignatureCapture SignaturePad::capture(int width_px, int height_px, std::string signed_at) const {
  forms::SignatureCapture out;
  out.strokes = strokes_;
  out.pad_width_px = width_px;
  out.pad_height_px = height_px;
  out.signed_at = std::move(signed_at);
  return out;
}

double signature_ink(const forms::SignatureCapture& sig) {
  const double aspect = sig.pad_width_px > 0 && sig.pad_height_px > 0
                            ? static_cast<double>(sig.pad_height_px) / sig.pad_width_px
                            : 1.0;
  return strokes_ink(sig.strokes, aspect);
}

void wipe_signature(forms::SignatureCapture& sig) {
  for (forms::Stroke& s : sig.strokes) wipe_points(s);
  sig.strokes.clear();
  if (!sig.png.empty()) platform::wipe(sig.png.data(), sig.png.size());
  sig.png.clear();
  sig.pad_width_px = 0;
  sig.pad_height_px = 0;
  platform::wipe(sig.signed_at);
}

// --- PNG ---------------------------------------------------------------------------------------

namespace {

// Coverage (0..255) of the union of round-capped segments of radius `r`, max-combined: a pixel's
// coverage is that of its nearest segment, so overlapping segments and joins neither darken nor
// leave seams, and the joins come out round.
void draw_segment(std::vector<std::uint8_t>& cov, int w, int h, double x0, double y0, double x1,
                  double y1, double r) {
  const double reach = r + 1.0;
  const int ix0 = std::max(0, static_cast<int>(std::floor(std::min(x0, x1) - reach)));
  const int ix1 = std::min(w - 1, static_cast<int>(std::ceil(std::max(x0, x1) + reach)));
  const int iy0 = std::max(0, static_cast<int>(std::floor(std::min(y0, y1) - reach)));
  const int iy1 = std::min(h - 1, static_cast<int>(std::ceil(std::max(y0, y1) + reach)));
  const double dx = x1 - x0, dy = y1 - y0;
  const double len2 = dx * dx + dy * dy;
  for (int py = iy0; py <= iy1; ++py) {
    const double cy = py + 0.5;
    for (int px = ix0; px <= ix1; ++px) {
      const double cx = px + 0.5;
      double t = len2 > 0 ? ((cx - x0) * dx + (cy - y0) * dy) / len2 : 0.0;
      t = std::clamp(t, 0.0, 1.0);
      const double d = std::hypot(cx - (x0 + t * dx), cy - (y0 + t * dy));
      // One pixel of linear ramp across the edge: a cheap, even anti-aliasing.
      const double c = std::clamp(r + 0.5 - d, 0.0, 1.0);
      if (c <= 0) continue;
      const auto v = static_cast<std::uint8_t>(std::lround(c * 255.0));
      std::uint8_t& cell = cov[static_cast<std::size_t>(py) * static_cast<std::size_t>(w) +
                               static_cast<std::size_t>(px)];
      cell = std::max(cell, v);
    }
  }
}

struct PngSink {
  std::vector<std::uint8_t>* out = nullptr;
  char message[200] = {};
};

void on_png_write(png_structp png, png_bytep data, png_size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  bool ok = true;
  try {
    std::vector<std::uint8_t>& out = *sink->out;
    if (out.size() + length > out.capacity()) {
      // Grow by hand and wipe the old buffer: it holds the start of the signature image.
      std::vector<std::uint8_t> bigger;
      bigger.reserve(std::max(out.capacity() * 2, out.size() + length));
      bigger.insert(bigger.end(), out.begin(), out.end());
      if (!out.empty()) platform::wipe(out.data(), out.size());
      out.swap(bigger);
    }
    out.insert(out.end(), data, data + length);
  } catch (...) {  // bad_alloc must not unwind through libpng's C frames
    ok = false;
  }
  // Outside the catch block: png_error longjmps, which must not leave a live exception behind.
  if (!ok) png_error(png, "out of memory while writing the PNG");
}

void on_png_flush(png_structp) {}

[[noreturn]] void on_png_error(png_structp png, png_const_charp msg) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof sink->message, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // nothing here is worth a log line

// All libpng calls live here, with only trivially destructible locals: a longjmp from
// on_png_error back to setjmp skips destructors, which is undefined behaviour for C++ objects
// created in between. The output vector lives in the caller.
bool write_gray_png(const std::uint8_t* pixels, int w, int h, PngSink* sink) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::snprintf(sink->message, sizeof sink->message, "png_create_write_struct failed");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(sink->message, sizeof sink->message, "png_create_info_struct failed");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {  // NOLINT(cert-err52-cpp): libpng's error model
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, sink, on_png_write, on_png_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y)
    png_write_row(png, pixels + static_cast<std::size_t>(y) * static_cast<std::size_t>(w));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

platform::Result<std::vector<std::uint8_t>> render_signature_png(const forms::SignatureCapture& sig,
                                                                  int width_px, int height_px) {
  if (width_px < kMinSignaturePx || width_px > kMaxSignaturePx || height_px < kMinSignaturePx ||
      height_px > kMaxSignaturePx) {
    return platform::Status::invalid_argument(
        "signature image size " + std::to_string(width_px) + "x" + std::to_string(height_px) +
        " px is out of range: each side must be " + std::to_string(kMinSignaturePx) + ".." +
        std::to_string(kMaxSignaturePx) + " px");
  }
  const std::size_t n = static_cast<std::size_t>(width_px) * static_cast<std::size_t>(height_px);
  std::vector<std::uint8_t> cov(n, 0);
  // About 1.2% of the width reads as a felt-tip pen at any size; never thinner than 1.5 px.
  const double r = std::max(1.5, 0.012 * width_px) / 2.0;
  const double sx = width_px, sy = height_px;
  for (const forms::Stroke& s : sig.strokes) {
    if (s.empty()) continue;
    if (s.size() == 1) {  // a tap: a dot
      const double x = static_cast<double>(s[0].x) * sx, y = static_cast<double>(s[0].y) * sy;
      draw_segment(cov, width_px, height_px, x, y, x, y, r);
      continue;
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
      draw_segment(cov, width_px, height_px, static_cast<double>(s[i - 1].x) * sx,
                   static_cast<double>(s[i - 1].y) * sy, static_cast<double>(s[i].x) * sx,
                   static_cast<double>(s[i].y) * sy, r);
    }
  }
  // Black ink on white paper: grey = 255 - coverage.
  for (std::uint8_t& v : cov) v = static_cast<std::uint8_t>(255 - v);

  std::vector<std::uint8_t> out;
  out.reserve(n / 16 + 1024);  // mostly white, so it compresses well
  PngSink sink;
  sink.out = &out;
  const bool ok = write_gray_png(cov.data(), width_px, height_px, &sink);
  // The pixels are the signature too.
  platform::wipe(cov.data(), cov.size());
  if (!ok) {
    if (!out.empty()) platform::wipe(out.data(), out.size());
    return platform::Status::internal(std::string("cannot encode the signature PNG: ") + sink.message);
  }
  return out;
}

}  // namespace kiosk
