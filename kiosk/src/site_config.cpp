#include "kiosk/site_config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "platform/fs.h"

namespace kiosk {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxSiteConfigBytes = 64 * 1024;  // a settings file is a few hundred bytes

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {
      "panel_width_mm", "panel_height_mm", "idle_seconds", "idle_warning_seconds", "max_extensions",
      "languages", "participation_types", "collect_rrn", "thank_you_seconds", "panel_bottom_mm", "reach_top_mm",
      "voice_guidance", "scanner_device"};
  return keys;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

// RFC 6901: "~" and "/" in a key are escaped in a JSON pointer.
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char ch : key) {
    if (ch == '~') out += "~0";
    else if (ch == '/') out += "~1";
    else out += ch;
  }
  return out;
}

// A value as it appears in the file, shortened: messages quote what the person wrote.
std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string a_type(const json& v) {
  const std::string t = v.type_name();
  const bool vowel = !t.empty() && std::string("aeiou").find(t[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + t;
}

struct Checker {
  std::vector<std::string> problems;

  void add(const std::string& pointer, const std::string& what) { problems.push_back(pointer + ": " + what); }

  void number(const json& v, const std::string& ptr, double lo, double hi, const char* unit,
              const char* why_low, const char* why_high, double& out) {
    if (!v.is_number()) {
      add(ptr, shown(v) + " is " + a_type(v) + "; expected a number of " + unit + ", " + shown(json(lo)) +
                   ".." + shown(json(hi)));
      return;
    }
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < lo) {
      add(ptr, shown(v) + " is below the minimum " + shown(json(lo)) + " " + unit + " (" + why_low + ")");
    } else if (d > hi) {
      add(ptr, shown(v) + " is above the maximum " + shown(json(hi)) + " " + unit + " (" + why_high + ")");
    } else {
      out = d;
    }
  }

  void integer(const json& v, const std::string& ptr, int lo, int hi, const char* unit, const char* why_low,
               const char* why_high, int& out) {
    if (!v.is_number_integer()) {
      const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
      if (v.is_number()) add(ptr, shown(v) + " is not a whole number (allowed: " + range + " " + unit + ")");
      else add(ptr, shown(v) + " is " + a_type(v) + "; expected a whole number of " + unit + ", " + range);
      return;
    }
    // A huge unsigned value does not fit int64_t: it is above any maximum anyway.
    const std::int64_t n = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
                               ? std::int64_t{hi} + 1
                               : v.get<std::int64_t>();
    if (n < lo) {
      add(ptr, shown(v) + " is below the minimum " + std::to_string(lo) + " (" + why_low + ")");
    } else if (n > hi) {
      add(ptr, shown(v) + " is above the maximum " + std::to_string(hi) + " (" + why_high + ")");
    } else {
      out = static_cast<int>(n);
    }
  }

  void boolean(const json& v, const std::string& ptr, bool& out) {
    if (!v.is_boolean()) {
      add(ptr, shown(v) + " is " + a_type(v) + "; expected true or false");
      return;
    }
    out = v.get<bool>();
  }

  // A device node's path: "" (none) or absolute under /dev, without "." or ".." steps (the
  // kiosk opens it as it is; a path that leaves /dev is a mistake, never meant).
  void device_path(const json& v, const std::string& ptr, std::string& out) {
    const char* example = "a path such as \"/dev/input/by-id/usb-Vendor_Scanner-event-kbd\" (ls -l "
                          "/dev/input/by-id/), or \"\" to detect scanner bursts on the keyboard";
    if (!v.is_string()) {
      add(ptr, shown(v) + " is " + a_type(v) + "; expected " + example);
      return;
    }
    const std::string p = v.get<std::string>();
    if (p.empty()) {
      out.clear();
      return;
    }
    if (p.size() > kMaxScannerDevicePath) {
      add(ptr, "the path has " + std::to_string(p.size()) + " characters; at most " +
                   std::to_string(kMaxScannerDevicePath));
      return;
    }
    if (p.rfind("/dev/", 0) != 0) {
      add(ptr, shown(v) + " is not under /dev/; expected " + example);
      return;
    }
    for (std::size_t i = 0; i < p.size(); ++i) {
      const unsigned char ch = static_cast<unsigned char>(p[i]);
      if (ch < 0x20 || ch == 0x7f) {
        add(ptr, shown(v) + " holds a control character");
        return;
      }
    }
    const std::string with_end = p + "/";
    if (with_end.find("/./") != std::string::npos || with_end.find("/../") != std::string::npos ||
        p.back() == '/') {
      add(ptr, shown(v) + " must name the device itself (no \".\" or \"..\" steps, no trailing /); "
                          "expected " + example);
      return;
    }
    out = p;
  }

  // A non-empty list of distinct codes from `allowed`.
  void code_set(const json& v, const std::string& ptr, const std::vector<std::string>& allowed, const char* what,
                std::vector<std::string>& out) {
    const std::string options = join(allowed, ", ");
    if (!v.is_array()) {
      add(ptr, shown(v) + " is " + a_type(v) + "; expected a list such as " + shown(json(allowed)));
      return;
    }
    if (v.empty()) {
      add(ptr, "the list is empty; give at least one of " + options);
      return;
    }
    std::vector<std::string> codes;
    const std::size_t before = problems.size();
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string p = ptr + "/" + std::to_string(i);
      const json& item = v[i];
      if (!item.is_string()) {
        add(p, shown(item) + " is " + a_type(item) + "; expected one of " + options);
        continue;
      }
      const std::string code = item.get<std::string>();
      if (std::find(allowed.begin(), allowed.end(), code) == allowed.end()) {
        add(p, shown(item) + " is not " + what + " (allowed: " + options + ")");
      } else if (std::find(codes.begin(), codes.end(), code) != codes.end()) {
        add(p, shown(item) + " is listed twice");
      } else {
        codes.push_back(code);
      }
    }
    if (problems.size() == before) out = std::move(codes);
  }
};

