// Fault injection (admin API) and the loopback guard.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>

#include "http_util.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

class FaultsTest : public ::testing::Test {
 protected:
  TestServer server;
  httplib::Result set_faults(const json& cfg) {
    auto c = server.admin();
    return c.Post("/__admin/faults", cfg.dump(), "application/json");
  }
  json ok_payload(const std::string& id) {
    return payload("demo-source", "s1", nullptr, {event("page-view", id)});
  }
};

TEST_F(FaultsTest, FailNextWithRetryAfterStoresNothing) {
  auto r = set_faults({{"fail_next", 2}, {"status", 503}, {"retry_after", "2"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["fail_next"], 2);
  for (int i = 0; i < 2; ++i) {
    auto t = server.track(ok_payload("f-1"));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->status, 503);
    EXPECT_EQ(t->get_header_value("Retry-After"), "2");
  }
  auto t = server.track(ok_payload("f-1"));
  EXPECT_EQ(t->status, 200);
  EXPECT_FALSE(t->has_header("Retry-After"));
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["duplicates"], 0);  // injected failures stored nothing
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0]["injected"], true);
  EXPECT_EQ(reqs[0]["status"], 503);
  EXPECT_EQ(reqs[0]["event_ids"], json::array({"f-1"}));
  EXPECT_EQ(reqs[2]["injected"], false);
  EXPECT_EQ(server.admin_json("/__admin/faults")["injected"], 2);
}

TEST_F(FaultsTest, DropClosesWithoutAnswer) {
  ASSERT_EQ(set_faults({{"drop_next", 1}})->status, 200);
  auto t = server.track(ok_payload("d-1"));
  EXPECT_FALSE(t);  // a network error, no status
  EXPECT_EQ(server.track(ok_payload("d-1"))->status, 200);
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["status"], 0);
  EXPECT_EQ(reqs[0]["injected"], true);
}

// lose_next: handled and stored as usual, then the connection is dropped instead of answering:
// the client sees a network error for a batch the server kept, and sends it again.
TEST_F(FaultsTest, LoseStoresThenDropsTheAnswer) {
  ASSERT_EQ(set_faults({{"lose_next", 1}})->status, 200);
  auto t = server.track(ok_payload("l-1"));
  EXPECT_FALSE(t);  // a network error, no status
  json ev = server.get_json("/events");
  ASSERT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["events"][0]["id"], "l-1");
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["status"], 0);  // no answer was sent
  EXPECT_EQ(reqs[0]["injected"], true);
  EXPECT_EQ(reqs[0]["event_ids"], json::array({"l-1"}));
  EXPECT_TRUE(reqs[0]["session"].is_string());  // it was handled: identity resolved, stored
  // The client's retry: the default mode keeps one event and counts the copy.
  auto retry = server.track(ok_payload("l-1"));
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 200);
  ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["duplicates"], 1);
  EXPECT_EQ(server.admin_json("/__admin/faults")["injected"], 1);
  EXPECT_EQ(server.admin_json("/__admin/faults")["lose_next"], 0);
}

TEST_F(FaultsTest, LoseAppliesToRejectedRequestsToo) {
  ASSERT_EQ(set_faults({{"lose_next", 2}})->status, 200);
  EXPECT_FALSE(server.post_raw("{", "application/json"));
  EXPECT_FALSE(server.track(payload("nope", nullptr, nullptr, {event("a", "x-1")})));
  EXPECT_EQ(server.track(ok_payload("x-2"))->status, 200);
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0]["status"], 0);
  EXPECT_EQ(reqs[1]["status"], 0);
  EXPECT_EQ(reqs[1]["injected"], true);
  EXPECT_EQ(reqs[2]["status"], 200);
  EXPECT_EQ(server.get_json("/events")["total"], 1);
}

// The same lost answer against a collector minting ids as Tracardi 0.8.x: the retry is a second
// stored event with its own id, the client's id shared by both rows.
TEST(FaultsMint, LostAnswerRetryIsASecondEvent) {
  Options o;
  o.mint_ids = true;
  TestServer server(o);
  auto admin = server.admin();
  ASSERT_EQ(admin.Post("/__admin/faults", R"({"lose_next":1})", "application/json")->status, 200);
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "l-2")});
  EXPECT_FALSE(server.track(body));
  EXPECT_EQ(server.track(body)->status, 200);
  json ev = server.get_json("/events?client_id=l-2");
  ASSERT_EQ(ev["total"], 2);
  EXPECT_EQ(ev["copies"], 1);
  EXPECT_EQ(ev["duplicates"], 0);
  EXPECT_NE(ev["events"][0]["id"], ev["events"][1]["id"]);
}

