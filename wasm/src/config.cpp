#include "tracker/config.hpp"

#include <nlohmann/json.hpp>

#include "json_text.hpp"

#include "tracker/uuid.hpp"

namespace tracker {
namespace {

using json = nlohmann::json;

// Returns the member `key` of `obj` or nullptr; never throws (obj may be any type).
const json* member(const json* obj, const char* key) {
  if (obj == nullptr || !obj->is_object()) return nullptr;
  auto it = obj->find(key);
  return it == obj->end() ? nullptr : &*it;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

const char* type_name(const json* v) {
  if (v == nullptr) return "missing";
  return v->type_name();
}

}  // namespace

ConfigResult parse_config(std::string_view options_json) {
  ConfigResult r;
  const json root = detail::parse_json(options_json);
  if (root.is_discarded() || !root.is_object()) {
    r.error = "options must be an object ({tracker: {url: {api}, source: {id}}})";
    return r;
  }
  const json* tracker = member(&root, "tracker");
  if (tracker == nullptr || !tracker->is_object()) {
    r.error = std::string("options.tracker must be an object, got ") + type_name(tracker);
    return r;
  }
  const json* url = member(tracker, "url");
  if (url == nullptr || !url->is_object()) {
    r.error = std::string("options.tracker.url must be an object, got ") + type_name(url);
    return r;
  }
  const json* api = member(url, "api");
  if (api == nullptr || !api->is_string()) {
    r.error = std::string("options.tracker.url.api must be a string URL, got ") + type_name(api);
    return r;
  }
  Config c;
  c.api_url = trim(api->get_ref<const std::string&>());
  while (!c.api_url.empty() && c.api_url.back() == '/') c.api_url.pop_back();
  if (c.api_url.empty()) {
    r.error = "options.tracker.url.api must not be empty";
    return r;
  }
  c.track_url = c.api_url + "/track";

  const json* source = member(tracker, "source");
  const json* source_id = member(source, "id");
  if (source_id == nullptr || !source_id->is_string()) {
    r.error = std::string("options.tracker.source.id must be a string, got ") + type_name(source_id);
    return r;
  }
  c.source_id = trim(source_id->get_ref<const std::string&>());
  if (c.source_id.empty()) {
    r.error = "options.tracker.source.id must not be empty";
    return r;
  }
  if (c.source_id.front() == '@') {
    r.error = "options.tracker.source.id must not start with '@' (internal sources are refused by /track)";
    return r;
  }

  if (const json* profile = member(tracker, "profile"); profile != nullptr && !profile->is_null()) {
    const json* pid = member(profile, "id");
    if (!profile->is_object() || pid == nullptr || !pid->is_string()) {
      r.error = std::string("options.tracker.profile.id must be a string, got ") +
                type_name(profile->is_object() ? pid : profile);
      return r;
    }
    const std::string id = trim(pid->get_ref<const std::string&>());
    if (id.empty()) {
      r.error = "options.tracker.profile.id must not be empty";
      return r;
    }
    if (!is_uuid4(id)) {
      r.warnings.push_back("options.tracker.profile.id \"" + id.substr(0, 64) +
                           "\" is not a UUIDv4: an easy-to-guess static profile id lets attackers "
                           "write into that profile. Use a random UUID4.");
    }
    c.static_profile_id = id;
  }

  if (const json* settings = member(tracker, "settings"); settings != nullptr) {
    if (!settings->is_object()) {
      r.error = std::string("options.tracker.settings must be an object, got ") + settings->type_name();
      return r;
    }
    if (const json* t = member(settings, "transport"); t != nullptr) {
      if (!t->is_string() || (*t != "fetch" && *t != "beacon")) {
        r.error = "options.tracker.settings.transport must be \"fetch\" or \"beacon\"";
        return r;
      }
      c.beacon_transport = *t == "beacon";
    }
    if (const json* l = member(settings, "logDeferred"); l != nullptr) {
      if (!l->is_boolean()) {
        r.error = "options.tracker.settings.logDeferred must be a boolean";
        return r;
      }
      c.log_deferred = l->get<bool>();
    }
  }
  r.config = std::move(c);
  return r;
}

}  // namespace tracker
