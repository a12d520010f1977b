// The partial redraw's plan (kiosk/damage.h): what changed is redrawn, what scrolled is copied,
// anything unsure is a whole frame. The blits are also applied to a pixel grid to check that
// they move it exactly as the scroll did.
#include "kiosk/damage.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

using kiosk::Blit;
using kiosk::DamageTracker;
using kiosk::Frame;
using kiosk::ListImage;
using kiosk::Rect;
using kiosk::RedrawPlan;

namespace {

constexpr Rect kScreen{0, 0, 200, 100};

// A primitive whose record is its `id` and content position, covering `r` on screen.
void prim(ListImage& l, int id, const Rect& r, float content_y) {
  struct {
    int id;
    float x, y;
  } rec{id, r.x0, content_y};
  l.add(&rec, sizeof rec, r);
}

ListImage list(const std::string& name) {
  ListImage l;
  l.name = name;
  return l;
}

Frame frame(std::vector<ListImage> lists, std::uint32_t page = 0xFFFFFF, Rect screen = kScreen) {
  Frame f;
  f.lists = std::move(lists);
  f.screen = screen;
  f.page = page;
  return f;
}

// A page: a title list and a scrolling text list with rows of 10 px at content y 0, 10, 20...,
// of which those inside the view [20, 80) show, scrolled by `scroll`.
Frame page(float scroll, int changed_row = -1) {
  ListImage chrome = list("kiosk");
  prim(chrome, 1, Rect{0, 0, 200, 15}, 0);     // title bar
  prim(chrome, 2, Rect{0, 85, 200, 100}, 85);  // buttons
  ListImage text = list("kiosk/read");
  text.scrolls = true;
  text.view = Rect{10, 20, 190, 80};
  text.scroll = scroll;
  for (int row = 0; row < 40; ++row) {
    const float y = 20 + static_cast<float>(row * 10) - scroll;
    if (y + 10 <= 20 || y >= 80) continue;  // not laid out outside the view (as Dear ImGui culls)
    prim(text, row == changed_row ? 1000 + row : 100 + row, kiosk::intersect(Rect{10, y, 190, y + 10}, text.view), static_cast<float>(row * 10));
  }
  return frame({chrome, text});
}

}  // namespace

TEST_CASE("Damage: the first frame is whole, the same frame again draws nothing", "[kiosk][redraw]") {
  DamageTracker t;
  RedrawPlan p = t.plan(page(0));
  CHECK(p.kind == RedrawPlan::Kind::kFull);
  CHECK(p.why_full == "first frame");
  p = t.plan(page(0));
  CHECK(p.kind == RedrawPlan::Kind::kNone);
  CHECK(p.damage.empty());
  CHECK(p.blits.empty());
}

TEST_CASE("Damage: a changed primitive damages where it was and where it is", "[kiosk][redraw]") {
  DamageTracker t;
  Frame a = frame({list("w")});
  prim(a.lists[0], 1, Rect{10, 10, 20, 20}, 10);
  prim(a.lists[0], 2, Rect{50, 50, 60, 60}, 50);
  (void)t.plan(a);
  Frame b = frame({list("w")});
  prim(b.lists[0], 1, Rect{10, 10, 20, 20}, 10);
  prim(b.lists[0], 3, Rect{70, 50, 80, 60}, 50);  // moved and changed
  const RedrawPlan p = t.plan(b);
  REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
  REQUIRE(p.damage.size() == 1);
  CHECK(p.damage[0] == Rect{50, 50, 80, 60});
  CHECK(p.blits.empty());
  CHECK(p.shown == Rect{50, 50, 80, 60});

  SECTION("a list with another number of primitives damages all it covered and covers") {
    Frame c = frame({list("w")});
    prim(c.lists[0], 1, Rect{10, 10, 20, 20}, 10);
    const RedrawPlan q = t.plan(c);
    REQUIRE(q.kind == RedrawPlan::Kind::kPartial);
    REQUIRE(q.damage.size() == 1);
    CHECK(q.damage[0] == Rect{10, 10, 80, 60});
  }
  SECTION("fractional rectangles are damaged to whole pixels, outward") {
    Frame c = frame({list("w")});
    prim(c.lists[0], 1, Rect{10, 10, 20, 20}, 10);
    prim(c.lists[0], 4, Rect{70.4f, 50.6f, 80.2f, 59.5f}, 50);
    const RedrawPlan q = t.plan(c);
    REQUIRE(q.damage.size() == 1);
    CHECK(q.damage[0] == Rect{70, 50, 81, 60});
  }
}

