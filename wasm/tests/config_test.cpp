#include "tracker/config.hpp"

#include <gtest/gtest.h>

namespace tracker {
namespace {

const char* const valid =
    R"({"tracker":{"url":{"script":"//x/tracker","api":"http://api.test/"},"source":{"id":" src-1 "}}})";

TEST(Config, ParsesTheTracardiOptionsObject) {
  ConfigResult r = parse_config(valid);
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->api_url, "http://api.test");
  EXPECT_EQ(r.config->track_url, "http://api.test/track");
  EXPECT_EQ(r.config->source_id, "src-1");
  EXPECT_FALSE(r.config->static_profile_id);
  EXPECT_TRUE(r.warnings.empty());
}

struct BadCase {
  const char* json;
  const char* field;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NameTheBadField) {
  ConfigResult r = parse_config(GetParam().json);
  EXPECT_FALSE(r.config);
  EXPECT_NE(r.error.find(GetParam().field), std::string::npos) << r.error;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigErrors,
    ::testing::Values(
        BadCase{"not json", "options"}, BadCase{"[]", "options"}, BadCase{"{}", "options.tracker"},
        BadCase{R"({"tracker":{}})", "options.tracker.url"},
        BadCase{R"({"tracker":{"url":{}}})", "options.tracker.url.api"},
        BadCase{R"({"tracker":{"url":{"api":42}}})", "options.tracker.url.api"},
        BadCase{R"({"tracker":{"url":{"api":" / "}}})", "options.tracker.url.api"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"}}})", "options.tracker.source.id"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":""}}})", "options.tracker.source.id"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":5}}})", "options.tracker.source.id"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"@internal"}}})", "'@'"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},"profile":{"id":7}}})",
                "options.tracker.profile.id"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},"profile":"x"}})",
                "options.tracker.profile.id"},
        BadCase{R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},"settings":{"transport":"ws"}}})",
                "options.tracker.settings.transport"}));

// A key given twice: the last value counts (as JSON.parse in the glue reads the same text).
TEST(Config, RepeatedKeyTakesTheLastValue) {
  const ConfigResult r = parse_config(
      R"({"tracker":{"url":{"api":"http://a.test"},"source":{"id":"x"},"source":{"id":"y"},)"
      R"("settings":{"logDeferred":true,"logDeferred":false}}})");
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_EQ(r.config->source_id, "y");
  EXPECT_FALSE(r.config->log_deferred);
}

TEST(Config, StaticProfileIdThatIsNotUuid4IsAcceptedWithAWarning) {
  ConfigResult r = parse_config(
      R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},"profile":{"id":"user-1"}}})");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->static_profile_id, "user-1");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("UUID"), std::string::npos);
}

TEST(Config, Uuid4StaticProfileIdGivesNoWarning) {
  ConfigResult r = parse_config(R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},)"
                                R"("profile":{"id":"0adfd4c8-36eb-40cd-9350-5df37706286a"}}})");
  ASSERT_TRUE(r.config);
  EXPECT_TRUE(r.warnings.empty());
}

// A template that renders `profile: {id: ""}` for anonymous visitors must not switch the tracker
// off: a blank id is no static id (the stored/server id is used), with one warning.
TEST(Config, BlankStaticProfileIdIsAbsentWithAWarning) {
  for (const char* id : {R"("")", R"("   ")", R"(" \t ")"}) {
    ConfigResult r = parse_config(std::string(R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},)") +
                                  R"("profile":{"id":)" + id + "}}}");
    ASSERT_TRUE(r.config) << id << ": " << r.error;
    EXPECT_TRUE(r.error.empty());
    EXPECT_FALSE(r.config->static_profile_id) << id;
    ASSERT_EQ(r.warnings.size(), 1u) << id;
    EXPECT_NE(r.warnings[0].find("options.tracker.profile.id"), std::string::npos) << r.warnings[0];
    EXPECT_NE(r.warnings[0].find("blank"), std::string::npos) << r.warnings[0];
  }
}

TEST(Config, NullProfileMeansNone) {
  ConfigResult r = parse_config(R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},"profile":null}})");
  ASSERT_TRUE(r.config);
  EXPECT_FALSE(r.config->static_profile_id);
}

}  // namespace
}  // namespace tracker

namespace tracker {
namespace {

// settings.debug and other glue-only settings (pageViews, respectDoNotTrack) are the glue's
// business: the core's validation must let them through.
TEST(Config, GlueOnlySettingsAreAccepted) {
  ConfigResult r = parse_config(R"({"tracker":{"url":{"api":"http://a"},"source":{"id":"s"},)"
                                R"("settings":{"debug":true,"pageViews":"history","respectDoNotTrack":true}}})");
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_TRUE(r.warnings.empty());
}

}  // namespace
}  // namespace tracker

namespace tracker {
namespace {

// Issue 11: every unknown or unsupported key of options.tracker is named, all in one warning.
TEST(Config, UnknownTrackerKeysAreNamedInOneWarning) {
  ConfigResult r = parse_config(
      R"({"tracker":{"url":{"api":"http://a","scirpt":"x"},"source":{"id":"s"},"sesion":{},)"
      R"("context":{"performance":true,"cookies":true,"storage":false,"gpuu":1},)"
      R"("settings":{"debug":true,"flushEvery":5},"auto":{"events":[],"trigers":[]},)"
      R"("external":[{"url":"u","whatever":1}]},"listeners":{},"context":{"gpu":{}}})");
  ASSERT_TRUE(r.config) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);
  const std::string& w = r.warnings[0];
  for (const char* k : {"options.tracker.url.scirpt", "options.tracker.sesion",
                        "options.tracker.context.cookies (not supported", "options.tracker.context.gpuu",
                        "options.tracker.settings.flushEvery", "options.tracker.auto.trigers"}) {
    EXPECT_NE(w.find(k), std::string::npos) << k << " in " << w;
  }
  // Known keys, a default-off unsupported key, array items and keys outside options.tracker.
  for (const char* k : {"performance", "storage", "whatever", "listeners", "debug", "events", "\"gpu\""}) {
    EXPECT_EQ(w.find(k), std::string::npos) << k << " in " << w;
  }
}

TEST(Config, EveryTracardiOptionIsKnown) {
  ConfigResult r = parse_config(
      R"({"tracker":{"url":{"api":"http://a","script":"//a/tracker"},"source":{"id":"s"},)"
      R"("profile":{"id":"0adfd4c8-36eb-40cd-9350-5df37706286a"},)"
      R"("context":{"browser":true,"screen":true,"page":true,"utm":true,"tracardiPass":true,)"
      R"("performance":true,"location":{"city":"x"},"gpu":false,"cookies":false,"storage":false},)"
      R"("settings":{"respectDoNotTrack":true,"trackExternalLinks":["a.com"],"transport":"fetch",)"
      R"("logDeferred":true,"debug":false,"pageViews":"history","uxOrigins":[],"uxNonce":"n"},)"
      R"("auto":{"events":[],"triggers":[]},"external":[]}})");
  ASSERT_TRUE(r.config) << r.error;
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];
}

}  // namespace
}  // namespace tracker
