// The fate log (issue 23): every path an event can take leaves its steps, the last one its
// current fate, and the log stays bounded.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "scenario_harness.hpp"
#include "tracker/fates.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {
namespace {

using json = nlohmann::json;
using testing_support::options;
using testing_support::Page;

// The log's lines, each parsed (a line that is not JSON fails the test).
std::vector<json> lines(const Tracker& core) {
  std::vector<json> out;
  std::istringstream in(core.fates());
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << line;
    out.push_back(std::move(j));
  }
  return out;
}

// The steps of one event, in order.
std::vector<json> steps(const Tracker& core, const std::string& id) {
  std::vector<json> out;
  for (json& j : lines(core))
    if (j["id"] == id) out.push_back(std::move(j));
  return out;
}

std::vector<std::string> names(const std::vector<json>& s) {
  std::vector<std::string> out;
  for (const json& j : s) out.push_back(j["step"]);
  return out;
}

using V = std::vector<std::string>;

// The event's steps, checked to end in a drop for `reason`.
std::vector<json> expect_dropped(const Tracker& core, const std::string& id, const std::string& reason) {
  const auto s = steps(core, id);
  EXPECT_FALSE(s.empty()) << id << " has no fate";
  if (s.empty()) return s;
  EXPECT_EQ(s.back()["step"], "dropped");
  EXPECT_EQ(s.back()["reason"], reason);
  return s;
}

TEST(Fates, AnAckedEventIsQueuedSentAndAcked) {
  Page p;
  p.start();
  p.track("page-view");
  const std::string id = p.core.last_event_id();
  p.load();
  ASSERT_EQ(p.sent.size(), 1u);
  p.respond_last(200);
  const auto s = steps(p.core, id);
  EXPECT_EQ(names(s), (V{"queued", "sent", "acked"}));
  EXPECT_EQ(s[0]["type"], "page-view");
  EXPECT_FALSE(s[0].contains("fire"));
  EXPECT_EQ(s[1]["request"], p.sent[0].request_id);
  EXPECT_EQ(s[1]["transport"], to_string(p.sent[0].transport));
  EXPECT_EQ(s[2]["status"], 200);
  EXPECT_EQ(s[0]["at"], static_cast<std::int64_t>(p.clock().wall_ms));
}

TEST(Fates, AFireSaysSo) {
  Page p;
  p.start();
  p.track("click", "{}", R"({"fire":true})");
  const auto s = steps(p.core, p.core.last_event_id());
  ASSERT_EQ(names(s), (V{"queued", "sent"}));
  EXPECT_EQ(s[0]["fire"], 1);
}

TEST(Fates, ARetryGivesTheStatusTheWaitAndTheAttempts) {
  Page p;
  p.start();
  p.track("page-view");
  const std::string id = p.core.last_event_id();
  p.load();
  p.respond_last(503);
  auto s = steps(p.core, id);
  ASSERT_EQ(names(s), (V{"queued", "sent", "retry"}));
  EXPECT_EQ(s[2]["status"], 503);
  EXPECT_EQ(s[2]["attempts"], 1);
  const double wait = s[2]["wait"];
  EXPECT_GE(wait, 750);  // 1 s +- 25 %
  EXPECT_LE(wait, 1250);
  EXPECT_EQ(wait, static_cast<std::int64_t>(p.core.stats().backoff_until_ms - p.now));
  p.advance(2000);
  p.respond_last(200);
  EXPECT_EQ(names(steps(p.core, id)), (V{"queued", "sent", "retry", "sent", "acked"}));
}

TEST(Fates, NoAnswerIsARetryWithStatusZero) {
  Page p;
  p.start();
  p.track("page-view");
  p.load();
  p.respond_last(status_no_answer);
  const auto s = steps(p.core, p.core.last_event_id());
  ASSERT_EQ(names(s).back(), "retry");
  EXPECT_EQ(s.back()["status"], 0);
}

TEST(Fates, ARefusalIsDroppedWithTheServersReason) {
  Page p;
  p.start();
  p.track("page-view");
  p.load();
  p.respond_last(422, R"({"detail":"Invalid event source"})");
  const auto s = steps(p.core, p.core.last_event_id());
  ASSERT_EQ(names(s), (V{"queued", "sent", "dropped"}));
  EXPECT_EQ(s[2]["reason"], "rejected_422");
  EXPECT_NE(s[2]["detail"].get<std::string>().find("Invalid event source"), std::string::npos);
}

TEST(Fates, ATooLargeSingleEventIsDropped) {
  Page p;
  p.start();
  p.track("page-view");
  p.load();
  p.respond_last(413);
  expect_dropped(p.core, p.core.last_event_id(), "too_large");
}

TEST(Fates, ASplitBatchIsRetriedAtOnce) {
  Page p;
  p.start();
  p.track("a");
  const std::string a = p.core.last_event_id();
  p.track("b");
  p.load();
  p.respond_last(413);
  const auto s = steps(p.core, a);
  ASSERT_GE(s.size(), 3u);
  EXPECT_EQ(s[2]["step"], "retry");
  EXPECT_EQ(s[2]["status"], 413);
  EXPECT_EQ(s[2]["wait"], 0);
  EXPECT_EQ(s.back()["step"], "sent") << "sent again in a smaller batch";
}

