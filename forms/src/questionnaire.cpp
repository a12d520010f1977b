#include "forms/questionnaire.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

#include "platform/crypto.h"

namespace forms {

using nlohmann::json;

namespace {

constexpr char kHl7Ext[] = "http://hl7.org/fhir/StructureDefinition/";
constexpr int kMaxItemDepth = 24;  // real forms nest a handful of levels; this bounds recursion
const std::string kItemControlSystem = "http://hl7.org/fhir/questionnaire-item-control";

struct Loader {
  std::vector<Problem> problems;
  Questionnaire q;

  void problem(const std::string& ptr, const std::string& link, std::string msg) {
    problems.push_back({ptr, link, std::move(msg)});
  }

  // Reads a string field with its "_field" translations.
  LocalizedText text_of(const json& obj, const std::string& field, const std::string& ptr,
                        const std::string& link) {
    LocalizedText t;
    auto it = obj.find(field);
    if (it == obj.end()) return t;
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      problem(ptr + "/" + field, link, "'" + field + "' must be a non-empty string");
      return t;
    }
    t.base = it->get<std::string>();
    auto ext = obj.find("_" + field);
    if (ext == obj.end()) return t;
    const std::string eptr = ptr + "/_" + field;
    if (!ext->is_object() || !ext->contains("extension") || !(*ext)["extension"].is_array()) {
      problem(eptr, link, "'_" + field + "' must hold an 'extension' array of translations");
      return t;
    }
    const json& arr = (*ext)["extension"];
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string xp = eptr + "/extension/" + std::to_string(i);
      const json& x = arr[i];
      if (!x.is_object() || x.value("url", "") != kTranslationUrl) {
        problem(xp, link, "only the translation extension (" + std::string(kTranslationUrl) + ") is supported on text");
        continue;
      }
      std::string lang, content;
      if (x.contains("extension") && x["extension"].is_array()) {
        for (const json& part : x["extension"]) {
          if (!part.is_object()) continue;
          if (part.value("url", "") == "lang" && part.contains("valueCode") && part["valueCode"].is_string())
            lang = part["valueCode"].get<std::string>();
          if (part.value("url", "") == "content" && part.contains("valueString") && part["valueString"].is_string())
            content = part["valueString"].get<std::string>();
        }
      }
      if (lang.empty() || content.empty()) {
        problem(xp, link, "translation needs a 'lang' valueCode and a non-empty 'content' valueString");
        continue;
      }
      if (t.translations.count(lang)) problem(xp, link, "two translations into '" + lang + "'");
      t.translations[lang] = content;
    }
    return t;
  }

  void require_translations(const LocalizedText& t, const std::string& ptr, const std::string& link,
                            const std::string& what) {
    if (t.empty()) return;
    for (std::size_t i = 1; i < q.languages.size(); ++i)
      if (!t.translations.count(q.languages[i]))
        problem(ptr, link, what + " has no '" + q.languages[i] + "' translation");
  }

  // Reads value[x]/answer[x] with `prefix` ("value", "answer", "initial"...). Returns the
  // value or nullopt (with a problem) if absent, duplicated or malformed.
  std::optional<Value> typed_value(const json& obj, const std::string& prefix, const std::string& ptr,
                                   const std::string& link, bool must_exist = true) {
    static const char* kSuffixes[] = {"Boolean", "Decimal", "Integer", "Date", "String", "Coding",
                                      "DateTime", "Time", "Quantity", "Reference", "Attachment", "Uri", "Code"};
    std::string found;
    for (const char* suf : kSuffixes) {
      if (obj.contains(prefix + suf)) {
        if (!found.empty()) {
          problem(ptr, link, "has both " + prefix + found + " and " + prefix + suf + "; exactly one is allowed");
          return std::nullopt;
        }
        found = suf;
      }
    }
    if (found.empty()) {
      if (must_exist) problem(ptr, link, "needs a " + prefix + "[x] value");
      return std::nullopt;
    }
    const std::string key = prefix + found;
    const json& v = obj[key];
    const std::string vp = ptr + "/" + key;
    if (found == "Boolean") {
      if (!v.is_boolean()) { problem(vp, link, key + " must be true or false"); return std::nullopt; }
      return Value(v.get<bool>());
    }
    if (found == "Decimal") {
      if (!v.is_number()) { problem(vp, link, key + " must be a number"); return std::nullopt; }
      return Value(Decimal{v.get<double>()});
    }
    if (found == "Integer") {
      if (!v.is_number_integer()) { problem(vp, link, key + " must be a whole number"); return std::nullopt; }
      return Value(v.get<std::int64_t>());
    }
    if (found == "Date") {
      if (!v.is_string() || !is_fhir_date(v.get<std::string>())) {
        problem(vp, link, key + " must be a date YYYY, YYYY-MM or YYYY-MM-DD");
        return std::nullopt;
      }
      return Value(Date{v.get<std::string>()});
    }
    if (found == "String") {
      if (!v.is_string() || v.get_ref<const std::string&>().empty()) { problem(vp, link, key + " must be a non-empty string"); return std::nullopt; }
      return Value(v.get<std::string>());
    }
    if (found == "Coding") {
      if (!v.is_object()) { problem(vp, link, key + " must be a Coding object"); return std::nullopt; }
      Coding c;
      c.system = v.value("system", "");
      c.code = v.value("code", "");
      if (c.code.empty()) { problem(vp, link, key + " needs a 'code'"); return std::nullopt; }
      c.display = text_of(v, "display", vp, link);
      return Value(std::move(c));
    }
    problem(vp, link, key + " is not supported (supported: Boolean, Decimal, Integer, Date, String, Coding)");
    return std::nullopt;
  }

