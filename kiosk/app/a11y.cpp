#include "a11y.h"

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "app.h"
#include "strings.h"

namespace kiosk::app {
namespace {

// --- the test log of what was said -----------------------------------------------------------

class LoggingSpeech final : public Speech {
 public:
  LoggingSpeech(std::unique_ptr<Speech> inner, std::string file) : inner_(std::move(inner)) {
    f_ = std::fopen(file.c_str(), "w");
  }
  ~LoggingSpeech() override {
    if (f_) std::fclose(f_);
  }
  void say(std::string text, Lang lang, Priority priority) override {
    log(text, lang);
    if (inner_) inner_->say(std::move(text), lang, priority);
  }
  void say_recorded(std::filesystem::path audio, std::string fallback, Lang lang, Priority priority) override {
    log(fallback, lang);
    if (inner_) inner_->say_recorded(std::move(audio), std::move(fallback), lang, priority);
  }
  void chime() override {
    if (f_) {
      std::fprintf(f_, "{\"chime\":true}\n");
      std::fflush(f_);
    }
    if (inner_) inner_->chime();
  }
  void stop() override {
    ++interrupts_;
    if (inner_) inner_->stop();
  }
  void pause() override {
    if (inner_) inner_->pause();
  }
  void resume() override {
    if (inner_) inner_->resume();
  }
  bool is_paused() const override { return inner_ && inner_->is_paused(); }
  bool is_speaking() const override { return inner_ && inner_->is_speaking(); }
  std::uint64_t interrupt_count() const override { return inner_ ? inner_->interrupt_count() : interrupts_; }
  int set_rate(int wpm) override { return inner_ ? inner_->set_rate(wpm) : kDefaultRateWpm; }
  int rate() const override { return inner_ ? inner_->rate() : kDefaultRateWpm; }
  int set_volume(int v) override { return inner_ ? inner_->set_volume(v) : kDefaultVolume; }
  int volume() const override { return inner_ ? inner_->volume() : kDefaultVolume; }
  void reset_for_new_session() override {
    if (inner_) inner_->reset_for_new_session();
  }
  SpeechState state() const override { return inner_ ? inner_->state() : SpeechState::kReady; }

