// Multi-tab property harness (issue 21): 2-6 tabs of one browser, each one real Tracker (the real
// core and the real tab protocol) with a host that performs its effects as the JS glue does
// (sim_browser.hpp), under an adversarial schedule: channel messages delayed, lost and reordered;
// storage changes reaching other tabs late and writes refused by the quota; a leader's core trap;
// glue exceptions (the rest of a call's effects dropped, the tracker going on, as core-host.js
// guard() does); a suspended tab holding the lock; hidden tabs whose timers run once a minute;
// page leaves with refused keepalive requests, later pagehide listeners' calls and the
// back/forward cache; several tabs starting at once with kept calls, and calls kept later;
// destroy() with requests on the wire; the collector failing (5xx, no answer) and answers lost;
// clocks that jump and devices that sleep.
//
// The invariants (checked after every step: every operation and every fact a tab or the network
// handles), each with why it must hold:
//  (1) One sender. (a) Never two tabs that both act as leader (tab_stats().leader) while both
//      believe they hold the lock (granted heard, no `lost` heard): a tab with a `lost` on its way,
//      or frozen, cannot have heard yet and is not counted. On either election, a leader that was
//      never frozen does not go on leading past kStaleBoundMs after the election named another.
//      Two such leaders both send and both write the one queue. (b) Per event id: when a tab sends
//      an event, no other tab may have it on a request whose answer is still coming to a live page,
//      nor have had it acknowledged (a 2xx that reached it), unless the event is in one of the copy
//      cases below. A second sender is a copy in the making.
//  (2) At most one stored copy per event, counted by id and by the per-call nonce in its
//      properties, except one extra copy per copy case the event was in. docs/design.md ("When
//      can the server still get a copy of an event?", "Failure cases") names them; the harness
//      records each as it happens, per event:
//        lost answer     a request carrying it whose answer never reached the core that sent it
//                        and whose events go again: a timeout abort, an answer lost on the network,
//                        a plain fetch its page cut, a keepalive request overdue at the leave; or
//                        a trapped core's request whose events the shared key, a mailbox or a
//                        follower's hand-over still holds (a keepalive request of a page that goes
//                        is the browser's to finish: its events are never sent again, no case);
//        frozen leader superseded / leaders overlap  a leader frozen (suspended, back/forward
//                        cache) while another took over (its lock stolen, its lease taken): what it
//                        held, had queued for it, or took in before it heard, and what either sent
//                        while both led;
//        lock stolen     a follower took the lock from a leader that answered nothing for
//                        leader_silent_ms (frozen, or every answer lost): what the old one held;
//        crashed leader  a leader trapped or was destroyed after an answer acknowledged events, or
//                        after it took in hand-overs, that the shared key, the kept calls' key or a
//                        follower's un-confirmed hand-over still held;
//        lost hand-over answer  the `ack`/`held` for a hand-over was lost or reached a closed
//                        channel (a lost message between tabs at the wrong moment), or the
//                        hand-over went to a mailbox after a leader had taken it over the channel.
//  (3) Conservation: after recovery (every tab back and visible, the outage over, the channel and
//      storage healthy, ten minutes), every accepted event is stored by the collector unless it
//      was legitimately dropped: counted by a core (queue bound, age, retry budget), lost with
//      its only holders (every tab that ever held it trapped or was destroyed, and it was never
//      in storage: "crash of its only holder before any persist"), or lost on a keepalive request
//      that failed after its page or core was gone (the outliving request is the browser's to
//      finish; docs/design.md: lost, as liliput's would be). After every call, whatever left a
//      tab's queue was acknowledged, handed over, counted as dropped or (a resigning leader's)
//      is in the shared key: nothing vanishes.
//  (4) Bounds: per tab, pending hand-over bytes <= policy::max_pending_handover_bytes, the
//      adopted set <= policy::max_adopted_remembered, the awaiting confirmations/releases bounded,
//      the queue within its bound; in storage, the shared key within the queue bound and each
//      tab's mailbox keys within its pending bound plus one queue; after recovery no mailbox key
//      and no kept-call key remain (every key released).
//  (5) One session across tabs within the idle limit: a session whose cookie expired (beyond the
//      cookie's once-a-minute refresh) is never written back; a live session is replaced only by
//      a tab that never saw it (tabs starting in the same moment); after a call the glue makes
//      with the live cookie shown to the core, that tab's session and every request of the call
//      carry the cookie's id.
// Seeds: TRACKER_PROPERTY_SEEDS (default 100) x TRACKER_MULTI_TAB_OPS (default 300) operations,
// plus the facts they cause. Debugging: TRACKER_SEED=<n> runs one seed and prints its schedule and
// violations (TRACKER_MILD=1: the mild profile; TRACKER_TRACE=1: every fact; TRACKER_SHRINK_KIND=
// "<kind>": the shortest schedule found that still shows that kind of violation); TRACKER_SHRINK=1
// in a full run shrinks the first failing seed of each kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sim_browser.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {
namespace {

using sim::BrokenRules;
using sim::Request;
using sim::SimBrowser;
using sim::SimStorage;
using sim::SimTab;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::max(1, std::atoi(v)) : fallback;
}

std::string options() {
  return R"({"tracker":{"url":{"script":"//c/tracker","api":"http://collector.test"},)"
         R"("source":{"id":"demo-source"}}})";
}

// The awaiting confirmations and key releases have no number in policy.hpp; the header says they
// are bounded. Every one stands for an adoption or a key, so this is generous.
constexpr std::size_t kAwaitingBound = 2 * policy::max_adopted_remembered + 64;
// A snapshot entry's overhead over the event's own JSON ({"a":..,"t":..,"e":...}).
constexpr std::size_t kEntryOverhead = 48;
constexpr std::size_t kQueueKeyBound =
    policy::max_queued_bytes + policy::max_queued_events * kEntryOverhead + 64;
// How long a leader that was never frozen may go on leading after the election named another:
// a hidden tab's timers run once a minute, then a lease renewal and the storage delays.
constexpr double kStaleBoundMs = 60000 + 2 * policy::lease_renew_ms + 3000;
constexpr std::size_t kMailboxBound = policy::max_pending_handover_bytes + kQueueKeyBound;

// ---------------------------------------------------------------------------------------------
// The schedule: operations drawn from the seed up front, each with its own seed for whatever it
// randomizes (delays, losses), so a shrunk schedule replays the operations it keeps as they were.
enum class OpKind {
  track, advance_short, advance_mid, advance_long, hide_show, leave, bfcache_back, open_tabs, crash,
  glue_exception, suspend_resume, destroy, outage, quota, channel, clock_jump, sleep, stub_page, flush,
  network, count
};
const char* op_name(OpKind k) {
  static const char* names[] = {"track", "advance-short", "advance-mid", "advance-long", "hide/show", "leave",
                                "bfcache-back", "open-tabs", "crash", "glue-exception", "suspend/resume",
                                "destroy", "outage", "quota", "channel", "clock-jump", "sleep", "stub-page",
                                "flush", "network"};
  return names[static_cast<int>(k)];
}

struct Op {
  OpKind kind = OpKind::track;
  std::uint64_t a = 0, b = 0, seed = 0;
  bool detached = false;  // leave: a close with tasks queued (SimBrowser::close_detached)
};

// full: every fault. mild: fewer kinds of faults (no storage quota, no calls kept after the first
// elections, no frozen tabs, no clock jumps or sleeps, no glue exceptions), traps more often:
// the baseline of the broken-rule runs, where a violation the same seed does not show with the
// rule kept is the broken rule's.
// mild_quota: the mild one with the storage quota filling up now and then (a refused write is when
// a key released too early loses its events).
// mild_close: the mild one where a fifth of the pages that close go as a page closed with tasks
// queued does (SimBrowser::close_detached: writes dropped, posts delivered, no pagehide).
enum class Profile { full, mild, mild_quota, mild_close };

std::vector<Op> make_schedule(std::uint64_t seed, int n, Profile profile) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 17);
  // Weights per OpKind.
  std::vector<double> w = {30, 14, 12, 4, 5, 2, 1, 3, 1, 1, 2, 0.6, 2, 1.5, 1, 1, 0.6, 0.7, 1, 1};
  if (profile == Profile::mild || profile == Profile::mild_quota || profile == Profile::mild_close) {
    for (OpKind k : {OpKind::quota, OpKind::stub_page, OpKind::suspend_resume, OpKind::sleep, OpKind::clock_jump,
                     OpKind::glue_exception})
      w[static_cast<int>(k)] = 0;
    w[static_cast<int>(OpKind::crash)] = 4;
    if (profile == Profile::mild_quota) w[static_cast<int>(OpKind::quota)] = 3;
    w[static_cast<int>(OpKind::leave)] = 4;
    w[static_cast<int>(OpKind::channel)] = 3;
  }
  std::discrete_distribution<int> pick(w.begin(), w.end());
  std::vector<Op> ops;
  for (int i = 0; i < n; ++i) ops.push_back(Op{static_cast<OpKind>(pick(rng)), rng(), rng(), rng()});
  if (profile == Profile::full || profile == Profile::mild_close)
    for (Op& op : ops) op.detached = op.kind == OpKind::leave && op.b % 3 != 0 && op.b % 5 == 1;
  return ops;
}

// ---------------------------------------------------------------------------------------------
// The invariant checker: hears the browser (sim::Observer), keeps per-event and per-tab books,
// and records every violation (a test asserts none; HarnessCatchesBrokenRules asserts some).
class Checker : public sim::Observer {
 public:
  struct Event {
    long long nonce = -1;
    int origin = -1;  // the accepting tab; -2: a stub page's kept call
    int allowance = 0;
    std::vector<std::string> cases;
    bool durable = false;            // was in a successful storage write
    std::set<int> holders;           // tabs whose queue, wire or pending hand-overs held it
    std::string dropped;             // the core's drop reason(s)
    std::set<int> acked_by;          // tabs a 2xx for it reached
    std::uint64_t overlap = 0;       // the leaders' overlap it was last allowed copies for
    int overlap_allowed = 0;         // one per leader beyond the first
    std::vector<std::string> history;
  };

