#include "tracker/tab_protocol.hpp"

#include <algorithm>

#include "decimal.hpp"
#include "json_scan.hpp"
#include "json_text.hpp"
#include "snapshot.hpp"
#include "tracker/policy.hpp"
#include "tracker/uuid.hpp"

namespace tracker {

void TabEffects::clear() {
  lock = LockOp::none;
  join_channel = leave_channel = read_stored = read_lease = replay_kept = false;
  posts.clear();
  writes.clear();
  removes.clear();
  leader.reset();
}

bool TabEffects::empty() const {
  return lock == LockOp::none && !join_channel && !leave_channel && posts.empty() && writes.empty() &&
         removes.empty() && !read_stored && !read_lease && !replay_kept && !leader;
}

namespace {

struct Lease {
  std::string tab;
  double until = 0;
};

// The lease key's text ({"tab":..,"until":<wall ms>}, as every build wrote it); unreadable: free.
Lease read_lease(std::string_view text) {
  Lease l;
  detail::JsonScanner s;
  s.on_value = [&l](const detail::JsonPath& path, detail::JsonKind kind, std::string_view v) {
    if (path.size() != 1) return;
    if (path[0] == "tab" && kind == detail::JsonKind::string) l.tab = std::string(v);
    if (path[0] == "until" && kind == detail::JsonKind::number) l.until = detail::read_decimal(v);
  };
  if (!s.scan(text)) return {};
  return l;
}

// Whether a copy marked `later` is a newer word than one of election n by tab: a later election's,
// or the same leader's (its parting queue against an older read of its key). Unmarked: never.
bool outranks(const detail::SnapshotEpoch& later, std::uint64_t n, std::string_view tab) {
  return later.n > 0 && n > 0 && (later.n > n || (later.n == n && later.tab == tab));
}

void earliest(std::optional<double>& next, const std::optional<double>& t) {
  if (t && (!next || *t < *next)) next = t;
}

}  // namespace

std::string TabProtocol::lease_text(double wall_ms) const {
  std::string out = "{\"tab\":";
  detail::append_quoted(out, tab_);
  out += ",\"until\":";
  detail::append_decimal(out, static_cast<std::int64_t>(wall_ms + (hidden_ ? policy::lease_hidden_ms : policy::lease_ms)));
  out += '}';
  return out;
}

std::string TabProtocol::epoch() const {
  if (!leader_ || epoch_ == 0) return {};
  std::string e;
  detail::append_decimal(e, epoch_);
  e += ':';
  e += tab_;
  return e;
}

std::string TabProtocol::mailbox_key(std::uint32_t n) const {
  std::string k = base_ + ":mailbox:" + tab_ + ':';
  detail::append_decimal(k, n);
  return k;
}

void TabProtocol::join(std::string_view base, std::string_view tab, TabCaps caps, double wall_ms, double mono_ms,
                       TabEffects& fx, Out& out) {
  if (joined()) return;
  joined_ = true;
  stopped_ = resigned_ = false;  // joined again after a stop (consent taken back, then given)
  base_ = std::string(base);
  tab_ = std::string(tab);
  caps_ = caps;
  leader_ = false;
  out.role = false;  // a follower until elected
  fx.join_channel = caps.channel || caps.storage;
  if (caps.locks) request_lock(mono_ms, fx);
  else on_lock(LockFact::unavailable, wall_ms, mono_ms, fx, out);
}

void TabProtocol::request_lock(double mono_ms, TabEffects& fx) {
  fx.lock = LockOp::request;
  lock_asked_ = true;
  lock_asked_mono_ = mono_ms;
  stealing_ = false;
}

// Elected: the stored queues of the source are read first (the last leader's copy, mailboxes of
// followers that left); on_stored makes this tab the leader.
void TabProtocol::elect(TabEffects& fx) {
  settle_at_.reset();
  fx.read_stored = true;
}

void TabProtocol::on_lock(LockFact fact, double wall_ms, double mono_ms, TabEffects& fx, Out& out) {
  if (stopped_) {
    if (fact == LockFact::granted) fx.lock = LockOp::release;  // granted after we gave up
    return;
  }
  switch (fact) {
    case LockFact::granted:
      if (resigned_) { fx.lock = LockOp::release; return; }
      lock_held_ = true;
      lock_asked_ = false;
      silent_since_.reset();
      // A grant after a wait settles first (the holder has just let go; its last write may still
      // be on its way). A prompt grant elects at once: a lone page must lead before it can be
      // left (its deferred events go on the unload path only from a leader; measured: a 200 ms
      // settle there sent a fast navigation's 20 events to a mailbox for the next page instead).
      // A steal's holder was silent for leader_silent_ms: its last writes are long done.
      if (stealing_ || mono_ms - lock_asked_mono_ < policy::election_settle_ms) elect(fx);
      else settle_at_ = mono_ms + policy::election_settle_ms;
      stolen_ = stealing_;
      stealing_ = false;
      return;
    case LockFact::unavailable:
      lock_asked_ = false;
      if (lock_held_) return;
      if (caps_.storage) {
        leasing_ = true;
        fx.read_lease = true;
      } else if (!leader_) {
        // Neither lock nor shared storage: nothing to merge, nothing to copy; this tab leads itself.
        leader_ = true;
        out.role = true;
        fx.replay_kept = true;
        fx.leader = true;
      }
      (void)wall_ms;
      return;
    case LockFact::lost:
      lock_held_ = false;
      settle_at_.reset();
      if (leader_) demote(fx, out);
      if (!resigned_) request_lock(mono_ms, fx);
      return;
  }
}

namespace {
// FNV-1a: tells whether this tab's view of the shared key shows a given write (the parting text,
// up to a megabyte, is not kept twice), and whether a lease was renewed since it was last read.
std::uint64_t text_hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h | 1;  // never 0 (0: no write awaited)
}
}  // namespace

