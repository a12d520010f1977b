#include "kiosk/verification.h"

#include "forms/attestation_bundle.h"
#include "platform/log.h"
#include "sync/envelope.h"

namespace kiosk {

using datasync::AuditEvent;
using platform::Result;
using platform::Status;

namespace {

constexpr std::pair<IdDocument, const char*> kDocuments[] = {
    {IdDocument::kResidentCard, "resident-card"},
    {IdDocument::kDriversLicence, "drivers-licence"},
    {IdDocument::kPassport, "passport"},
    {IdDocument::kAlienRegistrationCard, "alien-registration-card"},
    {IdDocument::kOther, "other"},
};

constexpr std::pair<RejectReason, const char*> kReasons[] = {
    {RejectReason::kNameMismatch, "name-mismatch"},
    {RejectReason::kBirthDateMismatch, "birth-date-mismatch"},
    {RejectReason::kDocumentNotAccepted, "document-not-accepted"},
    {RejectReason::kNoDocument, "no-document"},
    {RejectReason::kRepresentativeNotVerified, "representative-not-verified"},
    {RejectReason::kWithdrew, "withdrew"},
    {RejectReason::kOther, "other"},
};

KitKind other_kind(KitKind k) {
  return k == KitKind::kBlood ? KitKind::kUrine : KitKind::kBlood;
}

}  // namespace

const char* id_document_code(IdDocument d) {
  for (const auto& [doc, code] : kDocuments)
    if (doc == d) return code;
  return "other";
}

std::optional<IdDocument> id_document_from(std::string_view code) {
  for (const auto& [doc, c] : kDocuments)
    if (code == c) return doc;
  return std::nullopt;
}

const char* reject_reason_code(RejectReason r) {
  for (const auto& [reason, code] : kReasons)
    if (reason == r) return code;
  return "other";
}

std::optional<RejectReason> reject_reason_from(std::string_view code) {
  for (const auto& [reason, c] : kReasons)
    if (code == c) return reason;
  return std::nullopt;
}

const char* scan_outcome_name(ScanOutcome o) {
  switch (o) {
    case ScanOutcome::kFirstScan:
      return "first-scan";
    case ScanOutcome::kConfirmed:
      return "confirmed";
    case ScanOutcome::kMismatch:
      return "mismatch";
    case ScanOutcome::kInvalid:
      return "invalid";
    case ScanOutcome::kWrongKind:
      return "wrong-kind";
    case ScanOutcome::kAlreadyLinked:
      return "already-linked";
    case ScanOutcome::kAlreadyHere:
      return "already-here";
  }
  return "?";
}

OpenCard::OpenCard(OpenCard&& o) noexcept
    : envelope_id_(std::move(o.envelope_id_)),
      card_(std::move(o.card_)),
      submitted_ms_(o.submitted_ms_),
      expires_ms_(o.expires_ms_) {
  o.card_.wipe();  // a moved-from string may keep its buffer (short strings): wipe it too
}

OpenCard& OpenCard::operator=(OpenCard&& o) noexcept {
  if (this != &o) {
    card_.wipe();
    envelope_id_ = std::move(o.envelope_id_);
    card_ = std::move(o.card_);
    submitted_ms_ = o.submitted_ms_;
    expires_ms_ = o.expires_ms_;
    o.card_.wipe();
  }
  return *this;
}

// --- Verification ---------------------------------------------------------------------------

ScanResult Verification::scan(KitKind slot_kind, std::string_view text) {
  if (finished_) return {ScanOutcome::kInvalid, "this verification is finished"};
  Result<KitBarcode> code = parse_kit_barcode(text);
  if (!code.is_ok()) return {ScanOutcome::kInvalid, code.status().message()};
  const std::string& bc = code->text;
  if (code->kind != slot_kind)
    return {ScanOutcome::kWrongKind, bc + " is a " + kit_kind_name(code->kind) + " kit, not a " +
                                         kit_kind_name(slot_kind) + " kit"};
  if (slot(other_kind(slot_kind)).barcode == bc)
    return {ScanOutcome::kAlreadyHere, bc + " is already in the other slot"};
  Result<bool> linked = desk_->kit_linked(bc);
  if (!linked.is_ok())
    return {ScanOutcome::kInvalid, "could not check " + bc + ": " + linked.status().message()};
  if (linked.value())
    return {ScanOutcome::kAlreadyLinked,
            bc + " is already linked to an enrollment on this device; take a new kit"};
  KitSlot& s = slot(slot_kind);
  if (s.state == KitSlotState::kAwaitingConfirm) {
    if (s.barcode == bc) {
      s.state = KitSlotState::kConfirmed;
      return {ScanOutcome::kConfirmed, bc + " confirmed"};
    }
    std::string first = s.barcode;
    s = KitSlot{slot_kind, KitSlotState::kEmpty, ""};
    return {ScanOutcome::kMismatch, "the second scan (" + bc + ") differs from the first (" +
                                        first + "); scan the kit again"};
  }
  if (s.state == KitSlotState::kConfirmed && s.barcode == bc)
    return {ScanOutcome::kConfirmed, bc + " confirmed"};
  s = KitSlot{slot_kind, KitSlotState::kAwaitingConfirm, bc};
  return {ScanOutcome::kFirstScan, bc + ": scan it once more to confirm"};
}

void Verification::clear_kit(KitKind k) {
  slot(k) = KitSlot{k, KitSlotState::kEmpty, ""};
}

std::vector<std::string> Verification::missing_for_verified() const {
  std::vector<std::string> out;
  if (finished_) return {"this verification is finished"};
  if (!identity.document) out.push_back("the participant's ID document type");
  if (!identity.name_matches) out.push_back("the participant's name checked against the ID");
  if (!identity.birth_date_matches)
    out.push_back("the participant's birth date checked against the ID");
  if (card_.card().has_representative()) {
    if (!representative.document) out.push_back("the representative's ID document type");
    if (!representative.name_matches)
      out.push_back("the representative's name checked against their ID");
    if (!representative.relationship_confirmed)
      out.push_back("the representative's relationship checked");
  }
  const bool any =
      blood_.state == KitSlotState::kConfirmed || urine_.state == KitSlotState::kConfirmed;
  if (blood_.state == KitSlotState::kAwaitingConfirm ||
      urine_.state == KitSlotState::kAwaitingConfirm)
    out.push_back("a kit scanned once: scan it again to confirm, or clear it");
  else if (!any)
    out.push_back("at least one specimen kit, scanned twice");
  return out;
}

// --- VerificationDesk -------------------------------------------------------------------------

Result<bool> VerificationDesk::kit_linked(std::string_view barcode) {
  Result<std::optional<datasync::KitRecord>> k = outbox_.find_kit(barcode);
  if (!k.is_ok()) return k.status();
  return k.value().has_value();
}

Result<std::vector<PendingCard>> VerificationDesk::pending() {
  Result<std::vector<datasync::SealedCard>> cards = outbox_.cards();
  if (!cards.is_ok()) return cards.status();
  std::vector<PendingCard> out;
  for (const datasync::SealedCard& c : cards.value()) {
    PendingCard p{c.envelope_id, c.submitted_unix_ms, c.expires_unix_ms, "", false};
    // Opened for the type alone; name and birth date are wiped at once. A card that no longer
    // opens (local key replaced) is listed with no type; it will expire.
    Result<datasync::VerificationCard> vc = datasync::open_card(c, local_key_);
    if (vc.is_ok()) {
      p.participation_type = vc->participation_type;
      p.has_representative = vc->has_representative();
      vc->wipe();
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<OpenCard> VerificationDesk::open(std::string_view enrollment_id) {
  Result<std::optional<datasync::SealedCard>> c = outbox_.card(enrollment_id);
  if (!c.is_ok()) return c.status();
  if (!c.value())
    return Status::not_found("no verification card for enrollment " + std::string(enrollment_id) +
                             " (verified, rejected or expired)");
  Result<datasync::VerificationCard> vc = datasync::open_card(*c.value(), local_key_);
  if (!vc.is_ok()) return vc.status();
  OpenCard out(c.value()->envelope_id, std::move(vc.value()), c.value()->submitted_unix_ms,
               c.value()->expires_unix_ms);
  vc->wipe();  // what a move leaves behind in short strings
  return out;
}

Status VerificationDesk::check_nurse(StaffSession& nurse, const Verification* v) {
  const std::int64_t now = clock_.now_unix_ms();
  if (!nurse.active(now))
    return Status::permission_denied("the staff session has ended; sign in again");
  if (nurse.role() != StaffRole::kNurse)
    return Status::permission_denied("identity verification needs a nurse account");
  if (v && v->nurse_id_ != nurse.staff_id())
    return Status::permission_denied("this verification was begun by another staff member");
  nurse.touch(now);
  return Status::ok();
}

Result<Verification> VerificationDesk::begin(StaffSession& nurse, std::string_view enrollment_id) {
  KIOSK_RETURN_IF_ERROR(check_nurse(nurse, nullptr));
  Result<OpenCard> card = open(enrollment_id);
  if (!card.is_ok()) return card.status();
  return Verification(*this, std::move(card.value()), nurse.staff_id());
}

Result<std::string> VerificationDesk::store(const std::string& enrollment_id,
                                            const std::string& outcome, const std::string& reason,
                                            const std::string& staff_id, const Verification* v,
                                            const char* audit_code) {
  const std::int64_t now = clock_.now_unix_ms();
  forms::AttestationContent c;
  c.attestation_id = ids_.next();
  c.enrollment_id = enrollment_id;
  c.device_id = device_.device_id;
  c.site = device_.site;
  c.outcome = outcome;
  c.reject_reason = reason;
  c.staff_id = staff_id;
  c.when = platform::format_rfc3339_utc(now);
  std::vector<datasync::KitLink> kits;
  if (v) {
    if (v->identity.document)
      c.checks.push_back({false, id_document_code(*v->identity.document), v->identity.name_matches,
                          v->identity.birth_date_matches, false});
    if (v->card_.card().has_representative() && v->representative.document)
      c.checks.push_back({true, id_document_code(*v->representative.document),
                          v->representative.name_matches, false,
                          v->representative.relationship_confirmed});
    if (outcome == "verified")
      for (const KitSlot* s : {&v->blood_, &v->urine_})
        if (s->state == KitSlotState::kConfirmed) {
          c.kits.push_back({s->barcode, kit_kind_name(s->kind)});
          kits.push_back({s->barcode, kit_kind_name(s->kind)});
        }
  }
  Result<datasync::BundleJson> bundle =
      datasync::BundleJson::from_object(forms::make_attestation_bundle(c));
  if (!bundle.is_ok()) return bundle.status();
  datasync::EnvelopeHeader h{c.attestation_id, "attestation", device_.device_id,
                             device_.site,     c.when,        enrollment_id};
  std::string sha;
  Result<datasync::Envelope> env =
      datasync::seal_envelope(h, bundle.value(), databank_, device_.sign_key, &sha);
  if (!env.is_ok()) return env.status();
  datasync::Attestation a{std::move(env.value()), std::move(sha), std::move(kits),
                          AuditEvent{now, audit_code, enrollment_id, staff_id}};
  KIOSK_RETURN_IF_ERROR(outbox_.attest(a));
  platform::log::info("attestation.queued", {{"id", platform::log::Id(c.attestation_id)},
                                             {"enrollment", platform::log::Id(enrollment_id)},
                                             {"kits", a.kits.size()}});
  return c.attestation_id;
}

Result<std::string> VerificationDesk::confirm_verified(StaffSession& nurse, Verification& v) {
  KIOSK_RETURN_IF_ERROR(check_nurse(nurse, &v));
  std::vector<std::string> missing = v.missing_for_verified();
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : "; ") + m;
    return Status::invalid_argument("cannot confirm yet; still needed: " + list);
  }
  Result<std::string> id =
      store(v.enrollment_id(), "verified", "", nurse.staff_id(), &v, "verification.verified");
  if (!id.is_ok()) {
    if (id.status().kind() == platform::StatusKind::kAlreadyExists) {
      // Another verification linked one of these kits meanwhile: clear it so it is scanned anew.
      for (KitKind k : {KitKind::kBlood, KitKind::kUrine}) {
        Result<bool> linked = kit_linked(v.kit(k).barcode);
        if (linked.is_ok() && linked.value()) v.clear_kit(k);
      }
    }
    return id.status();
  }
  v.finished_ = true;
  v.card_ = OpenCard();
  return id;
}

Result<std::string> VerificationDesk::reject(StaffSession& nurse, Verification& v,
                                             RejectReason why) {
  KIOSK_RETURN_IF_ERROR(check_nurse(nurse, &v));
  if (v.finished_) return Status::invalid_argument("this verification is finished");
  Result<std::string> id = store(v.enrollment_id(), "rejected", reject_reason_code(why),
                                 nurse.staff_id(), &v, "verification.rejected");
  if (!id.is_ok()) return id.status();
  v.finished_ = true;
  v.card_ = OpenCard();
  return id;
}

Result<int> VerificationDesk::expire_due() {
  const std::int64_t now = clock_.now_unix_ms();
  Result<std::vector<datasync::SealedCard>> cards = outbox_.cards();
  if (!cards.is_ok()) return cards.status();
  int n = 0;
  for (const datasync::SealedCard& c : cards.value()) {
    if (c.expires_unix_ms > now) continue;
    Result<std::string> id = store(c.envelope_id, "expired", "", "", nullptr, "card.expired");
    if (!id.is_ok()) {
      if (id.status().kind() == platform::StatusKind::kNotFound) continue;  // verified meanwhile
      return id.status().with_context("expiring the card of " + c.envelope_id);
    }
    ++n;
  }
  return n;
}

// --- audit events to the data bank -------------------------------------------------------------

Result<int> queue_audit_events(datasync::Outbox& outbox, const datasync::DeviceIdentity& device,
                               const platform::SealPublicKey& databank,
                               const platform::Clock& clock, platform::UlidGenerator& ids,
                               std::size_t min_events) {
  int queued = 0;
  // Bounded: 10,000 envelopes of 500 events is far beyond any backlog a kiosk makes.
  for (int round = 0; round < 10'000; ++round) {
    Result<std::vector<datasync::AuditRecord>> unsent =
        outbox.unsent_audit(kAuditEventsPerEnvelope);
    if (!unsent.is_ok()) return unsent.status();
    const std::vector<datasync::AuditRecord>& ev = unsent.value();
    if (ev.empty() || (round == 0 && ev.size() < std::min(min_events, kAuditEventsPerEnvelope)))
      break;
    const std::int64_t now = clock.now_unix_ms();
    const std::string id = ids.next();
    const std::string created = platform::format_rfc3339_utc(now);
    std::vector<forms::AuditEntry> entries;
    for (const datasync::AuditRecord& r : ev)
      entries.push_back({r.seq, platform::format_rfc3339_utc(r.event.at_unix_ms), r.event.code,
                         r.event.ref, r.event.actor, r.prev_hash, r.hash});
    Result<datasync::BundleJson> bundle = datasync::BundleJson::from_object(
        forms::make_audit_bundle(id, device.device_id, device.site, created, entries));
    if (!bundle.is_ok()) return bundle.status();
    datasync::EnvelopeHeader h{id, "event", device.device_id, device.site, created, ""};
    std::string sha;
    Result<datasync::Envelope> env =
        datasync::seal_envelope(h, bundle.value(), databank, device.sign_key, &sha);
    if (!env.is_ok()) return env.status();
    KIOSK_RETURN_IF_ERROR(outbox.queue_audit_batch(env.value(), sha, ev.back().seq, now));
    ++queued;
    if (ev.size() < kAuditEventsPerEnvelope) break;
  }
  return queued;
}

}  // namespace kiosk
