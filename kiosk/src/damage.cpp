#include "kiosk/damage.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiosk {

Rect unite(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return {std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1), std::max(a.y1, b.y1)};
}

Rect intersect(const Rect& a, const Rect& b) {
  Rect r{std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
  return r.empty() ? Rect{} : r;
}

Rect moved(const Rect& r, float dy) { return Rect{r.x0, r.y0 + dy, r.x1, r.y1 + dy}; }

Rect outward(const Rect& r) { return Rect{std::floor(r.x0), std::floor(r.y0), std::ceil(r.x1), std::ceil(r.y1)}; }

void ListImage::add(const void* bytes, std::size_t size, const Rect& r) {
  const std::size_t at = records.size();
  records.resize(at + kRecord, '\0');
  std::memcpy(records.data() + at, bytes, std::min(size, kRecord));
  rects.push_back(r);
}

Rect ListImage::extent() const {
  Rect e;
  for (const Rect& r : rects) e = unite(e, r);
  return e;
}

namespace {

bool same_record(const ListImage& a, std::size_t i, const ListImage& b, std::size_t j) {
  return std::memcmp(a.records.data() + i * ListImage::kRecord, b.records.data() + j * ListImage::kRecord, ListImage::kRecord) == 0;
}

// Damage rectangles merged into a few: two are merged when their bounding box adds little
// area, and while there are more than `most`, the pair whose bounding box adds least. Once more
// than kScattered stay apart, all of them become their bounding box: the first step is linear in
// the rectangles kept and the second quadratic, and this runs every frame (thousands of changed
// glyphs far apart would otherwise cost seconds).
std::vector<Rect> merge(std::vector<Rect> rs, std::size_t most) {
  constexpr std::size_t kScattered = 32;
  std::vector<Rect> out;
  for (const Rect& r : rs) {
    if (r.empty()) continue;
    if (out.size() > kScattered) {
      Rect all;
      for (const Rect& x : rs) all = unite(all, x);
      return {all};
    }
    bool merged = false;
    for (Rect& o : out) {
      const Rect u = unite(o, r);
      if (u.area() - o.area() - r.area() + intersect(o, r).area() <= 4096.0f) {
        o = u;
        merged = true;
        break;
      }
    }
    if (!merged) out.push_back(r);
  }
  while (out.size() > most) {
    std::size_t bi = 0, bj = 1;
    float best = -1;
    for (std::size_t i = 0; i < out.size(); ++i)
      for (std::size_t j = i + 1; j < out.size(); ++j) {
        const float grow = unite(out[i], out[j]).area() - out[i].area() - out[j].area();
        if (best < 0 || grow < best) {
          best = grow;
          bi = i;
          bj = j;
        }
      }
    out[bi] = unite(out[bi], out[bj]);
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(bj));
  }
  return out;
}

// The records of `l` that show inside `region` (in order).
std::vector<std::size_t> showing(const ListImage& l, const Rect& region) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < l.size(); ++i)
    if (!intersect(l.rects[i], region).empty()) out.push_back(i);
  return out;
}

}  // namespace

