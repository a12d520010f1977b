// kioskctl: the kiosk's provisioning and admin command line.
//
// Thin: parses flags, calls kiosk_core / kiosk_sync, prints results. Every error is one line
// on stderr saying what and where, and a non-zero exit status.
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "kiosk/device.h"
#include "kiosk/form_tools.h"
#include "kiosk/staff.h"
#include "kiosk/synthetic.h"
#include "kiosk/verification.h"
#include "platform/clock.h"
#include "platform/fs.h"
#include "platform/hardening.h"
#include "platform/keyfile.h"
#include "platform/log.h"
#include "platform/paths.h"
#include "platform/ulid.h"
#include "forms/package.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "sync/usb_export.h"
#include "sync/uploader.h"
#include "sync/receipt.h"

namespace fs = std::filesystem;
using platform::Result;
using platform::Status;

namespace {

constexpr int kExitError = 1;

int fail(const Status& s) {
  std::fprintf(stderr, "kioskctl: %s\n", s.to_string().c_str());
  return kExitError;
}

struct Context {
  std::optional<std::string> data_dir_flag;
  fs::path data_dir;
  platform::SystemClock clock;
};

Status open_data_dir(Context& ctx) {
  Result<fs::path> dir = platform::resolve_data_dir(ctx.data_dir_flag);
  if (!dir.is_ok()) return dir.status();
  ctx.data_dir = dir.value();
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(ctx.data_dir / "logs"));
  return platform::log::log_to_file(ctx.data_dir / "logs" / "kioskctl.log");
}

// Opens the outbox and, on a device that can seal, turns verification cards past their
// expiry into `expired` attestations on the way (a restarted or long-idle kiosk catches up
// here). Without a loadable device the cards stay: they are encrypted, and the next command
// (or the kiosk) that can seal expires them.
Result<std::unique_ptr<datasync::SqliteOutbox>> open_outbox(Context& ctx) {
  auto box = datasync::SqliteOutbox::open(ctx.data_dir / kiosk::kDatabaseFile);
  if (!box.is_ok()) return box.status();
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) {
    if (dev.status().kind() != platform::StatusKind::kNotFound)
      platform::log::warn("cards.expiry_skipped", {{"kind", dev.status().kind()}});
    return box;
  }
  platform::UlidGenerator ids(ctx.clock);
  kiosk::VerificationDesk desk(*box.value(), dev.value()->identity, dev.value()->databank_seal,
                               dev.value()->local_key, ctx.clock, ids);
  Result<int> expired = desk.expire_due();
  if (!expired.is_ok()) return expired.status();
  if (expired.value() > 0) platform::log::info("cards.expired", {{"count", expired.value()}});
  return box;
}

// `audit send`: seals the audit events still waiting into `event` envelopes and queues them,
// so that the next sync or export carries them to the data bank.
int cmd_audit_send(Context& ctx) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  auto waiting = box.value()->unsent_audit(std::numeric_limits<std::size_t>::max() / 2);
  if (!waiting.is_ok()) return fail(waiting.status());
  platform::UlidGenerator ids(ctx.clock);
  Result<int> n = kiosk::queue_audit_events(*box.value(), dev.value()->identity,
                                            dev.value()->databank_seal, ctx.clock, ids, 1);
  if (!n.is_ok()) return fail(n.status().with_context("queueing audit events"));
  platform::log::info("audit.queued", {{"envelopes", n.value()}});
  std::printf(
      "queued %d event envelope(s) carrying %zu audit event(s); sync or export sends them\n",
      n.value(), waiting->size());
  return 0;
}

// --- staff ---------------------------------------------------------------------------------

// One line of at most 64 bytes from stdin, without echo when stdin is a terminal.
Result<std::string> read_secret_line(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios old{};
  if (tty) {
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    if (::tcgetattr(STDIN_FILENO, &old) == 0) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  }
  std::string line;
  bool got_newline = false;
  for (int i = 0; i < 65; ++i) {  // bounded: a PIN line is short
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n <= 0) break;
    if (c == '\n') {
      got_newline = true;
      break;
    }
    if (c != '\r') line += c;
  }
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  if (line.size() > 64) {
    platform::wipe(line);
    return Status::invalid_argument("the PIN line on standard input is too long");
  }
  if (line.empty() && !got_newline)
    return Status::invalid_argument("no PIN on standard input (type it twice, one line each)");
  return line;
}

