// bench_ui: the kiosk app's costs on a 1920x1080 screen (Xvfb, Mesa's software OpenGL), with
// the real app in demo mode, driven by real X input (XTest, tests/ui/ui_driver.h).
//
//   first frame   exec -> the kiosk's "first frame after N ms" line on stdout (also the
//                 kiosk's own count from main()); the median of 3 fresh starts (new data
//                 dir each: demo keys are made beside the first frames).
//   idle CPU      CPU time of all the kiosk's threads (/proc/PID/task/*/schedstat, ns) over 30 s
//                 on the attract screen, as % of one core.
//   frame CPU     drag-scrolling the longest consent text (finger ~1000 px/s, up and down):
//                 the process CPU time of each frame drawn (kiosk --frame-log: CPU since the
//                 previous frame, so the idle wake-ups between are counted too); p50/p99/max,
//                 and the plain average (process CPU delta / frames drawn). Under software GL the
//                 kiosk redraws only what changed and copies what scrolled (kiosk/app/redraw.h);
//                 the same drags are then measured on a second kiosk with --full-redraw (every
//                 frame drawn whole and swapped), and the ratio printed.
//   RSS           VmHWM of the kiosk at the end (after scrolling, and a journey restarted at 200 %).
//   atlas         the font atlas with the packages' text (W.json), at 100 % and at 200 % text
//                 (RESULT: the 200 % one, the largest).
//
// Baseline, measured in the same run by this program itself (--baseline mode, a child
// process): an empty GLFW window of the same size and kind (full screen, OpenGL 3, swap
// interval 1) that only clears and swaps: its first frame after exec, its CPU per frame,
// and its CPU % when it redraws continuously (what a loop that never sleeps costs here).
// The X server's own work (Xvfb copies every swapped frame) is not in either process's time.
//
// Usage: bench_ui [--idle-seconds N] [--scroll-seconds N]
// Last line: RESULT first_frame_ms=<x> idle_cpu_pct=<x> frame_p99_ms=<x> rss_mb=<x> atlas=<W>x<H>
#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "ui_driver.h"

namespace fs = std::filesystem;
namespace ts = testing_support;
using Clock = std::chrono::steady_clock;
using ui_test::Ms;

namespace {

constexpr int kWidth = 1920, kHeight = 1080;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_ui: %s\n", what.c_str());
  std::exit(1);
}

std::int64_t mono_ms() {
  timespec t{};
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

std::int64_t process_cpu_us() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000000 + t.tv_nsec / 1000;
}

