// forms/session.h: one participant filling in one Questionnaire.
//
// Answers are kept by item (with repeats). Which items are enabled is recomputed in one pass
// in dependency order (computed at construction; cycles were refused at load) whenever an
// answer changes. Answers of disabled items stay in the session (so going back restores
// them) but count for nothing: not for enableWhen, not for validation, not in the output.
// Validation messages are in the participant's language (ko or en).
//
// Thread-safety: not thread-safe; one session belongs to the UI thread.
#pragma once

#include <string>
#include <vector>

#include "forms/questionnaire.h"
#include "platform/status.h"

namespace forms {

struct ValidationMessage {
  std::string link_id;
  std::string code;  // required, min, max, max-length, regex, decimals, option, mandatory-consent, repeats, date
  std::string text;  // in the session's language
};

class FormSession {
 public:
  // REQUIRES: `q` outlives the session. `lang` is one of q.languages.
  FormSession(const Questionnaire& q, std::string lang);

  const Questionnaire& questionnaire() const { return q_; }
  const std::string& language() const { return lang_; }

  // Replaces the answers of an item. Refuses (kInvalidArgument, naming the linkId) an unknown
  // linkId, a group/display item, several values on a non-repeating item, and values whose
  // type does not fit the item. Range, length and pattern are validation, not refusal.
  platform::Status set_answers(const std::string& link_id, std::vector<Value> values);
  platform::Status set_answer(const std::string& link_id, Value value) {
    return set_answers(link_id, std::vector<Value>{std::move(value)});
  }
  void clear(const std::string& link_id);
  // Wipes every answer string from memory (end of session, idle timeout).
  void wipe();

  const std::vector<Value>& answers(int index) const { return answers_[static_cast<std::size_t>(index)]; }
  const std::vector<Value>& answers(const std::string& link_id) const;
  bool enabled(int index) const { return enabled_[static_cast<std::size_t>(index)] != 0; }
  bool enabled(const std::string& link_id) const;
  // Enabled, not hidden, and (for groups) with at least one shown descendant.
  bool shown(int index) const;

  std::vector<ValidationMessage> validate_item(int index) const;
  // Every enabled item in the subtree of `index` (a page is a top-level item).
  std::vector<ValidationMessage> validate_subtree(int index) const;
  std::vector<ValidationMessage> validate_all() const;

  // Recomputes enabled state for every item; called by set_answers/clear. Public for benchmarks.
  void recompute();

 private:
  bool condition_holds(const EnableWhen& c) const;
  void validate_into(int index, std::vector<ValidationMessage>& out) const;
  bool subtree_answered(int index) const;

  const Questionnaire& q_;
  std::string lang_;
  std::vector<std::vector<Value>> answers_;
  std::vector<char> enabled_;
  std::vector<int> order_;  // items in dependency order
};

// Compares an answer with an enableWhen answer: -1, 0, 1, or 2 when not comparable.
int compare_values(const Value& a, const Value& b);

}  // namespace forms