// The PIN twice (two lines on stdin); they must agree.
Result<std::string> read_pin_twice() {
  Result<std::string> a = read_secret_line("PIN (6-12 digits): ");
  if (!a.is_ok()) return a.status();
  Result<std::string> b = read_secret_line("PIN again: ");
  if (!b.is_ok()) {
    platform::wipe(a.value());
    return b.status();
  }
  const bool same = a.value() == b.value();
  platform::wipe(b.value());
  if (!same) {
    platform::wipe(a.value());
    return Status::invalid_argument("the two PINs differ; nothing was changed");
  }
  return a;
}

struct StaffFlags {
  std::string name;
  std::string role;
  std::string id;
  bool json = false;
};

int cmd_staff(Context& ctx, const std::string& action, const StaffFlags& f) {
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  platform::UlidGenerator ids(ctx.clock);
  const bool needs_pin = action == "add" || action == "reset-pin";
  std::optional<platform::PinPepper> pepper;
  if (needs_pin) {
    auto p = kiosk::load_staff_pepper(ctx.data_dir, /*create_if_missing=*/true);
    if (!p.is_ok()) return fail(p.status());
    pepper = std::move(p.value());
  }
  std::unique_ptr<kiosk::StaffAccounts> staff =
      pepper ? std::make_unique<kiosk::StaffAccounts>(*box.value(), *box.value(), *pepper,
                                                      ctx.clock, ids)
             : std::make_unique<kiosk::StaffAccounts>(*box.value(), *box.value(), ctx.clock, ids);
  if (action == "add") {
    auto role = datasync::staff_role_from(f.role);
    if (!role) return fail(Status::invalid_argument("--role must be nurse or it"));
    auto pin = read_pin_twice();
    if (!pin.is_ok()) return fail(pin.status());
    auto id = staff->add(f.name, *role, pin.value(), kiosk::kCliActor);
    if (!id.is_ok()) return fail(id.status());
    std::printf("%s\n", id->c_str());
    return 0;
  }
  if (action == "reset-pin") {
    auto pin = read_pin_twice();
    if (!pin.is_ok()) return fail(pin.status());
    if (Status s = staff->reset_pin(f.id, pin.value(), kiosk::kCliActor); !s.is_ok())
      return fail(s);
    std::printf("new PIN set for %s (failures cleared, unlocked)\n", f.id.c_str());
    return 0;
  }
  if (action == "remove") {
    if (Status s = staff->remove(f.id, kiosk::kCliActor); !s.is_ok()) return fail(s);
    std::printf("removed %s (kept in the audit trail; can no longer sign in)\n", f.id.c_str());
    return 0;
  }
  if (action == "unlock") {
    if (Status s = staff->unlock(f.id, kiosk::kCliActor); !s.is_ok()) return fail(s);
    std::printf("unlocked %s\n", f.id.c_str());
    return 0;
  }
  auto list = staff->list();
  if (!list.is_ok()) return fail(list.status());
  if (f.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const kiosk::StaffSummary& s : list.value())
      j.push_back({{"id", s.id},
                   {"name", s.name},
                   {"role", datasync::staff_role_name(s.role)},
                   {"locked", s.locked},
                   {"failures", s.failures}});
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("%-26s  %-5s  %-8s  %s\n", "ID", "ROLE", "STATE", "NAME");
  for (const kiosk::StaffSummary& s : list.value())
    std::printf("%-26s  %-5s  %-8s  %s\n", s.id.c_str(), datasync::staff_role_name(s.role),
                s.locked ? "locked" : (s.failures > 0 ? "failures" : "ok"), s.name.c_str());
  return 0;
}

