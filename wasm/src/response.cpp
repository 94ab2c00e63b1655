#include "response.hpp"

#include <nlohmann/json.hpp>

#include "json_text.hpp"

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;

constexpr std::size_t max_id_length = 128;

std::optional<std::string> entity_id(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_object()) return std::nullopt;
  auto id = it->find("id");
  if (id == it->end() || !id->is_string()) return std::nullopt;
  const std::string& s = id->get_ref<const std::string&>();
  if (s.empty() || s.size() > max_id_length) return std::nullopt;
  return s;
}

// A ux item is injected into the page by the host: only keep the documented shape, with string
// attribute values, so nothing surprising reaches the DOM layer.
std::optional<std::string> clean_ux_item(const json& item) {
  if (!item.is_object()) return std::nullopt;
  auto tag = item.find("tag");
  if (tag == item.end() || !tag->is_string() || tag->get_ref<const std::string&>().empty())
    return std::nullopt;
  json out = json::object();
  out["tag"] = *tag;
  json props = json::object();
  if (auto p = item.find("props"); p != item.end() && p->is_object()) {
    for (auto kv = p->begin(); kv != p->end(); ++kv) {
      if (kv.value().is_string()) props[kv.key()] = kv.value();
      else if (kv.value().is_number() || kv.value().is_boolean()) props[kv.key()] = kv.value().dump();
    }
  }
  out["props"] = std::move(props);
  if (auto c = item.find("content"); c != item.end() && c->is_string()) out["content"] = *c;
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

TrackResponse parse_track_response(std::string_view body) {
  TrackResponse r;
  const json doc = parse_json(body);
  if (doc.is_discarded() || !doc.is_object()) return r;
  r.context = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  r.profile_id = entity_id(doc, "profile");
  r.session_id = entity_id(doc, "session");
  if (auto ux = doc.find("ux"); ux != doc.end() && ux->is_array()) {
    for (const auto& item : *ux) {
      if (auto clean = clean_ux_item(item)) r.ux_items.push_back(std::move(*clean));
    }
  }
  return r;
}

}  // namespace detail
}  // namespace tracker
