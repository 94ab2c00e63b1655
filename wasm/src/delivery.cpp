// Tracker delivery: when requests go out, on which transport, what their bodies are, and what
// each answer means. Every rule here reads its numbers from policy.hpp.
#include <algorithm>

#include "event_queue.hpp"
#include "json_text.hpp"
#include "response.hpp"
#include "retry.hpp"
#include "json_scan.hpp"
#include "snapshot.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

void Tracker::note_fates(const std::vector<std::uint64_t>& seqs, detail::Fate step, const Clock& now,
                         std::int64_t n0, std::int64_t n1, std::string_view s0, std::string_view s1) {
  for (std::uint64_t seq : seqs) {
    if (const detail::QueuedEvent* e = queue_->find(seq)) fates_.note(e->id, step, now.wall_ms, n0, n1, -1, s0, s1);
  }
}

void Tracker::note_full(const std::vector<std::string>& ids, const Clock& now) {
  if (!ids.empty()) stats_.dropped[std::string_view("queue_full")] += ids.size();
  for (const std::string& id : ids) fates_.note(id, detail::Fate::dropped, now.wall_ms, -1, -1, -1, "queue_full");
}

void Tracker::drop_events(const std::vector<std::uint64_t>& seqs, std::string_view reason, const Clock& now,
                          std::string_view detail) {
  note_fates(seqs, detail::Fate::dropped, now, -1, -1, reason, detail);
  for (std::uint64_t seq : seqs) {
    if (queue_->erase(seq)) {
      ++stats_.dropped[reason];
      effects_.persist = true;
    }
  }
}

// Wall-clock age (it must survive reloads), but never more than the monotonic clock has seen
// pass since this page took the event in: a clock set forward cannot expire an event, while a
// device that slept keeps its events longer rather than losing them.
double Tracker::age_ms(const detail::QueuedEvent& e, const Clock& now) const {
  const double by_wall = now.wall_ms - e.enqueued_ms;
  const double by_mono = e.age_at_seen + (now.mono_ms - e.seen_mono);
  return std::max(0.0, std::min(by_wall, by_mono));
}

void Tracker::expire_old(const Clock& now) {
  std::vector<std::uint64_t> old;
  for (const detail::QueuedEvent& e : queue_->events()) {
    // One on the wire is settled by its answer.
    if (e.owner == 0 && age_ms(e, now) > policy::max_event_age_ms) old.push_back(e.seq);
  }
  drop_events(old, "expired", now);
  if (!old.empty()) {
    log(LogLevel::warn, detail::Cat() << "dropped " << old.size() << " undelivered event(s) older than 24 h");
  }
}

// Only a timer finds a request overdue, not the leave itself: a leave on a busy main thread (a
// slow CPU: the navigation's tasks ran back to back) comes late, with the answers waiting in the
// task queue behind it; judged by age alone they were sent again, 2-19 copies a leave (e2e
// wild.spec.ts at 50-80x). A timer that runs shows the page's tasks ran, the answer's among them.
void Tracker::mark_overdue(const Clock& now) {
  for (auto& [id, req] : requests_) {
    // Same expression as the wake-up deadline (update_wake), so a timer set for it finds it due.
    if (!req.navigated && now.mono_ms >= req.sent_mono + policy::answer_overdue_ms) req.overdue = true;
  }
}

void Tracker::time_out_requests(const Clock& now, const Entropy& entropy) {
  std::vector<std::uint32_t> late;
  for (const auto& [id, req] : requests_) {
    // Same expression as the wake-up deadline, so a timer set for it always finds it due.
    if (now.mono_ms >= req.sent_mono + policy::request_timeout_ms) late.push_back(id);
  }
  for (std::uint32_t id : late) {
    // No answer: the host cuts the request (no late answer can ack or fail it twice) and its
    // events are retried like after a network error.
    effects_.aborts.push_back(id);
    fail_request(id, take_request(id), status_no_answer, "", now, entropy);
  }
}

