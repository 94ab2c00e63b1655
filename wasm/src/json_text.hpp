// Helpers that work on JSON *text*: events are kept pre-serialized, so the hot path validates
// and splices text instead of building DOM trees.
#pragma once

#include <string>
#include <string_view>

namespace tracker {
namespace detail {

enum class JsonCheck { ok, invalid, not_object, too_deep };

// Validates `text` as one JSON value without building a DOM; reports whether it is an object
// nested at most `max_depth` deep.
JsonCheck check_json_object(std::string_view text, int max_depth);

// Replaces escaped lone UTF-16 surrogates ("\ud800" without its pair), which JSON.stringify emits
// for broken strings and strict parsers reject, with "\ufffd". Returns true if it changed text.
bool repair_lone_surrogate_escapes(std::string& text);

// `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);

// Encodes `s` as a JSON string literal; invalid UTF-8 becomes U+FFFD.
std::string json_quote(std::string_view s);

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for epoch milliseconds (what Tracardi's tracker sends).
std::string iso_utc(double epoch_ms);

}  // namespace detail
}  // namespace tracker