  explicit Checker(SimBrowser& b) : b_(b) {}

  std::vector<std::string> violations;
  std::map<std::string, int> case_counts, copies_by_case, loss_counts;
  std::size_t max_awaiting = 0, max_pending_bytes = 0, max_storage = 0;
  std::uint64_t accepted_count = 0;
  bool trace = false;

  // Recorded, not thrown: the run goes on, so one run shows every kind of violation it meets.
  void violation(const std::string& kind, const std::string& what) {
    if (++violation_kinds[kind] <= 3)
      violations.push_back("(" + kind + ") t=" + std::to_string(static_cast<long long>(b_.sched.now)) + " " + what);
  }
  std::map<std::string, int> violation_kinds;

  Event& ev(const std::string& id) { return events_[id]; }
  void note(const std::string& id, const std::string& what) {
    auto it = events_.find(id);
    if (it != events_.end() && it->second.history.size() < 40)
      it->second.history.push_back("t=" + std::to_string(static_cast<long long>(b_.sched.now)) + " " + what);
  }
  void allow(const std::string& id, const std::string& why) {
    auto it = events_.find(id);
    if (it == events_.end()) return;
    ++it->second.allowance;
    it->second.cases.push_back(why);
    ++case_counts[why];
    note(id, "copy case: " + why);
  }

  // --- Observer ---------------------------------------------------------------------------------
  void on_accepted(int tab, const std::string& id, long long nonce) override {
    Event& e = ev(id);
    if (e.nonce < 0) {
      e.nonce = nonce;
      e.origin = tab;
      ++accepted_count;
      nonce_id_[nonce] = id;
    }
    note(id, "accepted by tab " + std::to_string(tab));
  }
  // A stub page kept this call under the stub key (durable from the start).
  void kept(const std::string& id, long long nonce) {
    Event& e = ev(id);
    e.nonce = nonce;
    e.origin = -2;
    e.durable = true;
    ++accepted_count;
    nonce_id_[nonce] = id;
    note(id, "kept by a stub page");
  }

  void on_sent(const Request& r) override {
    sent_this_call_.push_back(static_cast<std::size_t>(&r - b_.requests.data()));
    for (const sim::WireEvent& w : r.events) {
      auto it = events_.find(w.id);
      if (it == events_.end()) {
        violation("3 conservation: unknown event sent", "tab " + std::to_string(r.tab) + " sent an event no call accepted: " + w.id);
        continue;
      }
      Event& e = it->second;
      note(w.id, "sent by tab " + std::to_string(r.tab) + " request " + std::to_string(r.id) + " (" +
                     to_string(r.transport) + ")");
      if (w.nonce != e.nonce) violation("2 copies: nonce changed", "event " + w.id + " sent with nonce " + std::to_string(w.nonce));
      // Sent while two cores act as leader (the named overlap: a frozen leader superseded, on the
      // lease fallback its lease taken): one more copy allowed per overlap.
      const int leaders = leaders_now();
      if (leaders > 1 && frozen_stale_now()) {
        if (e.overlap != overlap_episode_) e.overlap_allowed = 0;
        e.overlap = overlap_episode_;
        for (; e.overlap_allowed < leaders - 1; ++e.overlap_allowed) allow(w.id, "leaders overlap");
      }
      // Copy case 1 (docs/design.md): a page leave sends again what its own keepalive request
      // still carries when a timer found that request unanswered past answer_overdue_ms (presumed
      // lost; its answer may yet come, slow, to a page back from the back/forward cache).
      const SimTab& sender = *b_.tabs[static_cast<std::size_t>(r.tab)];
      if (sender.leaving || sender.left)
        for (std::size_t other : on_wire_[w.id]) {
          const Request& o = b_.requests[other];
          if (o.tab == r.tab && !o.answered && !o.answer_lost && b_.sched.now - o.sent_at > policy::answer_overdue_ms)
            allow(w.id, "overdue at a leave");
        }
      // (1b) one sender: another tab's request carrying it, its answer still coming to a live
      // page, or another tab's 2xx for it.
      if (e.allowance == 0) {
        for (std::size_t other : on_wire_[w.id]) {
          const Request& o = b_.requests[other];
          if (o.tab != r.tab && !o.answer_lost && !o.answered)
            violation("1b one sender: concurrent", "two senders: event " + w.id + " sent by tab " + std::to_string(r.tab) + " while tab " +
                      std::to_string(o.tab) + "'s request " + std::to_string(o.id) + " carrying it awaits its answer");
        }
        for (int t : e.acked_by)
          if (t != r.tab)
            violation("1b one sender: after an ack", "two senders: event " + w.id + " sent by tab " + std::to_string(r.tab) + " after tab " +
                      std::to_string(t) + " had it acknowledged");
      }
      on_wire_[w.id].insert(static_cast<std::size_t>(&r - b_.requests.data()));
    }
  }
  void on_answer_lost(const Request& r, const char* why) override {
    const std::string w(why);
    // A page or core that goes away leaves its keepalive requests to the browser: their events
    // are in no snapshot and in no hand-over, never sent again (docs/design.md: "Events on a
    // keepalive request are never sent again"), so their lost answer is no copy case, unless the
    // request was overdue (answer_overdue_ms) and the page leave sent it again. A plain fetch's
    // events stay in the snapshot and go again: a copy when it had arrived.
    const bool gone = w == "the page is gone" || w == "the core is gone" || w == "the page went into the back/forward cache";
    const bool any_copy_case = !gone || r.transport == Transport::fetch ||
                               b_.sched.now - r.sent_at > policy::answer_overdue_ms;
    // A core that trapped right after sending had no chance to write the snapshot without them:
    // the shared key still holds them for the next leader.
    std::set<std::string> in_key;
    // ... nor confirm the hand-overs it took in: their followers post them again.
    if (gone && !any_copy_case) {
      if (auto q = b_.storage.truth_value(SimBrowser::queue_key()))
        for (std::string& id : sim::snapshot_ids(*q)) in_key.insert(std::move(id));
      for (const auto& [k, p] : pending_)
        for (const auto& [n, ids] : p) in_key.insert(ids.begin(), ids.end());
      for (const auto& [key, slot] : b_.storage.truth)
        if (slot.value && key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0)
          for (std::string& id : sim::snapshot_ids(*slot.value)) in_key.insert(std::move(id));
    }
    for (const sim::WireEvent& e : r.events) {
      const bool copy_case = any_copy_case || in_key.count(e.id) > 0;
      note(e.id, "answer of tab " + std::to_string(r.tab) + " request " + std::to_string(r.id) + " lost: " + why +
                     (r.stored ? " (stored)" : r.arrived ? " (arrived, not stored)" : "") + (copy_case ? "" : " (no copy case)"));
      if (copy_case) allow(e.id, "lost answer");
    }
    if (w == "the page is gone" || w == "the core is gone" || w == "the page went into the back/forward cache")
      lost_with_page_.insert(static_cast<std::size_t>(&r - b_.requests.data()));
  }
  void on_answered(const Request& r) override {
    if (r.status < 200 || r.status >= 300) return;
    for (const sim::WireEvent& w : r.events) {
      acked_this_call_.insert(w.id);
      auto it = events_.find(w.id);
      if (it != events_.end()) it->second.acked_by.insert(r.tab);
      acked_by_tab_[r.tab].insert(w.id);
      acked_at_[r.tab][w.id] = b_.requests.size();  // requests sent from now on may carry it again
    }
  }
  void on_stored(const Request& r) override {
    for (const sim::WireEvent& w : r.events) {
      note(w.id, "stored from tab " + std::to_string(r.tab) + " request " + std::to_string(r.id));
      check_copies(w.id, w.nonce);
    }
  }
  void on_write(int tab, const std::string& key, const std::string& text, bool ok) override {
    const bool mailbox = key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0;
    if (key == SimBrowser::lease_key() && ok) {
      // The lease names its writer: the protocol's id of this tab.
      const std::size_t p = text.find("\"tab\":\"");
      if (p != std::string::npos) proto_id_[tab] = text.substr(p + 7, text.find('"', p + 7) - p - 7);
    }
    if (key != SimBrowser::queue_key() && !mailbox) return;
    const std::vector<std::string> ids = sim::snapshot_ids(text);
    // A shared-key write keeps an event only when the writer is the leader the browser knows (it
    // holds the lock, or the live lease names it): a stale leader's write (frozen, its lock
    // stolen) is overwritten by the real one's next write.
    if (ok && key == SimBrowser::queue_key() && !writer_is_elected(tab)) {
      for (const std::string& id : ids) note(id, "in a shared-key write by tab " + std::to_string(tab) + ", not the elected leader");
      const std::set<std::string> now_in(ids.begin(), ids.end());
      for (const std::string& id : shared_ids_)
        if (!now_in.count(id)) {
          erased_by_stale_.insert(id);
          note(id, "erased from the shared key by a write of tab " + std::to_string(tab) + ", a superseded leader" +
                       (b_.collector.by_id.count(id) && b_.collector.by_id[id] ? " (stored by then)" : " (NOT stored yet)"));
        }
      shared_ids_.clear();  // what the elected leader wrote is gone until it writes again
      stale_writes_++;
      return;
    }
    if (!ok) {
      if (mailbox) {
        for (const std::string& id : ids) note(id, "mailbox write refused (quota): " + key);
        refused_mailbox_.insert(ids.begin(), ids.end());
        // The named case: the page sends a refused hand-over itself; a copy when it had been
        // posted and a leader took it in before the page's leave.
        if (!b_.cfg.broken.ignore_unwritten)
          for (const std::string& id : ids) allow(id, "mailbox refused");
        if (tab == calling_) handed_this_call_.insert(ids.begin(), ids.end());  // handed to a refusing storage
      }
      return;
    }
    for (const std::string& id : ids) {
      auto it = events_.find(id);
      if (it != events_.end() && !it->second.durable) {
        it->second.durable = true;
        note(id, "first in storage: " + key + " by tab " + std::to_string(tab));
      }
    }
    if (key == SimBrowser::queue_key()) {
      // Who takes an event out of the shared key, and whether it was delivered by then.
      const std::set<std::string> now_in(ids.begin(), ids.end());
      for (const std::string& id : shared_ids_)
        if (!now_in.count(id))
          note(id, "left the shared key with tab " + std::to_string(tab) + "'s write" +
                       (b_.collector.by_id.count(id) && b_.collector.by_id[id] ? " (stored by then)" : " (NOT stored yet)"));
      shared_ids_ = now_in;
    }
    if (mailbox) {
      if (tab == calling_) handed_this_call_.insert(ids.begin(), ids.end());
      for (const std::string& id : ids) note(id, "in mailbox " + key);
      // The named case: a hand-over written to a mailbox after a leader took it over the channel.
      const std::string rest = key.substr(SimBrowser::mailbox_prefix().size());
      const std::size_t colon = rest.rfind(':');
      const auto hk = std::make_pair(rest.substr(0, colon), static_cast<std::uint32_t>(std::stoul(rest.substr(colon + 1))));
      if (adopted_handovers_.count(hk))
        for (const std::string& id : ids) allow(id, "lost hand-over answer");
    }
  }
  void on_post(int tab, const TabMessage& m) override {
    if (m.kind != TabMessage::Kind::handover) return;
    proto_id_[tab] = m.tab;
    auto& p = pending_[tab];
    const std::vector<std::string> ids = sim::snapshot_ids(m.text);
    if (tab == calling_) handed_this_call_.insert(ids.begin(), ids.end());
    const bool first = !p.count(m.n) || p[m.n] != ids;
    p[m.n] = ids;
    if (first) {
      for (const std::string& id : ids) {
        note(id, "handed over by tab " + std::to_string(tab) + " n=" + std::to_string(m.n));
        auto it = events_.find(id);
        if (it != events_.end()) it->second.holders.insert(tab);
      }
    }
  }
  void on_message_dropped(int from, int to, const TabMessage& m, const char* why) override {
    (void)from;
    if (std::string(why) == "channel closed before delivery") unqueue(to, m);
    if (m.kind == TabMessage::Kind::handover) return;  // re-posted until answered
    const auto pid = proto_id_.find(to);
    if (pid == proto_id_.end() || pid->second != m.tab) return;  // not its follower
    const auto p = pending_[to].find(m.n);
    if (p == pending_[to].end()) return;
    for (const std::string& id : p->second) allow(id, "lost hand-over answer");
    (void)why;
  }
  void on_message_queued(int to, const TabMessage& m) override {
    if (m.kind != TabMessage::Kind::handover) return;
    auto& q = inflight_[to][{m.tab, m.n}];
    ++q.first;
    q.second = sim::snapshot_ids(m.text);
  }
  void on_not_taken(int tab, const std::string& id) override {
    if (b_.collector.by_id.count(id) && b_.collector.by_id[id]) return;  // delivered: rightly left
    not_taken_.insert(id);
    note(id, "in tab " + std::to_string(tab) + "'s election read, not taken in by its core");
  }
  std::set<std::string> not_taken_;
  void on_glue_exception(int tab) override {
    glue_cut_ = true;
    const auto mark = [&](const std::string& id) {
      glue_hit_.insert(id);
      note(id, "tab " + std::to_string(tab) + " lost the rest of a call's effects to a glue exception");
    };
    for (const std::string& id : held_[tab]) mark(id);
    for (const auto& [n, ids] : pending_[tab])
      for (const std::string& id : ids) mark(id);
    for (const std::string& id : handed_this_call_) mark(id);
  }
  // A follower took the lock from a leader that answered nothing for leader_silent_ms (frozen, or
  // every answer lost): what the old leader holds may go out twice (its requests' answers come
  // late, its queue was in the shared key, hand-overs queued for it reach it as leader).
  void on_steal(int thief, int victim) override {
    (void)thief;
    for (const std::string& id : held_[victim]) allow(id, "lock stolen");
    for (const auto& [n, ids] : pending_[victim])
      for (const std::string& id : ids) allow(id, "lock stolen");
    for (const auto& [k, q] : inflight_[victim])
      for (const std::string& id : q.second) allow(id, "lock stolen");
  }
  void on_stale_read(int tab, const std::string& view, const std::string& truth) override {
    const std::vector<std::string> seen = sim::snapshot_ids(view);
    const std::set<std::string> in_view(seen.begin(), seen.end());
    const std::vector<std::string> in_truth = sim::snapshot_ids(truth);
    const std::set<std::string> truth_set(in_truth.begin(), in_truth.end());
    for (const std::string& id : seen)
      if (!truth_set.count(id)) {
        stale_read_.insert(id);
        note(id, "taken by tab " + std::to_string(tab) + "'s election read from a stale view (the browser's copy no longer holds it)");
      }
    for (const std::string& id : in_truth)
      if (!in_view.count(id)) {
        stale_read_.insert(id);
        note(id, "missed by tab " + std::to_string(tab) + "'s election read (its view of the shared key was stale)");
      }
  }
  void unqueue(int to, const TabMessage& m) {
    if (m.kind != TabMessage::Kind::handover) return;
    auto& per = inflight_[to];
    const auto it = per.find({m.tab, m.n});
    if (it != per.end() && --it->second.first <= 0) per.erase(it);
  }
  void on_message_delivered(int to, const TabMessage& m) override {
    unqueue(to, m);
    SimTab& t = *b_.tabs[static_cast<std::size_t>(to)];
    if (m.kind == TabMessage::Kind::handover) {
      if (t.runnable() && t.core->tab_stats().leader) {
        adopted_handovers_.insert({m.tab, m.n});
        adopted_by_[to].insert({m.tab, m.n});
      }
      return;
    }
    const auto pid = proto_id_.find(to);
    // An ack for a write keeps the hand-over with its follower until its view shows that write
    // (on_storage_event); a final one ends it (and any ack, with the broken rule).
    if (m.kind == TabMessage::Kind::ack && pid != proto_id_.end() && pid->second == m.tab &&
        (m.text.empty() || b_.cfg.broken.final_acks))
      pending_[to].erase(m.n);
  }
  // A follower's view shows a write of the shared key: its hand-overs all of whose events it holds
  // are confirmed (TabProtocol::on_storage).
  void on_storage_event(int to, const std::string& key, const std::string& text) override {
    if (key != SimBrowser::queue_key()) return;
    const std::vector<std::string> v = sim::snapshot_ids(text);
    const std::set<std::string> shown(v.begin(), v.end());
    auto& p = pending_[to];
    for (auto it = p.begin(); it != p.end();) {
      bool all = !it->second.empty();
      for (const std::string& id : it->second) all = all && shown.count(id);
      it = all ? p.erase(it) : std::next(it);
    }
  }
  void on_cookie_write(int tab, const std::optional<std::string>& alive, const std::string& last, double expired_at,
                       const std::string& value) override {
    // (5) a session that expired (idle past its life, beyond the cookie's once-a-minute refresh
    // slack) is never written back: the visitor's next call starts a new one.
    if (!alive && !last.empty() && last == value && b_.wall() - expired_at > 60000 + 1000)
      violation("5 session: expired session revived", "session " + value + " written back by tab " + std::to_string(tab) +
                                                          " " + std::to_string(static_cast<long long>(b_.wall() - expired_at)) +
                                                          " ms after its cookie expired");
    // (5) a live session is replaced only by a tab that never saw it (tabs starting in the same
    // moment, each before the other's cookie write): a tab that saw it follows it.
    if (alive && *alive != value) {
      if (seen_[tab].count(*alive))
        violation("5 session: live session replaced", "session cookie " + *alive + " replaced while alive by " + value +
                                                         " (written by tab " + std::to_string(tab) + ", which had seen it)");
      else
        ++unseen_cookie_replacements;
    }
  }
  void on_observed(int tab, const std::optional<std::string>& cookie) override {
    if (cookie) seen_[tab].insert(*cookie);
  }
  std::uint64_t unseen_cookie_replacements = 0;

