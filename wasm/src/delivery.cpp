// Tracker delivery: when batches go out, what their bodies are, and what each answer means.
#include <algorithm>

#include "event_queue.hpp"
#include "json_text.hpp"
#include "response.hpp"
#include "retry.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

void Tracker::mark_all_due() {
  for (detail::QueuedEvent& e : queue_->events()) e.due = true;
}

void Tracker::drop_event(std::uint64_t seq, const std::string& reason) {
  if (queue_->erase(seq)) {
    ++stats_.dropped[reason];
    effects_.persist = true;
  }
}

void Tracker::expire_old(double now_ms) {
  std::vector<std::uint64_t> old;
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (now_ms - e.enqueued_ms > policy::max_event_age_ms) old.push_back(e.seq);
  }
  for (std::uint64_t seq : old) drop_event(seq, "expired");
  if (!old.empty()) {
    log(LogLevel::warn, "dropped " + std::to_string(old.size()) +
                            " event(s) older than 24 h that could not be delivered");
  }
}

void Tracker::time_out_requests(double now_ms) {
  std::vector<std::uint32_t> late;
  for (const auto& [id, req] : requests_) {
    // Same expression as the wake-up deadline, so a timer set for it always finds it due.
    if (now_ms >= req.sent_ms + policy::request_timeout_ms) late.push_back(id);
  }
  for (std::uint32_t id : late) {
    // No answer: treat as a network failure so the events can be retried; the request entry is
    // gone, so a late answer is ignored and the collector's dedup absorbs a double delivery.
    const Request req = requests_[id];
    fail_request(id, req, 0, "", now_ms, Entropy{});
  }
}

std::string Tracker::build_body(const std::vector<std::uint64_t>& seqs) const {
  using detail::json_quote;
  const Config& c = *config_;
  const std::optional<std::string>& profile = c.static_profile_id ? c.static_profile_id : profile_id_;
  std::string body;
  body.reserve(512 + context_json_.size() + seqs.size() * 256);
  body += "{\"source\":{\"id\":" + json_quote(c.source_id) + "},\"session\":{\"id\":" +
          json_quote(session_id_) + "},\"profile\":";
  body += profile ? "{\"id\":" + json_quote(*profile) + "}" : std::string("null");
  body += ",\"device\":{\"id\":" + json_quote(device_id_) + "},\"context\":";
  body += context_json_;
  body += ",\"options\":";
  body += payload_options_json_;
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

std::uint32_t Tracker::send(std::vector<std::uint64_t> seqs, Transport transport, bool batch,
                            double now_ms) {
  const std::uint32_t id = next_request_id_++;
  for (std::uint64_t seq : seqs) {
    if (detail::QueuedEvent* e = queue_->find(seq)) {
      e->owner = id;
      e->due = false;
    }
  }
  SendEffect s;
  s.request_id = id;
  s.url = config_->track_url;
  s.transport = transport;
  s.body = build_body(seqs);
  s.event_count = seqs.size();
  Request req;
  req.transport = transport;
  req.bytes = s.body.size();
  req.sent_ms = now_ms;
  req.batch = batch;
  req.before_load = !loaded_;
  req.seqs = std::move(seqs);
  if (transport == Transport::keepalive) keepalive_bytes_ += req.bytes;
  if (batch && transport == Transport::fetch) batch_in_flight_ = id;
  requests_.emplace(id, std::move(req));
  ++stats_.requests;
  effects_.sends.push_back(std::move(s));
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

void Tracker::pump(double now_ms, Trigger trigger) {
  // Before the load event only a drain (load itself, or an explicit flush) may send a batch.
  if ((!loaded_ && trigger != Trigger::drain) || !online_ || paused_ || batch_in_flight_ != 0 ||
      queue_->empty())
    return;
  if (now_ms < backoff_until_) return;
  if (early_fire_in_flight()) return;
  // Decide whether the pending events are due: forced (load, flush, online, retry), a full batch,
  // or the oldest one has waited the flush interval.
  std::size_t pending = 0;
  bool due = trigger == Trigger::drain;
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.owner != 0) continue;
    ++pending;
    if (e.due || now_ms >= e.enqueued_ms + policy::flush_interval_ms) due = true;
  }
  if (pending == 0) return;
  if (pending >= policy::max_batch_events) due = true;
  if (!due) return;

  const std::size_t cap = split_cap_ ? split_cap_ : policy::max_batch_events;
  std::vector<std::uint64_t> seqs;
  std::size_t bytes = 0;
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.owner != 0) continue;
    if (seqs.size() >= cap || (!seqs.empty() && bytes + e.json.size() > policy::max_batch_bytes)) break;
    seqs.push_back(e.seq);
    bytes += e.json.size() + 1;
  }
  // Everything that was pending when the batch was cut stays due, so a queue larger than one
  // batch drains batch after batch without waiting for the interval.
  for (detail::QueuedEvent& e : queue_->events()) {
    if (e.owner == 0) e.due = true;
  }
  send(std::move(seqs), Transport::fetch, true, now_ms);
}

