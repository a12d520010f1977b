// The Outbox contract (sync/outbox.h), run against both implementations: MemoryOutbox and
// SqliteOutbox (a fresh file in a temporary directory). Each TEMPLATE_TEST_CASE below is
// one clause of the contract; a difference between the two implementations fails here.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sync_test_helpers.h"

using Catch::Matchers::Contains;
using datasync::AckOutcome;
using datasync::EnvelopeState;
using datasync::Submission;
using platform::StatusKind;
using synctest::Keys;
using synctest::kT0;
using synctest::MemoryOutboxFactory;
using synctest::SqliteOutboxFactory;
using synctest::require_ok;
using synctest::require_value;

namespace {

constexpr std::size_t kUnbounded = std::size_t{1} << 40;

std::vector<std::string> ids_of(const std::vector<datasync::QueuedEnvelope>& batch) {
  std::vector<std::string> out;
  for (const auto& q : batch) out.push_back(q.id);
  return out;
}

std::size_t wire(const Submission& s) { return datasync::envelope_wire_bytes(s.envelope.sealed.size()); }

}  // namespace

TEMPLATE_TEST_CASE("Outbox submit stores the envelope, its card and its audit event together",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission s = synctest::make_submission(k, kT0);
  const std::string id = s.envelope.h.id;
  require_ok(box->submit(s));

  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  CHECK(rec->id == id);
  CHECK(rec->state == EnvelopeState::kQueued);
  CHECK(rec->sealed_sha256 == platform::sha256_hex(s.envelope.sealed));
  CHECK(rec->attempts == 0);
  CHECK(rec->last_error.empty());
  CHECK(rec->queued_unix_ms == kT0);
  CHECK_FALSE(rec->receipt.has_value());
  REQUIRE(rec->envelope.has_value());
  CHECK(datasync::envelope_to_json(*rec->envelope) == datasync::envelope_to_json(s.envelope));
  require_ok(datasync::verify_envelope(*rec->envelope, k.device.pub));

  std::optional<datasync::SealedCard> card = require_value(box->card(id));
  REQUIRE(card.has_value());
  CHECK(card->envelope_id == id);
  CHECK(card->box == s.card->box);
  CHECK(card->expires_unix_ms == kT0 + datasync::kCardLifetimeMs);

  std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
  REQUIRE(log.size() == 1);
  CHECK(log[0].seq == 1);
  CHECK(log[0].event.code == "enrollment.submitted");
  CHECK(log[0].event.ref == id);
  CHECK(log[0].event.at_unix_ms == kT0);
  CHECK(log[0].prev_hash == datasync::kAuditGenesisHash);
  CHECK(log[0].hash == datasync::audit_hash(datasync::kAuditGenesisHash, 1, log[0].event));

  SECTION("a submission without a card stores no card") {
    Submission s2 = synctest::make_submission(k, kT0 + 1, 0, /*with_card=*/false);
    require_ok(box->submit(s2));
    CHECK_FALSE(require_value(box->card(s2.envelope.h.id)).has_value());
    CHECK(require_value(box->stats(kT0)).pending_cards == 1);
    CHECK(require_value(box->stats(kT0)).queued_count == 2);
  }
  SECTION("an unknown id is simply absent") {
    CHECK_FALSE(require_value(box->find(synctest::new_ulid())).has_value());
    CHECK_FALSE(require_value(box->card(synctest::new_ulid())).has_value());
  }
}