  void before_call(int tab) override {
    calling_ = tab;
    glue_cut_ = false;
    cookie_at_call_ = b_.cookies.read(b_.wall());
    SimTab& t = *b_.tabs[static_cast<std::size_t>(tab)];
    stats_before_ = t.core->stats();
    leader_before_ = t.core->tab_stats().leader;
  }
  void after_call(int tab, const char* what) override {
    calling_ = -1;
    SimTab& t = *b_.tabs[static_cast<std::size_t>(tab)];
    // The calls before which the glue shows the core the cookie (drain, lifecycle, wake).
    static const std::set<std::string> observing = {"track", "on_wake", "on_load", "on_visible", "flush", "replay kept",
                                                    "on_hidden", "on_page_leave", "on_lock(lost)", "on_lock(granted)",
                                                    "on_message", "on_storage", "on_stored", "on_lease"};
    const std::optional<std::string> cookie = observing.count(what) ? cookie_at_call_ : std::nullopt;
    struct Clear {  // what this call acknowledged, handed over and sent: its books close with it
      Checker& c;
      ~Clear() {
        c.acked_this_call_.clear();
        c.handed_this_call_.clear();
        c.sent_this_call_.clear();
      }
    } clear{*this};
    if (!t.runnable()) return;  // trapped in the call: on_tab_down did the books
    refresh_held(t, what);
    // (5) after a call made with the live cookie shown: this tab's session is the cookie's, and
    // so is every request of the call.
    if (cookie) {
      if (t.id_session != *cookie)
        violation("5 session: live cookie ignored", "tab " + std::to_string(tab) + " keeps session " + t.id_session + " after seeing the live cookie " + *cookie +
                                                     (t.glue_exceptions ? " [a glue exception dropped effects of this tab]" : ""));
      for (std::size_t r : sent_this_call_)
        if (b_.requests[r].session != *cookie)
          violation("5 session: live cookie ignored", "tab " + std::to_string(tab) + " sent session " + b_.requests[r].session + " with the live cookie " + *cookie);
    }
    // Became leader: any other core that still acts as leader overlaps it (copy case).
    const bool leader = t.core->tab_stats().leader;
    if (leader && !leader_before_) {
      pending_[tab].clear();  // its own un-confirmed hand-overs are its own again
      for (const auto& op : b_.tabs) {
        if (op->index == tab || !op->has_core() || !op->core->tab_stats().leader) continue;
        for (const std::string& id : held_[op->index]) allow(id, "leaders overlap");
        for (const auto& [n, ids] : pending_[op->index])
          for (const std::string& id : ids) allow(id, "leaders overlap");
        // Hand-overs on their way to it (queued while it was frozen): it takes them as leader
        // before it hears `lost`.
        for (const auto& [k, q] : inflight_[op->index])
          for (const std::string& id : q.second) allow(id, "leaders overlap");
      }
    }
  }
  void on_tab_down(int tab, const char* why) override {
    SimTab& t = *b_.tabs[static_cast<std::size_t>(tab)];
    const bool by_fault = std::string(why) == "glue exception" || std::string(why) == "the core is gone" ||
                          std::string(why) == "crash" || std::string(why) == "destroy" ||
                          std::string(why) == "detached close";  // no pagehide: as a crash
    if (by_fault) dead_by_fault_.insert(tab);
    // Its requests on the wire: their answers reach nobody now (even one lost before).
    for (const auto& [rid, idx] : t.open) lost_with_page_.insert(idx);
    // A leader that goes with acknowledged events the shared key or a follower still holds: the
    // next leader may send them again (copy case "crashed leader").
    const bool was_leader = t.core && t.core->tab_stats().leader;
    if (by_fault && was_leader) {
      std::set<std::string> still;
      if (auto q = b_.storage.truth_value(SimBrowser::queue_key()))
        for (const std::string& id : sim::snapshot_ids(*q)) still.insert(id);
      // Mailbox keys it took in and delivered: their removal dropped (a detached close) or not
      // yet due (no write since), the next leader's election reads them.
      for (const auto& [key, slot] : b_.storage.truth)
        if (slot.value && key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0)
          for (std::string& id : sim::snapshot_ids(*slot.value)) still.insert(std::move(id));
      for (const auto& [key, k] : b_.kept_truth())  // kept calls it replayed
        for (const auto& [id, e] : events_)
          if (e.origin == -2 && k.find(id) != std::string::npos) still.insert(id);
      for (const auto& [k, p] : pending_)
        for (const auto& [n, ids] : p) still.insert(ids.begin(), ids.end());
      for (const std::string& id : acked_by_tab_[tab])
        if (still.count(id)) allow(id, "crashed leader");
      // Hand-overs it took in and had not confirmed (or whose confirmation is still on its way):
      // their followers post them again to the next leader, which may have them from the key.
      for (const auto& [follower, p] : pending_) {
        const auto pid = proto_id_.find(follower);
        if (pid == proto_id_.end()) continue;
        for (const auto& [n, ids] : p)
          if (adopted_by_[tab].count({pid->second, n}))
            for (const std::string& id : ids) allow(id, "crashed leader");
      }
      // ... or whose post is still on its way to another tab, which may lead by the time it
      // arrives (what this leader delivered after its last write the browser kept: a page closed
      // with tasks queued, SimBrowser::close_detached).
      for (const auto& [to, per] : inflight_)
        for (const auto& [k, q] : per)
          if (q.first > 0 && adopted_by_[tab].count(k))
            for (const std::string& id : q.second) allow(id, "crashed leader");
    }
    (void)why;
  }