void TabProtocol::demote(TabEffects& fx, Out& out) {
  leader_ = false;
  out.role = false;
  fx.leader = false;
  awaiting_.clear();  // their followers re-post to the next leader
}

void TabProtocol::on_key(std::string_view text, double mono_ms, TabEffects& fx, Out& out) {
  // A copy marked by a later election than this leader's: another tab was elected since, this one
  // frozen or suspended meanwhile (its lock stolen, its lease taken) and not told yet. It leads no
  // more: its write would erase what only that copy holds.
  if (!leader_ || detail::snapshot_epoch(text).n <= epoch_) return;
  demote(fx, out);
  // The lock asked for again (tabs.js lets the held one go first): one stolen is the new leader's
  // already; one still held (that election's read of the key was stale) goes to the next tab in
  // line, whose election reads the newest copy. A lease is the lease check's.
  if (lock_held_) {
    lock_held_ = false;
    request_lock(mono_ms, fx);
  }
}

void TabProtocol::on_lease(std::string_view text, double wall_ms, double mono_ms, TabEffects& fx, Out& out) {
  if (!leasing_ || stopped_ || resigned_) return;
  const Lease cur = read_lease(text);
  const bool mine = cur.tab == tab_;
  const std::uint64_t seen = text_hash(text);
  if (seen != lease_seen_) {
    lease_seen_ = seen;
    lease_seen_at_ = mono_ms;
  }
  // A lease that ends further away than any lease is written for was written before the clock
  // went back (or by a broken tab). Free once nobody renewed it for the longest lease's life, by
  // this tab's monotonic clock: at once, every tab took it while its living leader (hidden, its
  // timer running once a minute) led on; never, a dead leader's lease held the election for hours.
  const bool future = cur.until > wall_ms + policy::lease_hidden_ms;
  const bool free = cur.tab.empty() || !(cur.until > wall_ms) ||
                    (future && mono_ms - lease_seen_at_ > policy::lease_hidden_ms);
  // A lease still ours is renewed even when it ran out meanwhile (a hidden tab's late timer):
  // nobody else took it, so nobody else led.
  if (mine || free) fx.writes.emplace_back(base_ + ":lease", lease_text(wall_ms));
  // Leads only once a renewal finds its own earlier write still there: two tabs taking an
  // expired lease at once both write, and only the last write survives to be read back.
  if (mine && !leader_) {
    elect(fx);
  } else if (!mine && leader_) {
    demote(fx, out);
  }
  lease_check_at_ = mono_ms + policy::lease_renew_ms;
}

