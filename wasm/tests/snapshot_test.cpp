#include "snapshot.hpp"

#include <gtest/gtest.h>

#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

TEST(Snapshot, RoundTrips) {
  EventQueue q;
  QueuedEvent a;
  a.id = "id-a";
  a.json = R"({"id":"id-a","type":"t","properties":{"x":"\u2028"}})";
  a.attempts = 3;
  a.enqueued_ms = 1700000000123.0;
  q.push(QueuedEvent(a), 10, 100000);
  const std::string text = write_snapshot(q);
  RestoredQueue r = read_snapshot(text);
  EXPECT_TRUE(r.warning.empty());
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].id, "id-a");
  EXPECT_EQ(r.events[0].attempts, 3);
  EXPECT_EQ(r.events[0].enqueued_ms, 1700000000123.0);
  EXPECT_TRUE(r.events[0].due);
}

// The snapshot's numbers are read without strtod (decimal.hpp); what a snapshot can hold keeps its
// value, and odd forms read as strtoll/strtod read them.
TEST(Snapshot, NumbersKeepTheirValues) {
  const auto one = [](const std::string& a, const std::string& t) {
    RestoredQueue r = read_snapshot(R"({"v":1,"events":[{"a":)" + a + R"(,"t":)" + t +
                                    R"(,"e":{"id":"i","type":"x"}}]})");
    EXPECT_EQ(r.events.size(), 1u) << a << " " << t;
    return r.events.empty() ? QueuedEvent{} : r.events[0];
  };
  EXPECT_EQ(one("0", "1764540000000").enqueued_ms, 1764540000000.0);
  EXPECT_EQ(one("0", "1764540000000.123").enqueued_ms, 1764540000000.123);
  EXPECT_EQ(one("0", "8999999999999999").enqueued_ms, 8999999999999999.0);
  EXPECT_EQ(one("0", "1.764540000000123e12").enqueued_ms, 1764540000000.123);
  EXPECT_EQ(one("0", "-5").enqueued_ms, -5.0);
  EXPECT_EQ(one("3", "0").attempts, 3);
  EXPECT_EQ(one("2.9", "0").attempts, 2);   // strtoll stopped at the point
  EXPECT_EQ(one("1e2", "0").attempts, 1);   // and at the exponent
  EXPECT_EQ(one("-4", "0").attempts, 0);
  EXPECT_EQ(one("99999999999999999999999", "0").attempts, policy::max_attempts);
}

TEST(Snapshot, EmptyInputIsSilent) {
  RestoredQueue r = read_snapshot("");
  EXPECT_TRUE(r.events.empty());
  EXPECT_TRUE(r.warning.empty());
}

TEST(Snapshot, CorruptTruncatedOrUnknownVersionStartsEmptyWithWarning) {
  EventQueue q;
  QueuedEvent a;
  a.id = "x";
  a.json = R"({"id":"x","type":"t"})";
  q.push(QueuedEvent(a), 10, 1000);
  const std::string good = write_snapshot(q);
  for (const std::string& bad : {std::string("{not json"), good.substr(0, good.size() / 2),
                                 std::string(R"({"v":2,"events":[]})"), std::string(R"({"v":"1"})"),
                                 std::string("[]"), std::string(R"({"v":1})")}) {
    RestoredQueue r = read_snapshot(bad);
    EXPECT_TRUE(r.events.empty()) << bad;
    EXPECT_FALSE(r.warning.empty()) << bad;
  }
}

TEST(Snapshot, SkipsInvalidEntriesKeepsValidOnes) {
  RestoredQueue r = read_snapshot(
      R"({"v":1,"events":[{"a":1,"t":5,"e":{"id":"ok","type":"t"}},{"e":{"type":"t"}},7,{"a":-4,"e":{"id":"y","type":"t"}}]})");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].attempts, 0);
  EXPECT_FALSE(r.warning.empty());
}

// Every way an entry can miss what an event needs, between valid ones that keep their order and
// fields (the last of a repeated key counts); a document that breaks after valid entries keeps none.
TEST(Snapshot, ReadsEachEntryIntoItsEventAndDropsTheUnusable) {
  RestoredQueue r = read_snapshot(
      R"({"v":1,"events":[{"a":2,"t":7,"e":{"id":"a","type":"t"}},)"
      R"({"e":{"id":"b","type":""}},{"e":{"id":"c"}},{"e":{"id":"d","type":"t","type":""}},)"
      R"({"e":{"id":"e","type":1}},{"e":{"type":"t"}},{"a":1,"e":"{}"},[1],"x",)"
      R"({"a":1,"a":3,"t":9,"e":{"id":"f","type":"","type":"t"}}]})");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].id, "a");
  EXPECT_EQ(r.events[0].attempts, 2);
  EXPECT_EQ(r.events[0].enqueued_ms, 7);
  EXPECT_EQ(r.events[0].json, R"({"id":"a","type":"t"})");
  EXPECT_EQ(r.events[1].id, "f");
  EXPECT_EQ(r.events[1].attempts, 3);
  EXPECT_EQ(r.events[1].enqueued_ms, 9);
  EXPECT_TRUE(r.events[1].due);
  EXPECT_EQ(r.warning, "stored queue: discarded 8 unreadable entries");
  const RestoredQueue broken = read_snapshot(R"({"v":1,"events":[{"e":{"id":"a","type":"t"}}],)");
  EXPECT_TRUE(broken.events.empty());
  EXPECT_EQ(broken.warning, "stored queue is corrupt; starting with an empty queue");
}

}  // namespace
}  // namespace detail
}  // namespace tracker