  bool writer_is_elected(int tab) {
    if (b_.cfg.caps.locks) return b_.locks.holder == tab;
    const std::optional<std::string> lease = b_.storage.truth_value(SimBrowser::lease_key());
    const auto pid = proto_id_.find(tab);
    if (!lease || pid == proto_id_.end() || lease->find("\"tab\":\"" + pid->second + "\"") == std::string::npos) return false;
    const std::size_t u = lease->find("\"until\":");
    return u != std::string::npos && std::strtod(lease->c_str() + u + 8, nullptr) > b_.wall();
  }
  // A tab whose core leads while the browser's election names another (its lock stolen, its
  // lease taken) and that was frozen (suspended, back/forward cache) while it led: the named copy
  // case of a frozen leader superseded.
  bool frozen_stale_now() const {
    for (const auto& tp : b_.tabs)
      if (tp->has_core() && tp->core->tab_stats().leader && frozen_in_lead_.count(tp->index) &&
          stale_.count(tp->index))
        return true;
    return false;
  }
  std::set<int> frozen_in_lead_, stale_, stale_reported_;
  std::map<int, double> stale_since_;  // a stale leader that was never frozen: since when
  std::uint64_t unfrozen_stale_episodes = 0;
  double longest_unfrozen_stale_ms = 0;
  std::uint64_t stale_writes_ = 0;
  std::uint64_t overlap_episode_ = 1;
  bool in_overlap_ = false;

  // Tabs whose core acts as leader now (frozen ones included).
  int leaders_now() const {
    int n = 0;
    for (const auto& tp : b_.tabs) n += tp->has_core() && tp->core->tab_stats().leader;
    return n;
  }

  // --- After every step ---------------------------------------------------------------------
  void check_step(const char* what) {
    (void)what;
    const bool overlap = leaders_now() > 1;
    if (overlap && !in_overlap_) ++overlap_episode_;
    in_overlap_ = overlap;
    // Stale leaders: what a frozen one held when it was superseded may go out twice.
    for (const auto& tp : b_.tabs) {
      const SimTab& t = *tp;
      const bool leads = t.has_core() && t.core->tab_stats().leader;
      if (!leads) {
        frozen_in_lead_.erase(t.index);
        stale_.erase(t.index);
        stale_since_.erase(t.index);
        continue;
      }
      if (t.life == SimTab::Life::suspended || t.life == SimTab::Life::bfcache) frozen_in_lead_.insert(t.index);
      const bool stale = !writer_is_elected(t.index);
      if (!stale) {
        stale_.erase(t.index);
        stale_since_.erase(t.index);
        continue;
      }
      // Frozen while stale: it cannot hear it was replaced; the frozen case from now on.
      const bool reclassify = stale_.count(t.index) && stale_since_.count(t.index) && frozen_in_lead_.count(t.index);
      if (reclassify) {
        stale_.erase(t.index);
        stale_since_.erase(t.index);
      }
      if (!stale_.count(t.index)) {
        stale_.insert(t.index);
        if (frozen_in_lead_.count(t.index)) {
          for (const std::string& id : held_[t.index]) allow(id, "frozen leader superseded");
          for (const auto& [n, ids] : pending_[t.index])
            for (const std::string& id : ids) allow(id, "frozen leader superseded");
          for (const auto& [k, q] : inflight_[t.index])
            for (const std::string& id : q.second) allow(id, "frozen leader superseded");
        } else {
          ++unfrozen_stale_episodes;
          stale_since_[t.index] = b_.sched.now;
        }
      }
      if (stale_since_.count(t.index)) {
        const double for_ms = b_.sched.now - stale_since_[t.index];
        longest_unfrozen_stale_ms = std::max(longest_unfrozen_stale_ms, for_ms);
        // (1a) on either election: a leader never frozen hears it was replaced within a hidden
        // tab's timer minute, a renewal and the storage delays; longer, two tabs lead.
        if (for_ms > kStaleBoundMs && !stale_reported_.count(t.index)) {
          stale_reported_.insert(t.index);
          violation("1a one leader: stale leader", "tab " + std::to_string(t.index) + " acts as leader for " +
                                         std::to_string(static_cast<long long>(for_ms)) + " ms while the election names another" +
                                         (t.glue_exceptions ? " [a glue exception dropped effects of this tab]" : "") +
                                         (b_.cfg.caps.locks ? " (lock held by tab " + (b_.locks.holder ? std::to_string(*b_.locks.holder) : std::string("none")) + ")"
                                                           : " (lease: " + b_.storage.truth_value(SimBrowser::lease_key()).value_or("none") + ", wall " + std::to_string(static_cast<long long>(b_.wall())) + ")"));
        }
      } else {
        stale_reported_.erase(t.index);
      }
    }
    // (1a) one leader holding the lock (Web Locks mode).
    if (b_.cfg.caps.locks) {
      std::vector<int> leaders;
      for (const auto& tp : b_.tabs) {
        const SimTab& t = *tp;
        if (!t.runnable() || t.lost_in_flight > 0) continue;
        if (t.core->tab_stats().leader && t.lock_believed) leaders.push_back(t.index);
      }
      if (leaders.size() > 1)
        violation("1a one leader: two lock holders", "two leaders holding the lock: tabs " + std::to_string(leaders[0]) + " and " + std::to_string(leaders[1]));
    }
    // (4) bounds.
    for (const auto& tp : b_.tabs) {
      const SimTab& t = *tp;
      if (!t.has_core()) continue;
      const Stats s = t.core->stats();
      max_awaiting = std::max(max_awaiting, s.tabs.keys_awaiting_release);
      max_pending_bytes = std::max(max_pending_bytes, s.tabs.pending_handover_bytes);
      if (s.tabs.pending_handover_bytes > policy::max_pending_handover_bytes)
        violation("4 bounds: tab", "tab " + std::to_string(t.index) + " pending hand-over bytes " + std::to_string(s.tabs.pending_handover_bytes));
      if (s.tabs.adopted_remembered > policy::max_adopted_remembered)
        violation("4 bounds: tab", "tab " + std::to_string(t.index) + " adopted set " + std::to_string(s.tabs.adopted_remembered));
      if (s.tabs.keys_awaiting_release > kAwaitingBound)
        violation("4 bounds: tab", "tab " + std::to_string(t.index) + " awaiting " + std::to_string(s.tabs.keys_awaiting_release));
      if (s.queued > policy::max_queued_events || s.queued_bytes > policy::max_queued_bytes)
        violation("4 bounds: tab", "tab " + std::to_string(t.index) + " queue over its bound");
    }
    std::map<std::string, std::size_t> mailbox_bytes;  // per writing tab (the protocol's tab id)
    std::size_t total = 0;
    for (const auto& [key, slot] : b_.storage.truth) {
      if (!slot.value) continue;
      total += key.size() + slot.value->size();
      if (key == SimBrowser::queue_key() && slot.value->size() > kQueueKeyBound)
        violation("4 bounds: storage", "shared key " + std::to_string(slot.value->size()) + " bytes");
      if (key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0) {
        const std::string rest = key.substr(SimBrowser::mailbox_prefix().size());
        mailbox_bytes[rest.substr(0, rest.rfind(':'))] += slot.value->size();
      }
    }
    max_storage = std::max(max_storage, total);
    for (const auto& [writer, bytes] : mailbox_bytes)
      if (bytes > kMailboxBound) violation("4 bounds: storage", "mailboxes of tab " + writer + " hold " + std::to_string(bytes) + " bytes");
  }