void TabProtocol::on_stored(std::vector<std::pair<std::string, std::string>> entries, double mono_ms, TabEffects& fx,
                            Out& out) {
  if (stopped_ || resigned_ || leader_) return;
  // The lock was taken from this tab (a steal) between the election and its read: not elected.
  if (caps_.locks && !leasing_ && !lock_held_) return;
  leader_ = true;
  out.role = true;
  fx.leader = true;
  silent_since_.reset();
  // What this tab handed over and no leader confirmed is its own to keep now.
  for (Pending& p : pending_) out.adopt.emplace_back(0, std::move(p.text));
  pending_.clear();
  pending_bytes_ = 0;
  resend_at_.reset();
  const std::string shared = base_ + ":queue";
  // The last leader's parting message is the key as it wrote it last, and the key as read may be
  // older than it (another renderer's copy of localStorage lags: an event that leader has since
  // delivered would be sent again), or newer (a later leader wrote and died before this tab heard
  // it: taking the parting queue instead lost events in 23 harness schedules). Their epochs tell:
  // the later election's copy wins, and of one leader's two its parting message. Unmarked (a build
  // before epochs) or two leaders of one election: both, de-duplicated by event id (a copy is
  // possible, a loss is not).
  detail::SnapshotEpoch key_epoch;
  std::uint64_t key_hash = 0;
  for (const auto& [key, text] : entries) {
    if (key == shared) {
      key_epoch = detail::snapshot_epoch(text);
      key_hash = text_hash(text);
    }
  }
  // The calls pages kept: at once when the view already shows the last leader's parting write;
  // otherwise once it does (on_storage), at most kept_replay_wait_ms later. Even a read with no
  // shared key waits: the view may not show the first leader's writes yet (seed 100 of the mild
  // schedule: a leader of 56 ms had replayed the kept calls and released their key).
  const std::uint64_t parting_hash = parting_.empty() ? 0 : text_hash(parting_);
  if (parting_hash != 0 && parting_hash == key_hash) {
    fx.replay_kept = true;
  } else {
    kept_at_ = mono_ms + policy::kept_replay_wait_ms;
    kept_wait_ = parting_hash;
  }
  const detail::SnapshotEpoch parting_epoch = detail::snapshot_epoch(parting_);
  bool key_superseded = false;
  if (!parting_.empty() && outranks(parting_epoch, key_epoch.n, key_epoch.tab))
    key_superseded = true;
  else if (!parting_.empty() && outranks(key_epoch, parting_epoch.n, {}))
    parting_.clear();  // a later election's key (same election, another tab: both are kept)
  epoch_ = std::max(key_epoch.n, parting_epoch.n) + 1;
  key_ids_.clear();
  key_token_ = 0;
  key_epoch_n_ = key_epoch.n;
  key_epoch_tab_ = std::string(key_epoch.tab);  // a view into the text moved below
  for (auto& [key, text] : entries) {
    // The shared key is this leader's own from now on: overwritten by its writes, never removed.
    if (key == shared) {
      if (key_superseded) continue;
      // Its ids are kept until the parting message (on_message): that may come after this read.
      if (parting_.empty() && key_epoch_n_ > 0) key_token_ = ++next_token_;
      out.adopt.emplace_back(key_token_, std::move(text));
      continue;
    }
    Awaiting a;
    a.key = key;
    adopt(std::move(text), std::move(a), out);
  }
  if (!parting_.empty()) out.adopt.emplace_back(0, std::move(parting_));
  parting_.clear();
  // At every election (above): calls kept since an earlier one wait for a leader too (ids make a
  // second replay of one the same event).
}

void TabProtocol::adopt(std::string text, Awaiting a, Out& out) {
  if (a.tab.empty() && a.key.empty()) {
    out.adopt.emplace_back(0, std::move(text));
    return;
  }
  a.token = ++next_token_;
  out.adopt.emplace_back(a.token, std::move(text));
  awaiting_.push_back(std::move(a));
}

