#include "event_builder.hpp"

#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;

bool is_blank(std::string_view s) {
  return s.empty() || s == "null" || s == "undefined";
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Validates an argument that must be a JSON object; may repair lone-surrogate escapes in place.
// Returns an empty string when valid, else the reason.
std::string check_object_arg(std::string& text, const char* what) {
  JsonCheck c = check_json_object(text, policy::max_property_depth);
  if (c == JsonCheck::invalid && repair_lone_surrogate_escapes(text)) {
    c = check_json_object(text, policy::max_property_depth);
  }
  switch (c) {
    case JsonCheck::ok: return {};
    case JsonCheck::not_object: return std::string(what) + " must be an object";
    case JsonCheck::too_deep:
      return std::string(what) + " is nested deeper than " + std::to_string(policy::max_property_depth) +
             " levels";
    case JsonCheck::invalid: break;
  }
  return std::string(what) + " is not valid JSON";
}

}  // namespace

BuildResult build_event(std::string_view type, std::string_view props_json,
                        std::string_view options_json, std::string_view page_context_json,
                        double created_ms, const Entropy& entropy) {
  BuildResult r;
  const std::string_view t = trim(type);
  if (t.empty()) {
    r.error = "track(type): event type must be a non-empty string";
    return r;
  }
  if (t.size() > policy::max_type_length) {
    r.error = "track(type): event type is longer than " + std::to_string(policy::max_type_length) +
              " characters";
    return r;
  }

  // Reject oversized input before parsing it: a 10 MB string must cost nothing.
  if (props_json.size() + options_json.size() > policy::max_event_bytes) {
    r.error = "track(properties): event is over the " + std::to_string(policy::max_event_bytes) +
              "-byte limit";
    return r;
  }
  std::string props = is_blank(props_json) ? std::string("{}") : std::string(props_json);
  if (std::string e = check_object_arg(props, "track(properties)"); !e.empty()) {
    r.error = std::move(e);
    return r;
  }

  std::string options = is_blank(options_json) ? std::string("{}") : std::string(options_json);
  std::string context = page_context_json.empty() ? std::string("{}") : std::string(page_context_json);
  if (options != "{}") {
    if (std::string e = check_object_arg(options, "track(options)"); !e.empty()) {
      r.error = std::move(e);
      return r;
    }
    // Options are small; a DOM is fine here and keeps the flag rules exact (real booleans only,
    // as Tracardi's is_on()).
    const json opts = parse_json(options);
    if (auto it = opts.find("fire"); it != opts.end() && it->is_boolean()) r.event.fire = it->get<bool>();
    if (auto it = opts.find("asBeacon"); it != opts.end() && it->is_boolean())
      r.event.as_beacon = it->get<bool>();
    if (auto it = opts.find("context"); it != opts.end() && it->is_object()) {
      // Per-event context from options is merged over the page context, as the old tracker did.
      json ctx = parse_json(context);
      if (!ctx.is_object()) ctx = json::object();
      for (auto kv = it->begin(); kv != it->end(); ++kv) ctx[kv.key()] = kv.value();
      context = ctx.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }

  r.event.id = make_uuid4(entropy);
  std::string& out = r.event.json;
  out.reserve(props.size() + options.size() + context.size() + t.size() + 128);
  out += "{\"id\":\"";
  out += r.event.id;
  out += "\",\"type\":";
  out += json_quote(t);
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
    r.error = "track(properties): event is " + std::to_string(out.size()) + " bytes, over the " +
              std::to_string(policy::max_event_bytes) + "-byte limit";
    r.event = BuiltEvent{};
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace detail
}  // namespace tracker
