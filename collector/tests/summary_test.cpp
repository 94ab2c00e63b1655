// Why a request stored nothing (GET /requests: valid, reason, detail) and GET /summary, the
// totals a site's own tests assert on: requests valid / refused by status, events, copies per
// event id and the delay from `time.create` to arrival.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

json event_at(const std::string& type, const std::string& id, const json& create) {
  json e = event(type, id);
  e["time"] = {{"create", create}};
  return e;
}

// `ms` since the epoch as the tracker writes time.create: 2026-11-30T12:00:00.123Z.
std::string iso_utc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json set_faults(TestServer& server, const json& cfg) {
  auto c = server.admin();
  auto r = c.Post("/__admin/faults", cfg.dump(), "application/json");
  return r ? json::parse(r->body) : json();
}

TEST(RequestVerdict, EachRequestSaysWhetherItsBodyWasValidAndWhyItStoredNothing) {
  Options o;
  o.max_body = 4096;
  TestServer server(o);
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("a", "v-1")}))->status, 200);
  ASSERT_EQ(server.post_raw("{", "application/json")->status, 422);
  ASSERT_EQ(server.track(payload("demo-ux", "s1", nullptr, {event("  ", "v-2")}))->status, 422);
  ASSERT_EQ(server.track(payload("nope", "s1", nullptr, {event("a", "v-3")}))->status, 401);
  ASSERT_EQ(server.post_raw("{}", "text/plain")->status, 422);
  ASSERT_EQ(server.post_raw(std::string(5000, ' '), "application/json")->status, 413);

  json r = server.get_json("/requests")["requests"];
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0]["valid"], true);
  EXPECT_EQ(r[0]["reason"], nullptr);
  EXPECT_EQ(r[0]["detail"], nullptr);

  EXPECT_EQ(r[1]["valid"], false);
  EXPECT_EQ(r[1]["reason"], "body[0]: JSON decode error");
  ASSERT_TRUE(r[1]["detail"].is_array());
  EXPECT_EQ(r[1]["detail"][0]["type"], "value_error.jsondecode");

  EXPECT_EQ(r[2]["valid"], false);
  EXPECT_EQ(r[2]["reason"], "body.events[0].type: Event type can not be empty");
  EXPECT_EQ(r[2]["detail"][0]["loc"], json::array({"body", "events", 0, "type"}));
  // The source the refused body named is kept, so a site can filter its own refusals.
  EXPECT_EQ(r[2]["source"], "demo-ux");

  // A valid body from a source Tracardi does not know: the model is fine, the source is not.
  EXPECT_EQ(r[3]["valid"], true);
  EXPECT_EQ(r[3]["reason"], "Invalid event source `nope`.");
  EXPECT_EQ(r[3]["detail"], nullptr);

  EXPECT_EQ(r[4]["valid"], false);
  EXPECT_EQ(r[4]["reason"], "body: value is not a valid dict");
  EXPECT_EQ(r[5]["valid"], false);
  EXPECT_EQ(r[5]["reason"], "Request body too large (limit 4096 bytes)");
}

TEST(RequestVerdict, InjectedFaultsSaySo) {
  TestServer server;
  json ok = payload("demo-source", "s1", nullptr, {event("a", "i-1")});
  set_faults(server, {{"fail_next", 1}, {"status", 503}});
  ASSERT_EQ(server.track(ok)->status, 503);
  set_faults(server, {{"fail_next", 1}, {"status", 500}});
  ASSERT_EQ(server.post_raw("{", "application/json")->status, 500);
  set_faults(server, {{"drop_next", 1}});
  EXPECT_FALSE(server.track(ok));
  set_faults(server, {{"lose_next", 1}});
  EXPECT_FALSE(server.track(ok));

  json r = server.get_json("/requests")["requests"];
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0]["valid"], true);
  EXPECT_EQ(r[0]["reason"], "Injected fault: HTTP 503");
  // The fault answered, but the body would have been refused too: both are told.
  EXPECT_EQ(r[1]["valid"], false);
  EXPECT_EQ(r[1]["reason"], "Injected fault: HTTP 500");
  EXPECT_EQ(r[1]["detail"][0]["msg"], "JSON decode error");
  EXPECT_EQ(r[2]["valid"], true);
  EXPECT_EQ(r[2]["reason"], "Injected fault: connection dropped, no answer");
  EXPECT_EQ(r[3]["valid"], true);
  EXPECT_EQ(r[3]["reason"], "Injected fault: stored, then the answer was dropped");
  EXPECT_EQ(server.get_json("/events")["total"], 1);
}

