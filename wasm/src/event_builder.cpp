#include "event_builder.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "json_scan.hpp"
#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

bool is_blank(std::string_view s) {
  return s.empty() || s == "null" || s == "undefined";
}

// Validates an argument that must be a JSON object; may repair lone-surrogate escapes in place.
// Returns true when valid; else writes the reason into `error` (the result's, no temporary).
bool check_object_arg(std::string& text, const char* what, std::string& error) {
  JsonCheck c = check_json_object(text, policy::max_property_depth);
  if (c == JsonCheck::invalid && repair_lone_surrogate_escapes(text)) {
    c = check_json_object(text, policy::max_property_depth);
  }
  if (c == JsonCheck::ok) return true;
  error = what;
  if (c == JsonCheck::not_object) error += " must be an object";
  else if (c == JsonCheck::too_deep) error += " is nested deeper than " + detail::decimal(policy::max_property_depth) + " levels";
  else error += " is not valid JSON";
  return false;
}

// Members of a JSON object text in order, flat: key, value text, key, value text, ... (a vector of
// pairs would bring its own growth code into the wasm; a vector of strings is there anyway).
std::vector<std::string> members(std::string_view object_text) {
  std::vector<std::string> out;
  JsonScanner scanner;
  scanner.capture = [](const JsonPath& path) { return path.size() == 1; };
  scanner.on_captured = [&out](const JsonPath& path, std::string&& text) {
    out.push_back(std::string(path[0]));
    out.push_back(std::move(text));
  };
  scanner.scan(object_text);
  return out;
}

// `over`'s members replace same-named members of `base` (per-event context over page context).
std::string merge_objects(std::string_view base, std::string_view over) {
  std::vector<std::string> merged = members(base);
  std::vector<std::string> extra = members(over);
  for (std::size_t i = 0; i < extra.size(); i += 2) {
    std::size_t at = 0;  // the first member of `base` with that key
    while (at < merged.size() && merged[at] != extra[i]) at += 2;
    if (at < merged.size()) {
      merged[at + 1] = std::move(extra[i + 1]);
    } else {
      merged.push_back(std::move(extra[i]));
      merged.push_back(std::move(extra[i + 1]));
    }
  }
  std::string out = "{";
  for (std::size_t i = 0; i < merged.size(); i += 2) {
    if (i > 0) out += ',';
    append_quoted(out, merged[i]);
    out += ':';
    out += merged[i + 1];
  }
  out += '}';
  return out;
}

}  // namespace

BuildResult build_event(std::string_view type, std::string_view props_json,
                        std::string_view options_json, std::string_view page_context_json,
                        double created_ms, const Entropy& entropy, std::string_view id) {
  BuildResult r;
  const std::string_view t = trim(type);
  if (t.empty()) {
    r.error = "track(type): event type must be a non-empty string";
    return r;
  }
  if (t.size() > policy::max_type_length) {
    r.error = Cat() << "track(type): event type is longer than " << policy::max_type_length << " characters";
    return r;
  }

  // Reject oversized input before parsing it: a 10 MB string must cost nothing.
  if (props_json.size() + options_json.size() > policy::max_event_bytes) {
    r.error = Cat() << "track(properties): event is over the " << policy::max_event_bytes << "-byte limit";
    return r;
  }
  std::string props = is_blank(props_json) ? std::string("{}") : std::string(props_json);
  if (!check_object_arg(props, "track(properties)", r.error)) return r;

  std::string options = is_blank(options_json) ? std::string("{}") : std::string(options_json);
  std::string context = page_context_json.empty() ? std::string("{}") : std::string(page_context_json);
  if (options != "{}") {
    if (!check_object_arg(options, "track(options)", r.error)) return r;
    // Flags are real booleans only, as Tracardi's is_on(); options.context is copied as text.
    std::string extra_context;
    JsonScanner scanner;
    scanner.on_value = [&r](const JsonPath& path, JsonKind kind, std::string_view text) {
      if (kind != JsonKind::boolean || path.size() != 1) return;
      if (path[0] == "fire") r.event.fire = text == "true";
      if (path[0] == "asBeacon") r.event.as_beacon = text == "true";
    };
    scanner.capture = [](const JsonPath& path) { return path_is(path, "context"); };
    scanner.on_captured = [&extra_context](const JsonPath&, std::string&& text) {
      if (!text.empty() && text.front() == '{') extra_context = std::move(text);
    };
    scanner.scan(options);
    if (!extra_context.empty()) context = merge_objects(context, extra_context);
  }

  r.event.id = is_uuid4(id) ? std::string(id) : make_uuid4(entropy);
  std::string& out = r.event.json;
  out.reserve(props.size() + options.size() + context.size() + t.size() + 128);
  out += "{\"id\":\"";
  out += r.event.id;
  out += "\",\"type\":";
  append_quoted(out, t);
  out += ",\"properties\":";
  out += props;
  out += ",\"options\":";
  out += options;
  out += ",\"context\":";
  out += context;
  out += ",\"time\":{\"create\":\"";
  out += iso_utc(created_ms);
  out += "\"}}";
  if (out.size() > policy::max_event_bytes) {
    r.error = Cat() << "track(properties): event is " << out.size() << " bytes, over the "
                    << policy::max_event_bytes << "-byte limit";
    r.event = BuiltEvent{};
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace detail
}  // namespace tracker
