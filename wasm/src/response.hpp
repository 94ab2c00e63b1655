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
  std::string detail;                 // an error body's `detail`: a string, or compact JSON text
};

// Never throws: a non-JSON or odd-shaped body yields an empty result.
TrackResponse parse_track_response(std::string_view body);

// The `detail` of an error body (FastAPI's {"detail": ...}): a string as is, anything else as
// compact JSON; at most `max_bytes`, cut on a UTF-8 character boundary ("..." appended when
// cut). Empty when the body has none.
std::string refusal_detail(std::string_view body, std::size_t max_bytes);

}  // namespace detail
}  // namespace tracker
