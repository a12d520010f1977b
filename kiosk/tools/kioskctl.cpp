// kioskctl: the kiosk's provisioning and admin command line.
//
// Thin: parses flags, calls kiosk_core / kiosk_sync, prints results. Every error is one line
// on stderr saying what and where, and a non-zero exit status.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>

#include "kiosk/device.h"
#include "kiosk/synthetic.h"
#include "platform/clock.h"
#include "platform/fs.h"
#include "platform/log.h"
#include "platform/paths.h"
#include "platform/ulid.h"
#include "sync/sqlite_outbox.h"
#include "sync/submit.h"
#include "sync/usb_export.h"

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

// Opens the outbox and destroys verification cards past their expiry on the way.
Result<std::unique_ptr<datasync::SqliteOutbox>> open_outbox(Context& ctx) {
  auto box = datasync::SqliteOutbox::open(ctx.data_dir / kiosk::kDatabaseFile);
  if (!box.is_ok()) return box.status();
  Result<int> expired = box.value()->expire_cards(ctx.clock.now_unix_ms());
  if (!expired.is_ok()) return expired.status();
  if (expired.value() > 0) platform::log::info("cards.expired", {{"count", expired.value()}});
  return box;
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

}  // namespace

int main(int argc, char** argv) {
  ::umask(077);  // everything this tool creates is private to the kiosk's user
  if (Status s = platform::crypto_init(); !s.is_ok()) return fail(s);
  Context ctx;
  CLI::App app{"kioskctl: set up, inspect and export the enrollment kiosk's data.\n"
               "Data dir: --data-dir, else $KIOSK_DATA_DIR, else $XDG_DATA_HOME/bbd-kiosk or "
               "~/.local/share/bbd-kiosk."};
  app.require_subcommand(1);
  // Usage errors are one line too, like every other error.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "kioskctl: usage: " + std::string(e.what()) + " (see kioskctl --help)\n";
  });
  app.add_option("--data-dir", ctx.data_dir_flag, "the kiosk's data directory (created 0700)");

  auto* demo_init = app.add_subcommand("demo-init", "create a demo device and demo data bank keys (never overwrites keys)");
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // 2: usage error
  }
  if (Status s = open_data_dir(ctx); !s.is_ok()) return fail(s);
  if (demo_init->parsed()) return cmd_demo_init(ctx);
  if (enroll->parsed()) return cmd_enroll(ctx, ef);
  if (status->parsed()) return cmd_status(ctx, as_json);
  if (exp->parsed()) return cmd_export(ctx, out);
  if (demo->parsed()) {
    if (int rc = cmd_demo_init(ctx); rc != 0) return rc;
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
