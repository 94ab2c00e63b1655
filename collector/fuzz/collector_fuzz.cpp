// libFuzzer over what any web page controls: a /track body. It goes through the streaming scan,
// validation and, when valid, identity resolution and storage (twice, as a retry would) on an
// in-memory SQLite database, checking the invariants the e2e suite relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "body_scan.hpp"
#include "refusal.hpp"
#include "storage.hpp"
#include "validation.hpp"

using namespace collector;
using nlohmann::json;

namespace {

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      __builtin_printf("collector_fuzz: check failed: %s (line %d)\n", #cond, __LINE__); \
      std::abort();                                                             \
    }                                                                           \
  } while (0)

// The ids a parsed document gives, the way the collector read them before the streaming scan.
std::vector<std::string> dom_event_ids(const json& doc) {
  std::vector<std::string> ids;
  if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array()) return ids;
  for (const auto& ev : doc["events"])
    if (ev.is_object() && ev.contains("id") && ev["id"].is_string()) ids.push_back(ev["id"]);
  return ids;
}

Storage* open_storage(bool mint_ids) {
  auto* st = new Storage();
  std::string error;
  if (!st->open(":memory:", error)) {
    __builtin_printf("collector_fuzz: %s\n", error.c_str());
    std::abort();
  }
  st->set_mint_ids(mint_ids);
  return st;
}

Storage& storage() {
  static Storage* s = open_storage(false);
  return *s;
}

// Ids minted by the server for every event (--mint-ids, Tracardi 0.8.x).
Storage& minting_storage() {
  static Storage* s = open_storage(true);
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);

  // The scan agrees with nlohmann's own (non-recursive) acceptor on syntax, and its ids agree
  // with the document's whenever the document may be built.
  const BodyScan scan = scan_body(body);
  if (scan.shape == BodyShape::ok) {
    CHECK(scan.deepest <= kMaxBodyDepth);
    const json doc = json::parse(body);  // throws (= finding) if the scan accepted bad JSON
    CHECK(scan.event_ids == dom_event_ids(doc));
  } else if (scan.shape == BodyShape::too_deep) {
    CHECK(scan.deepest == kMaxBodyDepth + 1);
  } else {
    CHECK(!json::accept(body));
  }
  CHECK(event_ids_in(body) == scan.event_ids);

  const Validation v = validate_track_body(body);
  CHECK(v.status == 200 || v.status == 422);
  if (scan.shape != BodyShape::ok) CHECK(!v.ok());
  if (!v.ok()) {
    CHECK(v.detail.is_array() || v.detail.is_string());
    // What /requests keeps of a refusal: one bounded line of valid UTF-8 (dump throws otherwise).
    const std::string reason = refusal_reason(v.detail);
    CHECK(!reason.empty() && reason.size() <= kMaxReasonBytes);
    (void)json(reason).dump();
    const json kept = bounded_detail(v.detail);
    CHECK(!kept.is_array() || kept.size() <= kMaxStoredErrors);
    return 0;
  }
  if (v.input.events.empty()) return 0;

  // Identity and storage: the same body twice, as a retry after a lost answer.
  Storage& s = storage();
  const bool static_ids = (size & 1) != 0;
  RequestRecord rec;
  rec.received_ms = 1;
  const TrackOutcome first = s.store_track(rec, v.input, static_ids);
  const TrackOutcome second = s.store_track(rec, v.input, static_ids);
  const size_t n = v.input.events.size();
  CHECK(first.stored + first.duplicates == n);
  CHECK(second.stored + second.duplicates == n);
  CHECK(!first.session_id.empty() && !first.profile_id.empty());
  CHECK(!second.profile_id.empty());
  size_t without_id = 0;
  std::set<std::string> distinct;
  for (const auto& e : v.input.events) {
    if (e.id.empty())
      ++without_id;
    else
      distinct.insert(e.id);
  }
  CHECK(first.stored == without_id + distinct.size());  // each id once
  CHECK(second.stored == without_id);                   // ids sent before are not stored again
  if (v.input.session_id) {
    // A saved session keeps its profile: the retry lands on the same one.
    CHECK(first.session_id == *v.input.session_id);
    CHECK(second.session_id == first.session_id);
    CHECK(second.profile_id == first.profile_id);
  } else {
    CHECK(second.session_id != first.session_id);  // throw-away sessions are never reused
  }
  // What was stored reads back (the read API rebuilds documents from the stored text).
  const json stored = s.events(EventQuery{});
  CHECK(stored["total"] == first.stored + second.stored);
  for (const auto& e : stored["events"]) CHECK(e["properties"].is_object());
  CHECK(stored["copies"] == 0);  // client ids are unique when they are the stored ids
  // GET /summary: each id-less event is its own event (minted again on the retry), every id
  // one event received twice or more; a fuzzed time.create goes through SQLite's date parser.
  const size_t events_known = distinct.size() + 2 * without_id;
  const json sum = s.summary(std::nullopt);
  CHECK(sum["events"]["stored"] == stored["total"]);
  CHECK(sum["events"]["received"] == 2 * n);
  CHECK(sum["ids"]["total"] == events_known);
  CHECK(sum["ids"]["extra_copies"] == 2 * n - events_known);
  CHECK(sum["ids"]["once"] == 2 * without_id);
  int64_t in_buckets = 0;
  for (const auto& b : sum["delay_ms"]["buckets"]) in_buckets += b["count"].get<int64_t>();
  CHECK(sum["delay_ms"]["count"] == in_buckets);
  CHECK(in_buckets <= stored["total"].get<int64_t>());
  s.reset();

  // Minted ids: both posts store every event, nothing is a duplicate, and `copies` counts every
  // row with a client id beyond the first row of that id.
  Storage& m = minting_storage();
  const TrackOutcome m1 = m.store_track(rec, v.input, static_ids);
  const TrackOutcome m2 = m.store_track(rec, v.input, static_ids);
  CHECK(m1.stored == n && m2.stored == n);
  CHECK(m1.duplicates == 0 && m2.duplicates == 0);
  const json minted = m.events(EventQuery{});
  CHECK(minted["total"] == 2 * n);
  CHECK(minted["copies"] == 2 * (n - without_id) - distinct.size());
  for (const auto& e : minted["events"]) CHECK(e["duplicates"] == 0);
  // The same split by event as the client's ids give: copies are rows sharing a client id.
  const json msum = m.summary(std::nullopt);
  CHECK(msum["ids"]["total"] == events_known);
  CHECK(msum["ids"]["extra_copies"] == minted["copies"]);
  m.reset();
  return 0;
}
