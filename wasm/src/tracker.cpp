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

// An id read from host storage is used only if it is a sane token (cookies can be tampered with).
bool sane_id(std::string_view s) {
  if (s.empty() || s.size() > policy::max_id_length) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '"' || c == '\\' || c == ';' || c == ',') return false;
  }
  return true;
}

struct StoredIdentity {
  std::optional<std::string> session, profile, device;
};

StoredIdentity read_identity(std::string_view text) {
  StoredIdentity ids;
  detail::JsonScanner scanner;
  scanner.on_value = [&ids](const detail::JsonPath& path, detail::JsonKind kind, std::string_view v) {
    if (path.size() != 1 || kind != detail::JsonKind::string || !sane_id(v)) return;
    if (path[0] == "session") ids.session = std::string(v);
    if (path[0] == "profile") ids.profile = std::string(v);
    if (path[0] == "device") ids.device = std::string(v);
  };
  if (!scanner.scan(text)) return StoredIdentity{};
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

bool valid_object_text(std::string_view text) {
  return detail::check_json_object(text, policy::max_property_depth) == detail::JsonCheck::ok;
}

}  // namespace

Tracker::Tracker(std::string_view options_json) : queue_(std::make_unique<detail::EventQueue>()) {
  ConfigResult r = parse_config(options_json);
  config_ = std::move(r.config);
  config_error_ = std::move(r.error);
  config_warnings_ = std::move(r.warnings);
}

Tracker::~Tracker() = default;

void Tracker::log(LogLevel level, std::string message) {
  effects_.logs.push_back({level, std::move(message)});
}

void Tracker::emit_identity() {
  effects_.identity = IdentityEffect{session_id_, profile_id_, device_id_};
}

void Tracker::start(double now_ms, std::string_view identity_json, std::string_view snapshot,
                    const Entropy& entropy) {
  if (!config_ || started_) return;
  started_ = true;
  for (std::string& w : config_warnings_) log(LogLevel::warn, std::move(w));
  config_warnings_.clear();

  StoredIdentity ids = read_identity(identity_json);
  session_id_ = ids.session ? std::move(*ids.session) : make_uuid4(derive(entropy, 1));
  device_id_ = ids.device ? std::move(*ids.device) : make_uuid4(derive(entropy, 2));
  profile_id_ = std::move(ids.profile);
  last_activity_ms_ = now_ms;
  emit_identity();

  restore(snapshot, now_ms);
}