std::string Tracker::envelope() const {
  std::string out = "{\"profile\":";
  if (setup_.config->static_profile_id) detail::append_quoted(out, *setup_.config->static_profile_id);
  else out += "null";
  out += ",\"context\":";
  out += context_json_;
  out += ",\"options\":";
  out += payload_options_json_;
  out += '}';
  return out;
}

std::string Tracker::build_body(const std::vector<std::uint64_t>& seqs) const {
  using detail::append_quoted;
  const Config& c = *setup_.config;
  // Another tab's events go in the payload that tab built: its static profile id, context and
  // options (one envelope per batch: pump, flush_unload_safe).
  // An envelope with a session is a visitor this page reset() away from: its events keep that
  // session and that profile (none included), never the new visitor's.
  std::optional<std::string> their_profile, their_session;
  std::string their_context, their_options;
  const detail::QueuedEvent* head = seqs.empty() ? nullptr : queue_->find(seqs.front());
  if (head != nullptr && !head->envelope.empty()) {
    detail::JsonScanner scanner;
    scanner.on_value = [&their_profile, &their_session](const detail::JsonPath& path, detail::JsonKind kind,
                                                        std::string_view v) {
      if (path.size() != 1 || kind != detail::JsonKind::string) return;
      if (path[0] == "profile") their_profile = std::string(v);
      if (path[0] == "session") their_session = std::string(v);
    };
    scanner.capture = [](const detail::JsonPath& path) {
      return path.size() == 1 && (path[0] == "context" || path[0] == "options");
    };
    scanner.on_captured = [&their_context, &their_options](const detail::JsonPath& path, std::string&& json) {
      (path[0] == "context" ? their_context : their_options) = std::move(json);
    };
    scanner.scan(head->envelope);
  }
  const std::optional<std::string>& profile =
      their_profile || their_session ? their_profile : c.static_profile_id ? c.static_profile_id : profile_id_;
  const std::string& context = their_context.empty() ? context_json_ : their_context;
  const std::string& options = their_options.empty() ? payload_options_json_ : their_options;
  std::string body;
  body.reserve(512 + context_json_.size() + seqs.size() * 256);
  body += "{\"source\":{\"id\":";
  append_quoted(body, c.source_id);
  // Consent denied, profile-less events (settings.consentDenied "anonymous"): no session, profile
  // or device id; Tracardi makes a throw-away session and stores no profile.
  const bool anonymous = !may_store();
  auto entity = [&body, anonymous](const char* key, const std::string* id) {
    body += key;
    if (id == nullptr || anonymous) {
      body += "null";
      return;
    }
    body += "{\"id\":";
    append_quoted(body, *id);
    body += '}';
  };
  entity("},\"session\":", their_session ? &*their_session : &session_id_);
  entity(",\"profile\":", profile ? &*profile : nullptr);
  entity(",\"device\":", &device_id_);
  body += ",\"context\":";
  body += context;
  body += ",\"options\":";
  body += options;
  body += ",\"events\":[";
  bool first = true;
  for (std::uint64_t seq : seqs) {
    const detail::QueuedEvent* e = queue_->find(seq);
    if (e == nullptr) continue;
    if (!first) body += ',';
    first = false;
    body += e->json;
  }
  body += "]}";
  return body;
}