  // (2) copies: by id and by nonce, each within one plus the copy cases of its event.
  void check_copies(const std::string& id, long long nonce) {
    const auto it = events_.find(id);
    if (it == events_.end()) return;
    const Event& e = it->second;
    const int by_id = b_.collector.by_id[id];
    const int by_nonce = nonce >= 0 ? b_.collector.by_nonce[nonce] : 0;
    if (nonce >= 0 && nonce_id_.count(nonce) && nonce_id_[nonce] != id)
      violation("2 copies: nonce changed", "nonce " + std::to_string(nonce) + " stored under a second id " + id);
    const int copies = std::max(by_id, by_nonce);
    if (copies > 1) {
      const std::string why = e.cases.empty() ? "none" : e.cases.back();
      if (copies > 1 + e.allowance) {
        std::string h;
        for (const std::string& line : e.history) h += "\n      " + line;
        violation("2 copies: stored twice", "event " + id + " stored " + std::to_string(copies) + " times, copy cases " +
                  std::to_string(e.allowance) + (stale_read_.count(id) ? " [a stale election read]" : "") + h +
                  fates_of(id));
      } else {
        ++copies_by_case[why];
      }
    }
  }

  // (3) at the end, after recovery.
  void check_end() {
    for (const auto& tp : b_.tabs) {
      const SimTab& t = *tp;
      if (!t.has_core()) continue;
      const Stats s = t.core->stats();
      if (s.queued || s.tabs.pending_handovers)
        violation("3 conservation: held after recovery", "after recovery tab " + std::to_string(t.index) +
                  (t.glue_exceptions ? " [a glue exception dropped effects of this tab]" : "") + " still holds " + std::to_string(s.queued) +
                  " events and " + std::to_string(s.tabs.pending_handovers) + " hand-overs; leaders now " +
                  std::to_string(leaders_now()) + (b_.cfg.caps.locks ? ""
                      : "; lease " + b_.storage.truth_value(SimBrowser::lease_key()).value_or("none") + " at wall " +
                        std::to_string(static_cast<long long>(b_.wall()))));
    }
    for (const auto& [key, slot] : b_.storage.truth) {
      if (!slot.value) continue;
      if (key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0)
        violation("4 bounds: key left after recovery", "after recovery mailbox key " + key + " remains (" + std::to_string(slot.value->size()) + " bytes)");
      if (SimBrowser::is_kept_key(key)) violation("3 conservation: kept calls never replayed", "after recovery the kept calls' key " + key + " remains: " + *slot.value);
    }
    std::set<std::string> lost_on_keepalive;
    for (const Request& r : b_.requests)
      if (r.answer_lost && !r.stored && r.transport != Transport::fetch && lost_with_page_.count(&r - b_.requests.data()))
        for (const sim::WireEvent& w : r.events) lost_on_keepalive.insert(w.id);
    // Storage full (its hand-over's mailbox refused) and the page's keepalive refused at its leave:
    // no carrier was left (liliput's request would have been refused too).
    std::set<std::string> refused_everywhere;
    for (const Request& r : b_.requests)
      if (r.refused)
        for (const sim::WireEvent& w : r.events)
          if (refused_mailbox_.count(w.id)) refused_everywhere.insert(w.id);
    for (const auto& [id, e] : events_) {
      if (e.nonce < 0) continue;
      if (b_.collector.by_id[id] > 0) continue;
      if (!e.dropped.empty()) {
        ++loss_counts["dropped: " + e.dropped];
        continue;
      }
      bool holders_dead = !e.durable && e.origin >= 0;
      std::set<int> holders = e.holders;
      if (e.origin >= 0) holders.insert(e.origin);
      for (int h : holders) holders_dead = holders_dead && dead_by_fault_.count(h);
      if (holders_dead) {
        ++loss_counts["its only holders trapped or were destroyed before any persist"];
        continue;
      }
      if (lost_on_keepalive.count(id)) {
        ++loss_counts["on a keepalive request that failed after its page or core was gone"];
        continue;
      }
      if (refused_everywhere.count(id)) {
        ++loss_counts["its mailbox write and its page's keepalive at the leave both refused"];
        continue;
      }
      if (e.origin == -2) {
        bool kept = false;
        for (const auto& [key, text] : b_.kept_truth()) kept = kept || text.find(id) != std::string::npos;
        if (kept) continue;  // reported as never replayed
      }
      std::string h;
      for (const std::string& line : e.history) h += "\n      " + line;
      h += "\n      durable " + std::to_string(e.durable) + "; ever held by:";
      for (int x : e.holders) h += " " + std::to_string(x) + (dead_by_fault_.count(x) ? "(trapped/destroyed)" : "");
      h += "; now held by:";
      for (const auto& tp : b_.tabs) {
        if (!tp->has_core()) continue;
        if (held_[tp->index].count(id)) h += " tab " + std::to_string(tp->index) + " (life " + std::to_string(static_cast<int>(tp->life)) + ", leader " + std::to_string(tp->core->tab_stats().leader) + ")";
      }
      for (const auto& [key, slot] : b_.storage.truth)
        if (slot.value && slot.value->find(id) != std::string::npos) h += " storage " + key;
      h += fates_of(id);
      bool glue = glue_hit_.count(id) > 0;
      for (int x : holders) glue = glue || b_.tabs[static_cast<std::size_t>(x)]->glue_exceptions > 0;
      violation(refused_mailbox_.count(id) ? "3 conservation: lost, a mailbox write refused"
                : glue                    ? "3 conservation: lost, a holder lost effects to a glue exception"
                                          : "3 conservation: lost",
                "event " + id + " (nonce " + std::to_string(e.nonce) + ") lost" +
                (refused_mailbox_.count(id) ? " [a mailbox write of it was refused]" : "") +
                (stale_read_.count(id) ? " [a stale election read missed it]" : "") +
                (not_taken_.count(id) ? " [an election read held it, the core did not take it in]" : "") +
                (erased_by_stale_.count(id) ? " [a superseded leader's write erased it from the shared key]" : "") + h);
    }
  }

 private:
  // What each tab's fate log (issue 23, fates.hpp; a core gone for good: its last one) says of
  // the event: its steps in that tab's own words ("restored > dropped:superseded > restored >
  // sent"), the view a trace lacks.
  std::string fates_of(const std::string& id) const {
    std::string out;
    const std::string head = "{\"id\":\"" + id + "\",\"step\":\"";
    for (const auto& tp : b_.tabs) {
      const std::string& log = tp->core ? tp->core->fates() : tp->last_fates;
      std::string steps;
      for (std::size_t at = log.find(head); at != std::string::npos; at = log.find(head, at + 1)) {
        const std::size_t from = at + head.size(), end = log.find('"', from);
        steps += (steps.empty() ? "" : " > ") + log.substr(from, end - from);
        const std::size_t line_end = log.find('\n', at), reason = log.find("\"reason\":\"", at);
        if (reason < line_end) steps += ":" + log.substr(reason + 10, log.find('"', reason + 10) - reason - 10);
        if (std::getenv("TRACKER_FATE_LINES")) steps += "\n        " + log.substr(at, line_end - at);
      }
      if (!steps.empty()) out += "\n      fates @tab " + std::to_string(tp->index) + ": " + steps;
    }
    return out;
  }

