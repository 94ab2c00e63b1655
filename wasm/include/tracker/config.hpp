// Tracker configuration, read from the Tracardi options object.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker {

struct Config {
  std::string api_url;      // tracker.url.api without a trailing '/'
  std::string track_url;    // api_url + "/track"
  std::string source_id;    // tracker.source.id
  std::optional<std::string> static_profile_id;  // tracker.profile.id
  bool beacon_transport = false;  // tracker.settings.transport === "beacon" (opt-in, see policy)
  bool log_deferred = true;       // tracker.settings.logDeferred (default true: the documented log)
};

struct ConfigResult {
  std::optional<Config> config;  // set when valid
  std::string error;             // names the bad field when invalid
  std::vector<std::string> warnings;
};

// Parses the JSON text of the page's `options` object. Never throws.
ConfigResult parse_config(std::string_view options_json);

}  // namespace tracker
