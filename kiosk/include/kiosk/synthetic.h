// kiosk/synthetic.h: synthetic participants for demos, tests and benchmarks.
//
// Every person made here is invented: names are random picks of common Korean surnames
// and given-name syllables, phone numbers use the unassigned 010-0000-xxxx block, and
// answers are random. Deterministic for a given seed. A `marker` string, when set, is
// embedded in the name, a free-text answer and the phone field so that leak tests can look
// for it in every file the kiosk writes.
//
// Thread-safety: pure functions of the generator passed in.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "forms/enrollment_bundle.h"
#include "sync/submit.h"

namespace kiosk {

struct SyntheticOptions {
  std::string marker;             // embedded as "<marker>N", "<marker>A", "<marker>P"
  std::size_t target_bytes = 0;   // pad the survey to about this many bundle bytes (0: natural 10-40 KB)
};

forms::EnrollmentContent make_synthetic_content(std::mt19937_64& rng, const std::string& id,
                                                const std::string& now_rfc3339,
                                                const SyntheticOptions& opt);

// The submit input for a synthetic participant: the bundle JSON and the verification card.
datasync::EnrollmentInput make_synthetic_enrollment(std::mt19937_64& rng, const std::string& id,
                                                    const std::string& now_rfc3339,
                                                    const SyntheticOptions& opt);

}  // namespace kiosk
