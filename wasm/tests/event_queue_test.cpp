#include "event_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "tracker/flat_map.hpp"

namespace tracker {
namespace detail {
namespace {

QueuedEvent ev(const std::string& id, std::size_t size = 10) {
  QueuedEvent e;
  e.id = id;
  e.json = std::string(size, 'x');
  return e;
}

TEST(EventQueue, AssignsIncreasingSeqAndFinds) {
  EventQueue q;
  q.push(ev("a"), 10, 1000);
  q.push(ev("b"), 10, 1000);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.find(1)->id, "a");
  EXPECT_EQ(q.find(2)->id, "b");
  EXPECT_EQ(q.find(3), nullptr);
  EXPECT_EQ(q.bytes(), 20u);
}

TEST(EventQueue, DropsOldestPastCountBound) {
  EventQueue q;
  std::size_t dropped = 0;
  for (int i = 0; i < 5; ++i) dropped += q.push(ev(std::to_string(i)), 3, 1000);
  EXPECT_EQ(dropped, 2u);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.events().front().id, "2");
}

TEST(EventQueue, DropsOldestPastByteBoundButKeepsNewest) {
  EventQueue q;
  q.push(ev("a", 40), 10, 100);
  q.push(ev("b", 40), 10, 100);
  EXPECT_EQ(q.push(ev("c", 40), 10, 100), 1u);
  EXPECT_EQ(q.events().front().id, "b");
  EXPECT_EQ(q.push(ev("huge", 500), 10, 100), 2u);  // never drops the event just added
  EXPECT_EQ(q.size(), 1u);
}

TEST(EventQueue, EraseKeepsBytesExact) {
  EventQueue q;
  q.push(ev("a", 5), 10, 1000);
  q.push(ev("b", 7), 10, 1000);
  EXPECT_TRUE(q.erase(1));
  EXPECT_FALSE(q.erase(1));
  EXPECT_EQ(q.bytes(), 7u);
}

}  // namespace
}  // namespace detail
}  // namespace tracker

namespace tracker {
namespace detail {
namespace {

TEST(EventQueue, NeverDropsEventsThatAreInFlight) {
  EventQueue q;
  q.push(ev("a"), 3, 1000);
  q.push(ev("b"), 3, 1000);
  q.set_owner(*q.find(1), 7);  // "a" is on the wire
  q.push(ev("c"), 3, 1000);
  EXPECT_EQ(q.push(ev("d"), 3, 1000), 1u);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.events()[0].id, "a");
  EXPECT_EQ(q.events()[1].id, "c");
  q.set_owner(*q.find(3), 7);
  q.set_owner(*q.find(4), 7);
  EXPECT_EQ(q.push(ev("e"), 3, 1000), 0u);  // nothing left to drop but the new one: kept
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.pending(), 1u);
  EXPECT_TRUE(q.counts_match());
}

// requests_ appends ids from a counter: ascending, except once the 32-bit counter wraps.
TEST(FlatMap, AppendKeepsKeysSortedAcrossAWrap) {
  FlatMap<std::uint32_t, std::string> m;
  m.append(0xFFFFFFFEu) = "a";
  m.append(0xFFFFFFFFu) = "b";
  m.append(0u) = "c";
  m.append(1u) = "d";
  std::string order;
  std::uint32_t last = 0;
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      EXPECT_LT(last, k);
    }
    first = false;
    last = k;
    order += v;
  }
  EXPECT_EQ(order, "cdab");
  EXPECT_EQ(m.at(0xFFFFFFFFu), "b");
  EXPECT_EQ(m.at(1u), "d");
  EXPECT_EQ(m.erase(0u), 1u);
  EXPECT_EQ(m.at(0xFFFFFFFEu), "a");
  EXPECT_EQ(m.size(), 3u);
}

}  // namespace
}  // namespace detail
}  // namespace tracker
