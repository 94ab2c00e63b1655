#include "event_builder.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;
const Entropy e{{1, 2, 3, 4}};

TEST(EventBuilder, BuildsTracardiEventShape) {
  BuildResult r = build_event("purchase-order", R"({"product":"Sun glasses","price":13.45})", "",
                              R"({"page":{"url":"http://x/"}})", 1711536408120.0, e);
  ASSERT_TRUE(r.ok) << r.error;
  const json ev = json::parse(r.event.json);
  EXPECT_EQ(ev["id"], r.event.id);
  EXPECT_EQ(ev["type"], "purchase-order");
  EXPECT_EQ(ev["properties"]["price"], 13.45);
  EXPECT_EQ(ev["options"], json::object());
  EXPECT_EQ(ev["context"]["page"]["url"], "http://x/");
  EXPECT_EQ(ev["time"]["create"], "2024-03-27T10:46:48.120Z");
  EXPECT_FALSE(r.event.fire);
}

TEST(EventBuilder, ReadsFireAndBeaconAsRealBooleansOnly) {
  EXPECT_TRUE(build_event("t", "{}", R"({"fire":true})", "", 1, e).event.fire);
  EXPECT_FALSE(build_event("t", "{}", R"({"fire":"true"})", "", 1, e).event.fire);
  EXPECT_TRUE(build_event("t", "{}", R"({"asBeacon":true})", "", 1, e).event.as_beacon);
  const json ev = json::parse(build_event("t", "{}", R"({"fire":true,"save":false})", "", 1, e).event.json);
  EXPECT_EQ(ev["options"]["save"], false);  // unknown options pass through to event.options
}

TEST(EventBuilder, MergesOptionsContextOverPageContext) {
  BuildResult r = build_event("t", "{}", R"({"context":{"campaign":"x"}})", R"({"page":{"url":"u"}})", 1, e);
  ASSERT_TRUE(r.ok);
  const json ev = json::parse(r.event.json);
  EXPECT_EQ(ev["context"]["page"]["url"], "u");
  EXPECT_EQ(ev["context"]["campaign"], "x");
}

// Same-named members are replaced where they stand; new ones follow in their order.
TEST(EventBuilder, MergedContextKeepsPageOrderAndReplacesInPlace) {
  BuildResult r = build_event("t", "{}", R"({"context":{"b":{"x":[1]},"c":3,"a":"z"}})",
                              R"({"a":1,"b":2,"d":null})", 1, e);
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.event.json.find(R"("context":{"a":"z","b":{"x":[1]},"d":null,"c":3})"), std::string::npos)
      << r.event.json;
}

TEST(EventBuilder, NullPropertiesBecomeEmptyObject) {
  for (const char* p : {"", "null", "undefined"}) {
    BuildResult r = build_event("t", p, "", "", 1, e);
    ASSERT_TRUE(r.ok) << p;
    EXPECT_EQ(json::parse(r.event.json)["properties"], json::object());
  }
}

struct Bad {
  const char* type;
  const char* props;
  const char* options;
  const char* expect;
};
class EventBuilderErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(EventBuilderErrors, RejectWithClearError) {
  BuildResult r = build_event(GetParam().type, GetParam().props, GetParam().options, "", 1, e);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find(GetParam().expect), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(Table, EventBuilderErrors,
                         ::testing::Values(Bad{"", "{}", "", "track(type)"}, Bad{"   ", "{}", "", "track(type)"},
                                           Bad{"t", "[1,2]", "", "track(properties) must be an object"},
                                           Bad{"t", "42", "", "track(properties) must be an object"},
                                           Bad{"t", "{bad", "", "track(properties) is not valid JSON"},
                                           Bad{"t", "{}", "[]", "track(options) must be an object"}));

TEST(EventBuilder, RejectsTooDeepAndTooLarge) {
  std::string deep = std::string(40, '[') + std::string(40, ']');
  BuildResult r = build_event("t", "{\"a\":" + deep + "}", "", "", 1, e);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("nested"), std::string::npos);

  const std::string big = "{\"s\":\"" + std::string(policy::max_event_bytes, 'x') + "\"}";
  r = build_event("t", big, "", "", 1, e);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("byte limit"), std::string::npos);

  // Just under the raw input limit but over once the envelope of the event is added.
  const std::string edge = "{\"s\":\"" + std::string(policy::max_event_bytes - 20, 'x') + "\"}";
  r = build_event("t", edge, "", "", 1, e);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("byte limit"), std::string::npos);
}

TEST(EventBuilder, HostileValuesStayValidJson) {
  BuildResult r = build_event("x\"</script>", R"({"h":"</script><img onerror=x>","l":"\u2028","s":"\ud800","__proto__":{"a":1}})",
                              "", "", 1, e);
  ASSERT_TRUE(r.ok) << r.error;
  const json ev = json::parse(r.event.json, nullptr, false);
  ASSERT_FALSE(ev.is_discarded());
  EXPECT_EQ(ev["type"], "x\"</script>");
  EXPECT_EQ(ev["properties"]["s"], "\xef\xbf\xbd");
  EXPECT_EQ(ev["properties"]["__proto__"]["a"], 1);
}

}  // namespace
}  // namespace detail
}  // namespace tracker
