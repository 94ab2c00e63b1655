// POST /track over HTTP: the status table of the Tracardi 0.9 contract and the response shape.
#include <gtest/gtest.h>

#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

class TrackTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(TrackTest, AcceptsAPayloadAndAnswersTracardiShape) {
  auto r = server.track(payload("demo-source", "sess-1", nullptr, {event("page-view", "ev-1")}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json body = json::parse(r->body);
  EXPECT_EQ(body["task"].get<std::string>().size(), 36u);
  EXPECT_EQ(body["ux"], json::array());
  EXPECT_EQ(body["response"], json::object());
  EXPECT_EQ(body["events"], json::array());
  EXPECT_EQ(body["session"]["id"], "sess-1");
  EXPECT_TRUE(body["profile"]["id"].is_string());
  EXPECT_EQ(body["errors"], json::array());
  EXPECT_EQ(body["warnings"], json::array());
  // Tracardi's key order, which a reader comparing with the real server expects.
  EXPECT_EQ(r->body.find("{\"task\":"), 0u);
  EXPECT_LT(r->body.find("\"ux\""), r->body.find("\"profile\""));
}

// Tracardi's POST /track?profile_less=true (issue 22: a visitor who denied consent, with
// settings.consentDenied "anonymous"): the events are stored without a profile, the session is a
// throw-away one (never saved), and the answer's profile is null.
TEST_F(TrackTest, ProfileLessStoresNoProfileAndAnswersANullOne) {
  httplib::Client c = server.client();
  const json body = payload("demo-source", nullptr, nullptr, {event("anon-view", "anon-1")});
  auto r = c.Post("/track?profile_less=true", {{"Origin", kOrigin}}, body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json answer = json::parse(r->body);
  EXPECT_TRUE(answer["profile"].is_null()) << r->body;
  EXPECT_TRUE(answer["session"]["id"].is_string());
  const json events = server.get_json("/events");
  ASSERT_EQ(events["events"].size(), 1u) << events.dump();
  EXPECT_TRUE(events["events"][0]["profile"].is_null()) << events.dump();
  // Without the flag the same payload gets a new profile.
  auto named = server.track(payload("demo-source", nullptr, nullptr, {event("named-view", "named-1")}));
  ASSERT_TRUE(named);
  EXPECT_TRUE(json::parse(named->body)["profile"]["id"].is_string());
}

TEST_F(TrackTest, StatusTable) {
  struct Case {
    const char* name;
    std::string body;
    std::string content_type;
    int status;
  };
  const json ok_event = event("page-view");
  const std::vector<Case> cases = {
      {"malformed JSON", "{\"source\":", "application/json", 422},
      {"not an object", "[1,2]", "application/json", 422},
      {"text/plain", payload("demo-source", nullptr, nullptr, {ok_event}).dump(), "text/plain", 422},
      {"missing source", json{{"events", json::array({ok_event})}}.dump(), "application/json", 422},
      {"source.id not a string", json{{"source", {{"id", 7}}}, {"events", json::array()}}.dump(),
       "application/json", 422},
      {"events not a list", json{{"source", {{"id", "demo-source"}}}, {"events", "x"}}.dump(),
       "application/json", 422},
      {"event without type", payload("demo-source", nullptr, nullptr, {{{"id", "a"}}}).dump(),
       "application/json", 422},
      {"event type blank", payload("demo-source", nullptr, nullptr, {event("  \t")}).dump(),
       "application/json", 422},
      {"event type not a string",
       payload("demo-source", nullptr, nullptr, {{{"type", 5}}}).dump(), "application/json", 422},
      {"@ source", payload("@internal", nullptr, nullptr, {ok_event}).dump(), "application/json", 401},
      {"unknown source", payload("nope", nullptr, nullptr, {ok_event}).dump(), "application/json", 401},
      {"disabled source", payload("demo-disabled", nullptr, nullptr, {ok_event}).dump(),
       "application/json", 401},
      {"ok", payload(" demo-source ", nullptr, nullptr, {ok_event}).dump(), "application/json", 200},
      {"ok with +json", payload("demo-source", nullptr, nullptr, {ok_event}).dump(),
       "application/vnd.api+json", 200},
  };
  for (const auto& c : cases) {
    auto r = server.post_raw(c.body, c.content_type);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, c.status) << c.name << ": " << r->body;
    if (c.status != 200) {
      json body = json::parse(r->body, nullptr, false);
      EXPECT_TRUE(body.contains("detail")) << c.name << ": " << r->body;
    }
  }
}

TEST_F(TrackTest, EmptyTypeAndSourceMessagesMatchTracardi) {
  auto r = server.track(payload("demo-source", nullptr, nullptr, {event(" ")}));
  ASSERT_TRUE(r);
  json d = json::parse(r->body)["detail"];
  ASSERT_TRUE(d.is_array());
  EXPECT_EQ(d[0]["msg"], "Event type can not be empty");
  EXPECT_EQ(d[0]["loc"], json::array({"body", "events", 0, "type"}));

  r = server.track(payload("  @bad ", nullptr, nullptr, {event("x")}));
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["detail"], "Invalid event source `@bad`.");

  r = server.track(json{{"events", json::array()}});
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["detail"][0]["loc"], json::array({"body", "source"}));
}