// Checks the audit chain; names the first broken link. No card expiry on the way: a suspect
// file is examined as found (opening it still upgrades an older schema).
int cmd_audit_verify(Context& ctx) {
  auto box = datasync::SqliteOutbox::open(ctx.data_dir / kiosk::kDatabaseFile);
  if (!box.is_ok()) return fail(box.status());
  auto log = box.value()->audit_log();
  if (!log.is_ok()) return fail(log.status());
  if (Status s = box.value()->verify_audit_chain(); !s.is_ok()) return fail(s);
  std::size_t sent = 0;
  for (const datasync::AuditRecord& r : log.value()) sent += r.sent_in.empty() ? 0 : 1;
  std::printf(
      "audit chain ok: %zu event(s), every link verified (%zu sent to the data bank, %zu "
      "waiting)\n",
      log->size(), sent, log->size() - sent);
  return 0;
}

int cmd_demo_init(Context& ctx) {
  platform::UlidGenerator ids(ctx.clock);
  auto report = kiosk::demo_init(ctx.data_dir, ids);
  if (!report.is_ok()) return fail(report.status());
  for (const std::string& line : report.value()) std::printf("%s\n", line.c_str());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  std::printf("demo device ready in %s (DEMO keys: not for real participants)\n", ctx.data_dir.c_str());
  return 0;
}

struct EnrollFlags {
  int synthetic = 0;
  std::uint64_t seed = 0;
  bool seed_set = false;
  std::string marker;
  std::size_t bytes = 0;
};

int cmd_enroll(Context& ctx, const EnrollFlags& f) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  platform::UlidGenerator ids(ctx.clock);
  datasync::Submitter submitter(*box.value(), dev.value()->identity, dev.value()->databank_seal,
                                dev.value()->local_key, ctx.clock);
  std::mt19937_64 rng(f.seed_set ? f.seed : std::random_device{}());
  kiosk::SyntheticOptions opt{f.marker, f.bytes};
  for (int i = 0; i < f.synthetic; ++i) {
    std::string id = ids.next();
    datasync::EnrollmentInput in = kiosk::make_synthetic_enrollment(
        rng, id, platform::format_rfc3339_utc(ctx.clock.now_unix_ms()), opt);
    Result<std::string> committed = submitter.submit_enrollment(in);
    if (!committed.is_ok()) {
      std::fflush(stdout);
      return fail(committed.status().with_context("enrollment " + std::to_string(i + 1) + " of " +
                                                  std::to_string(f.synthetic)));
    }
    // One write per id, straight to the fd: a watcher sees it the moment the commit returned.
    std::string line = committed.value() + "\n";
    if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      return fail(Status::io_error("cannot write to standard output"));
    platform::log::info("enrollment.committed", {{"id", platform::log::Id(committed.value())}});
  }
  return 0;
}

int cmd_status(Context& ctx, bool as_json) {
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  auto st = box.value()->stats(ctx.clock.now_unix_ms());
  if (!st.is_ok()) return fail(st.status());
  const datasync::OutboxStats& s = st.value();
  if (as_json) {
    nlohmann::json j = {{"queued", s.queued_count},         {"queued_bytes", s.queued_bytes},
                        {"oldest_queued_age_s", s.oldest_queued_age_ms / 1000},
                        {"acked", s.acked_count},           {"conflicts", s.conflict_count},
                        {"failed_attempts", s.failed_attempts}, {"pending_verification_cards", s.pending_cards}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("queued:                     %lld (%lld bytes)\n", static_cast<long long>(s.queued_count),
                static_cast<long long>(s.queued_bytes));
    std::printf("oldest queued:              %lld s ago\n", static_cast<long long>(s.oldest_queued_age_ms / 1000));
    std::printf("acknowledged by data bank:  %lld\n", static_cast<long long>(s.acked_count));
    std::printf("conflicts (need review):    %lld\n", static_cast<long long>(s.conflict_count));
    std::printf("failed delivery attempts:   %lld\n", static_cast<long long>(s.failed_attempts));
    std::printf("pending verification cards: %lld\n", static_cast<long long>(s.pending_cards));
  }
  return 0;
}

int cmd_export(Context& ctx, const std::string& out) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  auto sum = datasync::export_queue(*box.value(), out, dev.value()->identity.device_id,
                                    platform::format_rfc3339_utc(ctx.clock.now_unix_ms()));
  if (!sum.is_ok()) return fail(sum.status());
  platform::log::info("export.written", {{"count", sum->count}, {"bytes", sum->bytes}});
  std::printf("exported %lld envelopes (%lld bytes) to %s\nsha256 %s\n"
              "the queue is unchanged until the data bank's receipts are imported\n",
              static_cast<long long>(sum->count), static_cast<long long>(sum->bytes), out.c_str(),
              sum->sha256.c_str());
  return 0;
}