// utime + stime of `pid`, seconds.
double cpu_seconds(pid_t pid) {
  const std::string stat = ts::read_all("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU time of all threads of `pid` in seconds with nanosecond resolution: the sum of
// /proc/PID/task/*/schedstat (utime+stime in /proc/PID/stat counts 10 ms ticks).
double cpu_seconds_fine(pid_t pid) {
  std::uint64_t ns = 0;
  std::error_code ec;
  for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    unsigned long long run = 0;
    if (std::sscanf(ts::read_all(t.path() / "schedstat").c_str(), "%llu", &run) == 1) ns += run;
  }
  return static_cast<double>(ns) / 1e9;
}

double status_mb(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + std::strlen(key)) / 1024.0;
  return 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

double median(std::vector<double> v) { return percentile(std::move(v), 50); }

// ---------------------------------------------------------------------------------------------
// Baseline mode: the empty window. Prints "baseline first_frame_ms=<x> frame_cpu_p50_ms=<x>
// frame_cpu_p99_ms=<x> busy_cpu_pct=<x>".
int run_baseline(std::int64_t exec_ms) {
  if (!glfwInit()) die("baseline: glfwInit failed");
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWmonitor* monitor = glfwGetPrimaryMonitor();
  GLFWwindow* w = glfwCreateWindow(kWidth, kHeight, "bench_ui baseline", monitor, nullptr);
  if (!w) die("baseline: no OpenGL 3 window");
  glfwMakeContextCurrent(w);
  glfwSwapInterval(1);
  auto frame = [&](float shade) {
    glfwPollEvents();
    glViewport(0, 0, kWidth, kHeight);
    glClearColor(shade, shade, shade, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    glfwSwapBuffers(w);
  };
  frame(0.9f);
  const std::int64_t first = mono_ms() - exec_ms;
  std::vector<double> per_frame;
  std::int64_t last = process_cpu_us();
  const std::int64_t t0 = mono_ms();
  const double c0 = cpu_seconds(::getpid());
  int n = 0;
  while (mono_ms() - t0 < 5000) {
    frame(n % 2 ? 0.9f : 0.85f);
    const std::int64_t now = process_cpu_us();
    per_frame.push_back(static_cast<double>(now - last) / 1000.0);
    last = now;
    ++n;
  }
  const double busy_pct = (cpu_seconds(::getpid()) - c0) / (static_cast<double>(mono_ms() - t0) / 1000.0) * 100.0;
  std::printf("baseline first_frame_ms=%lld frame_cpu_p50_ms=%.3f frame_cpu_p99_ms=%.3f busy_cpu_pct=%.1f frames=%d\n",
              static_cast<long long>(first), percentile(per_frame, 50), percentile(per_frame, 99), busy_pct, n);
  std::fflush(stdout);
  glfwDestroyWindow(w);
  glfwTerminate();
  return 0;
}

struct Baseline {
  double first_ms = 0, frame_p50 = 0, frame_p99 = 0, busy_pct = 0;
};

Baseline measure_baseline(const std::string& display, const std::string& self) {
  ::setenv("DISPLAY", display.c_str(), 1);
  const std::int64_t exec = mono_ms();
  ts::ProcessResult r = ts::run_process({self, "--baseline", std::to_string(exec)}, std::chrono::seconds(60));
  if (r.exit_code != 0) die("the baseline window failed: " + r.err);
  Baseline b;
  const auto at = r.out.find("baseline ");
  if (at == std::string::npos ||
      std::sscanf(r.out.c_str() + at, "baseline first_frame_ms=%lf frame_cpu_p50_ms=%lf frame_cpu_p99_ms=%lf busy_cpu_pct=%lf",
                  &b.first_ms, &b.frame_p50, &b.frame_p99, &b.busy_pct) != 4)
    die("unexpected baseline output: " + r.out);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The participation type and signer whose consent text (Korean) is the longest.
std::pair<std::string, bool> longest_consent() {
  std::pair<std::string, bool> best{"general", false};
  std::size_t best_len = 0;
  for (const char* type : {"general", "rare", "severe"}) {
    const nlohmann::json p =
        nlohmann::json::parse(ts::read_all(fs::path(KIOSK_ASSETS_DIR) / "protocols" / (std::string(type) + ".json")));
    for (const auto& e : p.at("entry")) {
      const auto& q = e.at("resource");
      const std::string id = q.value("id", "");
      const bool rep = id.ends_with("-consent-representative");
      if (!rep && !id.ends_with("-consent")) continue;
      std::size_t len = 0;
      std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& items) {
        for (const auto& it : items) {
          len += it.value("text", "").size();
          if (it.contains("item")) walk(it["item"]);
        }
      };
      walk(q.value("item", nlohmann::json::array()));
      if (len > best_len) best_len = len, best = {type, rep};
    }
  }
  return best;
}

// A kiosk start: exec -> the first-frame line. Returns {external ms, kiosk's own ms}.
std::pair<double, double> time_first_frame(const std::string& display, const fs::path& dir) {
  ::setenv("DISPLAY", display.c_str(), 1);
  const auto t0 = Clock::now();
  ts::Child k({ts::bin("kiosk").string(), "--demo", "--data-dir", (dir / "data").string()});
  std::vector<std::string> lines;
  while (Clock::now() - t0 < std::chrono::seconds(30)) {
    k.read_lines(lines, Ms(2));
    for (const std::string& l : lines) {
      long long own = 0;
      int aw = 0, ah = 0;
      if (std::sscanf(l.c_str(), "kiosk: first frame after %lld ms (atlas %dx%d)", &own, &aw, &ah) == 3) {
        const double ext = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        ::kill(k.pid(), SIGTERM);
        (void)k.wait(Ms(20000));
        return {ext, static_cast<double>(own)};
      }
    }
  }
  die("no first frame within 30 s");
}

// To the longest consent text's reader (the first screen after the signer).
ui_test::Widget open_consent(ui_test::KioskUnderTest& k, const std::string& type, bool rep) {
  (void)k.tap("start");
  (void)k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "language"; }, "language");
  (void)k.tap("next");
  (void)k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "participation"; }, "participation");
  (void)k.tap("type:" + type);
  (void)k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "signer"; }, "signer");
  (void)k.tap(rep ? "signer:representative" : "signer:self");
  const ui_test::Snapshot reading =
      k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "consent-read" && s.has("reader"); }, "the consent text");
  return *reading.find("reader");
}

