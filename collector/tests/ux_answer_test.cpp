// POST /__admin/ux: a source answers /track with the widgets a test configures (Tracardi workflows
// answer with `ux` items); DELETE /__admin/ux and /__admin/reset restore the sources file's.
#include <gtest/gtest.h>

#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

class UxAnswerTest : public ::testing::Test {
 protected:
  TestServer server;
  json track_ux(const std::string& source, const std::string& id) {
    auto r = server.track(payload(source, "s-" + id, nullptr, {event("page-view", id)}));
    if (!r) { ADD_FAILURE() << httplib::to_string(r.error()); return nullptr; }
    EXPECT_EQ(r->status, 200);
    return json::parse(r->body)["ux"];
  }
};

TEST_F(UxAnswerTest, ConfiguredPerSourceUntilCleared) {
  const json widgets = json::array({{{"tag", "script"}, {"props", {{"src", "http://x/uix/a.js"}}}},
                                    {{"tag", "div"}, {"props", {{"class", "w"}}}, {"content", "hi"}}});
  auto c = server.admin();
  auto r = c.Post("/__admin/ux", json({{"source", "demo-source"}, {"ux", widgets}}).dump(),
                  "application/json");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(track_ux("demo-source", "e1"), widgets);
  EXPECT_EQ(track_ux("demo-nostatic", "e2"), json::array());  // other sources unchanged
  ASSERT_EQ(c.Delete("/__admin/ux")->status, 200);
  EXPECT_EQ(track_ux("demo-source", "e3"), json::array());
  c.Post("/__admin/ux", json({{"source", "demo-ux"}, {"ux", json::array()}}).dump(), "application/json");
  EXPECT_EQ(track_ux("demo-ux", "e4"), json::array());
  ASSERT_EQ(c.Post("/__admin/reset", std::string(), "application/json")->status, 200);
  EXPECT_EQ(track_ux("demo-ux", "e5").size(), 1u);  // the sources file's item again
}

TEST_F(UxAnswerTest, RefusesABadBodyAndWebPages) {
  auto c = server.admin();
  EXPECT_EQ(c.Post("/__admin/ux", std::string(R"({"source":"demo-source","ux":{}})"), "application/json")->status, 422);
  EXPECT_EQ(c.Post("/__admin/ux", std::string(R"({"ux":[]})"), "application/json")->status, 422);
  EXPECT_EQ(c.Post("/__admin/ux", std::string("nope"), "application/json")->status, 422);
  auto plain = server.client();  // no admin header
  EXPECT_EQ(plain.Post("/__admin/ux", std::string(R"({"source":"demo-source","ux":[]})"), "application/json")->status, 403);
}

}  // namespace
}  // namespace collector::testing
