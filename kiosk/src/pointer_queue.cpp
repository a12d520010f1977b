#include "kiosk/pointer_queue.h"

namespace kiosk {

void PointerQueue::moved(double x, double y) {
  last_x_ = x;
  last_y_ = y;
  seen_ = true;
  // Consecutive moves between two button changes: only the last one matters to a frame.
  if (!events_.empty() && events_.back().kind == Event::Kind::kMove) {
    events_.back().x = x;
    events_.back().y = y;
    return;
  }
  push({Event::Kind::kMove, x, y});
}

void PointerQueue::button(bool down) {
  seen_ = true;
  push({down ? Event::Kind::kDown : Event::Kind::kUp, last_x_, last_y_});
}

void PointerQueue::push(Event e) {
  if (events_.size() >= kMaxEvents) {
    // Drop the oldest move (never a button change: that would unbalance press and release);
    // with no move to drop, the oldest event goes.
    bool dropped = false;
    for (auto it = events_.begin(); it != events_.end(); ++it)
      if (it->kind == Event::Kind::kMove) {
        events_.erase(it);
        dropped = true;
        break;
      }
    if (!dropped) events_.pop_front();
  }
  events_.push_back(e);
}

PointerQueue::State PointerQueue::next_frame() {
  // The moves before a button change, then the change itself; what follows it waits for the
  // next frame (a move right after a release would otherwise be the release's position).
  while (!events_.empty()) {
    const Event e = events_.front();
    events_.pop_front();
    state_.x = e.x;
    state_.y = e.y;
    state_.known = true;
    if (e.kind != Event::Kind::kMove) {
      state_.down = e.kind == Event::Kind::kDown;
      break;
    }
  }
  if (!state_.known && seen_) {
    state_.x = last_x_;
    state_.y = last_y_;
    state_.known = true;
  }
  return state_;
}

}  // namespace kiosk
