// GET /summary: the split a site's own tests assert on (requests valid / refused by status,
// events, copies per event id) and the delay from `time.create` to arrival. Every figure is an
// SQL aggregate, so the answer's size and the collector's memory do not grow with the tables.
#include <sqlite3.h>

#include <stdexcept>

#include "storage.hpp"

namespace collector {

using nlohmann::json;

namespace {

struct Statement {
  sqlite3_stmt* st;
  ~Statement() { sqlite3_finalize(st); }
};

void bind_source(sqlite3_stmt* st, const std::optional<std::string>& source) {
  if (source)
    sqlite3_bind_text(st, 1, source->data(), static_cast<int>(source->size()), SQLITE_TRANSIENT);
}

json int_or_null(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return nullptr;
  return sqlite3_column_int64(st, i);
}

// Delay buckets, in ms: [from, to). A negative delay is a client clock ahead of the collector's.
struct Bucket {
  const char* label;
  std::optional<int64_t> from, to;
};
const Bucket kDelayBuckets[] = {
    {"< 0", std::nullopt, 0},       {"0-250 ms", 0, 250},        {"0.25-1 s", 250, 1000},
    {"1-5 s", 1000, 5000},          {"5-30 s", 5000, 30000},     {"0.5-5 min", 30000, 300000},
    {">= 5 min", 300000, std::nullopt},
};

}  // namespace

json Storage::summary(const std::optional<std::string>& source) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!db_) throw std::runtime_error("storage closed");
  // ?1 is the source when filtering; a request whose body named no readable source has none.
  const std::string where = source ? " WHERE source = ?1" : "";
  auto query = [&](const std::string& sql) {
    sqlite3_stmt* st = prepare(sql.c_str());
    bind_source(st, source);
    return st;
  };

  json requests;
  {
    Statement s{query(
        "SELECT COUNT(*), TOTAL(valid = 1), TOTAL(valid = 0), TOTAL(valid IS NULL), "
        "TOTAL(status BETWEEN 200 AND 299), TOTAL(status >= 300), TOTAL(status = 0), "
        "TOTAL(injected != 0) FROM payloads" + where)};
    sqlite3_step(s.st);
    const char* keys[] = {"total",    "valid",     "invalid",  "unchecked",
                          "accepted", "refused",   "no_answer", "injected"};
    for (int i = 0; i < 8; ++i) requests[keys[i]] = sqlite3_column_int64(s.st, i);
  }
  {
    json by_status = json::object();
    Statement s{query("SELECT status, COUNT(*) FROM payloads" + where +
                      " GROUP BY status ORDER BY status")};
    while (sqlite3_step(s.st) == SQLITE_ROW)
      by_status[std::to_string(sqlite3_column_int(s.st, 0))] = sqlite3_column_int64(s.st, 1);
    requests["by_status"] = std::move(by_status);
  }

  json events;
  {
    // copies: rows whose client id an earlier row has too (minted ids); duplicates: repeats of a
    // stored id (the client's ids). received: every copy of an event that a stored request carried.
    Statement s{query(
        "SELECT COUNT(*), TOTAL(duplicates), COUNT(client_id) - COUNT(DISTINCT client_id) "
        "FROM events" + where)};
    sqlite3_step(s.st);
    const int64_t stored = sqlite3_column_int64(s.st, 0), dups = sqlite3_column_int64(s.st, 1);
    events = {{"stored", stored},
              {"received", stored + dups},
              {"duplicates", dups},
              {"copies", sqlite3_column_int64(s.st, 2)}};
  }

  json ids;
  {
    // One event as the client knows it: its client id, or the row alone when it sent none. Its
    // copies are its rows (minted ids) plus their repeats (the client's ids), so one query
    // serves both modes.
    Statement s{query(
        "SELECT COUNT(*), TOTAL(n = 1), TOTAL(n = 2), TOTAL(n >= 3), TOTAL(n) FROM ("
        "SELECT SUM(1 + duplicates) AS n FROM events" + where +
        " GROUP BY client_id IS NULL, CASE WHEN client_id IS NULL THEN row ELSE client_id END)")};
    sqlite3_step(s.st);
    const int64_t total = sqlite3_column_int64(s.st, 0);
    ids = {{"total", total},
           {"once", sqlite3_column_int64(s.st, 1)},
           {"twice", sqlite3_column_int64(s.st, 2)},
           {"more", sqlite3_column_int64(s.st, 3)},
           {"extra_copies", sqlite3_column_int64(s.st, 4) - total}};
  }

  json delay;
  {
    // time.create as the tracker writes it (ISO 8601, "Z"); anything julianday() cannot read as
    // a date is left out (`without_time`). CASE guards json_extract from a row that is not JSON.
    const std::string created =
        "SELECT received_ms, CASE WHEN json_valid(time) AND json_type(time, '$.create') = 'text' "
        "THEN json_extract(time, '$.create') END AS c FROM events" + where;
    const std::string delays =
        "SELECT received_ms - CAST(ROUND((julianday(c) - 2440587.5) * 86400000.0) AS INTEGER) "
        "AS ms FROM (" + created + ") WHERE c LIKE '____-__-__%' AND julianday(c) IS NOT NULL";
    std::string sql = "SELECT COUNT(*), MAX(ms)";
    for (const Bucket& b : kDelayBuckets) {
      sql += ", TOTAL(1";
      if (b.from) sql += " AND ms >= " + std::to_string(*b.from);
      if (b.to) sql += " AND ms < " + std::to_string(*b.to);
      sql += ")";
    }
    Statement s{query(sql + " FROM (" + delays + ")")};
    sqlite3_step(s.st);
    const int64_t count = sqlite3_column_int64(s.st, 0);
    delay = {{"count", count},
             {"without_time", events["stored"].get<int64_t>() - count},
             {"p50", nullptr},
             {"p90", nullptr},
             {"max", int_or_null(s.st, 1)},
             {"buckets", json::array()}};
    int col = 2;
    for (const Bucket& b : kDelayBuckets) {
      delay["buckets"].push_back({{"label", b.label},
                                  {"from_ms", b.from ? json(*b.from) : json(nullptr)},
                                  {"to_ms", b.to ? json(*b.to) : json(nullptr)},
                                  {"count", sqlite3_column_int64(s.st, col++)}});
    }
    // Nearest rank (the ceil(q * n)-th smallest): SQLite sorts on disk past its cache, so this
    // stays bounded too.
    for (auto [key, q] : {std::pair<const char*, int>{"p50", 50}, {"p90", 90}}) {
      if (count == 0) break;
      const int64_t rank = (count * q + 99) / 100;
      Statement p{query("SELECT ms FROM (" + delays + ") ORDER BY ms LIMIT 1 OFFSET " +
                        std::to_string(rank - 1))};
      if (sqlite3_step(p.st) == SQLITE_ROW) delay[key] = sqlite3_column_int64(p.st, 0);
    }
  }

  return {{"source", source ? json(*source) : json(nullptr)},
          {"event_ids", mint_ids_ ? "mint" : "client"},
          {"requests", std::move(requests)},
          {"events", std::move(events)},
          {"ids", std::move(ids)},
          {"delay_ms", std::move(delay)}};
}

}  // namespace collector
