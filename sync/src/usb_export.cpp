#include "sync/usb_export.h"

#include <nlohmann/json.hpp>

#include "platform/fs.h"

namespace datasync {

using platform::Result;
using platform::Status;

namespace {
constexpr std::size_t kMaxExportBytes = std::size_t{4} << 30;
}  // namespace

Result<ExportSummary> export_queue(Outbox& outbox, const std::filesystem::path& out,
                                   const std::string& device_id, const std::string& created) {
  // Every queued envelope, in queue order, in one read. A queue too large for one file is an
  // error, never a silently shortened export.
  Result<OutboxStats> st = outbox.stats(0);
  if (!st.is_ok()) return st.status();
  const std::size_t want = static_cast<std::size_t>(st->queued_count);
  Result<std::vector<QueuedEnvelope>> all = outbox.next_batch(want, kMaxExportBytes);
  if (!all.is_ok()) return all.status();
  if (all->size() < want)
    return Status::invalid_argument("the queue (" + std::to_string(want) + " envelopes) is larger than one export file may hold (" +
                                    std::to_string(kMaxExportBytes >> 30) + " GiB); sync or export in parts after receipts return");
  std::string body;
  for (const QueuedEnvelope& q : all.value()) {
    body += q.json;
    body += '\n';
  }
  ExportSummary sum;
  sum.count = static_cast<std::int64_t>(all->size());
  sum.sha256 = platform::sha256_hex(platform::as_bytes(body));
  nlohmann::json manifest = {{"manifest",
                              {{"count", sum.count},
                               {"sha256", sum.sha256},
                               {"device", device_id},
                               {"created", created}}}};
  body += manifest.dump();
  body += '\n';
  sum.bytes = static_cast<std::int64_t>(body.size());
  Status s = platform::write_file_atomic(out, body, 0600);
  if (!s.is_ok()) return s.with_context("export file not written");
  return sum;
}

Result<std::vector<std::string>> read_export(const std::filesystem::path& file) {
  Result<std::string> text = platform::read_file(file, kMaxExportBytes);
  if (!text.is_ok()) return text.status();
  const std::string& t = text.value();
  if (t.empty() || t.back() != '\n') return Status::invalid_argument(file.string() + ": file is truncated (no final newline)");
  std::size_t last_start = t.rfind('\n', t.size() - 2);
  last_start = last_start == std::string::npos ? 0 : last_start + 1;
  nlohmann::json m = nlohmann::json::parse(t.substr(last_start), nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("manifest") || !m["manifest"].is_object())
    return Status::invalid_argument(file.string() + ": last line is not a manifest");
  const nlohmann::json& mf = m["manifest"];
  if (!mf.contains("count") || !mf["count"].is_number_integer() || !mf.contains("sha256") || !mf["sha256"].is_string())
    return Status::invalid_argument(file.string() + ": manifest lacks count or sha256");
  std::string_view body(t.data(), last_start);
  if (platform::sha256_hex(platform::as_bytes(body)) != mf["sha256"].get<std::string>())
    return Status::corruption(file.string() + ": contents do not match the manifest's sha256");
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t nl = body.find('\n', pos);
    lines.emplace_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (static_cast<std::int64_t>(lines.size()) != mf["count"].get<std::int64_t>())
    return Status::corruption(file.string() + ": manifest count does not match the number of lines");
  return lines;
}

}  // namespace datasync
