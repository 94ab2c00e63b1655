#include "response.hpp"

#include "json_scan.hpp"
#include "json_text.hpp"
#include "tracker/policy.hpp"
#include "tracker/uuid.hpp"

namespace tracker {
namespace detail {
namespace {

// A ux item is injected into the page by the host: only the documented shape survives, with
// string attribute values, so nothing surprising reaches the DOM layer.
std::optional<std::string> clean_ux_item(std::string_view item) {
  std::string tag, content, props;
  bool has_content = false;
  JsonScanner scanner;
  scanner.on_value = [&](const JsonPath& path, JsonKind kind, std::string_view text) {
    if (path_is(path, "tag") && kind == JsonKind::string) {
      tag = std::string(text);
    } else if (path_is(path, "content") && kind == JsonKind::string) {
      content = std::string(text);
      has_content = true;
    } else if (path.size() == 2 && path[0] == "props" &&
               (kind == JsonKind::string || kind == JsonKind::number || kind == JsonKind::boolean)) {
      if (!props.empty()) props += ',';
      append_quoted(props, path[1]);
      props += ':';
      append_quoted(props, text);
    }
  };
  if (!scanner.scan(item) || scanner.root != JsonKind::object || tag.empty()) return std::nullopt;
  std::string out = "{\"tag\":";
  append_quoted(out, tag);
  out += ",\"props\":{";
  out += props;
  out += '}';
  if (has_content) {
    out += ",\"content\":";
    append_quoted(out, content);
  }
  out += '}';
  return out;
}

}  // namespace

TrackResponse parse_track_response(std::string_view body) {
  TrackResponse r;
  std::vector<std::string> raw_ux;
  JsonScanner scanner;
  scanner.on_value = [&r](const JsonPath& path, JsonKind kind, std::string_view text) {
    if (path_is(path, "detail") && kind != JsonKind::object && kind != JsonKind::array && kind != JsonKind::null)
      r.detail = std::string(text);
    // The same rule as ids read from storage: this one is stored in a cookie next.
    if (kind != JsonKind::string || !is_sane_id(text)) return;
    if (path_is(path, "profile.id")) r.profile_id = std::string(text);
    if (path_is(path, "session.id")) r.session_id = std::string(text);
  };
  // One scanner for answers and refusals (each scanner callback type costs the wasm code size).
  scanner.capture = [](const JsonPath& path) { return path_is(path, "ux.[]") || path_is(path, "detail"); };
  scanner.on_captured = [&raw_ux, &r](const JsonPath& path, std::string&& text) {
    if (path.size() == 1) {
      // A pydantic validation failure is a list of {loc, msg, type}: kept as its JSON text.
      if (!text.empty() && (text.front() == '[' || text.front() == '{')) r.detail = std::move(text);
    } else {
      raw_ux.push_back(std::move(text));
    }
  };
  if (!scanner.scan(body) || scanner.root != JsonKind::object) {
    // Empty again, in place: one object returned on every path is built in the caller's place
    // (returning another would move this one, and instantiate the move).
    r.profile_id.reset();
    r.session_id.reset();
    r.detail.clear();
    return r;
  }
  r.context = std::string(body);
  for (const std::string& item : raw_ux) {
    if (auto clean = clean_ux_item(item)) r.ux_items.push_back(std::move(*clean));
  }
  return r;
}

std::string refusal_detail(std::string_view body, std::size_t max_bytes) {
  std::string detail = parse_track_response(body).detail;
  if (detail.size() <= max_bytes) return detail;
  std::size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so the cut never splits a character.
  while (cut > 0 && (static_cast<unsigned char>(detail[cut]) & 0xC0) == 0x80) --cut;
  detail.resize(cut);
  detail += "...";
  return detail;  // the variable itself (an expression would be copied out)
}

}  // namespace detail
}  // namespace tracker
