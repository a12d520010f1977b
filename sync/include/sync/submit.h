// sync/submit.h: the one path by which an enrollment enters the outbox.
//
// submit_enrollment() seals the FHIR Bundle to the data bank, signs the envelope with the
// device key, encrypts the nurse's verification card with the device's local key (expiring
// after at most 12 hours), and stores envelope + card + audit event in one transaction.
// When it returns an id, the enrollment is durable. The plaintext it was given is wiped
// before it returns, whether it succeeded or not.
//
// Thread-safety: one Submitter may be used from one thread at a time; the Outbox it writes
// to may be shared.
#pragma once

#include <cstdint>
#include <string>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "sync/outbox.h"

namespace datasync {

inline constexpr std::int64_t kCardLifetimeMs = 12LL * 60 * 60 * 1000;

struct DeviceIdentity {
  std::string device_id;  // "dev-<ULID>"
  std::string site;       // e.g. "H012"
  platform::SignSecretKey sign_key;
};

// What the nurse sees to check the participant's ID card. Plaintext: kiosk memory only.
struct VerificationCard {
  std::string name;
  std::string birth_date;          // YYYY-MM-DD
  std::string participation_type;  // "rare", "severe" or "general"
  // A legal representative signed: their name and relationship (v3 RoleCode, e.g. MTH), for
  // the nurse to check their ID too. Empty when the participant signed. Cards written before
  // these fields existed open with both empty. (Defaulted: 3-field initialisers stay valid.)
  std::string representative_name = {};
  std::string representative_relationship = {};

  bool has_representative() const { return !representative_name.empty(); }
  void wipe();  // sodium_memzero every field, then empty
};

struct EnrollmentInput {
  std::string id;           // the enrollment's ULID, chosen when the session began
  BundleJson bundle;        // a FHIR R4 Bundle (type collection)
  VerificationCard card;
};

// The card's plaintext JSON, bound to its envelope id (checked when it is opened).
std::string card_plaintext(const std::string& envelope_id, const VerificationCard& card);
platform::Result<VerificationCard> open_card(const SealedCard& sealed, const platform::LocalKey& key);

class Submitter {
 public:
  // REQUIRES: every reference outlives the Submitter.
  Submitter(Outbox& outbox, const DeviceIdentity& device, const platform::SealPublicKey& databank,
            const platform::LocalKey& local_key, const platform::Clock& clock)
      : outbox_(outbox), device_(device), databank_(databank), local_key_(local_key),
        clock_(clock) {}

  // Returns the envelope id once the enrollment is durably committed. Wipes `in`.
  platform::Result<std::string> submit_enrollment(EnrollmentInput& in);

 private:
  Outbox& outbox_;
  const DeviceIdentity& device_;
  const platform::SealPublicKey& databank_;
  const platform::LocalKey& local_key_;
  const platform::Clock& clock_;
};

}  // namespace datasync
