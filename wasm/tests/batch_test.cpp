#include "tracker/batch.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenario_harness.hpp"

namespace tracker {
namespace {

std::string record(const std::string& type_json, const std::string& props, const std::string& opts,
                   double now, double created = 0, const std::string& r0 = "1") {
  const std::string us(1, field_separator);
  return type_json + us + props + us + opts + us + std::to_string(now) + us + std::to_string(now) + us +
         std::to_string(created) + us + r0 + us + "2" + us + "3" + us + "4294967295" +
         std::string(1, record_separator);
}

std::vector<std::vector<std::string>> split(const std::string& result) {
  std::vector<std::vector<std::string>> rows;
  std::size_t start = 0;
  while (start < result.size()) {
    const std::size_t end = result.find(record_separator, start);
    const std::string row = result.substr(start, end - start);
    const std::size_t sep = row.find(field_separator);
    rows.push_back({row.substr(0, sep), row.substr(sep + 1)});
    start = end + 1;
  }
  return rows;
}

TEST(Batch, TracksEveryRecordInOrderWithItsOwnTimes) {
  // An hour after the first record's own call time (older than the queue's 24 h is dropped).
  testing_support::Page p(testing_support::options(), 1600000000000.0 + 3600000);
  p.start();
  const double t0 = p.now;
  const std::string in = record("\"a\"", R"({"x":1})", "", t0, 1600000000000.0) +
                         record("\"b \\\"quoted\\\"\"", "", "", t0 + 1) + record("\"\"", "", "", t0 + 2);
  const auto rows = split(track_batch(p.core, in));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_GE(std::stoi(rows[0][0]), 0);
  EXPECT_GE(std::stoi(rows[1][0]), 0);
  EXPECT_LT(std::stoi(rows[2][0]), 0);
  EXPECT_NE(rows[2][1].find("track(type)"), std::string::npos);
  p.absorb(p.core.take_effects());
  p.load();
  ASSERT_EQ(p.sent.size(), 1u);
  const auto body = testing_support::Page::body(p.sent[0]);
  EXPECT_EQ(body["events"][0]["type"], "a");
  EXPECT_EQ(body["events"][0]["time"]["create"], "2020-09-13T12:26:40.000Z");
  EXPECT_EQ(body["events"][1]["type"], "b \"quoted\"");
}

// Every accepted event's id comes back (the deferred log line names it; the host correlates a
// fire event with the request that carries it, to hand the page its answer).
TEST(Batch, ReportsIdsOfAcceptedEventsAndFiresSingles) {
  testing_support::Page p;
  p.start();
  p.load();
  const auto rows = split(track_batch(p.core, record("\"click\"", "{}", "", p.now) +
                                                  record("\"now\"", "{}", R"({"fire":true})", p.now)));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(std::stoi(rows[0][0]) & track_deferred);
  EXPECT_TRUE(is_uuid4(rows[0][1]));
  EXPECT_FALSE(std::stoi(rows[1][0]) & track_deferred);
  EXPECT_TRUE(is_uuid4(rows[1][1]));
  p.absorb(p.core.take_effects());
  ASSERT_EQ(p.sent.size(), 1u);
  EXPECT_EQ(testing_support::Page::types(p.sent[0]), std::vector<std::string>{"now"});
  EXPECT_EQ(testing_support::Page::ids(p.sent[0]), std::vector<std::string>{rows[1][1]});
}

TEST(Batch, MalformedRecordsAreRejectedNotGuessed) {
  testing_support::Page p;
  p.start();
  const auto rows = split(track_batch(p.core, std::string("\"a\"\x1f{}") + record_separator + record("\"b\"", "", "", p.now)));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "-1");
  EXPECT_NE(rows[0][1].find("malformed"), std::string::npos);
  EXPECT_GE(std::stoi(rows[1][0]), 0);
  EXPECT_TRUE(track_batch(p.core, "").empty());
}

// Entropy words outside uint32 (a buggy or hostile host) are read as 0, never cast (UB: the
// sanitizer build aborts on it).
TEST(Batch, EntropyWordsOutOfRangeAreNotUndefinedBehaviour) {
  testing_support::Page p;
  p.start();
  const auto rows = split(track_batch(p.core, record("\"a\"", "{}", "", p.now, 0, "1e300") +
                                                  record("\"b\"", "{}", "", p.now, 0, "-5") +
                                                  record("\"c\"", "{}", "", p.now, 0, "nan") +
                                                  record("\"d\"", "{}", "", p.now, 0, "4294967296")));
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& row : rows) EXPECT_GE(std::stoi(row[0]), 0);
}

}  // namespace
}  // namespace tracker
