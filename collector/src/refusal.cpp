#include "refusal.hpp"

namespace collector {

using nlohmann::json;

namespace {

// FastAPI's loc ["body", "events", 0, "type"] read as the path a developer would write.
std::string path_of(const json& loc) {
  std::string out;
  for (const auto& part : loc) {
    if (part.is_number_integer()) {
      out += "[" + std::to_string(part.get<int64_t>()) + "]";
    } else if (part.is_string()) {
      if (!out.empty()) out += '.';
      out += part.get<std::string>();
    }
  }
  return out;
}

std::string one_error(const json& e) {
  if (e.is_string()) return e.get<std::string>();
  if (!e.is_object() || !e.contains("msg") || !e["msg"].is_string()) return "";
  std::string msg = e["msg"].get<std::string>();
  if (!e.contains("loc") || !e["loc"].is_array()) return msg;
  std::string path = path_of(e["loc"]);
  return path.empty() ? msg : path + ": " + msg;
}

}  // namespace

std::string cut_utf8(const std::string& text, size_t max) {
  static const std::string ellipsis = "\xE2\x80\xA6";
  if (text.size() <= max) return text;
  if (max < ellipsis.size()) return "";
  size_t end = max - ellipsis.size();
  // Back off continuation bytes (10xxxxxx) so the cut falls before a sequence's lead byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + ellipsis;
}

std::string refusal_reason(const json& detail) {
  std::string reason;
  if (detail.is_string()) {
    reason = detail.get<std::string>();
  } else if (detail.is_array()) {
    if (!detail.empty()) reason = one_error(detail[0]);
    if (!reason.empty() && detail.size() > 1)
      reason += " (+" + std::to_string(detail.size() - 1) + " more)";
  } else if (!detail.is_null()) {
    reason = detail.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (reason.empty()) return "refused";
  return cut_utf8(reason, kMaxReasonBytes);
}

json bounded_detail(const json& detail) {
  if (detail.is_string()) return cut_utf8(detail.get<std::string>(), kMaxDetailBytes);
  if (detail.is_array() && detail.size() > kMaxStoredErrors)
    return json(detail.begin(), detail.begin() + kMaxStoredErrors);
  return detail;
}

}  // namespace collector
