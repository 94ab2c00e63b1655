// Tracker's facade over the tab protocol (tab_protocol.hpp): facts go to the protocol, and what
// the protocol asks of this core (a role, adoptions) is applied here, then the queue's rules run.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "event_queue.hpp"
#include "snapshot.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

void Tracker::apply_tabs(TabProtocol::Out& out, const Clock& now) {
  // Elected, with other tabs' copies to take in: their first send waits a settle (see the member);
  // set before they come in (restoring pumps), lifted if none of their events was new here.
  const bool elected = out.role && *out.role && !out.adopt.empty();
  const std::uint64_t restored = stats_.restored;
  if (elected) adopted_hold_until_ = now.mono_ms + policy::adopted_send_hold_ms;
  if (out.role) {
    parting_ = !*out.role && out.demote_keep;
    set_role(*out.role ? Role::leader : Role::follower, now);
    parting_ = false;
  }
  // A parting queue that outranks this leader's election read: what only the read held and this
  // page has not sent yet is the last leader's, not ours (withdrawn before the adoptions below
  // pump the queue).
  if (!out.superseded.empty()) {
    std::vector<std::string> authority;
    for (const detail::QueuedEvent& e : detail::read_snapshot(out.adopt[out.authority].second).events)
      authority.push_back(e.id);
    const auto has = [](const std::vector<std::string>& v, const std::string& id) {
      return std::find(v.begin(), v.end(), id) != v.end();
    };
    std::vector<std::uint64_t> withdrawn;
    for (const detail::QueuedEvent& e : queue_->events()) {
      if (e.owner == 0 && !e.local && has(out.superseded, e.id) && !has(authority, e.id)) withdrawn.push_back(e.seq);
    }
    drop_events(withdrawn, "superseded", now);
  }
  for (std::size_t i = 0; i < out.adopt.size(); ++i) {
    auto& [token, text] = out.adopt[i];
    std::vector<std::string> ids;
    // That parting queue takes in only what the read missed: what both hold was taken in at the
    // election, and may have been delivered since.
    const bool is_authority = !out.superseded.empty() && i == out.authority;
    restore_ids(text, now, token ? &ids : nullptr, is_authority ? &out.superseded : nullptr);
    if (token) tabs_.adopted_ids(token, std::move(ids));
  }
  // Hand-overs the storage refused: this page's own first attempts again, sent by it (a follower
  // sends its local events itself), never handed to a mailbox again (TabProtocol::hands_over).
  for (const std::string& text : out.reclaim) restore_ids(text, now, nullptr, nullptr, true);
  if (elected && stats_.restored == restored) adopted_hold_until_ = 0;
  // An adoption is confirmed once written: the host writes when asked to persist.
  if (!out.adopt.empty() && role_ == Role::leader) effects_.persist = true;
  update_wake(now);
}

void Tracker::join_tabs(std::string_view base, TabCaps caps, const Clock& now, const Entropy& entropy) {
  if (tabs_.joined()) return;
  // No lock, message or key before the visitor's consent: the join waits for it (set_consent,
  // which calls this again with these).
  if (tabs_base_.empty()) {
    tabs_base_ = std::string(base);
    tabs_caps_ = caps;
    // This tab's id: random, only to tell its messages and mailbox keys from other tabs'.
    tabs_id_ = make_uuid4(entropy);
    tabs_id_.resize(13);
  }
  if (!may_store()) return;
  TabProtocol::Out out;
  tabs_.join(tabs_base_, tabs_id_, tabs_caps_, now.wall_ms, now.mono_ms, effects_.tabs, out);
  // A follower at its join is no demoted leader: what it held (calls made while consent was
  // pending) goes as a follower's would, its first attempts by itself.
  joining_ = true;
  apply_tabs(out, now);
  joining_ = false;
}

void Tracker::on_lock(LockFact fact, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_lock(fact, now.wall_ms, now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_lease(std::string_view text, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_lease(text, now.wall_ms, now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_message(const TabMessage& message, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_message(message, now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_storage(std::string_view key, std::string_view text, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_storage(key, text, now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_key(std::string_view text, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_key(text, now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_stored(std::vector<std::pair<std::string, std::string>> entries, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_stored(std::move(entries), now.mono_ms, effects_.tabs, out);
  apply_tabs(out, now);
}

void Tracker::on_unwritten(std::string_view key, std::string_view text, const Clock& now) {
  TabProtocol::Out out;
  tabs_.on_unwritten(key, text, out);
  apply_tabs(out, now);
}

void Tracker::on_persisted(bool ok, const Clock& now) {
  tabs_.on_persisted(ok, [this](const std::string& id) { return in_key(id); }, effects_.tabs);
  update_wake(now);
}

void Tracker::on_kept_stored(const Clock& now) {
  tabs_.on_kept_stored(effects_.tabs);
  update_wake(now);
}

void Tracker::kept_replayed(std::vector<std::string> keys, const Clock& now) {
  // They go out as their page's load batch would have, at once: they waited for a leader already
  // (kept_replay_wait_ms after an election), and after this page's load they would wait the flush
  // interval too. A replay that found no kept key leaves the page's own events alone.
  const bool replayed = !keys.empty();
  tabs_.kept_replayed(std::move(keys), kept_ids_);
  kept_ids_.clear();
  if (role_ == Role::leader) effects_.persist = true;
  if (replayed && role_ == Role::leader && loaded_) pump(now, Trigger::drain);
  update_wake(now);
}

void Tracker::resign(bool stored, const Clock& now) {
  TabProtocol::Out out;
  const bool led = tabs_.leader();
  tabs_.resign(stored, led ? snapshot() : std::string(), now.wall_ms, effects_.tabs, out, failures_ == 0);
  apply_tabs(out, now);
  // A leader whose leave's write the storage refused: what it cannot hand over (reclaimed) goes
  // now, as a follower's leave sends it (flush_unload_safe).
  if (led && !stored && leaving_) flush_unload_safe(now, true, true);
}

void Tracker::rejoin(const Clock& now) {
  tabs_.show(now.wall_ms, now.mono_ms, effects_.tabs);
  update_wake(now);
}

void Tracker::leave_tabs(const Clock& now, bool destroying) {
  const bool led = tabs_.leader();
  if (destroying) {
    // destroy(): this core goes; the browser finishes its keepalive requests and their answers
    // reach nobody, so the last copy leaves their events out, as a page leave for good does (in a
    // known outage they stay: presumed lost into it). The key is written so too: the parting
    // message may not arrive, and the next leader's read would send them again.
    hidden_ = leaving_ = true;
    presume_overdue_lost(true);
    if (failures_ > 0) keep_outliving_in_copy();
  }
  tabs_.stop(led ? snapshot() : std::string(), effects_.tabs, led && destroying);
  update_wake(now);
}

void Tracker::settle_tabs() {
  if (role_ != Role::leader || tabs_.stats().keys_awaiting_release == 0) return;
  tabs_.on_settled([this](const std::string& id) { return holds(id); }, effects_.tabs);
}

bool Tracker::holds(const std::string& id) const {
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.id == id) return true;
  }
  return false;
}

int Tracker::in_key(std::string_view id) const {
  // As snapshot() writes the queue: 2 written, 1 held but left out, 0 not held.
  for (const detail::QueuedEvent& e : queue_->events()) {
    if (e.id == id) return detail::in_snapshot(e, copy_outliving()) ? 2 : 1;
  }
  return 0;
}

}  // namespace tracker
