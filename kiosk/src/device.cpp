#include "kiosk/device.h"

#include <nlohmann/json.hpp>

#include "platform/fs.h"
#include "platform/keyfile.h"
#include "sync/protocol.h"
#include "sync/transport.h"

namespace kiosk {

namespace fs = std::filesystem;
using platform::Result;
using platform::Status;

namespace {

template <typename T>
Status take(Result<T> r, T& out) {
  if (!r.is_ok()) return r.status();
  out = std::move(r.value());
  return Status::ok();
}

// Creates a key pair's files unless both exist; a lone half is an error (never silently
// replaced: the other half may be registered somewhere).
template <typename KeyPair>
Status ensure_pair(const fs::path& pub, const fs::path& sec, KeyPair (*generate)(),
                   std::vector<std::string>& report) {
  bool has_pub = fs::exists(pub), has_sec = fs::exists(sec);
  if (has_pub && has_sec) {
    report.push_back("kept    " + pub.string() + " and .key");
    return Status::ok();
  }
  if (has_pub != has_sec)
    return Status::corruption("only one half of the key pair " + pub.string() + " / " +
                              sec.string() + " exists; restore the missing file or move both away");
  KeyPair kp = generate();
  KIOSK_RETURN_IF_ERROR(platform::write_secret_key_file(sec, kp.sec.view()));
  KIOSK_RETURN_IF_ERROR(platform::write_public_key_file(pub, kp.pub.view()));
  report.push_back("created " + pub.string() + " and .key");
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Device>> load_device(const fs::path& data_dir) {
  fs::path cfg_path = data_dir / "device.json";
  if (!fs::exists(cfg_path))
    return Status::not_found("no device set up in " + data_dir.string() +
                             " (run `kioskctl demo-init` or `kioskctl provision`)");
  Result<std::string> text = platform::read_file(cfg_path, 64 * 1024);
  if (!text.is_ok()) return text.status();
  nlohmann::json cfg = nlohmann::json::parse(text.value(), nullptr, false);
  auto str = [&](const char* k) -> std::string {
    return cfg.is_object() && cfg.contains(k) && cfg[k].is_string() ? cfg[k].get<std::string>() : "";
  };
  auto dev = std::make_unique<Device>();
  dev->data_dir = data_dir;
  dev->identity.device_id = str("device_id");
  dev->identity.site = str("site");
  dev->mode = str("mode");
  dev->server_url = str("server");
  dev->tls_pin = str("tls_pin");
  dev->ca_file = str("ca_file");
  std::string bank_dir = str("databank_keys");
  if (cfg.is_discarded() || dev->identity.device_id.empty() || dev->identity.site.empty() ||
      dev->mode.empty() || bank_dir.empty() || bank_dir.find("..") != std::string::npos)
    return Status::invalid_argument(cfg_path.string() +
                                    ": needs string fields device_id, site, mode, databank_keys");
  const fs::path keys = data_dir / "keys";
  const fs::path bank = data_dir / bank_dir;
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_secret_key(keys / "device.sign.key"), dev->identity.sign_key));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_public_key(keys / "device.sign.pub"), dev->sign_pub));
  KIOSK_RETURN_IF_ERROR(take(platform::read_local_key(keys / "local.key"), dev->local_key));
  KIOSK_RETURN_IF_ERROR(take(platform::read_seal_public_key(bank / "seal.pub"), dev->databank_seal));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_public_key(bank / "receipt.pub"), dev->databank_receipt));
  KIOSK_RETURN_IF_ERROR(take(platform::read_sign_public_key(bank / "forms.pub"), dev->databank_forms));
  if (!(platform::sign_public_from_secret(dev->identity.sign_key) == dev->sign_pub))
    return Status::corruption((keys / "device.sign.pub").string() +
                              " does not match device.sign.key; the key files were mixed up");
  return dev;
}

