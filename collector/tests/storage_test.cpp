// Idempotency on event id, durability across a restart, what is kept, and reset().
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

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

// Runs SQL on the database file through a connection of its own (as another process would).
void side_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

int64_t side_count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// Nothing reads raw bodies back, so they are not kept: a rejected 3 MB body (up to 4x the limit
// is read so the client gets a clean 413) used to sit in the database.
TEST(StorageDirect, RawBodiesAreNotStored) {
  const std::string db = "/tmp/collector-test-nobody-" + std::to_string(getpid()) + ".db";
  {
    Options o;
    o.db_path = db;
    TestServer server(o);
    auto big = server.post_raw(std::string(3 * 1024 * 1024, ' '), "application/json");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->status, 413);
    ASSERT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("a", "kept-1")}))->status,
              200);
    auto reqs = server.get_json("/requests")["requests"];
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0]["bytes"], 3 * 1024 * 1024);  // the size is still reported
    EXPECT_EQ(server.get_json("/events")["events"][0]["id"], "kept-1");
    server.stop();  // checkpoints the WAL into the main file (the destructor deletes it)
    struct stat st {};
    ASSERT_EQ(stat(db.c_str(), &st), 0);
    EXPECT_LT(st.st_size, 256 * 1024);
    EXPECT_EQ(
        side_count(db, "SELECT COUNT(*) FROM pragma_table_info('payloads') WHERE name='body'"), 0);
  }
}

// A database made by an earlier collector still has the column: it keeps working, left empty.
TEST(StorageDirect, OldDatabaseWithABodyColumnStillWorks) {
  const std::string db = "/tmp/collector-test-oldschema-" + std::to_string(getpid()) + ".db";
  side_exec(db, R"sql(CREATE TABLE payloads(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL, status INTEGER NOT NULL,
    origin TEXT, content_type TEXT, bytes INTEGER NOT NULL, body BLOB,
    source TEXT, session TEXT, profile TEXT, event_ids TEXT NOT NULL, injected INTEGER NOT NULL))sql");
  {
    Options o;
    o.db_path = db;
    TestServer server(o);
    EXPECT_EQ(server.post_raw("{", "application/json")->status, 422);
    EXPECT_EQ(server.track(payload("demo-source", "s1", nullptr, {event("a", "o-1")}))->status, 200);
    EXPECT_EQ(server.get_json("/requests")["requests"].size(), 2u);
    server.stop();
    EXPECT_EQ(side_count(db, "SELECT COUNT(*) FROM payloads WHERE body IS NULL"), 2);
  }
}

// reset() is one transaction: a statement that fails rolls all of it back, and the connection is
// left without an open transaction (it used to stay open, and every later write failed).
TEST(StorageDirect, FailedResetRollsBackAndLaterWritesWork) {
  const std::string db = "/tmp/collector-test-reset-" + std::to_string(getpid()) + ".db";
  Storage s;
  std::string error;
  ASSERT_TRUE(s.open(db, error)) << error;
  auto store = [&](const std::string& id) {
    Validation v =
        validate_track_body(payload("demo-source", "s1", nullptr, {event("a", id)}).dump());
    RequestRecord rec;
    rec.received_ms = 1;
    return s.store_track(rec, v.input, false);
  };
  ASSERT_EQ(store("before-1").stored, 1u);
  // A trigger makes the 4th statement of reset() fail after 3 deletes already ran.
  side_exec(db, "CREATE TRIGGER refuse BEFORE DELETE ON profiles "
                "BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
  EXPECT_THROW(s.reset(), std::runtime_error);
  // Rolled back: nothing was deleted.
  EXPECT_EQ(s.events(EventQuery{})["total"], 1);
  EXPECT_EQ(s.requests(0, 10)["requests"].size(), 1u);
  // And the next writes work and are committed (seen from another connection).
  EXPECT_EQ(store("after-1").stored, 1u);
  EXPECT_GT(s.record_request(RequestRecord{}), 0);
  EXPECT_EQ(side_count(db, "SELECT COUNT(*) FROM events"), 2);
  side_exec(db, "DROP TRIGGER refuse");
  s.reset();
  EXPECT_EQ(side_count(db, "SELECT COUNT(*) FROM events"), 0);
  EXPECT_EQ(store("again-1").stored, 1u);
  s.close();
  for (const char* x : {"", "-wal", "-shm"}) std::remove((db + x).c_str());
}

}  // namespace
}  // namespace collector::testing
