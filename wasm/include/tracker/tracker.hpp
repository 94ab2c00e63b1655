// The tracker core: a sans-I/O state machine. Every call takes the host's clock (and entropy when
// it needs randomness) and leaves effects the host performs (send, persist, wake, log, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracker/flat_map.hpp"
#include "tracker/config.hpp"
#include "tracker/effects.hpp"
#include "tracker/fates.hpp"
#include "tracker/tab_protocol.hpp"
#include "tracker/uuid.hpp"

namespace tracker {

namespace detail {
class EventQueue;
struct QueuedEvent;
}

// The host's two clocks, passed to every call. `wall_ms` is Date.now(): what is stored or sent
// (time.create, an event's age across pages, the session's idle time). `mono_ms` is
// performance.now(): durations inside one page (backoff, the flush interval, request timeouts,
// wake-ups), immune to clock changes. Neither is ever read by the core itself.
struct Clock {
  double wall_ms = 0;
  double mono_ms = 0;
};

// What the host observed of a request it performed (Tracker::on_response `status`).
inline constexpr int status_no_answer = 0;    // network error, CORS, blocked, aborted, offline
inline constexpr int status_handed_off = -1;  // sendBeacon accepted it: the outcome is unknown

// track() result bits (a negative result means rejected; see last_error()).
enum TrackFlags : int {
  track_effects_pending = 1,  // call take_effects()
  track_persist_due = 2,      // the snapshot changed
  track_deferred = 4,         // queued after load without fire: log it, it goes with a later batch
  track_held = 8,             // held for the visitor's consent: its answer comes once it is given
};

// Which tab of a browser this core serves (docs/design.md "Persistence across tabs"). The leader
// owns delivery and the one persisted queue; a follower sends only its own page's first attempts
// (the load batch, fire/asBeacon events) and hands everything else over to the leader.
enum class Role { leader, follower };

// Conservation: accepted + restored == acked + handed_off + transferred + sum(dropped) + queued.
struct Stats {
  std::size_t queued = 0;             // events held (in flight included)
  std::size_t queued_bytes = 0;       // their serialized size
  std::size_t inflight_requests = 0;
  std::size_t inflight_events = 0;
  std::uint64_t accepted = 0;    // track() calls accepted
  std::uint64_t restored = 0;    // events taken in from snapshots (not already held)
  std::uint64_t acked = 0;       // events confirmed by a 2xx
  std::uint64_t handed_off = 0;  // events given to sendBeacon: outcome unknown, never re-sent
  std::uint64_t transferred = 0; // events handed over to the leader tab (a follower's handover effect)
  std::uint64_t requests = 0;    // requests sent
  double backoff_until_ms = 0;   // monotonic; no send before it except on page leave
  std::uint64_t consent = 0;     // Consent: 0 granted, 1 pending, 2 denied
  FlatMap<std::string, std::uint64_t> dropped;  // reason -> events
  TabStats tabs;
};
std::string stats_to_json(const Stats& s);

class Tracker {
 public:
  explicit Tracker(std::string_view options_json);
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  const std::string& config_error() const { return setup_.error; }

  // identity_json: {"session":str|null,"profile":str|null,"device":str|null} as stored by the host.
  // identity_json may also carry "origin": the page's origin (a beacon must be same-origin).
  void start(const Clock& now, std::string_view identity_json, std::string_view snapshot,
             const Entropy& entropy);

  // Merges another stored snapshot (e.g. left by another tab) into the queue; events already
  // queued (same id) are skipped.
  void restore(std::string_view snapshot, const Clock& now);

  // Payload-level context, per-event page context and payload options (window.response.context).
  // Leader or follower (the host's election says which). A demoted core hands over everything
  // pending; a follower never asks for its queue to be persisted. A new core is a leader.
  void set_role(Role role, const Clock& now);
  Role role() const { return role_; }

