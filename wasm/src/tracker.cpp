// Tracker: configuration, identity, track() and page-lifecycle entry points.
// Delivery (batching, sending, responses, retry) is in delivery.cpp.
#include "tracker/tracker.hpp"

#include <algorithm>
#include <vector>

#include "json_scan.hpp"

#include "event_builder.hpp"
#include "event_queue.hpp"
#include "json_text.hpp"
#include "snapshot.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace {

struct StoredIdentity {
  std::optional<std::string> session, profile, device;
  std::string origin;  // the page's origin, when the host knows it
  bool gpc = false;    // navigator.globalPrivacyControl === true (the host's reading)
};

StoredIdentity read_identity(std::string_view text) {
  StoredIdentity ids;
  detail::JsonScanner scanner;
  scanner.on_value = [&ids](const detail::JsonPath& path, detail::JsonKind kind, std::string_view v) {
    if (path.size() != 1) return;
    if (path[0] == "gpc") ids.gpc = v == "true";
    if (kind != detail::JsonKind::string) return;
    if (path[0] == "origin") ids.origin = std::string(v);
    if (!is_sane_id(v)) return;  // cookies and storage can be tampered with
    if (path[0] == "session") ids.session = std::string(v);
    if (path[0] == "profile") ids.profile = std::string(v);
    if (path[0] == "device") ids.device = std::string(v);
  };
  if (!scanner.scan(text)) {
    // Empty again, in place: one object returned on every path needs no move.
    ids.session.reset();
    ids.profile.reset();
    ids.device.reset();
    ids.origin.clear();
  }
  return ids;
}

// Mixes a per-purpose constant into the host entropy so two ids minted in one call differ.
Entropy derive(const Entropy& e, std::uint32_t salt) {
  Entropy d = e;
  for (auto& w : d.words) {
    w ^= salt;
    w *= 0x9E3779B1u;
    w ^= w >> 15;
    salt = salt * 0x85EBCA77u + 0x27D4EB2Fu;
  }
  return d;
}

// "https://Host:8443/x/track" -> "https://host:8443"; "" when the URL has no scheme://authority.
std::string origin_of(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const std::size_t path = url.find_first_of("/?#", scheme_end + 3);
  std::string out(url.substr(0, path));
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool valid_object_text(std::string_view text) {
  return detail::check_json_object(text, policy::max_property_depth) == detail::JsonCheck::ok;
}

}  // namespace

// The parse result is kept as it comes (no member-by-member moves out of it).
Tracker::Tracker(std::string_view options_json)
    : setup_(parse_config(options_json)), queue_(std::make_unique<detail::EventQueue>()) {}

Tracker::~Tracker() = default;

void Tracker::log(LogLevel level, std::string message) {
  effects_.logs.push_back({level, std::move(message)});
}

void Tracker::emit_identity() {
  // Filled in place: a finished IdentityEffect assigned into the optional costs its move code.
  IdentityEffect& id = effects_.identity.emplace();
  id.session_id = session_id_;
  id.profile_id = profile_id_;
  id.device_id = device_id_;
}

void Tracker::start(const Clock& now, std::string_view identity_json, std::string_view snapshot,
                    const Entropy& entropy) {
  if (!setup_.config || started_) return;
  started_ = true;
  for (std::string& w : setup_.warnings) log(LogLevel::warn, std::move(w));
  setup_.warnings.clear();

  StoredIdentity ids = read_identity(identity_json);
  if (ids.session) cookie_written_ = *ids.session;
  session_id_ = ids.session ? std::move(*ids.session) : make_uuid4(derive(entropy, 1));
  device_id_ = ids.device ? std::move(*ids.device) : make_uuid4(derive(entropy, 2));
  profile_id_ = std::move(ids.profile);
  last_activity_wall_ = now.wall_ms;
  // A visitor's Global Privacy Control signal, where the site respects it, is a denial (a later
  // tracker.consent() from the site's own banner, the visitor's explicit word, still counts).
  consent_ = ids.gpc && setup_.config->respect_gpc ? Consent::denied : setup_.config->consent;
  emit_identity();  // dropped at take_effects while consent is not granted

  // Chromium preflights a JSON beacon to another origin and then never sends it
  // (reliability.md): a beacon is only used where it arrives.
  beacon_ = setup_.config->beacon_transport;
  if (beacon_ && !ids.origin.empty() && origin_of(setup_.config->track_url) != origin_of(ids.origin)) {
    beacon_ = false;
    log(LogLevel::error, "options.tracker.settings.transport \"beacon\" refused: a JSON beacon to another origin (" +
                             origin_of(setup_.config->track_url) + ", page " + origin_of(ids.origin) +
                             ") never arrives; using keepalive fetch");
  }

  restore(snapshot, now);
}

