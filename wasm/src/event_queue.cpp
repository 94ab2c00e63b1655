#include "event_queue.hpp"

#include <algorithm>
#include <iterator>

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
  auto victim = events_.begin();
  while (events_.size() > max_events || bytes_ > max_bytes) {
    while (victim != events_.end() && victim->owner != 0) ++victim;
    if (victim == events_.end() || std::next(victim) == events_.end()) break;  // never the new one
    bytes_ -= victim->json.size();
    victim = events_.erase(victim);
    ++dropped;
  }
  return dropped;
}

QueuedEvent* EventQueue::find(std::uint64_t seq) {
  auto it = std::lower_bound(events_.begin(), events_.end(), seq, seq_less);
  return (it != events_.end() && it->seq == seq) ? &*it : nullptr;
}

bool EventQueue::erase(std::uint64_t seq) {
  auto it = std::lower_bound(events_.begin(), events_.end(), seq, seq_less);
  if (it == events_.end() || it->seq != seq) return false;
  bytes_ -= it->json.size();
  events_.erase(it);
  return true;
}

void EventQueue::clear() {
  events_.clear();
  bytes_ = 0;
}

}  // namespace detail
}  // namespace tracker