TEMPLATE_TEST_CASE("Outbox submit refuses a duplicate id and changes nothing",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission first = synctest::make_submission(k, kT0);
  const std::string id = first.envelope.h.id;
  require_ok(box->submit(first));
  const std::string before = synctest::outbox_dump(*box, {id}, kT0 + 10);

  // Same id, different sealed bytes, card and audit time.
  Submission again;
  again.envelope = synctest::make_envelope(k, first.envelope.h, synctest::small_bundle(50));
  again.card = synctest::make_card(k, id, kT0 + 99);
  again.audit = {kT0 + 5, "enrollment.submitted", id};
  REQUIRE(again.envelope.sealed != first.envelope.sealed);

  SECTION("the same submission again") {
    platform::Status s = box->submit(first);
    CHECK(s.kind() == StatusKind::kAlreadyExists);
    CHECK_THAT(s.message(), Contains(id));
  }
  SECTION("another envelope with the same id") {
    platform::Status s = box->submit(again);
    CHECK(s.kind() == StatusKind::kAlreadyExists);
  }
  SECTION("the same id after it was acknowledged") {
    REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, first.envelope, kT0 + 1),
                                           k.receipt.pub)) == AckOutcome::kAcked);
    const std::string acked = synctest::outbox_dump(*box, {id}, kT0 + 10);
    CHECK(box->submit(again).kind() == StatusKind::kAlreadyExists);
    CHECK(synctest::outbox_dump(*box, {id}, kT0 + 10) == acked);
    return;
  }
  CHECK(synctest::outbox_dump(*box, {id}, kT0 + 10) == before);
}

TEMPLATE_TEST_CASE("Outbox submit refuses a card that belongs to another envelope and stores nothing",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission s = synctest::make_submission(k, kT0);
  const std::string id = s.envelope.h.id;
  const std::string other = synctest::new_ulid();
  s.card = synctest::make_card(k, other, kT0 + datasync::kCardLifetimeMs);

  const std::string empty = synctest::outbox_dump(*box, {id, other}, kT0);
  platform::Status st = box->submit(s);
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.kind() == StatusKind::kInvalidArgument);
  CHECK_THAT(st.message(), Contains("card"));
  CHECK(synctest::outbox_dump(*box, {id, other}, kT0) == empty);
  CHECK(require_value(box->audit_log()).empty());

  // The id was not burned: the correct submission goes in afterwards.
  s.card = synctest::make_card(k, id, kT0 + datasync::kCardLifetimeMs);
  require_ok(box->submit(s));
  CHECK(require_value(box->find(id)).has_value());
}

