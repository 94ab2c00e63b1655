// The tab protocol (docs/design.md "Persistence across tabs"): which tab of a browser sends, and
// how the other tabs' events reach it. One explicit state machine, sans-I/O like the rest of the
// core: the host reports facts (a lock granted or lost, a message, a storage read or write
// result, the lease as it reads now, the page hidden, leaving or shown) and performs the effects
// (lock requests, posts, storage writes and removals, reads it is asked for). Tracker is its
// facade: it feeds the protocol the queue's hand-overs and takes in what the protocol adopts.
//
// Invariants (checked by wasm/tests/multi_tab_property_test.cpp after every step):
// - One sender: at most one tab acts as leader of a lock or an unexpired lease at a time; a
//   follower sends only its own page's first attempts.
// - Confirm only after a durable adoption: a hand-over is confirmed to its follower once a write
//   of the leader's queue that includes its events succeeded, or once none of them is still held
//   (delivered or dropped). Until then the follower keeps it (memory, then a mailbox key).
// - Release a consumed key only after a write that includes its events succeeded, or once none of
//   them is held any more.
// - One replay of kept calls per browser: only the leader replays them, and their key goes with
//   the write that holds them.
// - Bounded: pending hand-overs, the adopted-set and the keys awaiting release are bounded
//   (policy.hpp), whatever the schedule.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracker {

// What the host's browser offers the protocol (Tracker::join_tabs).
struct TabCaps {
  bool locks = false;    // the Web Locks API
  bool channel = false;  // BroadcastChannel
  bool storage = false;  // localStorage, shared with the other tabs of the origin
};

// A message between the tabs of one source (BroadcastChannel, structured as the host likes).
struct TabMessage {
  // parting: a leader's last queue as it resigns (its text: the snapshot it just wrote).
  enum class Kind { handover, ack, held, parting };
  Kind kind = Kind::handover;
  // handover: the sending follower; ack / held: the follower the answer is for.
  std::string tab;
  std::uint32_t n = 0;   // the follower's hand-over number
  // handover: the events (snapshot format). ack: "w" when a write of the leader's queue holding
  // them succeeded (the follower keeps them until its view of the key shows that write: a closing
  // page's writes can be dropped while its posts still go out), "" when the leader holds none of
  // them any more (delivered or dropped: final).
  std::string text;
};

enum class LockOp { none, request, steal, release };

// The facts a host reports through the binding's one entry (embind.cpp tabFact; js-glue tabs.js
// FACT mirrors these numbers).
// consent and reset: not the tab protocol's, facts of the page (consent, n: Consent; reset, a: 32
// hex digits of entropy for the new ids) that share this one binding entry (each binding function
// costs the wasm its argument conversions).
// key, a: the shared key as the host's view holds it (its start will do: only the writer's mark is
// read), reported before each write of the leader's copy (Tracker::on_key).
enum class TabFact { lock = 1, lease, message, storage, stored, persisted, kept, resign, rejoin, leave, unwritten, kept_stored, consent, reset, key };

// How the host's lock request ended or changed.
enum class LockFact {
  granted,      // this tab holds the lock now
  unavailable,  // the request failed (no Web Locks on this origin, a security error)
  lost,         // held and taken away (another tab stole it) or released by the browser
};

struct TabEffects {
  LockOp lock = LockOp::none;
  bool join_channel = false;   // open the channel (and listen to `storage` events)
  bool leave_channel = false;  // close it: a resigned (bfcache) or stopped tab hears nothing
  std::vector<TabMessage> posts;
  std::vector<std::pair<std::string, std::string>> writes;  // localStorage key -> text
  std::vector<std::string> removes;                         // localStorage keys
  bool read_stored = false;  // report every stored queue of the source: Tracker::on_stored
  bool read_lease = false;   // report the lease key's text now: Tracker::on_lease
  bool replay_kept = false;  // replay the calls kept for this source, then Tracker::kept_replayed
  std::optional<bool> leader;  // the role changed (for the host's stats and logs only)

