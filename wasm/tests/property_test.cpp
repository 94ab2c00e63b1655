// Randomized property harness: thousands of random operations per seed (track, fire, asBeacon,
// load, hide, page leave, online/offline, answers of every class in any order, lost answers,
// timeouts, reloads from the snapshot, merges of another tab's snapshot, sleeps and clock jumps),
// with the delivery invariants checked after every step:
//   1. conservation: accepted + restored == acked + handed_off + transferred + sum(dropped) + queued;
//   2. bounds: queued (in flight included) <= 1,000 events and <= 1 MB;
//   3. no send before the backoff in force, except on page leave (or when a 2xx, or the network
//      coming back, the tab shown or flush() after a wait no answer caused, legitimately ended
//      it in that very step);
//   4. no event in two requests at once (this core never re-sends what is on the wire);
//   5. no event sent again after its ack (or after a beacon took it), nor after it was handed over;
//   6. a follower (random role changes) never asks for its queue to be persisted;
//   7. the queue's running counts of pending events equal a full recount;
//   8. consent (a third of the seeds start each page pending, half of those deny to profile-less
//      events; random tracker.consent() calls): nothing is sent while pending or denied (but by
//      the step that grants), nothing is written (no persist, no identity) unless granted, and
//      what a denial sends is profile-less (no ids, ?profile_less=true);
//   9. fates (issue 23): every line of the fate log is one JSON step of one event; an event the
//      queue holds has as its last step "sent" while a request carries it, else queued, held,
//      restored or retry; an event that left the queue ends in acked, beacon, handed or dropped;
//      an event the queue holds has a line unless the log was trimmed; the log stays within
//      twice policy::fate_log_bytes.
// TwoTabs: a leader and a follower core exchanging hand-overs late, twice or out of order: when
// every answer arrives, every accepted event is acknowledged exactly once.
// Seeds: TRACKER_PROPERTY_SEEDS (default 100) x TRACKER_PROPERTY_OPS (default 2,000) operations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "scenario_harness.hpp"
#include "tracker/tracker.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace {

using testing_support::Page;
using testing_support::ok_body;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::max(1, std::atoi(v)) : fallback;
}


class RandomRun {
 public:
  explicit RandomRun(std::uint64_t seed)
      : rng_(seed), beacon_(seed % 4 == 0), consent_managed_(seed % 3 == 1), anonymous_(seed % 6 == 1) {
    new_page("");
  }