  // --- The tab protocol (tab_protocol.hpp): which tab sends, how the others' events reach it ---
  // Joins the election of `base` (the source's storage and lock name); a follower until elected.
  // A core that never joins leads itself (one tab, or tests of the core alone).
  void join_tabs(std::string_view base, TabCaps caps, const Clock& now, const Entropy& entropy);
  void on_lock(LockFact fact, const Clock& now);
  void on_lease(std::string_view text, const Clock& now);
  void on_message(const TabMessage& message, const Clock& now);
  void on_storage(std::string_view key, std::string_view text, const Clock& now);
  // The shared key as this tab's view holds it, read by the host just before it writes
  // snapshot() there: a later election's copy means this leader was superseded unheard.
  void on_key(std::string_view text, const Clock& now);
  // The stored queues read for an election (TabEffects::read_stored): [key, text] each.
  void on_stored(std::vector<std::pair<std::string, std::string>> entries, const Clock& now);
  // The host wrote snapshot() (ok) or failed to (quota): confirmations and key releases follow.
  void on_persisted(bool ok, const Clock& now);
  // A page stored kept calls (a `storage` event of their key): the leader replays them.
  void on_kept_stored(const Clock& now);
  // The kept calls of these keys were replayed (TabEffects::replay_kept): released with a write.
  void kept_replayed(std::vector<std::string> keys, const Clock& now);
  // pagehide, after the page leave's write (`stored`: it succeeded): out of the election.
  void resign(bool stored, const Clock& now);
  // pageshow from the back/forward cache: back in the election.
  void rejoin(const Clock& now);
  // Out of the election for good: destroy() (`destroying`: the core goes, its keepalive requests'
  // events leave its last copy, written to the key), or consent taken back (the page goes on alone).
  void leave_tabs(const Clock& now, bool destroying = false);
  // The host could not write `key` (TabEffects::writes; the storage quota): `text` as written.
  void on_unwritten(std::string_view key, std::string_view text, const Clock& now);
  TabStats tab_stats() const { return tabs_.stats(); }

  // The `tracardi-session-id` cookie's current value ("" when gone), read by the host before the
  // core may send or rotate: another tab's valid id is adopted and proves the session alive, so
  // a tab idle past the session's life joins the session its sibling kept going.
  void observe_session(std::string_view cookie_value, const Clock& now);
  // The cookie as the host just read it, observed as above; returns the session id the host is to
  // write to the cookie now (with the identity effect's lifetime), "" for no write. Written: a
  // session this tab minted or adopted since its last write, and a slide of the live cookie that
  // holds this session after activity (or on `leaving`, so the expiry counts from the visitor's
  // last moment), at most once per cookie_refresh_ms. Never written: a session idle past its life
  // (the visit ended; the next track() starts a new one), and over a sibling's live cookie.
  std::string session_cookie(std::string_view cookie_value, bool leaving, const Clock& now);

  // The visitor's consent changed (tracker.consent()): granted sends what was held (fires first,
  // the load batch if the page has loaded), starts the identity, persistence and the tab protocol;
  // denied drops what was held (counted as "consent") unless settings.consentDenied is
  // "anonymous", which sends it profile-less; pending holds again. Nothing is written unless
  // granted.
  void set_consent(Consent consent, const Clock& now);
  // tracker.reset() (a logout on a shared device): new session and device ids, no profile; the
  // events accepted before keep the visitor they were accepted under. Entropy: the new ids.
  void reset(const Clock& now, const Entropy& entropy);
  Consent consent() const { return consent_; }

  void set_context(std::string_view json);
  void set_page_context(std::string_view json);
  void set_payload_options(std::string_view json);

  // Returns TrackFlags bits, or -1 when rejected. created_ms (wall) <= 0 means now.wall_ms.
  // event_id: minted at the call (a call kept by an earlier page's stub); a call whose id this
  // core holds already is a second replay of it and is ignored (0).
  int track(std::string_view type, std::string_view props_json, std::string_view options_json,
            const Clock& now, double created_ms, const Entropy& entropy, std::string_view event_id = {});
  const std::string& last_error() const { return last_error_; }
  const std::string& last_event_id() const { return last_event_id_; }

  void on_load(const Clock& now);
  // The tab was hidden (visibilitychange): it may be frozen or discarded without another word,
  // so what is pending leaves now on the unload-safe transport, once, and only outside backoff.
  void on_hidden(const Clock& now);
  // The page is being left (pagehide): the last chance. Outside backoff, pending events and those
  // on a request that dies with the page (plain fetch) leave on keepalive within its budget.
  // persisted: pagehide's own word that the page may go into the back/forward cache (it may come
  // back, its keepalive requests' answers with it); otherwise the page is gone for good.
  void on_page_leave(const Clock& now, bool persisted = false);
  // A navigation to another document began (the Navigation API's navigate event): the earliest
  // word of a leave, which may still not happen (a download, a 204). On a slow CPU the page can be
  // torn down before its pagehide runs, so what waits (fires over the in-flight cap, deferred
  // events) leaves now on the unload-safe transport, outside backoff, as at hide; the page stays
  // an ordinary visible page.
  void on_navigate(const Clock& now);
  // Visible again (visibilitychange, or pageshow from the back/forward cache). Ends a wait that no
  // answer (status 0) caused, as `online` and flush() do.
  void on_visible(const Clock& now);
  void set_online(bool online, const Clock& now);
  void flush(const Clock& now);
  void on_wake(const Clock& now, const Entropy& entropy);
  // status: an HTTP status, status_no_answer or status_handed_off. retry_after = header or "".
  void on_response(std::uint32_t request_id, int status, std::string_view retry_after,
                   std::string_view body, const Clock& now, const Entropy& entropy);