TEST_CASE("Damage: anything unsure is a whole frame", "[kiosk][redraw]") {
  DamageTracker t;
  (void)t.plan(page(0));
  SECTION("another page colour") { CHECK(t.plan(frame(page(0).lists, 0x000000)).why_full == "page colour"); }
  SECTION("another screen size") { CHECK(t.plan(frame(page(0).lists, 0xFFFFFF, Rect{0, 0, 300, 100})).why_full == "screen size"); }
  SECTION("a window more") {
    Frame f = page(0);
    f.lists.push_back(list("overlay"));
    CHECK(t.plan(f).why_full == "windows");
  }
  SECTION("windows in another order") {
    Frame f = page(0);
    std::swap(f.lists[0], f.lists[1]);
    CHECK(t.plan(f).why_full == "window order");
  }
  SECTION("invalidated (the window was exposed)") {
    t.invalidate();
    CHECK(t.plan(page(0)).why_full == "first frame");
  }
  SECTION("a damage nearly the whole screen") {
    Frame f = page(0);
    f.lists[0] = list("kiosk");
    prim(f.lists[0], 9, kScreen, 0);
    prim(f.lists[0], 2, Rect{0, 85, 200, 100}, 85);
    CHECK(t.plan(f).why_full == "large damage");
  }
}

TEST_CASE("Damage: a scroll by whole pixels is copied in strips that move the pixels exactly", "[kiosk][redraw]") {
  for (const float from : {0.0f, 40.0f}) {
    for (const float d : {7.0f, 1.0f, -3.0f, 25.0f, -25.0f}) {
      if (from + d < 0) continue;
      CAPTURE(from, d);
      DamageTracker t;
      (void)t.plan(page(from));
      const RedrawPlan p = t.plan(page(from + d));
      REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
      REQUIRE(p.scrolled);
      REQUIRE(!p.blits.empty());
      // Only the strip scrolled into view is damaged (the chrome did not change).
      REQUIRE(p.damage.size() == 1);
      const Rect strip = d > 0 ? Rect{10, 80 - d, 190, 80} : Rect{10, 20, 190, 20 - d};
      CHECK(p.damage[0] == strip);
      // Apply the blits to a grid holding, at each pixel of the view, the content row shown
      // there before: afterwards every pixel outside the strip holds what the new scroll shows.
      std::vector<int> grid(100, -1);
      for (int y = 20; y < 80; ++y) grid[static_cast<std::size_t>(y)] = y - 20 + static_cast<int>(from);
      for (const Blit& b : p.blits) {
        REQUIRE(b.from.y1 - b.from.y0 == b.to.y1 - b.to.y0);
        REQUIRE(kiosk::intersect(b.from, b.to).empty());  // never its own source
        const std::vector<int> before = grid;
        for (int y = static_cast<int>(b.to.y0); y < static_cast<int>(b.to.y1); ++y)
          grid[static_cast<std::size_t>(y)] = before[static_cast<std::size_t>(y + static_cast<int>(b.from.y0 - b.to.y0))];
      }
      for (int y = 20; y < 80; ++y) {
        if (static_cast<float>(y) >= strip.y0 && static_cast<float>(y) < strip.y1) continue;
        CHECK(grid[static_cast<std::size_t>(y)] == y - 20 + static_cast<int>(from + d));
      }
    }
  }
}