std::uint32_t Tracker::send(std::vector<std::uint64_t> seqs, std::string body, Transport transport,
                            bool batch, const Clock& now) {
  // Ids wrap after 2^32 - 1 requests; 0 is skipped (an owner of 0 means pending).
  if (next_request_id_ == 0) next_request_id_ = 1;
  const std::uint32_t id = next_request_id_++;
  for (std::uint64_t seq : seqs) {
    if (detail::QueuedEvent* e = queue_->find(seq)) {
      queue_->set_owner(*e, id);
      e->local = false;  // attempted: a retry is the leader's business
      e->sends = static_cast<std::uint8_t>(e->sends + (e->sends < 255));
      e->outliving = transport != Transport::fetch;
    }
  }
  // Both records are built where they are kept: no move of a filled SendEffect or Request.
  Request& req = requests_.append(id);  // ids only grow, but for a wrap
  req.transport = transport;
  req.bytes = body.size();
  req.sent_mono = now.mono_ms;
  req.batch = batch;
  req.before_load = !loaded_;
  // A batch carries one envelope: its first event's says whose it is (reset() wrote "session").
  if (const detail::QueuedEvent* e = seqs.empty() ? nullptr : queue_->find(seqs.front()))
    req.left_visitor = e->envelope.rfind("{\"session\":", 0) == 0;
  if (transport != Transport::fetch) keepalive_bytes_ += req.bytes;
  SendEffect& s = effects_.sends.emplace_back();
  s.request_id = id;
  s.url = setup_.config->track_url;
  if (!may_store()) s.url += "?profile_less=true";  // Tracardi's own flag for events without one
  s.transport = transport;
  s.body = std::move(body);
  s.event_count = seqs.size();
  note_fates(seqs, detail::Fate::sent, now, id, -1, to_string(transport));
  req.seqs = std::move(seqs);
  ++stats_.requests;
  return id;
}

// A fire sent before load is the page's first word: the load batch waits for its answer, so the
// two neither race on the network nor create two profiles for one new session (tracardi#652).
bool Tracker::early_fire_in_flight() const {
  for (const auto& [id, req] : requests_) {
    if (!req.batch && req.before_load) return true;
  }
  return false;
}

bool Tracker::batch_in_flight() const {
  for (const auto& [id, req] : requests_) {
    if (req.batch) return true;
  }
  return false;
}

std::size_t Tracker::fires_in_flight() const {
  std::size_t n = 0;
  for (const auto& [id, req] : requests_) n += !req.batch;
  return n;
}

// The transport for a request that may outlive the page: the beacon where it is allowed,
// otherwise keepalive fetch while the browser's shared 64 KB keepalive quota has room (measured
// on the real body), otherwise a plain fetch (which dies with the page; its events then wait in
// the snapshot for the next page).
Transport Tracker::unload_transport(std::size_t body_bytes) const {
  if (keepalive_bytes_ + body_bytes > policy::keepalive_budget_bytes) return Transport::fetch;
  return beacon_ ? Transport::beacon : Transport::keepalive;
}

// The transport of a live page's request (a fire, a batch): keepalive while the live share of the
// budget has room (its answer is read as from any fetch), so a visitor who leaves at once neither
// cuts it (lost) nor makes the leave send it again (a copy whenever the first one had arrived:
// issue 20 measured up to 31 extra copies of 20 fires); a plain fetch past it.
Transport Tracker::live_transport(std::size_t body_bytes) const {
  return keepalive_bytes_ + body_bytes > policy::live_keepalive_budget_bytes ? Transport::fetch
                                                                            : Transport::keepalive;
}

// fire/asBeacon events that have not been attempted yet: alone, at once, up to the cap.
void Tracker::send_fires(const Clock& now) {
  std::vector<std::uint64_t> singles;
  // The walk ends at the last urgent event it can send: none when there is none.
  const std::size_t slots = std::min(policy::max_fire_in_flight - fires_in_flight(), queue_->urgent());
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (singles.size() >= slots) break;
    if (e.owner == 0 && e.urgent) singles.push_back(e.seq);
  }
  for (std::uint64_t seq : singles) {
    const detail::QueuedEvent* e = queue_->find(seq);
    std::string body = build_body({seq});
    const Transport t = (e->beacon || hidden_) ? unload_transport(body.size()) : live_transport(body.size());
    send({seq}, std::move(body), t, false, now);
  }
}