void Tracker::restore(std::string_view snapshot, const Clock& now) { restore_ids(snapshot, now, nullptr); }

void Tracker::restore_ids(std::string_view snapshot, const Clock& now, std::vector<std::string>* ids,
                          const std::vector<std::string>* skip, bool own) {
  if (!setup_.config) return;
  detail::RestoredQueue restored = detail::read_snapshot(snapshot);
  if (ids) for (const detail::QueuedEvent& e : restored.events) ids->push_back(e.id);
  // An envelope equal to this core's is this core's: those events batch with its own.
  if (tabs_.joined()) {
    const std::string mine = envelope();
    for (detail::QueuedEvent& e : restored.events) {
      if (e.envelope == mine) e.envelope.clear();
    }
  }
  if (!restored.warning.empty()) {
    log(LogLevel::warn, restored.warning);
    effects_.persist = true;  // overwrite the bad copy
  }
  // Snapshots of several tabs (or a tab and its own reload) may hold the same events: keep one.
  // A sorted id list rather than a hash set: this runs once per page and a hash table's code
  // would cost the wasm ~5 KB. Kept sorted by inserting in place (at most
  // policy::max_queued_events ids), so std::sort's code stays out of the wasm too.
  // One search-and-insert for both loops; false when the id was known.
  std::vector<std::string> known;
  auto add = [&known](const std::string& id) {
    const auto at = std::lower_bound(known.begin(), known.end(), id);
    if (at != known.end() && *at == id) return false;
    insert_at(known, static_cast<std::size_t>(at - known.begin()), std::string(id));
    return true;
  };
  for (const detail::QueuedEvent& e : queue_->events()) add(e.id);
  for (const std::string& id : acked_ids_) add(id);
  if (skip) for (const std::string& id : *skip) add(id);
  for (detail::QueuedEvent& e : restored.events) {
    if (!add(e.id)) continue;
    e.seen_mono = now.mono_ms;
    e.age_at_seen = std::max(0.0, now.wall_ms - e.enqueued_ms);
    if (own) e.local = e.reclaimed = true;
    ++stats_.restored;
    fates_.note(e.id, detail::Fate::restored, now.wall_ms);
    std::vector<std::string> full;
    queue_->push(std::move(e), policy::max_queued_events, policy::max_queued_bytes, &full);
    note_full(full, now);
    effects_.persist = true;
  }
  expire_old(now);
  pump(now, Trigger::tick);
  update_wake(now);
}

void Tracker::set_role(Role role, const Clock& now) {
  if (role == role_) return;
  role_ = role;
  if (!setup_.config || !started_) return;
  // A new leader persists what it holds now (the host then writes the one shared copy); a demoted
  // one hands everything pending over (update_wake runs hand_over for a follower).
  if (role == Role::leader) effects_.persist = true;
  else hand_over(!joining_, now);
  pump(now, Trigger::tick);
  update_wake(now);
}

void Tracker::observe_session(std::string_view cookie_value, const Clock& now) {
  // Gone or tampered: our own timer decides; the session reset() left is not this visitor's.
  if (!setup_.config || !is_sane_id(cookie_value) || cookie_value == left_session_) return;
  // The cookie lives while some tab of this browser was active within the session's life, so its
  // presence restarts our idle timer, and its id is the session (Tracardi re-reads it per event).
  last_activity_wall_ = std::max(last_activity_wall_, now.wall_ms);
  if (cookie_value != session_id_) {
    session_id_ = std::string(cookie_value);
    // The cookie's, not ours to write: once it is gone, the visit ended with it.
    cookie_written_ = session_id_;
    emit_identity();
  }
}

std::string Tracker::session_cookie(std::string_view cookie_value, bool leaving, const Clock& now) {
  if (!setup_.config || !started_ || !may_store()) return {};
  observe_session(cookie_value, now);
  if (session_id_.empty()) return {};
  if (now.wall_ms - last_activity_wall_ > policy::session_ttl_ms) return {};
  const bool holds = cookie_value == session_id_;
  // A minute since our write by either clock: the browser dates the cookie's expiry by its wall
  // clock at the write, so a clock set forward ages it while the monotonic clock hardly moves.
  const bool slide = holds && (active_since_cookie_ || leaving) &&
                     (now.mono_ms - cookie_written_mono_ >= policy::cookie_refresh_ms ||
                      now.wall_ms - cookie_written_wall_ >= policy::cookie_refresh_ms);
  // A cookie gone (expired, blocked, cleared) is not revived for a session it already held: only
  // a session new since our last write is written where the cookie does not hold it.
  const bool fresh = !holds && session_id_ != cookie_written_;
  if (!slide && !fresh) return {};
  cookie_written_ = session_id_;
  cookie_written_mono_ = now.mono_ms;
  cookie_written_wall_ = now.wall_ms;
  active_since_cookie_ = false;
  return session_id_;
}

