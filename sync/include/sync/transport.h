// sync/transport.h: HTTP requests to the data bank, behind a small interface so tests can
// inject faults and the uploader never knows about libcurl.
//
// CurlTransport: one libcurl easy handle, so the connection is reused across requests;
// TLS with the server's public key pinned (CURLOPT_PINNEDPUBLICKEY), optionally also checked
// against a CA file; redirects are never followed; connect and low-speed timeouts;
// CURLOPT_NOSIGNAL. Plain http:// is refused unless the host is loopback.
//
// Thread-safety: one Transport per thread (the sync thread owns its own).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"

namespace datasync {

struct HttpRequest {
  std::string method;  // GET or POST
  std::string path;    // e.g. /v1/envelopes
  std::vector<std::pair<std::string, std::string>> headers;
  // Not owned: the caller keeps the bytes alive until send() returns (the uploader lends a
  // batch buffer that it reuses for later batches).
  std::string_view body;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  // A transport failure (refused, reset, timeout, TLS or pin failure) is an error Status;
  // any HTTP reply, whatever its status, is a value.
  virtual platform::Result<HttpResponse> send(const HttpRequest& req) = 0;
};

struct CurlOptions {
  std::string base_url;            // https://host:port (http:// only for loopback)
  std::string pinned_spki_sha256;  // base64 SHA-256 of the server's SubjectPublicKeyInfo; required for https
  std::string ca_file;             // optional PEM CA bundle; when empty the pin alone authenticates
  long connect_timeout_ms = 10000;
  long low_speed_limit_bytes = 512;  // abort when slower than this ...
  long low_speed_time_s = 20;        // ... for this long
  long total_timeout_s = 600;
};

platform::Result<std::unique_ptr<Transport>> make_curl_transport(const CurlOptions& opt);

}  // namespace datasync