// Everything pending leaves now on the unload-safe transport, in batches, as far as the keepalive
// budget goes. On a page leave, events on a plain fetch go again too: the page cannot finish that
// request, the browser finishes a keepalive one. Events on a keepalive request are never sent
// again. In an outage (offline, backoff) what was tried and failed, and deferred events, wait (the
// next page or tab is the better carrier: an event handed to keepalive is not re-sent by it, and a
// hidden tab may come back), but on a page leave the page's own first attempts go all the same,
// as liliput would have sent them: a fire made in backoff, the load batch, a first attempt on a
// plain fetch the leaving page cuts. The fire cap does not apply: there is no later. A follower is the exception:
// a leader tab that outlives it retries, so in an outage it hands everything over instead (a first
// attempt into the outage, finished by the browser after the page, could only be lost).
void Tracker::flush_unload_safe(const Clock& now, bool leaving, bool last) {
  if (!may_deliver()) return;  // held for the visitor's consent: a page left so loses it (README)
  // An outage is known until a 2xx ends it, also once its backoff has run out before the next try
  // (a hidden tab's timer runs late): a leave then re-sends nothing that was tried; on keepalive
  // into the outage, after the page, it would be lost (its events are not in the copy).
  const bool held = !online_ || in_backoff(now) || (leaving && failures_ > 0);
  // A leaving follower in an outage hands everything over: it sends nothing then, and a call
  // tracked after its pagehide would otherwise stay in a page that is gone.
  if (role_ == Role::follower) hand_over(leaving && held, now);
  // A leaving follower in an outage keeps only what the storage refused to take as a hand-over:
  // the last carrier of those, it sends them as first attempts (liliput would have sent them).
  if (held && !leaving) return;
  std::vector<std::uint64_t> chunk;
  std::size_t chunk_bytes = 0;
  auto ship = [&] {
    if (chunk.empty()) return true;
    std::string body = build_body(chunk);
    const Transport t = unload_transport(body.size());
    if (t == Transport::fetch) return false;  // no room left: the rest wait in the snapshot
    send(std::move(chunk), std::move(body), t, true, now);
    chunk.clear();  // moved from: empty again, by the standard's word only after clear()
    chunk_bytes = 0;
    return true;
  };
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.owner != 0 && (!leaving || e.outliving)) continue;
    // In an outage only the page's own first attempts go (a fire, the load batch; a plain fetch of
    // one that the leave cuts): what was tried, and deferred events, wait for the next page or tab.
    // Not one the storage refused as a hand-over (reclaimed), once at the leave (`last`): no other
    // tab or key holds it, and a follower's page keeps no copy, so this is its last chance.
    if (held && (e.owner == 0 ? !e.local && !(last && e.reclaimed && role_ == Role::follower)
                              : e.sends > 1 || requests_.find(e.owner)->second.transport != Transport::fetch))
      continue;
    if (e.json.size() >= policy::keepalive_budget_bytes) continue;  // never fits: next page sends it
    if (chunk.size() >= policy::max_batch_events ||
        (!chunk.empty() && chunk_bytes + e.json.size() > policy::max_batch_bytes) ||
        (!chunk.empty() && queue_->find(chunk.front())->envelope != e.envelope)) {  // one envelope a body
      if (!ship()) return;
    }
    chunk.push_back(e.seq);
    chunk_bytes += e.json.size() + 1;
  }
  ship();
}

// At a page leave: keepalive requests a timer found unanswered past policy::answer_overdue_ms
// (mark_overdue) are presumed lost, their events no longer left to the browser (the leave sends them again, or the snapshot
// keeps them for the next page). So are those on the wire in a known outage (a failure since the
// last 2xx: the probe, or what was sent before the failure came) when the page goes for good: the
// browser would finish them into the outage after the page, and their events, in no copy, were
// lost (the 5-tab e2e case: 50 of 256 in 2 of 12 runs). They wait in the copy; a copy if such a
// request arrives after all. A page that may come back from the back/forward cache gets their
// answers then: it keeps them (another tab would send them while they are still on the wire).
void Tracker::presume_overdue_lost(bool for_good) {
  for (const auto& [id, req] : requests_) {
    if (req.transport != Transport::keepalive || !(req.overdue || (for_good && failures_ > 0))) continue;
    for (std::uint64_t seq : req.seqs) {
      detail::QueuedEvent* e = queue_->find(seq);
      if (e != nullptr && e->owner == id) e->outliving = false;
    }
  }
}

