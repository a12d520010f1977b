#include "forms/session.h"

#include <cmath>
#include <functional>

#include "messages.h"
#include "platform/crypto.h"

namespace forms {

using platform::Status;

namespace {
const std::vector<Value> kNoAnswers;

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// libstdc++'s std::regex recurses once per input character, so a long answer would overflow
// the stack. Patterns describe short structured entries; a longer answer does not match.
constexpr std::size_t kMaxRegexInputBytes = 1000;

std::string value_kind_name(const Value& v) {
  static const char* kNames[] = {"boolean", "decimal", "integer", "date", "string", "coding"};
  return kNames[v.index()];
}

double as_number(const Value& v) {
  if (auto* d = std::get_if<Decimal>(&v)) return d->v;
  return static_cast<double>(std::get<std::int64_t>(v));
}

}  // namespace

int compare_values(const Value& a, const Value& b) {
  auto num = [](const Value& v) { return std::holds_alternative<Decimal>(v) || std::holds_alternative<std::int64_t>(v); };
  if (num(a) && num(b)) {
    double x = as_number(a), y = as_number(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.index() != b.index()) return 2;
  if (auto* s = std::get_if<std::string>(&a)) {
    int c = s->compare(std::get<std::string>(b));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (auto* d = std::get_if<Date>(&a)) {
    const std::string& y = std::get<Date>(b).iso;
    if (d->iso.size() != y.size()) {
      // Different precision: equal only if one is a prefix of the other? Not comparable.
      return 2;
    }
    int c = d->iso.compare(y);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (auto* bo = std::get_if<bool>(&a)) return *bo == std::get<bool>(b) ? 0 : 2;
  if (auto* c = std::get_if<Coding>(&a)) {
    const Coding& o = std::get<Coding>(b);
    // An enableWhen coding without a system matches on the code alone.
    bool eq = c->code == o.code && (c->system.empty() || o.system.empty() || c->system == o.system);
    return eq ? 0 : 2;
  }
  return 2;
}

FormSession::FormSession(const Questionnaire& q, std::string lang)
    : q_(q), lang_(std::move(lang)), answers_(q.items.size()), enabled_(q.items.size(), 1) {
  // Dependency order: an item after its parent and after every question it depends on.
  std::vector<char> state(q.items.size(), 0);
  std::function<void(int)> visit = [&](int v) {
    if (state[static_cast<std::size_t>(v)]) return;
    state[static_cast<std::size_t>(v)] = 1;
    const Item& it = q.items[static_cast<std::size_t>(v)];
    if (it.parent >= 0) visit(it.parent);
    for (const EnableWhen& c : it.enable_when)
      if (c.question_index >= 0) visit(c.question_index);
    order_.push_back(v);
  };
  for (std::size_t i = 0; i < q.items.size(); ++i) visit(static_cast<int>(i));
  for (std::size_t i = 0; i < q.items.size(); ++i) {
    const Item& it = q.items[i];
    if (!it.initial.empty()) answers_[i] = it.initial;
    for (const AnswerOption& o : it.options)
      if (o.initial_selected) answers_[i].push_back(o.value);
  }
  recompute();
}

bool FormSession::condition_holds(const EnableWhen& c) const {
  const std::size_t qi = static_cast<std::size_t>(c.question_index);
  const std::vector<Value>& given = enabled_[qi] ? answers_[qi] : kNoAnswers;
  switch (c.op) {
    case EnableOp::kExists: return !given.empty() == std::get<bool>(c.answer);
    case EnableOp::kNe:
      for (const Value& v : given)
        if (compare_values(v, c.answer) == 0) return false;
      return true;
    default:
      for (const Value& v : given) {
        int r = compare_values(v, c.answer);
        if (r == 2) continue;
        if ((c.op == EnableOp::kEq && r == 0) || (c.op == EnableOp::kGt && r > 0) || (c.op == EnableOp::kLt && r < 0) ||
            (c.op == EnableOp::kGe && r >= 0) || (c.op == EnableOp::kLe && r <= 0))
          return true;
      }
      return false;
  }
}

void FormSession::recompute() {
  for (int v : order_) {
    const Item& it = q_.items[static_cast<std::size_t>(v)];
    bool on = it.parent < 0 || enabled_[static_cast<std::size_t>(it.parent)];
    if (on && !it.enable_when.empty()) {
      bool any = false, all = true;
      for (const EnableWhen& c : it.enable_when) {
        if (c.question_index < 0) continue;
        bool h = condition_holds(c);
        any = any || h;
        all = all && h;
      }
      on = it.enable_all ? all : any;
    }
    enabled_[static_cast<std::size_t>(v)] = on ? 1 : 0;
  }
}

Status FormSession::set_answers(const std::string& link_id, std::vector<Value> values) {
  const Item* it = q_.find(link_id);
  if (!it) return Status::invalid_argument("no item '" + link_id + "' in " + q_.url);
  if (!it->has_answer_type()) return Status::invalid_argument("item '" + link_id + "' is a " + item_type_name(it->type) + " and takes no answer");
  if (values.size() > 1 && !it->repeats) return Status::invalid_argument("item '" + link_id + "' takes one answer, not " + std::to_string(values.size()));
  for (const Value& v : values) {
    if (!value_fits_type(it->type, v))
      return Status::invalid_argument("item '" + link_id + "' is " + item_type_name(it->type) + "; a " + value_kind_name(v) + " answer does not fit");
    if (auto* d = std::get_if<Date>(&v); d && !is_fhir_date(d->iso))
      return Status::invalid_argument("item '" + link_id + "': '" + d->iso + "' is not a date (YYYY-MM-DD)");
  }
  std::size_t idx = static_cast<std::size_t>(q_.index.at(link_id));
  for (Value& old : answers_[idx])
    if (auto* s = std::get_if<std::string>(&old)) platform::wipe(*s);
  answers_[idx] = std::move(values);
  recompute();
  return Status::ok();
}

void FormSession::clear(const std::string& link_id) {
  auto it = q_.index.find(link_id);
  if (it == q_.index.end()) return;
  for (Value& old : answers_[static_cast<std::size_t>(it->second)])
    if (auto* s = std::get_if<std::string>(&old)) platform::wipe(*s);
  answers_[static_cast<std::size_t>(it->second)].clear();
  recompute();
}

void FormSession::wipe() {
  for (auto& list : answers_) {
    for (Value& v : list) {
      if (auto* s = std::get_if<std::string>(&v)) platform::wipe(*s);
      if (auto* d = std::get_if<Date>(&v)) platform::wipe(d->iso);
    }
    list.clear();
  }
  recompute();
}

const std::vector<Value>& FormSession::answers(const std::string& link_id) const {
  auto it = q_.index.find(link_id);
  return it == q_.index.end() ? kNoAnswers : answers_[static_cast<std::size_t>(it->second)];
}

bool FormSession::enabled(const std::string& link_id) const {
  auto it = q_.index.find(link_id);
  return it != q_.index.end() && enabled_[static_cast<std::size_t>(it->second)];
}

bool FormSession::shown(int index) const {
  const Item& it = q_.items[static_cast<std::size_t>(index)];
  if (!enabled(index) || it.hidden) return false;
  if (it.type != ItemType::kGroup) return true;
  for (int c : it.children)
    if (shown(c)) return true;
  return false;
}

bool FormSession::subtree_answered(int index) const {
  if (!enabled(index)) return false;
  if (!answers_[static_cast<std::size_t>(index)].empty()) return true;
  for (int c : q_.items[static_cast<std::size_t>(index)].children)
    if (subtree_answered(c)) return true;
  return false;
}

void FormSession::validate_into(int index, std::vector<ValidationMessage>& out) const {
  const Item& it = q_.items[static_cast<std::size_t>(index)];
  if (!enabled(index)) return;
  const Messages& m = messages(lang_);
  const std::vector<Value>& given = answers_[static_cast<std::size_t>(index)];
  auto add = [&](const char* code, std::string text) { out.push_back({it.link_id, code, std::move(text)}); };
  if (it.type == ItemType::kGroup) {
    if (it.required && !subtree_answered(index)) add("required", m.group_required);
    return;
  }
  if (!it.has_answer_type()) return;
  if (given.empty()) {
    if (it.required) add("required", m.required);
    return;
  }
  if (given.size() > 1 && !it.repeats) add("repeats", m.one_answer);
  for (const Value& v : given) {
    if (it.min_value && compare_values(v, *it.min_value) == -1)
      add("min", m.at_least + value_to_display(*it.min_value, lang_, q_.language));
    if (it.max_value && compare_values(v, *it.max_value) == 1)
      add("max", m.at_most + value_to_display(*it.max_value, lang_, q_.language));
    if (it.max_decimal_places) {
      if (auto* d = std::get_if<Decimal>(&v)) {
        double scaled = d->v * std::pow(10.0, *it.max_decimal_places);
        if (std::fabs(scaled - std::round(scaled)) > 1e-6)
          add("decimals", m.decimals_prefix + std::to_string(*it.max_decimal_places) + m.decimals_suffix);
      }
    }
    if (auto* s = std::get_if<std::string>(&v)) {
      const bool too_long = it.max_length && utf8_length(*s) > static_cast<std::size_t>(*it.max_length);
      if (too_long) add("max-length", m.max_length_prefix + std::to_string(*it.max_length) + m.max_length_suffix);
      if (it.regex && !too_long && (s->size() > kMaxRegexInputBytes || !std::regex_match(*s, *it.regex))) {
        std::string hint = it.entry_format.empty() ? std::string() : " (" + it.entry_format.in(lang_, q_.language) + ")";
        add("regex", m.pattern + hint);
      }
      if (s->empty()) add("required", m.required);
    }
    if (it.type == ItemType::kChoice || (it.type == ItemType::kOpenChoice && !std::holds_alternative<std::string>(v))) {
      bool listed = false;
      for (const AnswerOption& o : it.options) listed = listed || compare_values(o.value, v) == 0;
      if (!listed) add("option", m.not_an_option);
    }
    if (it.consent_mandatory) {
      if (auto* b = std::get_if<bool>(&v); b && !*b) add("mandatory-consent", m.mandatory_consent);
    }
  }
}

std::vector<ValidationMessage> FormSession::validate_item(int index) const {
  std::vector<ValidationMessage> out;
  validate_into(index, out);
  return out;
}

std::vector<ValidationMessage> FormSession::validate_subtree(int index) const {
  std::vector<ValidationMessage> out;
  std::function<void(int)> walk = [&](int i) {
    if (!enabled(i)) return;
    validate_into(i, out);
    for (int c : q_.items[static_cast<std::size_t>(i)].children) walk(c);
  };
  walk(index);
  return out;
}

std::vector<ValidationMessage> FormSession::validate_all() const {
  std::vector<ValidationMessage> out;
  for (int r : q_.roots) {
    auto part = validate_subtree(r);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

}  // namespace forms
