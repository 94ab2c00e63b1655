// The streaming pre-pass: shapes, depth counting, and that parse_bounded never builds a
// document from text it refused.
#include <gtest/gtest.h>

#include "body_scan.hpp"

namespace collector {
namespace {

using nlohmann::json;

TEST(BodyScan, Shapes) {
  EXPECT_EQ(scan_body("{}").shape, BodyShape::ok);
  EXPECT_EQ(scan_body("1").shape, BodyShape::ok);
  EXPECT_EQ(scan_body("").shape, BodyShape::malformed);
  EXPECT_EQ(scan_body("{} {}").shape, BodyShape::malformed);
  EXPECT_EQ(scan_body("{\"a\":}").shape, BodyShape::malformed);
  EXPECT_EQ(scan_body("\"\xc3\x28\"").shape, BodyShape::malformed);  // invalid UTF-8
}

TEST(BodyScan, DepthCountsTheRootAsLevelOne) {
  EXPECT_EQ(scan_body("1").deepest, 0);
  EXPECT_EQ(scan_body("[]").deepest, 1);
  EXPECT_EQ(scan_body(R"({"a":[{"b":{}}],"c":[]})").deepest, 4);
  EXPECT_EQ(scan_body("[[[]]]", 3).shape, BodyShape::ok);
  BodyScan over = scan_body("[[[[]]]]", 3);
  EXPECT_EQ(over.shape, BodyShape::too_deep);
  EXPECT_EQ(over.deepest, 4);  // stopped at the first level past the limit
}

TEST(BodyScan, TooDeepWinsOverLaterSyntaxErrors) {
  // The scan stops at the first level past the limit: what follows is never read.
  EXPECT_EQ(scan_body(std::string(100, '[') + "oops", 64).shape, BodyShape::too_deep);
  EXPECT_EQ(scan_body("[oops" + std::string(100, '['), 64).shape, BodyShape::malformed);
}

TEST(BodyScan, ParseBoundedLeavesTheOutputAloneOnRefusal) {
  json out = "untouched";
  EXPECT_EQ(parse_bounded("[[[]]]", 2, out), BodyShape::too_deep);
  EXPECT_EQ(out, "untouched");
  EXPECT_EQ(parse_bounded("{", 2, out), BodyShape::malformed);
  EXPECT_EQ(out, "untouched");
  EXPECT_EQ(parse_bounded(R"({"a":[1]})", 2, out), BodyShape::ok);
  EXPECT_EQ(out, json::parse(R"({"a":[1]})"));
}

// The collector fuzz's finding (CI, session 12): a repeated "events" key whose later value is no
// list leaves no ids, as the document nlohmann (and Tracardi's Python) builds keeps the last value.
TEST(BodyScan, ARepeatedEventsKeyKeepsOnlyTheLastValue) {
  const std::string body =
      R"({"source":{"id":"demo-source"},"events":[{"id":"a","id":"b","type":"x="}],"events":{"id":"demo-source"},"event3":[{"pe":"y"}]})";
  const BodyScan scan = scan_body(body);
  ASSERT_EQ(scan.shape, BodyShape::ok);
  EXPECT_TRUE(scan.event_ids.empty());
  EXPECT_EQ(scan_body(R"({"events":1,"events":[{"id":"a","id":"b"}]})").event_ids, std::vector<std::string>{"b"});
}

TEST(BodyScan, IdsOnlyForWellFormedBodies) {
  EXPECT_EQ(scan_body(R"({"events":[{"id":"a"}]})").event_ids, std::vector<std::string>{"a"});
  EXPECT_TRUE(scan_body(R"({"events":[{"id":"a"}]} x)").event_ids.empty());
  EXPECT_TRUE(scan_body(R"({"events":[{"id":"a"},[[[[]]]]]})", 4).event_ids.empty());
}

}  // namespace
}  // namespace collector
