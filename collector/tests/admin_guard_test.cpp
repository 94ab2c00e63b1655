// Who may call /__admin/*: a loopback peer, addressed by one of the collector's own names, from
// no other origin, with the X-Collector-Admin header (which a cross-site no-cors request cannot
// carry). A browser on the developer's machine is a loopback peer, so the peer check alone let
// any web page reset the collector or inject faults.
#include <gtest/gtest.h>

#include "admin_guard.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

class AdminGuardTest : public ::testing::Test {
 protected:
  TestServer server;
  std::string own(const char* host) { return std::string("http://") + host + ":" + port(); }
  std::string port() { return std::to_string(server.port()); }
  int fail_next() { return server.admin_json("/__admin/faults")["fail_next"]; }
};

TEST_F(AdminGuardTest, NeedsTheAdminHeader) {
  auto c = server.client();
  auto r = c.Post("/__admin/reset", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json::parse(r->body)["detail"], "Admin endpoints need the X-Collector-Admin: 1 header");
  EXPECT_EQ(c.Get("/__admin/faults")->status, 403);
  EXPECT_EQ(c.Delete("/__admin/faults")->status, 403);
  EXPECT_EQ(c.Post("/__admin/faults", {{"X-Collector-Admin", "yes"}}, "{}", "application/json")
                ->status,
            403);
  EXPECT_EQ(server.admin().Post("/__admin/reset", "", "application/json")->status, 200);
}

// What `fetch(collector + "/__admin/faults", {method: "POST", mode: "no-cors", body})` from any
// page sends: a foreign Origin and text/plain. It used to be obeyed.
TEST_F(AdminGuardTest, CrossSiteNoCorsPostIsRefused) {
  auto c = server.client();
  auto r = c.Post("/__admin/faults", {{"Origin", "http://evil.example"}}, R"({"fail_next":5})",
                  "text/plain;charset=UTF-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(fail_next(), 0);
  // The header alone is not enough from a foreign origin (a CORS page could send it after a
  // preflight), nor from a page of this collector's own host on another port.
  for (const std::string& origin :
       {std::string("http://evil.example"), std::string("null"), std::string(kOrigin),
        std::string("http://127.0.0.1:1"), std::string("https://127.0.0.1:") + port()}) {
    auto h = server.admin().Post("/__admin/faults", {{"Origin", origin}}, R"({"fail_next":5})",
                                 "application/json");
    ASSERT_TRUE(h) << origin;
    EXPECT_EQ(h->status, 403) << origin;
    EXPECT_EQ(json::parse(h->body)["detail"], "Admin endpoints refuse cross-origin requests")
        << origin;
  }
  EXPECT_EQ(fail_next(), 0);
}

TEST_F(AdminGuardTest, OwnOriginsAreAllowed) {
  for (const std::string& origin : {own("127.0.0.1"), own("localhost"), own("LOCALHOST")}) {
    auto r = server.admin().Post("/__admin/faults", {{"Origin", origin}}, R"({"fail_next":1})",
                                 "application/json");
    ASSERT_TRUE(r) << origin;
    EXPECT_EQ(r->status, 200) << origin << ": " << r->body;
    // Same-origin callers need no CORS, and nobody else gets any on admin answers.
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin")) << origin;
  }
  EXPECT_EQ(fail_next(), 1);  // merged, not added
}

// DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 is same-origin with
// itself, so it can send the header with no Origin check failing. Its Host gives it away.
TEST_F(AdminGuardTest, ForeignHostIsRefused) {
  const std::string host = "evil.example:" + port();
  auto r = server.admin().Post("/__admin/reset",
                               {{"Host", host}, {"Origin", "http://" + host}}, "",
                               "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(json::parse(r->body)["detail"],
            "Admin endpoints answer requests addressed to this collector only");
  for (const std::string& ok : {"127.0.0.1:" + port(), "localhost:" + port(), "[::1]:" + port()})
    EXPECT_EQ(server.admin().Get("/__admin/faults", {{"Host", ok}})->status, 200) << ok;
  EXPECT_EQ(server.admin().Get("/__admin/faults", {{"Host", "127.0.0.1:1"}})->status, 403);
}

TEST_F(AdminGuardTest, PreflightIsRefused) {
  auto c = server.client();
  auto r = c.Options("/__admin/faults", {{"Origin", "http://evil.example"},
                                         {"Access-Control-Request-Method", "POST"},
                                         {"Access-Control-Request-Headers", "x-collector-admin"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Headers"));
}

TEST(AdminPaths, Predicate) {
  EXPECT_TRUE(is_admin_path("/__admin/reset"));
  EXPECT_TRUE(is_admin_path("/__admin/"));
  EXPECT_TRUE(is_admin_path("/__admin"));
  EXPECT_FALSE(is_admin_path("/__administrator"));
  EXPECT_FALSE(is_admin_path("/events"));
}

}  // namespace
}  // namespace collector::testing