TEMPLATE_TEST_CASE("Outbox next_batch returns queued envelopes oldest first, bounded by count and bytes",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  // Ids are made first and submitted in reverse, so queue order differs from id order.
  std::vector<Submission> subs;
  subs.push_back(synctest::make_submission(k, kT0, 600));        // A small
  subs.push_back(synctest::make_submission(k, kT0, 600));        // B small
  subs.push_back(synctest::make_submission(k, kT0, 20'000));     // C big
  subs.push_back(synctest::make_submission(k, kT0, 600));        // D small
  std::reverse(subs.begin(), subs.end());
  std::vector<std::string> order;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    subs[i].audit.at_unix_ms = kT0 + static_cast<std::int64_t>(i) * 1000;
    require_ok(box->submit(subs[i]));
    order.push_back(subs[i].envelope.h.id);
  }
  // Submitted D, C, B, A (ids ascend A < B < C < D): queue order is the reverse of id order.
  const std::string& d = order[0];
  const std::string& c = order[1];
  const std::string& b = order[2];
  const std::string& a = order[3];
  const std::size_t wd = wire(subs[0]), wc = wire(subs[1]), wb = wire(subs[2]), wa = wire(subs[3]);
  REQUIRE(wc > wd + wb + wa);

  SECTION("everything, in queue order, with the wire JSON and hash") {
    std::vector<datasync::QueuedEnvelope> all = require_value(box->next_batch(100, kUnbounded));
    CHECK(ids_of(all) == order);
    for (std::size_t i = 0; i < all.size(); ++i) {
      CHECK(all[i].json == datasync::envelope_to_json(subs[i].envelope));
      CHECK(all[i].sealed_sha256 == platform::sha256_hex(subs[i].envelope.sealed));
      CHECK(all[i].attempts == 0);
    }
  }
  SECTION("bounded by count") {
    CHECK(ids_of(require_value(box->next_batch(1, kUnbounded))) == std::vector<std::string>{d});
    CHECK(ids_of(require_value(box->next_batch(3, kUnbounded))) == std::vector<std::string>{d, c, b});
    CHECK(require_value(box->next_batch(0, kUnbounded)).empty());
  }
  SECTION("only after a queue position (the batch in flight is skipped)") {
    std::vector<datasync::QueuedEnvelope> first = require_value(box->next_batch(2, kUnbounded));
    REQUIRE(ids_of(first) == std::vector<std::string>{d, c});
    CHECK(first[0].seq < first[1].seq);
    CHECK(ids_of(require_value(box->next_batch(100, kUnbounded, first.back().seq))) == std::vector<std::string>{b, a});
    CHECK(ids_of(require_value(box->next_batch(100, kUnbounded, first.front().seq))) == std::vector<std::string>{c, b, a});
    CHECK(ids_of(require_value(box->next_batch(100, kUnbounded, 0))) == order);
    std::vector<datasync::QueuedEnvelope> all = require_value(box->next_batch(100, kUnbounded));
    CHECK(require_value(box->next_batch(100, kUnbounded, all.back().seq)).empty());
  }
  SECTION("bounded by estimated wire bytes, inclusive") {
    CHECK(ids_of(require_value(box->next_batch(100, wd + wc))) == std::vector<std::string>{d, c});
    CHECK(ids_of(require_value(box->next_batch(100, wd + wc - 1))) == std::vector<std::string>{d});
    CHECK(ids_of(require_value(box->next_batch(100, wd + wc + wb + wa))) == order);
    CHECK(ids_of(require_value(box->next_batch(100, wd + wc + wb + wa - 1))) ==
          std::vector<std::string>{d, c, b});
  }
  SECTION("an envelope larger than max_bytes comes out alone") {
    require_ok(box->mark_conflict(d, "test: set aside", kT0 + 10));
    CHECK(ids_of(require_value(box->next_batch(100, wd))) == std::vector<std::string>{c});
    CHECK(ids_of(require_value(box->next_batch(100, 1))) == std::vector<std::string>{c});
  }
  SECTION("acked and conflict envelopes are not sent again") {
    REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, subs[0].envelope, kT0 + 5000),
                                           k.receipt.pub)) == AckOutcome::kAcked);
    require_ok(box->mark_conflict(b, "server holds another hash", kT0 + 5000));
    CHECK(ids_of(require_value(box->next_batch(100, kUnbounded))) == std::vector<std::string>{c, a});
    // With the big one gone too, the smalls fill the budget.
    require_ok(box->mark_conflict(c, "test", kT0 + 5000));
    CHECK(ids_of(require_value(box->next_batch(100, wa))) == std::vector<std::string>{a});
  }
  SECTION("next_batch does not change the outbox") {
    const std::string before = synctest::outbox_dump(*box, order, kT0 + 9000);
    (void)require_value(box->next_batch(2, kUnbounded));
    CHECK(synctest::outbox_dump(*box, order, kT0 + 9000) == before);
  }
}

TEMPLATE_TEST_CASE("Outbox next_batch JSON parses as an envelope and verifies with the device key",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  for (int i = 0; i < 3; ++i) require_ok(box->submit(synctest::make_submission(k, kT0 + i, 100)));
  std::vector<datasync::QueuedEnvelope> batch = require_value(box->next_batch(10, kUnbounded));
  REQUIRE(batch.size() == 3);
  for (const datasync::QueuedEnvelope& q : batch) {
    datasync::Envelope e = require_value(datasync::envelope_from_json(q.json));
    CHECK(e.h.id == q.id);
    CHECK(platform::sha256_hex(e.sealed) == q.sealed_sha256);
    require_ok(datasync::verify_envelope(e, k.device.pub));
    platform::SecureBuffer inner =
        require_value(datasync::open_envelope(e, k.databank.pub, k.databank.sec));
    CHECK(inner.size() > 0);
    CHECK(datasync::verify_envelope(e, platform::generate_sign_keypair().pub).kind() ==
          StatusKind::kCrypto);
  }
}