fs::path assets_dir(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* env = std::getenv("KIOSK_ASSETS_DIR"); env && *env) return env;
  return KIOSK_ASSETS_DIR;
}

Result<nlohmann::json> read_answers(const std::string& path) {
  Result<std::string> text = platform::read_file(path, 16 * 1024 * 1024);
  if (!text.is_ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(text.value(), nullptr, false);
  if (j.is_discarded()) return Status::invalid_argument(path + " is not valid JSON");
  if (!j.is_object()) return Status::invalid_argument(path + " must be a JSON object mapping linkId to answers");
  return j;
}

int cmd_form_check(const std::vector<std::string>& files) {
  int bad = 0;
  for (const std::string& f : files) {
    std::vector<std::string> problems = kiosk::check_form_file(f);
    for (const std::string& p : problems) std::printf("%s: %s\n", f.c_str(), p.c_str());
    if (!problems.empty()) ++bad;
  }
  if (bad == 0) std::fprintf(stderr, "%zu file(s) valid\n", files.size());
  return bad == 0 ? 0 : kExitError;
}

int cmd_form_fill(Context& ctx, const std::string& file, const std::string& answers_path, const std::string& lang) {
  auto answers = read_answers(answers_path);
  if (!answers.is_ok()) return fail(answers.status());
  auto r = kiosk::fill_form(file, answers.value(), lang, platform::format_rfc3339_utc(ctx.clock.now_unix_ms()));
  if (!r.is_ok()) return fail(r.status());
  for (const std::string& id : r->ignored) std::fprintf(stderr, "ignored (disabled by its conditions): %s\n", id.c_str());
  if (!r->problems.empty()) {
    for (const std::string& p : r->problems) std::printf("%s\n", p.c_str());
    return kExitError;
  }
  std::printf("%s\n", r->output.dump(2).c_str());
  return 0;
}

int cmd_form_show(const std::string& file, const std::string& lang, const std::string& answers_path) {
  std::optional<nlohmann::json> answers;
  if (!answers_path.empty()) {
    auto a = read_answers(answers_path);
    if (!a.is_ok()) return fail(a.status());
    answers = a.value();
  }
  auto r = kiosk::show_form(file, lang, answers);
  if (!r.is_ok()) return fail(r.status());
  std::fwrite(r->data(), 1, r->size(), stdout);
  return 0;
}

int cmd_forms_install(Context& ctx, const std::string& pkg, const std::string& sig) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  auto installed = kiosk::install_package(ctx.data_dir, pkg, sig, dev.value()->databank_forms);
  if (!installed.is_ok()) return fail(installed.status());
  std::printf("installed %s (signature verified with the data bank's forms key)\n", installed->c_str());
  return 0;
}

// Demo mode only: signs a package with the demo data bank's forms key.
int cmd_forms_demo_sign(Context& ctx, const std::string& pkg, const std::string& out) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  if (dev.value()->mode != "demo")
    return fail(Status::permission_denied("demo-sign works only on a demo device; real packages are signed by the data bank"));
  auto key = platform::read_sign_secret_key(ctx.data_dir / kiosk::kDemoDatabankDir / "forms.key");
  if (!key.is_ok()) return fail(key.status());
  auto bytes = platform::read_file(pkg, 16 * 1024 * 1024);
  if (!bytes.is_ok()) return fail(bytes.status());
  Status s = platform::write_file_atomic(out, forms::sign_package(bytes.value(), key.value()) + "\n", 0644);
  if (!s.is_ok()) return fail(s);
  std::printf("signed %s with the DEMO forms key -> %s\n", pkg.c_str(), out.c_str());
  return 0;
}