  void clear();
  bool empty() const;
};

// The protocol's counters (Stats::tabs).
struct TabStats {
  bool leader = false;
  std::size_t pending_handovers = 0;      // a follower's, not yet confirmed
  std::size_t pending_handover_bytes = 0;
  std::size_t adopted_remembered = 0;     // the leader's de-duplication memory
  std::size_t keys_awaiting_release = 0;
  std::uint64_t steals = 0;               // leaders replaced after going silent
};

class TabProtocol {
 public:
  // What a fact asks of the Tracker it serves (the facade applies it, in this order).
  struct Out {
    std::optional<bool> role;          // become leader (true) or follower (false)
    // Snapshot texts to take into the queue; each with its token for adopted_ids (0: none).
    std::vector<std::pair<std::uint32_t, std::string>> adopt;
    bool demote_keep = false;          // with role false: the hand-over goes nowhere (the shared
                                       // key holds it already: a resign after a good write)
    // A parting message later than the shared key this leader read at its election (adopt's
    // entry `authority`): the ids of that read. Those the parting queue does not hold were the
    // last leader's since (delivered, on a request the browser finishes, dropped): not yet sent,
    // they leave the queue (dropped, "superseded"); sent, a copy is no longer avoidable. Those it
    // holds are not taken in again (taken in at the election, maybe delivered since).
    std::vector<std::string> superseded;
    std::size_t authority = 0;
    // Hand-overs whose mailbox write the storage refused: back to this page's own queue.
    std::vector<std::string> reclaim;
    // The events of hand-overs dropped past the pending bound (hand_over): gone for good.
    std::vector<std::string> lost;
  };

  // base: the source's storage and lock name ("wasm-tracker:v2:<source>"); tab: this tab's id.
  void join(std::string_view base, std::string_view tab, TabCaps caps, double wall_ms, double mono_ms,
            TabEffects& fx, Out& out);
  // In the election now: joined and not stopped (a stop for the visitor's consent taken back can
  // be followed by a join at its grant).
  bool joined() const { return joined_ && !stopped_; }
  bool leader() const { return leader_; }
  // The leader's mark on its copy of the shared queue ("<election>:<tab>", the snapshot's "g"),
  // "" when this tab does not lead. Epochs: each election numbers itself one past the newest copy
  // it read, so a later election can tell which of the shared key as it reads it and the last
  // leader's parting message is that leader's final word.
  std::string epoch() const;

  void on_lock(LockFact fact, double wall_ms, double mono_ms, TabEffects& fx, Out& out);
  void on_lease(std::string_view text, double wall_ms, double mono_ms, TabEffects& fx, Out& out);
  void on_message(const TabMessage& m, double mono_ms, TabEffects& fx, Out& out);
  // A `storage` event: another tab wrote `key` (a mailbox key is a hand-over).
  void on_storage(std::string_view key, std::string_view text, double mono_ms, TabEffects& fx, Out& out);
  // The shared key as this tab's view holds it, read by the host before it writes this leader's
  // copy: a later election's copy demotes this leader, and the host then writes nothing.
  void on_key(std::string_view text, double mono_ms, TabEffects& fx, Out& out);
  // The stored queues read for an election (after read_stored): [key, text] each. The protocol
  // adopts them and remembers the keys, released after the first durable write.
  void on_stored(std::vector<std::pair<std::string, std::string>> entries, double mono_ms, TabEffects& fx, Out& out);
  // The host wrote (or failed to write) the leader's queue, as it was after every adoption so far.
  // `where(id)`: 2 when the write held that event, 1 when the event is still this tab's but the
  // write left it out (on a request the browser finishes, which a hidden or leaving page's copy
  // leaves out, and which may still fail), 0 when it is gone. The ack says "written" only for a
  // write that held one; an adoption with events on such a request waits; else it is final.
  template <typename Where> void on_persisted(bool ok, Where where, TabEffects& fx);
  // Events left the leader's queue for good (delivered or dropped): hand-overs and keys whose
  // events are all gone are confirmed / released. `held(id)` says whether an id is still held.
  template <typename Held> void on_settled(Held held, TabEffects& fx);
  // The facade took an adoption in: every event id its text held (queued before or not).
  void adopted_ids(std::uint32_t token, std::vector<std::string> ids);
  // The kept calls of `keys` were replayed as the events `ids`: each key is released once a write
  // holds them all, or once none of them is held (on_persisted, on_settled).
  void kept_replayed(std::vector<std::string> keys, const std::vector<std::string>& ids);
  // A page kept calls (their key was stored: a `storage` event): the leader replays them now.
  void on_kept_stored(TabEffects& fx);
  // The host could not write `key` (the quota): a mailbox key of this tab's gives its hand-over
  // (`text`) back to the page (Out::reclaim).
  void on_unwritten(std::string_view key, std::string_view text, Out& out);
  // A follower's hand-over (Tracker::hand_over). events: its event ids.
  // Returns the events the bound dropped (oldest hand-overs first), 0 when none.
  std::size_t hand_over(std::string text, std::vector<std::string> ids, double mono_ms, TabEffects& fx,
                        Out& out);