  Effects take_effects();
  // The same, as the JSON text of effects_to_json: the effects are written where they are and
  // cleared, not moved out (the binding's path; a move of Effects costs the wasm ~0.5 KB).
  std::string take_effects_json();
  std::string snapshot() const;
  Stats stats() const;
  // The same counters in place, the derived ones brought up to date (the binding's path: a copy
  // of Stats, drop reasons and all, costs the wasm its copy code).
  const Stats& current_stats();
  // The recent events' fates, one JSON line per step, oldest first (fates.hpp: tracker.inspect()).
  const std::string& fates() const { return fates_.text(); }

 private:
  struct Request {
    std::vector<std::uint64_t> seqs;
    Transport transport = Transport::fetch;
    std::size_t bytes = 0;
    double sent_mono = 0;
    bool batch = false;        // a queue batch (not a fire/asBeacon single)
    bool before_load = false;  // sent before the page's load event
    bool left_visitor = false; // its events are a visitor's this page reset() away from
    // A timer of this page found it unanswered past policy::answer_overdue_ms: the page ran
    // tasks, so its answer is not waiting behind them (presume_overdue_lost).
    bool overdue = false;
    // On the wire when a navigation away began, or sent by it: its answer may never reach this
    // page (Chromium cuts the page's side and carries the request on), so it is never overdue.
    bool navigated = false;
  };
  enum class Trigger { tick, drain };

  void log(LogLevel level, std::string message);
  // Whether the visitor's consent lets this core write anything (ids, queue, tab protocol), and
  // whether it lets it send (granted, or denied with profile-less events).
  bool may_store() const { return consent_ == Consent::granted; }
  bool may_deliver() const {
    return consent_ == Consent::granted || (consent_ == Consent::denied && setup_.config->consent_anonymous);
  }
  // What a change of consent asks of the tab protocol: joined only while granted.
  void consent_tabs(const Clock& now);
  void emit_identity();
  void touch_session(const Clock& now, const Entropy& entropy);
  // detail: the server's reason for a refusal (its fate line's "detail"), "" for none.
  void drop_events(const std::vector<std::uint64_t>& seqs, std::string_view reason, const Clock& now,
                   std::string_view detail = {});
  // The events the queue bound dropped (EventQueue::push): counted, and their fate noted.
  void note_full(const std::vector<std::string>& ids, const Clock& now);
  // A fate step of every event of `seqs` this core holds (fates.hpp).
  void note_fates(const std::vector<std::uint64_t>& seqs, detail::Fate step, const Clock& now,
                  std::int64_t n0 = -1, std::int64_t n1 = -1, std::string_view s0 = {}, std::string_view s1 = {});
  double age_ms(const detail::QueuedEvent& e, const Clock& now) const;
  void expire_old(const Clock& now);
  void mark_overdue(const Clock& now);
  void time_out_requests(const Clock& now, const Entropy& entropy);
  bool may_send() const;
  bool fire_slot_free() const;
  bool batch_allowed(Trigger trigger) const;
  double batch_due_at(Trigger trigger) const;
  void pump(const Clock& now, Trigger trigger);
  void send_fires(const Clock& now);
  // last: the leave itself (on_page_leave, a refused leave's resign), not a later call of the page.
  void flush_unload_safe(const Clock& now, bool leaving, bool last = false);
  bool early_fire_in_flight() const;
  bool batch_in_flight() const;
  std::size_t fires_in_flight() const;
  bool in_backoff(const Clock& now) const { return now.mono_ms < backoff_until_; }
  Transport unload_transport(std::size_t body_bytes) const;
  Transport live_transport(std::size_t body_bytes) const;
  void presume_overdue_lost(bool for_good);
  void keep_outliving_in_copy();
  std::uint32_t send(std::vector<std::uint64_t> seqs, std::string body, Transport transport,
                     bool batch, const Clock& now);
  std::string build_body(const std::vector<std::uint64_t>& seqs) const;
  // This core's payload envelope (QueuedEvent::envelope): its static profile id, context, options.
  std::string envelope() const;
  // Moves a request (present) out of requests_, and its bytes out of the keepalive budget.
  Request take_request(std::uint32_t id);
  // `req`, taken out of requests_ already. body: the answer's body (its `detail` is quoted when
  // the batch is refused); "" for no answer.
  void fail_request(std::uint32_t id, const Request& req, int status, std::string_view retry_after,
                    const Clock& now, const Entropy& entropy, std::string_view body = {});
  void note_failure(const Request& req, int status, std::string_view retry_after, const Clock& now,
                    const Entropy& entropy);
  // A wait caused by no answer (status 0) ends at once: a fact says the collector may answer now.
  void end_network_wait();
  void update_wake(const Clock& now);
  void derive_stats(Stats& s) const;
  // Leader: confirms hand-overs and releases keys whose events are all delivered or dropped.
  void settle_tabs();  // the counts the queue and requests hold
  bool holds(const std::string& id) const;   // an event of this id is queued here
  int in_key(std::string_view id) const;  // ... and snapshot() writes it (2), held but left out (1), not held (0)
  // Which events of requests the browser finishes after the page (keepalive) snapshot() holds
  // (write_snapshot's `outliving`): all while the page is visible (its core may die before the
  // answer), and while it is hidden in a known outage (into it they most likely fail; the page may
  // die or its writes be refused before their answer); hidden, those that failed before; none
  // once the page leaves (its leave's rule: keep_outliving_in_copy).
  int copy_outliving() const { return leaving_ ? 0 : !hidden_ || failures_ > 0 ? 2 : 1; }
  // Follower: moves what the leader must deliver into the handover effect (`everything`: all
  // pending events and those on a plain fetch that dies with a leaving page).
  void hand_over(bool everything, const Clock& now);
  // Applies what a tab protocol fact asks of this core (a role, adoptions), then the queue's rules.
  void apply_tabs(TabProtocol::Out& out, const Clock& now);
  // restore(), collecting every event id the text holds (queued before or not) into `ids`.
  // skip: ids not to take in (an earlier read took them in, and they may be delivered since).
  // own: the events are this page's first attempts (a hand-over given back): local.
  void restore_ids(std::string_view snapshot, const Clock& now, std::vector<std::string>* ids,
                   const std::vector<std::string>* skip = nullptr, bool own = false);