// Six stored requests (e1 twice, e3 three times, e2, e4 and an id-less event once) and three
// refusals of different kinds; every count below is worked out by hand from these posts.
void post_mix(TestServer& server) {
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr,
                                 {event("page-view", "e1"), event("click", "e2")}))->status, 200);
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr,
                                 {event("page-view", "e1"), event("click", "e3")}))->status, 200);
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("click", "e3")}))->status, 200);
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("click", "e3")}))->status, 200);
  ASSERT_EQ(server.track(payload("demo-ux", "s2", nullptr, {event("buy", "e4")}))->status, 200);
  ASSERT_EQ(server.post_raw("{", "application/json")->status, 422);
  ASSERT_EQ(server.track(payload("demo-ux", "s2", nullptr, {event("", "e5")}))->status, 422);
  ASSERT_EQ(server.track(payload("nope", "s3", nullptr, {event("a", "e6")}))->status, 401);
  // An event the client gave no id: the server mints one, it is its own single copy.
  json no_id = payload("demo-source", "s1", nullptr, {event("scroll")});
  ASSERT_EQ(server.track(no_id)->status, 200);
}

TEST(Summary, CountsRequestsEventsAndCopies) {
  TestServer server;
  post_mix(server);
  json s = server.get_json("/summary");
  EXPECT_EQ(s["source"], nullptr);
  EXPECT_EQ(s["event_ids"], "client");
  const json& rq = s["requests"];
  EXPECT_EQ(rq["total"], 9);
  EXPECT_EQ(rq["valid"], 7);  // the 401 body is valid for the model
  EXPECT_EQ(rq["invalid"], 2);
  EXPECT_EQ(rq["unchecked"], 0);
  EXPECT_EQ(rq["accepted"], 6);
  EXPECT_EQ(rq["refused"], 3);
  EXPECT_EQ(rq["no_answer"], 0);
  EXPECT_EQ(rq["injected"], 0);
  EXPECT_EQ(rq["by_status"], json({{"200", 6}, {"401", 1}, {"422", 2}}));
  const json& ev = s["events"];
  EXPECT_EQ(ev["stored"], 5);  // e1 e2 e3 e4 + the minted one
  EXPECT_EQ(ev["received"], 8);
  EXPECT_EQ(ev["duplicates"], 3);
  EXPECT_EQ(ev["copies"], 0);
  const json& ids = s["ids"];
  EXPECT_EQ(ids["total"], 5);
  EXPECT_EQ(ids["once"], 3);   // e2 e4 minted
  EXPECT_EQ(ids["twice"], 1);  // e1
  EXPECT_EQ(ids["more"], 1);   // e3 (3 times)
  EXPECT_EQ(ids["extra_copies"], 3);
  // /events agrees.
  json all = server.get_json("/events");
  EXPECT_EQ(all["total"], ev["stored"]);
  EXPECT_EQ(all["duplicates"], ev["duplicates"]);
}

TEST(Summary, MintedIdsCountCopiesByTheClientsId) {
  Options o;
  o.mint_ids = true;
  TestServer server(o);
  post_mix(server);
  json s = server.get_json("/summary");
  EXPECT_EQ(s["event_ids"], "mint");
  EXPECT_EQ(s["requests"]["accepted"], 6);
  EXPECT_EQ(s["events"]["stored"], 8);  // every copy is a row
  EXPECT_EQ(s["events"]["received"], 8);
  EXPECT_EQ(s["events"]["duplicates"], 0);
  EXPECT_EQ(s["events"]["copies"], 3);
  // The same split by event as in the default mode: copies are rows sharing a client id.
  EXPECT_EQ(s["ids"], json({{"total", 5}, {"once", 3}, {"twice", 1}, {"more", 1},
                            {"extra_copies", 3}}));
}

TEST(Summary, FiltersBySource) {
  TestServer server;
  post_mix(server);
  json ux = server.get_json("/summary?source=demo-ux");
  EXPECT_EQ(ux["source"], "demo-ux");
  EXPECT_EQ(ux["requests"]["total"], 2);
  EXPECT_EQ(ux["requests"]["accepted"], 1);
  EXPECT_EQ(ux["requests"]["by_status"], json({{"200", 1}, {"422", 1}}));
  EXPECT_EQ(ux["events"]["stored"], 1);
  EXPECT_EQ(ux["ids"]["once"], 1);
  json none = server.get_json("/summary?source=no-such-source");
  EXPECT_EQ(none["requests"]["total"], 0);
  EXPECT_EQ(none["requests"]["by_status"], json::object());
  EXPECT_EQ(none["events"]["stored"], 0);
  EXPECT_EQ(none["ids"]["total"], 0);
  EXPECT_EQ(none["delay_ms"]["count"], 0);
  EXPECT_EQ(none["delay_ms"]["p50"], nullptr);
  EXPECT_EQ(server.get_json("/summary?source=")["requests"]["total"], 9);  // empty: no filter
}