TEST_CASE("Damage: a scroll is drawn, not copied, when the copy would not be exact", "[kiosk][redraw]") {
  DamageTracker t;
  (void)t.plan(page(10));
  SECTION("a part of its content changed as well") {
    const RedrawPlan p = t.plan(page(17, 4));  // row 4 shows inside the copied part
    REQUIRE(p.kind != RedrawPlan::Kind::kNone);
    CHECK_FALSE(p.scrolled);
    CHECK(p.blits.empty());
  }
  SECTION("a scroll by a fraction of a pixel") {
    const RedrawPlan p = t.plan(page(17.5f));
    CHECK_FALSE(p.scrolled);
    CHECK(p.blits.empty());
  }
  SECTION("a move not copied is damage even where the content reads the same") {
    DamageTracker u(0.95f, 10);  // too few strips allowed to copy it
    (void)u.plan(page(10));
    const RedrawPlan p = u.plan(page(11));
    REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
    CHECK_FALSE(p.scrolled);
    REQUIRE(p.damage.size() == 1);
    CHECK(p.damage[0] == Rect{10, 20, 190, 80});  // the whole view
  }
  SECTION("another window draws inside the view (it would be copied along)") {
    Frame f = page(17);
    ListImage over = list("overlay");
    prim(over, 7, Rect{50, 40, 60, 50}, 40);
    f.lists.push_back(over);
    DamageTracker u;
    Frame g = page(10);
    ListImage over0 = list("overlay");
    prim(over0, 7, Rect{50, 40, 60, 50}, 40);
    g.lists.push_back(over0);
    (void)u.plan(g);
    const RedrawPlan p = u.plan(f);
    CHECK_FALSE(p.scrolled);
    CHECK(p.blits.empty());
    REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
    CHECK(p.damage.size() == 1);
  }
  SECTION("a move of very few pixels over a tall view (too many strips)") {
    DamageTracker u(0.95f, 10);
    (void)u.plan(page(10));
    const RedrawPlan p = u.plan(page(11));  // 60 strips of 1 px
    CHECK_FALSE(p.scrolled);
    CHECK(p.blits.empty());
  }
}

TEST_CASE("Damage: many small changes are merged into at most four rectangles", "[kiosk][redraw]") {
  DamageTracker t;
  Frame a = frame({list("w")});
  for (int i = 0; i < 20; ++i) prim(a.lists[0], i, Rect{static_cast<float>(i * 10), static_cast<float>(i % 3) * 30, static_cast<float>(i * 10 + 2), static_cast<float>(i % 3) * 30 + 2}, 0);
  (void)t.plan(a);
  Frame b = frame({list("w")});
  for (int i = 0; i < 20; ++i) prim(b.lists[0], i + 100, Rect{static_cast<float>(i * 10), static_cast<float>(i % 3) * 30, static_cast<float>(i * 10 + 2), static_cast<float>(i % 3) * 30 + 2}, 0);
  const RedrawPlan p = t.plan(b);
  REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
  CHECK(p.damage.size() <= 4);
  // Every changed primitive is inside some damage rectangle.
  for (const Rect& r : b.lists[0].rects) {
    bool inside = false;
    for (const Rect& d : p.damage) inside = inside || kiosk::intersect(r, d) == r;
    CHECK(inside);
  }
}

TEST_CASE("Damage: thousands of changes far apart become their bounding box", "[kiosk][redraw]") {
  const Rect big{0, 0, 8000, 9000};
  DamageTracker t;
  Frame a = frame({list("w")}, 0xFFFFFF, big);
  Frame b = frame({list("w")}, 0xFFFFFF, big);
  for (int i = 0; i < 3000; ++i) {  // 50x50 squares 150 px apart: no two merge by the area rule
    const float x = static_cast<float>((i % 50) * 150 + 40), y = static_cast<float>((i / 50) * 150 + 40);
    prim(a.lists[0], i, Rect{x, y, x + 50, y + 50}, y);
    prim(b.lists[0], i + 10000, Rect{x, y, x + 50, y + 50}, y);
  }
  (void)t.plan(a);
  // Before the cap this frame's plan took 30.7 s (the pairwise merge over 3,000 rectangles) and
  // ended with 4 rectangles.
  const RedrawPlan p = t.plan(b);
  REQUIRE(p.kind == RedrawPlan::Kind::kPartial);
  REQUIRE(p.damage.size() == 1);
  CHECK(p.damage[0] == (Rect{40, 40, 7440, 8940}));
}