// Demo set-up: sign the repository's protocol packages with the demo key and install them.
int install_demo_packages(Context& ctx, const fs::path& assets) {
  const fs::path dir = assets / "protocols";
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    std::printf("no protocol packages found in %s; none installed\n", dir.c_str());
    return 0;
  }
  std::vector<fs::path> pkgs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") pkgs.push_back(e.path());
  std::sort(pkgs.begin(), pkgs.end());
  const fs::path sig_dir = ctx.data_dir / "demo-databank" / "signatures";
  if (Status s = platform::ensure_private_dir(sig_dir); !s.is_ok()) return fail(s);
  for (const fs::path& p : pkgs) {
    const fs::path sig = sig_dir / (p.filename().string() + ".sig");
    if (int rc = cmd_forms_demo_sign(ctx, p.string(), sig.string()); rc != 0) return rc;
    if (int rc = cmd_forms_install(ctx, p.string(), sig.string()); rc != 0) return rc;
  }
  return 0;
}

int cmd_provision(Context& ctx, const kiosk::ProvisionOptions& opt) {
  auto id = kiosk::provision(ctx.data_dir, opt, ctx.clock);
  if (!id.is_ok()) return fail(id.status());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  std::printf("provisioned device %s for %s (keys verified against the enroll code)\n", id->c_str(), opt.server_url.c_str());
  return 0;
}

int cmd_sync(Context& ctx, bool once, bool as_json) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  if (dev.value()->server_url.empty())
    return fail(Status::invalid_argument("this device has no data bank server (demo device); provision it first"));
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  datasync::CurlOptions copt;
  copt.base_url = dev.value()->server_url;
  copt.pinned_spki_sha256 = dev.value()->tls_pin;
  copt.ca_file = dev.value()->ca_file;
  auto transport = datasync::make_curl_transport(copt);
  if (!transport.is_ok()) return fail(transport.status());
  datasync::Uploader up(*box.value(), *transport.value(), dev.value()->identity.device_id, dev.value()->identity.sign_key,
                        dev.value()->databank_receipt, ctx.clock);
  datasync::SyncReport report;
  Status s = Status::ok();
  std::mt19937_64 rng(std::random_device{}());
  datasync::BackoffPolicy policy;
  policy.base_ms = 500;
  policy.cap_ms = 8000;
  const int attempts = once ? 1 : 4;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    s = up.drain(1'000'000, report);
    if (s.is_ok()) break;
    if (attempt + 1 < attempts) {
      std::int64_t d = datasync::backoff_delay_ms(policy, attempt, report.retry_after_s, rng);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(d, 60000)));
    }
  }
  std::vector<std::string> updated;
  if (s.is_ok()) {
    auto forms_updated = kiosk::update_forms_from_server(ctx.data_dir, *transport.value(), dev.value()->databank_forms);
    if (forms_updated.is_ok()) updated = forms_updated.value();
    else s = forms_updated.status().with_context("form update");
  }
  auto st = box.value()->stats(ctx.clock.now_unix_ms());
  if (as_json) {
    nlohmann::json j = {{"ok", s.is_ok()}, {"batches", report.batches}, {"sent", report.sent}, {"acked", report.acked},
                        {"already_acked", report.already_acked}, {"conflicts", report.conflicts}, {"failed", report.failed},
                        {"queued", st.is_ok() ? st->queued_count : -1}, {"forms_installed", updated},
                        {"error", s.is_ok() ? "" : s.message()}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("sent %d in %d batches: %d acknowledged, %d already acknowledged, %d conflicts, %d still queued\n", report.sent,
                report.batches, report.acked, report.already_acked, report.conflicts, st.is_ok() ? static_cast<int>(st->queued_count) : -1);
    for (const std::string& u : updated) std::printf("installed protocol package %s\n", u.c_str());
  }
  if (!s.is_ok()) return fail(s);
  return 0;
}

