// Reads what the tracker needs from a 2xx /track response body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker {
namespace detail {

struct TrackResponse {
  std::optional<std::string> profile_id;
  std::optional<std::string> session_id;
  std::vector<std::string> ux_items;  // validated {tag, props, content?} objects as JSON text
  std::string context = "null";       // the whole body as JSON text, or "null"
};

// Never throws: a non-JSON or odd-shaped body yields an empty result.
TrackResponse parse_track_response(std::string_view body);

}  // namespace detail
}  // namespace tracker
