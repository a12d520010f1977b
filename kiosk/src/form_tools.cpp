#include "kiosk/form_tools.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "forms/response.h"
#include "platform/fs.h"

namespace kiosk {

namespace fs = std::filesystem;
using forms::Item;
using forms::ItemType;
using forms::Value;
using nlohmann::json;
using platform::Result;
using platform::Status;

namespace {

constexpr std::size_t kMaxFormBytes = 16 * 1024 * 1024;

Result<forms::FormFile> load_file(const fs::path& file) {
  Result<std::string> text = platform::read_file(file, kMaxFormBytes);
  if (!text.is_ok()) return text.status();
  return forms::load_form_text(text.value());
}

std::vector<const forms::Questionnaire*> questionnaires_of(const forms::FormFile& f) {
  std::vector<const forms::Questionnaire*> out;
  if (f.questionnaire) out.push_back(&*f.questionnaire);
  if (f.package)
    for (const forms::Questionnaire& q : f.package->questionnaires) out.push_back(&q);
  return out;
}

// Dotted version numbers compare part by part as numbers ("1.10.0" > "1.9.2").
std::vector<int> ver(const std::string& v) {
  std::vector<int> parts;
  std::stringstream ss(v);
  std::string x;
  while (std::getline(ss, x, '.')) parts.push_back(std::atoi(x.c_str()));
  return parts;
}

std::string type_label(const Item& it) {
  std::string s = forms::item_type_name(it.type);
  if (it.repeats) s += "*";
  return s;
}

std::string condition_text(const forms::Questionnaire& q, const Item& it) {
  std::string out;
  for (std::size_t i = 0; i < it.enable_when.size(); ++i) {
    const forms::EnableWhen& c = it.enable_when[i];
    if (i) out += it.enable_all ? " AND " : " OR ";
    out += c.question + " " + forms::enable_op_name(c.op) + " " + forms::value_to_display(c.answer, "en", q.language);
    if (auto* cd = std::get_if<forms::Coding>(&c.answer); cd && !cd->display.empty()) out += " (" + cd->code + ")";
  }
  return out;
}

}  // namespace

std::vector<std::string> check_form_file(const fs::path& file) {
  Result<forms::FormFile> f = load_file(file);
  if (!f.is_ok()) return {file.string() + ": " + f.status().to_string()};
  std::vector<std::string> lines;
  for (const forms::Problem& p : f->problems) lines.push_back(p.to_string());
  return lines;
}

Result<Value> answer_from_json(const Item& it, const json& v) {
  auto bad = [&](const std::string& what) { return Status::invalid_argument(it.link_id + ": " + what); };
  switch (it.type) {
    case ItemType::kBoolean:
      if (!v.is_boolean()) return bad("expects true or false");
      return Value(v.get<bool>());
    case ItemType::kInteger:
      if (!v.is_number_integer()) return bad("expects a whole number");
      return Value(v.get<std::int64_t>());
    case ItemType::kDecimal:
      if (!v.is_number()) return bad("expects a number");
      return Value(forms::Decimal{v.get<double>()});
    case ItemType::kDate:
      if (!v.is_string() || !forms::is_fhir_date(v.get<std::string>())) return bad("expects a date YYYY-MM-DD");
      return Value(forms::Date{v.get<std::string>()});
    case ItemType::kString:
    case ItemType::kText:
      if (!v.is_string()) return bad("expects text");
      return Value(v.get<std::string>());
    case ItemType::kChoice:
    case ItemType::kOpenChoice: {
      for (const forms::AnswerOption& o : it.options) {
        if (auto* c = std::get_if<forms::Coding>(&o.value); c && v.is_string() && c->code == v.get<std::string>()) return o.value;
        if (auto* s = std::get_if<std::string>(&o.value); s && v.is_string() && *s == v.get<std::string>()) return o.value;
        if (auto* i = std::get_if<std::int64_t>(&o.value); i && v.is_number_integer() && *i == v.get<std::int64_t>()) return o.value;
        if (auto* d = std::get_if<forms::Date>(&o.value); d && v.is_string() && d->iso == v.get<std::string>()) return o.value;
      }
      if (it.type == ItemType::kOpenChoice && v.is_string()) return Value(v.get<std::string>());
      std::string codes;
      for (const forms::AnswerOption& o : it.options) {
        if (!codes.empty()) codes += ", ";
        if (auto* c = std::get_if<forms::Coding>(&o.value)) codes += c->code;
        else codes += forms::value_to_display(o.value, "en", "en");
      }
      return bad("'" + (v.is_string() ? v.get<std::string>() : v.dump()) + "' is not one of: " + codes);
    }
    default:
      return bad(std::string("is a ") + forms::item_type_name(it.type) + " item and takes no answer");
  }
}

Result<FillResult> fill_form(const fs::path& file, const json& answers, const std::string& lang,
                             const std::string& authored) {
  if (!answers.is_object()) return Status::invalid_argument("the answers file must be a JSON object mapping linkId to values");
  Result<forms::FormFile> f = load_file(file);
  if (!f.is_ok()) return f.status();
  if (!f->ok()) return Status::invalid_argument(file.string() + " is not a valid form (run kioskctl form check)");
  FillResult out;
  std::vector<const forms::Questionnaire*> qs = questionnaires_of(f.value());
  std::set<std::string> known;
  json responses = json::array();
  for (const forms::Questionnaire* q : qs) {
    if (std::find(q->languages.begin(), q->languages.end(), lang) == q->languages.end())
      return Status::invalid_argument(q->url + " has no '" + lang + "' text");
    forms::FormSession s(*q, lang);
    bool any = false;
    for (auto kv = answers.begin(); kv != answers.end(); ++kv) {
      const Item* it = q->find(kv.key());
      if (!it) continue;
      known.insert(kv.key());
      any = true;
      std::vector<Value> values;
      const json list = kv.value().is_array() ? kv.value() : json::array({kv.value()});
      for (const json& v : list) {
        Result<Value> val = answer_from_json(*it, v);
        if (!val.is_ok()) out.problems.push_back(val.status().message());
        else values.push_back(std::move(val.value()));
      }
      Status st = s.set_answers(kv.key(), std::move(values));
      if (!st.is_ok()) out.problems.push_back(st.message());
    }
    if (!any && f->package) continue;
    for (auto kv = answers.begin(); kv != answers.end(); ++kv)
      if (q->find(kv.key()) && !s.enabled(kv.key())) out.ignored.push_back(kv.key());
    for (const forms::ValidationMessage& m : s.validate_all()) out.problems.push_back(m.link_id + ": " + m.text);
    responses.push_back(forms::make_questionnaire_response(s, authored));
  }
  for (auto kv = answers.begin(); kv != answers.end(); ++kv)
    if (!known.count(kv.key())) out.problems.push_back(kv.key() + ": no such item in " + file.filename().string());
  if (f->package) {
    json entries = json::array();
    for (json& r : responses) entries.push_back({{"resource", std::move(r)}});
    out.output = {{"resourceType", "Bundle"}, {"type", "collection"}, {"entry", std::move(entries)}};
  } else if (!responses.empty()) {
    out.output = std::move(responses[0]);
  }
  return out;
}

Result<std::string> show_form(const fs::path& file, const std::string& lang, const std::optional<json>& answers) {
  Result<forms::FormFile> f = load_file(file);
  if (!f.is_ok()) return f.status();
  if (!f->ok()) return Status::invalid_argument(file.string() + " is not a valid form (run kioskctl form check)");
  std::ostringstream out;
  if (f->package)
    out << "Protocol package " << f->package->policy() << " (" << f->package->participation_type << "), "
        << f->package->questionnaires.size() << " questionnaires\n\n";
  for (const forms::Questionnaire* q : questionnaires_of(f.value())) {
    forms::FormSession s(*q, lang);
    if (answers) {
      for (auto kv = answers->begin(); kv != answers->end(); ++kv) {
        const Item* it = q->find(kv.key());
        if (!it) continue;
        std::vector<Value> values;
        const json list = kv.value().is_array() ? kv.value() : json::array({kv.value()});
        for (const json& v : list)
          if (Result<Value> val = answer_from_json(*it, v); val.is_ok()) values.push_back(std::move(val.value()));
        (void)s.set_answers(kv.key(), std::move(values));
      }
    }
    out << "== " << q->title.in(lang, q->language) << "  [" << q->role << "] " << q->canonical() << " ("
        << q->items.size() << " items)\n";
    std::function<void(int, int)> walk = [&](int i, int depth) {
      const Item& it = q->items[static_cast<std::size_t>(i)];
      out << std::string(static_cast<std::size_t>(depth * 2 + 2), ' ');
      if (depth == 0 && it.type == ItemType::kGroup) out << "page: ";
      out << "[" << type_label(it) << "] " << it.link_id << (it.required ? " (required)" : "");
      if (!it.text.empty()) {
        std::string t = it.text.in(lang, q->language);
        if (t.size() > 90) {
          std::size_t cut = 87;
          while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
          t = t.substr(0, cut) + "...";
        }
        for (char& c : t)
          if (c == '\n') c = ' ';
        out << "  " << t;
      }
      if (!it.enable_when.empty()) out << "  {when " << condition_text(*q, it) << "}";
      if (it.hidden) out << "  {hidden}";
      if (answers) {
        if (!s.enabled(i)) out << "  -- disabled";
        for (const Value& v : s.answers(i)) out << "  = " << forms::value_to_display(v, lang, q->language);
      }
      out << "\n";
      for (int c : it.children) walk(c, depth + 1);
    };
    for (int r : q->roots) walk(r, 0);
    out << "\n";
  }
  return out.str();
}

Result<fs::path> install_package(const fs::path& data_dir, const fs::path& package_file, const fs::path& sig_file,
                                 const platform::SignPublicKey& forms_key) {
  Result<std::string> bytes = platform::read_file(package_file, kMaxFormBytes);
  if (!bytes.is_ok()) return bytes.status();
  Result<std::string> sig = platform::read_file(sig_file, 4096);
  if (!sig.is_ok()) return sig.status();
  Status v = forms::verify_package_signature(bytes.value(), sig.value(), forms_key);
  if (!v.is_ok()) return v.with_context(package_file.string() + " refused");
  forms::FormFile f = forms::load_form_text(bytes.value());
  if (!f.problems.empty())
    return Status::invalid_argument(package_file.string() + " refused: " + f.problems.front().to_string() +
                                    (f.problems.size() > 1 ? " (and " + std::to_string(f.problems.size() - 1) + " more; run kioskctl form check)" : ""));
  if (!f.package) return Status::invalid_argument(package_file.string() + " is a Questionnaire, not a protocol package");
  const fs::path dir = data_dir / "forms";
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(dir));
  const std::string stem = f.package->participation_type + "-" + f.package->version;
  const fs::path target = dir / (stem + ".json");
  // Signature first: a package file without its signature is never loaded.
  KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(dir / (stem + ".json.sig"), sig.value(), 0600));
  KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(target, bytes.value(), 0600));
  return target;
}