TEST(Summary, DelayFromTimeCreateToArrival) {
  TestServer server;
  const int64_t now = now_ms();
  json events = json::array({
      event_at("a", "d-1", iso_utc(now - 100)),
      event_at("a", "d-2", iso_utc(now - 2000)),
      event_at("a", "d-3", iso_utc(now - 2000)),
      event_at("a", "d-4", iso_utc(now - 600000)),   // ten minutes in a queue
      event_at("a", "d-5", iso_utc(now + 3600000)),  // a client clock an hour ahead
      event_at("a", "d-6", "yesterday"),             // unreadable: not counted
      event_at("a", "d-7", 5),                       // a number is not a time either
  });
  json no_time = event("a", "d-8");
  no_time.erase("time");
  events.push_back(no_time);
  ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, events))->status, 200);
  const int64_t after = now_ms();

  json d = server.get_json("/summary")["delay_ms"];
  EXPECT_EQ(d["count"], 5);
  EXPECT_EQ(d["without_time"], 3);
  ASSERT_TRUE(d["buckets"].is_array());
  std::vector<int64_t> counts;
  int64_t sum = 0;
  for (const auto& b : d["buckets"]) {
    counts.push_back(b["count"].get<int64_t>());
    sum += b["count"].get<int64_t>();
    EXPECT_TRUE(b.contains("label") && b.contains("from_ms") && b.contains("to_ms"));
  }
  EXPECT_EQ(sum, 5);
  // < 0 | 0-250 ms | 250 ms-1 s | 1-5 s | 5-30 s | 30 s-5 min | >= 5 min
  EXPECT_EQ(counts, (std::vector<int64_t>{1, 1, 0, 2, 0, 0, 1}));
  EXPECT_EQ(d["buckets"][0]["from_ms"], nullptr);
  EXPECT_EQ(d["buckets"][0]["to_ms"], 0);
  EXPECT_EQ(d["buckets"][6]["to_ms"], nullptr);
  // Nearest rank: p50 is the 3rd of 5 sorted delays (one of the 2 s ones), p90 the 5th.
  EXPECT_GE(d["p50"].get<int64_t>(), 2000);
  EXPECT_LE(d["p50"].get<int64_t>(), 2000 + (after - now) + 1);
  EXPECT_GE(d["max"].get<int64_t>(), 600000);
  EXPECT_EQ(d["p90"], d["max"]);
}

TEST(Summary, EmptyCollector) {
  TestServer server;
  json s = server.get_json("/summary");
  EXPECT_EQ(s["requests"]["total"], 0);
  EXPECT_EQ(s["requests"]["by_status"], json::object());
  EXPECT_EQ(s["events"]["stored"], 0);
  EXPECT_EQ(s["ids"], json({{"total", 0}, {"once", 0}, {"twice", 0}, {"more", 0},
                            {"extra_copies", 0}}));
  EXPECT_EQ(s["delay_ms"]["count"], 0);
  EXPECT_EQ(s["delay_ms"]["max"], nullptr);
}

// Read API: a site's test page on another origin may read it, never with the user's cookies.
TEST(Summary, AnyPageMayReadIt) {
  TestServer server;
  auto c = server.client();
  auto r = c.Get("/summary", {{"Origin", kOrigin}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Credentials"));
}

void side_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

// Rows written before the verdict columns existed: not known to be valid or not.
TEST(Summary, OlderRowsAreUnchecked) {
  const std::string db = "/tmp/collector-test-verdict-" + std::to_string(getpid()) + ".db";
  unlink(db.c_str());
  side_exec(db, R"sql(CREATE TABLE payloads(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL, status INTEGER NOT NULL,
    origin TEXT, content_type TEXT, bytes INTEGER NOT NULL,
    source TEXT, session TEXT, profile TEXT, event_ids TEXT NOT NULL, injected INTEGER NOT NULL);
    INSERT INTO payloads(received_ms,status,bytes,event_ids,injected) VALUES(1,422,1,'[]',0);)sql");
  {
    Options o;
    o.db_path = db;
    TestServer server(o);
    ASSERT_EQ(server.post_raw("{", "application/json")->status, 422);
    json r = server.get_json("/requests")["requests"];
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0]["valid"], nullptr);
    EXPECT_EQ(r[0]["reason"], nullptr);
    EXPECT_EQ(r[1]["valid"], false);
    json s = server.get_json("/summary")["requests"];
    EXPECT_EQ(s["unchecked"], 1);
    EXPECT_EQ(s["invalid"], 1);
    EXPECT_EQ(s["refused"], 2);
  }
  unlink(db.c_str());
}

}  // namespace
}  // namespace collector::testing
