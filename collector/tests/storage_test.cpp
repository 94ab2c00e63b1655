// Idempotency on event id and durability across a restart.
#include <gtest/gtest.h>

#include "storage.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

TEST(Idempotency, SameEventIdIsStoredOnceAndCounted) {
  TestServer server;
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "ev-1"), event("click", "ev-2")});
  ASSERT_EQ(server.track(body)->status, 200);
  ASSERT_EQ(server.track(body)->status, 200);  // a retry of the whole batch
  json retry = payload("demo-source", "s1", nullptr, {event("page-view", "ev-1"), event("x", "ev-3")});
  ASSERT_EQ(server.track(retry)->status, 200);
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 3);
  EXPECT_EQ(ev["duplicates"], 3);
  ASSERT_EQ(ev["events"].size(), 3u);
  EXPECT_EQ(ev["events"][0]["id"], "ev-1");
  EXPECT_EQ(ev["events"][0]["duplicates"], 2);
  EXPECT_EQ(ev["events"][1]["duplicates"], 1);
  EXPECT_EQ(ev["events"][2]["duplicates"], 0);
  EXPECT_EQ(ev["events"][0]["type"], "page-view");  // the first copy is kept
}

TEST(Idempotency, ConcurrentRetriesStoreOnce) {
  TestServer server;
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "race-1")});
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] { EXPECT_EQ(server.track(body)->status, 200); });
  for (auto& t : threads) t.join();
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["duplicates"], 5);
  // One session binding for all of them: no double profile for parallel first requests.
  auto reqs = server.get_json("/requests")["requests"];
  for (const auto& r : reqs) EXPECT_EQ(r["profile"], reqs[0]["profile"]);
}

TEST(Durability, CleanRestartKeepsEventsAndIdentity) {
  TestServer server;
  auto r = server.track(payload("demo-source", "s1", nullptr, {event("page-view", "keep-1")}));
  std::string profile = json::parse(r->body)["profile"]["id"];
  server.stop();
  // After a clean stop the WAL is folded into the main file.
  FILE* wal = std::fopen((server.db_path() + "-wal").c_str(), "rb");
  if (wal) {
    std::fseek(wal, 0, SEEK_END);
    EXPECT_EQ(std::ftell(wal), 0L);
    std::fclose(wal);
  }
  server.start();
  json ev = server.get_json("/events");
  ASSERT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["events"][0]["id"], "keep-1");
  r = server.track(payload("demo-source", "s1", nullptr, {event("page-view", "keep-2")}));
  EXPECT_EQ(json::parse(r->body)["profile"]["id"], profile);
}

TEST(StorageDirect, ResetClearsEverything) {
  TestServer server;
  server.track(payload("demo-source", "s1", nullptr, {event("a", "r-1")}));
  auto c = server.admin();
  auto r = c.Post("/__admin/reset", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.get_json("/events")["total"], 0);
  EXPECT_TRUE(server.get_json("/requests")["requests"].empty());
  server.track(payload("demo-source", "s1", nullptr, {event("a", "r-1")}));
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["events"][0]["row"], 1);  // numbering restarts
  EXPECT_EQ(ev["duplicates"], 0);
}

TEST(StorageDirect, OpenFailsOnABadPath) {
  Storage s;
  std::string error;
  EXPECT_FALSE(s.open("/nonexistent-dir/x/y.db", error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace collector::testing