int cmd_import_receipts(Context& ctx, const std::string& file) {
  auto dev = kiosk::load_device(ctx.data_dir);
  if (!dev.is_ok()) return fail(dev.status());
  auto box = open_outbox(ctx);
  if (!box.is_ok()) return fail(box.status());
  auto text = platform::read_file(file, 512u << 20);
  if (!text.is_ok()) return fail(text.status());
  int acked = 0, already = 0, bad = 0, line_no = 0;
  std::stringstream ss(text.value());
  std::string line;
  while (std::getline(ss, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto r = datasync::receipt_from_json(line);
    if (!r.is_ok()) {
      std::fprintf(stderr, "kioskctl: %s line %d: %s\n", file.c_str(), line_no, r.status().message().c_str());
      ++bad;
      continue;
    }
    auto a = box.value()->acknowledge(r.value(), dev.value()->databank_receipt);
    if (!a.is_ok()) {
      std::fprintf(stderr, "kioskctl: %s line %d: %s\n", file.c_str(), line_no, a.status().to_string().c_str());
      ++bad;
    } else if (a.value() == datasync::AckOutcome::kAcked) {
      ++acked;
    } else {
      ++already;
    }
  }
  std::printf("receipts: %d acknowledged, %d already acknowledged, %d refused\n", acked, already, bad);
  return bad == 0 ? 0 : kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // everything this tool creates is private to the kiosk's user
  if (Status s = platform::forbid_core_dumps(); !s.is_ok()) return fail(s);  // it opens staff cards and makes bundles
  if (Status s = platform::crypto_init(); !s.is_ok()) return fail(s);
  Context ctx;
  CLI::App app{"kioskctl: set up, inspect and export the enrollment kiosk's data; manage staff accounts; check the audit chain.\n"
               "Data dir: --data-dir, else $KIOSK_DATA_DIR, else $XDG_DATA_HOME/bbd-kiosk or "
               "~/.local/share/bbd-kiosk."};
  app.require_subcommand(1);
  app.fallthrough();  // global flags are accepted after the subcommand too
  // Usage errors are one line too, like every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "kioskctl: usage: " + std::string(e.what()) + " (see kioskctl --help)\n";
  });
  app.add_option("--data-dir", ctx.data_dir_flag, "the kiosk's data directory (created 0700)");

  auto* demo_init = app.add_subcommand("demo-init", "create a demo device and demo data bank keys (never overwrites keys), and install the repository's protocol packages signed with the demo forms key");
  bool no_forms = false;
  demo_init->add_flag("--no-forms", no_forms, "do not install the protocol packages");
  EnrollFlags ef;
  auto* enroll = app.add_subcommand("enroll", "submit synthetic enrollments through the real submit path; prints each id once committed");
  enroll->add_option("--synthetic", ef.synthetic, "how many synthetic participants to enroll")->required()->check(CLI::Range(1, 10'000'000));
  enroll->add_option("--seed", ef.seed, "random seed (default: random)")->each([&](const std::string&) { ef.seed_set = true; });
  enroll->add_option("--marker", ef.marker, "embed this text in name, answers and phone (leak tests)");
  enroll->add_option("--bytes", ef.bytes, "pad each bundle to about this many bytes")->check(CLI::Range(0, 4'000'000));
  bool as_json = false;
  auto* status = app.add_subcommand("status", "queue and verification-card counts");
  status->add_flag("--json", as_json, "print one JSON object");
  std::string out;
  auto* exp = app.add_subcommand("export", "write queued envelopes and a manifest to a file (USB path)");
  exp->add_option("--out", out, "the file to write (atomically)")->required();
  auto* demo = app.add_subcommand("demo", "demo-init, enroll 3 synthetic participants, show status");
  std::optional<std::string> assets_flag;
  app.add_option("--assets", assets_flag, "the assets folder (default: $KIOSK_ASSETS_DIR, else the source tree's assets/)");

  auto* form = app.add_subcommand("form", "check, fill in and show FHIR Questionnaires and protocol packages");
  form->require_subcommand(1);
  std::vector<std::string> check_files;
  auto* form_check = form->add_subcommand("check", "validate files; one 'pointer (linkId): message' line per problem");
  form_check->add_option("FILE", check_files, "Questionnaire or protocol package JSON files")->required()->check(CLI::ExistingFile);
  std::string fill_file, fill_answers, fill_lang = "ko";
  auto* form_fill = form->add_subcommand("fill", "apply answers (linkId -> value(s); choices by code) and print the QuestionnaireResponse");
  form_fill->add_option("FILE", fill_file, "a Questionnaire (or a package: a Bundle of responses)")->required()->check(CLI::ExistingFile);
  form_fill->add_option("--answers", fill_answers, "answers JSON file")->required()->check(CLI::ExistingFile);
  form_fill->add_option("--lang", fill_lang, "ko or en")->check(CLI::IsMember({"ko", "en"}));
  std::string show_file, show_answers, show_lang = "ko";
  auto* form_show = form->add_subcommand("show", "a readable outline for form authors");
  form_show->add_option("FILE", show_file, "Questionnaire or protocol package")->required()->check(CLI::ExistingFile);
  form_show->add_option("--lang", show_lang, "ko or en")->check(CLI::IsMember({"ko", "en"}));
  form_show->add_option("--answers", show_answers, "answers JSON: show which items are enabled")->check(CLI::ExistingFile);

  kiosk::ProvisionOptions prov;
  auto* provision = app.add_subcommand("provision", "register this device with the data bank (keys, pins, data bank keys)");
  provision->add_option("--server", prov.server_url, "the data bank's URL, https://host:port")->required();
  provision->add_option("--enroll-code", prov.enroll_code, "the single-use code from `databank-ingest enroll-code`")->required();
  provision->add_option("--cacert", prov.ca_file, "a CA bundle to check the server certificate against too")->check(CLI::ExistingFile);
  bool sync_once = false, sync_json = false;
  auto* sync_cmd = app.add_subcommand("sync", "deliver the queue to the data bank now and report; then fetch newer signed forms");
  sync_cmd->add_flag("--once", sync_once, "one attempt, no retries");
  sync_cmd->add_flag("--json", sync_json, "print one JSON object");
  std::string receipts_file;
  auto* import_receipts = app.add_subcommand("import-receipts", "apply the data bank's receipts from a USB import");
  import_receipts->add_option("R", receipts_file, "receipts file from `databank-ingest import`")->required()->check(CLI::ExistingFile);

  auto* forms_cmd = app.add_subcommand("forms", "install signed protocol packages on this device");
  forms_cmd->require_subcommand(1);
  std::string install_pkg, install_sig;
  auto* forms_install = forms_cmd->add_subcommand("install", "verify the data bank's signature, validate, install");
  forms_install->add_option("PKG", install_pkg, "protocol package JSON")->required()->check(CLI::ExistingFile);
  forms_install->add_option("SIG", install_sig, "its detached signature (base64)")->required()->check(CLI::ExistingFile);
  std::string sign_pkg, sign_out;
  auto* forms_sign = forms_cmd->add_subcommand("demo-sign", "demo devices only: sign a package with the demo forms key");
  forms_sign->add_option("PKG", sign_pkg, "protocol package JSON")->required()->check(CLI::ExistingFile);
  forms_sign->add_option("--out", sign_out, "signature file to write")->required();

  auto* staff_cmd = app.add_subcommand("staff", "staff accounts for the kiosk's staff screens (nurses, IT); PINs are read twice from standard input");
  staff_cmd->require_subcommand(1);
  StaffFlags sf;
  auto* staff_add = staff_cmd->add_subcommand("add", "add an account; prints its id. PIN: 6-12 digits, common PINs refused, typed twice");
  staff_add->add_option("--name", sf.name, "the name the PIN screen shows")->required();
  staff_add->add_option("--role", sf.role, "nurse (verifies participants, links kits) or it (status, unlocks accounts)")
      ->required()->check(CLI::IsMember({"nurse", "it"}));
  auto* staff_list = staff_cmd->add_subcommand("list", "active accounts: id, role, state (ok, failures, locked), name; never PIN hashes");
  staff_list->add_flag("--json", sf.json, "print one JSON array");
  auto* staff_remove = staff_cmd->add_subcommand("remove", "an account can no longer sign in (its id stays in the audit trail)");
  staff_remove->add_option("--id", sf.id, "the account's id (see staff list)")->required();
  auto* staff_reset = staff_cmd->add_subcommand("reset-pin", "set a new PIN (typed twice); also clears failures and the lock");
  staff_reset->add_option("--id", sf.id, "the account's id (see staff list)")->required();
  auto* staff_unlock = staff_cmd->add_subcommand("unlock", "unlock an account locked after 5 wrong PINs");
  staff_unlock->add_option("--id", sf.id, "the account's id (see staff list)")->required();
  auto* audit_cmd = app.add_subcommand("audit", "the audit chain of staff actions and submissions");
  audit_cmd->require_subcommand(1);
  auto* audit_verify = audit_cmd->add_subcommand("verify", "check every hash link; names the first broken one and exits 1 if the chain is broken");
  auto* audit_send = audit_cmd->add_subcommand("send", "seal the audit events not yet sent into event envelopes and queue them (the next sync or export carries them)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // 2: usage error
  }
  // Commands that work on files alone never create a data dir.
  if (form_check->parsed()) return cmd_form_check(check_files);
  if (form_fill->parsed()) return cmd_form_fill(ctx, fill_file, fill_answers, fill_lang);
  if (form_show->parsed()) return cmd_form_show(show_file, show_lang, show_answers);
  if (Status s = open_data_dir(ctx); !s.is_ok()) return fail(s);
  if (forms_install->parsed()) return cmd_forms_install(ctx, install_pkg, install_sig);
  if (provision->parsed()) return cmd_provision(ctx, prov);
  if (sync_cmd->parsed()) return cmd_sync(ctx, sync_once, sync_json);
  if (import_receipts->parsed()) return cmd_import_receipts(ctx, receipts_file);
  if (forms_sign->parsed()) return cmd_forms_demo_sign(ctx, sign_pkg, sign_out);
  for (auto [cmd, action] : {std::pair{staff_add, "add"}, std::pair{staff_list, "list"}, std::pair{staff_remove, "remove"},
                             std::pair{staff_reset, "reset-pin"}, std::pair{staff_unlock, "unlock"}})
    if (cmd->parsed()) return cmd_staff(ctx, action, sf);
  if (audit_verify->parsed()) return cmd_audit_verify(ctx);
  if (audit_send->parsed()) return cmd_audit_send(ctx);
  if (demo_init->parsed()) {
    if (int rc = cmd_demo_init(ctx); rc != 0) return rc;
    return no_forms ? 0 : install_demo_packages(ctx, assets_dir(assets_flag));
  }
  if (enroll->parsed()) return cmd_enroll(ctx, ef);
  if (status->parsed()) return cmd_status(ctx, as_json);
  if (exp->parsed()) return cmd_export(ctx, out);
  if (demo->parsed()) {
    if (int rc = cmd_demo_init(ctx); rc != 0) return rc;
    if (int rc = install_demo_packages(ctx, assets_dir(assets_flag)); rc != 0) return rc;
    EnrollFlags three;
    three.synthetic = 3;
    std::printf("\nenrolling 3 synthetic participants (sealed to the data bank, committed):\n");
    std::fflush(stdout);
    if (int rc = cmd_enroll(ctx, three); rc != 0) return rc;
    std::printf("\n");
    return cmd_status(ctx, false);
  }
  return fail(Status::internal("no subcommand ran"));
}
