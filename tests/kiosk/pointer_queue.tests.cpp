// kiosk/pointer_queue: taps keep the place they happened at when frames lag behind input.
#include <catch2/catch.hpp>

#include "kiosk/pointer_queue.h"

using kiosk::PointerQueue;

TEST_CASE("A tap is released where it was pressed even when the next touch came before the frame",
          "[pointer]") {
  PointerQueue q;
  // Key "s" at (100, 50), key "t" at (200, 50): both taps arrive before the kiosk draws again.
  q.moved(100, 50);
  q.button(true);
  q.button(false);
  q.moved(200, 50);
  q.button(true);
  q.button(false);
  PointerQueue::State f1 = q.next_frame();
  CHECK(f1.down);
  CHECK(f1.x == 100);
  PointerQueue::State f2 = q.next_frame();
  CHECK_FALSE(f2.down);
  CHECK(f2.x == 100);  // released on "s", not on "t" where the pointer is by now
  PointerQueue::State f3 = q.next_frame();
  CHECK(f3.down);
  CHECK(f3.x == 200);
  PointerQueue::State f4 = q.next_frame();
  CHECK_FALSE(f4.down);
  CHECK(f4.x == 200);
  CHECK_FALSE(q.pending());
  // Nothing new: the frame sees the pointer where it was left.
  PointerQueue::State f5 = q.next_frame();
  CHECK_FALSE(f5.down);
  CHECK(f5.x == 200);
}

TEST_CASE("Moves between button changes reach the frame as their last position, and a drag keeps moving",
          "[pointer]") {
  PointerQueue q;
  CHECK_FALSE(q.next_frame().known);
  q.moved(10, 10);
  q.button(true);
  q.moved(20, 30);
  q.moved(40, 60);
  PointerQueue::State a = q.next_frame();  // the press where it happened
  CHECK(a.down);
  CHECK(a.known);
  CHECK(a.x == 10);
  CHECK(a.y == 10);
  PointerQueue::State b = q.next_frame();  // the drag: the moves since, as their last position
  CHECK(b.down);
  CHECK(b.x == 40);
  CHECK(b.y == 60);
  CHECK_FALSE(q.pending());
  q.moved(50, 70);
  q.button(false);
  PointerQueue::State c = q.next_frame();
  CHECK_FALSE(c.down);
  CHECK(c.x == 50);
  CHECK(c.y == 70);
}

TEST_CASE("The queue is bounded and never drops a press or a release for a move", "[pointer]") {
  PointerQueue q;
  for (int i = 0; i < 300; ++i) {
    q.moved(i, 0);
    q.button(i % 2 == 0);
  }
  CHECK(q.queued() <= 512);
  int downs = 0, ups = 0;
  bool last = false;
  for (int guard = 0; guard < 2000 && q.pending(); ++guard) {
    const bool d = q.next_frame().down;
    if (d != last) (d ? downs : ups) += 1;
    last = d;
  }
  CHECK_FALSE(q.pending());
  CHECK(downs == 150);
  CHECK(ups == 150);
}