  bool in_pending(int tab, const std::string& id) const {
    const auto p = pending_.find(tab);
    if (p == pending_.end()) return false;
    for (const auto& [n, ids] : p->second)
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) return true;
    return false;
  }

  bool in_mailbox(const std::string& id) const {
    for (const auto& [key, slot] : b_.storage.truth)
      if (slot.value && key.compare(0, SimBrowser::mailbox_prefix().size(), SimBrowser::mailbox_prefix()) == 0 &&
          slot.value->find(id) != std::string::npos)
        return true;
    return false;
  }

  // What a tab holds now: its queue (the snapshot) and its requests on the wire. Whatever left it
  // in this call must have been acknowledged, handed over (a post or a mailbox), counted as
  // dropped, or (a resigning leader's parting hand-over) be in the shared key.
  void refresh_held(SimTab& t, const char* what) {
    std::set<std::string> now;
    for (std::string& id : sim::snapshot_ids(t.core->snapshot())) now.insert(std::move(id));
    // Its requests on the wire, but not for an event a 2xx acknowledged since (an earlier request
    // whose answer was lost still counts as open until the core times it out).
    // A request whose answer was lost is left out: the core may have sent, handed over or
    // acknowledged its events since (it settles that request only at its timeout).
    const auto& acked_at = acked_at_[t.index];
    std::set<std::string> lost_wire;  // on such a request: not missing now, not held from now on
    for (const auto& [rid, idx] : t.open) {
      for (const sim::WireEvent& w : b_.requests[idx].events) {
        const auto a = acked_at.find(w.id);
        if (a != acked_at.end() && idx < a->second) continue;
        (b_.requests[idx].answer_lost ? lost_wire : now).insert(w.id);
      }
    }
    std::set<std::string>& before = held_[t.index];
    const Stats s = t.core->stats();
    std::string reasons;
    for (const auto& [reason, n] : s.dropped) {
      const auto it = stats_before_.dropped.find(reason);
      const std::uint64_t was = it == stats_before_.dropped.end() ? 0 : it->second;
      if (n > was) reasons += (reasons.empty() ? "" : "+") + std::string(reason);
    }
    std::set<std::string> shared;
    bool shared_read = false;
    for (const std::string& id : before) {
      if (now.count(id) || lost_wire.count(id) || acked_this_call_.count(id) || handed_this_call_.count(id)) continue;
      if (!reasons.empty()) {
        events_[id].dropped = reasons;
        note(id, "dropped by tab " + std::to_string(t.index) + ": " + reasons);
        continue;
      }
      if (s.transferred > stats_before_.transferred) {
        if (!shared_read) {
          shared_read = true;
          if (auto q = b_.storage.truth_value(SimBrowser::queue_key()))
            for (std::string& sid : sim::snapshot_ids(*q)) shared.insert(std::move(sid));
        }
        if (shared.count(id)) continue;
      }
      // Its answer lost: the core keeps it pending; a handed-off beacon is the browser's.
      if (s.handed_off > stats_before_.handed_off) continue;
      // Handed over in an earlier call while a request still carried it (its answer now takes it
      // off the wire): a mailbox in storage holds it, for a leader to take in, or this tab's own
      // hand-over still awaiting its confirmation (a request re-sent at a leave, both answered
      // after a return from the back/forward cache: the first answer hands its events over).
      if (in_mailbox(id) || in_pending(t.index, id)) continue;
      // Left in a call a glue exception cut short: where it went was among the dropped effects.
      if (glue_cut_) {
        glue_hit_.insert(id);
        note(id, "left tab " + std::to_string(t.index) + " in a call cut short by a glue exception");
        continue;
      }
      std::string h;
      for (const std::string& line : events_[id].history) h += "\n      " + line;
      violation("3 conservation: vanished", "event " + id + " vanished from tab " + std::to_string(t.index) + " in " + what + h +
                                                  fates_of(id));
    }
    const bool frozen_stale = stale_.count(t.index) && frozen_in_lead_.count(t.index);
    for (const std::string& id : now) {
      auto it = events_.find(id);
      if (it == events_.end()) continue;
      it->second.holders.insert(t.index);
      // Taken in by a superseded frozen leader before it heard: both may send it.
      if (frozen_stale && !before.count(id)) allow(id, "frozen leader superseded");
    }
    before = std::move(now);
  }

  SimBrowser& b_;
  std::unordered_map<std::string, Event> events_;
  std::map<long long, std::string> nonce_id_;
  std::map<int, std::set<std::string>> held_;
  std::map<int, std::map<std::uint32_t, std::vector<std::string>>> pending_;  // tab -> n -> ids
  std::map<int, std::string> proto_id_;  // tab index -> the protocol's tab id (from its posts)
  std::set<std::pair<std::string, std::uint32_t>> adopted_handovers_;  // reached a leader
  std::map<int, std::set<std::pair<std::string, std::uint32_t>>> adopted_by_;  // per leader
  std::map<std::string, std::set<std::size_t>> on_wire_;
  std::map<int, std::set<std::string>> acked_by_tab_;
  std::map<int, std::map<std::string, std::size_t>> acked_at_;  // tab -> event -> requests count at its ack
  std::set<int> dead_by_fault_;
  std::set<std::size_t> lost_with_page_;
  std::set<std::string> refused_mailbox_;
  std::set<std::string> glue_hit_;
  std::set<std::string> erased_by_stale_;  // in the shared key, overwritten by a superseded leader  // held by a tab when a glue exception dropped effects
  bool glue_cut_ = false;          // this call was cut short by a glue exception
  std::set<std::string> shared_ids_;  // the events of the shared key as last written
  std::set<std::string> stale_read_;  // in the browser's shared key, missed by an election's read
  std::map<int, std::map<std::pair<std::string, std::uint32_t>, std::pair<int, std::vector<std::string>>>> inflight_;
  std::map<int, std::set<std::string>> seen_;  // cookie values each tab's host read
  std::optional<std::string> cookie_at_call_;
  int calling_ = -1;
  Stats stats_before_;
  bool leader_before_ = false;
  std::set<std::string> acked_this_call_, handed_this_call_;
  std::vector<std::size_t> sent_this_call_;
};

// ---------------------------------------------------------------------------------------------
// One run: a browser, its tabs, the checker, a schedule.
struct RunResult {
  std::vector<std::string> violations;
  std::map<std::string, int> kinds;  // violations by invariant
  std::uint64_t steps = 0;       // operations + facts handled, each followed by the checks
  std::uint64_t ops = 0;
  std::uint64_t tabs_opened = 0;
  std::uint64_t accepted = 0;
  std::uint64_t stored = 0;
  std::map<std::string, int> cases, copies, losses;
  std::size_t max_awaiting = 0, max_pending_bytes = 0, max_storage = 0;
  std::uint64_t unfrozen_stale = 0, stale_writes = 0;
  double longest_unfrozen_stale_ms = 0;
  std::vector<std::string> log;  // the operations as executed
};

class Run {
 public:
  Run(std::uint64_t seed, const std::vector<Op>& ops, BrokenRules broken, bool keep_log)
      : seed_(seed), ops_(ops), keep_log_(keep_log), browser_(config(seed, broken), seed), checker_(browser_) {
    browser_.observer = &checker_;
    if (std::getenv("TRACKER_TRACE")) browser_.trace = [](const std::string& line) { std::cerr << line << "\n"; };
  }

  static SimBrowser::Config config(std::uint64_t seed, BrokenRules broken) {
    SimBrowser::Config c;
    c.options = options();
    c.broken = broken;
    switch (seed % 10) {
      case 6: case 7: c.caps = TabCaps{false, true, true}; break;   // lease (no Web Locks)
      case 8: c.caps = TabCaps{true, false, true}; break;          // no BroadcastChannel: mailboxes
      case 9: c.caps = TabCaps{false, false, true}; break;         // lease and mailboxes
      default: c.caps = TabCaps{true, true, true}; break;
    }
    return c;
  }

  RunResult go() {
    std::mt19937_64 start(seed_ * 31 + 7);
    browser_.rng.seed(start());
    // Several tabs start at once, calls kept by an earlier page waiting for the first leader.
    stub_page(static_cast<int>(start() % 4));
    const int first = 2 + static_cast<int>(start() % 3);
    for (int i = 0; i < first; ++i) open_tab();
    check("start");
    for (const Op& op : ops_) {
      browser_.rng.seed(op.seed);
      execute(op);
      ++result_.ops;
      check(op_name(op.kind));
    }
    recover();
    checker_.check_end();
    result_.violations = checker_.violations;
    result_.kinds = checker_.violation_kinds;
    result_.accepted = checker_.accepted_count;
    result_.stored = browser_.collector.stored_events;
    result_.cases = checker_.case_counts;
    result_.copies = checker_.copies_by_case;
    result_.losses = checker_.loss_counts;
    result_.max_awaiting = checker_.max_awaiting;
    result_.max_pending_bytes = checker_.max_pending_bytes;
    result_.max_storage = checker_.max_storage;
    result_.unfrozen_stale = checker_.unfrozen_stale_episodes;
    result_.longest_unfrozen_stale_ms = checker_.longest_unfrozen_stale_ms;
    result_.stale_writes = checker_.stale_writes_;
    return result_;
  }

 private:
  void check(const char* what) {
    ++result_.steps;
    checker_.check_step(what);
  }
  void advance(double ms) {
    static const bool trace = std::getenv("TRACKER_TRACE") != nullptr;
    browser_.run(browser_.sched.now + ms, [this](const char* what, int tab) {
      if (trace) {
        std::cerr << "  t=" << static_cast<long long>(browser_.sched.now) << " " << what;
        if (tab >= 0) {
          const SimTab& t = *browser_.tabs[static_cast<std::size_t>(tab)];
          std::cerr << " @tab " << tab << (t.has_core() && t.core->tab_stats().leader ? " (leader)" : "");
        }
        std::cerr << "\n";
      }
      check(what);
    });
  }
  void log(const std::string& line) {
    if (keep_log_) result_.log.push_back("t=" + std::to_string(static_cast<long long>(browser_.sched.now)) + " " + line);
  }

  std::vector<SimTab*> live() {
    std::vector<SimTab*> out;
    for (auto& t : browser_.tabs)
      if ((t->life == SimTab::Life::live || t->life == SimTab::Life::suspended) && !t->storage_detached) out.push_back(t.get());
    return out;
  }
  SimTab* pick(std::uint64_t a, bool prefer_leader) {
    std::vector<SimTab*> l = live();
    if (l.empty()) return nullptr;
    if (prefer_leader && a % 10 < 6)
      for (SimTab* t : l)
        if (t->has_core() && t->core->tab_stats().leader) return t;
    return l[a % l.size()];
  }
  SimTab& open_tab() {
    ++result_.tabs_opened;
    SimTab& t = browser_.open_tab();
    check("open");
    return t;
  }
  void stub_page(int calls) {
    if (calls <= 0) return;
    // A page that left before its core ran: its stub kept the calls (ids minted at the call), in a
    // key of its own (stub.js persistCalls); with the broken rule, appended to the one shared key,
    // as before session 17 (a leader's release from a stale view erased other pages' calls).
    const bool shared = browser_.cfg.broken.one_kept_key;
    const std::string key = shared ? SimBrowser::stub_key() : SimBrowser::stub_key() + "/" + std::to_string(++kept_writes_);
    std::string text = shared ? browser_.storage.truth_value(key).value_or("") : "";
    std::vector<std::pair<std::string, long long>> made;
    for (int i = 0; i < calls; ++i) {
      Entropy e;
      for (auto& w : e.words) w = static_cast<std::uint32_t>(browser_.rng());
      const std::string id = make_uuid4(e);
      const long long nonce = next_nonce_++;
      char line[160];
      std::snprintf(line, sizeof line, "%s %lld %.0f\n", id.c_str(), nonce, browser_.wall() - 1000);
      text += line;
      made.emplace_back(id, nonce);
    }
    // Written by a page outside the tracker's election (the tab index no tracker uses).
    if (browser_.storage.write(-1, key, text)) {
      for (const auto& [id, nonce] : made) checker_.kept(id, nonce);
      browser_.spread(-1, key);
    }
  }

