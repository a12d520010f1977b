// sync/receipt.h: the data bank's proof that it durably stored one envelope.
//
//   {"id":ULID,"sha256":hex of the sealed bytes,"received":RFC3339,"sig":base64}
//   sig = Ed25519 (receipt key) over "bbd-receipt-v1\n" id "\n" sha256 "\n" received.
//
// The kiosk drops a sealed blob only for a receipt that verifies and whose sha256 matches.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/status.h"

namespace datasync {

inline constexpr char kReceiptSignatureDomain[] = "bbd-receipt-v1";

struct Receipt {
  std::string id;
  std::string sha256;
  std::string received;
  platform::Signature sig{};
};

std::string receipt_signed_string(const Receipt& r);
Receipt sign_receipt(std::string id, std::string sha256_hex, std::string received,
                     const platform::SignSecretKey& receipt_key);
platform::Status verify_receipt(const Receipt& r, const platform::SignPublicKey& receipt_key);

std::string receipt_to_json(const Receipt& r);
platform::Result<Receipt> receipt_from_json(std::string_view json);

}  // namespace datasync