TEST_F(FaultsTest, HangIsReleasedByClear) {
  ASSERT_EQ(set_faults({{"hang_next", 1}})->status, 200);
  auto started = std::chrono::steady_clock::now();
  std::thread clearer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto c = server.admin();
    EXPECT_EQ(c.Delete("/__admin/faults")->status, 200);
  });
  auto t = server.track(ok_payload("h-1"));
  clearer.join();
  EXPECT_FALSE(t);  // released into a dropped connection, never an answer
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_EQ(server.get_json("/events")["total"], 0);
}

TEST(FaultsStop, StopReleasesAHangingRequest) {
  TestServer server;
  auto c = server.admin();
  ASSERT_EQ(c.Post("/__admin/faults", R"({"hang_next":1})", "application/json")->status, 200);
  std::thread hanging([&] {
    auto t = server.track(payload("demo-source", nullptr, nullptr, {event("a")}));
    EXPECT_FALSE(t);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  hanging.join();
}

TEST_F(FaultsTest, DelayAppliesToAnswers) {
  ASSERT_EQ(set_faults({{"delay_ms", 200}})->status, 200);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server.track(ok_payload("delay-1"))->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(190));
}

TEST_F(FaultsTest, StateAndValidation) {
  json st = server.admin_json("/__admin/faults");
  EXPECT_EQ(st, json::parse(R"({"fail_next":0,"status":500,"retry_after":null,"delay_ms":0,
                               "drop_next":0,"hang_next":0,"lose_next":0,"injected":0})"));
  EXPECT_EQ(set_faults({{"fail_next", -1}})->status, 422);
  EXPECT_EQ(set_faults({{"status", 42}})->status, 422);
  EXPECT_EQ(set_faults({{"lose_next", "1"}})->status, 422);
  auto c = server.admin();
  EXPECT_EQ(c.Post("/__admin/faults", "nope", "application/json")->status, 422);
  EXPECT_EQ(set_faults({{"fail_next", 1}})->status, 200);
  EXPECT_EQ(c.Delete("/__admin/faults")->status, 200);
  EXPECT_EQ(server.admin_json("/__admin/faults")["fail_next"], 0);
  EXPECT_EQ(set_faults({{"lose_next", 3}})->status, 200);
  EXPECT_EQ(server.admin_json("/__admin/faults")["lose_next"], 3);
  EXPECT_EQ(c.Delete("/__admin/faults")->status, 200);
  EXPECT_EQ(server.admin_json("/__admin/faults")["lose_next"], 0);
}

TEST(Loopback, Predicate) {
  EXPECT_TRUE(is_loopback_address("127.0.0.1"));
  EXPECT_TRUE(is_loopback_address("127.8.9.10"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_TRUE(is_loopback_address("::ffff:127.0.0.1"));
  EXPECT_FALSE(is_loopback_address("10.0.0.1"));
  EXPECT_FALSE(is_loopback_address("::ffff:192.168.1.2"));
  EXPECT_FALSE(is_loopback_address("128.0.0.1"));
  EXPECT_FALSE(is_loopback_address("fe80::1"));
  EXPECT_FALSE(is_loopback_address(""));
  EXPECT_FALSE(is_loopback_address("localhost"));
}

// Reaches the server through a non-loopback address of this machine, when it has one.
TEST(Loopback, AdminRefusedFromOtherPeers) {
  std::string addr;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (auto* i = list; i && addr.empty(); i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
      if (!is_loopback_address(buf)) addr = buf;
    }
    freeifaddrs(list);
  }
  if (addr.empty()) GTEST_SKIP() << "no non-loopback IPv4 address";
  std::string db = "/tmp/collector-test-admin-" + std::to_string(getpid()) + ".db";
  // TestServer binds 127.0.0.1; this one listens on the machine's own address only, and the
  // kernel then gives our connection that address as its source: a non-loopback peer.
  Options any;
  any.host = addr;
  any.port = 0;
  any.db_path = db;
  Collector server(any, SourceRegistry::builtin());
  std::string error;
  ASSERT_TRUE(server.open(error)) << error;
  std::thread t([&] { server.run(); });
  while (!server.running()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  httplib::Client remote(addr, server.port());
  remote.set_connection_timeout(2);
  remote.set_default_headers({{"X-Collector-Admin", "1"}});  // refused for the peer alone
  auto r = remote.Post("/__admin/reset", "", "application/json");
  if (r) {
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(remote.Get("/health")->status, 200);
  }
  server.stop();
  t.join();
  for (const char* s : {"", "-wal", "-shm"}) std::remove((db + s).c_str());
  if (!r) GTEST_SKIP() << "could not reach " << addr;
}

}  // namespace
}  // namespace collector::testing
