// Bounded FIFO of pre-serialized events. Peek -> send -> ack: an event leaves the queue only when
// a request carrying it succeeds or a policy rule drops it, never when it is merely sent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tracker {
namespace detail {

struct QueuedEvent {
  std::uint64_t seq = 0;      // enqueue order, unique within this core
  std::string id;             // the event's uuid4, the collector's dedup key
  std::string json;           // the serialized event object
  // The payload it goes in, when not this core's: another tab's static profile id, `context` and
  // `options` (window.response.context), as JSON text {"profile":id|null,"context":{},"options":{}}
  // (Tracker::envelope). Empty: this core's own. A batch carries events of one envelope.
  std::string envelope;
  double enqueued_ms = 0;     // wall clock of the first enqueue (survives reloads via the snapshot)
  double seen_mono = 0;       // monotonic clock when this page took it in (track or restore)
  double age_at_seen = 0;     // its wall-clock age at that moment (0 for a fresh event)
  int attempts = 0;           // attempt units used (policy::attempt_cost) of policy::max_attempts
  std::uint32_t owner = 0;    // request currently carrying it; 0 = pending
  bool due = false;           // send with the next batch without waiting for the flush interval
  bool urgent = false;        // fire/asBeacon not yet attempted: goes alone, at once, when allowed
  bool beacon = false;        // asBeacon: its single request uses the unload-safe transport
  bool outliving = false;     // on a keepalive/beacon request: the browser finishes it, even
                              // after the page is gone, so the next page must not re-send it
  bool in_copy = false;       // outliving, yet in the copy: a page gone for good sent it into an
                              // outage at its leave (Tracker::keep_outliving_in_copy)
  bool failed = false;        // an attempt of it failed (here or with an earlier holder: the
                              // snapshot's "f"): its retries stay in a hidden page's copy
  bool local = false;         // this page's first attempt is still to come (tracked before load,
                              // or fire/asBeacon): a follower tab sends it itself (Role)
  bool reclaimed = false;     // a hand-over the storage refused (its mailbox write): this page
                              // sends it itself, never hands it over again
  std::uint8_t sends = 0;     // requests that carried it (saturating); a restored event counts as
                              // tried (1): at a page leave in an outage only a first attempt goes
};

// The live events of an EventQueue, oldest first.
template <class T>
class EventSpan {
 public:
  EventSpan(T* first, T* last) : first_(first), last_(last) {}
  T* begin() const { return first_; }
  T* end() const { return last_; }
  std::size_t size() const { return static_cast<std::size_t>(last_ - first_); }
  bool empty() const { return first_ == last_; }
  T& front() const { return *first_; }
  T& operator[](std::size_t i) const { return first_[i]; }

 private:
  T* first_;
  T* last_;
};

class EventQueue {
 public:
  // Appends; returns how many of the oldest events were dropped to respect the bounds (their ids
  // appended to dropped_ids when given).
  std::size_t push(QueuedEvent&& e, std::size_t max_events, std::size_t max_bytes,
                   std::vector<std::string>* dropped_ids = nullptr);
  QueuedEvent* find(std::uint64_t seq);
  bool erase(std::uint64_t seq);
  void clear();

  // Delivery state changes go through the queue, which keeps the pending counts below exact.
  // owner != 0: the event is on that request (neither due nor urgent any more); 0: it is pending
  // again, due (a returned event goes with the next batch).
  void set_owner(QueuedEvent& e, std::uint32_t owner);
  // Every pending event goes with the next batch without waiting for the flush interval.
  void mark_due();

  // Pending events (owner 0): how many, how many go without waiting for the flush interval (due
  // or urgent), how many are urgent, and the earliest seen_mono among them (+inf when none). The
  // tracker decides on every call whether to send: a walk of up to 1,000 events each time was
  // O(n) per track().
  std::size_t pending() const { return pending_; }
  std::size_t ready() const { return ready_; }
  std::size_t urgent() const { return urgent_; }
  double oldest_pending_mono() const;
  // Tests: the counts above against a full recount.
  bool counts_match() const;

  std::size_t size() const { return events_.size() - head_; }
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return size() == 0; }
  std::uint64_t next_seq() const { return next_seq_; }
  void set_next_seq(std::uint64_t s) { next_seq_ = s; }

  // Valid until the queue changes.
  EventSpan<QueuedEvent> events() { return {events_.data() + head_, events_.data() + events_.size()}; }
  EventSpan<const QueuedEvent> events() const { return {events_.data() + head_, events_.data() + events_.size()}; }

 private:
  // Ascending seq from head_; [0, head_) are removed events not yet compacted away. A full queue
  // drops its oldest event on every push and acks remove the oldest too: advancing head_ keeps
  // that O(1) like a deque, without a deque's code (~1.9 KB of gzipped wasm). A plain vector
  // would move every other event on each drop (up to policy::max_queued_events per push).
  std::vector<QueuedEvent> events_;
  std::size_t head_ = 0;
  void remove(std::size_t index);
  // Adds (sign 1) or takes out (-1) an event's share of the pending counts.
  void tally(const QueuedEvent& e, int sign);
  std::size_t bytes_ = 0;
  std::size_t pending_ = 0, ready_ = 0, urgent_ = 0;
  // The oldest pending time only grows when that event stops being pending; it is then found
  // again by a walk, only when asked for (a due or urgent event, or a full batch, makes the
  // question moot, so the walk is rare and short).
  mutable double oldest_ = 1e300;
  mutable bool oldest_stale_ = false;
  std::uint64_t next_seq_ = 1;
};

}  // namespace detail
}  // namespace tracker
