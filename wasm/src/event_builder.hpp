// Turns one track(type, properties, options) call into a validated, pre-serialized event.
#pragma once

#include <string>
#include <string_view>

#include "tracker/uuid.hpp"

namespace tracker {
namespace detail {

struct BuiltEvent {
  std::string id;
  std::string json;  // {"id","type","properties","options","context","time":{"create"}}
  bool fire = false;       // options.fire === true
  bool as_beacon = false;  // options.asBeacon === true
};

struct BuildResult {
  bool ok = false;
  BuiltEvent event;
  std::string error;  // names the bad argument when !ok
};

// `page_context_json` is the host's current page context (an object's JSON text, or empty).
// `id`: the event's id when it was minted at the call (a kept call: every replay carries the
// same id); anything but a UUIDv4 is replaced by a new one.
BuildResult build_event(std::string_view type, std::string_view props_json,
                        std::string_view options_json, std::string_view page_context_json,
                        double created_ms, const Entropy& entropy, std::string_view id = {});

}  // namespace detail
}  // namespace tracker
