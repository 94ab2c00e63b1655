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
  bool local = false;         // this page's first attempt is still to come (tracked before load,
                              // or fire/asBeacon): a follower tab sends it itself (Role)
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
  // Appends; returns how many of the oldest events were dropped to respect the bounds.
  std::size_t push(QueuedEvent e, std::size_t max_events, std::size_t max_bytes);
  QueuedEvent* find(std::uint64_t seq);
  // Removes the event; moves it into `out` when given (its bytes leave the count before the move).
  bool erase(std::uint64_t seq, QueuedEvent* out = nullptr);
  void clear();

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
  std::size_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
};

}  // namespace detail
}  // namespace tracker