  void on_hidden(double wall_ms, double mono_ms, TabEffects& fx);
  void on_visible(double wall_ms, double mono_ms, TabEffects& fx);
  // pagehide: un-confirmed hand-overs (and any made from now on) go to mailbox keys.
  void on_page_leave(TabEffects& fx);
  // pagehide, after the page leave's write (`stored`: it succeeded): out of the election, so a
  // page in the back/forward cache neither holds nor waits for the lock nor hears the channel.
  // A leader also posts `queue` (its last snapshot) to the followers: the next leader's read of
  // the shared key can be older than this write (another renderer's copy of localStorage catches
  // up late: e2e saw a read 560 ms after the write miss its last 10 adoptions); it takes both in.
  // `finish`: no outage is known, so what rides its keepalive requests is the browser's to finish:
  // adoptions and keys still awaiting those answers (the leave's write left them out) are
  // confirmed / released for good, as a resigning leader cannot wait for the answers.
  void resign(bool stored, std::string queue, double wall_ms, TabEffects& fx, Out& out, bool finish = false);
  // pageshow from the back/forward cache: back in the election, as a follower until elected.
  void show(double wall_ms, double mono_ms, TabEffects& fx);
  // destroy(): out of the election for good; un-confirmed hand-overs go to mailbox keys; a leader
  // posts `queue` (its last write) as at a resign.
  // `write`: the queue is also written to the shared key (destroy(): the leader's last copy).
  void stop(std::string queue, TabEffects& fx, bool write = false);

  void on_timer(double wall_ms, double mono_ms, TabEffects& fx, Out& out);
  std::optional<double> next_wake() const;  // monotonic
  TabStats stats() const;

 private:
  struct Pending {
    std::uint32_t n = 0;
    std::string text;
    std::vector<std::string> ids;
    double posted_mono = 0;
    bool written = false;  // acknowledged as written: kept until this tab's view shows the write
    std::size_t shown = 0;  // its events a write of the shared key holds (on_storage's count)
  };
  struct Awaiting {  // a leader's adoption not yet confirmed, or a key not yet released
    std::uint32_t token = 0;
    std::string tab;  // the follower to confirm ("" for a key)
    std::uint32_t n = 0;
    std::string key;  // the key to release ("" for a channel hand-over)
    std::vector<std::string> ids;
    bool written = false;  // acknowledged as written; confirmed for good once its events are gone
  };

  void request_lock(double mono_ms, TabEffects& fx);
  void demote(TabEffects& fx, Out& out);  // leads no more: its followers re-post to the next leader
  void post(const Pending& p, double mono_ms, TabEffects& fx);
  void to_mailbox(const Pending& p, TabEffects& fx);
  void forget(std::size_t i);  // a confirmed hand-over leaves pending_
  void adopt(std::string text, Awaiting a, Out& out);
  void elect(TabEffects& fx);
  // durable: ack ("w" when by a write of `written`), else held.
  void answer(const Awaiting& a, bool durable, TabEffects& fx, bool written = false);
  std::string lease_text(double wall_ms) const;
  std::string mailbox_key(std::uint32_t n) const;