TEMPLATE_TEST_CASE("Outbox acknowledge with a verified receipt drops the sealed blob and keeps a tombstone",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission s = synctest::make_submission(k, kT0, 300);
  Submission other = synctest::make_submission(k, kT0 + 1, 300);
  const std::string id = s.envelope.h.id;
  require_ok(box->submit(s));
  require_ok(box->submit(other));
  datasync::Receipt r = synctest::make_receipt(k, s.envelope, kT0 + 60'000);

  REQUIRE(require_value(box->acknowledge(r, k.receipt.pub)) == AckOutcome::kAcked);
  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  CHECK(rec->state == EnvelopeState::kAcked);
  CHECK_FALSE(rec->envelope.has_value());
  REQUIRE(rec->receipt.has_value());
  CHECK(rec->receipt->id == r.id);
  CHECK(rec->receipt->sha256 == r.sha256);
  CHECK(rec->receipt->received == r.received);
  CHECK(rec->receipt->sig == r.sig);
  require_ok(datasync::verify_receipt(*rec->receipt, k.receipt.pub));
  CHECK(rec->sealed_sha256 == platform::sha256_hex(s.envelope.sealed));
  CHECK(std::string(datasync::envelope_state_name(rec->state)) == "acked");

  datasync::OutboxStats st = require_value(box->stats(kT0 + 60'000));
  CHECK(st.acked_count == 1);
  CHECK(st.queued_count == 1);
  CHECK(st.queued_bytes == static_cast<std::int64_t>(other.envelope.sealed.size()));
  CHECK(ids_of(require_value(box->next_batch(10, kUnbounded))) ==
        std::vector<std::string>{other.envelope.h.id});
  // The other envelope is untouched.
  CHECK(require_value(box->find(other.envelope.h.id))->state == EnvelopeState::kQueued);

  std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
  REQUIRE(log.size() == 3);
  CHECK(log.back().event.code == "envelope.acked");
  CHECK(log.back().event.ref == id);
  CHECK(log.back().event.at_unix_ms == kT0 + 60'000);

  SECTION("a second acknowledgement is kAlreadyAcked and changes nothing") {
    const std::string before = synctest::outbox_dump(*box, {id, other.envelope.h.id}, kT0 + 90'000);
    CHECK(require_value(box->acknowledge(r, k.receipt.pub)) == AckOutcome::kAlreadyAcked);
    // A later receipt for the same content (the server re-sent it) is also already acked.
    datasync::Receipt later = synctest::make_receipt(k, s.envelope, kT0 + 80'000);
    CHECK(require_value(box->acknowledge(later, k.receipt.pub)) == AckOutcome::kAlreadyAcked);
    CHECK(synctest::outbox_dump(*box, {id, other.envelope.h.id}, kT0 + 90'000) == before);
  }
  SECTION("the card is not the receipt's business: it stays until the nurse acts or it expires") {
    CHECK(require_value(box->card(id)).has_value());
  }
  SECTION("a receipt naming another hash for the acked id is still a conflict") {
    datasync::Receipt wrong = datasync::sign_receipt(
        id, platform::sha256_hex(other.envelope.sealed), r.received, k.receipt.sec);
    CHECK(box->acknowledge(wrong, k.receipt.pub).status().kind() == StatusKind::kConflict);
  }
}

TEMPLATE_TEST_CASE("Outbox acknowledge refuses a bad receipt and keeps the envelope queued",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission s = synctest::make_submission(k, kT0, 300);
  const std::string id = s.envelope.h.id;
  require_ok(box->submit(s));
  const std::string before = synctest::outbox_dump(*box, {id}, kT0 + 1000);
  datasync::Receipt r = synctest::make_receipt(k, s.envelope, kT0 + 500);
  platform::SignPublicKey key = k.receipt.pub;
  StatusKind want = StatusKind::kOk;

  SECTION("flipped signature bit") {
    r.sig[5] ^= 0x04;
    want = StatusKind::kCrypto;
  }
  SECTION("signed by another key") {
    platform::SignKeyPair forger = platform::generate_sign_keypair();
    r = datasync::sign_receipt(r.id, r.sha256, r.received, forger.sec);
    want = StatusKind::kCrypto;
  }
  SECTION("checked with another key") {
    key = platform::generate_sign_keypair().pub;
    want = StatusKind::kCrypto;
  }
  SECTION("validly signed, another hash") {
    r = datasync::sign_receipt(id, platform::sha256_hex(platform::as_bytes("other content")),
                               r.received, k.receipt.sec);
    want = StatusKind::kConflict;
  }
  SECTION("validly signed, unknown id") {
    r = datasync::sign_receipt(synctest::new_ulid(), r.sha256, r.received, k.receipt.sec);
    want = StatusKind::kNotFound;
  }
  SECTION("validly signed, malformed id") {
    r = datasync::sign_receipt("x", r.sha256, r.received, k.receipt.sec);
    want = StatusKind::kInvalidArgument;
  }
  platform::Result<AckOutcome> out = box->acknowledge(r, key);
  REQUIRE_FALSE(out.is_ok());
  CHECK(out.status().kind() == want);
  CHECK(synctest::outbox_dump(*box, {id}, kT0 + 1000) == before);
  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  CHECK(rec->state == EnvelopeState::kQueued);
  CHECK(rec->envelope.has_value());
  CHECK(ids_of(require_value(box->next_batch(10, kUnbounded))) == std::vector<std::string>{id});
}

TEMPLATE_TEST_CASE("Outbox record_failure counts attempts and keeps the latest reason",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission a = synctest::make_submission(k, kT0);
  Submission b = synctest::make_submission(k, kT0 + 1);
  require_ok(box->submit(a));
  require_ok(box->submit(b));
  const std::string& id = a.envelope.h.id;

  require_ok(box->record_failure(id, "connection reset", kT0 + 1000));
  require_ok(box->record_failure(id, "HTTP 503 from data bank", kT0 + 2000));
  require_ok(box->record_failure(b.envelope.h.id, "timeout", kT0 + 2000));

  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  CHECK(rec->attempts == 2);
  CHECK(rec->last_error == "HTTP 503 from data bank");
  CHECK(rec->state == EnvelopeState::kQueued);
  CHECK(rec->envelope.has_value());
  std::vector<datasync::QueuedEnvelope> batch = require_value(box->next_batch(10, kUnbounded));
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].id == id);
  CHECK(batch[0].attempts == 2);
  CHECK(batch[1].attempts == 1);
  CHECK(require_value(box->stats(kT0 + 3000)).failed_attempts == 3);

  SECTION("an unknown id is kNotFound") {
    CHECK(box->record_failure(synctest::new_ulid(), "x", kT0).kind() == StatusKind::kNotFound);
  }
}

TEMPLATE_TEST_CASE("Outbox mark_conflict keeps the envelope, counts it and stops sending it",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission a = synctest::make_submission(k, kT0, 200);
  Submission b = synctest::make_submission(k, kT0 + 1, 200);
  require_ok(box->submit(a));
  require_ok(box->submit(b));
  const std::string& id = a.envelope.h.id;

  require_ok(box->mark_conflict(id, "data bank holds this id with another hash", kT0 + 5000));
  std::optional<datasync::EnvelopeRecord> rec = require_value(box->find(id));
  REQUIRE(rec.has_value());
  CHECK(rec->state == EnvelopeState::kConflict);
  CHECK(std::string(datasync::envelope_state_name(rec->state)) == "conflict");
  CHECK(rec->last_error == "data bank holds this id with another hash");
  REQUIRE(rec->envelope.has_value());  // the blob is kept
  CHECK(rec->envelope->sealed == a.envelope.sealed);
  CHECK(rec->sealed_sha256 == platform::sha256_hex(a.envelope.sealed));

  datasync::OutboxStats st = require_value(box->stats(kT0 + 5000));
  CHECK(st.conflict_count == 1);
  CHECK(st.queued_count == 1);
  CHECK(st.queued_bytes == static_cast<std::int64_t>(b.envelope.sealed.size()));
  CHECK(ids_of(require_value(box->next_batch(10, kUnbounded))) ==
        std::vector<std::string>{b.envelope.h.id});

  std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().event.code == "envelope.conflict");
  CHECK(log.back().event.ref == id);
  CHECK(log.back().event.at_unix_ms == kT0 + 5000);

  SECTION("an unknown id is kNotFound") {
    CHECK(box->mark_conflict(synctest::new_ulid(), "x", kT0).kind() == StatusKind::kNotFound);
  }
  SECTION("an acknowledged envelope cannot become a conflict") {
    REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, b.envelope, kT0 + 6000),
                                           k.receipt.pub)) == AckOutcome::kAcked);
    const std::string before = synctest::outbox_dump(*box, {id, b.envelope.h.id}, kT0 + 7000);
    platform::Status s = box->mark_conflict(b.envelope.h.id, "late", kT0 + 7000);
    REQUIRE_FALSE(s.is_ok());
    CHECK(synctest::outbox_dump(*box, {id, b.envelope.h.id}, kT0 + 7000) == before);
  }
}

TEMPLATE_TEST_CASE("Outbox stats count envelopes, bytes, the oldest age and pending cards",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  datasync::OutboxStats empty = require_value(box->stats(kT0));
  CHECK(empty.queued_count == 0);
  CHECK(empty.queued_bytes == 0);
  CHECK(empty.oldest_queued_age_ms == 0);
  CHECK(empty.acked_count == 0);
  CHECK(empty.conflict_count == 0);
  CHECK(empty.failed_attempts == 0);
  CHECK(empty.pending_cards == 0);

  Submission a = synctest::make_submission(k, kT0, 100);
  Submission b = synctest::make_submission(k, kT0 + 1000, 900);
  Submission c = synctest::make_submission(k, kT0 + 2000, 2000, /*with_card=*/false);
  for (Submission* s : {&a, &b, &c}) require_ok(box->submit(*s));
  auto bytes = [](const Submission& s) { return static_cast<std::int64_t>(s.envelope.sealed.size()); };

  datasync::OutboxStats st = require_value(box->stats(kT0 + 5000));
  CHECK(st.queued_count == 3);
  CHECK(st.queued_bytes == bytes(a) + bytes(b) + bytes(c));
  CHECK(st.oldest_queued_age_ms == 5000);
  CHECK(st.pending_cards == 2);
  CHECK(st.acked_count == 0);
  CHECK(st.conflict_count == 0);
  CHECK(st.failed_attempts == 0);
  CHECK(require_value(box->stats(kT0 - 10)).oldest_queued_age_ms == 0);  // never negative

  require_ok(box->record_failure(b.envelope.h.id, "offline", kT0 + 3000));
  require_ok(box->record_failure(b.envelope.h.id, "offline", kT0 + 4000));
  require_ok(box->record_failure(c.envelope.h.id, "offline", kT0 + 4000));
  CHECK(require_value(box->stats(kT0 + 5000)).failed_attempts == 3);

  REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, a.envelope, kT0 + 4500),
                                         k.receipt.pub)) == AckOutcome::kAcked);
  st = require_value(box->stats(kT0 + 5000));
  CHECK(st.queued_count == 2);
  CHECK(st.queued_bytes == bytes(b) + bytes(c));
  CHECK(st.oldest_queued_age_ms == 4000);  // b is now the oldest
  CHECK(st.acked_count == 1);
  CHECK(st.pending_cards == 2);  // the receipt does not destroy the card

  require_ok(box->mark_conflict(c.envelope.h.id, "conflict", kT0 + 4600));
  st = require_value(box->stats(kT0 + 5000));
  CHECK(st.queued_count == 1);
  CHECK(st.queued_bytes == bytes(b));
  CHECK(st.conflict_count == 1);
  CHECK(st.failed_attempts == 2);  // summed over queued envelopes only
  CHECK(st.oldest_queued_age_ms == 4000);

  require_ok(box->destroy_card(a.envelope.h.id, {kT0 + 4700, "card.verified", a.envelope.h.id}));
  CHECK(require_value(box->stats(kT0 + 5000)).pending_cards == 1);

  REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, b.envelope, kT0 + 4800),
                                         k.receipt.pub)) == AckOutcome::kAcked);
  st = require_value(box->stats(kT0 + 5000));
  CHECK(st.queued_count == 0);
  CHECK(st.queued_bytes == 0);
  CHECK(st.oldest_queued_age_ms == 0);
  CHECK(st.failed_attempts == 0);
  CHECK(st.acked_count == 2);
  CHECK(st.conflict_count == 1);
}

