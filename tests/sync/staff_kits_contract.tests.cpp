// The schema-2 parts of the Outbox and StaffStore contracts (sync/outbox.h, sync/staff_store.h),
// run against both implementations: attest() (attestation + kits + card + audit, all or
// nothing), find_kit(), cards(), audit actors, event batches (unsent_audit /
// queue_audit_batch), and staff accounts.
#include <catch2/catch.hpp>

#include "sync_test_helpers.h"

using Catch::Matchers::Contains;
using datasync::AuditEvent;
using datasync::StaffRecord;
using datasync::StaffRole;
using platform::Result;
using platform::Status;
using platform::StatusKind;
using synctest::Keys;
using synctest::kT0;
using synctest::require_ok;
using synctest::require_value;

namespace {

// Both interfaces of one store, as the kiosk holds them.
struct MemoryStores {
  static constexpr const char* kName = "MemoryOutbox";
  std::unique_ptr<datasync::MemoryOutbox> make() {
    return std::make_unique<datasync::MemoryOutbox>();
  }
};
struct SqliteStores {
  static constexpr const char* kName = "SqliteOutbox";
  testing_support::TempDir dir;
  std::unique_ptr<datasync::SqliteOutbox> make() {
    return require_value(datasync::SqliteOutbox::open(dir / "kiosk.db"));
  }
};

datasync::Attestation make_attestation(const Keys& k, const std::string& enrollment,
                                       std::int64_t at, std::vector<datasync::KitLink> kits,
                                       const char* code = "verification.verified") {
  datasync::Attestation a;
  a.envelope =
      synctest::make_envelope(k, synctest::make_header(k.device_id, at, "attestation", enrollment),
                              synctest::small_bundle());
  a.kits = std::move(kits);
  a.audit = AuditEvent{at, code, enrollment, "01JSTAFF000000000000000001"};
  return a;
}

const datasync::KitLink kBlood{"BBD-B-00012345-Q", "blood"};
const datasync::KitLink kUrine{"BBD-U-00012345-Y", "urine"};

StaffRecord nurse(const std::string& id, std::int64_t at) {
  StaffRecord r;
  r.id = id;
  r.name = "Synthetic Nurse";
  r.role = StaffRole::kNurse;
  r.pin_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
  r.created_unix_ms = at;
  return r;
}

}  // namespace

TEMPLATE_TEST_CASE(
    "attest queues the attestation, links its kits, destroys the card and audits, together",
    "[sync][outbox][contract][attest]", MemoryStores, SqliteStores) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  datasync::Submission s = synctest::make_submission(k, kT0);
  const std::string enrollment = s.envelope.h.id;
  require_ok(box->submit(s));
  REQUIRE(require_value(box->cards()).size() == 1);
  CHECK(require_value(box->cards())[0].submitted_unix_ms == kT0);
  CHECK(require_value(box->card(enrollment))->submitted_unix_ms == kT0);

  datasync::Attestation a = make_attestation(k, enrollment, kT0 + 5000, {kBlood, kUrine});
  require_ok(box->attest(a));

  auto rec = require_value(box->find(a.envelope.h.id));
  REQUIRE(rec.has_value());
  CHECK(rec->state == datasync::EnvelopeState::kQueued);
  REQUIRE(rec->envelope.has_value());
  CHECK(rec->envelope->h.kind == "attestation");
  CHECK(rec->envelope->h.ref == enrollment);
  CHECK(rec->queued_unix_ms == kT0 + 5000);
  CHECK_FALSE(require_value(box->card(enrollment)).has_value());
  CHECK(require_value(box->cards()).empty());
  for (const datasync::KitLink& kit : {kBlood, kUrine}) {
    auto linked = require_value(box->find_kit(kit.barcode));
    REQUIRE(linked.has_value());
    CHECK(linked->kit.kind == kit.kind);
    CHECK(linked->enrollment_id == enrollment);
    CHECK(linked->attestation_id == a.envelope.h.id);
    CHECK(linked->linked_unix_ms == kT0 + 5000);
  }
  CHECK_FALSE(require_value(box->find_kit("BBD-B-99999999-X")).has_value());
  auto log = require_value(box->audit_log());
  REQUIRE(log.size() == 2);
  CHECK(log[1].event.code == "verification.verified");
  CHECK(log[1].event.ref == enrollment);
  CHECK(log[1].event.actor == "01JSTAFF000000000000000001");
  require_ok(box->verify_audit_chain());
  // Both envelopes go to the data bank in queue order.
  auto batch = require_value(box->next_batch(10, std::size_t{1} << 30));
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].id == enrollment);
  CHECK(batch[1].id == a.envelope.h.id);
}

