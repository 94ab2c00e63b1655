// Drives a Tracker through page lives with a fake clock and deterministic entropy, recording
// every effect so tests can assert what a browser host would have done.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "event_queue.hpp"
#include "tracker/tracker.hpp"

namespace tracker {

// What a test cannot reach through the public calls in its time: 2^32 requests, and the queue's
// running counts (checked against a full recount after every step of the property runs).
struct TrackerTestAccess {
  static void set_next_request_id(Tracker& t, std::uint32_t id) { t.next_request_id_ = id; }
  static bool queue_counts_match(const Tracker& t) { return t.queue_->counts_match(); }
  static void hand_over(Tracker& t, bool everything, const Clock& now = {}) { t.hand_over(everything, now); }
  // The wait in force was caused by no answer (status 0): online, visible and flush() may end it.
  static bool network_wait(const Tracker& t) { return t.last_failure_network_; }
  // f(id, the request carrying it or 0) for each queued event.
  template <class F>
  static void each_queued(const Tracker& t, F f) {
    for (const detail::QueuedEvent& e : t.queue_->events()) f(e.id, e.owner);
  }
};

namespace testing_support {

using json = nlohmann::json;

inline std::string options(const std::string& extra = "") {
  return R"({"tracker":{"url":{"script":"//c/tracker","api":"http://collector.test"},)"
         R"("source":{"id":"demo-source"})" +
         extra + "}}";
}

struct Page {
  explicit Page(const std::string& opts = options(), double start_ms = 1700000000000.0)
      : core(opts), now(start_ms) {}

  Tracker core;
  double now;             // the monotonic clock (performance.now() of the page)
  double wall_shift = 0;  // wall clock = now + wall_shift: a sleep or a clock change moves it
  Clock clock() const { return Clock{now + wall_shift, now}; }
  std::uint32_t counter = 0;
  std::vector<SendEffect> sent;  // every request ever asked for, in order
  std::vector<double> sent_at;   // the monotonic clock when each was asked for
  std::vector<std::uint32_t> aborted;
  // Sends and aborts in the order the core asked for them: {'s'|'a', request id}.
  std::vector<std::pair<char, std::uint32_t>> wire_log;
  // When set, advance() records a wake-up that sent during the backoff in force before it.
  bool check_backoff = false;
  std::vector<std::string> violations;
  std::vector<LogEffect> logs;
  std::vector<std::string> ux;
  std::optional<std::string> ready;
  std::optional<IdentityEffect> identity;
  std::optional<double> wake;
  int persists = 0;
  int identities = 0;  // identity effects (ids the host would write)
  std::vector<std::string> handovers;  // a follower's handover effects (snapshot text), in order
  std::size_t handed_over_events = 0;

  Entropy entropy() {
    ++counter;
    return Entropy{{counter * 2654435761u, counter ^ 0xdeadbeefu, counter * 40503u, ~counter}};
  }

  void absorb(Effects fx) {
    // The core aborts timed-out requests before it re-sends their events.
    for (std::uint32_t id : fx.aborts) {
      aborted.push_back(id);
      wire_log.emplace_back('a', id);
    }
    for (auto& s : fx.sends) {
      wire_log.emplace_back('s', s.request_id);
      sent.push_back(std::move(s));
      sent_at.push_back(now);
    }
    for (auto& l : fx.logs) logs.push_back(std::move(l));
    for (auto& u : fx.ux_items) ux.push_back(std::move(u));
    if (fx.ready_context) ready = fx.ready_context;
    if (fx.identity) {
      identity = fx.identity;
      ++identities;
    }
    if (fx.wake_changed) wake = fx.wake_at_ms;
    if (fx.persist) ++persists;
    if (!fx.handover.empty()) {
      handovers.push_back(std::move(fx.handover));
      handed_over_events += fx.handover_events;
    }
  }
  void role(Role r) { core.set_role(r, clock()); absorb(core.take_effects()); }
  void adopt(const std::string& snapshot) { core.restore(snapshot, clock()); absorb(core.take_effects()); }

  void start(const std::string& identity_json = "{}", const std::string& snapshot = "") {
    core.start(clock(), identity_json, snapshot, entropy());
    absorb(core.take_effects());
  }
  int track(const std::string& type, const std::string& props = "{}", const std::string& opts = "") {
    const int r = core.track(type, props, opts, clock(), 0, entropy());
    absorb(core.take_effects());
    return r;
  }
  void load() { core.on_load(clock()); absorb(core.take_effects()); }
  void hide() { core.on_hidden(clock()); absorb(core.take_effects()); }
  void leave() { core.on_page_leave(clock()); absorb(core.take_effects()); }
  void navigate() { core.on_navigate(clock()); absorb(core.take_effects()); }
  void show() { core.on_visible(clock()); absorb(core.take_effects()); }
  void online(bool on) { core.set_online(on, clock()); absorb(core.take_effects()); }
  void flush() { core.flush(clock()); absorb(core.take_effects()); }
  // The device sleeps: wall time passes, the page's monotonic clock does not.
  void sleep(double ms) { wall_shift += ms; }
  void respond(const SendEffect& s, int status, const std::string& body = "{}",
               const std::string& retry_after = "") {
    core.on_response(s.request_id, status, retry_after, body, clock(), entropy());
    absorb(core.take_effects());
  }
  void respond_last(int status, const std::string& body = "{}", const std::string& retry_after = "") {
    respond(sent.back(), status, body, retry_after);
  }
  // Advances the clock, firing the single timer whenever it is due (as the host's setTimeout).
  void advance(double ms) {
    const double end = now + ms;
    int guard = 0;
    while (wake && *wake <= end) {
      // A core that keeps asking to be woken without progress would spin the host's timer.
      if (++guard > 100000) {
        ADD_FAILURE() << "wake-up loop at " << *wake;
        return;
      }
      now = std::max(now, *wake);
      wake.reset();  // the host's timer fired: it holds none until the core asks again
      const double backoff = check_backoff ? core.stats().backoff_until_ms : 0;
      const std::size_t before = sent.size();
      core.on_wake(clock(), entropy());
      absorb(core.take_effects());
      if (check_backoff && sent.size() > before && now < backoff)
        violations.push_back("wake-up at " + std::to_string(now) + " sent before backoff " +
                             std::to_string(backoff));
    }
    now = end;
  }

  static json body(const SendEffect& s) { return json::parse(s.body); }
  static std::vector<std::string> types(const SendEffect& s) {
    std::vector<std::string> out;
    const json b = body(s);  // keep the document alive while iterating
    for (const auto& e : b["events"]) out.push_back(e["type"]);
    return out;
  }
  static std::vector<std::string> ids(const SendEffect& s) {
    std::vector<std::string> out;
    const json b = body(s);
    for (const auto& e : b["events"]) out.push_back(e["id"]);
    return out;
  }
  // How many events the page's copy (snapshot()) holds now.
  std::size_t copied() const { return json::parse(core.snapshot())["events"].size(); }
  bool logged(const std::string& needle) const {
    for (const auto& l : logs)
      if (l.message.find(needle) != std::string::npos) return true;
    return false;
  }
};

inline const char* ok_body() {
  return R"({"task":"t","ux":[],"response":{},"events":[],"profile":{"id":"server-profile"},)"
         R"("errors":[],"warnings":[]})";
}

}  // namespace testing_support
}  // namespace tracker
