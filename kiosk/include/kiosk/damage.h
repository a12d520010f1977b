#pragma once
// Which part of the screen a frame must redraw, from what it draws and what the last frame drew.
//
// Why: under software OpenGL (llvmpipe: tablets without a usable GPU, and the CI's Xvfb) every
// pixel drawn is CPU: ~8 ns a blended textured pixel, ~3 ns a pixel of a clear that is not the
// whole screen (docs/PERFORMANCE.md). Dear ImGui rebuilds the whole frame every time, so a
// participant scrolling the consent text paid for the whole screen each frame - title bar,
// buttons, every glyph of the page - although the text only moved. The app keeps the last frame
// in the back buffer (it presents with a copy, not a swap: kiosk/app/redraw.h), moves what
// scrolled with copies inside it, and redraws only the damage.
//
// The rule, exact by construction: a frame is a list of draw lists (one per window, in drawing
// order), each a sequence of primitives (a triangle with its clip rectangle and texture, or a
// fill's clear) written as fixed-size records. Lists are matched with the last frame's by
// position and name. Where a list has as many primitives as last frame, each primitive whose
// record differs damages what it covered then and covers now; where the count differs, all the
// list covered then and covers now is damaged. A pixel outside the damage is then covered by the
// same primitives, in the same order, as last frame: it has not changed. Each damaged rectangle
// is cleared to the page colour and every list drawn again clipped to it, which gives inside it
// the pixels of a whole redraw.
//
// Scrolling: a list marked as a scrolling region writes its records in content coordinates
// (y + scroll), so what only moved compares equal. When its scroll changed by a whole number
// of pixels, the part of its view that stays in view is copied (`blits`, in strips that never
// overlap their own source) instead of drawn - but only if the records it shows there are the
// very records that were shown there before the move, and no other list draws anywhere in its
// view (either frame). The strip scrolled into view is damage.
//
// Anything that is not sure - another list order, another screen size or page colour, a first
// frame, a window exposed - is a full redraw, and so is a damage larger than `full_share` of
// the screen.
//
// No ImGui here (kiosk_core): the app turns each ImDrawList into a `ListImage`.
//
// Thread-safety: none; the UI thread only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiosk {

struct Rect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  float area() const { return empty() ? 0.0f : (x1 - x0) * (y1 - y0); }
  bool operator==(const Rect&) const = default;
};
Rect unite(const Rect& a, const Rect& b);      // the bounding box (an empty one is ignored)
Rect intersect(const Rect& a, const Rect& b);  // empty when they do not meet
Rect moved(const Rect& r, float dy);
Rect outward(const Rect& r);  // to whole pixels, never smaller

// One draw list of a frame: its owner's name and its primitives, each as a record of every byte
// that decides its pixels and the rectangle of the screen it covers (its box within its clip).
struct ListImage {
  static constexpr std::size_t kRecord = 96;  // bytes a primitive
  std::string name;
  std::string records;      // rects.size() * kRecord bytes
  std::vector<Rect> rects;  // one a record
  // A scrolling region: records in content coordinates (y + scroll); `view` is where it shows.
  bool scrolls = false;
  Rect view;
  float scroll = 0;
  // Appends a record (`bytes` up to kRecord, zero-padded) covering `r`.
  void add(const void* bytes, std::size_t size, const Rect& r);
  Rect extent() const;  // all it covers
  std::size_t size() const { return rects.size(); }
};

struct Frame {
  std::vector<ListImage> lists;
  Rect screen;
  std::uint32_t page = 0;  // the colour the frame is cleared to
};

struct Blit {
  Rect from, to;  // the same size; `to` never overlaps `from`
};

// What to draw: everything, nothing, or the blits and then the damage.
struct RedrawPlan {
  enum class Kind { kFull, kNone, kPartial } kind = Kind::kFull;
  std::vector<Blit> blits;   // kPartial: copies inside the back buffer, in this order
  std::vector<Rect> damage;  // kPartial: then each cleared and redrawn (whole pixels, on screen)
  Rect shown;                // kPartial: what changed on screen (to present)
  std::string why_full;      // kFull: the reason, for the record and the tests
  bool scrolled = false;     // a scrolling region moved by blits
  std::vector<Rect> parts;   // kPartial: the damage before it was merged (for a failing test's report)
};

class DamageTracker {
 public:
  // full_share: a damage larger than this share of the screen is a full redraw.
  // max_blits: a scroll that needs more strips than this (a move of very few pixels) is drawn.
  explicit DamageTracker(float full_share = 0.95f, int max_blits = 800) : full_share_(full_share), max_blits_(max_blits) {}
  // Plans `frame` against the last frame planned, then keeps `frame` as the last. REQUIRES: the
  // plan is carried out (the back buffer then holds `frame`), or invalidate() is called.
  RedrawPlan plan(Frame frame);
  // The back buffer no longer holds the last frame (exposed, resized, drawn some other way):
  // the next plan is a full redraw.
  void invalidate() { last_.reset(); }

 private:
  float full_share_;
  int max_blits_;
  std::optional<Frame> last_;
};

}  // namespace kiosk