void TabProtocol::adopted_ids(std::uint32_t token, std::vector<std::string> ids) {
  if (token == key_token_) {
    key_ids_ = std::move(ids);
    return;
  }
  for (Awaiting& a : awaiting_) {
    if (a.token == token) a.ids = std::move(ids);
  }
}

void TabProtocol::on_kept_stored(TabEffects& fx) {
  if (leader_ && !stopped_ && !resigned_ && !kept_at_) fx.replay_kept = true;
}

void TabProtocol::kept_replayed(std::vector<std::string> keys, const std::vector<std::string>& ids) {
  for (std::string& k : keys) {
    Awaiting a;
    a.key = std::move(k);
    a.ids = std::vector<std::string>(ids);  // a copy constructed, not assigned: -150 B of wasm
    a.token = ++next_token_;
    awaiting_.push_back(std::move(a));
  }
}

void TabProtocol::answer(const Awaiting& a, bool durable, TabEffects& fx, bool written) {
  if (!a.key.empty()) {
    if (durable) fx.removes.push_back(a.key);
    return;
  }
  if (!caps_.channel || a.tab.empty()) return;
  TabMessage m;
  m.kind = durable ? TabMessage::Kind::ack : TabMessage::Kind::held;
  m.tab = a.tab;
  m.n = a.n;
  if (written) m.text = "w";
  fx.posts.push_back(std::move(m));
}

void TabProtocol::on_message(const TabMessage& m, double mono_ms, TabEffects& fx, Out& out) {
  if (stopped_ || resigned_) return;
  if (m.kind == TabMessage::Kind::parting) {
    // Kept until this tab is elected (on_stored), or taken in at once by a leader elected before
    // it arrived (a copy of what it read from the key is skipped by id).
    if (!leader_) {
      parting_ = m.text;
      return;
    }
    // It came after this leader's election read: if it is that key's writer's later word (or a
    // later leader's), what the read held and it does not is no longer this leader's to send.
    if (kept_at_) kept_wait_ = text_hash(m.text);  // the write this tab's view must show first
    const detail::SnapshotEpoch e = detail::snapshot_epoch(m.text);
    if (!key_ids_.empty() && outranks(e, key_epoch_n_, key_epoch_tab_)) {
      out.authority = out.adopt.size();
      out.superseded = std::move(key_ids_);
    }
    key_ids_.clear();
    key_token_ = 0;
    out.adopt.emplace_back(0, m.text);
    return;
  }
  if (m.kind == TabMessage::Kind::handover) {
    if (!leader_ || m.tab == tab_) return;
    const auto key = std::make_pair(m.tab, m.n);
    const bool known = std::find(adopted_.begin(), adopted_.end(), key) != adopted_.end();
    // Its first copy is awaiting a write: answer `held` (alive) again, confirm later.
    bool awaiting = false, written = false;
    for (const Awaiting& a : awaiting_) {
      if (a.tab != m.tab || a.n != m.n) continue;
      awaiting = !a.written;
      written = a.written;
    }
    Awaiting a;
    a.tab = m.tab;
    a.n = m.n;
    if (known) {
      // Confirmed before: "written" while that adoption's events are held here (on_settled has
      // not confirmed it for good), else final (delivered or dropped).
      answer(a, !awaiting, fx, written);
      return;
    }
    adopted_.push_back(key);
    if (adopted_.size() > policy::max_adopted_remembered) adopted_.erase(adopted_.begin());
    answer(a, false, fx);  // alive: the follower does not take this leader for suspended
    adopt(m.text, std::move(a), out);
    return;
  }
  // Any leader's answer, to whichever follower: a leader was elected after the one whose parting
  // queue this tab holds, and has written since; that queue is no newer than the key any more.
  parting_.clear();
  if (m.tab != tab_) return;  // an answer for another follower
  silent_since_.reset();
  if (m.kind == TabMessage::Kind::held) return;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    if (pending_[i].n != m.n) continue;
    // Written: kept (and posted again) until this tab's view of the key shows that write.
    if (!m.text.empty() && caps_.storage) pending_[i].written = true;
    else forget(i);
    break;
  }
  // Still-unconfirmed posts: the leader is alive (it answered), so the silence clock restarts.
  if (!pending_.empty()) silent_since_ = mono_ms;
}