TEMPLATE_TEST_CASE("attest refuses as a whole: nothing changes when any part cannot be stored",
                   "[sync][outbox][contract][attest]", MemoryStores, SqliteStores) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  datasync::Submission first = synctest::make_submission(k, kT0);
  datasync::Submission second = synctest::make_submission(k, kT0 + 1);
  require_ok(box->submit(first));
  require_ok(box->submit(second));
  datasync::Attestation done = make_attestation(k, first.envelope.h.id, kT0 + 100, {kBlood});
  require_ok(box->attest(done));
  const std::vector<std::string> ids = {first.envelope.h.id, second.envelope.h.id,
                                        done.envelope.h.id};
  const std::string before = synctest::outbox_dump(*box, ids, kT0 + 200);

  datasync::Attestation a;
  StatusKind want = StatusKind::kOk;
  std::string names;
  SECTION("a kit already linked on this device (the middle of the change)") {
    a = make_attestation(k, second.envelope.h.id, kT0 + 200, {kUrine, kBlood});
    want = StatusKind::kAlreadyExists;
    names = kBlood.barcode;
  }
  SECTION("the card is gone (verified before)") {
    a = make_attestation(k, first.envelope.h.id, kT0 + 200, {kUrine});
    want = StatusKind::kNotFound;
    names = first.envelope.h.id;
  }
  SECTION("the same kit twice in one attestation") {
    a = make_attestation(k, second.envelope.h.id, kT0 + 200, {kUrine, kUrine});
    want = StatusKind::kInvalidArgument;
    names = kUrine.barcode;
  }
  SECTION("not an attestation") {
    a = make_attestation(k, second.envelope.h.id, kT0 + 200, {kUrine});
    a.envelope.h.kind = "enrollment";
    want = StatusKind::kInvalidArgument;
    names = "not an attestation";
  }
  SECTION("the envelope id is taken") {
    a = make_attestation(k, second.envelope.h.id, kT0 + 200, {kUrine});
    a.envelope = done.envelope;
    a.envelope.h.ref = second.envelope.h.id;
    want = StatusKind::kAlreadyExists;
    names = done.envelope.h.id;
  }
  Status st = box->attest(a);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.kind() == want);
  CHECK_THAT(st.message(), Contains(names));
  CHECK(synctest::outbox_dump(*box, ids, kT0 + 200) == before);
  CHECK_FALSE(require_value(box->find_kit(kUrine.barcode)).has_value());
  CHECK(require_value(box->find_kit(kBlood.barcode))->enrollment_id == first.envelope.h.id);
}

