// Private helpers for strict JSON field access (nlohmann-json exceptions stop here).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "platform/status.h"

namespace datasync::detail {

inline platform::Result<std::string> get_string(const nlohmann::json& j, const char* key,
                                                const char* what) {
  auto it = j.find(key);
  if (it == j.end()) return platform::Status::invalid_argument(std::string(what) + ": missing field /" + key);
  if (!it->is_string()) return platform::Status::invalid_argument(std::string(what) + ": field /" + key + " is not a string");
  return it->get<std::string>();
}

inline std::string quote(std::string_view s) { return nlohmann::json(std::string(s)).dump(); }

}  // namespace datasync::detail
