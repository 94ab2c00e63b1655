#include "event_queue.hpp"

#include <algorithm>
#include <cstddef>

namespace tracker {
namespace detail {
namespace {

auto seq_less = [](const QueuedEvent& e, std::uint64_t seq) { return e.seq < seq; };

}  // namespace

std::size_t EventQueue::push(QueuedEvent e, std::size_t max_events, std::size_t max_bytes) {
  if (e.seq == 0) e.seq = next_seq_;
  next_seq_ = std::max(next_seq_, e.seq + 1);
  bytes_ += e.json.size();
  events_.push_back(std::move(e));
  std::size_t dropped = 0;
  // Drop-oldest keeps the newest events, which are the ones a user is most likely to care about.
  // Events already on the wire are skipped: they are delivered or returned by their request.
  std::size_t victim = head_;
  while (size() > max_events || bytes_ > max_bytes) {
    while (victim < events_.size() && events_[victim].owner != 0) ++victim;
    if (victim + 1 >= events_.size()) break;  // never the new one
    bytes_ -= events_[victim].json.size();
    const bool at_head = victim == head_;
    remove(victim);
    if (at_head) victim = head_;  // otherwise the next candidate moved into `victim`
    ++dropped;
  }
  return dropped;
}

void EventQueue::remove(std::size_t index) {
  if (index == head_) {
    events_[head_++] = QueuedEvent{};  // frees its strings now
    if (head_ == events_.size()) {
      events_.clear();
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= events_.size()) {
      // Compact once the removed prefix is as long as the live part: amortised O(1) per removal.
      events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  } else {
    events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(index));
  }
}

QueuedEvent* EventQueue::find(std::uint64_t seq) {
  auto it = std::lower_bound(events_.begin() + static_cast<std::ptrdiff_t>(head_), events_.end(), seq, seq_less);
  return (it != events_.end() && it->seq == seq) ? &*it : nullptr;
}

bool EventQueue::erase(std::uint64_t seq, QueuedEvent* out) {
  auto it = std::lower_bound(events_.begin() + static_cast<std::ptrdiff_t>(head_), events_.end(), seq, seq_less);
  if (it == events_.end() || it->seq != seq) return false;
  bytes_ -= it->json.size();
  if (out) *out = std::move(*it);
  remove(static_cast<std::size_t>(it - events_.begin()));
  return true;
}

void EventQueue::clear() {
  events_.clear();
  head_ = 0;
  bytes_ = 0;
}

}  // namespace detail
}  // namespace tracker
