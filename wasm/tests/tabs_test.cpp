// One browser, many tabs: the follower role, hand-over to the leader, one session across tabs.
#include <set>

#include "scenario_harness.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace {

using testing_support::ok_body;
using testing_support::Page;

std::size_t events_in(const std::string& snapshot) {
  return testing_support::json::parse(snapshot)["events"].size();
}

// A loaded follower whose fire f1 failed with a 503: in backoff, f1 handed over to the leader.
void follower_in_backoff(Page& p) {
  p.role(Role::follower);
  p.start();
  p.load();
  p.track("f1", "{}", R"({"fire":true})");
  p.respond_last(503);
}

TEST(Tabs, FollowerSendsItsLoadBatchAndFiresAndHandsOverTheRest) {
  Page p;
  p.role(Role::follower);
  p.start();
  p.track("page-view");
  p.track("fired", "{}", R"({"fire":true})");
  ASSERT_EQ(p.sent.size(), 1u);  // the fire, alone, at once
  p.respond_last(200, ok_body());
  p.load();
  ASSERT_EQ(p.sent.size(), 2u);  // this page's load batch: its answer is this page's
  EXPECT_EQ(Page::types(p.sent[1]), std::vector<std::string>{"page-view"});
  EXPECT_TRUE(p.handovers.empty());
  p.respond_last(200, ok_body());
  p.track("later");  // deferred: the leader's to batch
  ASSERT_EQ(p.handovers.size(), 1u);
  EXPECT_EQ(events_in(p.handovers[0]), 1u);
  EXPECT_NE(p.handovers[0].find("\"later\""), std::string::npos);
  p.advance(60000);
  EXPECT_EQ(p.sent.size(), 2u);  // never sent by the follower
  const Stats s = p.core.stats();
  EXPECT_EQ(s.transferred, 1u);
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.acked, 2u);
  EXPECT_EQ(p.persists, 0) << "a follower never asks for its queue to be persisted";
}

// The binding's JSON form of take_effects(): the same effects, and a follower's never persist.
TEST(Tabs, EffectsJsonIsTheTakenEffectsWrittenOut) {
  Page leader, follower;
  follower.role(Role::follower);
  for (Page* p : {&leader, &follower}) {
    p->start();
    p->core.track("e", "{}", "", p->clock(), 0, Entropy{{1, 2, 3, 4}});
  }
  Page twin;  // the leader again, read through take_effects()
  twin.start();
  twin.core.track("e", "{}", "", twin.clock(), 0, Entropy{{1, 2, 3, 4}});
  const std::string json = leader.core.take_effects_json();
  EXPECT_NE(json.find("\"persist\":true"), std::string::npos);
  EXPECT_EQ(json, effects_to_json(twin.core.take_effects()));
  EXPECT_EQ(follower.core.take_effects_json().find("persist"), std::string::npos);
  EXPECT_EQ(leader.core.take_effects_json(), "{}");
}

// Two hand-overs before the host takes the effects: one snapshot, the second's entries after the
// first's, each event once.
TEST(Tabs, SecondHandOverInOneCallContinuesTheFirstsList) {
  Page p;
  p.role(Role::follower);
  p.start();
  const Entropy e{{1, 2, 3, 4}};
  p.core.track("first", "{}", "", p.clock(), 0, e);  // before load: local, this page sends it
  TrackerTestAccess::hand_over(p.core, true);
  p.core.track("second", "{}", "", p.clock(), 0, Entropy{{5, 6, 7, 8}});
  TrackerTestAccess::hand_over(p.core, true);
  const Effects fx = p.core.take_effects();
  EXPECT_EQ(fx.handover_events, 2u);
  const auto doc = testing_support::json::parse(fx.handover);
  ASSERT_EQ(doc["events"].size(), 2u);
  EXPECT_EQ(doc["events"][0]["e"]["type"], "first");
  EXPECT_EQ(doc["events"][1]["e"]["type"], "second");
  Page leader;
  leader.start();
  leader.adopt(fx.handover);
  EXPECT_EQ(leader.core.stats().restored, 2u);
}

// Events handed over leave the follower's queue with their bytes: a count left behind would grow
// with every hand-over until the byte bound made each new event push out the pending ones.
TEST(Tabs, HandedOverEventsLeaveTheQueuesByteCount) {
  Page p;
  p.role(Role::follower);
  p.start();
  p.load();
  p.track("later", R"({"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
  ASSERT_EQ(p.handovers.size(), 1u);
  const Stats s = p.core.stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.queued_bytes, 0u);
}