RedrawPlan DamageTracker::plan(Frame frame) {
  RedrawPlan p;
  const auto keep = [&](RedrawPlan plan) {
    last_ = std::move(frame);
    return plan;
  };
  if (!last_) {
    p.why_full = "first frame";
    return keep(p);
  }
  const Frame& last = *last_;
  if (!(frame.screen == last.screen)) {
    p.why_full = "screen size";
    return keep(p);
  }
  if (frame.page != last.page) {
    p.why_full = "page colour";
    return keep(p);
  }
  if (frame.lists.size() != last.lists.size()) {
    p.why_full = "windows";
    return keep(p);
  }
  for (std::size_t i = 0; i < frame.lists.size(); ++i)
    if (frame.lists[i].name != last.lists[i].name) {
      p.why_full = "window order";
      return keep(p);
    }

  // A scrolling region that moved by whole pixels, if its move can be copied (above).
  std::optional<std::size_t> scroller;
  float dy = 0;
  Rect kept;  // where the copied pixels land
  for (std::size_t i = 0; i < frame.lists.size() && !scroller; ++i) {
    const ListImage& now = frame.lists[i];
    const ListImage& was = last.lists[i];
    if (!now.scrolls || !was.scrolls || !(now.view == was.view) || now.view.empty()) continue;
    const float d = now.scroll - was.scroll;
    const float h = now.view.y1 - now.view.y0;
    if (d == 0 || d != std::round(d) || std::fabs(d) >= h) continue;
    if (std::ceil(h / std::fabs(d)) > static_cast<float>(max_blits_)) continue;
    // Content moves up by d on screen: what is now at y was at y + d.
    const Rect land = intersect(now.view, moved(now.view, -d));
    const std::vector<std::size_t> a = showing(now, land), b = showing(was, moved(land, d));
    bool same = a.size() == b.size();
    // Content coordinates: the same record is the same primitive, moved by d on screen.
    for (std::size_t k = 0; same && k < a.size(); ++k) same = same_record(now, a[k], was, b[k]);
    // Nothing else may draw in the view, now or before: it would be copied along.
    for (std::size_t j = 0; same && j < frame.lists.size(); ++j) {
      if (j == i) continue;
      for (const Rect& r : frame.lists[j].rects) same = same && intersect(r, now.view).empty();
      for (const Rect& r : last.lists[j].rects) same = same && intersect(r, now.view).empty();
    }
    if (!same) continue;
    scroller = i;
    dy = d;
    kept = land;
  }

  std::vector<Rect> damage;
  for (std::size_t i = 0; i < frame.lists.size(); ++i) {
    const ListImage& now = frame.lists[i];
    const ListImage& was = last.lists[i];
    if (scroller && i == *scroller) {
      // Inside the view: only the strip scrolled into it. Outside (a list may draw beyond its
      // view): every record that is not wholly inside the view, then and now.
      damage.push_back(dy > 0 ? Rect{now.view.x0, kept.y1, now.view.x1, now.view.y1}
                              : Rect{now.view.x0, now.view.y0, now.view.x1, kept.y0});
      for (const ListImage* l : {&now, &was})
        for (const Rect& r : l->rects)
          if (!(intersect(r, now.view) == r)) damage.push_back(r);
      continue;
    }
    // Records in content coordinates compare equal after a move that was not copied: then the
    // move is damage, all of it.
    const bool moved_not_copied = now.scrolls != was.scrolls || (now.scrolls && now.scroll != was.scroll);
    if (!moved_not_copied && now.records == was.records) continue;
    if (moved_not_copied || now.size() != was.size() || now.records.size() != was.records.size()) {
      damage.push_back(unite(now.extent(), was.extent()));
      continue;
    }
    for (std::size_t k = 0; k < now.size(); ++k)
      if (!same_record(now, k, was, k)) damage.push_back(unite(now.rects[k], was.rects[k]));
  }
  for (Rect& r : damage) r = intersect(outward(r), frame.screen);  // a primitive's edge pixel is inside
  p.parts = damage;
  damage = merge(std::move(damage), 4);
  float area = 0;
  for (const Rect& r : damage) area += r.area();
  if (!scroller && damage.empty()) {
    p.kind = RedrawPlan::Kind::kNone;
    return keep(p);
  }
  if (area > full_share_ * frame.screen.area()) {
    p.why_full = "large damage";
    return keep(p);
  }
  p.kind = RedrawPlan::Kind::kPartial;
  if (scroller) {
    p.scrolled = true;
    const float step = std::fabs(dy);
    // Strips no taller than the move, so that none overlaps its own source; in the order that
    // reads every source row before it is written.
    if (dy > 0)
      for (float y = kept.y0; y < kept.y1; y += step) {
        const Rect to{kept.x0, y, kept.x1, std::min(y + step, kept.y1)};
        p.blits.push_back({moved(to, dy), to});
      }
    else
      for (float y = kept.y1; y > kept.y0; y -= step) {
        const Rect to{kept.x0, std::max(y - step, kept.y0), kept.x1, y};
        p.blits.push_back({moved(to, dy), to});
      }
    p.shown = kept;
  }
  p.damage = std::move(damage);
  for (const Rect& r : p.damage) p.shown = unite(p.shown, r);
  return keep(p);
}

}  // namespace kiosk