  std::string base_, tab_;
  TabCaps caps_;
  bool joined_ = false, leader_ = false, leasing_ = false, stopped_ = false;
  bool hidden_ = false, leaving_ = false, resigned_ = false;
  bool lock_held_ = false, lock_asked_ = false;
  double lock_asked_mono_ = 0;
  bool stealing_ = false;  // the lock asked for is a steal
  bool stolen_ = false;    // the lock held was taken by a steal
  std::optional<double> settle_at_;      // lock granted after a wait: lead from then on
  std::optional<double> lease_check_at_;
  std::uint64_t lease_seen_ = 0;  // the lease's text as last read (hash), unchanged since lease_seen_at_ (mono)
  double lease_seen_at_ = 0;
  std::optional<double> resend_at_;
  std::optional<double> silent_since_;   // a follower's first post the leader has not answered
  std::uint32_t next_n_ = 0;
  std::vector<Pending> pending_;
  std::size_t pending_bytes_ = 0;
  std::vector<std::pair<std::string, std::uint32_t>> adopted_;  // FIFO, bounded
  std::vector<Awaiting> awaiting_;       // confirmations and releases due after a durable write
  std::uint32_t next_token_ = 0;
  std::string parting_;  // the last leader's final queue (its parting message), until elected
  // Elected after another leader: the kept calls wait until this tab's view of the shared key shows
  // that leader's final write (kept_wait_: its text's hash, 0 while no parting message came), at
  // most until kept_at_ (policy::kept_replay_wait_ms).
  std::optional<double> kept_at_;
  std::uint64_t kept_wait_ = 0;
  std::uint64_t epoch_ = 0;  // this tab's election number while it leads (see epoch())
  // The shared key as this leader's election read it: its adoption's token, the ids it held and
  // its epoch, until the last leader's parting message arrives (Out::superseded).
  std::uint32_t key_token_ = 0;
  std::vector<std::string> key_ids_;
  std::uint64_t key_epoch_n_ = 0;
  std::string key_epoch_tab_;
  std::uint64_t steals_ = 0;
};

template <typename Where> void TabProtocol::on_persisted(bool ok, Where where, TabEffects& fx) {
  if (!ok || !leader_) return;
  for (std::size_t i = 0; i < awaiting_.size();) {
    Awaiting& a = awaiting_[i];
    if (a.written) { ++i; continue; }
    int most = 0;
    bool left_out = false;
    for (const std::string& id : a.ids) {
      const int w = where(id);
      most = std::max(most, w);
      left_out = left_out || w == 1;
    }
    a.written = most == 2;
    // Neither written nor gone: on a request the browser finishes, which may still fail. Its
    // answer settles it (on_settled: final) or brings it back into a later write ("w"). A key
    // goes only once none of its events is left out (the follower of a hand-over checks all of
    // them against its view of the write itself).
    if (most == 1 || (left_out && !a.key.empty())) { ++i; continue; }
    answer(a, true, fx, a.written);
    // Acknowledged as written: kept until its events are gone, then confirmed for good
    // (on_settled), so a follower whose view never shows the write (this page closing, its writes
    // dropped) does not hand over again what this leader delivered.
    if (a.written && !a.tab.empty()) { ++i; continue; }
    awaiting_.erase(awaiting_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

template <typename Held> void TabProtocol::on_settled(Held held, TabEffects& fx) {
  for (std::size_t i = 0; i < awaiting_.size();) {
    // Without ids (kept calls, an empty text) only a durable write answers it.
    bool any = awaiting_[i].ids.empty();
    for (const std::string& id : awaiting_[i].ids) any = any || held(id);
    if (any) { ++i; continue; }
    answer(awaiting_[i], true, fx);  // final: none of its events is held any more
    awaiting_.erase(awaiting_.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace tracker