TEST(Tabs, FollowersFailedAttemptIsRetriedByTheLeaderExactlyOnce) {
  Page follower;
  follower.role(Role::follower);
  follower.start();
  for (int i = 0; i < 3; ++i) follower.track("pv");
  follower.load();
  ASSERT_EQ(follower.sent.size(), 1u);
  follower.respond_last(503);
  ASSERT_EQ(follower.handovers.size(), 1u);
  EXPECT_EQ(follower.core.stats().queued, 0u);
  EXPECT_EQ(follower.core.stats().transferred, 3u);
  follower.advance(120000);
  EXPECT_EQ(follower.sent.size(), 1u) << "the follower never retries";

  Page leader;
  leader.start();
  leader.load();
  leader.adopt(follower.handovers[0]);
  leader.adopt(follower.handovers[0]);  // a re-posted hand-over: deduplicated by id
  EXPECT_EQ(leader.core.stats().restored, 3u);
  leader.advance(10000);
  ASSERT_EQ(leader.sent.size(), 1u);
  EXPECT_EQ(Page::ids(leader.sent[0]), Page::ids(follower.sent[0]));
  leader.respond_last(200, ok_body());
  EXPECT_EQ(leader.core.stats().acked, 3u);
  EXPECT_GT(leader.persists, 0);
}

TEST(Tabs, AttemptsTravelWithTheHandOver) {
  Page follower;
  follower.role(Role::follower);
  follower.start();
  follower.track("pv");
  follower.load();
  follower.respond_last(500);  // a bare 500 costs 3 of the 10 units
  ASSERT_EQ(follower.handovers.size(), 1u);
  EXPECT_NE(follower.handovers[0].find("\"a\":3"), std::string::npos);
}

TEST(Tabs, HiddenFollowerHandsOverWhatWaitsForBackoff) {
  Page p;
  follower_in_backoff(p);  // the next fire waits
  p.track("f2", "{}", R"({"fire":true})");
  EXPECT_EQ(p.sent.size(), 1u);
  EXPECT_EQ(p.core.stats().queued, 1u);  // f2: still this page's first attempt
  p.hide();
  EXPECT_EQ(p.core.stats().queued, 0u);
  EXPECT_EQ(p.handed_over_events, 2u);
}

TEST(Tabs, PageLeaveHandsOverAPlainFetchThatDiesWithThePage) {
  Page p;
  follower_in_backoff(p);
  p.advance(60000);  // backoff over
  // Past the live share of the keepalive budget: on a plain fetch.
  p.track("f2", R"({"pad":")" + std::string(policy::live_keepalive_budget_bytes, 'x') + R"("})", R"({"fire":true})");
  ASSERT_EQ(p.sent.back().transport, Transport::fetch);
  p.respond(p.sent.back(), 503);
  p.track("f3", "{}", R"({"fire":true})");  // waits for the backoff
  p.leave();
  // In an outage a leaving follower sends nothing, f3 (never tried) included: the leader tab,
  // which outlives it, retries them (a first attempt into the outage could only be lost).
  EXPECT_EQ(p.core.stats().queued, 0u);
  EXPECT_EQ(p.handed_over_events, 3u);
}

TEST(Tabs, DemotionHandsOverEverythingPendingAndPromotionPersists) {
  Page p;
  p.start();
  for (int i = 0; i < 5; ++i) p.track("e");
  const int persists = p.persists;
  p.role(Role::follower);
  ASSERT_EQ(p.handovers.size(), 1u);
  EXPECT_EQ(events_in(p.handovers[0]), 5u);
  EXPECT_EQ(p.core.stats().queued, 0u);
  p.role(Role::leader);
  EXPECT_GT(p.persists, persists);
}

TEST(Tabs, AnotherTabsSessionIsAdoptedAndKeepsAnIdleTabInIt) {
  Page a;
  a.start(R"({"session":"11111111-1111-4111-8111-111111111111"})");
  a.load();
  a.advance(policy::session_ttl_ms + 60000);  // idle past the session's life ...
  a.core.observe_session("22222222-2222-4222-8222-222222222222", a.clock());  // ... but B kept it
  a.track("e");
  ASSERT_TRUE(a.identity);
  EXPECT_EQ(a.identity->session_id, "22222222-2222-4222-8222-222222222222");
  a.flush();
  EXPECT_EQ(Page::body(a.sent.back())["session"]["id"], "22222222-2222-4222-8222-222222222222");
}

TEST(Tabs, SessionIsMintedOnlyWhenTheCookieIsGoneAndTheTabIdle) {
  Page a;
  a.start(R"({"session":"11111111-1111-4111-8111-111111111111"})");
  a.core.observe_session("", a.clock());
  a.track("e");
  EXPECT_EQ(a.identity->session_id, "11111111-1111-4111-8111-111111111111");
  a.advance(policy::session_ttl_ms + 1000);
  a.core.observe_session("", a.clock());
  a.core.observe_session("not a valid id\"", a.clock());
  a.track("e");
  EXPECT_NE(a.identity->session_id, "11111111-1111-4111-8111-111111111111");
}

// The session cookie is the core's decision (sessionCookie): the host writes what it returns.
constexpr const char* kX = "11111111-1111-4111-8111-111111111111";

