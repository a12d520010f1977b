// kiosk/app/app.h: the kiosk application's state shared by the frame loop and the screens.
//
// The participant's journey lives in kiosk::Flow (kiosk_core, unit-tested without a window);
// this layer only draws the Flow's snapshot, turns taps into Flow intents, and owns what is
// about drawing and typing: the field being edited with its on-screen keyboard, scrolling,
// the signature pad's live strokes.
//
// Thread-safety: UI thread only, except `submit_*` (written by the submit worker, atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/flow.h"
#include "kiosk/keyboard.h"
#include "kiosk/signature.h"
#include "ui.h"

namespace kiosk::app {

// The field being typed into, with its keyboard.
struct Editing {
  std::string field;  // id of the field ("identity:family", "item:<linkId>")
  std::string label;
  std::unique_ptr<TextEntry> entry;
  bool masked = false;  // RRN: shown as dots after the 7th digit
  std::function<void(const std::string&)> commit;
  // The field is brought into view above the keyboard in the first frames of editing (the
  // keyboard shrinks the content area in the frame it opens; the scroll follows in the next).
  int reveal_frames = 3;
};

struct App {
  App(Flow& flow_ref, Ui& ui_ref) : flow(flow_ref), ui(ui_ref) {}

  Flow& flow;
  Ui& ui;
  std::int64_t now_ms = 0;
  bool ready = false;            // packages loaded and the outbox open (demo: data bank started)
  std::string not_ready_reason;  // shown on attract when set up failed

  std::optional<Editing> editing;
  SignaturePad pad{0.4};
  bool pad_drawing = false;
  float scroll_velocity = 0;  // px/frame, inertial scrolling of the reading area
  float pending_scroll = 0;   // "show more" pressed: scroll the reader by this much next frame
  bool animating = false;     // something moves: keep drawing
  int reader_frames = 0;      // frames the consent reader has been shown since it appeared

  // Submitting runs on a worker thread so that the screen stays alive.
  std::function<bool(const std::string& enrollment_id)> submit;  // set by main; true = durable
  std::thread submit_thread;
  std::atomic<int> submit_result{0};  // 0 running/none, 1 ok, 2 failed
  std::string enrollment_id;          // chosen when the journey starts

  std::string last_screen_key;  // screen + overlay + page (screenshots, redraw decisions)

  // Accessibility (issue 7), for this session; A11y ends both when the session ends.
  bool low_layout = false;       // everything in the lower band of the screen (language screen)
  bool voice_on = false;         // voice guidance (A11y owns it; screens show and request it)
  bool voice_requested = false;  // the attract screen's voice spot was held (A11y starts it)

  void apply(Intent::Kind kind, std::string text = {}, int number = 0);
  void start_edit(const std::string& field, const std::string& label, KeyboardMode mode, const std::string& current,
                  std::size_t max_chars, std::function<void(const std::string&)> commit, bool masked = false);
  void finish_edit();
};

// Draws the current screen and its overlay into the full-window ImGui window.
void draw_screen(App& app);
std::string screen_key(const Flow& flow);

}  // namespace kiosk::app