void Tracker::fail_request(std::uint32_t id, const Request& req, int status,
                           std::string_view retry_after, double now_ms, const Entropy& entropy) {
  requests_.erase(id);
  if (req.transport == Transport::keepalive) keepalive_bytes_ -= std::min(keepalive_bytes_, req.bytes);
  if (batch_in_flight_ == id) batch_in_flight_ = 0;

  const policy::Outcome outcome = policy::classify_status(status);
  std::vector<std::uint64_t> owned;
  for (std::uint64_t seq : req.seqs) {
    const detail::QueuedEvent* e = queue_->find(seq);
    if (e != nullptr && e->owner == id) owned.push_back(seq);
  }

  if (outcome == policy::Outcome::drop ||
      (outcome == policy::Outcome::split && owned.size() <= 1)) {
    const std::string reason = outcome == policy::Outcome::split ? "too_large"
                                                                 : "rejected_" + std::to_string(status);
    for (std::uint64_t seq : owned) drop_event(seq, reason);
    failures_ = 0;
    log(LogLevel::error, "collector refused " + std::to_string(owned.size()) +
                             " event(s) with HTTP " + std::to_string(status) + "; they were dropped");
    return;
  }
  for (std::uint64_t seq : owned) {
    detail::QueuedEvent* e = queue_->find(seq);
    e->owner = 0;
    e->due = true;
  }
  effects_.persist = true;
  if (outcome == policy::Outcome::split) {
    split_cap_ = std::max<std::size_t>(1, owned.size() / 2);
    return;  // resend at once in smaller batches
  }

  // Retryable failure.
  std::vector<std::uint64_t> exhausted;
  if (status != 0 && policy::consumes_attempt(status)) {
    for (std::uint64_t seq : owned) {
      detail::QueuedEvent* e = queue_->find(seq);
      if (++e->attempts >= policy::max_attempts) exhausted.push_back(seq);
    }
  }
  for (std::uint64_t seq : exhausted) drop_event(seq, "max_attempts");
  if (!exhausted.empty()) {
    log(LogLevel::error, "gave up on " + std::to_string(exhausted.size()) + " event(s) after " +
                             std::to_string(policy::max_attempts) + " attempts");
  }
  if (auto wait = detail::parse_retry_after_ms(retry_after, now_ms)) {
    backoff_until_ = now_ms + *wait;
  } else {
    ++failures_;
    backoff_until_ = now_ms + detail::backoff_delay_ms(failures_, entropy.unit());
  }
  if (status == 0 && ++network_failures_ >= policy::max_network_failures_per_page && !paused_) {
    paused_ = true;
    log(LogLevel::warn, "collector unreachable (offline, blocked or CORS); " +
                            std::to_string(queue_->size()) + " event(s) kept for the next page");
  } else if (!paused_) {
    log(LogLevel::warn, "delivery failed (HTTP " + std::to_string(status) + "); will retry");
  }
}

void Tracker::on_response(std::uint32_t request_id, int status, std::string_view retry_after,
                          std::string_view body, double now_ms, const Entropy& entropy) {
  auto it = requests_.find(request_id);
  if (!config_ || it == requests_.end()) return;  // unknown or already timed out
  const Request req = std::move(it->second);
  const bool first_batch_answer = req.batch && !ready_emitted_;

  if (policy::classify_status(status) != policy::Outcome::success) {
    fail_request(request_id, req, status, retry_after, now_ms, entropy);
    if (first_batch_answer) {
      ready_emitted_ = true;
      effects_.ready_context = "null";
    }
  } else {
    requests_.erase(it);
    if (req.transport == Transport::keepalive) keepalive_bytes_ -= std::min(keepalive_bytes_, req.bytes);
    if (batch_in_flight_ == request_id) batch_in_flight_ = 0;
    // A 2xx acknowledges every event the request carried, even one re-sent since.
    for (std::uint64_t seq : req.seqs) {
      if (queue_->erase(seq)) ++stats_.acked;
    }
    effects_.persist = true;
    failures_ = 0;
    network_failures_ = 0;
    backoff_until_ = 0;
    if (queue_->empty()) split_cap_ = 0;

    detail::TrackResponse r = detail::parse_track_response(body);
    bool identity_changed = false;
    if (r.profile_id && r.profile_id != profile_id_ && !config_->static_profile_id) {
      profile_id_ = r.profile_id;  // the server's id replaces a stale or merged one
      identity_changed = true;
    }
    if (r.session_id && *r.session_id != session_id_) {
      session_id_ = *r.session_id;
      identity_changed = true;
    }
    if (identity_changed) emit_identity();
    for (std::string& item : r.ux_items) effects_.ux_items.push_back(std::move(item));
    if (first_batch_answer) {
      ready_emitted_ = true;
      effects_.ready_context = std::move(r.context);
    }
  }
  pump(now_ms, Trigger::tick);
  update_wake(now_ms);
}

void Tracker::update_wake(double now_ms) {
  std::optional<double> next;
  auto consider = [&next](double t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, req] : requests_) consider(req.sent_ms + policy::request_timeout_ms);
  // Only schedule what pump() would act on; anything else is woken by an answer or a timeout.
  if (loaded_ && online_ && !paused_ && batch_in_flight_ == 0 && !early_fire_in_flight()) {
    for (const detail::QueuedEvent& e : queue_->events()) {
      if (e.owner != 0) continue;
      consider(e.due ? std::max(now_ms, backoff_until_)
                     : std::max(e.enqueued_ms + policy::flush_interval_ms, backoff_until_));
    }
  }
  if (next != wake_at_) {
    wake_at_ = next;
    effects_.wake_changed = true;
    effects_.wake_at_ms = next;
  }
}

}  // namespace tracker