TEMPLATE_TEST_CASE("Outbox verification cards are read, destroyed with an audit event, and expire",
                   "[sync][outbox][contract]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  Submission a = synctest::make_submission(k, kT0);                 // expires kT0 + 12 h
  Submission b = synctest::make_submission(k, kT0 + synctest::kHourMs);  // expires kT0 + 13 h
  require_ok(box->submit(a));
  require_ok(box->submit(b));
  const std::string& ida = a.envelope.h.id;
  const std::string& idb = b.envelope.h.id;
  const std::int64_t expiry_a = kT0 + datasync::kCardLifetimeMs;

  SECTION("card() returns the stored box, which opens with the local key") {
    std::optional<datasync::SealedCard> c = require_value(box->card(ida));
    REQUIRE(c.has_value());
    datasync::VerificationCard vc = require_value(datasync::open_card(*c, k.local));
    CHECK(vc.name == "Synthetic Person");
  }
  SECTION("destroy_card removes the card and records why, atomically") {
    require_ok(box->destroy_card(ida, {kT0 + 100, "card.verified", ida}));
    CHECK_FALSE(require_value(box->card(ida)).has_value());
    CHECK(require_value(box->card(idb)).has_value());
    std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
    REQUIRE(log.size() == 3);
    CHECK(log.back().event.code == "card.verified");
    CHECK(log.back().event.ref == ida);
    CHECK(log.back().event.at_unix_ms == kT0 + 100);
    // The envelope itself is not the card: it stays queued.
    CHECK(require_value(box->find(ida))->state == EnvelopeState::kQueued);

    const std::string before = synctest::outbox_dump(*box, {ida, idb}, kT0 + 200);
    platform::Status again = box->destroy_card(ida, {kT0 + 200, "card.rejected", ida});
    CHECK(again.kind() == StatusKind::kNotFound);
    CHECK(synctest::outbox_dump(*box, {ida, idb}, kT0 + 200) == before);  // no audit event either
  }
  SECTION("expire_cards destroys only the cards past their expiry") {
    CHECK(require_value(box->expire_cards(kT0)) == 0);
    CHECK(require_value(box->expire_cards(expiry_a - 1)) == 0);
    CHECK(require_value(box->card(ida)).has_value());
    CHECK(require_value(box->audit_log()).size() == 2);

    CHECK(require_value(box->expire_cards(expiry_a)) == 1);  // at 12 h it is gone
    CHECK_FALSE(require_value(box->card(ida)).has_value());
    CHECK(require_value(box->card(idb)).has_value());
    std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
    REQUIRE(log.size() == 3);
    CHECK(log.back().event.code == "card.expired");
    CHECK(log.back().event.ref == ida);
    CHECK(log.back().event.at_unix_ms == expiry_a);
    CHECK(require_value(box->stats(expiry_a)).pending_cards == 1);

    CHECK(require_value(box->expire_cards(expiry_a + 1)) == 0);
    CHECK(require_value(box->expire_cards(kT0 + 100 * synctest::kHourMs)) == 1);
    CHECK(require_value(box->stats(kT0)).pending_cards == 0);
    CHECK(require_value(box->audit_log()).size() == 4);
    require_ok(box->verify_audit_chain());
  }
}

