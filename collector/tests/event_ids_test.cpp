// How stored events get their id. Default: the payload's id, a repeat is a duplicate of the
// stored event (Tracardi master keeps the client's id). --mint-ids: a fresh uuid4 for every event
// whatever the payload says, as Tracardi 0.8.x does (EventPayload has no `id` there and
// `to_event` builds `Event(id=str(uuid4()), ...)`), so every copy is another stored event; the
// payload's id stays visible as `client_id` so copies can be counted.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "storage.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

bool is_uuid4(const json& v) {
  static const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  return v.is_string() && std::regex_match(v.get<std::string>(), re);
}

Options minting() {
  Options o;
  o.mint_ids = true;
  return o;
}

TEST(MintIds, TheSameEventPostedTwiceIsTwoRowsWithOneClientId) {
  TestServer server(minting());
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "ev-1")});
  ASSERT_EQ(server.track(body)->status, 200);
  ASSERT_EQ(server.track(body)->status, 200);  // the copy a lost answer makes a client send
  json ev = server.get_json("/events");
  EXPECT_EQ(ev["total"], 2);
  EXPECT_EQ(ev["duplicates"], 0);  // nothing to compare by: 0.8.x never sees the client's id
  EXPECT_EQ(ev["copies"], 1);
  ASSERT_EQ(ev["events"].size(), 2u);
  const json& a = ev["events"][0];
  const json& b = ev["events"][1];
  EXPECT_TRUE(is_uuid4(a["id"])) << a["id"];
  EXPECT_TRUE(is_uuid4(b["id"])) << b["id"];
  EXPECT_NE(a["id"], b["id"]);
  EXPECT_NE(a["id"], "ev-1");
  EXPECT_EQ(a["client_id"], "ev-1");
  EXPECT_EQ(b["client_id"], "ev-1");
  EXPECT_EQ(a["duplicates"], 0);
  EXPECT_EQ(b["duplicates"], 0);
  EXPECT_EQ(a["request"], 1);
  EXPECT_EQ(b["request"], 2);
  EXPECT_EQ(a["type"], "page-view");
  EXPECT_EQ(b["properties"], json({{"n", 1}}));
  // Rows per client id: the filter counts the copies of one event.
  json one = server.get_json("/events?client_id=ev-1");
  EXPECT_EQ(one["total"], 2);
  EXPECT_EQ(one["copies"], 1);
  EXPECT_EQ(server.get_json("/events?client_id=nope")["total"], 0);
}

TEST(MintIds, EveryEventOfABatchGetsItsOwnIdAndRequestsListTheStoredOnes) {
  TestServer server(minting());
  json body = payload("demo-source", "s1", nullptr,
                      {event("a", "c-1"), event("b", "c-2"), event("c")});
  ASSERT_EQ(server.track(body)->status, 200);
  json ev = server.get_json("/events");
  ASSERT_EQ(ev["total"], 3);
  EXPECT_EQ(ev["copies"], 0);
  std::set<std::string> ids;
  for (const auto& e : ev["events"]) {
    EXPECT_TRUE(is_uuid4(e["id"])) << e["id"];
    ids.insert(e["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ev["events"][0]["client_id"], "c-1");
  EXPECT_EQ(ev["events"][1]["client_id"], "c-2");
  EXPECT_TRUE(ev["events"][2]["client_id"].is_null());  // the client sent none
  auto reqs = server.get_json("/requests")["requests"];
  ASSERT_EQ(reqs.size(), 1u);
  // `event_ids` of a 200 are the stored ids, as in the default mode.
  EXPECT_EQ(reqs[0]["event_ids"],
            json::array({ev["events"][0]["id"], ev["events"][1]["id"], ev["events"][2]["id"]}));
}

TEST(MintIds, ConcurrentCopiesAreAllStored) {
  TestServer server(minting());
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "race-1")});
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] { EXPECT_EQ(server.track(body)->status, 200); });
  for (auto& t : threads) t.join();
  json ev = server.get_json("/events?client_id=race-1");
  EXPECT_EQ(ev["total"], 6);
  EXPECT_EQ(ev["copies"], 5);
  EXPECT_EQ(ev["duplicates"], 0);
}

