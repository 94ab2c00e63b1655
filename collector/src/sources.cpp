#include "sources.hpp"

#include <fstream>
#include <sstream>

#include "body_scan.hpp"

namespace collector {

using nlohmann::json;

namespace {
// Mirrors collector/sources.json so a binary copied elsewhere still serves the demo.
const char* const kBuiltinSources = R"json([
  {"id": "demo-source", "name": "Demo", "enabled": true, "static_profile_id": true, "ux": []},
  {"id": "demo-nostatic", "name": "Demo (no static ids)", "enabled": true,
   "static_profile_id": false, "ux": []},
  {"id": "demo-ux", "name": "Demo (UX)", "enabled": true, "static_profile_id": true,
   "ux": [{"tag": "div", "props": {"class": "tracardi-uix-demo", "data-test": "ux"},
           "content": "<b>hello</b>"}]},
  {"id": "demo-disabled", "name": "Demo (disabled)", "enabled": false,
   "static_profile_id": false, "ux": []}
])json";
}  // namespace

bool SourceRegistry::load_json(const std::string& text, std::string& error) {
  json doc;  // `ux` is copied and dumped into every answer, so its depth is bounded too
  if (parse_bounded(text, kMaxBodyDepth, doc) != BodyShape::ok || !doc.is_array()) {
    error = "sources: expected a JSON list of {id, name, enabled, static_profile_id, ux}";
    return false;
  }
  std::map<std::string, EventSource> parsed;
  for (const auto& item : doc) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
      error = "sources: every entry needs a string `id`";
      return false;
    }
    EventSource s;
    s.id = item["id"].get<std::string>();
    if (item.contains("name") && item["name"].is_string()) s.name = item["name"];
    if (item.contains("enabled") && item["enabled"].is_boolean()) s.enabled = item["enabled"];
    if (item.contains("static_profile_id") && item["static_profile_id"].is_boolean())
      s.static_profile_id = item["static_profile_id"];
    if (item.contains("ux")) {
      if (!item["ux"].is_array()) {
        error = "sources: `ux` of " + s.id + " must be a list";
        return false;
      }
      s.ux = item["ux"];
    }
    parsed[s.id] = std::move(s);
  }
  sources_ = std::move(parsed);
  return true;
}

bool SourceRegistry::load_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "sources: cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_json(text.str(), error);
}

SourceRegistry SourceRegistry::builtin() {
  SourceRegistry r;
  std::string ignored;
  r.load_json(kBuiltinSources, ignored);
  return r;
}

const EventSource* SourceRegistry::find_enabled(const std::string& id) const {
  auto it = sources_.find(id);
  if (it == sources_.end() || !it->second.enabled) return nullptr;
  return &it->second;
}

}  // namespace collector
