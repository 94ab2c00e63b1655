// Every limit, timing and retry rule of the tracker, in one place, each with its reason.
// Nothing outside this file hard-codes one of these numbers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tracker {
namespace policy {

// --- Input limits -------------------------------------------------------------------------
// One serialized event may not exceed 512 KB: Tracardi and its own tracker accept events far
// larger than a keepalive request can carry (issue 11), so refusing them would lose data liliput
// delivers. An event over keepalive_budget_bytes goes out alone on a plain fetch (a batch never
// holds it with others: max_batch_bytes) and never on keepalive/beacon (unload_transport, and
// flush_unload_safe skips it so it cannot hold back the events behind it on a page leave: it
// waits in the snapshot for the next page). Two of them still fit the queue bound below.
inline constexpr std::size_t max_event_bytes = 512 * 1024;
// Deeper nesting than this is almost certainly a bug (or an attack on a recursive parser).
inline constexpr int max_property_depth = 32;
// Ids read from storage or from a server answer longer than this are ignored: ids are uuids,
// and anything much longer is tampering or garbage.
inline constexpr std::size_t max_id_length = 128;
// Event type names are identifiers, not payloads.
inline constexpr std::size_t max_type_length = 256;

// --- Queue bounds -------------------------------------------------------------------------
// A collector outage must not eat the host page's memory or localStorage (segment#1261):
// drop the oldest events beyond these, counting each one.
inline constexpr std::size_t max_queued_events = 1000;
// The byte bound holds at least two events of max_event_bytes.
inline constexpr std::size_t max_queued_bytes = 1024 * 1024;
static_assert(max_queued_bytes >= 2 * max_event_bytes, "the queue must hold a maximal event");

// --- Batching -----------------------------------------------------------------------------
// A request carries at most 50 events / 60 KB: small enough for any proxy body limit and for a
// keepalive request, large enough that a normal page load is one request.
inline constexpr std::size_t max_batch_events = 50;
inline constexpr std::size_t max_batch_bytes = 60 * 1024;
// After load, a deferred event waits at most this long for company before a batch goes out.
inline constexpr double flush_interval_ms = 5000;
// Chromium enforces a 64 KB quota over all in-flight keepalive requests of a page; keep 4 KB of
// head-room for the envelope and other scripts.
inline constexpr std::size_t keepalive_budget_bytes = 60 * 1024;
// A live page's requests (fires, batches) ride keepalive too while ours in flight stay within this
// share of it: a visitor who leaves at once then cuts nothing (a plain fetch cut by the leave is
// lost, or sent again as a copy when it had arrived: issue 20). Half, so that other scripts'
// beacons, and our own page-leave sends, keep room in the page's quota.
inline constexpr std::size_t live_keepalive_budget_bytes = keepalive_budget_bytes / 2;
// At a page leave, a live keepalive request is trusted to the browser, which finishes it after the
// page (sending it again would make a copy whenever it arrives) ... unless a timer of the page
// found it unanswered this long: then it is presumed lost (a proxy holding it, a dead connection)
// and its events go again on the leave's keepalive, at most one copy, as after a timeout. Tracardi
// answers a /track in well under a second; a younger request that later fails is lost, as
// liliput's would be. Age alone is not enough: on a busy main thread the answer waits in the task
// queue (Tracker::mark_overdue).
inline constexpr double answer_overdue_ms = 2000;

// --- Concurrency ---------------------------------------------------------------------------
// fire/asBeacon events go out alone and at once, but at most this many such requests are in
// flight: a browser opens 6 HTTP/1.1 connections per origin, and a page firing in a loop must not
// take them all (nor escape the queue bound through requests that can never be dropped). The rest
// wait as due and leave when a slot frees or with the next batch.
inline constexpr std::size_t max_fire_in_flight = 4;

// --- Retry --------------------------------------------------------------------------------
// Exponential backoff 1 s x 2^n, capped at 60 s, with +-25 % jitter so many clients recovering
// from one outage do not stampede the collector. One outage is one step: failures of requests
// that were already on the wire when the previous step was taken do not add another.
inline constexpr double backoff_base_ms = 1000;
inline constexpr double backoff_cap_ms = 60000;
inline constexpr double backoff_jitter = 0.25;
// Retry-After is honoured but capped (a misconfigured server must not park events for days) and
// floored: "Retry-After: 0" or a date in the past must not turn a 429/503 into a request storm.
inline constexpr double retry_after_cap_ms = 300000;
inline constexpr double retry_after_floor_ms = 1000;
// Each event has a budget of 10 attempt units (one per failed attempt with a retryable error) ...
inline constexpr int max_attempts = 10;
// ... and is given up after 24 h in the queue, whatever happened. Age is wall-clock time, but a
// forward clock jump cannot age an event faster than the monotonic clock saw it age (see
// Tracker::age_ms): a clock change never loses an event.
inline constexpr double max_event_age_ms = 24.0 * 3600 * 1000;
// Status 0 (offline, CORS failure, ad blocker, a proxy's error page without CORS headers) never
// silences a page: it backs off like any retryable failure and keeps probing at backoff_cap_ms.
// A rule that paused the page after 3 of them (PostHog's) lost every event of a long-lived page
// behind a proxy that answered 502 without CORS for 10 s while Tracardi restarted (issue 20): the
// browser never went offline, so nothing ended the pause. A 2xx, `online`, the tab becoming
// visible or flush() end a status-0 wait at once.

// A request with no answer after this long (blackholed by a proxy) is aborted and treated as a
// network failure so its events can be retried. It is the one case where a retry can make a copy
// without a page leave: the server may have processed the request whose answer never came.
inline constexpr double request_timeout_ms = 30000;

// A refused batch's log line quotes the server's `detail` (Tracardi's reason: bad source, failed
// validation) up to this many bytes: enough for the reason, bounded against a huge error page.
inline constexpr std::size_t max_logged_detail_bytes = 300;

// --- Identity -----------------------------------------------------------------------------
// Tracardi's session cookie lives 30 minutes and slides with activity.
inline constexpr double session_ttl_ms = 30.0 * 60 * 1000;
// The cookie is slid (written again with a fresh expiry) at most once a minute: a cookie write
// costs 0.4-0.8 ms of main thread (peer benchmark, "Lessons"), and a 30-minute expiry needs no
// finer resolution (a minute is 3 % of its life).
inline constexpr double cookie_refresh_ms = 60.0 * 1000;

// --- Tabs (tab_protocol.hpp) ---------------------------------------------------------------
// Lease election (origins without Web Locks): a visible leader's lease lasts 4 s and is renewed
// every second, so a closed leader's successor takes over within ~6 s (expiry + one renewal to
// take it + one to confirm it), inside the 10 s the product promises.
inline constexpr double lease_ms = 4000;
inline constexpr double lease_renew_ms = 1000;
// A hidden leader's lease outlasts Chrome's intensive throttling, which runs the timers of a tab
// hidden for 5 minutes once a minute: with 4 s, every such leader lost its lease each minute and
// two tabs led (and sent the same hand-overs) until its next renewal (issue 21). The cost: a
// hidden leader that crashes (no pagehide to free the lease) is replaced after up to 90 s.
inline constexpr double lease_hidden_ms = 90000;
// A follower re-posts a hand-over the leader has not confirmed this often: a message posted while
// no tab leads (the leader just closed) reaches the next leader within a second of its election.
inline constexpr double handover_resend_ms = 1000;
// A tab granted the lock leads, and reads the shared queue, this long after the grant: the
// previous leader's last localStorage write reaches this renderer on another channel than the
// grant and can arrive later (e2e: a stale read re-sent an event the leaving page had just sent
// on keepalive, about 1 run in 30). A lock granted promptly is read at once (a lone page must lead
// before it is left: tried in session 8, a settle there cost a fast navigation its unload-path
// delivery); a steal too (its holder was silent 10 s). Open: a lock let go a moment before a
// prompt grant (a leader that crashed as this tab started) can still give a stale read.
inline constexpr double election_settle_ms = 200;
// A new leader's first batch of what its election took in from other tabs waits this long: the
// last leader's parting message, posted as it left, can arrive just after a prompt election and
// withdraws what that leader had sent since its write (the same channel delay as the settle).
inline constexpr double adopted_send_hold_ms = election_settle_ms;
// A leader elected after another replays the calls pages kept once its copy of localStorage shows
// that leader's final write (its parting message's text), or after this long without it (no
// parting message: a crash, a lost message, no channel). Until then a kept key the last leader
// had replayed and released may still be in this tab's view: replayed again, those calls were sent
// twice (multi-tab harness, mild schedule, seed 100). Kept calls are old already (a page whose
// core never ran): a second's wait costs them nothing.
inline constexpr double kept_replay_wait_ms = 1000;
// A leader that answers no hand-over for this long while holding the lock is taken to be
// suspended (iOS Safari, a frozen Chromium tab): a follower steals the lock. A live leader, even
// hidden, answers at once (`held` until the adoption is written), so this never fires on a slow
// network or a failing storage.
inline constexpr double leader_silent_ms = 10000;
// A follower's un-confirmed hand-overs (memory, then mailbox keys at pagehide) hold at most this
// much: half the queue bound, the oldest hand-overs go first, counted (dropped "handover_bound").
inline constexpr std::size_t max_pending_handover_bytes = 512 * 1024;
// The leader remembers this many hand-overs it adopted, so a re-post that crossed its answer is
// not adopted twice (older ones are forgotten: by then their follower has heard the answer).
inline constexpr std::size_t max_adopted_remembered = 256;
// A core remembers the ids of this many events it had acknowledged, so a copy of one that comes
// back (a superseded leader's hand-over of its whole queue, a stale read, a kept call replayed
// from a stale view of its key) is not sent again: the queue bound, so one full queue's worth
// (~40 KB of ids at most).
inline constexpr std::size_t max_acked_remembered = 1000;
// The fate log (tracker.inspect(), fates.hpp) keeps the last steps of the recent events: at ~120
// bytes a step, 16 KB holds the last ~130 steps, a page load's events with their answers and a
// few retries; it is trimmed in bulk past twice that, so it never holds more than 32 KB.
inline constexpr std::size_t fate_log_bytes = 16 * 1024;

// --- Persistence --------------------------------------------------------------------------
// Version of the snapshot format; restore() refuses any other.
inline constexpr int snapshot_version = 1;

// --- Status code classes ------------------------------------------------------------------
enum class Outcome { success, retry, drop, split };

// Which outcome an HTTP status means. 0 stands for "no response" (network error, blocked).
constexpr Outcome classify_status(int status) {
  if (status >= 200 && status < 300) return Outcome::success;
  if (status == 0) return Outcome::retry;
  if (status == 413) return Outcome::split;  // payload too large: halve the batch
  // Transient by definition (timeout, rate limit) or by Segment's experience (410, 460).
  if (status == 408 || status == 410 || status == 429 || status == 460) return Outcome::retry;
  // Permanent server-side refusals: retrying can never succeed.
  if (status == 501 || status == 505 || status == 511) return Outcome::drop;
  if (status >= 500) return Outcome::retry;
  // 400/401/403/404/406/422 and every other 4xx: the request itself is wrong (bad source id,
  // validation), so resending it is pointless; the batch is dropped and counted.
  if (status >= 400) return Outcome::drop;
  // 1xx/3xx reaching us means a proxy misbehaved; treat it as transient.
  return Outcome::retry;
}

// How much of an event's attempt budget (max_attempts) one failed attempt with `status` uses.
// - 429 is the server asking us to slow down, not a failed attempt: free.
// - A bare 500 costs 3 units, so an event gets 4 attempts (about 7 s of retries) instead of 10.
//   Tracardi answers 500 for *every* exception of its pipeline (tracardi-contract.md 7.1),
//   including ones the same payload raises every time, and a request that failed half-way may
//   already have run workflows and destinations: each retry of a poison batch re-runs them. 502,
//   503, 504 come from proxies and load balancers in front of a server that did not run, and 408
//   is a timeout before processing: those are the transient ones worth the full budget.
// - Status 0 (no answer) costs nothing here: it is paced by the backoff (a probe at most every
//   backoff_cap_ms) and bounded by max_event_age_ms.
constexpr int attempt_cost(int status) {
  if (status == 429 || status == 0) return 0;
  if (status == 500) return 3;
  return 1;
}

}  // namespace policy
}  // namespace tracker
