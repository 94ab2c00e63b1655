// Tracardi 0.9's session/profile resolution, as a pure function so it can be tested without a
// database. Storage supplies the lookups and applies the decision in one transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace collector {

struct IdentityLookup {
  // Profile id bound to a stored session, or nullopt when the session is unknown.
  std::function<std::optional<std::string>(const std::string& session_id)> session_profile;
  std::function<bool(const std::string& profile_id)> profile_exists;
  std::function<std::string()> new_id;  // uuid4
};

struct IdentityDecision {
  std::string session_id;
  std::string profile_id;
  bool save_session = false;    // a new session to bind to profile_id
  bool create_profile = false;  // profile_id is not stored yet
};

// session_id/profile_id: from the payload, already stripped, nullopt when absent or blank.
// profile_less: Tracardi's flag (the query parameter): no profile at all, a throw-away session.
IdentityDecision resolve_identity(const std::optional<std::string>& session_id,
                                  const std::optional<std::string>& profile_id,
                                  bool static_profile_ids_allowed, const IdentityLookup& lookup,
                                  bool profile_less = false);

}  // namespace collector
