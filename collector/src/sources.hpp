// Event sources the collector accepts, loaded from a small JSON file (Tracardi keeps them in its
// database; a file is enough for a local demo collector).
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace collector {

struct EventSource {
  std::string id;
  std::string name;
  bool enabled = true;
  bool static_profile_id = false;  // Tracardi's "Allow static profile ID" bridge setting
  nlohmann::json ux = nlohmann::json::array();  // returned as the response `ux`
};

class SourceRegistry {
 public:
  // Parses `[{"id":..,"name":..,"enabled":..,"static_profile_id":..,"ux":[..]}]`.
  // Returns false and sets `error` when the text is not such a list.
  bool load_json(const std::string& text, std::string& error);
  bool load_file(const std::string& path, std::string& error);
  // The sources shipped in collector/sources.json, for when that file is not around.
  static SourceRegistry builtin();

  // Null when the source is unknown or disabled (both answer 401, as in Tracardi).
  const EventSource* find_enabled(const std::string& id) const;
  size_t size() const { return sources_.size(); }

 private:
  std::map<std::string, EventSource> sources_;
};

}  // namespace collector
