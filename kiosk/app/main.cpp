// kiosk: the participant's touchscreen app (Dear ImGui 1.86 + GLFW on X11 + OpenGL 3).
//
//   kiosk --demo [--data-dir D] [--windowed 1280x800]
//
// --demo needs no provisioning: demo keys (kioskctl demo-init), the repository's protocol
// packages signed with the demo key, and a local data bank (databank-ingest on loopback,
// started and stopped by the kiosk), with sync running. Without --demo the data dir must hold
// a provisioned device (kioskctl provision).
//
// The frame loop sleeps while nothing happens: it draws only after input (and a few frames
// after it, which Dear ImGui needs to see a press and a release), while something animates,
// and once a second while a countdown is shown.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <png.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "a11y.h"
#include "app.h"
#include "redraw.h"
#include "staff_ui.h"
#include "forms/enrollment_bundle.h"
#include "kiosk/device.h"
#include "kiosk/form_tools.h"
#include "kiosk/pointer_queue.h"
#include "kiosk/site_config.h"
#include "platform/clock.h"
#include "platform/fs.h"
#include "platform/hardening.h"
#include "platform/paths.h"
#include "platform/ulid.h"
#include "strings.h"
#include "sync/transport.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "sync/uploader.h"

extern char** environ;

namespace fs = std::filesystem;
using platform::Result;
using platform::Status;

