#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "sync/transport.h"

namespace datasync {

using platform::Result;
using platform::Status;

namespace {

std::once_flag g_curl_init;

std::string host_of(const std::string& url) {
  auto p = url.find("://");
  std::string rest = p == std::string::npos ? url : url.substr(p + 3);
  if (!rest.empty() && rest[0] == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find_first_of(":/"));
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(CURL* h, CurlOptions opt) : h_(h), opt_(std::move(opt)) {}
  ~CurlTransport() override { curl_easy_cleanup(h_); }

  Result<HttpResponse> send(const HttpRequest& req) override {
    HttpResponse res;
    std::string url = opt_.base_url + req.path;
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    if (req.method == "POST") headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, headers);
    if (req.method == "POST") {
      curl_easy_setopt(h_, CURLOPT_POST, 1L);
      // Never a null pointer: with one, libcurl would read the body from a read callback.
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, req.body.empty() ? "" : req.body.data());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    } else {
      curl_easy_setopt(h_, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &res.body);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &res.headers);
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = curl_easy_perform(h_);
    // The handle outlives these locals: detach them before they go out of scope.
    curl_easy_setopt(h_, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      std::string what = std::string(curl_easy_strerror(rc)) + (err[0] ? std::string(" (") + err + ")" : "");
      if (rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        return Status::crypto("the server's TLS key does not match the pinned key: " + what + "; nothing was sent");
      if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
        return Status::crypto("the server's TLS certificate does not verify: " + what);
      return Status::io_error(req.method + " " + opt_.base_url + req.path + ": " + what);
    }
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &res.status);
    return res;
  }

 private:
  CURL* h_;
  CurlOptions opt_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_curl_transport(const CurlOptions& opt) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const bool https = opt.base_url.rfind("https://", 0) == 0;
  const bool http = opt.base_url.rfind("http://", 0) == 0;
  const std::string host = host_of(opt.base_url);
  if (!https && !http) return Status::invalid_argument("server URL must start with https:// (" + opt.base_url + ")");
  if (http && host != "127.0.0.1" && host != "::1" && host != "localhost")
    return Status::invalid_argument("plain http:// is allowed only to loopback (demo and tests); use https:// for " + host);
  if (https && opt.pinned_spki_sha256.empty())
    return Status::invalid_argument("https needs the server's pinned public key (from the enroll code)");
  CURL* h = curl_easy_init();
  if (!h) return Status::internal("curl_easy_init failed");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, opt.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, opt.low_speed_limit_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, opt.low_speed_time_s);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, opt.total_timeout_s);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  if (https) {
    std::string pin = "sha256//" + opt.pinned_spki_sha256;
    curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin.c_str());
    if (!opt.ca_file.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    } else {
      // Authenticated by the pinned key alone (the pin came from the data bank's enroll code).
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
  return std::unique_ptr<Transport>(new CurlTransport(h, opt));
}

}  // namespace datasync