TEST_F(TrackTest, EmptyEventsAnswersNull) {
  auto r = server.track(payload("demo-source", "s", nullptr, json::array()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "null");
  r = server.track(json{{"source", {{"id", "demo-source"}}}});  // events omitted: default []
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "null");
}

TEST_F(TrackTest, PutIsTracardisNullStub) {
  auto c = server.client();
  auto r = c.Put("/track", "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "null");
}

TEST_F(TrackTest, UxOfTheSourceIsReturned) {
  auto r = server.track(payload("demo-ux", nullptr, nullptr, {event("page-view")}));
  ASSERT_TRUE(r);
  json ux = json::parse(r->body)["ux"];
  ASSERT_EQ(ux.size(), 1u);
  EXPECT_EQ(ux[0]["tag"], "div");
  EXPECT_EQ(ux[0]["props"]["data-test"], "ux");
}

TEST_F(TrackTest, EventsWithoutIdGetAUuid) {
  auto r = server.track(payload("demo-source", nullptr, nullptr, {event("a"), event("b")}));
  ASSERT_TRUE(r);
  json ev = server.get_json("/events")["events"];
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["id"].get<std::string>().size(), 36u);
  EXPECT_NE(ev[0]["id"], ev[1]["id"]);
}

TEST(TrackLimits, BodyOverTheLimitIs413AndRecorded) {
  Options o;
  o.max_body = 4096;
  TestServer server(o);
  json big = payload("demo-source", nullptr, nullptr,
                     {{{"type", "big"}, {"properties", {{"s", std::string(5000, 'x')}}}}});
  auto r = server.track(big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(server.get_json("/events")["total"], 0);
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["status"], 413);
  // Far over httplib's own cap: still a 413 the client can read.
  r = server.post_raw(std::string(200000, ' '), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), kOrigin);
  reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1]["status"], 413);
}

TEST(TrackLimits, AcceptTextPlainFlag) {
  Options o;
  o.accept_text_plain = true;
  TestServer server(o);
  auto r = server.post_raw(payload("demo-source", nullptr, nullptr, {event("beacon")}).dump(),
                           "text/plain;charset=UTF-8");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = server.post_raw("{}", "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
}

// ~900 KB of `{"a":` 150,000 deep: under the body limit, and far past any stack a recursive
// parser, copy or dump would need. It used to kill the process (SIGSEGV).
TEST_F(TrackTest, DeeplyNestedBodyIs422AndTheCollectorKeepsAnswering) {
  const std::string deep = nested_body(150000);
  ASSERT_LT(deep.size(), server.collector().options().max_body);
  auto r = server.post_raw(deep, "application/json");
  ASSERT_TRUE(r) << "no answer: the collector died";
  EXPECT_EQ(r->status, 422);
  json body = json::parse(r->body);
  EXPECT_EQ(body["detail"], "Request body nested too deeply (limit 64 levels)");
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), kOrigin);
  // Still serving, nothing stored, the rejection recorded.
  EXPECT_EQ(server.get_json("/health"), json({{"ok", true}, {"event_ids", "client"}}));
  auto ok = server.track(payload("demo-source", nullptr, nullptr, {event("after-deep", "ok-1")}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["events"][0]["id"], "ok-1");
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["status"], 422);
  EXPECT_EQ(reqs[0]["bytes"], deep.size());
}

// The limit is on the whole body (root object = level 1): properties 61 deep put the innermost
// object at level 64, which is stored and read back intact; one more level is refused.
TEST_F(TrackTest, NestingUpToTheLimitIsStored) {
  auto at_limit = server.post_raw(nested_body(61, "limit-ok"), "application/json");
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(at_limit->status, 200) << at_limit->body;
  auto over = server.post_raw(nested_body(62, "limit-over"), "application/json");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 422);
  json ev = server.get_json("/events");
  ASSERT_EQ(ev["total"], 1);
  EXPECT_EQ(ev["events"][0]["id"], "limit-ok");
  const json* p = &ev["events"][0]["properties"];
  int levels = 0;
  while (p->is_object()) {
    p = &(*p)["a"];
    ++levels;
  }
  EXPECT_EQ(levels, 61);
  EXPECT_EQ(*p, 1);
}

}  // namespace
}  // namespace collector::testing
