// libFuzzer target: the form loader (Questionnaire or protocol package JSON) must never
// crash, hang or leak on any input; it returns problems instead. Seeds: assets/protocols
// and tests/fuzz/seeds. Run by scripts/test.sh for 60 s; a crash fails the run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "forms/package.h"
#include "forms/response.h"
#include "forms/session.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  forms::FormFile f = forms::load_form_text(text);
  // Whatever loads must also run: a session, a recompute, validation and output.
  if (f.questionnaire) {
    forms::FormSession s(*f.questionnaire, f.questionnaire->language);
    (void)s.validate_all();
    (void)forms::make_questionnaire_response(s, "2026-01-01T00:00:00Z");
    (void)forms::shown_text(s);
  }
  return 0;
}
