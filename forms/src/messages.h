// Private: validation messages in the participant's language. Plain words, no jargon.
#pragma once

#include <string>

namespace forms {

struct Messages {
  std::string required, group_required, one_answer, at_least, at_most, decimals_prefix, decimals_suffix,
      max_length_prefix, max_length_suffix, pattern, not_an_option, mandatory_consent;
};

inline const Messages& messages(const std::string& lang) {
  static const Messages kKo = {"이 질문에 답해 주세요.",
                               "이 부분의 질문 중 하나 이상에 답해 주세요.",
                               "답을 하나만 골라 주세요.",
                               "이 값보다 크거나 같아야 합니다: ",
                               "이 값보다 작거나 같아야 합니다: ",
                               "소수점 아래 ",
                               "자리까지만 적어 주세요.",
                               "",
                               "자 이내로 적어 주세요.",
                               "적으신 형식이 맞지 않습니다. 예시를 보고 다시 적어 주세요.",
                               "보기 중에서 골라 주세요.",
                               "연구에 참여하시려면 이 항목에 동의가 필요합니다. 동의하지 않으시면 참여하실 수 없습니다."};
  static const Messages kEn = {"Please answer this question.",
                               "Please answer at least one question in this part.",
                               "Please choose only one answer.",
                               "The value must be at least ",
                               "The value must be at most ",
                               "Please use at most ",
                               " decimal place(s).",
                               "Please use at most ",
                               " characters.",
                               "This is not in the expected format. Please look at the example and try again.",
                               "Please choose one of the options.",
                               "You need to agree to this to take part in the study. Without it you cannot take part."};
  return lang == "ko" ? kKo : kEn;
}

}  // namespace forms
