// kiosk/form_tools.h: what `kioskctl form ...` and `kioskctl forms install` do, as functions
// that return text and problems (the CLI only prints them).
//
// Thread-safety: stateless.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "forms/package.h"
#include "forms/session.h"
#include "platform/crypto.h"
#include "platform/status.h"
#include "sync/transport.h"

namespace kiosk {

// `kioskctl form check`: "" lines when valid, else one "pointer (linkId): message" per problem.
std::vector<std::string> check_form_file(const std::filesystem::path& file);

struct FillResult {
  nlohmann::json output;              // a QuestionnaireResponse, or a Bundle of them for a package
  std::vector<std::string> problems;  // "linkId: message", in the chosen language; empty when valid
  std::vector<std::string> ignored;   // linkIds answered but disabled (not in the output)
};

// Applies an answers file (linkId -> value or array of values; choice answers by code) to a
// Questionnaire file, or to every Questionnaire of a package that has answers.
platform::Result<FillResult> fill_form(const std::filesystem::path& file, const nlohmann::json& answers,
                                       const std::string& lang, const std::string& authored);

// A readable outline for form authors: pages, items, types, conditions, and with answers
// which items are enabled.
platform::Result<std::string> show_form(const std::filesystem::path& file, const std::string& lang,
                                        const std::optional<nlohmann::json>& answers);

// Converts one JSON answer to a Value for `item` (choice answers by code). Says what is wrong.
platform::Result<forms::Value> answer_from_json(const forms::Item& item, const nlohmann::json& v);

// Verifies the package's signature with `forms_key`, validates it, and installs it (file and
// signature) into <data dir>/forms/ atomically. Returns the installed file's path.
platform::Result<std::filesystem::path> install_package(const std::filesystem::path& data_dir,
                                                        const std::filesystem::path& package_file,
                                                        const std::filesystem::path& sig_file,
                                                        const platform::SignPublicKey& forms_key);

// Installed packages by participation type (the newest version of each), verified again.
platform::Result<std::vector<forms::ProtocolPackage>> load_installed_packages(
    const std::filesystem::path& data_dir, const platform::SignPublicKey& forms_key);

// Asks the data bank for its published packages and installs each one newer than what is
// installed for its participation type, only if its signature verifies with `forms_key`.
// Returns the installed "<type>/<version>" names.
platform::Result<std::vector<std::string>> update_forms_from_server(const std::filesystem::path& data_dir,
                                                                    datasync::Transport& transport,
                                                                    const platform::SignPublicKey& forms_key);

}  // namespace kiosk
