// The visitor's consent (issue 22): what each state lets the core do, and what a change implies.
// The rules themselves sit where they act (may_store/may_deliver in tracker.hpp, read by the
// send conditions, track(), the session cookie and take_effects); this unit turns a change of
// state into its consequences.
#include <cstdint>
#include <vector>

#include "event_queue.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

void Tracker::set_consent(Consent consent, const Clock& now) {
  if (!setup_.config || !started_ || consent == consent_) return;
  consent_ = consent;
  if (consent == Consent::denied && !setup_.config->consent_anonymous) {
    // What was held is dropped; what is already on the wire was sent with consent and settles.
    std::vector<std::uint64_t> held;
    for (const detail::QueuedEvent& e : queue_->events())
      if (e.owner == 0) held.push_back(e.seq);
    drop_events(held, "consent", now);
  }
  if (may_store()) {
    // The identity and the queue are written from now on; the held calls go out as they would
    // have: fires first, and the load batch if the page has loaded.
    emit_identity();
    effects_.persist = true;
    if (loaded_) queue_->mark_due();
    // What was held is queued now (a step of its fate, until it is sent).
    for (const detail::QueuedEvent& e : queue_->events())
      if (e.owner == 0) fates_.note(e.id, detail::Fate::queued, now.wall_ms);
  }
  consent_tabs(now);
  pump(now, loaded_ ? Trigger::drain : Trigger::tick);
  update_wake(now);
}

void Tracker::consent_tabs(const Clock& now) {
  if (may_store()) {
    if (!tabs_base_.empty()) join_tabs(tabs_base_, tabs_caps_, now, {});
    return;
  }
  // Consent taken back: this page leaves the election for good (no more locks, messages or keys)
  // and sends what it may by itself. Its parting queue holds only what is still on the wire.
  if (!tabs_.joined()) return;
  leave_tabs(now);
  role_ = Role::leader;
}

}  // namespace tracker
