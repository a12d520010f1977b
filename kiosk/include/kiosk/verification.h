// kiosk/verification.h: the nurse's side of an enrollment (issue 6), without drawing.
//
//   VerificationDesk::pending()  the waiting verification cards: envelope id, submitted and
//                                expiry times, participation type (each card is opened for its
//                                type and wiped again at once; no names in the list)
//   VerificationDesk::open(id)   one card's name and birth date (and the representative's),
//                                for the row or screen being shown: an OpenCard, wiped when it
//                                is destroyed
//   VerificationDesk::begin()    a Verification in progress for a signed-in nurse: the card,
//                                the ID checks, the two kit slots (each scanned twice)
//   confirm_verified() / reject() / expire_due()
//                                seal the attestation (forms/attestation_bundle.h) to the data
//                                bank and, in ONE outbox transaction (Outbox::attest), queue it,
//                                link the kits, destroy the card and append the audit event
//
// Rules:
//   - Verified needs: the ID document type; name and birth date match; for a legal
//     representative, their ID document, name and relationship checked too; at least one kit
//     confirmed (blood tube and/or urine cup; a kit type at most once). Rejected needs a
//     reason code and links no kit. The card is gone after either.
//   - A kit barcode must be valid (kiosk/kit.h), of the slot's type, not linked on this device
//     before, and scanned (or typed) twice the same before it counts; a different second scan
//     clears the slot.
//   - Cards past their expiry (12 h) become `expired` attestations: expire_due(), which the app
//     calls at start-up and on a timer (e.g. every minute); kioskctl calls it whenever it
//     opens the database.
//   - Audit events (codes and ids only): verification.verified / verification.rejected
//     (actor = the nurse, ref = the enrollment), card.expired (ref = the enrollment).
//
// Thread-safety: a VerificationDesk and its Verifications belong to one thread (the UI's, or
// a worker the UI hands confirm() to); the Outbox behind them is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/kit.h"
#include "kiosk/staff.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/status.h"
#include "platform/ulid.h"
#include "sync/outbox.h"
#include "sync/submit.h"

namespace kiosk {

enum class IdDocument { kResidentCard, kDriversLicence, kPassport, kAlienRegistrationCard, kOther };
// resident-card, drivers-licence, passport, alien-registration-card, other
const char* id_document_code(IdDocument d);
std::optional<IdDocument> id_document_from(std::string_view code);

// Why a nurse rejected: a fixed list of codes, so that no free text (and no PII) can travel.
enum class RejectReason {
  kNameMismatch,               // name-mismatch
  kBirthDateMismatch,          // birth-date-mismatch
  kDocumentNotAccepted,        // document-not-accepted (expired, damaged, not an ID)
  kNoDocument,                 // no-document
  kRepresentativeNotVerified,  // representative-not-verified
  kWithdrew,                   // withdrew (the participant changed their mind)
  kOther,                      // other
};
const char* reject_reason_code(RejectReason r);
std::optional<RejectReason> reject_reason_from(std::string_view code);

struct PendingCard {
  std::string envelope_id;
  std::int64_t submitted_unix_ms = 0;
  std::int64_t expires_unix_ms = 0;
  std::string participation_type;  // rare | severe | general
  bool has_representative = false;
};

// One decrypted card. Wiped (sodium_memzero) on destruction and when moved from. Move-only.
class OpenCard {
 public:
  OpenCard() = default;
  OpenCard(std::string envelope_id, datasync::VerificationCard card, std::int64_t submitted,
           std::int64_t expires)
      : envelope_id_(std::move(envelope_id)),
        card_(std::move(card)),
        submitted_ms_(submitted),
        expires_ms_(expires) {}
  ~OpenCard() { card_.wipe(); }
  OpenCard(OpenCard&& o) noexcept;
  OpenCard& operator=(OpenCard&& o) noexcept;
  OpenCard(const OpenCard&) = delete;
  OpenCard& operator=(const OpenCard&) = delete;

  const std::string& envelope_id() const { return envelope_id_; }
  const datasync::VerificationCard& card() const { return card_; }
  std::int64_t submitted_unix_ms() const { return submitted_ms_; }
  std::int64_t expires_unix_ms() const { return expires_ms_; }

 private:
  std::string envelope_id_;
  datasync::VerificationCard card_;
  std::int64_t submitted_ms_ = 0;
  std::int64_t expires_ms_ = 0;
};

struct IdentityCheck {
  std::optional<IdDocument> document;  // unset until the nurse picks one
  bool name_matches = false;
  bool birth_date_matches = false;
};

struct RepresentativeCheck {
  std::optional<IdDocument> document;
  bool name_matches = false;
  bool relationship_confirmed = false;
};

enum class KitSlotState { kEmpty, kAwaitingConfirm, kConfirmed };

struct KitSlot {
  KitKind kind = KitKind::kBlood;
  KitSlotState state = KitSlotState::kEmpty;
  std::string barcode;  // canonical; "" when empty
};

enum class ScanOutcome {
  kFirstScan,      // accepted; scan the same kit again to confirm
  kConfirmed,      // the second scan matched: the slot holds this kit
  kMismatch,       // the second scan differs from the first: the slot is empty again
  kInvalid,        // not a kit barcode, or the check character is wrong
  kWrongKind,      // a urine cup scanned into the blood slot, or the other way
  kAlreadyLinked,  // linked to an enrollment on this device before
  kAlreadyHere,    // the other slot of this verification holds it
};
const char* scan_outcome_name(ScanOutcome o);

struct ScanResult {
  ScanOutcome outcome = ScanOutcome::kInvalid;
  std::string message;  // for the nurse; names the barcode, never the participant
};

class VerificationDesk;

// One verification in progress: made by VerificationDesk::begin(), finished by its
// confirm_verified() or reject(), or simply dropped (nothing is stored; the card stays).
class Verification {
 public:
  const OpenCard& card() const { return card_; }
  const std::string& enrollment_id() const { return card_.envelope_id(); }
  const std::string& nurse_id() const { return nurse_id_; }

