// One streaming (SAX) pass over a request body before anything builds a JSON document from it:
// syntax, nesting depth and the event ids. nlohmann's SAX parser keeps its nesting on a heap
// stack, so this pass is safe on any input; its DOM copy and dump() recurse once per level, so
// they only ever see text this pass accepted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace collector {

// Deepest nesting a /track body may have (the root value is level 1). The tracker caps
// `properties` at 32 levels, which is level 35 of the body; 64 leaves room for deep `context`
// and `options` while keeping every later recursive step a few dozen frames deep.
inline constexpr int kMaxBodyDepth = 64;

enum class BodyShape { ok, malformed, too_deep };

struct BodyScan {
  BodyShape shape = BodyShape::malformed;
  int deepest = 0;  // deepest level reached (up to max_depth + 1 when cut short)
  // String `events[i].id` values, as a parsed document would give them (last duplicate key
  // wins); only filled for an `ok` body.
  std::vector<std::string> event_ids;
};

BodyScan scan_body(std::string_view text, int max_depth = kMaxBodyDepth);

// Parses `text` into `out` only when scan_body() accepts it at `max_depth`; returns the shape.
BodyShape parse_bounded(std::string_view text, int max_depth, nlohmann::json& out);

}  // namespace collector