Result<std::vector<forms::ProtocolPackage>> load_installed_packages(const fs::path& data_dir,
                                                                    const platform::SignPublicKey& forms_key) {
  std::vector<forms::ProtocolPackage> out;
  const fs::path dir = data_dir / "forms";
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::map<std::string, forms::ProtocolPackage> newest;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    Result<std::string> bytes = platform::read_file(p, kMaxFormBytes);
    if (!bytes.is_ok()) return bytes.status();
    Result<std::string> sig = platform::read_file(p.string() + ".sig", 4096);
    if (!sig.is_ok()) return sig.status().with_context("installed package " + p.string() + " has no signature");
    KIOSK_RETURN_IF_ERROR(forms::verify_package_signature(bytes.value(), sig.value(), forms_key).with_context(p.string()));
    forms::FormFile f = forms::load_form_text(bytes.value());
    if (!f.ok() || !f.package) return Status::corruption("installed package " + p.string() + " no longer loads");
    // Newest version per participation type (versions compare as dotted numbers).
    auto key = f.package->participation_type;
    auto it = newest.find(key);
    if (it == newest.end() || ver(it->second.version) < ver(f.package->version)) newest[key] = std::move(*f.package);
  }
  for (auto& [k, p] : newest) out.push_back(std::move(p));
  return out;
}