  IdentityCheck identity;
  RepresentativeCheck representative;  // used only when card().card().has_representative()

  // A scan (or typed code) for one slot. See ScanOutcome.
  ScanResult scan(KitKind slot, std::string_view text);
  void clear_kit(KitKind slot);
  const KitSlot& kit(KitKind slot) const { return slot == KitKind::kBlood ? blood_ : urine_; }

  // What still stops "verified", one short English phrase each; empty when it may be confirmed.
  std::vector<std::string> missing_for_verified() const;

 private:
  friend class VerificationDesk;
  Verification(VerificationDesk& desk, OpenCard card, std::string nurse_id)
      : desk_(&desk), card_(std::move(card)), nurse_id_(std::move(nurse_id)) {}
  KitSlot& slot(KitKind k) { return k == KitKind::kBlood ? blood_ : urine_; }

  VerificationDesk* desk_;
  OpenCard card_;
  std::string nurse_id_;
  KitSlot blood_{KitKind::kBlood, KitSlotState::kEmpty, ""};
  KitSlot urine_{KitKind::kUrine, KitSlotState::kEmpty, ""};
  bool finished_ = false;
};

class VerificationDesk {
 public:
  // REQUIRES: every reference outlives the desk.
  VerificationDesk(datasync::Outbox& outbox, const datasync::DeviceIdentity& device,
                   const platform::SealPublicKey& databank, const platform::LocalKey& local_key,
                   const platform::Clock& clock, platform::UlidGenerator& ids)
      : outbox_(outbox),
        device_(device),
        databank_(databank),
        local_key_(local_key),
        clock_(clock),
        ids_(ids) {}

  // Cards still waiting, oldest first (expired ones included until expire_due() runs).
  platform::Result<std::vector<PendingCard>> pending();
  platform::Result<OpenCard> open(std::string_view enrollment_id);

  // kPermissionDenied unless `nurse` is an active nurse session (touched here);
  // kNotFound if the card is gone.
  platform::Result<Verification> begin(StaffSession& nurse, std::string_view enrollment_id);

  // Seals and stores the attestation; returns its envelope id. Refuses (kInvalidArgument,
  // naming what is missing) unless missing_for_verified() is empty; kAlreadyExists if a kit
  // was linked meanwhile (its slot is cleared; nothing stored). On success the Verification
  // is finished (its card wiped) and cannot be used again.
  platform::Result<std::string> confirm_verified(StaffSession& nurse, Verification& v);
  platform::Result<std::string> reject(StaffSession& nurse, Verification& v, RejectReason why);

  // Every card whose expiry has passed becomes an `expired` attestation (one transaction
  // each). Returns how many. A card that cannot be opened any more (local key replaced) is
  // expired all the same: its attestation needs nothing from it.
  platform::Result<int> expire_due();

  // For the status screen and tests: whether a barcode is already linked here.
  platform::Result<bool> kit_linked(std::string_view barcode);

 private:
  platform::Status check_nurse(StaffSession& nurse, const Verification* v);
  platform::Result<std::string> store(const std::string& enrollment_id, const std::string& outcome,
                                      const std::string& reason, const std::string& staff_id,
                                      const Verification* v, const char* audit_code);

  datasync::Outbox& outbox_;
  const datasync::DeviceIdentity& device_;
  const platform::SealPublicKey& databank_;
  const platform::LocalKey& local_key_;
  const platform::Clock& clock_;
  platform::UlidGenerator& ids_;
};

// Seals audit events not yet sent into `event` envelopes (forms::make_audit_bundle; up to
// kAuditEventsPerEnvelope each) and queues them, marking them sent in the same transaction.
// Does nothing while fewer than `min_events` are waiting: the app passes e.g. 50 after staff
// actions and 1 before each sync. Returns how many envelopes were queued. The acknowledgement
// of an event envelope is itself not audited, so sending never feeds itself.
inline constexpr std::size_t kAuditEventsPerEnvelope = 500;
platform::Result<int> queue_audit_events(datasync::Outbox& outbox,
                                         const datasync::DeviceIdentity& device,
                                         const platform::SealPublicKey& databank,
                                         const platform::Clock& clock, platform::UlidGenerator& ids,
                                         std::size_t min_events);

}  // namespace kiosk
