#pragma once
// The pointer as the user moved it, one button change per frame.
//
// Dear ImGui 1.86's GLFW backend reads the pointer's position when a frame starts (XQueryPointer),
// not where a press or release happened. When frames lag behind input (a slow tablet, a fast
// finger), a tap's release is then seen where the next touch already is: the tapped key is
// not pressed, or the next one is. Found by the UI tests under load ("Test" typed as "Tet").
// Dear ImGui 1.87 fixed this with an input queue; this is that queue for 1.86: the window's
// callbacks record each move and each press/release with the position it happened at, and
// every frame takes the moves up to and including at most one button change.
// Dear ImGui needs a frame to see each change: a press and a release in the same frame would
// otherwise be only the press (its backend's "just pressed" flag) and the release's position lost.
#include <cstddef>
#include <deque>

namespace kiosk {

class PointerQueue {
 public:
  // From the cursor-position callback: where the pointer is now (window coordinates).
  void moved(double x, double y);
  // From the mouse-button callback (left button / touch): pressed or released at the last
  // position moved() reported.
  void button(bool down);

  struct State {
    double x = 0, y = 0;
    bool down = false;
    bool known = false;  // false until the pointer was first seen
  };
  // For one frame: applies queued moves in order up to and including one button change, and returns
  // the pointer the frame should see. What stays queued needs another frame (pending()).
  State next_frame();
  bool pending() const { return !events_.empty(); }
  std::size_t queued() const { return events_.size(); }

 private:
  struct Event {
    enum class Kind { kMove, kDown, kUp } kind;
    double x, y;
  };
  // Bounded: a stuck frame loop must not grow it without end; the oldest moves go first.
  static constexpr std::size_t kMaxEvents = 512;
  void push(Event e);

  std::deque<Event> events_;
  State state_;      // as of the last next_frame()
  double last_x_ = 0, last_y_ = 0;
  bool seen_ = false;
};

}  // namespace kiosk
