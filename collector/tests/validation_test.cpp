// validate_track_body without HTTP: pydantic-like error locations and the parsed input.
#include <gtest/gtest.h>

#include "http_util.hpp"
#include "test_server.hpp"
#include "validation.hpp"

namespace collector {
namespace {

using nlohmann::json;

json detail_of(const std::string& body) {
  Validation v = validate_track_body(body);
  EXPECT_EQ(v.status, 422) << body;
  return v.detail;
}

TEST(Validation, ParsesAFullPayload) {
  Validation v = validate_track_body(R"({
    "source": {"id": " demo-source "}, "session": {"id": "s1"}, "profile": {"id": " "},
    "device": {"id": "d"}, "context": {}, "options": null,
    "events": [{"id": "e1", "type": " page-view ", "properties": {"a": 1}, "options": {},
                "context": {"page": {}}, "time": {"create": "2024-01-01T00:00:00.000Z"},
                "tags": ["x"]},
               {"type": "click", "properties": null}]})");
  ASSERT_TRUE(v.ok()) << v.detail.dump();
  EXPECT_EQ(v.input.source_id, "demo-source");
  EXPECT_EQ(v.input.session_id, "s1");
  EXPECT_FALSE(v.input.profile_id.has_value());  // blank is absent
  ASSERT_EQ(v.input.events.size(), 2u);
  EXPECT_EQ(v.input.events[0].type, "page-view");
  EXPECT_EQ(v.input.events[0].tags, json::array({"x"}));
  EXPECT_EQ(v.input.events[1].id, "");
  EXPECT_EQ(v.input.events[1].properties, json::object());
}

TEST(Validation, ErrorLocations) {
  EXPECT_EQ(detail_of("{")[0]["type"], "value_error.jsondecode");
  EXPECT_EQ(detail_of("null")[0]["type"], "type_error.dict");
  EXPECT_EQ(detail_of("{}")[0]["loc"], json::array({"body", "source"}));
  EXPECT_EQ(detail_of(R"({"source":{}})")[0]["loc"], json::array({"body", "source", "id"}));
  EXPECT_EQ(detail_of(R"({"source":{"id":1}})")[0]["type"], "type_error.str");
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"events":{}})")[0]["type"], "type_error.list");
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"events":null})")[0]["loc"],
            json::array({"body", "events"}));
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"events":[1]})")[0]["loc"],
            json::array({"body", "events", 0}));
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"events":[{"type":"a","properties":[]}]})")[0]["loc"],
            json::array({"body", "events", 0, "properties"}));
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"session":"abc"})")[0]["loc"],
            json::array({"body", "session"}));
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"profile":{"id":3}})")[0]["loc"],
            json::array({"body", "profile", "id"}));
  EXPECT_EQ(detail_of(R"({"source":{"id":"s"},"context":"x"})")[0]["loc"],
            json::array({"body", "context"}));
  // Every problem is listed, like FastAPI.
  EXPECT_EQ(detail_of(R"({"events":[{"type":""},{}]})").size(), 3u);
}

TEST(Validation, InvalidUtf8IsMalformed) {
  EXPECT_EQ(detail_of("{\"source\":{\"id\":\"a\xff\"}}")[0]["type"], "value_error.jsondecode");
}

TEST(Validation, EventIdsOfAnyBody) {
  EXPECT_EQ(event_ids_in(R"({"events":[{"id":"a"},{"type":"x"},{"id":"b"}]})"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(event_ids_in("garbage").empty());
  // As a parsed document reads them: the last of repeated keys wins, non-strings are no ids,
  // ids elsewhere (source, nested properties) are not event ids.
  EXPECT_EQ(event_ids_in(R"({"events":[{"id":"a","id":"b"},{"id":"c","id":7},{"id":{"x":1}}]})"),
            (std::vector<std::string>{"b"}));
  EXPECT_EQ(event_ids_in(R"({"events":[{"id":"old"}],"events":[{"id":"new"}]})"),
            (std::vector<std::string>{"new"}));
  EXPECT_EQ(event_ids_in(R"({"source":{"id":"s"},"events":[{"properties":{"id":"p"},"id":"e"}]})"),
            (std::vector<std::string>{"e"}));
  EXPECT_TRUE(event_ids_in(R"({"events":{"id":"x"}})").empty());
  EXPECT_TRUE(event_ids_in(R"([{"events":[{"id":"x"}]}])").empty());
}

// Nothing on the way recurses per level: 300,000 levels are refused, not a stack overflow.
TEST(Validation, NestingPastTheLimitIsRefusedWithoutRecursion) {
  Validation v = validate_track_body(testing::nested_body(300000));
  EXPECT_EQ(v.status, 422);
  EXPECT_EQ(v.detail, "Request body nested too deeply (limit 64 levels)");
  EXPECT_TRUE(event_ids_in(testing::nested_body(300000)).empty());
  EXPECT_EQ(validate_track_body(std::string(200000, '[') + std::string(200000, ']')).status, 422);
  EXPECT_EQ(validate_track_body(std::string(200000, '[')).status, 422);
  // The same body within the limit is fine (root 1 + events 2 + event 3 + 61 property levels).
  EXPECT_TRUE(validate_track_body(testing::nested_body(61)).ok());
  EXPECT_EQ(validate_track_body(testing::nested_body(62)).status, 422);
}

// FastAPI parses the body as JSON when there is no Content-Type (httplib's client always sends
// one, so this rule is checked here rather than over HTTP).
TEST(Validation, JsonContentTypes) {
  EXPECT_TRUE(is_json_content_type(""));
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/vnd.api+json"));
  EXPECT_FALSE(is_json_content_type("text/plain;charset=UTF-8"));
  EXPECT_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_content_type("multipart/form-data; boundary=x"));
  EXPECT_TRUE(is_text_plain("text/plain;charset=UTF-8"));
}

}  // namespace
}  // namespace collector