Result<std::vector<std::string>> update_forms_from_server(const fs::path& data_dir, datasync::Transport& transport,
                                                          const platform::SignPublicKey& forms_key) {
  Result<datasync::HttpResponse> list = transport.send({"GET", "/v1/forms", {}, ""});
  if (!list.is_ok()) return list.status();
  json j = json::parse(list->body, nullptr, false);
  if (list->status != 200 || !j.is_object() || !j.contains("forms") || !j["forms"].is_array())
    return Status::io_error("the data bank's form list is not readable (HTTP " + std::to_string(list->status) + ")");
  Result<std::vector<forms::ProtocolPackage>> installed = load_installed_packages(data_dir, forms_key);
  if (!installed.is_ok()) return installed.status();
  std::vector<std::string> done;
  for (const json& f : j["forms"]) {
    if (!f.is_object() || !f.contains("type") || !f["type"].is_string() || !f.contains("version") || !f["version"].is_string()) continue;
    const std::string type = f["type"].get<std::string>(), version = f["version"].get<std::string>();
    if (type.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos ||
        version.find_first_not_of("0123456789.") != std::string::npos)
      continue;
    bool newer = true;
    for (const forms::ProtocolPackage& p : installed.value())
      if (p.participation_type == type && !(ver(p.version) < ver(version))) newer = false;
    if (!newer) continue;
    Result<datasync::HttpResponse> got = transport.send({"GET", "/v1/forms/" + type + "/" + version, {}, ""});
    if (!got.is_ok()) return got.status();
    json pj = json::parse(got->body, nullptr, false);
    if (got->status != 200 || !pj.is_object() || !pj.contains("package") || !pj["package"].is_string() || !pj.contains("sig") || !pj["sig"].is_string())
      return Status::io_error("package " + type + "/" + version + " could not be fetched");
    const fs::path tmp = data_dir / "forms-download";
    KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(tmp));
    KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(tmp / "package.json", pj["package"].get<std::string>(), 0600));
    KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(tmp / "package.json.sig", pj["sig"].get<std::string>(), 0600));
    Result<fs::path> in = install_package(data_dir, tmp / "package.json", tmp / "package.json.sig", forms_key);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    if (!in.is_ok()) return in.status();
    done.push_back(type + "/" + version);
  }
  return done;
}

}  // namespace kiosk
