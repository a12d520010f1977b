// forms/questionnaire.h: the FHIR R4 Questionnaire model, loaded and validated.
//
// load_questionnaire() turns Questionnaire JSON into a checked model or a list of problems,
// each with the JSON pointer, the linkId and a message a form author can act on. Anything
// this engine does not support is a problem, never silently ignored (docs/FORMS.md lists
// what is supported). Items are stored flat in document order; parents and children are
// indices, so evaluating enableWhen needs no allocation.
//
// Thread-safety: a loaded Questionnaire is immutable and may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace forms {

inline constexpr char kTranslationUrl[] = "http://hl7.org/fhir/StructureDefinition/translation";
inline constexpr char kBbdExt[] = "https://bbd.example.kr/fhir/StructureDefinition/";
// A recorded human voice for a display item's (or a group's) text, one per language.
inline constexpr char kRecordedAudioUrl[] = "https://bbd.example.kr/fhir/StructureDefinition/recorded-audio";
inline constexpr char kRecordedAudioContentType[] = "audio/wav";
// The largest recording a package may carry, decoded (about 3 minutes of 44.1 kHz stereo).
inline constexpr std::size_t kMaxRecordedAudioBytes = 16u * 1024u * 1024u;

// One problem found in a form: where (JSON pointer, linkId if inside an item) and what.
struct Problem {
  std::string pointer;
  std::string link_id;
  std::string message;
  std::string to_string() const;  // "<pointer> (<linkId>): <message>"
};

// Text in the form's base language plus translations by language code.
struct LocalizedText {
  std::string base;
  std::map<std::string, std::string> translations;
  bool empty() const { return base.empty(); }
  // The text in `lang`: the base when lang is the base language, else the translation,
  // else the base (a loaded form has every declared translation, so this never falls back).
  const std::string& in(const std::string& lang, const std::string& base_lang) const;
};

struct Coding {
  std::string system;
  std::string code;
  LocalizedText display;
  bool operator==(const Coding& o) const { return system == o.system && code == o.code; }
};

struct Decimal {
  double v = 0;
  bool operator==(const Decimal& o) const { return v == o.v; }
};
struct Date {
  std::string iso;  // YYYY, YYYY-MM or YYYY-MM-DD
  bool operator==(const Date& o) const { return iso == o.iso; }
};

// An answer value. bool: boolean; Decimal; int64_t: integer; Date; std::string: string/text
// (and string answer options); Coding: choice/open-choice codes.
using Value = std::variant<bool, Decimal, std::int64_t, Date, std::string, Coding>;

std::string value_to_display(const Value& v, const std::string& lang, const std::string& base_lang);
nlohmann::json value_to_fhir(const Value& v, const std::string& lang, const std::string& base_lang);  // {"valueX": ...}

enum class ItemType { kGroup, kDisplay, kBoolean, kDecimal, kInteger, kDate, kString, kText, kChoice, kOpenChoice };
enum class ItemControl { kDefault, kRadioButton, kCheckBox, kDropDown };
enum class EnableOp { kExists, kEq, kNe, kGt, kLt, kGe, kLe };

const char* item_type_name(ItemType t);
const char* enable_op_name(EnableOp op);

struct EnableWhen {
  std::string question;     // linkId
  int question_index = -1;  // resolved at load
  EnableOp op = EnableOp::kExists;
  Value answer;             // for kExists: bool
};

struct AnswerOption {
  Value value;
  bool initial_selected = false;
  bool correct = false;  // bbd correct-answer extension (comprehension checks)
  // A valueString option's text with its translations (the value itself stays the base text).
  LocalizedText label;
  // The label a participant sees in `lang`.
  std::string shown(const std::string& lang, const std::string& base_lang) const;
};

// A recorded human voice for an item's text in one language (docs/FORMS.md, "Recorded
// voice"). `wav` holds the WAV file's bytes, decoded from the package's base64 (so the
// package signature covers them) and checked at load to be a RIFF/WAVE 16-bit PCM file of at
// most kMaxRecordedAudioBytes; the kiosk's wav.h reader does the full check when it plays.
// Shared, so that copying a Questionnaire never copies audio. Never null in a loaded form.
struct RecordedAudio {
  std::shared_ptr<const std::string> wav;
  std::string title;  // the attachment's optional title (for authors; never shown)
};

struct Item {
  std::string link_id;
  std::string pointer;  // JSON pointer in the source document
  ItemType type = ItemType::kDisplay;
  LocalizedText text;
  bool required = false;
  bool repeats = false;
  bool read_only = false;
  bool hidden = false;
  std::optional<int> max_length;
  std::vector<Value> initial;
  std::vector<AnswerOption> options;
  std::vector<EnableWhen> enable_when;
  bool enable_all = true;  // enableBehavior: all (default when only one condition) or any
  std::optional<Value> min_value;
  std::optional<Value> max_value;
  std::optional<std::string> regex_source;
  std::shared_ptr<const std::regex> regex;
  LocalizedText entry_format;
  ItemControl control = ItemControl::kDefault;
  std::optional<int> max_decimal_places;
  std::optional<Coding> unit;
  // bbd extensions
  std::string consent_provision;
  bool consent_mandatory = false;
  LocalizedText explanation;
  // By language code (the questionnaire's language or a declared translation language);
  // display and group items only.
  std::map<std::string, RecordedAudio> recorded_audio;

  int parent = -1;
  std::vector<int> children;
  std::vector<int> dependents;  // items whose enableWhen names this item
  bool has_answer_type() const { return type != ItemType::kGroup && type != ItemType::kDisplay; }
};

struct Questionnaire {
  std::string url;
  std::string version;
  std::string name;
  std::string role;  // bbd protocol-role: consent, consent-representative, comprehension, survey
  LocalizedText title;
  std::string language = "ko";
  std::vector<std::string> languages;  // base first, then declared translations
  std::vector<Item> items;              // document order (pre-order)
  std::vector<int> roots;
  std::unordered_map<std::string, int> index;  // linkId -> item index
  nlohmann::json source;                       // the JSON as loaded

  const Item* find(const std::string& link_id) const;
  std::string canonical() const { return url + "|" + version; }
};

struct LoadResult {
  std::optional<Questionnaire> questionnaire;
  std::vector<Problem> problems;
  bool ok() const { return questionnaire.has_value() && problems.empty(); }
};

// Whether a value's kind can answer an item of type `t` (decimal items take integers too;
// choice items take codings, strings, integers and dates as their options do).
bool value_fits_type(ItemType t, const Value& v);

// Why `bytes` is not a recording the kiosk can play, or "" when it is: RIFF/WAVE with a
// "fmt " chunk for plain PCM, 16 bits, 1 or 2 channels, 8 to 96 kHz, and a non-empty "data"
// chunk after it (the light check done at load; kiosk/wav.h reads the samples).
std::string recorded_audio_problem(std::string_view bytes);

// A FHIR date: YYYY, YYYY-MM or YYYY-MM-DD with a real month and day.
bool is_fhir_date(const std::string& s);

// `base_pointer` prefixes every pointer (e.g. "/entry/2/resource" inside a package).
LoadResult load_questionnaire(const nlohmann::json& j, const std::string& base_pointer = "");

}  // namespace forms
