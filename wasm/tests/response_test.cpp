#include "response.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tracker {
namespace detail {
namespace {

TEST(Response, ReadsTracardiResponse) {
  TrackResponse r = parse_track_response(
      R"({"task":"t","ux":[{"tag":"div","props":{"class":"c","n":1,"bad":{"x":1}},"content":"hi"},)"
      R"({"props":{}},"junk"],"response":{},"events":[],"profile":{"id":"p-1"},"session":{"id":"s-1"},)"
      R"("errors":[],"warnings":[]})");
  EXPECT_EQ(r.profile_id, "p-1");
  EXPECT_EQ(r.session_id, "s-1");
  ASSERT_EQ(r.ux_items.size(), 1u);
  const auto item = nlohmann::json::parse(r.ux_items[0]);
  EXPECT_EQ(item["tag"], "div");
  EXPECT_EQ(item["props"]["class"], "c");
  EXPECT_EQ(item["props"]["n"], "1");
  EXPECT_FALSE(item["props"].contains("bad"));
  EXPECT_EQ(item["content"], "hi");
  EXPECT_NE(r.context, "null");
}

TEST(Response, ToleratesAnything) {
  for (const char* body : {"", "null", "[]", "not json", R"({"profile":{"id":5}})", R"({"profile":"x"})",
                           R"({"ux":{}})"}) {
    TrackResponse r = parse_track_response(body);
    EXPECT_FALSE(r.profile_id) << body;
    EXPECT_TRUE(r.ux_items.empty()) << body;
  }
  EXPECT_EQ(parse_track_response("null").context, "null");
}

}  // namespace
}  // namespace detail
}  // namespace tracker