  void read_extensions(const json& j, Item& it, const std::string& ptr) {
    auto ex = j.find("extension");
    if (ex == j.end()) return;
    if (!ex->is_array()) { problem(ptr + "/extension", it.link_id, "'extension' must be an array"); return; }
    for (std::size_t i = 0; i < ex->size(); ++i) {
      const json& x = (*ex)[i];
      const std::string xp = ptr + "/extension/" + std::to_string(i);
      std::string url = x.is_object() ? x.value("url", "") : "";
      auto numeric_bound = [&](std::optional<Value>& slot, const char* name) {
        std::optional<Value> v = typed_value(x, "value", xp, it.link_id);
        if (!v) return;
        bool ok = (it.type == ItemType::kInteger && std::holds_alternative<std::int64_t>(*v)) ||
                  (it.type == ItemType::kDecimal && (std::holds_alternative<Decimal>(*v) || std::holds_alternative<std::int64_t>(*v))) ||
                  (it.type == ItemType::kDate && std::holds_alternative<Date>(*v));
        if (!ok) problem(xp, it.link_id, std::string(name) + " must have the item's own type (" + item_type_name(it.type) + ")");
        else slot = v;
      };
      if (url == std::string(kHl7Ext) + "minValue") numeric_bound(it.min_value, "minValue");
      else if (url == std::string(kHl7Ext) + "maxValue") numeric_bound(it.max_value, "maxValue");
      else if (url == std::string(kHl7Ext) + "regex") {
        if (!x.contains("valueString") || !x["valueString"].is_string()) { problem(xp, it.link_id, "regex needs a valueString"); continue; }
        if (it.type != ItemType::kString && it.type != ItemType::kText && it.type != ItemType::kOpenChoice)
          problem(xp, it.link_id, "regex applies only to string, text and open-choice items");
        it.regex_source = x["valueString"].get<std::string>();
        try {
          it.regex = std::make_shared<const std::regex>(*it.regex_source, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          problem(xp + "/valueString", it.link_id, "regex '" + *it.regex_source + "' does not compile: " + e.what());
        }
      } else if (url == std::string(kHl7Ext) + "entryFormat") {
        it.entry_format = text_of(x, "valueString", xp, it.link_id);
        if (it.entry_format.empty()) problem(xp, it.link_id, "entryFormat needs a valueString");
        require_translations(it.entry_format, xp + "/valueString", it.link_id, "entryFormat");
      } else if (url == std::string(kHl7Ext) + "questionnaire-itemControl") {
        std::string code;
        if (x.contains("valueCodeableConcept") && x["valueCodeableConcept"].is_object() &&
            x["valueCodeableConcept"].contains("coding") && x["valueCodeableConcept"]["coding"].is_array())
          for (const json& c : x["valueCodeableConcept"]["coding"])
            if (c.is_object() && c.value("system", "") == kItemControlSystem) code = c.value("code", "");
        if (code == "radio-button") it.control = ItemControl::kRadioButton;
        else if (code == "check-box") it.control = ItemControl::kCheckBox;
        else if (code == "drop-down") it.control = ItemControl::kDropDown;
        else { problem(xp, it.link_id, "itemControl '" + code + "' is not supported (radio-button, check-box, drop-down)"); continue; }
        if (it.type != ItemType::kChoice && it.type != ItemType::kOpenChoice)
          problem(xp, it.link_id, "itemControl " + code + " applies only to choice and open-choice items");
        if (it.control == ItemControl::kCheckBox && !it.repeats)
          problem(xp, it.link_id, "check-box needs repeats: true (use radio-button for one answer)");
      } else if (url == std::string(kHl7Ext) + "questionnaire-hidden") {
        if (!x.contains("valueBoolean") || !x["valueBoolean"].is_boolean()) { problem(xp, it.link_id, "questionnaire-hidden needs a valueBoolean"); continue; }
        it.hidden = x["valueBoolean"].get<bool>();
      } else if (url == std::string(kHl7Ext) + "maxDecimalPlaces") {
        if (!x.contains("valueInteger") || !x["valueInteger"].is_number_integer() || x["valueInteger"].get<int>() < 0) { problem(xp, it.link_id, "maxDecimalPlaces needs a valueInteger >= 0"); continue; }
        if (it.type != ItemType::kDecimal) problem(xp, it.link_id, "maxDecimalPlaces applies only to decimal items");
        it.max_decimal_places = x["valueInteger"].get<int>();
      } else if (url == std::string(kHl7Ext) + "questionnaire-unit") {
        std::optional<Value> v = typed_value(x, "value", xp, it.link_id);
        if (!v) continue;
        if (!std::holds_alternative<Coding>(*v)) { problem(xp, it.link_id, "questionnaire-unit needs a valueCoding"); continue; }
        if (it.type != ItemType::kDecimal && it.type != ItemType::kInteger) problem(xp, it.link_id, "questionnaire-unit applies only to decimal and integer items");
        it.unit = std::get<Coding>(*v);
        require_translations(it.unit->display, xp + "/valueCoding/display", it.link_id, "unit display");
      } else if (url == std::string(kBbdExt) + "consent-provision") {
        if (!x.contains("valueCode") || !x["valueCode"].is_string()) { problem(xp, it.link_id, "consent-provision needs a valueCode"); continue; }
        if (it.type != ItemType::kBoolean && it.type != ItemType::kChoice) problem(xp, it.link_id, "consent-provision applies to boolean (permit/deny) or choice items");
        it.consent_provision = x["valueCode"].get<std::string>();
      } else if (url == std::string(kBbdExt) + "consent-mandatory") {
        if (!x.contains("valueBoolean") || !x["valueBoolean"].is_boolean()) { problem(xp, it.link_id, "consent-mandatory needs a valueBoolean"); continue; }
        it.consent_mandatory = x["valueBoolean"].get<bool>();
      } else if (url == std::string(kBbdExt) + "explanation") {
        it.explanation = text_of(x, "valueString", xp, it.link_id);
        if (it.explanation.empty()) problem(xp, it.link_id, "explanation needs a valueString");
        require_translations(it.explanation, xp + "/valueString", it.link_id, "explanation");
      } else if (url == kRecordedAudioUrl) {
        read_recorded_audio(x, it, xp);
      } else {
        problem(xp, it.link_id, "extension '" + url + "' is not supported");
      }
    }
  }

  // The recorded-audio extension at `xp`: a FHIR Attachment with the WAV inline.
  void read_recorded_audio(const json& x, Item& it, const std::string& xp) {
    const std::string& link = it.link_id;
    if (it.type != ItemType::kDisplay && it.type != ItemType::kGroup) {
      problem(xp, link, "recorded-audio applies only to display items and to a group's text, not to " +
                            std::string(item_type_name(it.type)) + " items");
      return;
    }
    if (it.text.empty()) {
      problem(xp, link, "recorded-audio needs the item's text: the synthesizer says it when the recording cannot be played");
      return;
    }
    if (!x.contains("valueAttachment") || !x["valueAttachment"].is_object()) {
      problem(xp, link, "recorded-audio needs a valueAttachment object");
      return;
    }
    const json& a = x["valueAttachment"];
    const std::string ap = xp + "/valueAttachment";
    bool ok = true;
    for (auto kv = a.begin(); kv != a.end(); ++kv) {
      const std::string& k = kv.key();
      if (k == "contentType" || k == "language" || k == "data" || k == "title") continue;
      problem(ap + "/" + k, link, k == "url" ? std::string("a recording by 'url' is not supported: put the WAV file in 'data' (base64), so that the package signature covers it")
                                             : "'" + k + "' is not supported on a recorded-audio attachment (contentType, language, data, title)");
      ok = false;
    }
    const std::string type = a.contains("contentType") && a["contentType"].is_string() ? a["contentType"].get<std::string>() : "";
    if (type != kRecordedAudioContentType) {
      problem(ap + "/contentType", link, type.empty() ? std::string("recorded-audio needs contentType \"audio/wav\"")
                                                      : "contentType must be \"audio/wav\" (16-bit PCM WAV), not \"" + type + "\"");
      ok = false;
    }
    const std::string lang = a.contains("language") && a["language"].is_string() ? a["language"].get<std::string>() : "";
    std::string langs;
    for (const std::string& l : q.languages) langs += (langs.empty() ? "" : ", ") + l;
    if (lang.empty()) {
      problem(ap + "/language", link, "recorded-audio needs a 'language' (one of " + langs + ")");
      ok = false;
    } else if (std::find(q.languages.begin(), q.languages.end(), lang) == q.languages.end()) {
      problem(ap + "/language", link, "language '" + lang + "' is neither the questionnaire's language nor a declared translation language (" + langs + ")");
      ok = false;
    } else if (it.recorded_audio.count(lang)) {
      problem(ap + "/language", link, "a second recording in '" + lang + "' for this item (one per language)");
      ok = false;
    }
    RecordedAudio rec;
    if (a.contains("title")) {
      if (!a["title"].is_string() || a["title"].get_ref<const std::string&>().empty()) {
        problem(ap + "/title", link, "title must be a non-empty string");
        ok = false;
      } else {
        rec.title = a["title"].get<std::string>();
      }
    }
    if (!a.contains("data") || !a["data"].is_string() || a["data"].get_ref<const std::string&>().empty()) {
      problem(ap + "/data", link, "recorded-audio needs 'data': the WAV file in base64");
      return;
    }
    const std::string& b64 = a["data"].get_ref<const std::string&>();
    const std::string cap = std::to_string(kMaxRecordedAudioBytes / (1024 * 1024)) + " MiB";
    // Refuse an oversized recording before decoding it.
    if (b64.size() / 4 * 3 > kMaxRecordedAudioBytes + 2) {
      problem(ap + "/data", link, "the recording is larger than " + cap + " (shorten it, or record it in mono or at a lower sample rate)");
      return;
    }
    platform::Result<platform::Bytes> bytes = platform::base64_decode_public(b64);
    if (!bytes.is_ok()) {
      problem(ap + "/data", link, "'data' is not valid base64 (standard alphabet, padded, no line breaks)");
      return;
    }
    if (bytes->size() > kMaxRecordedAudioBytes) {
      problem(ap + "/data", link, "the recording is larger than " + cap + " (shorten it, or record it in mono or at a lower sample rate)");
      return;
    }
    auto wav = std::make_shared<std::string>(bytes->begin(), bytes->end());
    *bytes = {};  // the decoded copy is no longer needed; recordings can be megabytes
    const std::string why = recorded_audio_problem(*wav);
    if (!why.empty()) {
      problem(ap + "/data", link, "'data' is not a 16-bit PCM WAV file: " + why);
      return;
    }
    if (!ok) return;
    rec.wav = std::move(wav);
    it.recorded_audio.emplace(lang, std::move(rec));
  }

  void read_item(const json& j, const std::string& ptr, int parent, std::set<std::string>& seen, int depth = 0) {
    if (!j.is_object()) { problem(ptr, "", "item must be an object"); return; }
    if (depth >= kMaxItemDepth) {
      problem(ptr, "", "items are nested more than " + std::to_string(kMaxItemDepth) + " levels deep");
      return;
    }
    Item it;
    it.pointer = ptr;
    it.parent = parent;
    if (!j.contains("linkId") || !j["linkId"].is_string() || j["linkId"].get_ref<const std::string&>().empty()) {
      problem(ptr + "/linkId", "", "item needs a non-empty string linkId");
      return;
    }
    it.link_id = j["linkId"].get<std::string>();
    const std::string& link = it.link_id;
    if (!seen.insert(link).second) problem(ptr + "/linkId", link, "duplicate linkId '" + link + "'");
    static const std::map<std::string, ItemType> kTypes = {
        {"group", ItemType::kGroup},     {"display", ItemType::kDisplay}, {"boolean", ItemType::kBoolean},
        {"decimal", ItemType::kDecimal}, {"integer", ItemType::kInteger}, {"date", ItemType::kDate},
        {"string", ItemType::kString},   {"text", ItemType::kText},       {"choice", ItemType::kChoice},
        {"open-choice", ItemType::kOpenChoice}};
    std::string type = j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
    auto t = kTypes.find(type);
    if (t == kTypes.end()) {
      problem(ptr + "/type", link, type.empty() ? "item needs a type" : "unknown or unsupported item type '" + type + "' (supported: group, display, boolean, decimal, integer, date, string, text, choice, open-choice)");
      return;
    }
    it.type = t->second;
    static const std::set<std::string> kKnown = {"linkId", "type", "text", "_text", "required", "repeats", "readOnly",
                                                  "maxLength", "initial", "answerOption", "enableWhen",
                                                  "enableBehavior", "item", "extension", "prefix", "_prefix",
                                                  "definition", "code"};
    for (auto kv = j.begin(); kv != j.end(); ++kv)
      if (!kKnown.count(kv.key()))
        problem(ptr + "/" + kv.key(), link, "'" + kv.key() + "' is not supported" +
                (kv.key() == "answerValueSet" ? " (list the answers as answerOption)" : ""));
    it.text = text_of(j, "text", ptr, link);
    require_translations(it.text, ptr + "/text", link, "text");
    if (it.type == ItemType::kDisplay && it.text.empty()) problem(ptr, link, "a display item needs text");
    auto flag = [&](const char* name, bool& out) {
      if (!j.contains(name)) return;
      if (!j[name].is_boolean()) problem(ptr + "/" + name, link, std::string(name) + " must be true or false");
      else out = j[name].get<bool>();
    };
    flag("required", it.required);
    flag("repeats", it.repeats);
    flag("readOnly", it.read_only);
    if (it.type == ItemType::kDisplay && (it.required || it.repeats))
      problem(ptr, link, "a display item cannot be required or repeat");
    if (j.contains("maxLength")) {
      if (!j["maxLength"].is_number_integer() || j["maxLength"].get<int>() < 1) problem(ptr + "/maxLength", link, "maxLength must be a whole number >= 1");
      else if (it.type != ItemType::kString && it.type != ItemType::kText && it.type != ItemType::kOpenChoice) problem(ptr + "/maxLength", link, "maxLength applies only to string, text and open-choice items");
      else it.max_length = j["maxLength"].get<int>();
    }
    read_extensions(j, it, ptr);
    if (j.contains("answerOption")) {
      const json& opts = j["answerOption"];
      if (it.type != ItemType::kChoice && it.type != ItemType::kOpenChoice) {
        problem(ptr + "/answerOption", link, "answerOption is only allowed on choice and open-choice items, not " + std::string(item_type_name(it.type)));
      } else if (!opts.is_array() || opts.empty()) {
        problem(ptr + "/answerOption", link, "answerOption must be a non-empty array");
      } else {
        for (std::size_t i = 0; i < opts.size(); ++i) {
          const std::string op = ptr + "/answerOption/" + std::to_string(i);
          if (!opts[i].is_object()) { problem(op, link, "answerOption must be an object"); continue; }
          std::optional<Value> v = typed_value(opts[i], "value", op, link);
          if (!v) continue;
          if (std::holds_alternative<bool>(*v) || std::holds_alternative<Decimal>(*v)) {
            problem(op, link, "answerOption value must be valueCoding, valueString, valueInteger or valueDate");
            continue;
          }
          AnswerOption ao;
          ao.value = *v;
          if (auto* c = std::get_if<Coding>(&ao.value)) {
            if (c->display.empty()) problem(op + "/valueCoding", link, "a coded answer option needs a display");
            require_translations(c->display, op + "/valueCoding/display", link, "answer option '" + c->code + "'");
          }
          if (std::holds_alternative<std::string>(ao.value)) {
            LocalizedText lt = text_of(opts[i], "valueString", op, link);
            require_translations(lt, op + "/valueString", link, "answer option");
            ao.label = std::move(lt);
          }
          if (opts[i].contains("initialSelected")) ao.initial_selected = opts[i]["initialSelected"].is_boolean() && opts[i]["initialSelected"].get<bool>();
          if (opts[i].contains("extension") && opts[i]["extension"].is_array()) {
            for (std::size_t k = 0; k < opts[i]["extension"].size(); ++k) {
              const json& x = opts[i]["extension"][k];
              if (x.is_object() && x.value("url", "") == std::string(kBbdExt) + "correct-answer" && x.contains("valueBoolean") && x["valueBoolean"].is_boolean())
                ao.correct = x["valueBoolean"].get<bool>();
              else
                problem(op + "/extension/" + std::to_string(k), link, "answerOption extension '" + (x.is_object() ? x.value("url", "") : std::string()) + "' is not supported");
            }
          }
          for (const AnswerOption& prev : it.options)
            if (prev.value == ao.value) problem(op, link, "duplicate answer option");
          it.options.push_back(std::move(ao));
        }
      }
    } else if (it.type == ItemType::kChoice) {
      problem(ptr, link, "a choice item needs answerOption (answerValueSet is not supported)");
    }
    if (j.contains("initial")) {
      const json& init = j["initial"];
      if (!it.has_answer_type() || it.type == ItemType::kChoice) {
        problem(ptr + "/initial", link, it.type == ItemType::kChoice ? "use answerOption.initialSelected on choice items" : "initial is not allowed on group and display items");
      } else if (!init.is_array() || init.empty()) {
        problem(ptr + "/initial", link, "initial must be a non-empty array");
      } else {
        if (init.size() > 1 && !it.repeats) problem(ptr + "/initial", link, "several initial values need repeats: true");
        for (std::size_t i = 0; i < init.size(); ++i) {
          std::optional<Value> v = typed_value(init[i], "value", ptr + "/initial/" + std::to_string(i), link);
          if (!v) continue;
          if (!value_fits_type(it.type, *v)) problem(ptr + "/initial/" + std::to_string(i), link, "initial value does not match the item type " + std::string(item_type_name(it.type)));
          else it.initial.push_back(*v);
        }
      }
    }
    // Bounds sanity: min <= max.
    if (it.min_value && it.max_value) {
      bool bad = false;
      auto num = [](const Value& v) { return std::holds_alternative<Decimal>(v) ? std::get<Decimal>(v).v : static_cast<double>(std::get<std::int64_t>(v)); };
      if (std::holds_alternative<Date>(*it.min_value) && std::holds_alternative<Date>(*it.max_value)) bad = std::get<Date>(*it.min_value).iso > std::get<Date>(*it.max_value).iso;
      else if (!std::holds_alternative<Date>(*it.min_value) && !std::holds_alternative<Date>(*it.max_value)) bad = num(*it.min_value) > num(*it.max_value);
      if (bad) problem(ptr + "/extension", link, "minValue is greater than maxValue");
    }
    if (it.required && it.read_only && it.initial.empty() && it.has_answer_type())
      problem(ptr, link, "a required readOnly item needs an initial value, or nobody can answer it");
    // enableWhen (resolved after all items are read).
    if (j.contains("enableWhen")) {
      const json& ew = j["enableWhen"];
      if (!ew.is_array() || ew.empty()) {
        problem(ptr + "/enableWhen", link, "enableWhen must be a non-empty array");
      } else {
        for (std::size_t i = 0; i < ew.size(); ++i) {
          const std::string ep = ptr + "/enableWhen/" + std::to_string(i);
          const json& c = ew[i];
          if (!c.is_object() || !c.contains("question") || !c["question"].is_string()) { problem(ep, link, "enableWhen needs a 'question' linkId"); continue; }
          static const std::map<std::string, EnableOp> kOps = {{"exists", EnableOp::kExists}, {"=", EnableOp::kEq}, {"!=", EnableOp::kNe}, {">", EnableOp::kGt}, {"<", EnableOp::kLt}, {">=", EnableOp::kGe}, {"<=", EnableOp::kLe}};
          std::string op = c.value("operator", "");
          auto o = kOps.find(op);
          if (o == kOps.end()) { problem(ep + "/operator", link, "unknown enableWhen operator '" + op + "' (exists, =, !=, >, <, >=, <=)"); continue; }
          std::optional<Value> a = typed_value(c, "answer", ep, link);
          if (!a) continue;
          it.enable_when.push_back({c["question"].get<std::string>(), -1, o->second, *a});
        }
      }
    }
    if (j.contains("enableBehavior")) {
      std::string b = j["enableBehavior"].is_string() ? j["enableBehavior"].get<std::string>() : "";
      if (b == "all") it.enable_all = true;
      else if (b == "any") it.enable_all = false;
      else problem(ptr + "/enableBehavior", link, "enableBehavior must be 'all' or 'any'");
    } else if (it.enable_when.size() > 1) {
      problem(ptr, link, "several enableWhen conditions need enableBehavior 'all' or 'any'");
    }
    if (it.type == ItemType::kGroup && !j.contains("item")) problem(ptr, link, "a group needs items");
    if (it.type == ItemType::kDisplay && j.contains("item")) problem(ptr + "/item", link, "a display item cannot have child items");
    const int self = static_cast<int>(q.items.size());
    q.items.push_back(std::move(it));
    if (parent >= 0) q.items[static_cast<std::size_t>(parent)].children.push_back(self);
    else q.roots.push_back(self);
    if (j.contains("item")) {
      const json& kids = j["item"];
      if (!kids.is_array() || kids.empty()) { problem(ptr + "/item", link, "'item' must be a non-empty array"); return; }
      for (std::size_t i = 0; i < kids.size(); ++i) read_item(kids[i], ptr + "/item/" + std::to_string(i), self, seen, depth + 1);
    }
  }

  static bool answer_matches(const Item& target, EnableOp op, const Value& a) {
    if (op == EnableOp::kExists) return std::holds_alternative<bool>(a);
    switch (target.type) {
      case ItemType::kBoolean: return std::holds_alternative<bool>(a);
      case ItemType::kDecimal: return std::holds_alternative<Decimal>(a) || std::holds_alternative<std::int64_t>(a);
      case ItemType::kInteger: return std::holds_alternative<std::int64_t>(a);
      case ItemType::kDate: return std::holds_alternative<Date>(a);
      case ItemType::kString:
      case ItemType::kText: return std::holds_alternative<std::string>(a);
      case ItemType::kChoice:
      case ItemType::kOpenChoice: {
        // The answer must have the type of one of the options (or be free text on open-choice):
        // anything else could never match and would silently keep the item disabled.
        if (target.type == ItemType::kOpenChoice && std::holds_alternative<std::string>(a)) return true;
        for (const AnswerOption& o : target.options)
          if (o.value.index() == a.index()) return true;
        return false;
      }
      default: return false;
    }
  }

  void resolve_enable_when() {
    for (std::size_t i = 0; i < q.items.size(); ++i) {
      Item& it = q.items[i];
      for (std::size_t k = 0; k < it.enable_when.size(); ++k) {
        EnableWhen& c = it.enable_when[k];
        const std::string ep = it.pointer + "/enableWhen/" + std::to_string(k);
        auto target = q.index.find(c.question);
        if (target == q.index.end()) {
          problem(ep + "/question", it.link_id, "enableWhen names question '" + c.question + "', which is not in this questionnaire");
          continue;
        }
        const Item& t = q.items[static_cast<std::size_t>(target->second)];
        if (!t.has_answer_type()) {
          problem(ep + "/question", it.link_id, "enableWhen names '" + c.question + "', a " + item_type_name(t.type) + " item that has no answers");
          continue;
        }
        if (!answer_matches(t, c.op, c.answer)) {
          problem(ep, it.link_id, std::string("the answer type does not match question '") + c.question + "' (" + item_type_name(t.type) + ")" + (c.op == EnableOp::kExists ? "; 'exists' takes answerBoolean" : ""));
          continue;
        }
        bool ordered = t.type == ItemType::kDecimal || t.type == ItemType::kInteger || t.type == ItemType::kDate ||
                       t.type == ItemType::kString || t.type == ItemType::kText ||
                       ((t.type == ItemType::kChoice || t.type == ItemType::kOpenChoice) &&
                        (std::holds_alternative<std::int64_t>(c.answer) || std::holds_alternative<Date>(c.answer) || std::holds_alternative<std::string>(c.answer)));
        if ((c.op == EnableOp::kGt || c.op == EnableOp::kLt || c.op == EnableOp::kGe || c.op == EnableOp::kLe) && !ordered) {
          problem(ep + "/operator", it.link_id, std::string("operator '") + enable_op_name(c.op) + "' cannot compare " + item_type_name(t.type) + " answers");
          continue;
        }
        c.question_index = target->second;
        q.items[static_cast<std::size_t>(target->second)].dependents.push_back(static_cast<int>(i));
      }
    }
  }

  // Depth-first search for cycles through enableWhen and parent edges.
  void check_cycles() {
    const std::size_t n = q.items.size();
    std::vector<int> state(n, 0);  // 0 new, 1 on stack, 2 done
    std::vector<int> stack;
    std::function<bool(int)> visit = [&](int v) -> bool {
      state[static_cast<std::size_t>(v)] = 1;
      stack.push_back(v);
      const Item& it = q.items[static_cast<std::size_t>(v)];
      std::vector<int> deps;
      if (it.parent >= 0) deps.push_back(it.parent);
      for (const EnableWhen& c : it.enable_when)
        if (c.question_index >= 0) deps.push_back(c.question_index);
      for (int d : deps) {
        int s = state[static_cast<std::size_t>(d)];
        if (s == 1) {
          std::string path;
          bool on = false;
          for (int x : stack) {
            if (x == d) on = true;
            if (on) path += q.items[static_cast<std::size_t>(x)].link_id + " -> ";
          }
          path += q.items[static_cast<std::size_t>(d)].link_id;
          problem(it.pointer + "/enableWhen", it.link_id, "enableWhen forms a cycle: " + path);
          return true;
        }
        if (s == 0 && visit(d)) return true;
      }
      stack.pop_back();
      state[static_cast<std::size_t>(v)] = 2;
      return false;
    };
    for (std::size_t i = 0; i < n; ++i)
      if (state[i] == 0) {
        stack.clear();
        if (visit(static_cast<int>(i))) return;  // one cycle report is enough to act on
      }
  }
};

}  // namespace

