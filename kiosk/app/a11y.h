// kiosk/app/a11y.h: keypad navigation and voice guidance of the participant's screens
// (issue 7), between the frame loop, the widget layer (ui.h) and the speech core
// (kiosk/speech.h, kiosk/announce.h).
//
// The frame loop hands every key event to on_key() (GLFW key codes, between frames) and every
// pointer press to on_pointer(); it calls before_frame() and after_frame() around drawing. A11y
// then
//   - moves the Ui's focus (8/2/4/6, arrows, Tab) and activates the focused control (5, Enter),
//     types digits into a digit field, and maps the other keypad keys (docs/ACCESSIBILITY.md);
//   - gives the focus a place on each new screen (its first control), keeps it inside an
//     overlay and gives it back when the overlay closes;
//   - in voice mode says each new screen (title and instructions), the focused control (label,
//     role, state, "2 of 5"), new errors, the idle warning, and reads the consent document
//     paragraph by paragraph (ReadingSession);
//   - puts rate and volume back to the defaults and ends voice mode when a session ends.
// The words come from kiosk/announce.h, which never puts an RRN or phone number into a
// sentence; A11y adds none of its own personal data (a field's value goes through the field's
// FieldPrivacy, the keys of a private field are said as "digit").
//
// Speech is optional (nullptr: the site switched it off, keypad navigation still works) and
// never blocks: Speech::say() returns at once, a broken audio device makes it a no-op.
//
// Thread-safety: UI thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kiosk/announce.h"
#include "kiosk/recorded_audio.h"
#include "kiosk/speech.h"

namespace kiosk::app {

struct App;

// A Speech that forwards to another and appends every utterance to a file as one JSON line,
// {"text": ..., "lang": "ko"|"en"} (test mode: what the participant would have heard).
std::unique_ptr<Speech> make_logging_speech(std::unique_ptr<Speech> inner, std::string log_file);

class A11y {
 public:
  // REQUIRES: `speech` (may be null) outlives this object.
  explicit A11y(Speech* speech) : speech_(speech) {}

  // The App is rebuilt when the kiosk's set-up finishes: point at the current one.
  void attach(App* app);
  // Where a consent's recorded voices (protocol packages, docs/FORMS.md) are written as WAV
  // files for the speech module: a private dir, created 0700 when first needed. Until it is
  // set, no recording is played and the synthesizer reads every paragraph.
  void set_audio_cache_dir(const std::filesystem::path& dir);

  // A GLFW key event (action GLFW_PRESS, GLFW_REPEAT or GLFW_RELEASE). Returns true when it
  // did something (the frame loop then draws).
  bool on_key(int key, int action, int mods, std::int64_t now_ms);
  // A touch or click anywhere: what is being said is out of date.
  void on_pointer();
  void before_frame();
  void after_frame();
  // True while something must be polled without input (reading a document aloud).
  bool wants_poll() const;
  // Every loop turn, drawn or not: reads the consent document on, paragraph by paragraph.
  void poll();
  bool voice_on() const;

 private:
  Lang lang() const;
  void start_voice();
  void say(const std::string& text, Priority p = Priority::kInterrupt);
  void announce_focus_now(Priority p);
  void end_session();
  void start_reading();

  Speech* speech_;
  App* app_ = nullptr;
  std::string start_key_;      // screen key when the frame began
  std::string focus_key_;      // screen key the focus was placed for
  std::string announced_key_;  // screen key last announced
  std::string saved_focus_;    // focus under an overlay
  std::string screen_focus_;   // the screen's focus in the last frame without an overlay
  std::string announced_focus_;
  int announced_pos_ = 0;
  std::set<std::string> errors_;
  std::size_t typed_len_ = 0;
  bool in_session_ = false;
  bool was_editing_ = false;     // a keyboard was open when the frame began
  bool voice_on_carry_ = false;  // voice mode started on attract survives the App's rebuild
  bool queue_next_ = false;      // the next announcement follows "voice mode on" instead of cutting it
  std::unique_ptr<ReadingSession> reading_;
  bool reading_pending_ = false;
  std::unique_ptr<RecordedAudioCache> audio_cache_;  // null: recordings are not played
};

}  // namespace kiosk::app