 private:
  void log(const std::string& text, Lang lang) {
    if (!f_) return;
    // Only what the kiosk says (announce.h never puts RRN or phone digits into it).
    const std::string line = nlohmann::json{{"text", text}, {"lang", lang_code(lang)}}.dump(-1, ' ', false,
                                                                                          nlohmann::json::error_handler_t::replace);
    std::fprintf(f_, "%s\n", line.c_str());
    std::fflush(f_);
  }
  std::unique_ptr<Speech> inner_;
  std::FILE* f_ = nullptr;
  std::uint64_t interrupts_ = 0;
};

bool starts(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The screen key without its overlay ("identity+call-staff" -> "identity").
std::string base_key(const std::string& key) { return key.substr(0, key.find('+')); }

int digit_of(int key) {
  if (key >= GLFW_KEY_KP_0 && key <= GLFW_KEY_KP_9) return key - GLFW_KEY_KP_0;
  if (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) return key - GLFW_KEY_0;
  return -1;
}

}  // namespace

std::unique_ptr<Speech> make_logging_speech(std::unique_ptr<Speech> inner, std::string log_file) {
  return std::make_unique<LoggingSpeech>(std::move(inner), std::move(log_file));
}

void A11y::attach(App* app) {
  app_ = app;
  start_key_.clear();
  focus_key_.clear();
  reading_.reset();
  reading_pending_ = false;
  if (app_ && voice_on_carry_) app_->voice_on = true;
}

bool A11y::voice_on() const { return app_ && app_->voice_on; }

Lang A11y::lang() const { return app_ && app_->flow.language() == "en" ? Lang::kEn : Lang::kKo; }

void A11y::say(const std::string& text, Priority p) {
  if (!speech_ || !voice_on() || text.empty()) return;
  speech_->say(text, lang(), p);
}

void A11y::start_voice() {
  if (!app_ || !speech_) return;
  app_->voice_on = true;
  voice_on_carry_ = app_->flow.screen() == Screen::kAttract;
  app_->ui.set_focus_visible(true);
  say(announce_voice_mode_started(lang()));
  announced_key_.clear();  // then the screen and the focus, after the announcement
  announced_focus_.clear();
  queue_next_ = true;
}

void A11y::on_pointer() {
  if (speech_ && voice_on()) speech_->stop();
}

bool A11y::wants_poll() const { return reading_ != nullptr || reading_pending_; }

bool A11y::on_key(int key, int action, int mods, std::int64_t now_ms) {
  if (!app_ || action == GLFW_RELEASE) return false;
  App& a = *app_;
  Ui& ui = a.ui;
  const bool repeat = action == GLFW_REPEAT;
  a.flow.touched(now_ms);  // any key is input for the idle timer
  const bool editing_digits = a.editing && a.editing->entry->mode() == KeyboardMode::kDigits;
  const bool reading = reading_ != nullptr && a.flow.screen() == Screen::kConsentRead && voice_on();
  const int digit = digit_of(key);

  // Speech controls: they do not move the focus and they are said at once.
  if (key == GLFW_KEY_KP_ADD || key == GLFW_KEY_KP_SUBTRACT || key == GLFW_KEY_KP_MULTIPLY || key == GLFW_KEY_KP_DIVIDE) {
    if (!speech_ || repeat) return false;
    if (key == GLFW_KEY_KP_ADD || key == GLFW_KEY_KP_SUBTRACT) {
      const int v = speech_->set_volume(step_volume(speech_->volume(), key == GLFW_KEY_KP_ADD ? 1 : -1));
      say(announce_volume(lang(), v));
    } else {
      const int r = speech_->set_rate(step_rate(speech_->rate(), key == GLFW_KEY_KP_MULTIPLY ? 1 : -1));
      say(announce_rate(lang(), r));
    }
    return true;
  }
  if (speech_ && voice_on() && !repeat) speech_->stop();  // any other key: the old sentence is stale

  if (editing_digits && digit >= 0) {  // a digit field: the number keys type
    ui.press("key:" + std::to_string(digit));
    ui.set_focus_visible(true);
    return true;
  }
  if (editing_digits && !repeat && (key == GLFW_KEY_KP_ENTER || key == GLFW_KEY_ENTER)) {
    ui.press("key:done");  // a digit field: the number keys type, Enter is done
    return true;
  }
  if (a.editing && (key == GLFW_KEY_BACKSPACE || key == GLFW_KEY_KP_DECIMAL)) {
    ui.press("key:backspace");
    return true;
  }
  if (reading && !repeat) {
    switch (key) {
      case GLFW_KEY_KP_1:
        if (reading_->state() == ReadingSession::State::kPaused) reading_->resume();
        else if (reading_->state() == ReadingSession::State::kReading) reading_->pause();
        else reading_->start();
        return true;
      case GLFW_KEY_KP_3: reading_->stop(); return true;
      case GLFW_KEY_KP_7: (void)reading_->previous(); return true;
      case GLFW_KEY_KP_9: (void)reading_->next(); return true;
      case GLFW_KEY_KP_0: reading_->replay(); return true;
      default: break;
    }
  }
  if (ui.nav_key(key, mods, repeat)) return true;
  switch (key) {
    case GLFW_KEY_KP_0:
      if (repeat) return false;
      if (!voice_on()) {
        start_voice();
      } else {  // say the screen and the focus again
        announced_key_.clear();
        announced_focus_.clear();
      }
      return true;
    case GLFW_KEY_KP_DECIMAL: case GLFW_KEY_BACKSPACE: case GLFW_KEY_ESCAPE:
      if (repeat) return false;
      ui.press("back");  // the back button, where the screen has one
      return true;
    default: return false;
  }
}

void A11y::before_frame() {
  if (!app_) return;
  start_key_ = screen_key(app_->flow);
  was_editing_ = app_->editing.has_value();
}

void A11y::end_session() {
  // A new participant starts from the defaults: volume, rate, no voice, no low layout.
  if (speech_) {
    speech_->stop();
    speech_->reset_for_new_session();
  }
  app_->voice_on = false;
  voice_on_carry_ = false;
  app_->low_layout = false;
  app_->ui.set_focus_visible(false);
  reading_.reset();
  reading_pending_ = false;
  errors_.clear();
}

void A11y::set_audio_cache_dir(const std::filesystem::path& dir) {
  audio_cache_ = dir.empty() ? nullptr : std::make_unique<RecordedAudioCache>(dir);
}

void A11y::start_reading() {
  App& a = *app_;
  if (a.flow.screen() != Screen::kConsentRead) return;
  const auto& docs = a.flow.consent_sessions();
  const int d = a.flow.consent_doc();
  if (d < 0 || d >= static_cast<int>(docs.size())) return;
  // Recorded voices in the session's language are one paragraph each (kiosk/recorded_audio.h).
  std::vector<Paragraph> ps = consent_paragraphs(docs[static_cast<std::size_t>(d)], audio_cache_.get());
  if (ps.empty()) return;
  reading_ = std::make_unique<ReadingSession>(*speech_, std::move(ps), lang());
  reading_->start();
}

void A11y::announce_focus_now(Priority p) {
  App& a = *app_;
  const WidgetRecord* w = a.ui.focused_widget();
  if (!w) return;
  Control c;
  c.label = w->name.empty() ? w->label : w->name;  // a form's option: its question with it
  c.disabled = !w->enabled;
  c.position = a.ui.focus_position();
  c.count = a.ui.focus_count();
  const std::string& id = w->id;
  const bool private_field = a.editing && field_privacy(a.editing->field) == FieldPrivacy::kPresenceOnly;
  if (starts(id, "key:")) {
    c.role = Role::kKey;
    // The keys of a private field are not named: the sequence would spell the number.
    if (private_field && id.size() == 5 && id[4] >= '0' && id[4] <= '9') c.label = tr(S::kKeyDigit, a.flow.language());
  } else if (starts(id, "field:")) {
    c.role = Role::kTextField;
    c.label = w->name.empty() ? w->label : w->name;
    c.privacy = field_privacy(id.substr(6));
    c.value = w->label;
  } else if (id == "reader") {
    c.role = Role::kDocument;
  } else if (starts(id, "item:") || starts(id, "lang:") || starts(id, "size:") || starts(id, "contrast:") ||
             starts(id, "low:") || starts(id, "type:") || starts(id, "sex:") || starts(id, "rel:") || starts(id, "signer:")) {
    c.role = Role::kOption;
    c.selected = w->selected;
  }
  // A language's name is said in that language (WCAG 3.1.2, language of parts): 한국어 by the
  // Korean voice in an English session, English by the English voice in a Korean one; the
  // rest of the announcement in the session's language, right after it.
  if (starts(id, "lang:") && speech_ && voice_on()) {
    const Lang own = id == "lang:ko" ? Lang::kKo : Lang::kEn;
    if (own != lang()) {
      speech_->say(c.label, own, p);
      c.label.clear();
      say(announce_focus(lang(), c), Priority::kQueue);
      return;
    }
  }
  say(announce_focus(lang(), c), p);
}

void A11y::after_frame() {
  if (!app_) return;
  App& a = *app_;
  Ui& ui = a.ui;
  const std::string key = screen_key(a.flow);
  if (a.flow.screen() == Screen::kAttract) {
    if (in_session_) end_session();
    in_session_ = false;
  } else {
    in_session_ = true;
  }
  if (a.voice_requested) {
    a.voice_requested = false;
    if (!voice_on()) start_voice();
  }

  // The focus for a new screen, an overlay, or the screen under a closed overlay. (An overlay
  // appears in the frame that opened it, and already has the focus then: what the screen's
  // focus was is remembered from the frame before.)
  if (key == focus_key_ && key.find('+') == std::string::npos) screen_focus_ = ui.focus_id();
  if (key != focus_key_) {
    const bool overlay_now = key.find('+') != std::string::npos;
    const bool overlay_before = focus_key_.find('+') != std::string::npos;
    if (overlay_now && !overlay_before && base_key(key) == focus_key_) {
      saved_focus_ = screen_focus_;
      ui.reset_focus();
    } else if (!overlay_now && overlay_before && base_key(focus_key_) == key && !saved_focus_.empty()) {
      ui.request_focus(saved_focus_);
    } else {
      ui.reset_focus();
    }
    if (base_key(key) != base_key(focus_key_)) {
      reading_.reset();
      reading_pending_ = false;
    }
    focus_key_ = key;
    return;  // the focus is placed when the next frame ends
  }
  if (!voice_on() || !speech_) return;

  Priority next_p = queue_next_ ? Priority::kQueue : Priority::kInterrupt;
  queue_next_ = false;
  // A new screen, drawn whole (the frame began on it): its title and instructions.
  if (key == start_key_ && key != announced_key_) {
    announced_key_ = key;
    const std::string l = a.flow.language();
    if (a.flow.overlay() == Overlay::kIdleWarning) {
      const WidgetRecord* more = nullptr;
      for (const WidgetRecord& w : ui.widgets())
        if (w.id == "overlay:more") more = &w;
      say(announce_idle_warning(lang(), static_cast<int>((a.flow.idle_countdown_ms(a.now_ms) + 999) / 1000),
                                more ? more->label : tr(S::kMoreTime, l)),
          next_p);
    } else {
      std::string title = ui.titles().empty() ? std::string() : ui.titles().front();
      std::string instr;
      switch (a.flow.screen()) {
        case Screen::kAttract: title = tr(S::kAppTitle, l), instr = tr(S::kTouchToStart, l); break;
        case Screen::kLanguage: instr = tr(S::kInstrLanguage, l); break;
        case Screen::kParticipation: case Screen::kSigner: instr = tr(S::kInstrChoose, l); break;
        case Screen::kConsentRead: instr = tr(S::kInstrRead, l); break;
        case Screen::kConsentChoose: case Screen::kComprehension: case Screen::kSurvey: instr = tr(S::kInstrForm, l); break;
        case Screen::kIdentity: instr = tr(S::kInstrIdentity, l); break;
        case Screen::kSignature: instr = tr(S::kInstrSignature, l); break;
        case Screen::kReview: instr = tr(S::kInstrReview, l); break;
        default: instr = ui.texts().empty() ? std::string() : ui.texts().front(); break;
      }
      if (a.flow.overlay() != Overlay::kNone && ui.titles().size() > 0) {
        // An overlay draws its title last; its first text line says what to do.
        title = ui.titles().back();
        instr = ui.texts().empty() ? std::string() : ui.texts().back();
      }
      say(announce_screen(lang(), title, instr), next_p);
      if (a.flow.screen() == Screen::kConsentRead && a.flow.overlay() == Overlay::kNone) reading_pending_ = true;
    }
    next_p = Priority::kQueue;
    announced_focus_.clear();
  }
  // New errors, as they appear.
  std::set<std::string> errs;
  for (const WidgetRecord& w : ui.widgets())
    if (w.id == "error") errs.insert(w.label);
  std::vector<std::string> fresh;
  for (const std::string& e : errs)
    if (!errors_.count(e)) fresh.push_back(e);
  errors_ = errs;
  if (!fresh.empty()) {
    say(announce_errors(lang(), fresh), next_p);
    next_p = Priority::kQueue;
  }
  // What was typed: the key, or "typed" in a private field.
  const std::size_t typed = a.editing ? a.editing->entry->length() : 0;
  if (a.editing && typed != typed_len_) {
    const FieldPrivacy priv = field_privacy(a.editing->field);
    std::string echo;
    if (typed > typed_len_ && priv == FieldPrivacy::kSpeakValue) {
      const std::u32string t = utf8_to_u32(a.editing->entry->text());
      if (!t.empty()) {  // the last character, back to UTF-8
        const char32_t c = t.back();
        if (c < 0x80) echo = std::string(1, static_cast<char>(c));
        else if (c < 0x800) echo = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
        else echo = {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
      }
    }
    if (typed > typed_len_) say(announce_typed(lang(), echo, priv), next_p);
    next_p = Priority::kQueue;
  }
  typed_len_ = typed;
  // The focused control: its label, role, state and place. Not in the frame a keyboard opened
  // or closed: the field shows its new value (and the keyboard its keys) only from the next.
  const WidgetRecord* f = ui.focused_widget();
  if (f && was_editing_ == a.editing.has_value() && (f->id != announced_focus_ || ui.focus_position() != announced_pos_)) {
    announced_focus_ = f->id;
    announced_pos_ = ui.focus_position();
    announce_focus_now(next_p);
  }
}

void A11y::poll() {
  if (!app_ || !speech_ || !voice_on()) return;
  App& a = *app_;
  // The consent document, once the screen has been said.
  if (reading_pending_ && !speech_->is_speaking()) {
    reading_pending_ = false;
    start_reading();
  }
  if (reading_) {
    (void)reading_->poll();
    // Heard to the end counts as read to the end (the participant may not see the text).
    if (reading_->finished() && a.flow.screen() == Screen::kConsentRead && !a.flow.consent_end_reached())
      a.apply(Intent::kReachedEnd);
    if (reading_->finished()) reading_.reset();
  }
}

}  // namespace kiosk::app
