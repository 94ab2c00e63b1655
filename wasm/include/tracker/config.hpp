// Tracker configuration, read from the Tracardi options object.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker {

// The visitor's consent (settings.consent, then tracker.consent()): granted runs the tracker as
// ever; pending holds every call in memory and writes and sends nothing; denied drops (or, with
// settings.consentDenied "anonymous", sends profile-less events) and writes nothing.
enum class Consent { granted, pending, denied };

struct Config {
  std::string api_url;      // tracker.url.api without a trailing '/'
  std::string track_url;    // api_url + "/track"
  std::string source_id;    // tracker.source.id
  std::optional<std::string> static_profile_id;  // tracker.profile.id
  bool beacon_transport = false;  // tracker.settings.transport === "beacon" (opt-in, see policy)
  bool log_deferred = true;       // tracker.settings.logDeferred (default true: the documented log)
  Consent consent = Consent::granted;  // tracker.settings.consent (default: today's behaviour)
  bool consent_anonymous = false;      // tracker.settings.consentDenied === "anonymous"
  bool respect_gpc = false;            // tracker.settings.respectGlobalPrivacyControl === true
};

struct ConfigResult {
  std::optional<Config> config;  // set when valid
  std::string error;             // names the bad field when invalid
  std::vector<std::string> warnings;
};

// Parses the JSON text of the page's `options` object. Never throws.
ConfigResult parse_config(std::string_view options_json);

}  // namespace tracker