  void step() {
    const Stats before = page_->core.stats();
    const std::size_t sent_before = page_->sent.size();
    const int persists_at = page_->persists, identities_at = page_->identities;
    bool granting = false;  // this step's consent lets sends go (what was held leaves now)
    bool may_skip_backoff = page_->leaving;
    // online, visible and flush() end a wait that no answer (status 0) caused, and only that one.
    const bool network_wait = TrackerTestAccess::network_wait(page_->core);
    std::string op;
    const int r = pick(100);
    if (r < 30) {
      op = "track";
      page_->track("e", R"({"n":1})");
    } else if (r < 35) {
      op = "burst";
      const int n = pick(300);
      for (int i = 0; i < n; ++i) page_->track("b", R"({"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
    } else if (r < 41) {
      op = "fire";
      page_->track("f", "{}", R"({"fire":true})");
    } else if (r < 44) {
      op = "beacon";
      page_->track("k", "{}", R"({"asBeacon":true})");
    } else if (r < 46) {
      op = "load";
      page_->load();
    } else if (r < 49) {
      op = "hide";
      page_->hide();
    } else if (r < 51) {
      op = "show";
      may_skip_backoff = network_wait;
      page_->leaving = false;
      page_->show();
    } else if (r < 52) {
      op = "leave";
      // Plain fetches on the wire now die with the page: the leave may re-send their events.
      // ... and keepalive ones unanswered past answer_overdue_ms, or on the wire in a known outage,
      // are presumed lost.
      for (const auto& [id, req] : open_)
        if (req.transport == Transport::fetch ||
            (req.transport == Transport::keepalive &&
             (outage_ || page_->aborted.size() > aborts_at_ack_ || page_->now - req.sent_at > policy::answer_overdue_ms)))
          superseded_.insert(id);
      page_->leaving = true;
      may_skip_backoff = true;
      page_->leave();
    } else if (r < 54) {
      op = "offline";
      page_->online(false);
    } else if (r < 56) {
      op = "online";
      may_skip_backoff = network_wait;  // a network failure's backoff ends when the network is back
      page_->online(true);
    } else if (r < 58) {
      op = "flush";
      may_skip_backoff = network_wait;
      page_->flush();
    } else if (r < 80) {
      op = "answer";
      may_skip_backoff |= answer();
    } else if (r < 83) {
      op = "lose";  // an answer lost on the wire: only the core's timeout settles it
      if (!answerable_.empty()) answerable_.erase(answerable_.begin() + pick(answerable_.size()));
    } else if (r < 91) {
      op = "advance";
      page_->advance(pick(4) == 0 ? pick(120000) : pick(3000));
    } else if (r < 93) {
      op = "role";  // the tab election changed its mind (a lease lost or won)
      page_->role(page_->core.role() == Role::leader ? Role::follower : Role::leader);
    } else if (r < 95) {
      op = "sleep";  // wall time passes, the monotonic clock does not
      page_->sleep(pick(2) ? pick(3600000) : 30.0 * 3600 * 1000);
    } else if (r < 96 && consent_managed_ && pick(2)) {
      op = "consent";  // the site's banner answered (or asked again)
      consent_ = static_cast<Consent>(pick(3));
      page_->core.set_consent(consent_, page_->clock());
      page_->absorb(page_->core.take_effects());
      granting = consent_ == Consent::granted || (consent_ == Consent::denied && anonymous_);
    } else if (r < 96) {
      op = "clock-jump";
      page_->wall_shift += (pick(2) ? 1.0 : -1.0) * 24 * 3600 * 1000;
    } else if (r < 98) {
      op = "reload";
      const std::string snap = page_->core.snapshot();
      new_page(snap);
    } else {
      op = "merge";  // a closed tab's queue joins this one (as the glue merges stored queues)
      Page other(testing_support::options(), page_->now);
      other.counter = static_cast<std::uint32_t>(rng_());
      other.start();
      const int n = pick(40);
      for (int i = 0; i < n; ++i) other.track("o", "{}", pick(5) ? "" : R"({"fire":true})");
      page_->core.restore(other.core.snapshot(), page_->clock());
      page_->absorb(page_->core.take_effects());
    }
    check(op, before, sent_before, may_skip_backoff);
    if (::testing::Test::HasFatalFailure()) return;
    check_consent(op, sent_before, persists_at, identities_at, granting);
  }

  // Invariant 8: what the visitor's consent allows, after every step.
  void check_consent(const std::string& op, std::size_t sent_before, int persists_at, int identities_at,
                     bool granting) {
    SCOPED_TRACE("step " + std::to_string(steps) + " op " + op + " consent " +
                 std::to_string(static_cast<int>(consent_)));
    if (op == "reload") return;  // a new page: checked from its own start
    const bool stores = consent_ == Consent::granted;
    const bool delivers = stores || (consent_ == Consent::denied && anonymous_);
    if (!delivers && !granting) ASSERT_EQ(page_->sent.size(), sent_before) << "sent without consent";
    if (!stores) {
      ASSERT_EQ(page_->persists, persists_at) << "persisted without consent";
      ASSERT_EQ(page_->identities, identities_at) << "ids written without consent";
      for (std::size_t i = sent_before; i < page_->sent.size(); ++i) {
        ASSERT_NE(page_->sent[i].url.find("?profile_less=true"), std::string::npos);
        const auto body = testing_support::json::parse(page_->sent[i].body);
        ASSERT_TRUE(body["session"].is_null() && body["profile"].is_null() && body["device"].is_null());
      }
    }
    ASSERT_EQ(page_->core.stats().consent, static_cast<std::uint64_t>(consent_));
  }

  std::uint64_t steps = 0;

 private:
  struct TestPage : Page {
    using Page::Page;
    bool leaving = false;
  };

  int pick(std::size_t n) { return static_cast<int>(rng_() % n); }

  void new_page(const std::string& snapshot) {
    // The previous page is gone: its requests will never be answered to this core.
    const double shift = page_ ? page_->wall_shift : 0;
    // A consent-managed site starts every page pending, until its banner's answer comes again.
    std::string settings = beacon_ ? R"("transport":"beacon")" : "";
    if (consent_managed_) {
      settings += std::string(settings.empty() ? "" : ",") + R"("consent":"pending")" +
                  (anonymous_ ? R"(,"consentDenied":"anonymous")" : "");
      consent_ = Consent::pending;
    }
    page_ = std::make_unique<TestPage>(
        settings.empty() ? testing_support::options() : testing_support::options(R"(,"settings":{)" + settings + "}"),
        page_ ? page_->now + 1000 : 1700000000000.0);
    page_->wall_shift = shift;
    page_->counter = static_cast<std::uint32_t>(rng_());
    page_->check_backoff = true;
    open_.clear();
    answerable_.clear();
    on_wire_.clear();
    superseded_.clear();
    outage_ = false;  // a new core knows of no failure yet
    aborts_at_ack_ = 0;
    wire_seen_ = 0;
    handovers_seen_ = 0;
    fates_first_.clear();
    fates_trimmed_ = false;
    fates_read_ = 0;
    fates_.clear();
    persists_before_ = 0;
    transferred_before_ = 0;
    page_->start(R"({"origin":"http://collector.test"})", snapshot);
  }

  // Answers one open request with a random status; returns true when it was a 2xx.
  bool answer() {
    if (answerable_.empty()) return false;
    const std::size_t at = pick(answerable_.size());
    const std::uint32_t id = answerable_[at];
    answerable_.erase(answerable_.begin() + at);
    const auto it = open_.find(id);
    if (it == open_.end()) return false;
    static constexpr int statuses[] = {200, 200, 200, 202, 500, 502, 503, 504, 408, 429, 429,
                                       0,   0,   413, 400, 422, 301, 410};
    int status = statuses[pick(sizeof statuses / sizeof statuses[0])];
    if (it->second.transport == Transport::beacon) status = pick(2) ? status_handed_off : 0;
    const std::string retry_after = status == 429 || status == 503
                                        ? std::vector<std::string>{"", "0", "2", "-1", "soon"}[pick(5)]
                                        : "";
    SendEffect s;
    s.request_id = id;
    if (status >= 200 && status < 300) {
      for (const auto& ev : it->second.ids) acked_.insert(ev);
    }
    if (status == status_handed_off) {
      for (const auto& ev : it->second.ids) acked_.insert(ev);
    }
    // A known outage, as the core's leave rules see it: a retryable failure since the last 2xx.
    const policy::Outcome outcome = policy::classify_status(status);
    if (outcome == policy::Outcome::success) {
      outage_ = false;
      aborts_at_ack_ = page_->aborted.size();
    }
    else if (outcome == policy::Outcome::retry && status != status_handed_off) outage_ = true;
    page_->respond(s, status, testing_support::ok_body(), retry_after);
    settle(id);  // answered: whatever the core did with it, it is off the wire
    return status >= 200 && status < 300;
  }

  void settle(std::uint32_t id) {
    auto it = open_.find(id);
    if (it == open_.end()) return;
    for (const auto& ev : it->second.ids) on_wire_[ev].erase(id);
    open_.erase(it);
    answerable_.erase(std::remove(answerable_.begin(), answerable_.end(), id), answerable_.end());
  }

  // Replays what went on the wire in this step, in order.
  void replay_wire(std::size_t from) {
    for (std::size_t i = from; i < page_->wire_log.size(); ++i) {
      const auto [kind, id] = page_->wire_log[i];
      if (kind == 'a') {
        settle(id);
        continue;
      }
      const SendEffect* s = nullptr;
      double sent_at = 0;
      for (std::size_t i = page_->sent.size(); i-- > 0;) {
        if (page_->sent[i].request_id == id) {
          s = &page_->sent[i];
          sent_at = page_->sent_at[i];
          break;
        }
      }
      ASSERT_NE(s, nullptr);
      OpenRequest req;
      req.transport = s->transport;
      req.sent_at = sent_at;
      req.ids = Page::ids(*s);
      for (const auto& ev : req.ids) {
        ASSERT_EQ(acked_.count(ev), 0u) << "event " << ev << " sent again after its ack";
        ASSERT_EQ(handed_.count(ev), 0u) << "event " << ev << " sent after it was handed over";
        // In two requests at once only after a page leave, and only when every other request
        // carrying it is a plain fetch (the page cannot finish it; the browser finishes keepalive).
        for (std::uint32_t other : on_wire_[ev]) {
          ASSERT_EQ(superseded_.count(other), 1u)
              << "event " << ev << " in two requests at once (request " << other
              << " is not a plain fetch the page left behind)";
        }
        on_wire_[ev].insert(id);
      }
      open_[id] = std::move(req);
      answerable_.push_back(id);
    }
  }

  void check(const std::string& op, const Stats& before, std::size_t sent_before, bool may_skip_backoff) {
    ++steps;
    SCOPED_TRACE("step " + std::to_string(steps) + " op " + op);
    const std::size_t new_sends = page_->sent.size() - sent_before;
    if (new_sends > 0 && !may_skip_backoff && op != "reload" && op != "advance") {
      ASSERT_GE(page_->now, before.backoff_until_ms) << "sent during backoff";
    }
    ASSERT_TRUE(page_->violations.empty()) << page_->violations.front();
    replay_wire(wire_seen_);
    wire_seen_ = page_->wire_log.size();
    if (::testing::Test::HasFatalFailure()) return;

    const Stats s = page_->core.stats();
    std::uint64_t dropped = 0;
    for (const auto& [reason, n] : s.dropped) dropped += n;
    ASSERT_EQ(s.accepted + s.restored, s.acked + s.handed_off + s.transferred + dropped + s.queued)
        << "conservation";
    ASSERT_EQ(s.transferred, page_->handed_over_events + transferred_before_);
    // A follower never asks for its queue to be persisted: the leader's copy is the only one.
    if (page_->core.role() == Role::follower) ASSERT_EQ(page_->persists, persists_before_) << "follower persisted";
    persists_before_ = page_->persists;
    for (; handovers_seen_ < page_->handovers.size(); ++handovers_seen_) {
      // The document must outlive the loop: a range-for over a member of a temporary dangles.
      const auto doc = testing_support::json::parse(page_->handovers[handovers_seen_]);
      for (const auto& e : doc["events"]) handed_.insert(e["e"]["id"].get<std::string>());
    }
    ASSERT_LE(s.queued, policy::max_queued_events);
    ASSERT_LE(s.queued_bytes, policy::max_queued_bytes);
    ASSERT_EQ(s.inflight_requests, open_.size()) << "the harness and the core disagree on requests";
    ASSERT_TRUE(TrackerTestAccess::queue_counts_match(page_->core)) << "the queue's pending counts drifted";
    check_fates();
    page_->check_backoff = !page_->leaving;
  }

  // Invariant 9: one current fate per event, and the fate log bounded. The log only grows but for
  // its trims: new lines are read where the last check stopped; after a trim (its first line is
  // gone) the whole log is read again, and an event whose lines all went has no fate to check.
  void check_fates() {
    const std::string& log = page_->core.fates();
    ASSERT_LE(log.size(), 2 * policy::fate_log_bytes) << "fate log bound";
    std::size_t from = fates_read_;
    if (log.size() < fates_read_ || log.compare(0, fates_first_.size(), fates_first_) != 0) {
      fates_trimmed_ = true;
      fates_.clear();
      from = 0;
    }
    // A page's first step can have trimmed it already (a reload taking in 1,000 events).
    if (fates_read_ == 0 && log.size() + 1024 >= policy::fate_log_bytes) fates_trimmed_ = true;
    fates_first_ = log.substr(0, log.find('\n') + 1);
    fates_read_ = log.size();
    const std::uint64_t gen = ++fates_gen_;
    for (std::size_t at = from; at < log.size();) {
      const std::size_t end = log.find('\n', at);
      ASSERT_NE(end, std::string::npos) << "a fate line without its end";
      const std::string_view line(log.data() + at, end - at);
      const auto j = testing_support::json::parse(line, nullptr, false);
      ASSERT_TRUE(j.is_object() && j["id"].is_string() && j["step"].is_string() && j["at"].is_number()) << line;
      Fate& f = fates_[j["id"].get<std::string>()];
      f.step = j["step"];
      f.touched = gen;
      at = end + 1;
    }
    bool ok = true;
    TrackerTestAccess::each_queued(page_->core, [&](const std::string& id, std::uint32_t owner) {
      if (!ok) return;
      const auto it = fates_.find(id);
      if (it == fates_.end()) {
        ok = fates_trimmed_;
        EXPECT_TRUE(ok) << "queued event " << id << " has no fate";
        return;
      }
      const std::string& step = it->second.step;
      it->second.queued = gen;
      ok = owner != 0 ? step == "sent" : step == "queued" || step == "held" || step == "restored" || step == "retry";
      EXPECT_TRUE(ok) << id << (owner ? " is on a request" : " waits in the queue") << ", its fate says " << step;
    });
    ASSERT_TRUE(ok);
    // What left the queue since the last check, and what has a new step without being queued.
    for (const auto& [id, f] : fates_) {
      if (f.queued == gen || (f.queued != gen - 1 && f.touched != gen)) continue;
      ASSERT_TRUE(f.step == "acked" || f.step == "beacon" || f.step == "handed" || f.step == "dropped")
          << id << " left the queue, its fate says " << f.step;
    }
  }

  struct OpenRequest {
    Transport transport = Transport::fetch;
    double sent_at = 0;  // the page's monotonic clock when it was sent
    std::vector<std::string> ids;
  };

  std::mt19937_64 rng_;
  bool beacon_;
  bool consent_managed_, anonymous_;
  Consent consent_ = Consent::granted;
  std::unique_ptr<TestPage> page_;
  std::map<std::uint32_t, OpenRequest> open_;
  std::vector<std::uint32_t> answerable_;
  std::size_t wire_seen_ = 0;
  std::map<std::string, std::set<std::uint32_t>> on_wire_;  // event -> open requests carrying it
  bool outage_ = false;  // a retryable failure reached the core since its last 2xx
  std::size_t aborts_at_ack_ = 0;  // the core's aborts (timeouts: failures too) before that 2xx
  std::set<std::uint32_t> superseded_;  // plain fetches (and overdue keepalive ones) on the wire at a page leave  // event -> open requests carrying it
  std::set<std::string> acked_;
  std::set<std::string> handed_;  // events this run's follower pages handed over
  std::size_t handovers_seen_ = 0;
  std::string fates_first_;      // the first line of this page's fate log at the last check
  bool fates_trimmed_ = false;   // a line of this page's log is gone: the oldest were dropped
  std::size_t fates_read_ = 0;   // the log's size at the last check
  struct Fate {
    std::string step;         // its last step seen
    std::uint64_t touched = 0;  // the check that read its last line
    std::uint64_t queued = 0;   // the last check that found it queued
  };
  std::unordered_map<std::string, Fate> fates_;
  std::uint64_t fates_gen_ = 0;  // checks so far
  int persists_before_ = 0;
  std::uint64_t transferred_before_ = 0;
};

TEST(Property, DeliveryInvariantsHoldUnderRandomOperations) {
  const int seeds = env_int("TRACKER_PROPERTY_SEEDS", 100);
  const int ops = env_int("TRACKER_PROPERTY_OPS", 2000);
  std::uint64_t total = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomRun run(static_cast<std::uint64_t>(seed));
    for (int i = 0; i < ops; ++i) {
      run.step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    total += run.steps;
  }
  std::printf("property harness: %d seeds, %llu operations\n", seeds,
              static_cast<unsigned long long>(total));
}

// Two tabs of one browser: random tracks, fires, loads and answers (2xx, 503, no answer) on both,
// the follower's hand-overs delivered to the leader late, out of order, some twice in a row. Then the outage
// ends and every answer arrives: each accepted event must be acknowledged exactly once.
TEST(Property, TwoTabsDeliverEveryEventExactlyOnce) {
  const int seeds = env_int("TRACKER_PROPERTY_SEEDS", 100);
  for (int seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919);
    auto pick = [&rng](std::size_t n) { return static_cast<int>(rng() % n); };
    Page tabs[2] = {Page(), Page()};
    tabs[1].counter = 1u << 20;
    tabs[1].role(Role::follower);
    tabs[0].start();
    tabs[1].start();
    std::set<std::string> accepted;
    std::map<std::string, int> acked;  // event id -> 2xx'd requests that carried it
    std::vector<std::size_t> answered(2, 0);  // sends of each tab answered so far (in order)
    std::vector<std::string> mail;  // hand-overs posted, not yet delivered
    std::size_t posted = 0;
    auto answer = [&](Page& p, std::size_t& next, bool healthy) {
      if (next >= p.sent.size()) return;
      const SendEffect s = p.sent[next++];
      // A request the core aborted (timed out) is cut by the host: the server never saw it here.
      if (std::find(p.aborted.begin(), p.aborted.end(), s.request_id) != p.aborted.end()) return;
      // The failures cost no attempt units (429, no answer), so the retry budget never drops an
      // event here: this test is about copies across tabs (the budget has its own tests).
      const int status = healthy ? 200 : std::vector<int>{200, 429, 0}[pick(3)];
      if (status == 200) for (const auto& id : Page::ids(s)) ++acked[id];
      p.respond(s, status, ok_body());
    };
    for (int step = 0; step < 400; ++step) {
      Page& p = tabs[pick(2)];
      const int r = pick(100);
      if (r < 35) {
        p.track("e");
        accepted.insert(p.core.last_event_id());
      } else if (r < 42) {
        p.track("f", "{}", R"({"fire":true})");
        accepted.insert(p.core.last_event_id());
      } else if (r < 45) {
        p.load();
      } else if (r < 47) {
        p.hide();
        p.show();
      } else if (r < 70) {
        answer(p, answered[&p - tabs], false);
      } else if (r < 85) {
        p.advance(pick(4000));
      } else {
        // The channel: hand-overs arrive late, sometimes twice (a re-post), in any order.
        for (; posted < tabs[1].handovers.size(); ++posted) mail.push_back(tabs[1].handovers[posted]);
        if (!mail.empty()) {
          const std::size_t at = pick(mail.size());
          tabs[0].adopt(mail[at]);
          // A re-post that crossed the leader's reply arrives right behind it (the glue's
          // `adopted` set stops any later repeat of one hand-over).
          if (pick(3) == 0) tabs[0].adopt(mail[at]);
          mail.erase(mail.begin() + at);
        }
      }
      for (const Page& t : tabs) ASSERT_TRUE(TrackerTestAccess::queue_counts_match(t.core)) << "counts drifted";
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Healthy from here on: every hand-over arrives, every request is answered.
    for (Page& p : tabs) {
      p.load();
      p.online(true);  // ends a pause after no-answer failures, as the browser's `online` does
    }
    for (int round = 0; round < 200; ++round) {
      for (; posted < tabs[1].handovers.size(); ++posted) mail.push_back(tabs[1].handovers[posted]);
      for (const auto& m : mail) tabs[0].adopt(m);
      mail.clear();
      for (int t = 0; t < 2; ++t) while (answered[t] < tabs[t].sent.size()) answer(tabs[t], answered[t], true);
      for (Page& p : tabs) p.advance(61000);
    }
    for (Page& p : tabs) {
      const Stats s = p.core.stats();
      std::uint64_t dropped = 0;
      for (const auto& [reason, n] : s.dropped) dropped += n;
      ASSERT_EQ(s.queued, 0u);
      ASSERT_EQ(dropped, 0u);
    }
    for (const auto& id : accepted) ASSERT_EQ(acked[id], 1) << "event " << id << " acked " << acked[id] << " times";
    ASSERT_EQ(acked.size(), accepted.size());
  }
}

}  // namespace
}  // namespace tracker
