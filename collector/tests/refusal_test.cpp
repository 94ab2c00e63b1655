// The one-line reason and the bounded detail kept with each refused /track request.
#include <gtest/gtest.h>

#include "refusal.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

json error(json loc, const std::string& msg) {
  return {{"loc", std::move(loc)}, {"msg", msg}, {"type", "value_error"}};
}

TEST(RefusalReason, AStringDetailIsTheReason) {
  EXPECT_EQ(refusal_reason("Request body too large (limit 10 bytes)"),
            "Request body too large (limit 10 bytes)");
}

TEST(RefusalReason, FirstErrorWithItsPathAndHowManyMore) {
  json one = json::array({error({"body", "events", 0, "type"}, "Event type can not be empty")});
  EXPECT_EQ(refusal_reason(one), "body.events[0].type: Event type can not be empty");
  json three = one;
  three.push_back(error({"body", "source"}, "field required"));
  three.push_back(error({"body", "events", 2}, "value is not a valid dict"));
  EXPECT_EQ(refusal_reason(three), "body.events[0].type: Event type can not be empty (+2 more)");
  EXPECT_EQ(refusal_reason(json::array({error({"body", 0}, "JSON decode error")})),
            "body[0]: JSON decode error");
}

TEST(RefusalReason, OddShapesStillGiveSomething) {
  EXPECT_EQ(refusal_reason(nullptr), "refused");
  EXPECT_EQ(refusal_reason(json::array()), "refused");
  EXPECT_EQ(refusal_reason(42), "42");
  EXPECT_EQ(refusal_reason(json::array({"plain"})), "plain");
  EXPECT_EQ(refusal_reason(json::array({{{"msg", "no loc"}}})), "no loc");
  EXPECT_EQ(refusal_reason(json::array({{{"loc", "not a list"}, {"msg", 7}}})), "refused");
}

// A refused source id is the client's text and may be a megabyte long.
TEST(RefusalReason, LongReasonsAreCutOnACharacterBoundary) {
  std::string id;
  for (int i = 0; i < 400; ++i) id += "\xC3\xA9";  // é, two bytes each
  std::string r = refusal_reason("Invalid event source `" + id + "`.");
  EXPECT_LE(r.size(), kMaxReasonBytes);
  EXPECT_EQ(r.substr(r.size() - 3), "\xE2\x80\xA6");  // …
  EXPECT_NO_THROW(json(r).dump());  // still valid UTF-8
  EXPECT_EQ(r.rfind("Invalid event source `\xC3\xA9", 0), 0u);
}

TEST(BoundedDetail, KeepsTheFirstErrorsAndShortStrings) {
  json many = json::array();
  for (int i = 0; i < 500; ++i) many.push_back(error({"body", "events", i, "type"}, "field required"));
  json kept = bounded_detail(many);
  ASSERT_TRUE(kept.is_array());
  EXPECT_EQ(kept.size(), kMaxStoredErrors);
  EXPECT_EQ(kept[0], many[0]);
  EXPECT_EQ(bounded_detail("short"), "short");
  std::string cut = bounded_detail(std::string(100000, 'x')).get<std::string>();
  EXPECT_LE(cut.size(), kMaxDetailBytes);
  EXPECT_EQ(bounded_detail(nullptr), nullptr);
}

}  // namespace
}  // namespace collector::testing
