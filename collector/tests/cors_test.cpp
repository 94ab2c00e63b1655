// CORS like Starlette's CORSMiddleware(allow_origins=["*"], allow_credentials=True,
// expose_headers=["Retry-After"], ...) on /track and static answers; `*` without credentials on
// the read API; none on admin answers. Plus X-Process-Time and static file MIME types.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

void expect_cors(const httplib::Result& r, const std::string& what) {
  ASSERT_TRUE(r) << what;
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), kOrigin) << what;
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Credentials"), "true") << what;
  EXPECT_EQ(r->get_header_value("Vary"), "Origin") << what;
  // Without it a tracker on another origin reads Retry-After as "" and ignores the server's
  // pacing (Tracardi's middleware has the same gap unless expose_headers is set).
  EXPECT_EQ(r->get_header_value("Access-Control-Expose-Headers"), "Retry-After") << what;
  EXPECT_TRUE(r->has_header("X-Process-Time")) << what;
}

void expect_public_read(const httplib::Result& r, const std::string& what) {
  ASSERT_TRUE(r) << what;
  EXPECT_EQ(r->status, 200) << what;
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*") << what;
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials")) << what;
}

TEST(Cors, OnEveryStatus) {
  Options o;
  o.max_body = 2048;
  TestServer server(o);
  auto ok = server.track(payload("demo-source", nullptr, nullptr, {event("a")}));
  EXPECT_EQ(ok->status, 200);
  expect_cors(ok, "200");
  auto unauthorized = server.track(payload("nope", nullptr, nullptr, {event("a")}));
  EXPECT_EQ(unauthorized->status, 401);
  expect_cors(unauthorized, "401");
  auto too_big = server.post_raw(std::string(3000, ' '), "application/json");
  EXPECT_EQ(too_big->status, 413);
  expect_cors(too_big, "413");
  auto invalid = server.post_raw("{", "application/json");
  EXPECT_EQ(invalid->status, 422);
  expect_cors(invalid, "422");

  auto admin = server.admin();
  ASSERT_EQ(admin.Post("/__admin/faults", R"({"fail_next":1,"status":503})", "application/json")
                ->status,
            200);
  auto injected = server.track(payload("demo-source", nullptr, nullptr, {event("a")}));
  EXPECT_EQ(injected->status, 503);
  expect_cors(injected, "injected 503");

  auto c = server.client();
  auto missing = c.Get("/nothing-here", {{"Origin", kOrigin}});
  EXPECT_EQ(missing->status, 404);
  expect_cors(missing, "404");
}

TEST(Cors, RetryAfterIsReadableCrossOrigin) {
  TestServer server;
  ASSERT_EQ(server.admin()
                .Post("/__admin/faults", R"({"fail_next":1,"status":429,"retry_after":"3"})",
                      "application/json")
                ->status,
            200);
  auto r = server.track(payload("demo-source", nullptr, nullptr, {event("a")}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("Retry-After"), "3");
  expect_cors(r, "429");
}

// The read API holds nothing a page should read with the user's cookies: any origin may read
// it, none with credentials (no reflected Origin + Allow-Credentials).
TEST(Cors, ReadApiIsPublicWithoutCredentials) {
  TestServer server;
  auto c = server.client();
  expect_public_read(c.Get("/events", {{"Origin", kOrigin}}), "GET /events");
  expect_public_read(c.Get("/requests", {{"Origin", kOrigin}}), "GET /requests");
  expect_public_read(c.Get("/health", {{"Origin", kOrigin}}), "GET /health");
  expect_public_read(c.Get("/events?limit=1", {{"Origin", "null"}}), "opaque origin");
  auto pre = c.Options("/events", {{"Origin", kOrigin}, {"Access-Control-Request-Method", "GET"}});
  expect_public_read(pre, "preflight /events");
}

TEST(Cors, Preflight) {
  TestServer server;
  auto c = server.client();
  auto r = c.Options("/track", {{"Origin", kOrigin},
                                {"Access-Control-Request-Method", "POST"},
                                {"Access-Control-Request-Headers", "content-type,x-custom"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  expect_cors(r, "preflight");
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Headers"), "content-type,x-custom");
  EXPECT_NE(r->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_EQ(r->get_header_value("Access-Control-Max-Age"), "600");
  // A preflight is not a /track request.
  EXPECT_TRUE(server.get_json("/requests")["requests"].empty());
}

TEST(Cors, NoOriginNoCorsHeaders) {
  TestServer server;
  auto c = server.client();
  auto r = c.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"event_ids":"client","ok":true})");
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
}

TEST(StaticFiles, MimeTypesAndMounts) {
  std::string root = "/tmp/collector-static-" + std::to_string(getpid());
  ASSERT_EQ(std::system(("mkdir -p " + root + "/site " + root + "/tracker").c_str()), 0);
  auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  write(root + "/site/index.html", "<p>demo</p>");
  write(root + "/tracker/liliput.min.js", "1");
  write(root + "/tracker/tracker.mjs", "export default 1");
  write(root + "/tracker/tracker.wasm", std::string("\0asm", 4));
  write(root + "/site/style.css", "p{}");
  write(root + "/site/data.json", "{}");
  Options o;
  o.site_dir = root + "/site";
  o.tracker_dir = root + "/tracker";
  {
    TestServer server(o);
    auto c = server.client();
    const std::vector<std::pair<std::string, std::string>> want = {
        {"/tracker/tracker.wasm", "application/wasm"},
        {"/tracker/liliput.min.js", "text/javascript"},
        {"/tracker/tracker.mjs", "text/javascript"},
        {"/index.html", "text/html"},
        {"/", "text/html"},
        {"/style.css", "text/css"},
        {"/data.json", "application/json"},
    };
    for (const auto& [path, type] : want) {
      auto r = c.Get(path.c_str(), {{"Origin", kOrigin}});
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->status, 200) << path;
      EXPECT_EQ(r->get_header_value("Content-Type").rfind(type, 0), 0u)
          << path << ": " << r->get_header_value("Content-Type");
      expect_cors(r, path);
    }
    EXPECT_EQ(c.Get("/health")->status, 200);  // API routes still reachable under the / mount
  }
  std::system(("rm -rf " + root).c_str());
}

}  // namespace
}  // namespace collector::testing
