// Events far over the keepalive budget (issue 11: Tracardi accepts them, so must we) are sent on a
// plain fetch, alone, and never on keepalive/beacon, and never hold back the events behind them.
#include <algorithm>

#include "scenario_harness.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace {

using testing_support::json;
using testing_support::ok_body;
using testing_support::options;
using testing_support::Page;

std::string props_of(std::size_t bytes) { return "{\"s\":\"" + std::string(bytes, 'x') + "\"}"; }

TEST(LargeEvent, AcceptsHalfAMegabyte) {
  static_assert(policy::max_event_bytes >= 512 * 1024, "issue 11: events up to at least 512 KB");
  Page p;
  p.start();
  EXPECT_GE(p.track("big", props_of(500 * 1024)), 0);
  EXPECT_LT(p.track("huge", props_of(policy::max_event_bytes + 1)), 0);
}

TEST(LargeEvent, GoesAloneOnFetchAndIsAcked) {
  Page p;
  p.start();
  p.track("small");
  p.track("big", props_of(400 * 1024));
  p.track("after");
  p.load();
  ASSERT_GE(p.sent.size(), 1u);
  // Small batches ride keepalive (within its live share); the big one never does.
  for (const auto& s : p.sent)
    if (Page::types(s) == std::vector<std::string>{"big"}) EXPECT_EQ(s.transport, Transport::fetch);
  while (!p.sent.empty() && p.core.stats().queued > 0) {
    const auto s = p.sent.back();
    if (Page::types(s) == std::vector<std::string>{"big"}) EXPECT_EQ(s.event_count, 1u);
    p.respond(s, 200, ok_body());
    if (p.core.stats().queued == 0) break;
    p.advance(10);
  }
  EXPECT_EQ(p.core.stats().acked, 3u);
}

TEST(LargeEvent, NeverRidesKeepaliveOrBeaconAndDoesNotBlockOthersOnLeave) {
  for (const char* extra : {"", R"(,"settings":{"transport":"beacon"})"}) {
    Page p(options(extra));
    p.start(R"({"origin":"http://collector.test"})");
    // Before the load event nothing but the asBeacon event leaves: the rest wait for the leave.
    p.track("big", props_of(400 * 1024));
    p.track("small-1");
    p.track("big-beacon", props_of(100 * 1024), R"({"asBeacon":true})");
    p.track("small-2");
    ASSERT_EQ(p.sent.size(), 1u) << extra;
    EXPECT_EQ(Page::types(p.sent[0]), std::vector<std::string>{"big-beacon"});
    EXPECT_EQ(p.sent[0].transport, Transport::fetch) << extra;
    p.sent.clear();
    p.leave();
    std::vector<std::string> unload_safe;
    for (const auto& s : p.sent) {
      if (s.transport == Transport::fetch) continue;
      EXPECT_LE(s.body.size(), policy::keepalive_budget_bytes);
      for (const auto& t : Page::types(s)) unload_safe.push_back(t);
    }
    std::sort(unload_safe.begin(), unload_safe.end());
    EXPECT_EQ(unload_safe, (std::vector<std::string>{"small-1", "small-2"})) << extra;
    // The large ones wait in the snapshot for the next page.
    const json snap = json::parse(p.core.snapshot());
    std::vector<std::string> kept;
    for (const auto& e : snap["events"]) kept.push_back(e["e"]["type"].get<std::string>());
    EXPECT_NE(std::find(kept.begin(), kept.end(), "big"), kept.end()) << extra;
  }
}

}  // namespace
}  // namespace tracker