struct Drags {
  std::int64_t s0 = 0, s1 = 0;  // steady ms
  int strokes = 0;
  double cpu_s = 0;  // the kiosk's, all threads
};

// Drag-scrolls the reader: full-height strokes, 8 px every 8 ms, 4 down then 4 up, for `seconds`.
Drags drag_scroll(ui_test::KioskUnderTest& k, const ui_test::Widget& r, int seconds) {
  std::this_thread::sleep_for(Ms(500));
  Drags d;
  d.s0 = mono_ms();
  const double c0 = cpu_seconds(k.pid());
  const double x_at = r.x + r.w * 0.45, top = r.y + 30, bottom = r.y + r.h - 30;
  while (mono_ms() - d.s0 < seconds * 1000LL) {
    const bool down = (d.strokes / 4) % 2 == 0;  // finger up = text scrolls down
    k.input().drag({{x_at, down ? bottom : top}, {x_at, down ? top : bottom}}, 8, Ms(8), Ms(30));
    ++d.strokes;
  }
  d.s1 = mono_ms();
  d.cpu_s = cpu_seconds(k.pid()) - c0;
  return d;
}

// The frames a frame log holds from the drags' start to 200 ms after their end: process and UI
// thread CPU, ms.
void frames_of(const fs::path& log, const Drags& d, std::vector<double>& frame_ms, std::vector<double>& ui_ms) {
  std::string damage;
  const std::vector<ui_test::FrameRecord> frames = ui_test::read_frame_log(log, damage);
  if (!damage.empty()) die("the kiosk's frame log is damaged: " + damage);
  for (const ui_test::FrameRecord& f : frames)
    if (f.steady_ms >= d.s0 && f.steady_ms <= d.s1 + 200) {
      frame_ms.push_back(static_cast<double>(f.cpu_us) / 1000.0);
      ui_ms.push_back(static_cast<double>(f.ui_cpu_us) / 1000.0);
    }
  if (frame_ms.size() < 10) die("too few frames were drawn while scrolling (" + std::to_string(frame_ms.size()) + ")");
}