void Tracker::set_context(std::string_view text) {
  if (valid_object_text(text)) context_json_ = std::string(text);
}

void Tracker::set_page_context(std::string_view text) {
  if (text.empty() || valid_object_text(text)) page_context_json_ = std::string(text);
}

void Tracker::set_payload_options(std::string_view text) {
  if (valid_object_text(text)) payload_options_json_ = std::string(text);
}

void Tracker::touch_session(const Clock& now, const Entropy& entropy) {
  // A visitor idle longer than the cookie's life starts a new session, as Tracardi's cookie would.
  // Wall clock, like the cookie's expiry: a night's sleep ends the session even though the
  // monotonic clock stood still.
  if (now.wall_ms - last_activity_wall_ > policy::session_ttl_ms) {
    session_id_ = make_uuid4(derive(entropy, 3));
    emit_identity();
  }
  last_activity_wall_ = now.wall_ms;
  active_since_cookie_ = true;
}

// A logout on a shared device: the next event is a new anonymous visitor. What was accepted keeps
// the visitor it was accepted under: each queued event of this page is frozen into an envelope
// naming its session and profile (build_body sends it so, also from a next page's restore).
void Tracker::reset(const Clock& now, const Entropy& entropy) {
  if (!setup_.config || !started_) return;
  std::string frozen = "{\"session\":";
  detail::append_quoted(frozen, session_id_);
  frozen += ",\"profile\":";
  const std::optional<std::string>& profile = setup_.config->static_profile_id ? setup_.config->static_profile_id : profile_id_;
  if (profile) detail::append_quoted(frozen, *profile);
  else frozen += "null";
  frozen += ",\"context\":" + context_json_ + ",\"options\":" + payload_options_json_ + '}';
  for (detail::QueuedEvent& e : queue_->events())
    if (e.envelope.empty()) e.envelope = frozen;
  profile_id_.reset();
  // The cookie may still hold the old session (another tab slides it): never adopted again.
  left_session_ = std::move(session_id_);
  session_id_ = make_uuid4(derive(entropy, 1));
  device_id_ = make_uuid4(derive(entropy, 2));
  cookie_written_.clear();
  last_activity_wall_ = now.wall_ms;
  emit_identity();
  effects_.persist = true;
}

