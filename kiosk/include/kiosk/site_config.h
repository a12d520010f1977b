// kiosk/site_config.h: the site's settings, <data dir>/site.json.
//
// What differs between the 38 hospitals and between kiosks of one hospital, set by IT staff
// at provisioning: the panel's physical size (so that touch targets are 12 mm whatever the
// screen's resolution), idle times, the languages offered, the participation types the site
// recruits, whether the resident registration number is collected, how long the thank-you
// screen stays up, and the barcode scanner's input device (if it is read as one).
//
// The file is strict: an unknown key (a typo such as "idle_second") is an error, never a
// silent default; every wrong value is reported with its JSON pointer and what is allowed, all
// problems of a file in one message, so one edit fixes them all. A key left out takes its
// default. A missing file is created with the defaults only when the caller asks (kioskctl
// provisioning, demo mode); the kiosk itself refuses to start without one.
//
// Thread-safety: pure functions, and load_site_config touches only its own file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace kiosk {

inline constexpr const char* kSiteConfigFile = "site.json";

struct SiteConfig {
  // The active area of the display in millimetres. Defaults: a 23.8" 16:9 panel.
  double panel_width_mm = 527;
  double panel_height_mm = 296;
  int idle_seconds = 120;          // no input for this long -> the idle warning
  int idle_warning_seconds = 30;   // the warning's countdown, then the session is wiped
  int max_extensions = 10;         // "more time" presses per session
  std::vector<std::string> languages = {"ko", "en"};                       // offered, in this order
  std::vector<std::string> participation_types = {"rare", "severe", "general"};  // recruited here
  bool collect_rrn = false;        // ask for the resident registration number (if the form does)
  int thank_you_seconds = 30;      // the thank-you screen, then back to attract
  // Accessibility (issue 7). The low layout puts every control into the band of the panel
  // below reach_top_mm above the floor; its height is reach_top_mm - panel_bottom_mm, at most
  // the panel's height. Defaults: a panel whose active area starts 1050 mm above the floor,
  // and 1200 mm, the upper reach from a wheelchair in KS X 9211's public summaries: a 150 mm
  // band, about 70 % of a 15.6" 1280x800 panel (210 mm high), half of the default 23.8" one.
  double panel_bottom_mm = 1050;   // floor to the lower edge of the active area
  double reach_top_mm = 1200;      // floor to the top of the low layout's band
  bool voice_guidance = true;      // spoken guidance can be started (false: keypad only, silent)
  // The USB barcode scanner as its own input device (issue 6, kiosk/scanner_evdev.h), e.g.
  // "/dev/input/by-id/usb-Vendor_Scanner-event-kbd"; "" (the default): scans are told from
  // typing by their speed on the keyboard path (kiosk/kit.h ScanDetector).
  std::string scanner_device;

  // The low layout's band in millimetres of the panel (see above). REQUIRES: a checked config.
  double low_band_mm() const;

  bool operator==(const SiteConfig&) const = default;
};

// Limits (inclusive) checked by parse_site_config.
inline constexpr double kMinPanelMm = 100, kMaxPanelMm = 2000;
inline constexpr int kMinIdleSeconds = 30, kMaxIdleSeconds = 1800;
inline constexpr int kMinIdleWarningSeconds = 20, kMaxIdleWarningSeconds = 300;
inline constexpr int kMinExtensions = 10, kMaxExtensions = 100;
inline constexpr int kMinThankYouSeconds = 5, kMaxThankYouSeconds = 300;
inline constexpr double kMinPanelBottomMm = 300, kMaxPanelBottomMm = 1800;
inline constexpr double kMinReachTopMm = 700, kMaxReachTopMm = 1600;
inline constexpr std::size_t kMaxScannerDevicePath = 255;
// The smallest useful band: a title, one row of 12 mm controls and the bottom bar, with gaps.
inline constexpr double kMinLowBandMm = 100;

// Parses and checks the text of a site.json. kInvalidArgument with every problem, one per
// line ("/idle_warning_seconds: 10 is below the minimum 20 (...)"), or with the line and byte
// of a JSON syntax error.
platform::Result<SiteConfig> parse_site_config(std::string_view json_text);

// Pretty JSON (two-space indent, keys in declaration order, trailing newline) that
// parse_site_config reads back to an equal SiteConfig.
std::string site_config_to_json(const SiteConfig& config);

// Reads <data_dir>/site.json. If it is missing: with create_default_if_missing the defaults
// are written there (atomically, mode 0600, never over a file that appeared meanwhile) and
// returned; without, kNotFound naming the path. Errors carry the file's path.
platform::Result<SiteConfig> load_site_config(const std::filesystem::path& data_dir,
                                              bool create_default_if_missing);

// Millimetres on the panel to framebuffer pixels along one axis: `framebuffer_px` pixels span
// `panel_mm` millimetres. REQUIRES: panel_mm > 0 (a checked SiteConfig's sizes are); otherwise
// the default panel width is used, so that touch targets stay large rather than vanish.
double mm_to_px(double mm, int framebuffer_px, double panel_mm);

// The smallest touch target (DESIGN: 12 mm) in pixels for this panel and framebuffer: the
// larger of the horizontal and vertical scales, so a target is at least 12 mm both ways even
// if the pixels are not square.
inline constexpr double kMinTouchTargetMm = 12.0;
double min_touch_target_px(const SiteConfig& config, int framebuffer_width_px, int framebuffer_height_px);

}  // namespace kiosk
