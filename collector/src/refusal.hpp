// Why a /track request stored nothing, in a form /requests can keep with it: one readable line,
// and the answered `detail` cut to a bounded size. A refused body can be a megabyte of hostile
// text (an unknown source id is echoed in the 401 detail), and thousands of invalid events give
// thousands of errors: neither is copied into every stored row whole.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace collector {

inline constexpr size_t kMaxReasonBytes = 240;
inline constexpr size_t kMaxDetailBytes = 1000;  // a string detail
inline constexpr size_t kMaxStoredErrors = 20;   // a list detail

// "body.events[0].type: Event type can not be empty (+2 more)" for FastAPI's error list, the
// text itself for a string detail; never empty, at most kMaxReasonBytes of valid UTF-8.
std::string refusal_reason(const nlohmann::json& detail);

// The detail as kept: the first kMaxStoredErrors errors of a list, a string cut to
// kMaxDetailBytes; anything else as it is.
nlohmann::json bounded_detail(const nlohmann::json& detail);

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence, ending in "…" when cut.
std::string cut_utf8(const std::string& text, size_t max);

}  // namespace collector