  TabProtocol tabs_;
  Consent consent_ = Consent::granted;
  // The host's join_tabs while consent was not granted: joined once it is.
  std::string tabs_base_, tabs_id_;
  std::string left_session_;  // the session reset() left: a cookie still holding it is not adopted
  TabCaps tabs_caps_{};
  bool joining_ = false;  // inside join_tabs: its first role is no demotion
  bool parting_ = false;  // resigning with the shared key written: a demotion hands nothing over
  ConfigResult setup_;  // config (set when valid), error, warnings (logged at start)
  std::unique_ptr<detail::EventQueue> queue_;
  FlatMap<std::uint32_t, Request> requests_;
  std::uint32_t next_request_id_ = 1;  // 0 is never an id: an event's owner 0 means pending
  friend struct TrackerTestAccess;     // tests only: state no public call can reach in a test's time
  std::size_t keepalive_bytes_ = 0;

  bool started_ = false, loaded_ = false, hidden_ = false, leaving_ = false, online_ = true;
  bool beacon_ = false;  // settings.transport "beacon", and the API is same-origin
  bool ready_emitted_ = false;
  Role role_ = Role::leader;
  bool overflowing_ = false;  // the last track() had to drop: warn once per episode
  int failures_ = 0;          // retryable failure steps in a row (one per outage), drives backoff
  bool last_failure_network_ = false;  // the outage's last step was a status 0 (no answer)
  double failure_epoch_mono_ = -1e300;  // when the last step was taken; earlier requests add none
  double backoff_until_ = 0;        // monotonic
  // After an election that took other tabs' events in: no batch before it (monotonic), so a late
  // parting message can still withdraw what the last leader sent since its write (`superseded`).
  double adopted_hold_until_ = 0;
  std::vector<std::string> acked_ids_;  // the last acknowledged event ids, oldest first (bounded)
  std::vector<std::string> kept_ids_;   // the ids of the kept calls replayed since kept_replayed
  std::size_t split_cap_ = 0;  // 0 = none; else max events per batch after a 413

  std::string session_id_, device_id_;
  std::optional<std::string> profile_id_;  // stored / server-assigned (not the static one)
  double last_activity_wall_ = 0;
  std::string cookie_written_;          // the session the cookie held when read (at start, adopted), or we wrote
  double cookie_written_mono_ = -1e300, cookie_written_wall_ = -1e300;
  bool active_since_cookie_ = false;    // a track() since the cookie was last written
  std::string context_json_ = "{}", page_context_json_, payload_options_json_ = "{}";

  Stats stats_;
  detail::FateLog fates_;
  Effects effects_;
  std::optional<double> wake_at_;
  std::string last_error_, last_event_id_;
};

}  // namespace tracker
