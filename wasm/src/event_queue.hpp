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
};

class EventQueue {
 public:
  // Appends; returns how many of the oldest events were dropped to respect the bounds.
  std::size_t push(QueuedEvent e, std::size_t max_events, std::size_t max_bytes);
  QueuedEvent* find(std::uint64_t seq);
  bool erase(std::uint64_t seq);
  void clear();

  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return events_.empty(); }
  std::uint64_t next_seq() const { return next_seq_; }
  void set_next_seq(std::uint64_t s) { next_seq_ = s; }

  std::vector<QueuedEvent>& events() { return events_; }
  const std::vector<QueuedEvent>& events() const { return events_; }

 private:
  std::vector<QueuedEvent> events_;  // ascending seq; a vector, not a deque: at most
                                     // policy::max_queued_events, and a deque's code is ~2 KB of wasm
  std::size_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
};

}  // namespace detail
}  // namespace tracker