// The text of a nlohmann parse error without its "[json.exception...] parse error at line L,
// column C: " prefix (we say where ourselves).
std::string parse_error_detail(const std::string& what) {
  std::string s = what;
  if (const std::size_t b = s.find("] "); s.rfind("[json.exception", 0) == 0 && b != std::string::npos)
    s = s.substr(b + 2);
  if (s.rfind("parse error", 0) == 0) {
    if (const std::size_t colon = s.find(": "); colon != std::string::npos) s = s.substr(colon + 2);
  }
  if (s.size() > 200) s = s.substr(0, 197) + "...";
  return s;
}

}  // namespace

platform::Result<SiteConfig> parse_site_config(std::string_view json_text) {
  // Duplicate keys: nlohmann keeps the last silently; a settings file that says two things
  // about one setting is a mistake worth reporting. Only the top level matters here (nested
  // values are wrong types anyway).
  std::vector<std::set<std::string>> open_objects;
  std::vector<std::string> duplicates;
  const json::parser_callback_t track = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      const std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second && open_objects.size() == 1) duplicates.push_back(key);
    }
    return true;
  };

  json doc;
  try {
    doc = json::parse(json_text.begin(), json_text.end(), track);
  } catch (const json::parse_error& e) {
    // Line and column from the byte offset, counted here so that the message does not depend on
    // the library's wording.
    const std::size_t at = std::min<std::size_t>(e.byte, json_text.size());
    const std::size_t upto = at > 0 ? at - 1 : 0;
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < upto; ++i) {
      if (json_text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return platform::Status::invalid_argument("not valid JSON at line " + std::to_string(line) + ", column " +
                                              std::to_string(upto - line_start + 1) + " (byte " +
                                              std::to_string(e.byte) + "): " + parse_error_detail(e.what()));
  } catch (const json::exception& e) {  // e.g. a number too large for a double
    return platform::Status::invalid_argument("not valid JSON: " + parse_error_detail(e.what()));
  }

  if (!doc.is_object()) {
    return platform::Status::invalid_argument("the site settings must be a JSON object of settings, not " +
                                              a_type(doc));
  }

  SiteConfig c;
  Checker ck;
  for (const std::string& key : duplicates)
    ck.add("/" + pointer_token(key), "given more than once; keep one (otherwise the last one would win silently)");
  for (const auto& [key, v] : doc.items()) {
    const std::string ptr = "/" + pointer_token(key);
    if (key == "panel_width_mm") {
      ck.number(v, ptr, kMinPanelMm, kMaxPanelMm, "mm",
                "measure the active area of the display, in millimetres; touch targets are sized from it",
                "measure the active area of the display, in millimetres; touch targets are sized from it",
                c.panel_width_mm);
    } else if (key == "panel_height_mm") {
      ck.number(v, ptr, kMinPanelMm, kMaxPanelMm, "mm",
                "measure the active area of the display, in millimetres; touch targets are sized from it",
                "measure the active area of the display, in millimetres; touch targets are sized from it",
                c.panel_height_mm);
    } else if (key == "idle_seconds") {
      ck.integer(v, ptr, kMinIdleSeconds, kMaxIdleSeconds, "seconds",
                 "a participant reading a consent page would be interrupted",
                 "a walked-away session would stay on screen too long", c.idle_seconds);
    } else if (key == "idle_warning_seconds") {
      ck.integer(v, ptr, kMinIdleWarningSeconds, kMaxIdleWarningSeconds, "seconds",
                 "the participant needs time to react", "a walked-away session would stay on screen too long",
                 c.idle_warning_seconds);
    } else if (key == "max_extensions") {
      ck.integer(v, ptr, kMinExtensions, kMaxExtensions, "presses",
                 "a slow reader must be able to ask for more time often enough",
                 "an abandoned session must end eventually", c.max_extensions);
    } else if (key == "thank_you_seconds") {
      ck.integer(v, ptr, kMinThankYouSeconds, kMaxThankYouSeconds, "seconds",
                 "too short to read where to go next", "the kiosk would be unavailable too long",
                 c.thank_you_seconds);
    } else if (key == "languages") {
      ck.code_set(v, ptr, {"ko", "en"}, "a supported language", c.languages);
    } else if (key == "participation_types") {
      ck.code_set(v, ptr, {"rare", "severe", "general"}, "a participation type", c.participation_types);
    } else if (key == "collect_rrn") {
      ck.boolean(v, ptr, c.collect_rrn);
    } else if (key == "panel_bottom_mm") {
      ck.number(v, ptr, kMinPanelBottomMm, kMaxPanelBottomMm, "mm",
                "measure from the floor to the lower edge of the display's active area",
                "measure from the floor to the lower edge of the display's active area", c.panel_bottom_mm);
    } else if (key == "reach_top_mm") {
      ck.number(v, ptr, kMinReachTopMm, kMaxReachTopMm, "mm",
                "the low layout's band would be too low to reach over the kiosk's base",
                "a seated person cannot reach that high; 1200 mm is the usual limit", c.reach_top_mm);
    } else if (key == "voice_guidance") {
      ck.boolean(v, ptr, c.voice_guidance);
    } else if (key == "scanner_device") {
      ck.device_path(v, ptr, c.scanner_device);
    } else {
      ck.add(ptr, "unknown setting (known: " + join(known_keys(), ", ") + ")");
    }
  }
  // Both heights can be right on their own and still leave no room for the low layout.
  if (ck.problems.empty() && c.reach_top_mm - c.panel_bottom_mm < kMinLowBandMm) {
    ck.add("/reach_top_mm", shown(json(c.reach_top_mm)) + " mm leaves a low-layout band of " +
                                shown(json(c.reach_top_mm - c.panel_bottom_mm)) + " mm above the panel's lower edge (" +
                                shown(json(c.panel_bottom_mm)) + " mm, /panel_bottom_mm); at least " +
                                shown(json(kMinLowBandMm)) + " mm is needed: mount the panel lower");
  }
  if (ck.problems.empty()) return c;
  if (ck.problems.size() == 1) return platform::Status::invalid_argument(ck.problems.front());
  return platform::Status::invalid_argument(std::to_string(ck.problems.size()) +
                                            " problems in the site settings:\n" + join(ck.problems, "\n"));
}

