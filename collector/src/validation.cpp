#include "validation.hpp"

#include "body_scan.hpp"
#include "http_util.hpp"

namespace collector {

using nlohmann::json;

namespace {

// Collects pydantic-v1-style errors so one answer lists every problem, like FastAPI.
struct Errors {
  json list = json::array();
  void add(json loc, const std::string& msg, const std::string& type) {
    list.push_back({{"loc", std::move(loc)}, {"msg", msg}, {"type", type}});
  }
};

json loc_of(std::initializer_list<json> parts) {
  json loc = json::array({"body"});
  for (const auto& p : parts) loc.push_back(p);
  return loc;
}

// Optional[dict] fields: null is accepted (and becomes {}), anything else but an object is not.
json optional_dict(const json& parent, const char* key, json loc, Errors& errs) {
  if (!parent.contains(key) || parent[key].is_null()) return json::object();
  if (!parent[key].is_object()) {
    errs.add(std::move(loc), "value is not a valid dict", "type_error.dict");
    return json::object();
  }
  return parent[key];
}

// Optional[Entity] (session/profile): null or {id: str}. Blank ids count as absent.
std::optional<std::string> optional_entity(const json& doc, const char* key, Errors& errs) {
  if (!doc.contains(key) || doc[key].is_null()) return std::nullopt;
  const json& e = doc[key];
  if (!e.is_object()) {
    errs.add(loc_of({key}), "value is not a valid dict", "type_error.dict");
    return std::nullopt;
  }
  if (!e.contains("id")) {
    errs.add(loc_of({key, "id"}), "field required", "value_error.missing");
    return std::nullopt;
  }
  if (!e["id"].is_string()) {
    errs.add(loc_of({key, "id"}), "str type expected", "type_error.str");
    return std::nullopt;
  }
  std::string id = strip(e["id"].get<std::string>());
  if (id.empty()) return std::nullopt;
  return id;
}

void validate_event(const json& ev, size_t i, Errors& errs, std::vector<EventInput>& out) {
  if (!ev.is_object()) {
    errs.add(loc_of({"events", i}), "value is not a valid dict", "type_error.dict");
    return;
  }
  EventInput e;
  if (!ev.contains("type")) {
    errs.add(loc_of({"events", i, "type"}), "field required", "value_error.missing");
  } else if (!ev["type"].is_string()) {
    errs.add(loc_of({"events", i, "type"}), "str type expected", "type_error.str");
  } else {
    e.type = strip(ev["type"].get<std::string>());
    if (e.type.empty())
      errs.add(loc_of({"events", i, "type"}), "Event type can not be empty", "value_error");
  }
  if (ev.contains("id") && !ev["id"].is_null()) {
    if (!ev["id"].is_string())
      errs.add(loc_of({"events", i, "id"}), "str type expected", "type_error.str");
    else
      e.id = strip(ev["id"].get<std::string>());
  }
  e.properties = optional_dict(ev, "properties", loc_of({"events", i, "properties"}), errs);
  e.options = optional_dict(ev, "options", loc_of({"events", i, "options"}), errs);
  e.context = optional_dict(ev, "context", loc_of({"events", i, "context"}), errs);
  e.time = optional_dict(ev, "time", loc_of({"events", i, "time"}), errs);
  if (ev.contains("tags") && !ev["tags"].is_null()) {
    if (!ev["tags"].is_array())
      errs.add(loc_of({"events", i, "tags"}), "value is not a valid list", "type_error.list");
    else
      e.tags = ev["tags"];
  }
  out.push_back(std::move(e));
}

}  // namespace

Validation validate_track_body(const std::string& body, int max_depth) {
  Validation v;
  json doc;
  switch (parse_bounded(body, max_depth, doc)) {
    case BodyShape::ok:
      break;
    case BodyShape::too_deep:
      // Python's json gives up near 1,000 levels with a RecursionError (a 500 in FastAPI); we
      // refuse much earlier, as a client error the tracker drops instead of retrying.
      v.status = 422;
      v.detail = "Request body nested too deeply (limit " + std::to_string(max_depth) + " levels)";
      return v;
    case BodyShape::malformed:
      v.status = 422;
      v.detail = json::array({{{"loc", json::array({"body", 0})},
                               {"msg", "JSON decode error"},
                               {"type", "value_error.jsondecode"}}});
      return v;
  }
  Errors errs;
  if (!doc.is_object()) {
    errs.add(json::array({"body"}), "value is not a valid dict", "type_error.dict");
  } else {
    if (!doc.contains("source") || doc["source"].is_null()) {
      errs.add(loc_of({"source"}), "field required", "value_error.missing");
    } else if (!doc["source"].is_object()) {
      errs.add(loc_of({"source"}), "value is not a valid dict", "type_error.dict");
    } else if (!doc["source"].contains("id")) {
      errs.add(loc_of({"source", "id"}), "field required", "value_error.missing");
    } else if (!doc["source"]["id"].is_string()) {
      errs.add(loc_of({"source", "id"}), "str type expected", "type_error.str");
    } else {
      v.input.source_id = strip(doc["source"]["id"].get<std::string>());
      v.named_source = v.input.source_id;
    }
    v.input.session_id = optional_entity(doc, "session", errs);
    v.input.profile_id = optional_entity(doc, "profile", errs);
    optional_dict(doc, "context", loc_of({"context"}), errs);
    optional_dict(doc, "options", loc_of({"options"}), errs);
    optional_dict(doc, "properties", loc_of({"properties"}), errs);
    if (doc.contains("events")) {
      if (doc["events"].is_null()) {  // List[...] = [] is not Optional in pydantic
        errs.add(loc_of({"events"}), "none is not an allowed value", "type_error.none.not_allowed");
      } else if (!doc["events"].is_array()) {
        errs.add(loc_of({"events"}), "value is not a valid list", "type_error.list");
      } else {
        const json& events = doc["events"];
        for (size_t i = 0; i < events.size(); ++i) validate_event(events[i], i, errs, v.input.events);
      }
    }
  }
  if (!errs.list.empty()) {
    v.status = 422;
    v.detail = std::move(errs.list);
    v.input = TrackInput{};
  }
  return v;
}

std::vector<std::string> event_ids_in(const std::string& body) {
  return scan_body(body).event_ids;
}

}  // namespace collector