// The kiosk's count of frames drawn whole / in part / unchanged, from its exit line.
std::string redraw_counts(ui_test::KioskUnderTest& k) {
  for (const std::string& l : k.stdout_lines())
    if (l.rfind("kiosk: frames drawn whole ", 0) == 0) return l.substr(std::strlen("kiosk: frames drawn "));
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  int idle_seconds = 30, scroll_seconds = 10;
  std::int64_t baseline_exec_ms = -1;
  CLI::App cli{"bench_ui: the kiosk under Xvfb at 1920x1080 against an empty window (first frame, idle CPU, "
               "frame CPU while scrolling, RSS, atlas)"};
  cli.option_defaults()->always_capture_default();  // --help shows each default
  cli.add_option("--idle-seconds", idle_seconds, "how long to measure the idle attract screen")
      ->check(CLI::Range(5, 3600));
  cli.add_option("--scroll-seconds", scroll_seconds, "how long to drag-scroll the longest consent")
      ->check(CLI::Range(3, 600));
  cli.add_option("--baseline", baseline_exec_ms, "internal: run as the empty-window baseline (exec time in ms)")
      ->group("");
  CLI11_PARSE(cli, argc, argv);
  if (baseline_exec_ms >= 0) return run_baseline(baseline_exec_ms);
  const std::string self = fs::read_symlink("/proc/self/exe").string();

  try {
    ui_test::Xvfb x(kWidth, kHeight);
    std::printf("bench_ui: Xvfb %s at %dx%d, %ld cores\n", x.display().c_str(), kWidth, kHeight, ::sysconf(_SC_NPROCESSORS_ONLN));
    std::fflush(stdout);

    // Baseline first (nothing else running).
    const Baseline base = measure_baseline(x.display(), self);

    // First frame: 3 fresh starts.
    std::vector<double> ext, own;
    for (int i = 0; i < 3; ++i) {
      ts::TempDir d;
      auto [e, o] = time_first_frame(x.display(), d.path());
      ext.push_back(e);
      own.push_back(o);
    }

    // The measured session.
    ts::TempDir tmp;
    ui_test::KioskOptions o;
    o.data_dir = tmp.path() / "data";
    o.widgets_file = tmp.path() / "widgets.json";
    o.windowed = "";  // full screen, as on a kiosk
    const fs::path frame_log = tmp.path() / "frames.log";
    o.extra_args = {"--frame-log", frame_log.string()};
    ui_test::KioskUnderTest k(x.display(), o);
    k.wait_ready(Ms(60000));
    const pid_t pid = k.pid();

    // Idle on attract: let set-up and the first sync settle, then measure.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const double idle_c0 = cpu_seconds_fine(pid);
    const auto idle_t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
    const double idle_s = std::chrono::duration<double>(Clock::now() - idle_t0).count();
    const double idle_cpu_s = cpu_seconds_fine(pid) - idle_c0;
    const double idle_pct = idle_cpu_s / idle_s * 100.0;

    // To the longest consent text, and drag it.
    const auto [type, rep] = longest_consent();
    const Drags drags = drag_scroll(k, open_consent(k, type, rep), scroll_seconds);
    const std::int64_t s0 = drags.s0, s1 = drags.s1;
    const double scroll_cpu_s = drags.cpu_s;
    const int strokes = drags.strokes;
    auto atlas_of = [](const ui_test::Snapshot& s) {
      if (!s.j.contains("atlas") || s.j["atlas"].size() != 2) return std::string("?");
      return std::to_string(s.j["atlas"][0].get<int>()) + "x" + std::to_string(s.j["atlas"][1].get<int>());
    };
    std::this_thread::sleep_for(Ms(300));
    const std::string atlas = atlas_of(k.snapshot());

    // The largest text (200 %): the atlas is rebuilt at twice the size. Cancel, start again, choose it.
    (void)k.tap("home");
    (void)k.tap("overlay:erase");
    (void)k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "attract"; }, "attract");
    (void)k.tap("start");
    (void)k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "language"; }, "language");
    (void)k.tap("size:200");
    (void)k.tap("next");
    (void)k.tap("type:" + type);
    (void)k.tap(rep ? "signer:representative" : "signer:self");
    const std::string atlas200 = atlas_of(
        k.wait_until([](const ui_test::Snapshot& s) { return s.screen() == "consent-read" && s.j.value("text_scale", 0) == 200; },
                     "the consent text at 200 %"));
    const double rss = status_mb(pid, "VmHWM:");
    if (k.stop() != 0) die("the kiosk did not end cleanly on SIGTERM");

    const std::string counts = redraw_counts(k);
    std::vector<double> frame_ms, ui_ms;
    frames_of(frame_log, drags, frame_ms, ui_ms);

    // The same drags on a kiosk that draws every frame whole and swaps (--full-redraw): what the
    // partial redraw saves, measured in this run.
    std::vector<double> whole_ms, whole_ui_ms;
    double whole_cpu_pct = 0;
    {
      ts::TempDir t2;
      ui_test::KioskOptions o2 = o;
      o2.data_dir = t2.path() / "data";
      o2.widgets_file = t2.path() / "widgets.json";
      const fs::path log2 = t2.path() / "frames.log";
      o2.extra_args = {"--frame-log", log2.string(), "--full-redraw"};
      ui_test::KioskUnderTest k2(x.display(), o2);
      k2.wait_ready(Ms(60000));
      std::this_thread::sleep_for(std::chrono::seconds(2));
      const Drags d2 = drag_scroll(k2, open_consent(k2, type, rep), scroll_seconds);
      if (k2.stop() != 0) die("the whole-frames kiosk did not end cleanly on SIGTERM");
      frames_of(log2, d2, whole_ms, whole_ui_ms);
      whole_cpu_pct = d2.cpu_s / (static_cast<double>(d2.s1 - d2.s0) / 1000.0) * 100.0;
    }
    const double scroll_s = static_cast<double>(s1 - s0) / 1000.0;
    const double fps = static_cast<double>(frame_ms.size()) / scroll_s;
    const double avg = scroll_cpu_s * 1000.0 / static_cast<double>(frame_ms.size());
    const double p50 = percentile(frame_ms, 50), p99 = percentile(frame_ms, 99), mx = percentile(frame_ms, 100);
    int aw = 0, ah = 0, aw2 = 0, ah2 = 0;
    (void)std::sscanf(atlas.c_str(), "%dx%d", &aw, &ah);
    (void)std::sscanf(atlas200.c_str(), "%dx%d", &aw2, &ah2);

    auto row = [](const char* what, const std::string& value, const std::string& baseline, const std::string& goal, const char* ok) {
      std::printf("  %-34s %-22s %-26s %-16s %s\n", what, value.c_str(), baseline.c_str(), goal.c_str(), ok);
    };
    auto f = [](const char* fmt, double v) {
      char b[64];
      std::snprintf(b, sizeof b, fmt, v);
      return std::string(b);
    };
    std::printf("\nkiosk at %dx%d, full screen, software OpenGL (Mesa llvmpipe), Xvfb\n", kWidth, kHeight);
    std::printf("  %-34s %-22s %-26s %-16s %s\n", "", "kiosk", "baseline (empty window)", "goal", "");
    row("first frame, exec -> frame (median)", f("%.0f ms", median(ext)), f("%.0f ms", base.first_ms), "< 250 ms",
        median(ext) < 250 ? "ok" : "MISSED");
    row("  (kiosk's own, from main; 3 runs)",
        f("%.0f", own[0]) + "/" + f("%.0f", own[1]) + "/" + f("%.0f ms", own[2]), "", "", "");
    row("  (exec -> frame, 3 runs)", f("%.0f", ext[0]) + "/" + f("%.0f", ext[1]) + "/" + f("%.0f ms", ext[2]), "", "", "");
    row(("idle CPU, attract, " + std::to_string(idle_seconds) + " s").c_str(), f("%.3f %%", idle_pct) + f(" (%.0f ms)", idle_cpu_s * 1000),
        f("%.1f %% redrawing always", base.busy_pct), "< 1 %", idle_pct < 1.0 ? "ok" : "MISSED");
    row("frame CPU while drag-scrolling, p99", f("%.2f ms", p99), f("%.2f ms (clear+swap)", base.frame_p99), "< 8 ms",
        p99 < 8.0 ? "ok" : "MISSED");
    row("  p50 / max", f("%.2f", p50) + " / " + f("%.2f ms", mx), f("%.2f ms p50", base.frame_p50), "", "");
    row("  average (CPU delta / frames)", f("%.2f ms", avg), "", "", "");
    row("  of which the UI thread, p50 / p99", f("%.2f", percentile(ui_ms, 50)) + " / " + f("%.2f ms", percentile(ui_ms, 99)),
        "", "", "");
    row("  frames drawn", f("%.0f", static_cast<double>(frame_ms.size())) + f(" (%.0f/s)", fps), "", "", "");
    row("  CPU while scrolling (all threads)", f("%.0f %% of a core", scroll_cpu_s / scroll_s * 100.0), "", "", "");
    row("  frames (kiosk's count)", counts.substr(0, counts.find(" (partial")), "", "", "");
    row("  every frame whole (--full-redraw)", f("p50 %.2f", percentile(whole_ms, 50)) + f(" / p99 %.2f ms", percentile(whole_ms, 99)),
        f("%.0f %% of a core", whole_cpu_pct), "", "");
    row("peak RSS (VmHWM, after 200 % too)", f("%.1f MB", rss), "", "< 150 MB", rss < 150 ? "ok" : "MISSED");
    row("font atlas, 100 % text (packages)", atlas, "", "<= 2048x2048", aw <= 2048 && ah <= 2048 ? "ok" : "MISSED");
    row("font atlas, 200 % text", atlas200, "", "<= 2048x2048", aw2 <= 2048 && ah2 <= 2048 ? "ok" : "MISSED");
    std::printf("  longest consent: %s, %s; %d strokes in %.1f s\n", type.c_str(), rep ? "representative" : "self", strokes, scroll_s);
    std::printf("  ratios: first frame %.1fx the empty window; frame p99 %.1fx clear+swap; frame p50 / p99 %.2fx / %.2fx "
                "the same drags drawn whole\n",
                median(ext) / std::max(1.0, base.first_ms), p99 / std::max(0.001, base.frame_p99),
                p50 / std::max(0.001, percentile(whole_ms, 50)), p99 / std::max(0.001, percentile(whole_ms, 99)));
    std::printf("RESULT first_frame_ms=%.0f idle_cpu_pct=%.3f frame_p99_ms=%.2f rss_mb=%.1f atlas=%s\n", median(ext), idle_pct, p99, rss,
                atlas200.c_str());
    return 0;
  } catch (const std::exception& e) {
    die(e.what());
  }
}