  void execute(const Op& op) {
    std::string line = op_name(op.kind);
    SimTab* t = nullptr;
    switch (op.kind) {
      case OpKind::track:
        if ((t = pick(op.a, false)) && t->runnable()) {
          const bool fire = op.b % 10 == 0;
          line += " tab " + std::to_string(t->index) + (fire ? " fire" : "");
          t->track(next_nonce_++, fire);
        }
        break;
      case OpKind::advance_short: advance(1 + static_cast<double>(op.a % 300)); break;
      case OpKind::advance_mid: advance(300 + static_cast<double>(op.a % 5000)); break;
      case OpKind::advance_long: advance(5000 + static_cast<double>(op.a % 175000)); break;
      case OpKind::hide_show:
        if ((t = pick(op.a, false)) && t->runnable() && !t->left) {
          line += (t->hidden ? " show tab " : " hide tab ") + std::to_string(t->index);
          if (t->hidden) t->show();
          else t->hide();
        }
        break;
      case OpKind::leave:
        if ((t = pick(op.a, op.b % 2 == 0)) && t->runnable()) {
          const bool cache = op.b % 3 == 0;
          line += " tab " + std::to_string(t->index) + (cache ? " (bfcache)" : "");
          if (!cache && op.detached) {
            line += " (closed with tasks queued: writes dropped, no pagehide)";
            browser_.close_detached(*t, 50 + static_cast<double>(op.seed % 550));
          } else {
            t->leave(cache);
          }
        }
        break;
      case OpKind::bfcache_back:
        for (auto& tp : browser_.tabs)
          if (tp->life == SimTab::Life::bfcache) {
            line += " tab " + std::to_string(tp->index);
            tp->back_from_bfcache();
            break;
          }
        break;
      case OpKind::open_tabs: {
        const int n = 1 + static_cast<int>(op.a % 3);
        for (int i = 0; i < n && static_cast<int>(live().size()) < 6; ++i) {
          line += " tab " + std::to_string(browser_.tabs.size());
          open_tab();
        }
        break;
      }
      case OpKind::crash:
        if ((t = pick(op.a, true)) && t->has_core()) {
          line += " tab " + std::to_string(t->index) + (t->core->tab_stats().leader ? " (leader)" : "");
          browser_.crash(*t, "crash");
        }
        break;
      case OpKind::glue_exception:
        if ((t = pick(op.a, true)) && t->has_core()) {
          t->throw_after = static_cast<int>(op.b % 4);
          line += " tab " + std::to_string(t->index) + " after " + std::to_string(t->throw_after) + " effects";
        }
        break;
      case OpKind::suspend_resume:
        if ((t = pick(op.a, true))) {
          line += (t->life == SimTab::Life::suspended ? " resume tab " : " suspend tab ") + std::to_string(t->index);
          if (t->life == SimTab::Life::suspended) t->resume();
          else t->suspend();
        }
        break;
      case OpKind::destroy:
        if ((t = pick(op.a, true)) && t->runnable()) {
          line += " tab " + std::to_string(t->index);
          t->destroy();
        }
        break;
      case OpKind::outage: {
        static const int modes[] = {200, 200, 503, 0, 500};
        browser_.collector.mode = modes[op.a % 5];
        line += " collector " + std::to_string(browser_.collector.mode);
        break;
      }
      case OpKind::quota: {
        // Other scripts of the origin fill its storage: none, all but 40 KB, or all of it.
        SimStorage& st = browser_.storage;
        const std::size_t own = st.used() - st.filler;
        const std::size_t left = op.a % 3 == 1 ? 40 * 1024 : 0;
        st.filler = op.a % 3 == 0 || st.quota <= own + left ? 0 : st.quota - own - left;
        line += op.a % 3 == 0 ? " storage free" : " storage nearly full (" + std::to_string(left) + " left)";
        break;
      }
      case OpKind::channel: {
        static const double losses[] = {0, 0, 0.05, 0.3};
        browser_.channel.loss = losses[op.a % 4];
        browser_.channel.slow_share = op.b % 3 == 0 ? 0.1 : 0;
        line += " loss " + std::to_string(browser_.channel.loss) + " slow " + std::to_string(browser_.channel.slow_share);
        break;
      }
      case OpKind::clock_jump: {
        const double d = op.b % 5 == 0 ? -24.0 * 3600 * 1000 : (op.b % 2 ? 1.0 : -1.0) * (60000.0 + static_cast<double>(op.a % (3 * 3600 * 1000)));
        browser_.wall_shift += d;
        line += " " + std::to_string(static_cast<long long>(d)) + " ms";
        break;
      }
      case OpKind::sleep: {
        const double d = 600000.0 + static_cast<double>(op.a % (2 * 3600 * 1000));
        browser_.wall_shift += d;  // the device sleeps: wall time passes, performance.now() does not
        line += " " + std::to_string(static_cast<long long>(d)) + " ms";
        break;
      }
      case OpKind::stub_page:
        line += " " + std::to_string(1 + op.a % 4) + " calls";
        stub_page(1 + static_cast<int>(op.a % 4));
        break;
      case OpKind::flush:
        if ((t = pick(op.a, false)) && t->runnable()) {
          line += " tab " + std::to_string(t->index);
          t->flush();
        }
        break;
      case OpKind::network: {
        static const double loss[] = {0, 0, 0.05, 0.2};
        browser_.answer_loss = loss[op.a % 4];
        browser_.slow_share = op.b % 4 == 0 ? 0.05 : 0;
        browser_.keepalive_refusal = op.b % 3 == 0 ? 0.5 : 0;
        for (auto& tp : browser_.tabs) tp->refuse_keepalive = browser_.keepalive_refusal > 0;
        line += " answer loss " + std::to_string(browser_.answer_loss);
        break;
      }
      case OpKind::count: break;
    }
    if (live().empty()) open_tab();
    if (std::getenv("TRACKER_TRACE")) std::cerr << "t=" << static_cast<long long>(browser_.sched.now) << " " << line << "\n";
    log(line);
  }

  // Recovery: everything healthy again, every tab back and visible, ten minutes of time.
  void recover() {
    browser_.collector.mode = 200;
    browser_.answer_loss = 0;
    browser_.slow_share = 0;
    browser_.keepalive_refusal = 0;
    browser_.channel.loss = 0;
    browser_.channel.slow_share = 0;
    browser_.storage.filler = 0;
    for (auto& tp : browser_.tabs) {
      tp->refuse_keepalive = false;
      tp->throw_after = -1;
      if (tp->life == SimTab::Life::suspended) tp->resume();
      if (tp->life == SimTab::Life::bfcache) tp->back_from_bfcache();
    }
    advance(1);
    // A page whose leave into the cache was under way (its pagehide ran, it is frozen a moment
    // later) is in the cache only now: back too, or its answers wait there for ever.
    for (auto& tp : browser_.tabs)
      if (tp->life == SimTab::Life::bfcache) tp->back_from_bfcache();
    for (auto& tp : browser_.tabs)
      if (tp->runnable() && tp->hidden && !tp->left) tp->show();
    if (live().empty()) open_tab();
    for (int i = 0; i < 120; ++i) advance(5000);
  }

  std::uint64_t seed_;
  std::vector<Op> ops_;
  bool keep_log_;
  SimBrowser browser_;
  Checker checker_;
  RunResult result_;
  long long next_nonce_ = 1;
  int kept_writes_ = 0;
};

RunResult run_seed(std::uint64_t seed, int ops, BrokenRules broken = {}, Profile profile = Profile::full,
                   bool keep_log = false) {
  return Run(seed, make_schedule(seed, ops, profile), broken, keep_log).go();
}

// Shrinks a failing schedule: drops chunks of operations while the run still shows `kind`.
std::vector<Op> shrink(std::uint64_t seed, std::vector<Op> ops, BrokenRules broken, const std::string& kind) {
  auto fails = [&](const std::vector<Op>& o) { return Run(seed, o, broken, false).go().kinds.count(kind) > 0; };
  if (!fails(ops)) return ops;
  for (std::size_t chunk = ops.size() / 2; chunk >= 1; chunk /= 2) {
    for (std::size_t at = 0; at < ops.size();) {
      std::vector<Op> fewer(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(at));
      fewer.insert(fewer.end(), ops.begin() + static_cast<std::ptrdiff_t>(std::min(ops.size(), at + chunk)), ops.end());
      if (fewer.size() < ops.size() && fails(fewer)) ops = std::move(fewer);
      else at += chunk;
    }
    if (chunk == 1) break;
  }
  return ops;
}

void print_minimal(std::uint64_t seed, int ops, BrokenRules broken, const std::string& kind,
                   Profile profile = Profile::full) {
  const std::vector<Op> minimal = shrink(seed, make_schedule(seed, ops, profile), broken, kind);
  const RunResult m = Run(seed, minimal, broken, true).go();
  std::cout << "  minimal schedule of seed " << seed << " for (" << kind << "), " << minimal.size() << " operations:\n";
  for (const std::string& line : m.log) std::cout << "    " << line << "\n";
  for (const std::string& v : m.violations)
    if (v.compare(0, kind.size() + 2, "(" + kind + ")") == 0) std::cout << "    => " << v << "\n";
}