// At a page leave for good in a known outage, after the leave's own sends: what rides a request the
// browser finishes after the page (a first attempt its cut plain fetch carried, a fire) goes into
// the outage, so it stays in the copy too, yet is not re-sent by this page (session 15: a leader
// closed so lost one of its events for good).
void Tracker::keep_outliving_in_copy() {
  for (const auto& [id, req] : requests_) {
    for (std::uint64_t seq : req.seqs) {
      detail::QueuedEvent* e = queue_->find(seq);
      if (e != nullptr && e->owner == id && e->outliving) e->in_copy = true;
    }
  }
}

// The send conditions, stated once: pump() asks whether it may send now, update_wake() when it
// next may. Apart from backoff (a time): not at all while offline, leaving (the page-leave flush
// has had the last word), or while a probe after a failure is on the wire (retries do not fan out
// into parallel requests into the same outage; fires ride in the probe).
bool Tracker::may_send() const {
  return may_deliver() && online_ && !leaving_ && !(failures_ > 0 && !requests_.empty());
}

// Fires go alone, at once, up to the cap; not while probing (they ride in the probe batch).
bool Tracker::fire_slot_free() const {
  return failures_ == 0 && fires_in_flight() < policy::max_fire_in_flight;
}

// Whether a batch may go once due. A probe carries urgent events at once; otherwise, before the
// load event only a drain (load itself, or an explicit flush) sends a batch (a hidden tab may never
// see its load event, so it does not wait for it), one batch at a time, and not while the page's
// first fire is unanswered.
bool Tracker::batch_allowed(Trigger trigger) const {
  if (failures_ > 0 && queue_->urgent() > 0) return true;
  return (loaded_ || hidden_ || trigger == Trigger::drain) && !batch_in_flight() &&
         (hidden_ || !early_fire_in_flight());
}

// When the pending events are due as a batch (monotonic): at once when forced (load, flush,
// online, retry, hidden tab), when one is due or urgent or a batch is full; otherwise when the
// oldest has waited the flush interval.
double Tracker::batch_due_at(Trigger trigger) const {
  if (trigger == Trigger::drain || hidden_ || queue_->ready() > 0 || queue_->pending() >= policy::max_batch_events)
    return -1e300;
  return queue_->oldest_pending_mono() + policy::flush_interval_ms;
}

void Tracker::pump(const Clock& now, Trigger trigger) {
  // A follower only ever sends its page's first attempts; the rest is the leader's.
  if (role_ == Role::follower) hand_over(false, now);
  if (queue_->empty()) return;
  if (leaving_) {
    // Tracked after the page-leave flush (another pagehide listener): same last chance.
    flush_unload_safe(now, true);
    return;
  }
  if (in_backoff(now) || !may_send()) return;
  if (fire_slot_free()) send_fires(now);
  if (queue_->pending() == 0 || !batch_allowed(trigger) || now.mono_ms < batch_due_at(trigger) ||
      now.mono_ms < adopted_hold_until_)
    return;

  const std::size_t cap = split_cap_ ? split_cap_ : policy::max_batch_events;
  std::vector<std::uint64_t> seqs;
  std::size_t bytes = 0;
  const std::string* envelope = nullptr;  // a batch carries events of one envelope (build_body)
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.owner != 0) continue;
    if (envelope != nullptr && e.envelope != *envelope) continue;
    if (seqs.size() >= cap || (!seqs.empty() && bytes + e.json.size() > policy::max_batch_bytes)) break;
    envelope = &e.envelope;
    seqs.push_back(e.seq);
    bytes += e.json.size() + 1;
  }
  // Everything that was pending when the batch was cut stays due, so a queue larger than one
  // batch drains batch after batch without waiting for the interval.
  queue_->mark_due();
  std::string body = build_body(seqs);
  const Transport t = hidden_ ? unload_transport(body.size()) : live_transport(body.size());
  send(std::move(seqs), std::move(body), t, true, now);
}