TEMPLATE_TEST_CASE(
    "Audit events carry their actor inside the hash, and old actor-less events hash as before",
    "[sync][outbox][contract][audit]", MemoryStores, SqliteStores) {
  TestType factory;
  auto box = factory.make();
  require_ok(box->append_audit(
      {kT0, "staff.signin.ok", "01JSTAFF000000000000000001", "01JSTAFF000000000000000001"}));
  require_ok(box->append_audit({kT0 + 1, "card.expired", "01JENROL000000000000000001"}));
  auto log = require_value(box->audit_log());
  REQUIRE(log.size() == 2);
  CHECK(log[0].event.actor == "01JSTAFF000000000000000001");
  CHECK(log[1].event.actor.empty());
  CHECK(log[0].sent_in.empty());
  require_ok(box->verify_audit_chain());
  // Schema 1's formula, written out: an actor-less event must hash exactly so.
  const std::string v1 = "bbd-audit-v1\n" + log[0].hash + "\n2\n" + std::to_string(kT0 + 1) +
                         "\ncard.expired\n01JENROL000000000000000001";
  CHECK(log[1].hash == platform::sha256_hex(platform::as_bytes(v1)));
  // The actor is covered: the same event under another actor hashes differently.
  AuditEvent other = log[0].event;
  other.actor = "01JSTAFF000000000000000002";
  CHECK(datasync::audit_hash(datasync::kAuditGenesisHash, 1, other) != log[0].hash);
}

TEMPLATE_TEST_CASE("Event batches: unsent events go out once, marked sent with their envelope",
                   "[sync][outbox][contract][audit]", MemoryStores, SqliteStores) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  for (int i = 0; i < 3; ++i) require_ok(box->append_audit({kT0 + i, "staff.signin.ok", "", ""}));
  CHECK(require_value(box->unsent_audit(2)).size() == 2);
  auto unsent = require_value(box->unsent_audit(100));
  REQUIRE(unsent.size() == 3);

  datasync::Envelope e1 = synctest::make_envelope(
      k, synctest::make_header(k.device_id, kT0 + 10, "event"), synctest::small_bundle());
  require_ok(box->queue_audit_batch(e1, "", unsent[1].seq, kT0 + 10));
  auto rest = require_value(box->unsent_audit(100));
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].seq == 3);
  auto log = require_value(box->audit_log());
  CHECK(log[0].sent_in == e1.h.id);
  CHECK(log[1].sent_in == e1.h.id);
  CHECK(log[2].sent_in.empty());
  REQUIRE(require_value(box->find(e1.h.id)).has_value());
  require_ok(box->verify_audit_chain());  // sending changes no hash

  SECTION("a second batch for events already sent is refused and stores nothing") {
    datasync::Envelope e2 = synctest::make_envelope(
        k, synctest::make_header(k.device_id, kT0 + 20, "event"), synctest::small_bundle());
    Status st = box->queue_audit_batch(e2, "", 2, kT0 + 20);
    CHECK(st.kind() == StatusKind::kConflict);
    CHECK_FALSE(require_value(box->find(e2.h.id)).has_value());
    CHECK(require_value(box->unsent_audit(100)).size() == 1);
  }
  SECTION("only event envelopes carry audit events") {
    datasync::Envelope e2 = synctest::make_envelope(k, synctest::make_header(k.device_id, kT0 + 20),
                                                    synctest::small_bundle());
    CHECK(box->queue_audit_batch(e2, "", 3, kT0 + 20).kind() == StatusKind::kInvalidArgument);
    CHECK_FALSE(require_value(box->find(e2.h.id)).has_value());
  }
  SECTION("acknowledging an event envelope appends no audit event (sending never feeds itself)") {
    const std::size_t n = require_value(box->audit_log()).size();
    datasync::Receipt r = synctest::make_receipt(k, e1, kT0 + 30);
    CHECK(require_value(box->acknowledge(r, k.receipt.pub)) == datasync::AckOutcome::kAcked);
    CHECK(require_value(box->audit_log()).size() == n);
    CHECK(require_value(box->find(e1.h.id))->state == datasync::EnvelopeState::kAcked);
  }
}

