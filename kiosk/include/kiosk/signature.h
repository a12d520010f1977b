// kiosk/signature.h: the finger-drawn signature, as data (no drawing, no ImGui).
//
// SignaturePad records what a finger draws on the signature screen: strokes of points in
// pad-relative coordinates (0..1 of the pad's width and height) with millisecond times since
// the first touch. The screen feeds it touch events and draws what strokes() returns; the flow
// asks ink() whether enough was drawn, and capture() hands the strokes to the enrollment
// Bundle (forms::SignatureCapture). render_signature_png turns a capture into the PNG that the
// Bundle's Provenance carries next to the strokes (DESIGN.md 4).
//
// A signature is personal data: clear() and the destructor overwrite the recorded points
// before releasing them. A capture() copy is the caller's to wipe (wipe_signature).
//
// Thread-safety: SignaturePad is a plain value, used from the UI thread only.
// render_signature_png is a pure function, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "forms/enrollment_bundle.h"
#include "platform/status.h"

namespace kiosk {

class SignaturePad {
 public:
  // Points closer than this (in pad-width units) to the last kept point of the stroke are
  // dropped: touch panels report jitter of a fraction of a millimetre while the finger rests,
  // which adds points (bytes in the Bundle) and fake ink without adding shape.
  static constexpr double kMinStep = 0.002;
  // A generous bound on the points of one signature (a minute of drawing at 120 Hz is ~7200),
  // so that a stuck touch cannot grow memory and the Bundle without limit. Points past it are
  // ignored; full() says so.
  static constexpr std::size_t kMaxPoints = 16384;

  // `height_over_width`: the pad's aspect (height / width), so that ink() and kMinStep measure
  // vertical movement in the same unit as horizontal. REQUIRES: > 0 (else 1 is used).
  explicit SignaturePad(double height_over_width);
  ~SignaturePad();
  SignaturePad(const SignaturePad&) = delete;
  SignaturePad& operator=(const SignaturePad&) = delete;

  // For a pad re-laid out (window resized) between signatures.
  void set_height_over_width(double height_over_width);
  double height_over_width() const { return aspect_; }

  // Touch input. x, y: pad-relative; values outside 0..1 (a finger sliding off the pad) are
  // clamped to the edge, non-finite ones ignored. now_ms: any monotonic millisecond clock; the
  // pad stores times relative to the first touch since construction or clear().
  // add_point outside a stroke begins one: an input layer that lost the touch-down should not
  // lose the ink. begin_stroke inside a stroke ends the open one first.
  void begin_stroke(double x, double y, std::int64_t now_ms);
  void add_point(double x, double y, std::int64_t now_ms);
  void end_stroke();

  // Forgets everything drawn, overwriting the points first.
  void clear();

  bool empty() const { return strokes_.empty(); }
  bool in_stroke() const { return in_stroke_; }
  bool full() const { return points_ >= kMaxPoints; }
  std::size_t point_count() const { return points_; }
  const std::vector<forms::Stroke>& strokes() const { return strokes_; }

  // Summed length of all stroke segments, in pad widths (a stroke across the pad is 1.0).
  double ink() const;

  // The strokes for the Bundle, stamped with the pad's size on screen and the time of signing
  // (RFC 3339). The PNG is not rendered here (see render_signature_png).
  forms::SignatureCapture capture(int width_px, int height_px, std::string signed_at) const;

 private:
  void append(forms::Stroke& stroke, double x, double y, std::int64_t now_ms);

  double aspect_ = 1.0;
  std::vector<forms::Stroke> strokes_;
  bool in_stroke_ = false;
  bool have_origin_ = false;
  std::int64_t origin_ms_ = 0;
  std::int32_t last_t_ms_ = 0;
  std::size_t points_ = 0;
};

// Summed segment length of a capture's strokes in pad widths, using the capture's own pad size
// for the aspect (square if the size is unknown).
double signature_ink(const forms::SignatureCapture& sig);

// Overwrites the strokes and the PNG of a capture, then empties it.
void wipe_signature(forms::SignatureCapture& sig);

// Size bounds of a rendered signature, per side in pixels.
inline constexpr int kMinSignaturePx = 64;
inline constexpr int kMaxSignaturePx = 4096;

// Renders the strokes black on white, anti-aliased, with round caps and joins and a line
// width of about 1.2% of `width_px` (at least 1.5 px), into an 8-bit greyscale PNG.
// Coordinates map x * width_px, y * height_px: pass the pad's size (or one of the same aspect)
// to keep the signature's shape. Refuses sizes outside kMinSignaturePx..kMaxSignaturePx
// (kInvalidArgument); a libpng failure is kInternal.
platform::Result<std::vector<std::uint8_t>> render_signature_png(const forms::SignatureCapture& sig,
                                                                  int width_px, int height_px);

}  // namespace kiosk