Tracker::Request Tracker::take_request(std::uint32_t id) {
  Request req = std::move(requests_.find(id)->second);
  requests_.erase(id);
  if (req.transport != Transport::fetch) keepalive_bytes_ -= std::min(keepalive_bytes_, req.bytes);
  return req;
}

// Backoff after a retryable failure. One outage is one step: a request that was already on the
// wire when the last step was taken (20 concurrent fires into one outage) adds none.
void Tracker::note_failure(const Request& req, int status, std::string_view retry_after,
                           const Clock& now, const Entropy& entropy) {
  // Strictly later: a request sent in the same millisecond as the step belongs to the same wave.
  const bool new_step = req.sent_mono > failure_epoch_mono_;
  const std::optional<double> asked = detail::parse_retry_after_ms(retry_after, now.wall_ms);
  if (new_step) {
    ++failures_;
    failure_epoch_mono_ = now.mono_ms;
    last_failure_network_ = status == status_no_answer;
  }
  if (new_step || asked) {
    const double wait = asked ? *asked : detail::backoff_delay_ms(failures_, entropy.unit());
    backoff_until_ = std::max(backoff_until_, now.mono_ms + wait);
  }
  // One line per outage (its first step), not one per try: an outage probed every minute for
  // hours must not fill the console.
  if (!new_step || failures_ != 1) return;
  const bool redirect = status >= 300 && status < 400;
  log(LogLevel::warn, status == status_no_answer
                          ? detail::Cat() << "collector unreachable (offline, blocked, CORS or a proxy error page); "
                                          << queue_->size() << " event(s) kept; retrying with backoff"
                          : detail::Cat() << (redirect ? "the collector answered with a redirect (HTTP "
                                                       : "delivery failed (HTTP ")
                                          << status << (redirect ? "): point url.api at the final URL" : ")")
                                          << "; will retry");
}

void Tracker::end_network_wait() {
  if (last_failure_network_) backoff_until_ = 0;
}

void Tracker::fail_request(std::uint32_t id, const Request& req, int status,
                           std::string_view retry_after, const Clock& now, const Entropy& entropy,
                           std::string_view body) {
  const policy::Outcome outcome = policy::classify_status(status);
  std::vector<std::uint64_t> owned;
  for (std::uint64_t seq : req.seqs) {
    const detail::QueuedEvent* e = queue_->find(seq);
    if (e != nullptr && e->owner == id) owned.push_back(seq);
  }

  if (outcome == policy::Outcome::drop ||
      (outcome == policy::Outcome::split && owned.size() <= 1)) {
    const std::string reason = outcome == policy::Outcome::split ? std::string("too_large")
                                                                 : detail::Cat() << "rejected_" << status;
    // Tracardi says why in `detail` (unknown source, validation failure): without it the
    // developer only sees a status code.
    const std::string detail = detail::refusal_detail(body, policy::max_logged_detail_bytes);
    drop_events(owned, reason, now, detail);
    log(LogLevel::error, detail::Cat() << "collector refused " << owned.size() << " event(s) with HTTP " << status
                                       << "; they were dropped" << (detail.empty() ? "" : ": ") << detail);
    return;
  }
  for (std::uint64_t seq : owned) {
    detail::QueuedEvent* e = queue_->find(seq);
    queue_->set_owner(*e, 0);  // due: retried together in a batch, not as singles
    e->outliving = false;
  }
  effects_.persist = true;
  if (outcome == policy::Outcome::split) {
    split_cap_ = std::max<std::size_t>(1, owned.size() / 2);
    note_fates(owned, detail::Fate::retry, now, status, 0);
    return;  // resend at once in smaller batches
  }

  // Retryable failure.
  std::vector<std::uint64_t> exhausted;
  const int cost = policy::attempt_cost(status);
  for (std::uint64_t seq : owned) {
    detail::QueuedEvent* e = queue_->find(seq);
    e->failed = true;
    e->attempts = std::min(policy::max_attempts, e->attempts + cost);
    if (cost > 0 && e->attempts >= policy::max_attempts) exhausted.push_back(seq);
  }
  drop_events(exhausted, "max_attempts", now);
  if (!exhausted.empty()) {
    log(LogLevel::error, detail::Cat() << "gave up on " << exhausted.size()
                                       << " event(s): retry budget used up (last answer HTTP " << status << ')');
  }
  note_failure(req, status, retry_after, now, entropy);
  for (std::uint64_t seq : owned) {
    if (const detail::QueuedEvent* e = queue_->find(seq)) {
      fates_.note(e->id, detail::Fate::retry, now.wall_ms, status,
                  static_cast<std::int64_t>(std::max(0.0, backoff_until_ - now.mono_ms)), e->attempts);
    }
  }
}