Result<std::vector<std::string>> demo_init(const fs::path& data_dir, platform::UlidGenerator& ids) {
  std::vector<std::string> report;
  const fs::path cfg_path = data_dir / "device.json";
  if (fs::exists(cfg_path)) {
    Result<std::string> text = platform::read_file(cfg_path, 64 * 1024);
    if (!text.is_ok()) return text.status();
    nlohmann::json cfg = nlohmann::json::parse(text.value(), nullptr, false);
    if (cfg.is_discarded() || !cfg.is_object())
      return Status::invalid_argument(cfg_path.string() + " is not valid JSON; not touching it");
    if (cfg.value("mode", "") != "demo")
      return Status::invalid_argument(data_dir.string() +
                                      " belongs to a provisioned device; demo-init refuses to mix "
                                      "demo keys into it");
  }
  const fs::path keys = data_dir / "keys";
  const fs::path bank = data_dir / kDemoDatabankDir;
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(keys));
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(bank));
  KIOSK_RETURN_IF_ERROR(ensure_pair(keys / "device.sign.pub", keys / "device.sign.key",
                                    &platform::generate_sign_keypair, report));
  if (!fs::exists(keys / "local.key")) {
    platform::LocalKey k = platform::generate_local_key();
    KIOSK_RETURN_IF_ERROR(platform::write_secret_key_file(keys / "local.key", k.view()));
    report.push_back("created " + (keys / "local.key").string());
  } else {
    report.push_back("kept    " + (keys / "local.key").string());
  }
  KIOSK_RETURN_IF_ERROR(ensure_pair(bank / "seal.pub", bank / "seal.key", &platform::generate_seal_keypair, report));
  KIOSK_RETURN_IF_ERROR(ensure_pair(bank / "receipt.pub", bank / "receipt.key", &platform::generate_sign_keypair, report));
  KIOSK_RETURN_IF_ERROR(ensure_pair(bank / "forms.pub", bank / "forms.key", &platform::generate_sign_keypair, report));
  Status readme = platform::write_file_atomic(
      bank / "README-DEMO.txt",
      "DEMO DATA BANK KEYS. Made by `kioskctl demo-init` for a demonstration on one machine.\n"
      "Never use them for real participants: the secret keys sit beside the kiosk.\n",
      0644, /*overwrite=*/false);
  if (!readme.is_ok() && readme.kind() != platform::StatusKind::kAlreadyExists) return readme;
  if (!fs::exists(cfg_path)) {
    nlohmann::json cfg = {{"device_id", "dev-" + ids.next()},
                          {"site", kDemoSite},
                          {"mode", "demo"},
                          {"databank_keys", kDemoDatabankDir}};
    KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(cfg_path, cfg.dump(2) + "\n", 0600, false));
    report.push_back("created " + cfg_path.string() + " (demo device " + cfg["device_id"].get<std::string>() + ")");
  } else {
    report.push_back("kept    " + cfg_path.string());
  }
  return report;
}