TEMPLATE_TEST_CASE("Outbox audit chain grows with every change and verifies",
                   "[sync][outbox][contract][audit]", MemoryOutboxFactory, SqliteOutboxFactory) {
  TestType factory;
  auto box = factory.make();
  Keys k;
  require_ok(box->verify_audit_chain());
  CHECK(require_value(box->audit_log()).empty());

  Submission a = synctest::make_submission(k, kT0);
  Submission b = synctest::make_submission(k, kT0 + 10);
  require_ok(box->submit(a));
  require_ok(box->submit(b));
  REQUIRE(require_value(box->acknowledge(synctest::make_receipt(k, a.envelope, kT0 + 20),
                                         k.receipt.pub)) == AckOutcome::kAcked);
  require_ok(box->mark_conflict(b.envelope.h.id, "conflict", kT0 + 30));
  require_ok(box->destroy_card(a.envelope.h.id, {kT0 + 40, "card.verified", a.envelope.h.id}));
  CHECK(require_value(box->expire_cards(kT0 + 10 + datasync::kCardLifetimeMs)) == 1);
  require_ok(box->append_audit({kT0 + 60, "staff.login", ""}));
  // Failures leave no trace in the chain.
  CHECK_FALSE(box->submit(a).is_ok());
  CHECK_FALSE(box->record_failure(synctest::new_ulid(), "x", kT0).is_ok());

  std::vector<datasync::AuditRecord> log = require_value(box->audit_log());
  const std::vector<std::string> codes = {"enrollment.submitted", "enrollment.submitted",
                                          "envelope.acked",       "envelope.conflict",
                                          "card.verified",        "card.expired",
                                          "staff.login"};
  REQUIRE(log.size() == codes.size());
  std::string prev = datasync::kAuditGenesisHash;
  for (std::size_t i = 0; i < log.size(); ++i) {
    CAPTURE(i);
    CHECK(log[i].seq == static_cast<std::int64_t>(i) + 1);
    CHECK(log[i].event.code == codes[i]);
    CHECK(log[i].prev_hash == prev);
    CHECK(log[i].hash == datasync::audit_hash(prev, log[i].seq, log[i].event));
    CHECK(log[i].hash.size() == 64);
    prev = log[i].hash;
  }
  CHECK(log[5].event.ref == b.envelope.h.id);
  CHECK(log[6].event.ref.empty());
  require_ok(box->verify_audit_chain());
}