// Every fault at once, in every build since session 18 (100 seeds natively, 8 under the
// sanitizers). More seeds find more (TRACKER_PROPERTY_SEEDS=300: docs/design.md "Status" lists
// what they show).
TEST(MultiTabProperty, InvariantsHoldUnderAnAdversarialSchedule) {
  const int seeds = env_int("TRACKER_PROPERTY_SEEDS", 100);
  const int ops = env_int("TRACKER_MULTI_TAB_OPS", 300);
  if (const char* one = std::getenv("TRACKER_SEED")) {  // one seed, told in full
    const Profile profile = std::getenv("TRACKER_CLOSE") ? Profile::mild_close
                            : std::getenv("TRACKER_MILD") ? Profile::mild : Profile::full;
    if (const char* kind = std::getenv("TRACKER_SHRINK_KIND")) {  // ... or shrunk to one kind of violation
      print_minimal(static_cast<std::uint64_t>(std::atoll(one)), ops, {}, kind, profile);
      return;
    }
    const RunResult r = run_seed(static_cast<std::uint64_t>(std::atoll(one)), ops, {}, profile, true);
    for (const std::string& line : r.log) std::cout << line << "\n";
    for (const std::string& v : r.violations) std::cout << "=> " << v << "\n";
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t steps = 0, total_ops = 0, accepted = 0, stored = 0, tabs = 0;
  std::map<std::string, int> cases, copies, losses;
  std::size_t max_awaiting = 0, max_pending = 0, max_storage = 0;
  std::uint64_t unfrozen_stale = 0, stale_writes = 0;
  double longest_stale = 0;
  int failed = 0;
  std::map<std::string, int> first_seed, seeds_by_kind;
  std::map<std::string, std::string> first_message;
  for (int seed = 1; seed <= seeds; ++seed) {
    const RunResult r = run_seed(static_cast<std::uint64_t>(seed), ops);
    steps += r.steps;
    total_ops += r.ops;
    accepted += r.accepted;
    stored += r.stored;
    tabs += r.tabs_opened;
    for (const auto& [k, n] : r.cases) cases[k] += n;
    for (const auto& [k, n] : r.copies) copies[k] += n;
    for (const auto& [k, n] : r.losses) losses[k] += n;
    max_awaiting = std::max(max_awaiting, r.max_awaiting);
    max_pending = std::max(max_pending, r.max_pending_bytes);
    max_storage = std::max(max_storage, r.max_storage);
    unfrozen_stale += r.unfrozen_stale;
    stale_writes += r.stale_writes;
    longest_stale = std::max(longest_stale, r.longest_unfrozen_stale_ms);
    if (!r.violations.empty()) {
      ++failed;
      for (const auto& [kind, n] : r.kinds) {
        if (!first_seed.count(kind)) {
          first_seed[kind] = seed;
          for (const std::string& v : r.violations)
            if (v.compare(0, kind.size() + 2, "(" + kind + ")") == 0) {
              first_message[kind] = v;
              break;
            }
        }
        ++seeds_by_kind[kind];
      }
    }
  }
  for (const auto& [kind, seed] : first_seed) {
    ADD_FAILURE() << "(" << kind << ") fails in " << seeds_by_kind[kind] << " of " << seeds << " seeds; first seed " << seed
                  << ": " << first_message[kind];
    if (std::getenv("TRACKER_SHRINK")) print_minimal(static_cast<std::uint64_t>(seed), ops, {}, kind);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "multi-tab harness: " << seeds << " seeds, " << total_ops << " operations, " << steps
            << " checked steps (" << steps / static_cast<std::uint64_t>(seeds) << " per seed), " << tabs
            << " tabs, " << accepted << " events accepted, " << stored << " stored, " << failed
            << " failing seeds, " << secs << " s\n";
  std::cout << "  copy cases met:";
  for (const auto& [k, n] : cases) std::cout << " [" << k << ": " << n << "]";
  std::cout << "\n  extra copies stored, by case:";
  for (const auto& [k, n] : copies) std::cout << " [" << k << ": " << n << "]";
  std::cout << "\n  legitimate losses:";
  for (const auto& [k, n] : losses) std::cout << " [" << k << ": " << n << "]";
  std::cout << "\n  max awaiting " << max_awaiting << ", max pending hand-over bytes " << max_pending
            << ", max storage bytes " << max_storage << "\n";
  std::cout << "  leaders acting while the election names another, never frozen: " << unfrozen_stale
            << " (longest " << longest_stale << " ms); shared-key writes by such leaders: " << stale_writes << "\n";
}

// Under the mild profile (no storage quota, no frozen tabs, no clock jumps or sleeps, no calls kept
// after the first elections; crashes, glue exceptions, page leaves, lost messages and answers,
// outages as in the full run) the current protocol and glue keep every invariant: the baseline
// the broken-rule test compares with.
// Runs in every build since session 13 (its last violations: kept calls replayed from a stale view,
// fixed in the protocol; two false reports, fixed in the checker).
TEST(MultiTabProperty, InvariantsHoldUnderTheMildSchedule) {
  const int seeds = env_int("TRACKER_PROPERTY_SEEDS", 100);
  const int ops = env_int("TRACKER_MULTI_TAB_OPS", 300);
  std::uint64_t steps = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const RunResult r = run_seed(static_cast<std::uint64_t>(seed), ops, {}, Profile::mild);
    steps += r.steps;
    for (const std::string& v : r.violations) ADD_FAILURE() << "mild seed " << seed << ": " << v;
  }
  std::cout << "multi-tab harness, mild schedule: " << seeds << " seeds, " << steps << " checked steps\n";
}

// The mild schedule with pages closed as Chromium closes a busy one (session 15): open, run with
// --gtest_also_run_disabled_tests. 3 of 100 seeds still fail (docs/design.md Status): copies after
// a stale election read of a key whose closing leader's removals were dropped (55, 95), and the
// events of a page back from the back/forward cache closed at once (96).
TEST(MultiTabProperty, DISABLED_InvariantsHoldWhenClosingPagesLoseWrites) {
  const int seeds = env_int("TRACKER_PROPERTY_SEEDS", 100);
  const int ops = env_int("TRACKER_MULTI_TAB_OPS", 300);
  std::uint64_t steps = 0;
  int failed = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const RunResult r = run_seed(static_cast<std::uint64_t>(seed), ops, {}, Profile::mild_close);
    steps += r.steps;
    failed += r.violations.empty() ? 0 : 1;
    for (const std::string& v : r.violations) ADD_FAILURE() << "mild-close seed " << seed << ": " << v;
  }
  std::cout << "multi-tab harness, mild schedule with detached closes: " << seeds << " seeds (" << failed
            << " failing), " << steps << " checked steps\n";
}

// The checker must notice a host that breaks one glue-side rule at a time: for each, some seed of
// a mild schedule shows a kind of violation with the rule broken that the same schedule does not
// show with the rule kept.
TEST(MultiTabProperty, HarnessCatchesBrokenRules) {
  struct Case {
    const char* name;
    bool BrokenRules::*rule;  // the one rule broken
    // Where it shows: a confirmation sent before the write costs events only when that write
    // fails (the glue writes an adoption in the same task), so under the storage quota.
    Profile first = Profile::mild;
    BrokenRules rules() const {
      BrokenRules r;
      r.*rule = true;
      return r;
    }
  };
  const std::vector<Case> cases = {
      {"on_persisted(true) without writing the shared key", &BrokenRules::confirm_without_write},
      {"ack a hand-over on receipt", &BrokenRules::ack_on_receipt, Profile::mild_quota},
      {"remove mailbox keys as they are read", &BrokenRules::remove_keys_on_read},
      {"ignore LockFact::lost", &BrokenRules::ignore_lock_lost},
      {"never show the session cookie to the core", &BrokenRules::skip_observe_session},
      {"never remove released keys", &BrokenRules::ignore_removes},
      {"no parting queue for a leader whose core died", &BrokenRules::skip_crash_parting},
      {"a refused mailbox write never reported to the core", &BrokenRules::ignore_unwritten, Profile::mild_quota},
      // Before session 15 the follower did this: a closing leader's dropped write lost the events.
      {"an ack for a write taken as final", &BrokenRules::final_acks, Profile::mild_close},
      // Before session 17 the glue did this (host-effects.js dispatch()): the core awaited the
      // answer of a request never started, and a hidden page's snapshot left its events to the
      // browser. Only the full schedule throws in the glue.
      {"a send the glue could not start never answered", &BrokenRules::unsent_unanswered, Profile::full},
      // Before session 17 the loader stub did this (stub.js persistCalls): every page appended its
      // kept calls to one key, and a leader's release of the calls it had replayed, made from a
      // stale view of that key, erased the calls another page had added meanwhile. Only the full
      // schedule keeps calls after the first elections.
      {"kept calls appended to one shared key", &BrokenRules::one_kept_key, Profile::full},
      // Before session 17 the glue did this (core-host.js slip()): a glue exception that cost the
      // core's wake left the tab without its timer (a lease never renewed: a stale leader).
      {"a glue exception never wakes the core again", &BrokenRules::no_rewake, Profile::full},
      // Before session 18 the glue did this (host-persist.js now()): a leader frozen while its
      // lock was stolen wrote over the new leader's copy before it heard the loss.
      {"a leader's write not preceded by its view of the key", &BrokenRules::no_key_check, Profile::full},
  };
  const int ops = env_int("TRACKER_MULTI_TAB_OPS", 300);
  for (const Case& c : cases) {
    // Best: a seed clean with the rule kept that fails with it broken. Else: a kind of violation
    // the same schedule does not show with the rule kept (the one difference is the rule).
    std::string clean, differs;
    const int search = env_int("TRACKER_BROKEN_RULE_SEEDS", 100);
    const Profile other = c.first == Profile::mild ? Profile::mild_quota : Profile::mild;
    for (const Profile profile : {c.first, other}) {
      for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(search) && clean.empty(); ++seed) {
        const RunResult broken = run_seed(seed, ops, c.rules(), profile);
        if (broken.violations.empty()) continue;
        const RunResult kept = run_seed(seed, ops, {}, profile);
        const std::string where = "seed " + std::to_string(seed) +
                                  (profile == Profile::mild         ? " (mild)"
                                   : profile == Profile::mild_close ? " (mild, closes)"
                                   : profile == Profile::full       ? " (full)"
                                                                    : " (mild, quota)");
        if (kept.violations.empty()) {
          clean = where + ", clean with the rule kept: " + broken.violations.front().substr(0, 300);
          break;
        }
        for (const auto& [kind, n] : broken.kinds) {
          if (kept.kinds.count(kind) || !differs.empty()) continue;
          for (const std::string& v : broken.violations)
            if (v.compare(0, kind.size() + 2, "(" + kind + ")") == 0) differs = where + ", a kind the kept rule does not show: " + v.substr(0, 300);
        }
      }
    }
    const bool caught = !clean.empty() || !differs.empty();
    if (caught) std::cout << "broken rule \"" << c.name << "\" caught at " << (clean.empty() ? differs : clean) << "\n";
    EXPECT_TRUE(caught) << "the harness did not notice: " << c.name;
  }
}

}  // namespace
}  // namespace tracker