void Tracker::restore(std::string_view snapshot, double now_ms) {
  if (!config_) return;
  detail::RestoredQueue restored = detail::read_snapshot(snapshot);
  if (!restored.warning.empty()) {
    log(LogLevel::warn, restored.warning);
    effects_.persist = true;  // overwrite the bad copy
  }
  // Snapshots of several tabs (or a tab and its own reload) may hold the same events: keep one.
  // A sorted id list rather than a hash set: this runs once per page and a hash table's code
  // would cost the wasm ~5 KB.
  std::vector<std::string> known;
  for (const detail::QueuedEvent& e : queue_->events()) known.push_back(e.id);
  std::sort(known.begin(), known.end());
  for (detail::QueuedEvent& e : restored.events) {
    auto at = std::lower_bound(known.begin(), known.end(), e.id);
    if (at != known.end() && *at == e.id) continue;
    known.insert(at, e.id);
    const std::size_t dropped =
        queue_->push(std::move(e), policy::max_queued_events, policy::max_queued_bytes);
    if (dropped) stats_.dropped["queue_full"] += dropped;
    effects_.persist = true;
  }
  expire_old(now_ms);
  pump(now_ms, Trigger::tick);
  update_wake(now_ms);
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

void Tracker::touch_session(double now_ms, const Entropy& entropy) {
  // A visitor idle longer than the cookie's life starts a new session, as Tracardi's cookie would.
  if (now_ms - last_activity_ms_ > policy::session_ttl_ms) {
    session_id_ = make_uuid4(derive(entropy, 3));
    emit_identity();
  }
  last_activity_ms_ = now_ms;
}

int Tracker::track(std::string_view type, std::string_view props_json, std::string_view options_json,
                   double now_ms, double created_ms, const Entropy& entropy) {
  if (!config_) {
    last_error_ = "tracker is not configured: " + config_error_;
    return -1;
  }
  if (!started_) start(now_ms, "{}", "", entropy);
  detail::BuildResult built = detail::build_event(type, props_json, options_json, page_context_json_,
                                                  created_ms > 0 ? created_ms : now_ms, entropy);
  if (!built.ok) {
    last_error_ = std::move(built.error);
    return -1;
  }
  touch_session(now_ms, entropy);
  ++stats_.accepted;
  last_event_id_ = built.event.id;

  detail::QueuedEvent e;
  e.id = std::move(built.event.id);
  e.json = std::move(built.event.json);
  e.enqueued_ms = now_ms;
  const std::uint64_t seq = queue_->next_seq();
  const std::size_t dropped =
      queue_->push(std::move(e), policy::max_queued_events, policy::max_queued_bytes);
  if (dropped) {
    stats_.dropped["queue_full"] += dropped;
    // One warning per overflow episode, not one per event: a burst must not flood the console.
    if (!overflowing_) {
      log(LogLevel::warn, "queue full (" + std::to_string(policy::max_queued_events) +
                              " events): dropping the oldest unsent events; see stats() for the count");
    }
  }
  overflowing_ = dropped > 0;
  effects_.persist = true;

  int flags = track_persist_due;
  const bool single = built.event.fire || built.event.as_beacon;
  if (single && online_ && !paused_) {
    // fire/asBeacon: this event alone, at once; the queue keeps its order.
    Transport t = Transport::fetch;
    if (built.event.as_beacon) {
      const std::size_t size = queue_->find(seq)->json.size() + 512;
      t = config_->beacon_transport ? Transport::beacon
          : keepalive_bytes_ + size <= policy::keepalive_budget_bytes ? Transport::keepalive
                                                                       : Transport::fetch;
    }
    send({seq}, t, false, now_ms);
  } else {
    if (single) queue_->find(seq)->due = true;  // offline: goes first when we are back
    if (loaded_ && !single && config_->log_deferred) flags |= track_deferred;
    pump(now_ms, Trigger::tick);
  }
  update_wake(now_ms);
  if (!effects_.sends.empty() || !effects_.logs.empty() || effects_.wake_changed || effects_.identity)
    flags |= track_effects_pending;
  return flags;
}

void Tracker::on_load(double now_ms) {
  if (!config_ || loaded_) return;
  loaded_ = true;
  mark_all_due();  // everything tracked before load leaves now, as one request
  if (queue_->empty() && !ready_emitted_) {
    ready_emitted_ = true;
    effects_.ready_context = "null";
  }
  pump(now_ms, Trigger::drain);
  update_wake(now_ms);
}

void Tracker::on_hidden(double now_ms) {
  if (!config_) return;
  hidden_ = true;
  expire_old(now_ms);
  // The page may be going away: whatever is not already on a keepalive request goes out now on
  // the unload-safe transport, within the shared keepalive budget. An ordinary fetch in flight
  // would be cancelled by the navigation, so its events are re-sent too (the collector dedups).
  if (online_ && !paused_) {
    const Transport t = config_->beacon_transport ? Transport::beacon : Transport::keepalive;
    std::vector<std::uint64_t> chunk;
    std::size_t chunk_bytes = 0;
    auto ship = [&] {
      if (chunk.empty()) return true;
      if (t == Transport::keepalive &&
          keepalive_bytes_ + chunk_bytes + 512 > policy::keepalive_budget_bytes)
        return false;
      send(chunk, t, true, now_ms);
      chunk.clear();
      chunk_bytes = 0;
      return true;
    };
    bool room = true;
    for (const detail::QueuedEvent& e : queue_->events()) {
      if (e.owner != 0) {
        auto it = requests_.find(e.owner);
        if (it != requests_.end() && it->second.transport != Transport::fetch) continue;
      }
      if (chunk.size() >= policy::max_batch_events ||
          chunk_bytes + e.json.size() > policy::max_batch_bytes) {
        if (!(room = ship())) break;
      }
      chunk.push_back(e.seq);
      chunk_bytes += e.json.size() + 1;
    }
    if (room) ship();
  }
  effects_.persist = true;  // the host writes the snapshot synchronously on hide
  update_wake(now_ms);
}

void Tracker::on_visible(double now_ms) {
  if (!config_) return;
  hidden_ = false;
  pump(now_ms, Trigger::tick);
  update_wake(now_ms);
}

void Tracker::set_online(bool online, double now_ms) {
  if (!config_) return;
  online_ = online;
  if (online) {
    // The browser says the network is back: try at once rather than waiting out the backoff.
    paused_ = false;
    network_failures_ = 0;
    backoff_until_ = 0;
    mark_all_due();
    pump(now_ms, Trigger::tick);
  }
  update_wake(now_ms);
}

void Tracker::flush(double now_ms) {
  if (!config_) return;
  mark_all_due();
  pump(now_ms, Trigger::drain);  // before load too: an explicit flush sends the queue now
  update_wake(now_ms);
}

void Tracker::on_wake(double now_ms) {
  if (!config_) return;
  // The host's timer has fired, so it holds none now: whatever is due next must be announced
  // again even if it equals the old deadline (a timer may fire a fraction of a ms early).
  wake_at_.reset();
  time_out_requests(now_ms);
  expire_old(now_ms);
  pump(now_ms, Trigger::tick);
  update_wake(now_ms);
}

Effects Tracker::take_effects() {
  Effects out = std::move(effects_);
  effects_ = Effects{};
  return out;
}

std::string Tracker::snapshot() const { return detail::write_snapshot(*queue_); }

Stats Tracker::stats() const {
  Stats s = stats_;
  s.queued = queue_->size();
  s.inflight_requests = requests_.size();
  return s;
}

std::string stats_to_json(const Stats& s) {
  std::string out = "{\"queued\":" + std::to_string(s.queued) + ",\"inflight\":" +
                    std::to_string(s.inflight_requests) + ",\"accepted\":" + std::to_string(s.accepted) +
                    ",\"acked\":" + std::to_string(s.acked) + ",\"requests\":" + std::to_string(s.requests) +
                    ",\"dropped\":{";
  bool first = true;
  for (const auto& [reason, n] : s.dropped) {
    if (!first) out += ',';
    first = false;
    out += detail::json_quote(reason) + ":" + std::to_string(n);
  }
  out += "}}";
  return out;
}

}  // namespace tracker