namespace kiosk::app {
namespace {

std::atomic<bool> g_quit{false};
std::atomic<int> g_wake{0};

// Key events and pointer presses since the last loop turn (GLFW calls back on the UI thread
// inside glfwPollEvents); A11y takes them between frames.
struct KeyEvent {
  int key, action, mods;
};
std::vector<KeyEvent> g_keys;
bool g_pointer_pressed = false;
// The pointer as it moved, each press and release where it happened (see pointer_queue.h).
kiosk::PointerQueue g_pointer;

// The name on the nurse's verification card as it is written on an ID: Korean names without a
// space (김테스트), other scripts family name, space, given name ("Kim Test").
std::string card_name(const std::string& family, const std::string& given) {
  auto hangul_start = [](const std::string& s) {
    // U+AC00..U+D7A3 in UTF-8 begin with 0xEA..0xED.
    return !s.empty() && static_cast<unsigned char>(s[0]) >= 0xEA && static_cast<unsigned char>(s[0]) <= 0xED;
  };
  if (family.empty() || given.empty() || (hangul_start(family) && hangul_start(given))) return family + given;
  return family + " " + given;
}

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
std::int64_t steady_ms() { return steady_us() / 1000; }

// CPU time of the whole process (all threads, also Mesa's) or of the calling thread, microseconds.
std::int64_t cpu_us(clockid_t which) {
  timespec ts{};
  ::clock_gettime(which, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// A child process we started (the demo data bank); ended by its PID on exit.
struct Child {
  pid_t pid = -1;
  int out = -1;
  ~Child() { stop(); }
  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int st = 0;
      for (int i = 0; i < 50 && ::waitpid(pid, &st, WNOHANG) == 0; ++i) ::usleep(20000);
      if (::waitpid(pid, &st, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
      }
      pid = -1;
    }
    if (out >= 0) ::close(out);
    out = -1;
  }
};

Status spawn(const std::vector<std::string>& argv, Child& child) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return platform::status_from_errno(errno, "pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
  posix_spawn_file_actions_addclose(&fa, pipefd[0]);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int rc = posix_spawn(&child.pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    child.pid = -1;
    return platform::status_from_errno(rc, "starting " + argv[0]);
  }
  child.out = pipefd[0];
  return Status::ok();
}

// Runs a command to completion; its output is returned (stdout), failure names the command.
Result<std::string> run(const std::vector<std::string>& argv, int timeout_ms = 30000) {
  Child c;
  KIOSK_RETURN_IF_ERROR(spawn(argv, c));
  std::string out;
  const std::int64_t end = steady_ms() + timeout_ms;
  char buf[4096];
  for (;;) {
    pollfd p{c.out, POLLIN, 0};
    const int left = static_cast<int>(end - steady_ms());
    if (left <= 0 || ::poll(&p, 1, left) <= 0) return Status::io_error(argv[0] + " did not finish in time");
    const ssize_t n = ::read(c.out, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  int st = 0;
  ::waitpid(c.pid, &st, 0);
  c.pid = -1;
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return Status::io_error(fs::path(argv[0]).filename().string() + " " + argv[1] + " failed");
  return out;
}

fs::path exe_dir() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : p.parent_path();
}

struct Services {
  std::unique_ptr<Device> device;
  std::unique_ptr<datasync::SqliteOutbox> outbox;
  std::unique_ptr<datasync::Submitter> submitter;
  std::unique_ptr<datasync::Transport> transport;  // one, reused: keeps its connection
  std::unique_ptr<datasync::SyncService> sync;
  std::vector<forms::ProtocolPackage> packages;
  platform::SystemClock clock;
  Child databank;
};

// Demo: the device, packages and a local data bank; then the outbox and sync.
Status set_up(const fs::path& data_dir, bool demo, Services& sv) {
  const fs::path bin = exe_dir();
  if (demo) {
    KIOSK_RETURN_IF_ERROR(run({(bin / "kioskctl").string(), "--data-dir", data_dir.string(), "demo-init"}).status());
  }
  Result<std::unique_ptr<Device>> dev = load_device(data_dir);
  if (!dev.is_ok()) return dev.status();
  sv.device = std::move(dev.value());
  std::string url = sv.device->server_url;
  if (demo) {
    // The demo data bank's store beside the demo keys: keys/ holds copies of its key files.
    const fs::path bank = data_dir / kDemoDatabankDir;
    const fs::path server = bank / "server";
    KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(server / "keys"));
    for (const char* f : {"seal.pub", "seal.key", "receipt.pub", "receipt.key", "forms.pub", "forms.key"}) {
      std::error_code ec;
      if (!fs::exists(server / "keys" / f)) fs::copy_file(bank / f, server / "keys" / f, ec);
      if (ec) return Status::io_error("copying demo data bank key " + std::string(f) + ": " + ec.message());
    }
    KIOSK_RETURN_IF_ERROR(run({(bin / "databank-ingest").string(), "add-device", "--dir", server.string(), "--device",
                               sv.device->identity.device_id, "--site", sv.device->identity.site, "--sign-pub",
                               (data_dir / "keys" / "device.sign.pub").string()})
                              .status());
    KIOSK_RETURN_IF_ERROR(
        spawn({(bin / "databank-ingest").string(), "serve", "--dir", server.string(), "--listen", "127.0.0.1:0"}, sv.databank));
    std::string line;
    char c = 0;
    const std::int64_t end = steady_ms() + 10000;
    while (line.find('\n') == std::string::npos && steady_ms() < end) {
      pollfd p{sv.databank.out, POLLIN, 0};
      if (::poll(&p, 1, 200) > 0 && ::read(sv.databank.out, &c, 1) == 1) line += c;
    }
    const auto at = line.find("127.0.0.1:");
    if (at == std::string::npos) return Status::io_error("the demo data bank did not start");
    url = "http://" + line.substr(at, line.find(' ', at) - at);
  }
  Result<std::unique_ptr<datasync::SqliteOutbox>> box = datasync::SqliteOutbox::open(data_dir / kDatabaseFile);
  if (!box.is_ok()) return box.status();
  sv.outbox = std::move(box.value());
  sv.submitter = std::make_unique<datasync::Submitter>(*sv.outbox, sv.device->identity, sv.device->databank_seal,
                                                       sv.device->local_key, sv.clock);
  Result<std::vector<forms::ProtocolPackage>> pk = load_installed_packages(data_dir, sv.device->databank_forms);
  if (!pk.is_ok()) return pk.status();
  sv.packages = std::move(pk.value());
  if (!url.empty()) {
    datasync::CurlOptions o;
    o.base_url = url;
    o.pinned_spki_sha256 = sv.device->tls_pin;
    o.ca_file = sv.device->ca_file;
    auto t = datasync::make_curl_transport(o);
    if (!t.is_ok()) return t.status();
    sv.transport = std::move(t.value());
    Device* d = sv.device.get();
    datasync::SqliteOutbox* ob = sv.outbox.get();
    datasync::Transport* tr = sv.transport.get();
    platform::SystemClock* clk = &sv.clock;
    sv.sync = std::make_unique<datasync::SyncService>(
        [d, ob, tr, clk]() {
          return std::make_unique<datasync::Uploader>(*ob, *tr, d->identity.device_id, d->identity.sign_key,
                                                      d->databank_receipt, *clk);
        },
        *sv.outbox, sv.clock);
    sv.sync->start();
  }
  return Status::ok();
}

// Written beside as <name>.png.tmp, then renamed over <name>.png: a reader (the UI tests check
// every screenshot while the kiosk may be saving the same screen again) never sees half a file.
Status write_png_rgba(const fs::path& path, int w, int h, const std::vector<unsigned char>& rgba) {
  const fs::path tmp = fs::path(path.string() + ".tmp");
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return platform::status_from_errno(errno, "writing " + tmp.string());
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    std::error_code ec;
    fs::remove(tmp, ec);
    return Status::io_error("PNG encoding failed for " + path.string());
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  std::vector<unsigned char> row(static_cast<std::size_t>(w) * 3);
  for (int y = h - 1; y >= 0; --y) {  // OpenGL rows are bottom-up
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        row[static_cast<std::size_t>(x * 3 + c)] = rgba[static_cast<std::size_t>((y * w + x) * 4 + c)];
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(f) != 0) return platform::status_from_errno(errno, "writing " + tmp.string());
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::io_error("renaming " + tmp.string() + " to " + path.string() + ": " + ec.message());
  return Status::ok();
}

void dump_widgets(const fs::path& file, const App& app, const Ui& ui, int frame, bool stable, const A11y& a11y,
                  ImVec4 band, const StaffUi& staff) {
  nlohmann::json j;
  j["screen"] = staff.active() ? staff_screen_name(staff.screen()) : screen_name(app.flow.screen());
  j["key"] = staff.active() ? staff.screen_key() : screen_key(app.flow);
  if (staff.active()) j["staff"] = staff.probe();
  j["frame"] = frame;
  j["stable"] = stable;  // the same screen for 2 frames: layout and fonts have settled
  j["ready"] = app.ready;
  if (!app.not_ready_reason.empty()) j["not_ready_reason"] = app.not_ready_reason;  // set-up failed
  j["language"] = app.flow.language();
  j["text_scale"] = app.flow.text_scale_pct();
  j["high_contrast"] = app.flow.high_contrast();
  j["atlas"] = {static_cast<int>(ui.atlas_size().x), static_cast<int>(ui.atlas_size().y)};
  j["editing"] = app.editing ? app.editing->field : "";
  if (app.editing) j["preedit"] = app.editing->entry->preedit();
  if (app.editing && !app.editing->masked) j["typed"] = app.editing->entry->text();
  j["submit_result"] = app.submit_result.load();
  // Accessibility (issue 7): the keypad focus, voice mode, and the window the screens draw in
  // (the whole framebuffer, or the low layout's band).
  j["focus"] = ui.focus_id();
  j["order"] = ui.focus_order();
  j["voice"] = a11y.voice_on();
  j["low_layout"] = app.low_layout;
  j["window"] = {band.x, band.y, band.z, band.w};
  // Physical size (issue 5/7: touch targets >= 12 mm, gaps >= 2.5 mm): the scale the widget
  // layer sized everything with (from the site's panel_width_mm/panel_height_mm and the
  // framebuffer), and the framebuffer, so that a test can recompute the scale from site.json.
  const ImGuiIO& io = ImGui::GetIO();
  j["px_per_mm"] = ui.mm(1.0);
  j["framebuffer"] = {io.DisplaySize.x * io.DisplayFramebufferScale.x, io.DisplaySize.y * io.DisplayFramebufferScale.y};
  nlohmann::json ws = nlohmann::json::array();
  for (const WidgetRecord& w : ui.widgets())
    ws.push_back({{"id", w.id}, {"label", w.label}, {"kind", w.kind}, {"x", w.rect.x}, {"y", w.rect.y}, {"w", w.rect.z},
                  {"h", w.rect.w}, {"enabled", w.enabled}, {"selected", w.selected}, {"focusable", w.focusable},
                  {"focused", w.focused}, {"clipped", w.clipped}, {"clip", {w.clip.x, w.clip.y, w.clip.z, w.clip.w}}});
  for (std::size_t i = 0; i < ui.widgets().size(); ++i)  // a text field's spoken name (its label is its value)
    if (!ui.widgets()[i].name.empty()) ws[i]["name"] = ui.widgets()[i].name;
  j["widgets"] = ws;
  j["titles"] = ui.titles();  // in drawing order (the voice guidance says a screen's first, an overlay's last)
  nlohmann::json pairs = nlohmann::json::array();  // text colour on background, drawn this frame
  for (const kiosk::ColorPair& p : ui.text_pairs()) pairs.push_back({kiosk::to_hex(p.fg), kiosk::to_hex(p.bg)});
  j["text_pairs"] = pairs;
  (void)platform::write_file_atomic(file, j.dump(), 0600, true);
}

std::string font_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* p : {"/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf", "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
                        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"})
    if (fs::exists(p)) return p;
  return "";
}

}  // namespace
}  // namespace kiosk::app

int main(int argc, char** argv) {
  using namespace kiosk::app;
  const std::int64_t t_start = steady_ms();
  // Names, answers, the RRN, a nurse's open card: a crash must not write them to disk.
  if (platform::Status s = platform::forbid_core_dumps(); !s.is_ok()) {
    std::fprintf(stderr, "kiosk: %s\n", s.to_string().c_str());
    return 1;
  }
  CLI::App cli{"kiosk: the enrollment kiosk's touchscreen app (participants; staff use kioskctl)"};
  bool demo = false;
  std::optional<std::string> data_dir_flag;
  std::string windowed, test_widgets, screenshots, font_flag, frame_log;
  int exit_after_ms = 0;
  cli.add_flag("--demo", demo, "no provisioning: demo keys, the repository's packages and a local data bank on loopback");
  cli.add_option("--data-dir", data_dir_flag, "data dir (default: $KIOSK_DATA_DIR, else ~/.local/share/bbd-kiosk)");
  cli.add_option("--windowed", windowed, "a window of WxH pixels instead of full screen (development), e.g. 1280x800 or 1080x1920");
  cli.add_option("--font", font_flag, "a TTF with Korean glyphs (default: Debian's fonts-nanum)");
  cli.add_option("--test-widgets", test_widgets, "test mode: write the visible widgets (id, label, rectangle) as JSON to FILE");
  cli.add_option("--screenshots", screenshots, "test mode: save a PNG of every new screen and mode (language, text size, contrast) into DIR, once settled");
  cli.add_option("--exit-after-ms", exit_after_ms, "benchmarks: quit after this many milliseconds");
  std::string speech_mode = "device", speech_out, speech_log;
  cli.add_option("--speech", speech_mode, "voice guidance output: device (default), null (synthesize, discard), off")
      ->check(CLI::IsMember({"device", "null", "off"}));
  cli.add_option("--speech-out", speech_out, "voice guidance into WAV files in DIR (one per utterance) instead of the device");
  cli.add_option("--speech-log", speech_log, "test mode: append what is said, one JSON line {text, lang} each, to FILE");
  cli.add_option("--frame-log", frame_log,
                 "benchmarks and UI tests: one line per drawn frame into FILE: <CLOCK_MONOTONIC ms> <CPU us since the previous frame: "
                 "process> <UI thread>");
  bool full_redraw = false, verify_redraw = false;
  cli.add_flag("--full-redraw", full_redraw,
               "draw every frame whole and swap, also under software OpenGL (where by default only what changed is redrawn)");
  cli.add_flag("--verify-redraw", verify_redraw,
               "UI tests: after each partial redraw, draw the frame whole as well and count the pixels that differ "
               "(printed at exit)");
  CLI11_PARSE(cli, argc, argv);
  // What is said includes names and birth dates (RRN and phone never): in files it would be
  // plaintext personal data, which a real kiosk must not keep (DESIGN 3.2). Tests and demos only.
  if ((!speech_out.empty() || !speech_log.empty()) && !demo) {
    std::fprintf(stderr, "kiosk: --speech-out and --speech-log write what is said to files: only with --demo\n");
    return 2;
  }

  int win_w = 0, win_h = 0;
  if (!windowed.empty() && (std::sscanf(windowed.c_str(), "%dx%d", &win_w, &win_h) != 2 || win_w < 320 || win_h < 320 ||
                            win_w > 8192 || win_h > 8192)) {
    std::fprintf(stderr, "kiosk: --windowed must be WxH, each 320..8192 (got \"%s\")\n", windowed.c_str());
    return 2;
  }
  if (Status s = platform::crypto_init(); !s.is_ok()) {
    std::fprintf(stderr, "kiosk: %s\n", s.to_string().c_str());
    return 1;
  }
  auto dir = platform::resolve_data_dir(data_dir_flag);
  if (!dir.is_ok()) {
    std::fprintf(stderr, "kiosk: %s\n", dir.status().to_string().c_str());
    return 1;
  }
  const fs::path data_dir = dir.value();
  auto site = kiosk::load_site_config(data_dir, /*create_default_if_missing=*/true);
  if (!site.is_ok()) {
    std::fprintf(stderr, "kiosk: site settings: %s\n", site.status().to_string().c_str());
    return 2;
  }
  const std::string font = font_path(font_flag);
  if (font.empty() || !fs::exists(font)) {
    std::fprintf(stderr, "kiosk: no Korean font found (install fonts-nanum, or give --font FILE)\n");
    return 2;
  }
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) {
    std::fprintf(stderr, "kiosk: no display (DISPLAY is not set); the kiosk needs an X server. Staff tools: kioskctl\n");
    return 2;
  }
  glfwSetErrorCallback([](int code, const char* msg) { std::fprintf(stderr, "kiosk: GLFW error %d: %s\n", code, msg); });
  if (!glfwInit()) {
    std::fprintf(stderr, "kiosk: cannot open the display %s\n", std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "");
    return 2;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  GLFWmonitor* monitor = nullptr;
  if (win_w == 0) {
    monitor = glfwGetPrimaryMonitor();
    const GLFWvidmode* mode = monitor ? glfwGetVideoMode(monitor) : nullptr;
    win_w = mode ? mode->width : 1920;
    win_h = mode ? mode->height : 1080;
  }
  GLFWwindow* window = glfwCreateWindow(win_w, win_h, "BBD kiosk", monitor, nullptr);
  if (!window) {
    std::fprintf(stderr, "kiosk: cannot create an OpenGL 3 window\n");
    glfwTerminate();
    return 2;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  // No more frames than the display shows. Where the swap waits for the vertical blank this
  // never sleeps (90 % of the period: a vsync'd frame is never pushed to the next one); where
  // it does not (Mesa's software drivers, X servers without vsync) a drag or an animation would
  // otherwise redraw as fast as the CPU allows: twice the CPU at 120 frames a second for
  // nothing the panel can show.
  GLFWmonitor* panel = monitor ? monitor : glfwGetPrimaryMonitor();  // none on some X servers
  const GLFWvidmode* shown = panel ? glfwGetVideoMode(panel) : nullptr;
  const int refresh_hz = shown && shown->refreshRate >= 30 ? shown->refreshRate : 60;
  const std::int64_t min_frame_us = 900000 / refresh_hz;
  // Input wakes the loop and asks for a few frames (a press and a release each need one).
  static int frames_wanted = 4;
  glfwSetMouseButtonCallback(window, [](GLFWwindow*, int button, int action, int) {
    frames_wanted = 6;
    if (action == GLFW_PRESS) g_pointer_pressed = true;
    if (button == GLFW_MOUSE_BUTTON_LEFT) g_pointer.button(action == GLFW_PRESS);  // a touch is the left button
  });
  glfwSetCursorPosCallback(window, [](GLFWwindow*, double x, double y) {
    frames_wanted = std::max(frames_wanted, 3);
    g_pointer.moved(x, y);
  });
  glfwSetKeyCallback(window, [](GLFWwindow*, int key, int, int action, int mods) {
    frames_wanted = 6;
    if (g_keys.size() < 256) g_keys.push_back({key, action, mods});
  });
  glfwSetScrollCallback(window, [](GLFWwindow*, double, double) { frames_wanted = 6; });
  // The window's contents were lost (exposed) or it changed size: the next frame is drawn whole.
  static bool window_damaged = false;
  glfwSetFramebufferSizeCallback(window, [](GLFWwindow*, int, int) {
    frames_wanted = 4;
    window_damaged = true;
  });
  glfwSetWindowRefreshCallback(window, [](GLFWwindow*) {
    frames_wanted = std::max(frames_wanted, 2);
    window_damaged = true;
  });
  Redraw redraw(full_redraw, verify_redraw);
  redraw.init();

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no state on disk
  io.LogFilename = nullptr;
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  // Shaders and buffers now, not lazily in the first NewFrame (see Ui::prepare_fonts).
  ImGui_ImplOpenGL3_CreateDeviceObjects();
  StaffUi::install_input(window);  // after Dear ImGui's callbacks: the scanner path chains them

  Ui ui(font, site->panel_width_mm, site->panel_height_mm);
  ui.record_text_pairs = !test_widgets.empty();
  for (int i = 0; i < static_cast<int>(S::kCount); ++i) {
    ui.request_text(tr(static_cast<S>(i), "ko"));
    ui.request_text(tr(static_cast<S>(i), "en"));
  }

  Services sv;
  StaffUi staff(ui);  // the staff screens (issue 6): drawn instead of the participant's while active
  staff.use_scanner(site->scanner_device);  // the barcode scanner as its own device, if the site names it
  std::vector<forms::ProtocolPackage> no_packages;
  kiosk::FlowConfig fc;
  fc.participation_types = site->participation_types;
  fc.languages = site->languages;
  fc.idle_ms = site->idle_seconds * 1000LL;
  fc.idle_warning_ms = site->idle_warning_seconds * 1000LL;
  fc.max_extensions = site->max_extensions;
  fc.collect_rrn = site->collect_rrn;
  std::unique_ptr<kiosk::Flow> flow = std::make_unique<kiosk::Flow>(no_packages, fc);
  std::unique_ptr<App> app = std::make_unique<App>(*flow, ui);

  // Voice guidance (issue 7): one libespeak-ng per process, on its own worker; a missing audio
  // device makes it silent, never stuck. The site may switch it off (keypad navigation stays).
  std::unique_ptr<kiosk::Speech> speech;
  if (site->voice_guidance && speech_mode != "off") {
    kiosk::EspeakOptions so;
    if (!speech_out.empty()) {
      so.output = kiosk::EspeakOptions::Output::kWavFiles;
      so.wav_dir = speech_out;
    } else if (speech_mode == "null") {
      so.output = kiosk::EspeakOptions::Output::kNull;
    }
    speech = std::make_unique<kiosk::EspeakSpeech>(so);
  }
  if (!speech_log.empty()) speech = make_logging_speech(std::move(speech), speech_log);
  // The sound half of the confirm feedback (the flash is the other): with or without voice mode.
  ui.on_confirm = [&speech] {
    if (speech) speech->chime();
  };
  A11y a11y(speech.get());
  a11y.set_audio_cache_dir(data_dir / "audio-cache");  // recorded consent voices, as files to play
  a11y.attach(app.get());

  // Set-up (demo data bank, packages, outbox) runs beside the first frames: the attract
  // screen needs none of it.
  std::atomic<int> setup_state{0};  // 0 running, 1 ok, 2 failed
  Status setup_status = Status::ok();
  std::thread setup([&] {
    setup_status = set_up(data_dir, demo, sv);
    setup_state = setup_status.is_ok() ? 1 : 2;
    glfwPostEmptyEvent();
  });

  // SIGTERM/SIGINT end the loop: the data bank child is stopped and the session wiped below.
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_quit = true; };
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  platform::UlidGenerator ids(sv.clock);
  FILE* flog = frame_log.empty() ? nullptr : std::fopen(frame_log.c_str(), "w");
  std::int64_t last_frame_cpu_us = cpu_us(CLOCK_PROCESS_CPUTIME_ID), last_frame_ui_us = cpu_us(CLOCK_THREAD_CPUTIME_ID);
  int frame = 0;
  bool first_frame_reported = false;
  std::string shot_name;  // the screenshot this visit of the screen has, in its current mode
  std::string last_key, last_dump;
  int stable_frames = 0;
  std::int64_t last_second_drawn = -1;
  std::int64_t last_frame_start_us = 0;  // steady_us() when the last frame began
  while (!glfwWindowShouldClose(window) && !g_quit) {
    if (exit_after_ms > 0 && steady_ms() - t_start > exit_after_ms) break;
    const bool countdown = app->flow.overlay() == kiosk::Overlay::kIdleWarning;
    if (frames_wanted > 0 || app->animating || stable_frames < 2 || staff.wants_frame()) {
      const std::int64_t since = steady_us() - last_frame_start_us;
      if (since < min_frame_us) std::this_thread::sleep_for(std::chrono::microseconds(min_frame_us - since));
      glfwPollEvents();
    } else {
      // Asleep until input, the next second of a countdown, or the next idle check.
      glfwWaitEventsTimeout(countdown || a11y.wants_poll() ? 0.25 : 1.0);
    }
    // Wall-clock time (Unix ms, skew-corrected by sync): the Flow dates the signature with it and
    // checks birth dates against today; its idle timer only needs differences.
    app->now_ms = sv.clock.now_unix_ms();
    if (setup_state == 1 && !app->ready) {
      // Rebuild the Flow on the loaded packages (the attract screen had none).
      app.reset();
      flow = std::make_unique<kiosk::Flow>(sv.packages, fc);
      app = std::make_unique<App>(*flow, ui);
      app->ready = true;
      a11y.attach(app.get());
      StaffBackend sb{data_dir, sv.outbox.get(), sv.device.get(), &sv.clock, &sv.packages, {}, {}};
      if (sv.sync) {
        sb.sync_status = [&sv] { return sv.sync->status(); };
        sb.sync_now = [&sv] { sv.sync->trigger(); };
      }
      staff.attach(sb);  // expires cards past their time now, then every minute
      for (const forms::ProtocolPackage& p : sv.packages)
        for (const forms::Questionnaire& q : p.questionnaires) ui.request_text(q.source.dump());
      app->submit = [&sv, &app, &ids](const std::string& id) {
        forms::EnrollmentContent c = app->flow.enrollment(id, platform::format_rfc3339_utc(sv.clock.now_unix_ms()));
        auto png = kiosk::render_signature_png(c.signature, std::max(64, c.signature.pad_width_px), std::max(64, c.signature.pad_height_px));
        if (png.is_ok()) c.signature.png = std::move(png.value());
        datasync::EnrollmentInput in;
        in.id = id;
        auto b = datasync::BundleJson::from_object(forms::make_enrollment_bundle(c));
        if (!b.is_ok()) return false;
        in.bundle = std::move(b.value());
        in.card = {card_name(c.patient.family, c.patient.given), c.patient.birth_date, c.participation_type};
        if (c.representative) {
          // The nurse checks the representative's ID too (issue 6): name and relationship.
          in.card.representative_name = card_name(c.representative->family, c.representative->given);
          in.card.representative_relationship = c.representative->relationship;
          platform::wipe(c.representative->family);
          platform::wipe(c.representative->given);
          platform::wipe(c.representative->phone);
        }
        platform::wipe(c.patient.family);
        platform::wipe(c.patient.given);
        platform::wipe(c.patient.phone);
        auto r = sv.submitter->submit_enrollment(in);
        in.card.wipe();  // sealed into the encrypted card now; no plaintext copy stays behind
        if (r.is_ok() && sv.sync) sv.sync->trigger();
        return r.is_ok();
      };
      (void)ids;
      frames_wanted = 3;
    } else if (setup_state == 2 && app->not_ready_reason.empty()) {
      app->not_ready_reason = setup_status.to_string();
      std::fprintf(stderr, "kiosk: set-up failed: %s\n", setup_status.to_string().c_str());
      frames_wanted = 3;
    }
    // Keypad: one key per loop turn (each gets a frame: an activation or a typed digit acts in
    // the frame after it); a tap interrupts what is being said.
    if (staff.active()) {  // staff screens: their own keys, never the participant's keypad actions
      for (const KeyEvent& e : g_keys)
        if (staff.on_key(e.key, e.action, e.mods)) frames_wanted = std::max(frames_wanted, 4);
      g_keys.clear();
    }
    while (!g_keys.empty()) {
      const KeyEvent e = g_keys.front();
      g_keys.erase(g_keys.begin());
      if (a11y.on_key(e.key, e.action, e.mods, app->now_ms)) {
        frames_wanted = std::max(frames_wanted, 4);
        break;
      }
    }
    if (!g_keys.empty()) frames_wanted = std::max(frames_wanted, 2);
    if (g_pointer_pressed) {
      g_pointer_pressed = false;
      a11y.on_pointer();
    }
    a11y.poll();
    const std::string key_before = screen_key(app->flow);
    app->flow.tick(app->now_ms);
    if (app->flow.screen() == kiosk::Screen::kAttract && (app->editing || !app->pad.empty())) {
      app->editing.reset();
      app->pad.clear();
    }
    // Submitting: a worker calls the outbox; the thank-you screen follows only its success.
    if (app->flow.screen() == kiosk::Screen::kSubmitting && !app->submit_thread.joinable() && app->submit_result == 0 && app->submit) {
      if (app->enrollment_id.empty()) app->enrollment_id = ids.next();
      App* ap = app.get();
      app->submit_thread = std::thread([ap] {
        const bool ok = ap->submit(ap->enrollment_id);
        ap->submit_result = ok ? 1 : 2;
        glfwPostEmptyEvent();
      });
    }
    if (app->submit_result != 0 && app->submit_thread.joinable()) {
      app->submit_thread.join();
      const bool ok = app->submit_result == 1;
      app->submit_result = 0;
      app->apply(ok ? kiosk::Intent::kSubmitted : kiosk::Intent::kSubmitFailedKind);
      if (ok) app->enrollment_id.clear();
    }
    if (screen_key(app->flow) != key_before) frames_wanted = std::max(frames_wanted, 3);
    const std::int64_t second = countdown ? app->flow.idle_countdown_ms(app->now_ms) / 1000 : -1;
    staff.tick(app->now_ms);
    const bool need = frames_wanted > 0 || app->animating || stable_frames < 2 || second != last_second_drawn || !first_frame_reported ||
                      staff.wants_frame();
    if (!need) continue;
    last_second_drawn = second;
    last_frame_start_us = steady_us();
    if (frames_wanted > 0) --frames_wanted;

    ui.set_text_scale(app->flow.text_scale_pct());
    ui.set_high_contrast(app->flow.high_contrast());
    if (ui.prepare_fonts()) {
      frames_wanted = std::max(frames_wanted, 2);
      redraw.invalidate();  // the atlas texture may have the same GL name and other glyphs
    }
    if (window_damaged) {
      window_damaged = false;
      redraw.invalidate();
    }
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window, &fbw, &fbh);
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    {
      // The backend read the pointer where it is now; the frame sees it where the next queued
      // press or release happened instead, one change per frame (pointer_queue.h).
      const kiosk::PointerQueue::State p = g_pointer.next_frame();
      if (p.known) {
        io.MousePos = ImVec2(static_cast<float>(p.x), static_cast<float>(p.y));
        io.MouseDown[0] = p.down;
      }
      if (g_pointer.pending()) frames_wanted = std::max(frames_wanted, 2);
    }
    ImGui::NewFrame();
    ui.begin_frame(fbw, fbh);
    // The screens draw into this window: the whole framebuffer, or in the low layout the band
    // at its bottom (from the site's mounting height; at least a third of the screen).
    ImVec4 win(0, 0, io.DisplaySize.x, io.DisplaySize.y);
    if (app->low_layout) {
      const float band = std::clamp(static_cast<float>(io.DisplaySize.y * site->low_band_mm() / site->panel_height_mm),
                                    io.DisplaySize.y / 3, io.DisplaySize.y);
      win.y = io.DisplaySize.y - band;
      win.w = band;
    }
    ImGui::SetNextWindowPos(ImVec2(win.x, win.y));
    ImGui::SetNextWindowSize(ImVec2(win.z, win.w));
    ImGui::Begin("kiosk", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
    ImGui::PushFont(ui.body_font());
    a11y.before_frame();
    if (staff.active()) {
      staff.draw(app->now_ms);
    } else {
      draw_screen(*app);
      // The staff corner: only where no participant data is on screen.
      const kiosk::Screen scr = app->flow.screen();
      const bool corner = app->ready && app->flow.overlay() == kiosk::Overlay::kNone &&
                          (scr == kiosk::Screen::kAttract || scr == kiosk::Screen::kThankYou);
      if (staff.corner(corner) && scr == kiosk::Screen::kThankYou) app->apply(kiosk::Intent::kFinish);
    }
    ui.end_frame();
    if (ui.fonts_pending()) frames_wanted = std::max(frames_wanted, 2);
    const bool flash_drawn = ui.flashing();  // this frame shows the confirm frame (no screenshot of it)
    if (flash_drawn) {
      // The visible answer to a confirmed tap: a frame around the screen for 150 ms.
      const float t = ui.mm(1.5);
      ImGui::GetForegroundDrawList()->AddRect(ImVec2(t / 2, t / 2), ImVec2(io.DisplaySize.x - t / 2, io.DisplaySize.y - t / 2),
                                             ui.col(ui.palette().focus_ring), 0, 0, t);
      frames_wanted = std::max(frames_wanted, 2);
    }
    if (app->low_layout) {  // above the band: empty, marked off so the band's edge is visible
      ImDrawList* bg = ImGui::GetBackgroundDrawList();
      bg->AddRectFilled(ImVec2(0, 0), ImVec2(io.DisplaySize.x, win.y), ui.col(ui.palette().surface));
      bg->AddLine(ImVec2(0, win.y - ui.mm(0.5)), ImVec2(io.DisplaySize.x, win.y - ui.mm(0.5)), ui.col(ui.palette().border), ui.mm(1.0));
    }
    ImGui::PopFont();
    ImGui::End();
    a11y.after_frame();
    ImGui::Render();
    redraw.draw(ImGui::GetDrawData(), ui.palette().background, fbw, fbh, ui.scroll_regions());
    ++frame;

    const std::string key = staff.active() ? staff.screen_key() : screen_key(app->flow) + (app->editing ? "+keyboard" : "");
    stable_frames = key == last_key ? stable_frames + 1 : 0;
    if (stable_frames == 0) shot_name.clear();
    std::string name;
    if (!screenshots.empty() && stable_frames >= 2 && !flash_drawn && !ui.fonts_pending()) {
      name = std::string(app->flow.language()) + "-" + std::to_string(app->flow.text_scale_pct()) +
             (app->flow.high_contrast() ? "-hc" : "") + "-" + key;
      for (char& c : name)
        if (c == '+' || c == '/') c = '_';
    }
    if (!name.empty() && name != shot_name) {
      // The screen has settled (fonts rebuilt, layout done) and the confirm frame of the tap
      // that led here is gone: saved once per visit and mode (language, text size, contrast:
      // the language screen changes them in place).
      shot_name = name;
      std::vector<unsigned char> px(static_cast<std::size_t>(fbw) * static_cast<std::size_t>(fbh) * 4);
      glReadPixels(0, 0, fbw, fbh, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
      std::error_code ec;
      fs::create_directories(screenshots, ec);
      (void)write_png_rgba(fs::path(screenshots) / (name + ".png"), fbw, fbh, px);
    }
    last_key = key;
    redraw.present(window);
    if (flog) {
      const std::int64_t cpu = cpu_us(CLOCK_PROCESS_CPUTIME_ID), ui_cpu = cpu_us(CLOCK_THREAD_CPUTIME_ID);
      std::fprintf(flog, "%lld %lld %lld\n", static_cast<long long>(steady_ms()), static_cast<long long>(cpu - last_frame_cpu_us),
                   static_cast<long long>(ui_cpu - last_frame_ui_us));
      last_frame_cpu_us = cpu;
      last_frame_ui_us = ui_cpu;
    }
    if (!first_frame_reported) {
      first_frame_reported = true;
      std::printf("kiosk: first frame after %lld ms (atlas %dx%d)\n", static_cast<long long>(steady_ms() - t_start),
                  static_cast<int>(ui.atlas_size().x), static_cast<int>(ui.atlas_size().y));
      std::fflush(stdout);
    }
    if (!test_widgets.empty()) {
      nlohmann::json probe = {{"k", key}, {"n", ui.widgets().size()}, {"e", app->editing ? app->editing->entry->text() : ""},
                              {"s", stable_frames >= 2}, {"r", app->ready ? 1 : app->not_ready_reason.empty() ? 0 : 2}};
      std::string d = probe.dump() + ui.focus_id() + (a11y.voice_on() ? "v" : "") + (app->low_layout ? "l" : "") + staff.probe();
      for (const WidgetRecord& w : ui.widgets())
        d += w.id + std::to_string(w.rect.x) + std::to_string(w.rect.y) + (w.selected ? "1" : "0") + (w.enabled ? "1" : "0");
      if (d != last_dump && stable_frames >= 1) {
        dump_widgets(test_widgets, *app, ui, frame, stable_frames >= 2, a11y, win, staff);
        last_dump = d;
      }
    }
  }
  if (flog) std::fclose(flog);
  {
    const Redraw::Stats& r = redraw.stats();
    std::printf("kiosk: frames drawn whole %ld, in part %ld (scrolled by copies %ld), unchanged %ld (%s); verified %ld, %ld differed (%lld pixels)\n",
                r.full, r.partial, r.scrolled, r.none, redraw.partial() ? "partial redraws on" : "partial redraws off", r.verified,
                r.mismatched_frames, r.mismatched_pixels);
    std::fflush(stdout);
  }
  if (app->submit_thread.joinable()) app->submit_thread.join();
  staff.close();  // a session still open is locked (audited); nothing of it stays in memory
  staff.stop_scanner();  // its reader wakes the loop through GLFW: closed before glfwTerminate
  setup.join();
  if (sv.sync) sv.sync->stop();
  sv.databank.stop();
  app->flow.wipe();
  ui.release_gl();
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return 0;
}