int Tracker::track(std::string_view type, std::string_view props_json, std::string_view options_json,
                   const Clock& now, double created_ms, const Entropy& entropy, std::string_view event_id) {
  if (!setup_.config) {
    last_error_ = "tracker is not configured: " + setup_.error;
    return -1;
  }
  if (!started_) start(now, "{}", "", entropy);
  if (!event_id.empty()) {
    // Only a kept call carries its id: its key is released once none of these is left out of a
    // write (kept_replayed).
    kept_ids_.push_back(std::string(event_id));  // not emplace_back(string_view): -10 B of wasm
    for (const detail::QueuedEvent& q : queue_->events()) {
      if (q.id == event_id) {
        last_event_id_ = q.id;
        return 0;
      }
    }
    // A kept call replayed again after this core delivered it.
    if (std::find(acked_ids_.begin(), acked_ids_.end(), event_id) != acked_ids_.end()) {
      last_event_id_ = std::string(event_id);
      return 0;
    }
  }
  detail::BuildResult built = detail::build_event(type, props_json, options_json, page_context_json_,
                                                  created_ms > 0 ? created_ms : now.wall_ms, entropy, event_id);
  if (!built.ok) {
    last_error_ = std::move(built.error);
    return -1;
  }
  touch_session(now, entropy);
  ++stats_.accepted;
  last_event_id_ = built.event.id;
  // Denied without profile-less events: accepted (the page's call is not an error) and dropped.
  if (!may_deliver() && consent_ == Consent::denied) {
    ++stats_.dropped[std::string_view("consent")];
    fates_.note(last_event_id_, detail::Fate::dropped, now.wall_ms, -1, -1, -1, "consent");
    return 0;
  }

  const bool single = built.event.fire || built.event.as_beacon;
  // A call kept from an earlier page (the loader stub's, replayed with its time) is as old as the
  // call: the 24 h limit counts from it (issue 20: kept calls had no age limit). Past it, the event
  // is accepted and dropped at once, counted.
  const double called = created_ms > 0 ? std::min(created_ms, now.wall_ms) : now.wall_ms;
  if (now.wall_ms - called > policy::max_event_age_ms) {
    ++stats_.dropped[std::string_view("expired")];
    fates_.note(last_event_id_, detail::Fate::dropped, now.wall_ms, -1, -1, -1, "expired");
    return 0;
  }
  detail::QueuedEvent e;
  e.id = std::move(built.event.id);
  e.json = std::move(built.event.json);
  e.enqueued_ms = called;
  e.age_at_seen = now.wall_ms - called;
  e.seen_mono = now.mono_ms;
  e.urgent = single;
  e.beacon = built.event.as_beacon;
  e.local = single || !loaded_;  // the page awaits their answer: a follower sends them itself
  fates_.note(e.id, consent_ == Consent::pending ? detail::Fate::held : detail::Fate::queued, now.wall_ms,
              single ? 1 : -1, -1, -1, detail::trim(type));
  std::vector<std::string> full;
  const std::size_t dropped =
      queue_->push(std::move(e), policy::max_queued_events, policy::max_queued_bytes, &full);
  note_full(full, now);
  if (dropped) {
    // One warning per overflow episode, not one per event: a burst must not flood the console.
    if (!overflowing_) {
      log(LogLevel::warn, "queue full (" + detail::decimal(policy::max_queued_events) +
                              " events): dropping the oldest unsent events; see stats() for the count");
    }
  }
  overflowing_ = dropped > 0;
  effects_.persist = true;

  int flags = role_ == Role::leader && may_store() ? track_persist_due : 0;
  if (consent_ == Consent::pending) flags |= track_held;
  if (loaded_ && !single && !leaving_ && setup_.config->log_deferred) flags |= track_deferred;
  pump(now, Trigger::tick);
  update_wake(now);
  if (!effects_.sends.empty() || !effects_.logs.empty() || effects_.wake_changed || effects_.identity ||
      !effects_.handover.empty() || !effects_.tabs.empty())
    flags |= track_effects_pending;
  return flags;
}

void Tracker::on_load(const Clock& now) {
  if (!setup_.config || loaded_) return;
  loaded_ = true;
  queue_->mark_due();  // everything tracked before load leaves now, as one request
  if (queue_->empty() && !ready_emitted_) {
    ready_emitted_ = true;
    effects_.ready_context = "null";
  }
  pump(now, Trigger::drain);
  update_wake(now);
}

void Tracker::on_hidden(const Clock& now) {
  if (!setup_.config) return;
  hidden_ = true;
  tabs_.on_hidden(now.wall_ms, now.mono_ms, effects_.tabs);
  expire_old(now);
  flush_unload_safe(now, false);
  // A hidden tab may be frozen or discarded: a follower gives the leader what it did not send.
  if (role_ == Role::follower) hand_over(true, now);
  effects_.persist = true;  // the host writes the snapshot synchronously on hide
  update_wake(now);
}

void Tracker::on_page_leave(const Clock& now, bool persisted) {
  if (!setup_.config) return;
  hidden_ = true;
  leaving_ = true;
  tabs_.on_page_leave(effects_.tabs);  // hand-overs from now on go to mailbox keys
  expire_old(now);
  presume_overdue_lost(!persisted);
  flush_unload_safe(now, true, true);
  if (!persisted && failures_ > 0) keep_outliving_in_copy();
  if (role_ == Role::follower) hand_over(true, now);
  effects_.persist = true;
  update_wake(now);
}

void Tracker::on_navigate(const Clock& now) {
  if (!setup_.config) return;
  expire_old(now);
  flush_unload_safe(now, false);  // a follower hands over what it holds, as at hide
  for (auto& [id, req] : requests_) req.navigated = true;  // what it sent too
  effects_.persist = true;
  update_wake(now);
}

void Tracker::on_visible(const Clock& now) {
  if (!setup_.config) return;
  hidden_ = false;
  leaving_ = false;  // back from the back/forward cache: an ordinary page again
  tabs_.on_visible(now.wall_ms, now.mono_ms, effects_.tabs);
  // The visitor is back: a collector that did not answer (a proxy restarting, a flaky network) is
  // probed now rather than at the end of a wait of up to a minute.
  end_network_wait();
  pump(now, Trigger::tick);
  update_wake(now);
}

void Tracker::set_online(bool online, const Clock& now) {
  if (!setup_.config) return;
  online_ = online;
  if (online) {
    // The browser says the network is back: what failed for want of a network is tried at once.
    // A backoff the server asked for (5xx, 429) still holds: the network was not its cause.
    end_network_wait();
    queue_->mark_due();
    pump(now, Trigger::tick);
  }
  update_wake(now);
}