TEST(SessionCookie, ANewSessionIsWrittenOnceAndSlidAtMostOnceAMinuteAfterActivity) {
  Page a;
  a.start("{}");
  const std::string minted = a.core.session_cookie("", false, a.clock());
  ASSERT_FALSE(minted.empty()) << "a session minted here is written";
  EXPECT_EQ(a.core.session_cookie("", false, a.clock()), "") << "once: a refused write (blocked cookies) is not retried per call";
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), "") << "no activity since the write";
  a.advance(1000);
  a.track("e");
  a.advance(29000);
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), "") << "within the minute";
  a.advance(31000);
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), minted) << "activity, and a minute since the write";
  a.advance(120000);
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), "") << "no activity since";
  EXPECT_EQ(a.core.session_cookie(minted, true, a.clock()), minted) << "leaving: the expiry counts from now";
}

TEST(SessionCookie, ASessionIdlePastItsLifeIsNotWrittenBackByAHideOrALeave) {
  Page a;
  a.start(std::string(R"({"session":")") + kX + "\"}");
  a.track("e");
  a.wall_shift += 2 * 3600 * 1000.0;  // a laptop's lid closed for 2 h: the wall clock jumps, the cookie is gone
  EXPECT_EQ(a.core.session_cookie("", true, a.clock()), "") << "the visit ended: not revived";
  a.hide();
  EXPECT_EQ(a.core.session_cookie("", true, a.clock()), "");
  a.track("e");  // the visitor is back: a new session, written
  ASSERT_TRUE(a.identity);
  EXPECT_NE(a.identity->session_id, kX);
  EXPECT_EQ(a.core.session_cookie("", false, a.clock()), a.identity->session_id);
}

TEST(SessionCookie, ASiblingsLiveCookieIsAdoptedNeverOverwritten) {
  Page a;
  a.start(std::string(R"({"session":")") + kX + "\"}");
  a.track("e");
  a.advance(policy::session_ttl_ms + 60000);  // idle here, but another tab kept the visit going
  const std::string y = "22222222-2222-4222-8222-222222222222";
  EXPECT_EQ(a.core.session_cookie(y, true, a.clock()), y) << "a slide of the live cookie, which holds the adopted session";
  EXPECT_EQ(a.core.session_cookie(y, true, a.clock()), "") << "at most once a minute";
  a.track("e");
  ASSERT_TRUE(a.identity);
  EXPECT_EQ(a.identity->session_id, y);
  // The cookie the tab last saw expires; the tab is active again within the session's life: its
  // session, live here, is the visit's.
  a.advance(1000);
  EXPECT_EQ(a.core.session_cookie("", false, a.clock()), "") << "a cookie gone is not written back for the session it held";
}

// The browser computes the cookie's expiry from its wall clock at the write, so a slide is due a
// minute after the write by either clock: a wall clock set forward (NTP, a time-zone fix) ages the
// cookie as the browser sees it while the monotonic clock hardly moves. Before, only the
// monotonic minute counted, and a device that then slept lost a visit its own idle clock kept
// (the multi-tab harness, adversarial seed 3).
TEST(SessionCookie, ASlideIsDueAMinuteAfterTheWriteByEitherClock) {
  Page a;
  a.start("{}");
  const std::string minted = a.core.session_cookie("", false, a.clock());
  ASSERT_FALSE(minted.empty());
  a.wall_shift += 5 * 60 * 1000.0;  // the wall clock set 5 minutes forward
  a.advance(4000);
  a.track("e");
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), minted) << "the cookie is 5 minutes old to the browser";
  a.advance(4000);
  a.track("e");
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), "") << "within the minute by both clocks";
  a.wall_shift -= 10 * 60 * 1000.0;  // set back: the cookie's expiry is later than it needs, no slide yet
  a.advance(4000);
  a.track("e");
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), "");
  a.advance(60000);
  EXPECT_EQ(a.core.session_cookie(minted, false, a.clock()), minted) << "the monotonic minute";
}

// A session this tab only read (a sibling's cookie adopted) is the cookie's, not this tab's to
// write: once the cookie is gone, an idle tab does not write it back (the visit ended with it).
// Before, an adopted session counted as new, and an idle tab revived it after its cookie expired
// (the multi-tab harness, adversarial seed 3: 207 s after).
TEST(SessionCookie, AnAdoptedSessionIsNotWrittenBackOnceItsCookieIsGone) {
  Page a;
  a.start("{}");
  const std::string minted = a.core.session_cookie("", false, a.clock());
  ASSERT_FALSE(minted.empty());
  const std::string y = "22222222-2222-4222-8222-222222222222";
  a.advance(1000);
  EXPECT_EQ(a.core.session_cookie(y, false, a.clock()), "") << "adopted, no activity here: the sibling's cookie holds it";
  a.advance(10 * 60 * 1000.0);
  EXPECT_EQ(a.core.session_cookie("", false, a.clock()), "") << "its cookie gone: not revived by a tab that only read it";
  EXPECT_EQ(a.core.session_cookie("", true, a.clock()), "") << "nor at a leave";
}

}  // namespace
}  // namespace tracker