TEST(DefaultIds, TheSameEventPostedTwiceIsOneRowCountedAsDuplicate) {
  TestServer server;
  json body = payload("demo-source", "s1", nullptr, {event("page-view", "ev-1"), event("x")});
  ASSERT_EQ(server.track(body)->status, 200);
  ASSERT_EQ(server.track(body)->status, 200);
  json ev = server.get_json("/events");
  // The event without an id got a minted one each time: two rows; ev-1 is stored once.
  EXPECT_EQ(ev["total"], 3);
  EXPECT_EQ(ev["duplicates"], 1);
  EXPECT_EQ(ev["copies"], 0);
  const json& first = ev["events"][0];
  EXPECT_EQ(first["id"], "ev-1");
  EXPECT_EQ(first["client_id"], "ev-1");
  EXPECT_EQ(first["duplicates"], 1);
  EXPECT_TRUE(is_uuid4(ev["events"][1]["id"]));
  EXPECT_TRUE(ev["events"][1]["client_id"].is_null());
  EXPECT_EQ(server.get_json("/events?client_id=ev-1")["total"], 1);
}

TEST(IdsMode, HealthNamesIt) {
  {
    TestServer server;
    EXPECT_EQ(server.get_json("/health"), json({{"ok", true}, {"event_ids", "client"}}));
  }
  {
    TestServer server(minting());
    EXPECT_EQ(server.get_json("/health"), json({{"ok", true}, {"event_ids", "mint"}}));
  }
}

TEST(StorageDirectIds, MintModeStoresEveryCopy) {
  const std::string db = "/tmp/collector-test-mintdirect-" + std::to_string(getpid()) + ".db";
  Storage s;
  std::string error;
  ASSERT_TRUE(s.open(db, error)) << error;
  s.set_mint_ids(true);
  Validation v = validate_track_body(
      payload("demo-source", "s1", nullptr, {event("a", "m-1"), event("b", "m-1")}).dump());
  ASSERT_TRUE(v.ok());
  RequestRecord rec;
  rec.received_ms = 1;
  TrackOutcome first = s.store_track(rec, v.input, false);
  TrackOutcome second = s.store_track(rec, v.input, false);
  EXPECT_EQ(first.stored, 2u);  // even one id twice in a batch: two events
  EXPECT_EQ(first.duplicates, 0u);
  EXPECT_EQ(second.stored, 2u);
  json ev = s.events(EventQuery{});
  EXPECT_EQ(ev["total"], 4);
  EXPECT_EQ(ev["copies"], 3);
  s.set_mint_ids(false);
  TrackOutcome third = s.store_track(rec, v.input, false);
  EXPECT_EQ(third.stored, 1u);  // by the client's id again: m-1 once, its repeat a duplicate
  EXPECT_EQ(third.duplicates, 1u);
  s.close();
  for (const char* x : {"", "-wal", "-shm"}) std::remove((db + x).c_str());
}

// A database written before client_id existed gets the column (old rows: null) and keeps working.
TEST(StorageDirectIds, OldDatabaseWithoutClientIdGetsTheColumn) {
  const std::string db = "/tmp/collector-test-noclientid-" + std::to_string(getpid()) + ".db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  const char* old_schema = R"sql(CREATE TABLE events(
    row INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    source TEXT, session TEXT, profile TEXT, properties TEXT, options TEXT, context TEXT,
    time TEXT, tags TEXT, received_ms INTEGER NOT NULL, request INTEGER NOT NULL,
    duplicates INTEGER NOT NULL DEFAULT 0);
    INSERT INTO events(id,type,received_ms,request) VALUES('old-1','page-view',1,1);)sql";
  ASSERT_EQ(sqlite3_exec(raw, old_schema, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  {
    Options o = minting();
    o.db_path = db;
    TestServer server(o);
    ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("a", "old-1")}))->status,
              200);
    json ev = server.get_json("/events");
    ASSERT_EQ(ev["total"], 2);
    EXPECT_EQ(ev["events"][0]["id"], "old-1");
    EXPECT_TRUE(ev["events"][0]["client_id"].is_null());
    EXPECT_EQ(ev["events"][1]["client_id"], "old-1");
    EXPECT_EQ(ev["copies"], 0);  // the old row's client id is unknown
  }
}

}  // namespace
}  // namespace collector::testing