void Tracker::on_response(std::uint32_t request_id, int status, std::string_view retry_after,
                          std::string_view body, const Clock& now, const Entropy& entropy) {
  auto it = requests_.find(request_id);
  if (!setup_.config || it == requests_.end()) return;  // unknown, or timed out and aborted
  const Request req = take_request(request_id);
  const bool first_batch_answer = req.batch && !ready_emitted_;

  if (status == status_handed_off) {
    // sendBeacon accepted the body: it will not tell us more. Not an ack and not a failure; the
    // events leave the queue (a re-send would be a copy whenever the beacon arrived).
    for (std::uint64_t seq : req.seqs) {
      const detail::QueuedEvent* e = queue_->find(seq);
      if (e != nullptr && e->owner == request_id) fates_.note(e->id, detail::Fate::beacon, now.wall_ms);
      if (e != nullptr && e->owner == request_id && queue_->erase(seq)) ++stats_.handed_off;
    }
    effects_.persist = true;
  } else if (policy::classify_status(status) != policy::Outcome::success) {
    fail_request(request_id, req, status, retry_after, now, entropy, body);
    if (first_batch_answer) {
      ready_emitted_ = true;
      effects_.ready_context = "null";
    }
  } else {
    // A 2xx acknowledges every event the request carried; their ids are remembered (bounded), so
    // a copy that comes back later (a stale leader's hand-over, a stale read) is not sent again.
    for (std::uint64_t seq : req.seqs) {
      if (const detail::QueuedEvent* e = queue_->find(seq)) {
        fates_.note(e->id, detail::Fate::acked, now.wall_ms, status);
        acked_ids_.push_back(e->id);
        if (acked_ids_.size() > policy::max_acked_remembered) acked_ids_.erase(acked_ids_.begin());
      }
      if (queue_->erase(seq)) ++stats_.acked;
    }
    effects_.persist = true;
    failures_ = 0;
    last_failure_network_ = false;
    backoff_until_ = 0;
    if (queue_->empty()) split_cap_ = 0;

    detail::TrackResponse r = detail::parse_track_response(body);
    bool identity_changed = false;
    // The answer to a visitor this page reset() away from names that visitor: not ours to take.
    if (req.left_visitor) {
      r.profile_id.reset();
      r.session_id.reset();
    }
    if (r.profile_id && r.profile_id != profile_id_ && !setup_.config->static_profile_id) {
      profile_id_ = std::move(r.profile_id);  // the server's id replaces a stale or merged one
      identity_changed = true;
    }
    if (r.session_id && *r.session_id != session_id_) {
      session_id_ = std::move(*r.session_id);
      identity_changed = true;
    }
    if (identity_changed) emit_identity();
    for (std::string& item : r.ux_items) effects_.ux_items.push_back(std::move(item));
    if (first_batch_answer) {
      ready_emitted_ = true;
      effects_.ready_context = std::move(r.context);
    }
  }
  pump(now, Trigger::tick);
  update_wake(now);
}