TEMPLATE_TEST_CASE(
    "Staff accounts: stored with their audit event, changed only whole, never deleted",
    "[sync][staff][contract]", MemoryStores, SqliteStores) {
  TestType factory;
  auto box = factory.make();
  datasync::StaffStore& staff = *box;
  const std::string a = "01JSTAFF000000000000000001", b = "01JSTAFF000000000000000002";
  require_ok(staff.add_staff(nurse(a, kT0), {kT0, "staff.added", a, "kioskctl"}));
  StaffRecord it = nurse(b, kT0 + 1);
  it.role = StaffRole::kIt;
  it.name = "Synthetic IT";
  require_ok(staff.add_staff(it, {kT0 + 1, "staff.added", b, "kioskctl"}));
  CHECK(require_value(box->audit_log()).size() == 2);

  auto found = require_value(staff.find_staff(a));
  REQUIRE(found.has_value());
  CHECK(found->name == "Synthetic Nurse");
  CHECK(found->role == StaffRole::kNurse);
  CHECK(found->pin_hash == nurse(a, kT0).pin_hash);
  CHECK(found->failures == 0);
  CHECK_FALSE(found->locked);
  CHECK(found->created_unix_ms == kT0);
  CHECK_FALSE(found->removed());
  auto list = require_value(staff.list_staff(false));
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == a);
  CHECK(list[1].role == StaffRole::kIt);
  CHECK_FALSE(require_value(staff.find_staff("01JSTAFF000000000000000009")).has_value());

  SECTION("a taken id is refused, without an audit event") {
    CHECK(staff.add_staff(nurse(a, kT0 + 5), {kT0 + 5, "staff.added", a, "kioskctl"}).kind() ==
          StatusKind::kAlreadyExists);
    CHECK(require_value(box->audit_log()).size() == 2);
  }
  SECTION("modify_staff writes the change and its audit event together") {
    require_ok(staff.modify_staff(a, [&](StaffRecord& r) -> Result<AuditEvent> {
      r.failures = 3;
      r.locked = true;
      r.last_failure_unix_ms = kT0 + 9;
      return AuditEvent{kT0 + 9, "staff.signin.locked-out", a, a};
    }));
    auto now = require_value(staff.find_staff(a));
    CHECK(now->failures == 3);
    CHECK(now->locked);
    CHECK(now->last_failure_unix_ms == kT0 + 9);
    auto log = require_value(box->audit_log());
    REQUIRE(log.size() == 3);
    CHECK(log[2].event.code == "staff.signin.locked-out");
    require_ok(box->verify_audit_chain());
  }
  SECTION("a change that fails, or touches what cannot change, leaves everything as it was") {
    Status refused = staff.modify_staff(a, [](StaffRecord& r) -> Result<AuditEvent> {
      r.failures = 4;
      return Status::invalid_argument("synthetic refusal");
    });
    CHECK_THAT(refused.message(), Contains("synthetic refusal"));
    Status role = staff.modify_staff(a, [&](StaffRecord& r) -> Result<AuditEvent> {
      r.role = StaffRole::kIt;
      return AuditEvent{kT0, "staff.promoted", a, ""};
    });
    CHECK(role.kind() == StatusKind::kInvalidArgument);
    Status unknown =
        staff.modify_staff("01JSTAFF000000000000000009", [&](StaffRecord&) -> Result<AuditEvent> {
          return AuditEvent{kT0, "x", "", ""};
        });
    CHECK(unknown.kind() == StatusKind::kNotFound);
    CHECK(require_value(staff.find_staff(a))->failures == 0);
    CHECK(require_value(box->audit_log()).size() == 2);
  }
  SECTION("a removed account keeps its row but loses its PIN hash and leaves the active list") {
    require_ok(staff.modify_staff(a, [&](StaffRecord& r) -> Result<AuditEvent> {
      r.removed_unix_ms = kT0 + 50;
      return AuditEvent{kT0 + 50, "staff.removed", a, "kioskctl"};
    }));
    auto gone = require_value(staff.find_staff(a));
    REQUIRE(gone.has_value());
    CHECK(gone->removed());
    CHECK(gone->pin_hash.empty());
    CHECK(require_value(staff.list_staff(false)).size() == 1);
    CHECK(require_value(staff.list_staff(true)).size() == 2);
  }
}