Result<std::string> provision(const fs::path& data_dir, const ProvisionOptions& opt, platform::SystemClock& clock) {
  if (fs::exists(data_dir / "device.json"))
    return Status::already_exists(data_dir.string() + " already holds a device (device.json); provision into an empty data dir");
  Result<datasync::EnrollCode> code = datasync::decode_enroll_code(opt.enroll_code);
  if (!code.is_ok()) return code.status();
  const bool https = opt.server_url.rfind("https://", 0) == 0;
  if (https && code->tls_spki_sha256.empty())
    return Status::invalid_argument("this enroll code names no TLS key, so an https server cannot be authenticated");
  datasync::CurlOptions copt;
  copt.base_url = opt.server_url;
  copt.pinned_spki_sha256 = code->tls_spki_sha256;
  copt.ca_file = opt.ca_file;
  Result<std::unique_ptr<datasync::Transport>> t = datasync::make_curl_transport(copt);
  if (!t.is_ok()) return t.status();
  platform::SignKeyPair dk = platform::generate_sign_keypair();
  nlohmann::json req = {{"enroll_code", opt.enroll_code}, {"sign_pub", platform::base64_encode(dk.pub.view())}};
  Result<datasync::HttpResponse> res = t.value()->send({"POST", "/v1/devices", {}, req.dump()});
  if (!res.is_ok()) return res.status().with_context("registering with " + opt.server_url);
  nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 201 || !j.is_object()) {
    std::string why = j.is_object() ? j.value("message", j.value("error", "")) : "not a data bank reply";
    return Status::permission_denied("the data bank refused the registration (HTTP " + std::to_string(res->status) + "): " + why);
  }
  auto key = [&](const char* name, std::size_t size) -> Result<platform::Bytes> {
    if (!j.contains(name) || !j[name].is_string()) return Status::invalid_argument(std::string("registration reply lacks ") + name);
    Result<platform::Bytes> b = platform::base64_decode(j[name].get<std::string>());
    if (!b.is_ok() || b->size() != size) return Status::invalid_argument(std::string("registration reply: bad ") + name);
    return b;
  };
  Result<platform::Bytes> seal = key("seal_pub", platform::kSealPublicKeyBytes);
  Result<platform::Bytes> receipt = key("receipt_pub", platform::kSignPublicKeyBytes);
  Result<platform::Bytes> forms = key("forms_pub", platform::kSignPublicKeyBytes);
  if (!seal.is_ok()) return seal.status();
  if (!receipt.is_ok()) return receipt.status();
  if (!forms.is_ok()) return forms.status();
  platform::SealPublicKey sp;
  platform::SignPublicKey rp, fp;
  std::copy(seal->begin(), seal->end(), sp.bytes.begin());
  std::copy(receipt->begin(), receipt->end(), rp.bytes.begin());
  std::copy(forms->begin(), forms->end(), fp.bytes.begin());
  if (datasync::keys_fingerprint(sp, rp, fp) != code->keys_fingerprint)
    return Status::crypto("the data bank's keys do not match the enroll code's fingerprint; provisioning stopped, nothing was stored");
  const std::string device_id = j.value("device_id", "");
  const std::string site = j.value("site", "");
  if (device_id.empty() || site.empty()) return Status::invalid_argument("registration reply lacks device_id or site");
  if (j.contains("server_time") && j["server_time"].is_number_integer())
    clock.set_offset_ms(j["server_time"].get<std::int64_t>() - (clock.now_unix_ms() - clock.offset_ms()));
  const fs::path keys = data_dir / "keys", bank = data_dir / "databank";
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(keys));
  KIOSK_RETURN_IF_ERROR(platform::ensure_private_dir(bank));
  KIOSK_RETURN_IF_ERROR(platform::write_secret_key_file(keys / "device.sign.key", dk.sec.view()));
  KIOSK_RETURN_IF_ERROR(platform::write_public_key_file(keys / "device.sign.pub", dk.pub.view()));
  if (!fs::exists(keys / "local.key")) {
    platform::LocalKey lk = platform::generate_local_key();
    KIOSK_RETURN_IF_ERROR(platform::write_secret_key_file(keys / "local.key", lk.view()));
  }
  KIOSK_RETURN_IF_ERROR(platform::write_public_key_file(bank / "seal.pub", sp.view()));
  KIOSK_RETURN_IF_ERROR(platform::write_public_key_file(bank / "receipt.pub", rp.view()));
  KIOSK_RETURN_IF_ERROR(platform::write_public_key_file(bank / "forms.pub", fp.view()));
  nlohmann::json cfg = {{"device_id", device_id}, {"site", site},         {"mode", "provisioned"},
                        {"databank_keys", "databank"}, {"server", opt.server_url}, {"tls_pin", code->tls_spki_sha256},
                        {"ca_file", opt.ca_file}};
  // device.json last: until it exists the data dir holds no usable device.
  KIOSK_RETURN_IF_ERROR(platform::write_file_atomic(data_dir / "device.json", cfg.dump(2) + "\n", 0600, false));
  return device_id;
}

}  // namespace kiosk