TEST(Fates, TheRetryBudgetUsedUpIsADrop) {
  Page p;
  p.start();
  p.track("page-view");
  const std::string id = p.core.last_event_id();
  p.load();
  for (int i = 0; i < policy::max_attempts && !p.sent.empty(); ++i) {
    p.respond_last(500);
    p.advance(policy::backoff_cap_ms * 2);
  }
  expect_dropped(p.core, id, "max_attempts");
}

TEST(Fates, AnEventPastItsAgeIsDroppedAsExpired) {
  Page p;
  p.start();
  p.online(false);
  p.track("page-view");
  const std::string id = p.core.last_event_id();
  p.load();
  p.advance(policy::max_event_age_ms + 60000);
  p.hide();  // a hidden page sends what it may, and drops what is past its age first
  expect_dropped(p.core, id, "expired");
}

TEST(Fates, AKeptCallOlderThanADayIsDroppedAtOnce) {
  Page p;
  p.start();
  const Clock c = p.clock();
  p.core.track("old", "{}", "", c, c.wall_ms - policy::max_event_age_ms - 1000, p.entropy());
  const auto s = steps(p.core, p.core.last_event_id());
  ASSERT_EQ(names(s), (V{"dropped"}));
  EXPECT_EQ(s[0]["reason"], "expired");
}

TEST(Fates, TheQueueBoundDropsTheOldestAndSaysSo) {
  Page p;
  p.start();
  p.online(false);
  p.track("first");
  const std::string first = p.core.last_event_id();
  for (std::size_t i = 0; i < policy::max_queued_events; ++i) p.track("more");
  EXPECT_EQ(p.core.stats().dropped.at("queue_full"), 1u);
  expect_dropped(p.core, first, "queue_full");
}

TEST(Fates, HeldForConsentThenQueuedThenSent) {
  Page p(options(R"(,"settings":{"consent":"pending"})"));
  p.start();
  p.track("page-view");
  const std::string id = p.core.last_event_id();
  p.load();
  EXPECT_EQ(names(steps(p.core, id)), (V{"held"}));
  p.core.set_consent(Consent::granted, p.clock());
  p.absorb(p.core.take_effects());
  EXPECT_EQ(names(steps(p.core, id)), (V{"held", "queued", "sent"}));
}

TEST(Fates, DeniedConsentDropsWhatWasHeldAndWhatComesAfter) {
  Page p(options(R"(,"settings":{"consent":"pending"})"));
  p.start();
  p.track("page-view");
  const std::string held = p.core.last_event_id();
  p.core.set_consent(Consent::denied, p.clock());
  p.absorb(p.core.take_effects());
  p.track("later");
  const std::string later = p.core.last_event_id();
  for (const std::string& id : {held, later}) expect_dropped(p.core, id, "consent");
}

TEST(Fates, ABeaconHandOffIsItsOwnFate) {
  Page p;
  p.start();
  p.track("bye", "{}", R"({"asBeacon":true})");
  const std::string id = p.core.last_event_id();
  ASSERT_FALSE(p.sent.empty());
  p.respond_last(status_handed_off);
  EXPECT_EQ(names(steps(p.core, id)).back(), "beacon");
}

TEST(Fates, AFollowerHandsItsEventsToTheLeader) {
  Page p;
  p.start();
  p.load();
  p.role(Role::follower);
  p.track("later");
  const std::string id = p.core.last_event_id();
  TrackerTestAccess::hand_over(p.core, true, p.clock());
  p.absorb(p.core.take_effects());
  EXPECT_EQ(names(steps(p.core, id)), (V{"queued", "handed"}));
}

TEST(Fates, AnEventTakenInFromStorageIsRestored) {
  Page a;
  a.start();
  a.online(false);
  a.track("kept");
  const std::string id = a.core.last_event_id();
  Page b;
  b.start("{}", a.core.snapshot());
  EXPECT_EQ(names(steps(b.core, id)), (V{"restored"}));
}

TEST(Fates, TheLogIsBoundedAndKeepsWholeLines) {
  Page p;
  p.start();
  p.load();
  for (int i = 0; i < 2000; ++i) {
    p.track("e", "{}", R"({"fire":true})");
    if (!p.sent.empty()) p.respond_last(200);
    ASSERT_LE(p.core.fates().size(), 2 * policy::fate_log_bytes);
  }
  EXPECT_GE(p.core.fates().size(), policy::fate_log_bytes / 2);
  const auto all = lines(p.core);  // each parses
  EXPECT_EQ(all.back()["step"], "acked");
  EXPECT_EQ(p.core.fates().back(), '\n');
}

TEST(FateLog, AnOddClockAndAnOddIdStayValidJson) {
  detail::FateLog log;
  log.note("a\"b\n", detail::Fate::dropped, -5, -1, -1, -1, "r", "with \"quotes\"\n");
  log.note("x", detail::Fate::retry, 1e300, 0, 5, 1);
  std::istringstream in(log.text());
  std::string line;
  std::vector<json> got;
  while (std::getline(in, line)) got.push_back(json::parse(line));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["id"], "a\"b\n");
  EXPECT_EQ(got[0]["at"], 0);
  EXPECT_EQ(got[0]["detail"], "with \"quotes\"\n");
  EXPECT_EQ(got[1]["at"], 0);
  EXPECT_EQ(got[1]["status"], 0);
  EXPECT_EQ(got[1]["wait"], 5);
}

}  // namespace
}  // namespace tracker