void Tracker::flush(const Clock& now) {
  if (!setup_.config) return;
  queue_->mark_due();
  end_network_wait();  // the page asks for delivery now: a status-0 wait ends (a 5xx one holds)
  pump(now, Trigger::drain);  // before load too: an explicit flush sends the queue now
  update_wake(now);
}

void Tracker::on_wake(const Clock& now, const Entropy& entropy) {
  if (!setup_.config) return;
  // The host's timer has fired, so it holds none now: whatever is due next must be announced
  // again even if it equals the old deadline (a timer may fire a fraction of a ms early).
  wake_at_.reset();
  TabProtocol::Out out;
  tabs_.on_timer(now.wall_ms, now.mono_ms, effects_.tabs, out);
  if (out.role || !out.adopt.empty()) apply_tabs(out, now);
  mark_overdue(now);
  time_out_requests(now, entropy);
  expire_old(now);
  pump(now, Trigger::tick);
  update_wake(now);
}

Effects Tracker::take_effects() {
  // Only the leader writes the one persisted queue; a follower's events are the leader's to keep.
  // Without the visitor's consent nothing is written at all: no queue, no ids.
  if (role_ == Role::follower || !may_store()) effects_.persist = false;
  if (!may_store()) effects_.identity.reset();
  Effects out = std::move(effects_);
  effects_.clear();  // the reset take_effects_json() uses: every test run goes through it
  return out;
}

std::string Tracker::take_effects_json() {
  if (role_ == Role::follower || !may_store()) effects_.persist = false;
  if (!may_store()) effects_.identity.reset();
  std::string out = effects_to_json(effects_);
  effects_.clear();
  return out;
}

// A visible page's keepalive requests stay in its copy until answered: if its core dies first (a
// trap), the answer reaches nobody and only this copy can give the events to the next leader (CI,
// e2e tab-protocol b: one event lost so). Once the page is hidden or left, the browser may finish
// them after the page (a mobile app killed in the background fires no pagehide): from then on
// they are not the next page's to send (the next page would send a copy).
std::string Tracker::snapshot() const {
  return detail::write_snapshot(*queue_, copy_outliving(), tabs_.epoch());
}

void Tracker::derive_stats(Stats& s) const {
  s.tabs = tabs_.stats();
  if (!tabs_.joined()) s.tabs.leader = role_ == Role::leader;
  s.consent = static_cast<std::uint64_t>(consent_);
  s.queued = queue_->size();
  s.queued_bytes = queue_->bytes();
  s.inflight_requests = requests_.size();
  s.inflight_events = queue_->size() - queue_->pending();
  s.backoff_until_ms = backoff_until_;
}

const Stats& Tracker::current_stats() {
  derive_stats(stats_);
  return stats_;
}

Stats Tracker::stats() const {
  Stats s = stats_;
  derive_stats(s);
  return s;
}

std::string stats_to_json(const Stats& s) {
  // Name and value per member, written by one loop: a table costs the wasm less than code.
  const std::pair<const char*, std::uint64_t> counts[] = {
      {"{\"queued\":", s.queued},       {",\"inflight\":", s.inflight_requests},
      {",\"inflightEvents\":", s.inflight_events}, {",\"accepted\":", s.accepted},
      {",\"restored\":", s.restored},   {",\"acked\":", s.acked},
      {",\"handedOff\":", s.handed_off}, {",\"transferred\":", s.transferred},
      {",\"requests\":", s.requests}, {",\"consent\":", s.consent}};
  std::string out;
  for (const auto& [name, n] : counts) {
    out += name;
    detail::append_decimal(out, n);
  }
  out += ",\"dropped\":{";
  bool first = true;
  for (const auto& [reason, n] : s.dropped) {
    if (!first) out += ',';
    first = false;
    detail::append_quoted(out, reason);
    out += ':';
    detail::append_decimal(out, n);
  }
  out += "},\"tabs\":{\"leader\":";
  out += s.tabs.leader ? "true" : "false";
  const std::pair<const char*, std::uint64_t> tabs[] = {
      {",\"pendingHandovers\":", s.tabs.pending_handovers},
      {",\"pendingHandoverBytes\":", s.tabs.pending_handover_bytes},
      {",\"adoptedRemembered\":", s.tabs.adopted_remembered},
      {",\"awaiting\":", s.tabs.keys_awaiting_release},
      {",\"steals\":", s.tabs.steals}};
  for (const auto& [name, n] : tabs) {
    out += name;
    detail::append_decimal(out, n);
  }
  out += "}}";
  return out;
}

}  // namespace tracker