void TabProtocol::forget(std::size_t i) {
  pending_bytes_ -= pending_[i].text.size();
  pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
  if (pending_.empty()) {
    resend_at_.reset();
    silent_since_.reset();
  }
}

void TabProtocol::on_storage(std::string_view key, std::string_view text, double mono_ms, TabEffects& fx, Out& out) {
  if (stopped_ || resigned_ || text.empty()) return;
  if (!leader_) {
    // The browser's storage has a write that holds all of a hand-over's events: confirmed, with or
    // without its ack (the write can reach this tab before the ack does). All: a write of another
    // leader, from its own stale read, can hold some of them (mild seed 82: three lost).
    if (key != base_ + ":queue" || pending_.empty()) return;
    // Counted, not collected (a vector of views costs the wasm its own growth code): a queue holds
    // an id once (adoptions are de-duplicated by id), so a count of its ids means all of them.
    for (Pending& p : pending_) p.shown = 0;
    constexpr std::string_view mark = "{\"id\":\"";  // each event's JSON starts with its id
    for (std::size_t at = text.find('{'); at != std::string_view::npos; at = text.find('{', at + 1)) {
      if (text.substr(at, mark.size()) != mark) continue;
      const std::string_view id = text.substr(at + mark.size(), uuid_chars);
      for (Pending& p : pending_)
        for (const std::string& mine : p.ids) p.shown += mine == id;
    }
    for (std::size_t i = pending_.size(); i-- > 0;)
      if (!pending_[i].ids.empty() && pending_[i].shown >= pending_[i].ids.size()) forget(i);
    return;
  }
  if (key == base_ + ":queue") {
    on_key(text, mono_ms, fx, out);  // a later election's write: superseded
    if (!leader_) return;
    if (kept_at_ && kept_wait_ == text_hash(text)) {  // the view shows the last leader's final write
      kept_at_.reset();
      fx.replay_kept = true;
    }
    // A later write of the key's writer this leader read at its election, reaching this tab's
    // copy of localStorage late (no channel, or its parting message lost): its later word, taken
    // as a late parting queue is (on_message); more may follow, so its ids are the new baseline.
    // Not after a steal: the key's writer was frozen while it led and may write again not knowing
    // it lost the lock (a superseded leader, not a last word); it hands its queue over once it
    // hears the loss.
    const detail::SnapshotEpoch e = detail::snapshot_epoch(text);
    if (stolen_ || key_token_ == 0 || e.n != key_epoch_n_ || e.tab != key_epoch_tab_) return;
    out.authority = out.adopt.size();
    out.superseded = std::move(key_ids_);
    key_ids_.clear();
    key_token_ = ++next_token_;
    out.adopt.emplace_back(key_token_, std::string(text));
    return;
  }
  const std::string prefix = base_ + ":mailbox:";
  if (key.substr(0, prefix.size()) != prefix) return;
  // A mailbox key of a hand-over this leader took over the channel already is only removed.
  const std::string_view rest = key.substr(prefix.size());
  const std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string from(rest.substr(0, colon));
    std::uint32_t n = 0;
    for (char c : rest.substr(colon + 1)) n = n * 10 + static_cast<std::uint32_t>(c >= '0' && c <= '9' ? c - '0' : 0);
    if (std::find(adopted_.begin(), adopted_.end(), std::make_pair(from, n)) != adopted_.end()) {
      Awaiting a;
      a.key = std::string(key);
      a.token = ++next_token_;
      awaiting_.push_back(std::move(a));  // removed with the next durable write
      return;
    }
  }
  Awaiting a;
  a.key = std::string(key);
  adopt(std::string(text), std::move(a), out);
  (void)fx;
}

void TabProtocol::post(const Pending& p, double mono_ms, TabEffects& fx) {
  TabMessage m;
  m.kind = TabMessage::Kind::handover;
  m.tab = tab_;
  m.n = p.n;
  m.text = p.text;
  fx.posts.push_back(std::move(m));
  if (!silent_since_) silent_since_ = mono_ms;
}

void TabProtocol::to_mailbox(const Pending& p, TabEffects& fx) { fx.writes.emplace_back(mailbox_key(p.n), p.text); }

