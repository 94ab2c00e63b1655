#include "event_queue.hpp"

#include <algorithm>
#include <cstddef>

namespace tracker {
namespace detail {
namespace {

auto seq_less = [](const QueuedEvent& e, std::uint64_t seq) { return e.seq < seq; };

}  // namespace

std::size_t EventQueue::push(QueuedEvent&& e, std::size_t max_events, std::size_t max_bytes,
                             std::vector<std::string>* dropped_ids) {
  if (e.seq == 0) e.seq = next_seq_;
  next_seq_ = std::max(next_seq_, e.seq + 1);
  bytes_ += e.json.size();
  tally(e, 1);
  events_.push_back(std::move(e));
  std::size_t dropped = 0;
  // Drop-oldest keeps the newest events, which are the ones a user is most likely to care about.
  // Events already on the wire are skipped: they are delivered or returned by their request.
  std::size_t victim = head_;
  while (size() > max_events || bytes_ > max_bytes) {
    while (victim < events_.size() && events_[victim].owner != 0) ++victim;
    if (victim + 1 >= events_.size()) break;  // never the new one
    bytes_ -= events_[victim].json.size();
    if (dropped_ids) dropped_ids->push_back(std::move(events_[victim].id));
    const bool at_head = victim == head_;
    remove(victim);
    if (at_head) victim = head_;  // otherwise the next candidate moved into `victim`
    ++dropped;
  }
  return dropped;
}

void EventQueue::tally(const QueuedEvent& e, int sign) {
  if (e.owner != 0) return;
  const auto n = static_cast<std::size_t>(sign);  // 1 or, wrapping, -1
  pending_ += n;
  ready_ += (e.due || e.urgent) ? n : 0;
  urgent_ += e.urgent ? n : 0;
  if (sign > 0) oldest_ = std::min(oldest_, e.seen_mono);
  else if (e.seen_mono <= oldest_) oldest_stale_ = true;  // it may have been the oldest
}

void EventQueue::set_owner(QueuedEvent& e, std::uint32_t owner) {
  tally(e, -1);
  e.owner = owner;
  e.due = owner == 0;
  e.urgent = false;  // attempted: a retry goes in a batch
  tally(e, 1);
}

void EventQueue::mark_due() {
  for (QueuedEvent& e : events()) e.due |= e.owner == 0;
  ready_ = pending_;
}

double EventQueue::oldest_pending_mono() const {
  if (oldest_stale_) {
    oldest_stale_ = false;
    oldest_ = 1e300;
    for (const QueuedEvent& e : events()) {
      if (e.owner == 0) oldest_ = std::min(oldest_, e.seen_mono);
    }
  }
  return oldest_;
}

bool EventQueue::counts_match() const {
  std::size_t pending = 0, ready = 0, urgent = 0;
  double oldest = 1e300;
  for (const QueuedEvent& e : events()) {
    if (e.owner != 0) continue;
    ++pending;
    ready += e.due || e.urgent;
    urgent += e.urgent;
    oldest = std::min(oldest, e.seen_mono);
  }
  return pending == pending_ && ready == ready_ && urgent == urgent_ && oldest == oldest_pending_mono();
}

void EventQueue::remove(std::size_t index) {
  tally(events_[index], -1);
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

bool EventQueue::erase(std::uint64_t seq) {
  auto it = std::lower_bound(events_.begin() + static_cast<std::ptrdiff_t>(head_), events_.end(), seq, seq_less);
  if (it == events_.end() || it->seq != seq) return false;
  bytes_ -= it->json.size();
  remove(static_cast<std::size_t>(it - events_.begin()));
  return true;
}

void EventQueue::clear() {
  events_.clear();
  head_ = 0;
  bytes_ = 0;
  pending_ = ready_ = urgent_ = 0;
  oldest_ = 1e300;
  oldest_stale_ = false;
}

}  // namespace detail
}  // namespace tracker
