// Consent (issue 22): pending holds every call and writes and sends nothing; granted sends what
// was held as it would have gone; denied drops it, or sends it profile-less with
// settings.consentDenied "anonymous", and writes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>

#include "scenario_harness.hpp"
#include "tracker/config.hpp"
#include "tracker/tracker.hpp"

namespace tracker {
namespace {

using json = nlohmann::json;
using testing_support::options;
using testing_support::Page;

std::string with_consent(const std::string& state, const std::string& denied = "") {
  return options(R"(,"settings":{"consent":")" + state + "\"" +
                 (denied.empty() ? "" : R"(,"consentDenied":")" + denied + "\"") + "}");
}

// Everything a host would write or do for the core, beyond requests.
struct Writes {
  int persists = 0, identities = 0, tab_effects = 0;
  void add(const Effects& fx) {
    persists += fx.persist;
    identities += fx.identity.has_value();
    tab_effects += !fx.tabs.empty();
  }
};

// A pending page: started, joined to the tabs, three tracks and a fire, loaded, 6 s on.
struct PendingPage {
  Page p{with_consent("pending")};
  Writes writes;
  std::vector<int> flags;
  std::string session_written;

  void step(Effects fx) {
    writes.add(fx);
    p.absorb(std::move(fx));
  }
  PendingPage() {
    p.core.start(p.clock(), "{}", "", p.entropy());
    step(p.core.take_effects());
    p.core.join_tabs("wasm-tracker:v2:demo-source", TabCaps{true, true, true}, p.clock(), p.entropy());
    step(p.core.take_effects());
    for (int i = 0; i < 3; ++i) {
      flags.push_back(p.core.track("t" + std::to_string(i), "{}", "", p.clock(), 0, p.entropy()));
      step(p.core.take_effects());
      p.now += 1000;
    }
    flags.push_back(p.core.track("f", "{}", R"({"fire":true})", p.clock(), 0, p.entropy()));
    step(p.core.take_effects());
    p.core.on_load(p.clock());
    step(p.core.take_effects());
    for (int i = 0; i < 6; ++i) {
      p.now += 1000;
      if (p.wake && *p.wake <= p.now) p.core.on_wake(p.clock(), p.entropy());
      step(p.core.take_effects());
      session_written += p.core.session_cookie("", false, p.clock());
    }
  }
  void consent(Consent c) {
    p.core.set_consent(c, p.clock());
    step(p.core.take_effects());
  }
};

TEST(Consent, PendingHoldsEveryCallAndWritesAndSendsNothing) {
  PendingPage pp;
  EXPECT_TRUE(pp.p.sent.empty());
  EXPECT_EQ(pp.writes.persists, 0);
  EXPECT_EQ(pp.writes.identities, 0);
  EXPECT_EQ(pp.writes.tab_effects, 0) << "no lock, message or key";
  EXPECT_EQ(pp.session_written, "") << "no session cookie";
  for (int f : pp.flags) {
    EXPECT_GE(f, 0);
    EXPECT_TRUE(f & track_held);
    EXPECT_FALSE(f & track_persist_due);
  }
  EXPECT_EQ(pp.p.core.stats().queued, 4u);
  EXPECT_EQ(pp.p.core.stats().consent, 1u);
  // A leave while pending sends nothing (the README says a page left so loses what it held).
  pp.p.core.on_page_leave(pp.p.clock());
  pp.step(pp.p.core.take_effects());
  EXPECT_TRUE(pp.p.sent.empty());
  EXPECT_EQ(pp.writes.persists, 0);
}

