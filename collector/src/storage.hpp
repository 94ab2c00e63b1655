// SQLite storage: every /track request (payloads), the events they carried (unique on event id),
// and the session -> profile bindings Tracardi's identity rules need. Each event row keeps the id
// the client sent (`client_id`); with set_mint_ids(true) the row's own id is a fresh uuid4 instead
// of it, as Tracardi 0.8.x stores events, so copies of one event are rows sharing a client_id.
// One connection behind one mutex: SQLite serialises writers anyway, and a single lock makes the
// identity check-then-insert atomic (no double profiles for parallel first requests, tracardi#652).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validation.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace collector {

struct RequestRecord {
  int64_t received_ms = 0;
  int status = 0;  // 0: no answer was sent (dropped or hung connection)
  std::string origin;
  std::string content_type;
  int64_t bytes = 0;  // body size; the body itself is not kept (nothing reads it back)
  std::string source, session, profile;
  std::vector<std::string> event_ids;
  // Answered by fault injection: nothing stored, except for a lost answer (`lose_next`), which
  // store_track records with status 0.
  bool injected = false;
  // Whether the body passed Tracardi's model (size, content type, JSON, depth, schema); unset
  // for rows of an older collector. `detail` is the model's answer when it did not (bounded by
  // refusal.hpp), `reason` one line on why the request stored nothing (empty when it stored).
  std::optional<bool> valid;
  nlohmann::json detail;
  std::string reason;
};

struct TrackOutcome {
  int64_t seq = 0;
  std::string session_id;
  std::string profile_id;
  size_t stored = 0;      // new events (every event, with minted ids)
  size_t duplicates = 0;  // events whose id was already stored (never, with minted ids)
};

struct EventQuery {
  std::optional<std::string> type, session, profile, source, client_id;
  int64_t after = 0;  // rows strictly after this one
  int64_t limit = 1000;
};

class Storage {
 public:
  Storage() = default;
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  bool open(const std::string& path, std::string& error);
  // false (default): an event is stored under the payload's id (a uuid4 minted when it has none)
  // and a repeated id is counted as a duplicate of the stored row. true: every event is stored
  // under a fresh uuid4 whatever the payload says (Tracardi 0.8.x), so nothing is a duplicate.
  void set_mint_ids(bool on);
  bool mint_ids();
  // Checkpoints the WAL into the main file and closes; safe to call twice.
  void close();

  // A request that stored nothing (rejected, injected, dropped). Returns its seq.
  int64_t record_request(const RequestRecord& rec);
  // Resolves identity and stores the payload and its events in one transaction.
  // `rec.session/profile/event_ids/status` are filled in here: `event_ids` are the stored ids,
  // `status` 200, or 0 for an injected request (its answer is to be lost).
  TrackOutcome store_track(RequestRecord rec, const TrackInput& in, bool static_profile_ids);

  nlohmann::json events(const EventQuery& q);
  nlohmann::json requests(int64_t after, int64_t limit);
  // GET /summary: requests valid / refused by status, events, copies per event id and the delay
  // from `time.create` to arrival, all SQL aggregates (storage_summary.cpp).
  nlohmann::json summary(const std::optional<std::string>& source);
  void reset();

 private:
  void exec(const char* sql);
  bool has_column(const char* table, const char* column);
  int64_t insert_payload(const RequestRecord& rec);
  sqlite3_stmt* prepare(const char* sql);

  std::mutex mu_;
  sqlite3* db_ = nullptr;
  bool mint_ids_ = false;
  sqlite3_stmt* insert_payload_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* bump_duplicate_ = nullptr;
  sqlite3_stmt* find_session_ = nullptr;
  sqlite3_stmt* find_profile_ = nullptr;
  sqlite3_stmt* insert_session_ = nullptr;
  sqlite3_stmt* insert_profile_ = nullptr;
};

}  // namespace collector