void TabProtocol::on_unwritten(std::string_view key, std::string_view text, Out& out) {
  const std::string mine = base_ + ":mailbox:" + tab_ + ':';
  if (stopped_ || key.substr(0, mine.size()) != mine) return;
  // Storage full: the page keeps what it cannot hand over (liliput would have sent it). A copy if
  // that hand-over had been posted and the leader took it in before this page's leave.
  out.reclaim.emplace_back(text);
}

std::size_t TabProtocol::hand_over(std::string text, std::vector<std::string> ids, double mono_ms, TabEffects& fx,
                                   Out& out) {
  if (leader_) {
    out.adopt.emplace_back(0, std::move(text));
    return 0;
  }
  Pending p;
  p.n = ++next_n_;
  p.text = std::move(text);
  p.ids = std::move(ids);
  p.posted_mono = mono_ms;
  if (leaving_ || !caps_.channel) {
    // A page going away (or no channel): one mailbox key per hand-over, written once; the
    // leader takes it in on its `storage` event or at its election.
    to_mailbox(p, fx);
    return 0;
  }
  post(p, mono_ms, fx);
  pending_bytes_ += p.text.size();
  pending_.push_back(std::move(p));
  if (!resend_at_) resend_at_ = mono_ms + policy::handover_resend_ms;
  // Bounded: the oldest hand-overs go first (never the one just made).
  std::size_t dropped = 0;
  while (pending_bytes_ > policy::max_pending_handover_bytes && pending_.size() > 1) {
    pending_bytes_ -= pending_.front().text.size();
    dropped += pending_.front().ids.size();
    for (std::string& id : pending_.front().ids) out.lost.push_back(std::move(id));
    pending_.erase(pending_.begin());
  }
  return dropped;
}

void TabProtocol::on_hidden(double wall_ms, double mono_ms, TabEffects& fx) {
  hidden_ = true;
  // A hidden leader's timers may run once a minute: its lease is made to outlast them now.
  if (leasing_ && leader_ && !resigned_) fx.writes.emplace_back(base_ + ":lease", lease_text(wall_ms));
  (void)mono_ms;
}

void TabProtocol::on_visible(double wall_ms, double mono_ms, TabEffects& fx) {
  hidden_ = false;
  leaving_ = false;
  // A tab back from a long sleep checks the lease before anything else it does.
  if (leasing_ && !resigned_ && !stopped_) fx.read_lease = true;
  // Silence counted while this follower was hidden (timers late) starts again.
  if (silent_since_) silent_since_ = mono_ms;
  (void)wall_ms;
}

void TabProtocol::on_page_leave(TabEffects& fx) {
  leaving_ = true;
  // Written once, and no longer this tab's: a later hand-over of this page writes its own key.
  for (const Pending& p : pending_) to_mailbox(p, fx);
  pending_.clear();
  pending_bytes_ = 0;
  resend_at_.reset();
  silent_since_.reset();
}

void TabProtocol::resign(bool stored, std::string queue, double wall_ms, TabEffects& fx, Out& out, bool finish) {
  // A tab that leads with neither lock nor lease (no storage) has nothing to give up.
  if (resigned_ || stopped_ || (leader_ && !lock_held_ && !leasing_)) return;
  resigned_ = true;
  (void)wall_ms;
  if (leasing_ && leader_) fx.removes.push_back(base_ + ":lease");
  if (leader_ && stored && caps_.channel) {
    TabMessage m;
    m.kind = TabMessage::Kind::parting;
    m.text = std::move(queue);
    fx.posts.push_back(std::move(m));
  }
  if (leader_) {
    // What the leave's write answered is answered; what waits for a keepalive request's answer is
    // confirmed now outside an outage: its follower kept it and, elected later, sent it again
    // beside the request (adversarial harness seed 126). In an outage it stays with the follower.
    if (stored && finish)
      for (const Awaiting& a : awaiting_)
        if (!a.written) answer(a, true, fx);
    leader_ = false;
    out.role = false;
    out.demote_keep = stored;
    fx.leader = false;
    awaiting_.clear();
  }
  if (lock_held_ || lock_asked_) fx.lock = LockOp::release;
  lock_held_ = lock_asked_ = false;
  settle_at_.reset();
  lease_check_at_.reset();
  fx.leave_channel = true;
}