TEST_CASE("The audit hash covers every field of the event and its position", "[sync][outbox][audit]") {
  datasync::AuditEvent e{kT0, "enrollment.submitted", "01J9Z8Y7X6W5V4T3S2R1Q0P9N8"};
  const std::string h = datasync::audit_hash(datasync::kAuditGenesisHash, 1, e);
  CHECK(h == platform::sha256_hex(platform::as_bytes(
                 "bbd-audit-v1\n" + datasync::kAuditGenesisHash + "\n1\n" + std::to_string(kT0) +
                 "\nenrollment.submitted\n01J9Z8Y7X6W5V4T3S2R1Q0P9N8")));
  datasync::AuditEvent changed = e;
  SECTION("time") { changed.at_unix_ms += 1; }
  SECTION("code") { changed.code = "enrollment.cancelled"; }
  SECTION("ref") { changed.ref = "01J9Z8Y7X6W5V4T3S2R1Q0P9N9"; }
  CHECK(datasync::audit_hash(datasync::kAuditGenesisHash, 1, changed) != h);
  CHECK(datasync::audit_hash(datasync::kAuditGenesisHash, 2, e) != h);
  CHECK(datasync::audit_hash(std::string(64, '1'), 1, e) != h);
}

TEST_CASE("envelope_wire_bytes covers the base64 of the sealed bytes and the signature",
          "[sync][outbox]") {
  Keys k;
  datasync::Envelope e = synctest::make_envelope(k, synctest::make_header(k.device_id, kT0),
                                                 synctest::small_bundle(1234));
  CHECK(datasync::envelope_wire_bytes(e.sealed.size()) >= datasync::envelope_to_json(e).size());
  CHECK(datasync::envelope_wire_bytes(0) < datasync::envelope_wire_bytes(3));
}