std::string recorded_audio_problem(std::string_view b) {
  auto u16 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8;
  };
  auto u32 = [&](std::size_t at) { return u16(at) | u16(at + 2) << 16; };
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return "no RIFF/WAVE header";
  bool have_fmt = false;
  std::size_t at = 12;
  while (at + 8 <= b.size()) {
    const std::string_view id = b.substr(at, 4);
    const std::size_t size = u32(at + 4);
    const std::size_t body = at + 8;
    if (id == "fmt ") {
      if (size < 16 || body + 16 > b.size()) return "the fmt chunk is too short";
      const std::uint32_t format = u16(body), channels = u16(body + 2), rate = u32(body + 4), bits = u16(body + 14);
      if (format != 1) return "not plain PCM (format " + std::to_string(format) + ")";
      if (bits != 16) return std::to_string(bits) + "-bit samples (16-bit are played)";
      if (channels < 1 || channels > 2) return std::to_string(channels) + " channels (mono or stereo are played)";
      if (rate < 8000 || rate > 96000) return "sample rate " + std::to_string(rate) + " Hz (8000 to 96000 are played)";
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) return "the data chunk comes before the fmt chunk";
      if (size < 2 || body + 2 > b.size()) return "no audio samples";
      return "";
    }
    // Chunks are padded to an even size.
    const std::size_t next = body + size + (size & 1u);
    if (next <= at || next > b.size()) break;
    at = next;
  }
  return have_fmt ? "no data chunk" : "no fmt chunk";
}