void TabProtocol::show(double wall_ms, double mono_ms, TabEffects& fx) {
  leaving_ = false;
  if (!resigned_ || stopped_) return;
  resigned_ = false;
  fx.join_channel = caps_.channel || caps_.storage;
  if (leasing_) fx.read_lease = true;
  else if (caps_.locks) request_lock(mono_ms, fx);
  // Un-confirmed hand-overs go out again on the channel (their mailbox keys may have been taken
  // already: the leader de-duplicates by event id).
  for (const Pending& p : pending_) if (caps_.channel) post(p, mono_ms, fx);
  (void)wall_ms;
}

void TabProtocol::stop(std::string queue, TabEffects& fx, bool write) {
  if (stopped_) return;
  if (write && leader_) fx.writes.emplace_back(base_ + ":queue", std::string(queue));
  if (leader_ && caps_.channel && !resigned_) {
    TabMessage m;  // as at a resign: the next leader's read of the key may be older
    m.kind = TabMessage::Kind::parting;
    m.text = std::move(queue);
    fx.posts.push_back(std::move(m));
  }
  for (const Pending& p : pending_) to_mailbox(p, fx);
  stopped_ = true;
  if (leasing_ && leader_) fx.removes.push_back(base_ + ":lease");
  if (lock_held_ || lock_asked_) fx.lock = LockOp::release;
  lock_held_ = lock_asked_ = false;
  leader_ = false;
  fx.leave_channel = true;
  pending_.clear();
  pending_bytes_ = 0;
  awaiting_.clear();
  settle_at_.reset();
  lease_check_at_.reset();
  resend_at_.reset();
  silent_since_.reset();
}

void TabProtocol::on_timer(double wall_ms, double mono_ms, TabEffects& fx, Out& out) {
  if (stopped_) return;
  if (settle_at_ && mono_ms >= *settle_at_ && lock_held_) elect(fx);
  if (kept_at_ && mono_ms >= *kept_at_) {
    kept_at_.reset();
    if (leader_ && !resigned_) fx.replay_kept = true;  // never clears one asked for earlier
  }
  if (lease_check_at_ && mono_ms >= *lease_check_at_) {
    lease_check_at_.reset();
    fx.read_lease = true;
  }
  if (resend_at_ && mono_ms >= *resend_at_) {
    resend_at_.reset();
    if (!leader_ && !resigned_ && !pending_.empty()) {
      const std::optional<double> silent = silent_since_;
      for (const Pending& p : pending_) if (caps_.channel) post(p, mono_ms, fx);
      silent_since_ = silent ? silent : std::optional<double>(mono_ms);
      resend_at_ = mono_ms + policy::handover_resend_ms;
    }
  }
  // A leader that holds the lock and answers nothing is suspended: take the lock from it.
  if (caps_.locks && !leader_ && !resigned_ && !lock_held_ && silent_since_ && !hidden_ &&
      mono_ms >= *silent_since_ + policy::leader_silent_ms) {  // as next_wake() computes it
    fx.lock = LockOp::steal;
    lock_asked_ = true;
    stealing_ = true;
    silent_since_.reset();
    ++steals_;
  }
  (void)wall_ms;
  (void)out;
}

std::optional<double> TabProtocol::next_wake() const {
  std::optional<double> next;
  earliest(next, settle_at_);
  earliest(next, kept_at_);
  earliest(next, lease_check_at_);
  earliest(next, resend_at_);
  if (caps_.locks && silent_since_ && !leader_ && !lock_held_ && !hidden_)
    earliest(next, *silent_since_ + policy::leader_silent_ms);
  return next;
}

TabStats TabProtocol::stats() const {
  TabStats s;
  s.leader = leader_;
  s.pending_handovers = pending_.size();
  s.pending_handover_bytes = pending_bytes_;
  s.adopted_remembered = adopted_.size();
  s.keys_awaiting_release = awaiting_.size();
  s.steals = steals_;
  return s;
}

}  // namespace tracker