void Tracker::hand_over(bool everything, const Clock& now) {
  std::vector<std::uint64_t> seqs;
  for (const detail::QueuedEvent& e : queue_->events()) {
    // On a page leave a plain fetch dies with the page (the leader model's lost-answer case);
    // keepalive/beacon requests are finished by the browser and stay this core's to settle.
    const bool pending = e.owner == 0 || (leaving_ && !e.outliving);
    if (pending && !e.reclaimed && (everything || (!e.local && e.owner == 0))) seqs.push_back(e.seq);
  }
  if (seqs.empty()) return;
  stats_.transferred += seqs.size();
  note_fates(seqs, detail::Fate::handed, now);
  // A leader resigning after its page leave's write: the shared key holds these events already.
  if (parting_) {
    for (std::uint64_t seq : seqs) queue_->erase(seq);
    return;
  }
  // Written entry by entry (snapshot format) as the events leave the queue. Without the tab
  // protocol (tests of the core alone) it is the handover effect; a second hand-over in one call
  // continues the first one's list, in order.
  if (!tabs_.joined()) {
    // The core alone (its tests): one handover effect; a second hand-over in one call continues
    // the first one's list, in order.
    std::string& text = effects_.handover;
    if (text.empty()) {
      detail::append_snapshot_head(text);
    } else {
      text.resize(text.size() - 2);  // "]}"
      text += ',';
    }
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      if (i > 0) text += ',';
      detail::append_snapshot_entry(text, *queue_->find(seqs[i]));
      queue_->erase(seqs[i]);
    }
    text += "]}";
    effects_.handover_events += seqs.size();
    return;
  }
  // Each event travels with its envelope: this page's profile, context and options (the leader
  // builds its bodies with them), or the one it was handed with.
  const std::string mine = envelope();
  std::string own;
  detail::append_snapshot_head(own);
  std::vector<std::string> ids;
  {
    detail::EnvelopeTable table;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      if (i > 0) own += ',';
      detail::QueuedEvent& e = *queue_->find(seqs[i]);
      if (e.envelope.empty()) e.envelope = mine;
      table.entry(own, e);
      ids.push_back(e.id);
    }
    table.end(own);
  }
  for (std::uint64_t seq : seqs) queue_->erase(seq);
  TabProtocol::Out out;
  const std::size_t dropped = tabs_.hand_over(std::move(own), std::move(ids), now.mono_ms, effects_.tabs, out);
  if (dropped) {
    // Past the pending hand-overs' bound: the oldest left this tab for nowhere.
    stats_.transferred -= dropped;
    stats_.dropped[std::string_view("handover_bound")] += dropped;
    for (const std::string& id : out.lost) fates_.note(id, detail::Fate::dropped, now.wall_ms, -1, -1, -1, "handover_bound");
  }
}

void Tracker::update_wake(const Clock& now) {
  if (role_ == Role::follower) hand_over(false, now);
  settle_tabs();
  std::optional<double> next;
  auto consider = [&next](double t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, req] : requests_) {
    consider(req.sent_mono + policy::request_timeout_ms);
    if (req.transport == Transport::keepalive && !req.overdue && !req.navigated)
      consider(req.sent_mono + policy::answer_overdue_ms);
  }
  if (const std::optional<double> t = tabs_.next_wake()) consider(*t);
  // Only what pump() would act on, by its own conditions; anything else is woken by an answer
  // or a timeout.
  if (may_send()) {
    const double floor = std::max(now.mono_ms, backoff_until_);
    if (queue_->urgent() > 0 && fire_slot_free()) consider(floor);
    if (queue_->pending() > 0 && batch_allowed(Trigger::tick))
      consider(std::max(std::max(batch_due_at(Trigger::tick), floor), adopted_hold_until_));
  }
  if (next != wake_at_) {
    wake_at_ = next;
    effects_.wake_changed = true;
    effects_.wake_at_ms = next;
  }
}

}  // namespace tracker
