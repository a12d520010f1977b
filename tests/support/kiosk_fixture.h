// tests/support/kiosk_fixture.h: a demo data dir made by the real kioskctl, plus the demo
// data bank's secret keys so a test can open what the kiosk sealed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/crypto.h"
#include "sync/sqlite_outbox.h"
#include "test_support.h"

namespace testing_support {

struct DemoBank {
  platform::SealPublicKey seal_pub;
  platform::SealSecretKey seal_sec;
  platform::SignPublicKey device_pub;
  std::string device_id;
};

// Runs `kioskctl --data-dir DIR demo-init --no-forms`; REQUIREs success.
void demo_init(const std::filesystem::path& data_dir);
DemoBank load_demo_bank(const std::filesystem::path& data_dir);

std::vector<std::string> kioskctl_args(const std::filesystem::path& data_dir,
                                       std::vector<std::string> rest);

// Every envelope id in the outbox, in queue order (raw SQL, read-only).
std::vector<std::string> all_envelope_ids(const std::filesystem::path& db);

// PRAGMA quick_check on a read-only connection: "ok" or the problem.
std::string quick_check(const std::filesystem::path& db);

// Checks one stored envelope: present, signature verifies, opens with the data bank key to a
// bundle whose inner id and device match. Returns "" if all is well, else what is wrong.
std::string check_envelope(datasync::Outbox& box, const std::string& id, const DemoBank& bank);

}  // namespace testing_support
