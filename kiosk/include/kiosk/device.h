// kiosk/device.h: this device's identity and the data bank keys it trusts, as stored in
// the data dir (see platform/paths.h for the layout).
//
//   device.json          {"device_id":"dev-<ULID>","site":"H012","mode":"demo"|"provisioned",
//                         "databank_keys":"<dir below the data dir holding seal.pub,
//                                           receipt.pub and forms.pub>"}
//   keys/device.sign.pub|.key   Ed25519, the device's signing key pair
//   keys/local.key              secretbox key for device-local secrets (verification cards)
//
// demo_init() creates a demo device and a demo data bank (keys clearly marked demo) so that
// one command shows the whole flow on one machine. It never overwrites a key.
//
// Thread-safety: load once at start-up, then read-only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/status.h"
#include "platform/ulid.h"
#include "sync/submit.h"

namespace kiosk {

inline constexpr char kDemoSite[] = "D000";
inline constexpr char kDemoDatabankDir[] = "demo-databank";
inline constexpr char kDatabaseFile[] = "kiosk.db";

struct Device {
  std::filesystem::path data_dir;
  std::string mode;  // "demo" or "provisioned"
  std::string server_url;  // provisioned: the data bank's URL
  std::string tls_pin;     // provisioned: base64 SHA-256 of the server's TLS public key ("" for loopback http)
  std::string ca_file;     // optional CA bundle given at provisioning
  datasync::DeviceIdentity identity;
  platform::SignPublicKey sign_pub;
  platform::LocalKey local_key;
  platform::SealPublicKey databank_seal;
  platform::SignPublicKey databank_receipt;
  platform::SignPublicKey databank_forms;
};

// Loads device.json and every key, checking that the device key pair matches.
platform::Result<std::unique_ptr<Device>> load_device(const std::filesystem::path& data_dir);

// Creates what is missing of a demo device and demo data bank; returns one line per file
// created or kept. Refuses a data dir already provisioned for a real data bank.
platform::Result<std::vector<std::string>> demo_init(const std::filesystem::path& data_dir,
                                                     platform::UlidGenerator& ids);

struct ProvisionOptions {
  std::string server_url;
  std::string enroll_code;
  std::string ca_file;
};

// Registers this device with the data bank: makes the device keys, POSTs /v1/devices over a
// connection pinned to the TLS key named in the enroll code, checks the returned data bank
// keys against the code's fingerprint (a mismatch stops with nothing written), then stores
// keys, data bank public keys and device.json. Refuses a data dir that already has a device.
platform::Result<std::string> provision(const std::filesystem::path& data_dir, const ProvisionOptions& opt,
                                        platform::SystemClock& clock);

}  // namespace kiosk