bool is_fhir_date(const std::string& s) {
  // YYYY, YYYY-MM or YYYY-MM-DD with a valid month and day.
  auto dig = [&](std::size_t a, std::size_t n) {
    if (a + n > s.size()) return false;
    for (std::size_t i = a; i < a + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (s.size() != 4 && s.size() != 7 && s.size() != 10) return false;
  if (!dig(0, 4)) return false;
  if (s.size() == 4) return true;
  if (s[4] != '-' || !dig(5, 2)) return false;
  int m = std::stoi(s.substr(5, 2));
  if (m < 1 || m > 12) return false;
  if (s.size() == 7) return true;
  if (s[7] != '-' || !dig(8, 2)) return false;
  int y = std::stoi(s.substr(0, 4)), d = std::stoi(s.substr(8, 2));
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = m == 2 && leap ? 29 : kDays[m - 1];
  return d >= 1 && d <= max;
}


bool value_fits_type(ItemType t, const Value& v) {
  switch (t) {
    case ItemType::kBoolean: return std::holds_alternative<bool>(v);
    case ItemType::kDecimal: return std::holds_alternative<Decimal>(v) || std::holds_alternative<std::int64_t>(v);
    case ItemType::kInteger: return std::holds_alternative<std::int64_t>(v);
    case ItemType::kDate: return std::holds_alternative<Date>(v);
    case ItemType::kString:
    case ItemType::kText: return std::holds_alternative<std::string>(v);
    case ItemType::kChoice:
      return std::holds_alternative<Coding>(v) || std::holds_alternative<std::string>(v) ||
             std::holds_alternative<std::int64_t>(v) || std::holds_alternative<Date>(v);
    case ItemType::kOpenChoice:
      return std::holds_alternative<Coding>(v) || std::holds_alternative<std::string>(v) ||
             std::holds_alternative<std::int64_t>(v) || std::holds_alternative<Date>(v);
    default: return false;
  }
}

std::string Problem::to_string() const {
  return (pointer.empty() ? std::string("/") : pointer) + " (" + (link_id.empty() ? "-" : link_id) + "): " + message;
}

const std::string& LocalizedText::in(const std::string& lang, const std::string& base_lang) const {
  if (lang == base_lang) return base;
  auto it = translations.find(lang);
  return it == translations.end() ? base : it->second;
}

const char* item_type_name(ItemType t) {
  switch (t) {
    case ItemType::kGroup: return "group";
    case ItemType::kDisplay: return "display";
    case ItemType::kBoolean: return "boolean";
    case ItemType::kDecimal: return "decimal";
    case ItemType::kInteger: return "integer";
    case ItemType::kDate: return "date";
    case ItemType::kString: return "string";
    case ItemType::kText: return "text";
    case ItemType::kChoice: return "choice";
    case ItemType::kOpenChoice: return "open-choice";
  }
  return "?";
}

const char* enable_op_name(EnableOp op) {
  switch (op) {
    case EnableOp::kExists: return "exists";
    case EnableOp::kEq: return "=";
    case EnableOp::kNe: return "!=";
    case EnableOp::kGt: return ">";
    case EnableOp::kLt: return "<";
    case EnableOp::kGe: return ">=";
    case EnableOp::kLe: return "<=";
  }
  return "?";
}

const Item* Questionnaire::find(const std::string& link_id) const {
  auto it = index.find(link_id);
  return it == index.end() ? nullptr : &items[static_cast<std::size_t>(it->second)];
}

LoadResult load_questionnaire(const json& j, const std::string& base) {
  Loader L;
  LoadResult out;
  if (!j.is_object() || j.value("resourceType", "") != "Questionnaire") {
    L.problem(base.empty() ? "/resourceType" : base + "/resourceType", "", "not a FHIR Questionnaire (resourceType must be \"Questionnaire\")");
    out.problems = std::move(L.problems);
    return out;
  }
  Questionnaire& q = L.q;
  q.url = j.value("url", "");
  q.version = j.value("version", "");
  q.name = j.value("name", "");
  if (q.url.empty()) L.problem(base + "/url", "", "a Questionnaire needs a canonical url");
  if (q.version.empty()) L.problem(base + "/version", "", "a Questionnaire needs a version");
  std::string status = j.value("status", "");
  if (status != "active" && status != "draft")
    L.problem(base + "/status", "", "status must be 'active' (or 'draft' while authoring), not '" + status + "'");
  q.language = j.value("language", "ko");
  q.languages = {q.language};
  static const std::set<std::string> kKnown = {"resourceType", "id", "url", "version", "name", "title", "_title", "status",
                                               "language", "extension", "item", "date", "publisher", "description",
                                               "_description", "meta", "subjectType", "identifier", "purpose", "copyright", "text"};
  for (auto kv = j.begin(); kv != j.end(); ++kv)
    if (!kKnown.count(kv.key())) L.problem(base + "/" + kv.key(), "", "'" + kv.key() + "' is not supported on a Questionnaire");
  if (j.contains("extension")) {
    const json& ex = j["extension"];
    for (std::size_t i = 0; ex.is_array() && i < ex.size(); ++i) {
      const json& x = ex[i];
      const std::string xp = base + "/extension/" + std::to_string(i);
      std::string url = x.is_object() ? x.value("url", "") : "";
      if (url == std::string(kBbdExt) + "protocol-role" && x.contains("valueCode") && x["valueCode"].is_string()) {
        q.role = x["valueCode"].get<std::string>();
        static const std::set<std::string> kRoles = {"consent", "consent-representative", "comprehension", "survey"};
        if (!kRoles.count(q.role)) L.problem(xp, "", "protocol-role '" + q.role + "' is unknown (consent, consent-representative, comprehension, survey)");
      } else if (url == std::string(kBbdExt) + "translation-languages" && x.contains("valueCode") && x["valueCode"].is_string()) {
        q.languages.push_back(x["valueCode"].get<std::string>());
      } else {
        L.problem(xp, "", "extension '" + url + "' is not supported on a Questionnaire");
      }
    }
  }
  q.title = L.text_of(j, "title", base, "");
  if (q.title.empty()) L.problem(base + "/title", "", "a Questionnaire needs a title (participants see it)");
  L.require_translations(q.title, base + "/title", "", "title");
  if (!j.contains("item") || !j["item"].is_array() || j["item"].empty()) {
    L.problem(base + "/item", "", "a Questionnaire needs a non-empty 'item' array");
  } else {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j["item"].size(); ++i) L.read_item(j["item"][i], base + "/item/" + std::to_string(i), -1, seen);
  }
  for (std::size_t i = 0; i < q.items.size(); ++i) q.index.emplace(q.items[i].link_id, static_cast<int>(i));
  L.resolve_enable_when();
  L.check_cycles();
  // The role's own rules.
  if (q.role == "comprehension") {
    for (const Item& it : q.items) {
      if (it.type != ItemType::kChoice) continue;
      int correct = 0;
      for (const AnswerOption& o : it.options) correct += o.correct ? 1 : 0;
      if (correct != 1) L.problem(it.pointer + "/answerOption", it.link_id, "a comprehension question needs exactly one correct-answer option");
      if (it.explanation.empty()) L.problem(it.pointer, it.link_id, "a comprehension question needs an explanation shown after a wrong answer");
    }
  }
  if (q.role == "consent" || q.role == "consent-representative") {
    bool any = false;
    for (const Item& it : q.items) any = any || !it.consent_provision.empty();
    if (!any) L.problem(base + "/item", "", "a consent document needs at least one item with the consent-provision extension");
  }
  for (const Item& it : q.items)
    if (it.consent_mandatory && (it.type != ItemType::kBoolean || !it.required))
      L.problem(it.pointer, it.link_id, "consent-mandatory needs a required boolean item");
  out.problems = std::move(L.problems);
  if (out.problems.empty()) out.questionnaire = std::move(L.q);
  return out;
}

}  // namespace forms
