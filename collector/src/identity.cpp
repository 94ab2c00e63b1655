#include "identity.hpp"

namespace collector {

namespace {
// Profile for a payload whose session does not decide it: a known id is kept, an unknown one is
// treated as forged (new random id) unless the source allows static ids.
void choose_profile(const std::optional<std::string>& profile_id, bool static_allowed,
                    const IdentityLookup& lookup, IdentityDecision& d) {
  if (profile_id && lookup.profile_exists(*profile_id)) {
    d.profile_id = *profile_id;
  } else if (profile_id && static_allowed) {
    d.profile_id = *profile_id;
    d.create_profile = true;
  } else {
    d.profile_id = lookup.new_id();
    d.create_profile = true;
  }
}
}  // namespace

IdentityDecision resolve_identity(const std::optional<std::string>& session_id,
                                  const std::optional<std::string>& profile_id,
                                  bool static_profile_ids_allowed, const IdentityLookup& lookup,
                                  bool profile_less) {
  IdentityDecision d;
  if (profile_less) {
    d.session_id = lookup.new_id();  // Tracardi's artificial session, never saved; no profile
    return d;
  }
  if (!session_id) {
    // Tracardi's "artificial session": answered but never saved.
    d.session_id = lookup.new_id();
    choose_profile(profile_id, static_profile_ids_allowed, lookup, d);
    return d;
  }
  d.session_id = *session_id;
  if (auto bound = lookup.session_profile(*session_id)) {
    d.profile_id = *bound;  // the session's profile wins over the payload's
    d.create_profile = !lookup.profile_exists(*bound);
    return d;
  }
  d.save_session = true;
  choose_profile(profile_id, static_profile_ids_allowed, lookup, d);
  return d;
}

}  // namespace collector
