// GET /events filters and paging, GET /requests, GET /health.
#include <gtest/gtest.h>

#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

class ReadApiTest : public ::testing::Test {
 protected:
  TestServer server;
  void SetUp() override {
    server.track(payload("demo-source", "s1", "p1", {event("page-view", "e1"), event("click", "e2")}));
    server.track(payload("demo-ux", "s2", "p2", {event("page-view", "e3")}));
    server.track(payload("demo-source", "s1", nullptr, {event("purchase", "e4")}));
  }
  std::vector<std::string> ids(const std::string& query) {
    std::vector<std::string> out;
    json body = server.get_json("/events" + query);  // kept alive: we iterate into it
    for (const auto& e : body["events"]) out.push_back(e["id"]);
    return out;
  }
};

TEST_F(ReadApiTest, ArrivalOrderAndFields) {
  json all = server.get_json("/events");
  EXPECT_EQ(all["total"], 4);
  EXPECT_EQ(all["duplicates"], 0);
  EXPECT_EQ(all["copies"], 0);
  ASSERT_EQ(all["events"].size(), 4u);
  const json& e = all["events"][0];
  for (const char* k : {"row", "id", "type", "source", "session", "profile", "properties",
                        "options", "context", "time", "received_ms", "request", "duplicates",
                        "client_id"})
    EXPECT_TRUE(e.contains(k)) << k;
  EXPECT_EQ(e["row"], 1);
  EXPECT_EQ(e["properties"], json({{"n", 1}}));
  EXPECT_EQ(e["time"]["create"], "2024-05-01T10:00:00.000Z");
  EXPECT_EQ(e["context"]["page"]["url"], "http://shop.example.test/");
  EXPECT_EQ(e["request"], 1);
  EXPECT_EQ(all["events"][3]["request"], 3);
  EXPECT_EQ(ids(""), (std::vector<std::string>{"e1", "e2", "e3", "e4"}));
}

TEST_F(ReadApiTest, Filters) {
  EXPECT_EQ(ids("?type=page-view"), (std::vector<std::string>{"e1", "e3"}));
  EXPECT_EQ(ids("?session=s1"), (std::vector<std::string>{"e1", "e2", "e4"}));
  EXPECT_EQ(ids("?profile=p2"), (std::vector<std::string>{"e3"}));
  EXPECT_EQ(ids("?source=demo-ux"), (std::vector<std::string>{"e3"}));
  EXPECT_EQ(ids("?client_id=e2"), (std::vector<std::string>{"e2"}));
  EXPECT_EQ(ids("?session=s1&type=click"), (std::vector<std::string>{"e2"}));
  EXPECT_EQ(ids("?after=2"), (std::vector<std::string>{"e3", "e4"}));
  EXPECT_EQ(ids("?after=1&limit=2"), (std::vector<std::string>{"e2", "e3"}));
  EXPECT_EQ(server.get_json("/events?session=s1&after=3")["total"], 3);  // total ignores paging
  EXPECT_EQ(server.get_json("/events?type=none")["total"], 0);
  auto c = server.client();
  EXPECT_EQ(c.Get("/events?limit=0")->status, 422);
  EXPECT_EQ(c.Get("/events?after=x")->status, 422);
}

TEST_F(ReadApiTest, RequestsListEveryTrackPost) {
  server.post_raw("{", "application/json");
  json reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0]["seq"], 1);
  EXPECT_EQ(reqs[0]["status"], 200);
  EXPECT_EQ(reqs[0]["origin"], kOrigin);
  EXPECT_EQ(reqs[0]["content_type"], "application/json");
  EXPECT_EQ(reqs[0]["event_ids"], json::array({"e1", "e2"}));
  EXPECT_EQ(reqs[0]["injected"], false);
  EXPECT_GT(reqs[0]["bytes"].get<int>(), 100);
  EXPECT_GT(reqs[0]["received_ms"].get<int64_t>(), 1600000000000);
  EXPECT_EQ(reqs[3]["status"], 422);
  EXPECT_EQ(server.get_json("/requests?after=2")["requests"].size(), 2u);
  EXPECT_EQ(server.get_json("/requests?after=1&limit=1")["requests"][0]["seq"], 2);
}

TEST_F(ReadApiTest, Health) {
  EXPECT_EQ(server.get_json("/health"), json({{"ok", true}, {"event_ids", "client"}}));
}

}  // namespace
}  // namespace collector::testing