std::string site_config_to_json(const SiteConfig& c) {
  // ordered_json: the file lists the settings in the order of the struct, as documented.
  nlohmann::ordered_json j;
  j["panel_width_mm"] = c.panel_width_mm;
  j["panel_height_mm"] = c.panel_height_mm;
  j["idle_seconds"] = c.idle_seconds;
  j["idle_warning_seconds"] = c.idle_warning_seconds;
  j["max_extensions"] = c.max_extensions;
  j["languages"] = c.languages;
  j["participation_types"] = c.participation_types;
  j["collect_rrn"] = c.collect_rrn;
  j["thank_you_seconds"] = c.thank_you_seconds;
  j["panel_bottom_mm"] = c.panel_bottom_mm;
  j["reach_top_mm"] = c.reach_top_mm;
  j["voice_guidance"] = c.voice_guidance;
  j["scanner_device"] = c.scanner_device;
  return j.dump(2) + "\n";
}

platform::Result<SiteConfig> load_site_config(const fs::path& data_dir, bool create_default_if_missing) {
  const fs::path path = data_dir / kSiteConfigFile;
  platform::Result<std::string> text = platform::read_file(path, kMaxSiteConfigBytes);
  if (text.is_ok()) {
    platform::Result<SiteConfig> parsed = parse_site_config(*text);
    if (!parsed.is_ok()) return parsed.status().with_context(path.string());
    return parsed;
  }
  if (text.status().kind() != platform::StatusKind::kNotFound) return text.status();
  if (!create_default_if_missing) {
    return platform::Status::not_found("site settings missing: " + path.string() +
                                       " does not exist (provisioning writes it; it may be written by hand)");
  }
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec)) {
    return platform::Status::not_found("cannot create " + path.string() + ": the data dir " + data_dir.string() +
                                       " does not exist");
  }
  const SiteConfig defaults;
  // Never over a file that appeared since the read (another process provisioning): read it.
  platform::Status written = platform::write_file_atomic(path, site_config_to_json(defaults), 0600, false);
  if (written.kind() == platform::StatusKind::kAlreadyExists) return load_site_config(data_dir, false);
  if (!written.is_ok()) return written.with_context("cannot write the default site settings");
  return defaults;
}

double SiteConfig::low_band_mm() const {
  return std::clamp(reach_top_mm - panel_bottom_mm, std::min(kMinLowBandMm, panel_height_mm), panel_height_mm);
}

double mm_to_px(double mm, int framebuffer_px, double panel_mm) {
  if (!std::isfinite(panel_mm) || panel_mm <= 0) panel_mm = SiteConfig{}.panel_width_mm;
  return mm * static_cast<double>(framebuffer_px) / panel_mm;
}

double min_touch_target_px(const SiteConfig& config, int framebuffer_width_px, int framebuffer_height_px) {
  return std::max(mm_to_px(kMinTouchTargetMm, framebuffer_width_px, config.panel_width_mm),
                  mm_to_px(kMinTouchTargetMm, framebuffer_height_px, config.panel_height_mm));
}

}  // namespace kiosk
