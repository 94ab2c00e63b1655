// Checks a /track body the way Tracardi 0.9's pydantic models do, and turns it into the few
// fields the collector stores. Errors use FastAPI's 422 shape: {"detail":[{loc,msg,type}]}.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "body_scan.hpp"

namespace collector {

struct EventInput {
  std::string id;  // empty when the client sent none (the server then mints a uuid4)
  std::string type;  // stripped
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json options = nlohmann::json::object();
  nlohmann::json context = nlohmann::json::object();
  nlohmann::json time = nlohmann::json::object();
  nlohmann::json tags = nlohmann::json::array();
};

struct TrackInput {
  std::string source_id;                  // stripped
  std::optional<std::string> session_id;  // absent, null or blank -> nullopt
  std::optional<std::string> profile_id;  // absent, null or blank -> nullopt
  std::vector<EventInput> events;
  bool profile_less = false;  // POST /track?profile_less=true: no profile, a throw-away session
};

struct Validation {
  int status = 200;        // 200 or 422
  nlohmann::json detail;   // the 422 body's "detail"
  TrackInput input;
  // The source.id the body named (stripped), kept when the body is refused too, so a site's
  // refused requests can be found by its source (/requests, /summary?source=).
  std::string named_source;
  bool ok() const { return status == 200; }
};

// `body` is the raw request body, already known to be meant as JSON. A body nested deeper than
// `max_depth` is refused (422) before any JSON document is built from it.
Validation validate_track_body(const std::string& body, int max_depth = kMaxBodyDepth);

// Event ids found in a well-formed body, valid or not; /requests lists them even for rejected
// requests so e2e tests can tell which events a failed attempt carried. Streaming: safe on any
// input (a malformed or too deep body has none).
std::vector<std::string> event_ids_in(const std::string& body);

}  // namespace collector