TEST(Consent, GrantedSendsWhatWasHeldFireFirstWithItsCallTimeAndStartsWriting) {
  PendingPage pp;
  pp.consent(Consent::granted);
  EXPECT_GE(pp.writes.tab_effects, 1) << "the tab protocol's join waited for consent";
  // The election runs now: the lock, its settle, the stored queues read (none).
  pp.p.core.on_lock(LockFact::granted, pp.p.clock());
  for (int i = 0; i < 100 && !pp.p.core.tab_stats().leader; ++i) {
    if (i > 0) {
      pp.p.now += 10;
      pp.p.core.on_wake(pp.p.clock(), pp.p.entropy());
    }
    Effects fx = pp.p.core.take_effects();
    const bool read = fx.tabs.read_stored;
    pp.step(std::move(fx));
    if (read) {
      pp.p.core.on_stored({}, pp.p.clock());
      pp.step(pp.p.core.take_effects());
    }
  }
  ASSERT_TRUE(pp.p.core.tab_stats().leader);
  ASSERT_EQ(pp.p.sent.size(), 2u);
  EXPECT_EQ(Page::types(pp.p.sent[0]), std::vector<std::string>{"f"});
  EXPECT_EQ(Page::types(pp.p.sent[1]), (std::vector<std::string>{"t0", "t1", "t2"}));
  const json body = json::parse(pp.p.sent[1].body);
  // Each keeps its call time (1 s apart from 2023-11-14T22:13:20Z), not the consent's (9 s on).
  EXPECT_EQ(body["events"][0]["time"]["create"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(body["events"][1]["time"]["create"], "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(body["events"][2]["time"]["create"], "2023-11-14T22:13:22.000Z");
  EXPECT_TRUE(body["session"].is_object());
  EXPECT_EQ(pp.p.sent[1].url, "http://collector.test/track");
  EXPECT_GE(pp.writes.identities, 1);
  EXPECT_GE(pp.writes.persists, 1);
  EXPECT_NE(pp.p.core.session_cookie("", false, pp.p.clock()), "");
}

// Consent taken back and given again on one page: the page leaves the election at the denial and
// joins it again at the grant, a follower until elected. It stayed out of the tab protocol, a
// leader by itself: its writes of the shared queue key overwrote the real leader's copy.
TEST(Consent, AGrantAfterADenialJoinsTheTabElectionAgain) {
  PendingPage pp;
  pp.consent(Consent::granted);
  pp.p.core.on_lock(LockFact::granted, pp.p.clock());
  pp.step(pp.p.core.take_effects());
  pp.consent(Consent::denied);
  EXPECT_FALSE(pp.p.core.tab_stats().leader);
  pp.p.core.take_effects();
  pp.p.core.set_consent(Consent::granted, pp.p.clock());
  const Effects fx = pp.p.core.take_effects();
  EXPECT_EQ(fx.tabs.lock, LockOp::request) << "back in the election";
  EXPECT_TRUE(fx.tabs.join_channel);
  EXPECT_FALSE(pp.p.core.tab_stats().leader) << "a follower until elected";
  EXPECT_EQ(pp.p.core.track("after", "{}", "", pp.p.clock(), 0, pp.p.entropy()) & track_persist_due, 0)
      << "a follower writes no shared queue";
}

TEST(Consent, DeniedDropsWhatWasHeldAndEveryLaterCallAndWritesNothing) {
  PendingPage pp;
  pp.consent(Consent::denied);
  EXPECT_TRUE(pp.p.sent.empty());
  Stats s = pp.p.core.stats();
  EXPECT_EQ(s.queued, 0u);
  EXPECT_EQ(s.dropped[std::string_view("consent")], 4u);
  EXPECT_EQ(pp.p.core.track("later", "{}", "", pp.p.clock(), 0, pp.p.entropy()), 0);
  pp.step(pp.p.core.take_effects());
  pp.p.core.on_page_leave(pp.p.clock());
  pp.step(pp.p.core.take_effects());
  EXPECT_TRUE(pp.p.sent.empty());
  EXPECT_EQ(pp.p.core.stats().dropped[std::string_view("consent")], 5u);
  EXPECT_EQ(pp.writes.persists + pp.writes.identities + pp.writes.tab_effects, 0);
}

TEST(Consent, DeniedAnonymousSendsProfileLessEventsWithoutIdsAndWritesNothing) {
  Page p{with_consent("denied", "anonymous")};
  Writes writes;
  p.core.start(p.clock(), R"({"session":"11111111-1111-4111-8111-111111111111","profile":"22222222-2222-4222-8222-222222222222"})", "", p.entropy());
  writes.add(p.core.take_effects());
  p.core.join_tabs("wasm-tracker:v2:demo-source", TabCaps{true, true, true}, p.clock(), p.entropy());
  writes.add(p.core.take_effects());
  const int f = p.core.track("a", "{}", "", p.clock(), 0, p.entropy());
  EXPECT_GE(f, 0);
  EXPECT_FALSE(f & track_persist_due);
  Effects fx = p.core.take_effects();
  writes.add(fx);
  p.absorb(std::move(fx));
  p.core.on_load(p.clock());
  fx = p.core.take_effects();
  writes.add(fx);
  p.absorb(std::move(fx));
  ASSERT_EQ(p.sent.size(), 1u);
  EXPECT_EQ(p.sent[0].url, "http://collector.test/track?profile_less=true");
  const json body = json::parse(p.sent[0].body);
  EXPECT_TRUE(body["session"].is_null());
  EXPECT_TRUE(body["profile"].is_null());
  EXPECT_TRUE(body["device"].is_null());
  EXPECT_EQ(body["source"]["id"], "demo-source");
  EXPECT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(p.sent[0].body.find("11111111-1111"), std::string::npos);
  EXPECT_EQ(p.sent[0].body.find("22222222-2222"), std::string::npos);
  EXPECT_EQ(writes.persists + writes.identities + writes.tab_effects, 0);
  EXPECT_EQ(p.core.session_cookie("", false, p.clock()), "");
}

TEST(Consent, PendingThenDeniedAnonymousSendsWhatWasHeldProfileLess) {
  Page p{with_consent("pending", "anonymous")};
  p.start();
  p.track("x");
  p.load();
  EXPECT_TRUE(p.sent.empty());
  p.core.set_consent(Consent::denied, p.clock());
  p.absorb(p.core.take_effects());
  ASSERT_EQ(p.sent.size(), 1u);
  EXPECT_EQ(p.sent[0].url, "http://collector.test/track?profile_less=true");
  EXPECT_TRUE(json::parse(p.sent[0].body)["session"].is_null());
}

// settings.respectGlobalPrivacyControl: the host reads navigator.globalPrivacyControl ("gpc"); a
// visitor's signal is a denial, nothing sent or stored. Without the setting it changes nothing.
TEST(Consent, AGlobalPrivacyControlSignalIsADenialWhereTheSiteRespectsIt) {
  Page gpc{options(R"(,"settings":{"respectGlobalPrivacyControl":true})")};
  gpc.start(R"({"gpc":true})");
  gpc.track("a");
  gpc.load();
  EXPECT_TRUE(gpc.sent.empty());
  EXPECT_FALSE(gpc.identity.has_value());
  EXPECT_EQ(gpc.persists, 0);
  EXPECT_EQ(gpc.core.stats().consent, 2u);
  EXPECT_EQ(gpc.core.stats().dropped[std::string_view("consent")], 1u);

  Page ignored{options()};
  ignored.start(R"({"gpc":true})");
  ignored.track("a");
  ignored.load();
  EXPECT_EQ(ignored.sent.size(), 1u);
}

// tracker.reset() (a logout on a shared device): the next event is a new anonymous visitor; what
// was accepted before keeps the identity it was accepted under, also through a reload.
TEST(Reset, TheNextEventIsANewVisitorAndEarlierEventsKeepTheirs) {
  const std::string old_session = "11111111-1111-4111-8111-111111111111";
  const std::string old_profile = "22222222-2222-4222-8222-222222222222";
  Page p;
  p.start(R"({"session":")" + old_session + R"(","profile":")" + old_profile + R"("})");
  p.load();
  p.track("before-logout");
  p.core.reset(p.clock(), p.entropy());
  p.absorb(p.core.take_effects());
  ASSERT_TRUE(p.identity.has_value());
  EXPECT_NE(p.identity->session_id, old_session);
  EXPECT_FALSE(p.identity->profile_id.has_value());
  EXPECT_NE(p.core.session_cookie(old_session, false, p.clock()), "") << "the new session is written";
  p.track("after-logout");
  // A reload before anything was sent: the copy keeps the first event's visitor.
  Page next;
  next.start(R"({"session":")" + p.identity->session_id + R"("})", p.core.snapshot());
  next.load();
  // One batch per visitor (a batch carries one envelope), the next once the first is answered.
  for (std::size_t answered = 0; answered < next.sent.size() && answered < 4; ++answered)
    next.respond(next.sent[answered], 200, testing_support::ok_body());
  std::map<std::string, json> bodies;
  for (const auto& s : next.sent) {
    const json b = json::parse(s.body);
    for (const auto& t : Page::types(s)) bodies[t] = b;
  }
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies["before-logout"]["session"]["id"], old_session);
  EXPECT_EQ(bodies["before-logout"]["profile"]["id"], old_profile);
  EXPECT_NE(bodies["after-logout"]["session"]["id"], old_session);
  EXPECT_TRUE(bodies["after-logout"]["profile"].is_null());
  EXPECT_EQ(next.sent.size(), 2u) << "one request per visitor";
  // The answer to the old visitor's batch (it names that visitor) was not taken as the new one's.
  EXPECT_NE(bodies["after-logout"]["profile"], bodies["before-logout"]["profile"]);
}

TEST(Consent, AnUnreadableConsentValueRunsNothingAndNamesTheField) {
  for (const char* bad : {R"("settings":{"consent":"yes"})", R"("settings":{"consent":true})",
                          R"("settings":{"consentDenied":"maybe"})"}) {
    const ConfigResult r = parse_config(options(std::string(",") + bad));
    EXPECT_FALSE(r.config.has_value()) << bad;
    EXPECT_NE(r.error.find("options.tracker.settings.consent"), std::string::npos) << r.error;
  }
  const ConfigResult ok = parse_config(with_consent("pending", "drop"));
  ASSERT_TRUE(ok.config.has_value()) << ok.error;
  EXPECT_EQ(ok.config->consent, Consent::pending);
  EXPECT_TRUE(ok.warnings.empty());
}

}  // namespace
}  // namespace tracker
