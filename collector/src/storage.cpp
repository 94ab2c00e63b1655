#include "storage.hpp"

#include <sqlite3.h>

#include <stdexcept>

#include "body_scan.hpp"
#include "http_util.hpp"
#include "identity.hpp"

namespace collector {

using nlohmann::json;

namespace {

const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS payloads(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL, status INTEGER NOT NULL,
  origin TEXT, content_type TEXT, bytes INTEGER NOT NULL,
  source TEXT, session TEXT, profile TEXT, event_ids TEXT NOT NULL, injected INTEGER NOT NULL,
  valid INTEGER, reason TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS events(
  row INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  source TEXT, session TEXT, profile TEXT, properties TEXT, options TEXT, context TEXT,
  time TEXT, tags TEXT, received_ms INTEGER NOT NULL, request INTEGER NOT NULL,
  duplicates INTEGER NOT NULL DEFAULT 0, client_id TEXT);
CREATE INDEX IF NOT EXISTS events_session ON events(session);
CREATE INDEX IF NOT EXISTS events_profile ON events(profile);
CREATE INDEX IF NOT EXISTS events_type ON events(type);
CREATE TABLE IF NOT EXISTS sessions(id TEXT PRIMARY KEY, profile_id TEXT NOT NULL,
  source TEXT, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS profiles(id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
)sql";

// Client-supplied text may hold invalid UTF-8 only inside JSON we already parsed, so dump()
// cannot meet any; `replace` is a belt for the case it ever does.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Stored text passed the body's depth limit on the way in; a database written by an older
// collector may hold deeper rows, which read back as null rather than recursing on them.
json parse_or_null(const unsigned char* text) {
  if (!text) return nullptr;
  json j;
  if (parse_bounded(reinterpret_cast<const char*>(text), kMaxBodyDepth, j) != BodyShape::ok)
    return nullptr;
  return j;
}

std::string col_text(sqlite3_stmt* st, int i) {
  auto p = sqlite3_column_text(st, i);
  return p ? reinterpret_cast<const char*>(p) : "";
}

json col_text_or_null(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return nullptr;
  return col_text(st, i);
}

void bind_text(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void bind_opt(sqlite3_stmt* st, int i, const std::string& s) {
  if (s.empty())
    sqlite3_bind_null(st, i);
  else
    bind_text(st, i, s);
}

// Resets a cached statement on scope exit so an exception never leaves it mid-step.
struct Reset {
  sqlite3_stmt* st;
  ~Reset() {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }
};

struct Finalize {
  sqlite3_stmt* st;
  ~Finalize() { sqlite3_finalize(st); }
};

}  // namespace

Storage::~Storage() { close(); }

sqlite3_stmt* Storage::prepare(const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  return st;
}

void Storage::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

bool Storage::has_column(const char* table, const char* column) {
  sqlite3_stmt* st = prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  Finalize f{st};
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
  return sqlite3_step(st) == SQLITE_ROW;
}

void Storage::set_mint_ids(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  mint_ids_ = on;
}

bool Storage::mint_ids() {
  std::lock_guard<std::mutex> lock(mu_);
  return mint_ids_;
}

bool Storage::open(const std::string& path, std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    error = "cannot open database " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    db_ = nullptr;
    return false;
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;");
    exec(kSchema);
    // A database from a collector before client_id: the column is added, its old rows left null
    // (whether their id came from the client is not known).
    if (!has_column("events", "client_id")) exec("ALTER TABLE events ADD COLUMN client_id TEXT");
    exec("CREATE INDEX IF NOT EXISTS events_client_id ON events(client_id)");
    // Before the verdict columns: older rows stay NULL (not known whether their body was valid).
    for (const char* col : {"valid INTEGER", "reason TEXT", "detail TEXT"}) {
      const std::string name(col, std::string(col).find(' '));
      if (!has_column("payloads", name.c_str()))
        exec(("ALTER TABLE payloads ADD COLUMN " + std::string(col)).c_str());
    }
    insert_payload_ = prepare(
        "INSERT INTO payloads(received_ms,status,origin,content_type,bytes,source,session,"
        "profile,event_ids,injected,valid,reason,detail) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    insert_event_ = prepare(
        "INSERT OR IGNORE INTO events(id,type,source,session,profile,properties,options,context,"
        "time,tags,received_ms,request,client_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bump_duplicate_ = prepare("UPDATE events SET duplicates = duplicates + 1 WHERE id = ?");
    find_session_ = prepare("SELECT profile_id FROM sessions WHERE id = ?");
    find_profile_ = prepare("SELECT 1 FROM profiles WHERE id = ?");
    insert_session_ =
        prepare("INSERT INTO sessions(id,profile_id,source,created_ms) VALUES(?,?,?,?)");
    insert_profile_ = prepare("INSERT OR IGNORE INTO profiles(id,created_ms) VALUES(?,?)");
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  return true;
}

void Storage::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) return;
  for (auto* st : {insert_payload_, insert_event_, bump_duplicate_, find_session_, find_profile_,
                   insert_session_, insert_profile_})
    sqlite3_finalize(st);
  insert_payload_ = insert_event_ = bump_duplicate_ = find_session_ = find_profile_ =
      insert_session_ = insert_profile_ = nullptr;
  // Fold the WAL back so the .db file alone holds everything after a clean shutdown.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_close(db_);
  db_ = nullptr;
}

int64_t Storage::insert_payload(const RequestRecord& rec) {
  sqlite3_stmt* st = insert_payload_;
  Reset r{st};
  sqlite3_bind_int64(st, 1, rec.received_ms);
  sqlite3_bind_int(st, 2, rec.status);
  bind_opt(st, 3, rec.origin);
  bind_opt(st, 4, rec.content_type);
  sqlite3_bind_int64(st, 5, rec.bytes);
  bind_opt(st, 6, rec.source);
  bind_opt(st, 7, rec.session);
  bind_opt(st, 8, rec.profile);
  bind_text(st, 9, dump(json(rec.event_ids)));
  sqlite3_bind_int(st, 10, rec.injected ? 1 : 0);
  if (rec.valid)
    sqlite3_bind_int(st, 11, *rec.valid ? 1 : 0);
  else
    sqlite3_bind_null(st, 11);
  bind_opt(st, 12, rec.reason);
  if (rec.detail.is_null())
    sqlite3_bind_null(st, 13);
  else
    bind_text(st, 13, dump(rec.detail));
  if (sqlite3_step(st) != SQLITE_DONE)
    throw std::runtime_error(std::string("sqlite insert payload: ") + sqlite3_errmsg(db_));
  return sqlite3_last_insert_rowid(db_);
}

int64_t Storage::record_request(const RequestRecord& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  return insert_payload(rec);
}

TrackOutcome Storage::store_track(RequestRecord rec, const TrackInput& in, bool static_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  exec("BEGIN IMMEDIATE");
  try {
    IdentityLookup lookup;
    lookup.session_profile = [&](const std::string& id) -> std::optional<std::string> {
      Reset r{find_session_};
      bind_text(find_session_, 1, id);
      if (sqlite3_step(find_session_) != SQLITE_ROW) return std::nullopt;
      return col_text(find_session_, 0);
    };
    lookup.profile_exists = [&](const std::string& id) {
      Reset r{find_profile_};
      bind_text(find_profile_, 1, id);
      return sqlite3_step(find_profile_) == SQLITE_ROW;
    };
    lookup.new_id = [] { return uuid4(); };
    IdentityDecision d = resolve_identity(in.session_id, in.profile_id, static_ids, lookup, in.profile_less);

    if (d.create_profile) {
      Reset r{insert_profile_};
      bind_text(insert_profile_, 1, d.profile_id);
      sqlite3_bind_int64(insert_profile_, 2, rec.received_ms);
      sqlite3_step(insert_profile_);
    }
    if (d.save_session) {
      Reset r{insert_session_};
      bind_text(insert_session_, 1, d.session_id);
      bind_text(insert_session_, 2, d.profile_id);
      bind_text(insert_session_, 3, in.source_id);
      sqlite3_bind_int64(insert_session_, 4, rec.received_ms);
      if (sqlite3_step(insert_session_) != SQLITE_DONE)
        throw std::runtime_error(std::string("sqlite insert session: ") + sqlite3_errmsg(db_));
    }

    // The stored ids. Tracardi 0.8.x (mint_ids_) has no `id` on its EventPayload and builds every
    // event with `id=str(uuid4())`; later Tracardi keeps the payload's id when there is one.
    std::vector<std::string> ids;
    ids.reserve(in.events.size());
    for (const auto& e : in.events) ids.push_back(mint_ids_ || e.id.empty() ? uuid4() : e.id);

    rec.status = rec.injected ? 0 : 200;  // injected here: stored, then the answer is dropped
    rec.source = in.source_id;
    rec.session = d.session_id;
    rec.profile = d.profile_id;
    rec.event_ids = ids;
    TrackOutcome out;
    out.seq = insert_payload(rec);
    out.session_id = d.session_id;
    out.profile_id = d.profile_id;

    for (size_t i = 0; i < in.events.size(); ++i) {
      const EventInput& e = in.events[i];
      sqlite3_stmt* st = insert_event_;
      Reset r{st};
      bind_text(st, 1, ids[i]);
      bind_text(st, 2, e.type);
      bind_text(st, 3, in.source_id);
      bind_text(st, 4, d.session_id);
      bind_opt(st, 5, d.profile_id);  // none for a profile-less payload
      bind_text(st, 6, dump(e.properties));
      bind_text(st, 7, dump(e.options));
      bind_text(st, 8, dump(e.context));
      bind_text(st, 9, dump(e.time));
      bind_text(st, 10, dump(e.tags));
      sqlite3_bind_int64(st, 11, rec.received_ms);
      sqlite3_bind_int64(st, 12, out.seq);
      bind_opt(st, 13, e.id);
      if (sqlite3_step(st) != SQLITE_DONE)
        throw std::runtime_error(std::string("sqlite insert event: ") + sqlite3_errmsg(db_));
      if (sqlite3_changes(db_) == 1) {
        ++out.stored;
        continue;
      }
      // Same id seen before: a retry (at-least-once delivery). Keep the first copy, count it.
      Reset rd{bump_duplicate_};
      bind_text(bump_duplicate_, 1, ids[i]);
      sqlite3_step(bump_duplicate_);
      ++out.duplicates;
    }
    exec("COMMIT");
    return out;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

json Storage::events(const EventQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  std::string where = " WHERE 1=1";
  std::vector<std::string> args;
  auto filter = [&](const std::optional<std::string>& v, const char* col) {
    if (!v) return;
    where += std::string(" AND ") + col + " = ?";
    args.push_back(*v);
  };
  filter(q.type, "type");
  filter(q.session, "session");
  filter(q.profile, "profile");
  filter(q.source, "source");
  filter(q.client_id, "client_id");

  // copies: rows stored under a client id that an earlier row has too (what minted ids make of
  // a client's copies); 0 when ids are the client's, where a copy counts in `duplicates`.
  json out = {{"events", json::array()}, {"total", 0}, {"duplicates", 0}, {"copies", 0}};
  {
    std::string sql =
        "SELECT COUNT(*), COALESCE(SUM(duplicates),0), COUNT(client_id) - COUNT(DISTINCT "
        "client_id) FROM events" +
        where;
    sqlite3_stmt* st = prepare(sql.c_str());
    Finalize f{st};
    for (size_t i = 0; i < args.size(); ++i) bind_text(st, static_cast<int>(i + 1), args[i]);
    if (sqlite3_step(st) == SQLITE_ROW) {
      out["total"] = sqlite3_column_int64(st, 0);
      out["duplicates"] = sqlite3_column_int64(st, 1);
      out["copies"] = sqlite3_column_int64(st, 2);
    }
  }
  std::string sql =
      "SELECT row,id,type,source,session,profile,properties,options,context,time,tags,"
      "received_ms,request,duplicates,client_id FROM events" +
      where + " AND row > ? ORDER BY row LIMIT ?";
  sqlite3_stmt* st = prepare(sql.c_str());
  Finalize f{st};
  int n = 1;
  for (const auto& a : args) bind_text(st, n++, a);
  sqlite3_bind_int64(st, n++, q.after);
  sqlite3_bind_int64(st, n++, q.limit);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out["events"].push_back({{"row", sqlite3_column_int64(st, 0)},
                             {"id", col_text(st, 1)},
                             {"type", col_text(st, 2)},
                             {"source", col_text_or_null(st, 3)},
                             {"session", col_text_or_null(st, 4)},
                             {"profile", col_text_or_null(st, 5)},
                             {"properties", parse_or_null(sqlite3_column_text(st, 6))},
                             {"options", parse_or_null(sqlite3_column_text(st, 7))},
                             {"context", parse_or_null(sqlite3_column_text(st, 8))},
                             {"time", parse_or_null(sqlite3_column_text(st, 9))},
                             {"tags", parse_or_null(sqlite3_column_text(st, 10))},
                             {"received_ms", sqlite3_column_int64(st, 11)},
                             {"request", sqlite3_column_int64(st, 12)},
                             {"duplicates", sqlite3_column_int64(st, 13)},
                             {"client_id", col_text_or_null(st, 14)}});
  }
  return out;
}

json Storage::requests(int64_t after, int64_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  sqlite3_stmt* st = prepare(
      "SELECT seq,received_ms,status,origin,content_type,bytes,event_ids,injected,source,session,"
      "profile,valid,reason,detail FROM payloads WHERE seq > ? ORDER BY seq LIMIT ?");
  Finalize f{st};
  sqlite3_bind_int64(st, 1, after);
  sqlite3_bind_int64(st, 2, limit);
  json list = json::array();
  while (sqlite3_step(st) == SQLITE_ROW) {
    json ids = parse_or_null(sqlite3_column_text(st, 6));
    list.push_back({{"seq", sqlite3_column_int64(st, 0)},
                    {"received_ms", sqlite3_column_int64(st, 1)},
                    {"status", sqlite3_column_int(st, 2)},
                    {"origin", col_text_or_null(st, 3)},
                    {"content_type", col_text_or_null(st, 4)},
                    {"bytes", sqlite3_column_int64(st, 5)},
                    {"event_ids", ids.is_array() ? ids : json::array()},
                    {"injected", sqlite3_column_int(st, 7) != 0},
                    {"source", col_text_or_null(st, 8)},
                    {"session", col_text_or_null(st, 9)},
                    {"profile", col_text_or_null(st, 10)},
                    {"valid", sqlite3_column_type(st, 11) == SQLITE_NULL
                                  ? json(nullptr)
                                  : json(sqlite3_column_int(st, 11) != 0)},
                    {"reason", col_text_or_null(st, 12)},
                    {"detail", parse_or_null(sqlite3_column_text(st, 13))}});
  }
  return {{"requests", std::move(list)}};
}

void Storage::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  // One statement per exec, so a failure is caught between BEGIN and COMMIT and rolled back;
  // in one multi-statement exec it left the transaction open and every later write failed.
  exec("BEGIN IMMEDIATE");
  try {
    exec("DELETE FROM payloads");
    exec("DELETE FROM events");
    exec("DELETE FROM sessions");
    exec("DELETE FROM profiles");
    exec("DELETE FROM sqlite_sequence");  // so seq and row numbering restart at 1 for each test
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace collector
