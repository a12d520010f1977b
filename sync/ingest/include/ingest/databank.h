// ingest/databank.h: the reference data bank (`databank-ingest`): its key sets, its SQLite
// store, and the request handling of the sync protocol (docs/PROTOCOL.md), independent of
// the HTTP library so it can be tested and reused by the import path.
//
// Store (<dir>/ingest.db; WAL, synchronous=FULL, 16 KiB pages when created): devices,
// enroll codes (only a hash of the secret), envelopes stored idempotently by id with their
// receipts, conflicts set aside for review, request nonces, published protocol packages. A receipt is created inside the
// transaction that stores its envelope and returned only after COMMIT.
//
// Thread-safety: Databank serialises all store access with a mutex; any thread may call it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/status.h"
#include "sync/envelope.h"
#include "platform/ulid.h"

struct sqlite3;

namespace ingest {

struct KeySet {
  platform::SealPublicKey seal_pub;
  platform::SealSecretKey seal_sec;
  platform::SignPublicKey receipt_pub;
  platform::SignSecretKey receipt_sec;
  platform::SignPublicKey forms_pub;
  platform::SignSecretKey forms_sec;
};

// Creates <dir>/keys/{seal,receipt,forms}.{pub,key} (never overwriting) and the store.
platform::Status init_databank(const std::filesystem::path& dir);
platform::Result<std::unique_ptr<KeySet>> load_keys(const std::filesystem::path& dir);

// A reply: HTTP status, JSON body, and optional Retry-After seconds.
struct Reply {
  int status = 200;
  nlohmann::json body;
  int retry_after_s = 0;
};

struct RequestAuth {
  std::string device, timestamp, nonce, signature;
};

struct Stats {
  std::int64_t devices = 0, revoked = 0, envelopes = 0, conflicts = 0, by_import = 0;
};

class Databank {
 public:
  static platform::Result<std::unique_ptr<Databank>> open(const std::filesystem::path& dir, platform::Clock& clock);
  ~Databank();

  const KeySet& keys() const { return *keys_; }

  // For `serve`: WAL checkpoints move from the committing request to a thread of their own
  // (its own connection, PASSIVE, every `every`), with an inline one only past 64 MB of WAL.
  platform::Status start_background_checkpoints(std::chrono::milliseconds every);

  // Operator commands.
  platform::Result<std::string> make_enroll_code(const std::string& site, std::int64_t ttl_ms,
                                                 const std::string& tls_spki_sha256);
  platform::Status revoke(const std::string& device_id);
  // Registers a device out of band (demo set-ups; a device whose key was checked by other
  // means). Idempotent for the same key; refuses another key for a known id.
  platform::Status add_device(const std::string& device_id, const std::string& site, const platform::SignPublicKey& pub);
  platform::Result<Stats> stats();
  platform::Result<std::string> stored_envelope(const std::string& id);  // the envelope JSON
  platform::Result<std::string> publish_forms(const std::string& package_text);  // returns "<type>/<version>"
  // The USB path: stores every envelope of an export file as online ones would be and returns
  // the receipts file contents (one receipt JSON per line).
  platform::Result<std::string> import_export_file(const std::filesystem::path& file, int* stored, int* rejected);

  // Protocol handlers.
  Reply register_device(const std::string& body);
  Reply post_envelopes(const RequestAuth& auth, const std::string& path, const std::string& body);
  Reply list_forms();
  Reply get_forms(const std::string& type, const std::string& version);
  Reply health();

 private:
  Databank(sqlite3* db, std::filesystem::path dir, std::unique_ptr<KeySet> keys, platform::Clock& clock);
  struct Outcome {
    std::optional<nlohmann::json> receipt;
    std::string id;
    std::string rejection;
  };
  // One envelope after the checks that need no store: parsed, signature verified with the
  // device's key, seal opened and its inner fields matched, receipt signed. Thread-safe
  // (reads keys_ and the clock only).
  struct Checked {
    std::string id;
    std::string_view text;   // exactly as received: in the request body (or import line), which outlives it
    datasync::EnvelopeHeader header;
    std::string sha256;      // hex, of the sealed bytes
    std::string rejection;   // empty when every check passed
    std::string received;    // RFC 3339, and the receipt signed for it (used only if stored)
    std::string receipt;
  };
  Checked check_parsed(platform::Result<datasync::Envelope> parsed, std::string_view text, const std::string& device,
                       const platform::SignPublicKey& key) const;
  // REQUIRES: mu_ held and a transaction open.
  Outcome store_checked(const Checked& c, const std::string& via);
  // The USB path: looks the device up for each envelope. REQUIRES: mu_ held, transaction open.
  Outcome store_one(const std::string& envelope_json, const std::string& via);
  platform::Result<std::optional<platform::SignPublicKey>> device_key(const std::string& id, bool* revoked);

  std::mutex mu_;
  sqlite3* db_;
  std::filesystem::path dir_;
  std::unique_ptr<KeySet> keys_;
  platform::Clock& clock_;
  platform::UlidGenerator ids_;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;
};

}  // namespace ingest
