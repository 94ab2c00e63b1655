// The tracker core: a sans-I/O state machine. Every call takes the host's clock (and entropy when
// it needs randomness) and leaves effects the host performs (send, persist, wake, log, ...).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracker/config.hpp"
#include "tracker/effects.hpp"
#include "tracker/uuid.hpp"

namespace tracker {

namespace detail {
class EventQueue;
}

// track() result bits (a negative result means rejected; see last_error()).
enum TrackFlags : int {
  track_effects_pending = 1,  // call take_effects()
  track_persist_due = 2,      // the snapshot changed
  track_deferred = 4,         // queued after load without fire: log it, it goes with a later batch
};

struct Stats {
  std::size_t queued = 0;
  std::size_t inflight_requests = 0;
  std::uint64_t accepted = 0;  // track() calls accepted
  std::uint64_t acked = 0;     // events confirmed by a 2xx
  std::uint64_t requests = 0;  // requests sent
  std::map<std::string, std::uint64_t> dropped;  // reason -> events
};
std::string stats_to_json(const Stats& s);

class Tracker {
 public:
  explicit Tracker(std::string_view options_json);
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  const std::string& config_error() const { return config_error_; }

  // identity_json: {"session":str|null,"profile":str|null,"device":str|null} as stored by the host.
  void start(double now_ms, std::string_view identity_json, std::string_view snapshot,
             const Entropy& entropy);

  // Merges another stored snapshot (e.g. left by another tab) into the queue; events already
  // queued (same id) are skipped.
  void restore(std::string_view snapshot, double now_ms);

  // Payload-level context, per-event page context and payload options (window.response.context).
  void set_context(std::string_view json);
  void set_page_context(std::string_view json);
  void set_payload_options(std::string_view json);

  // Returns TrackFlags bits, or -1 when rejected. created_ms <= 0 means now_ms.
  int track(std::string_view type, std::string_view props_json, std::string_view options_json,
            double now_ms, double created_ms, const Entropy& entropy);
  const std::string& last_error() const { return last_error_; }
  const std::string& last_event_id() const { return last_event_id_; }

  void on_load(double now_ms);
  void on_hidden(double now_ms);
  void on_visible(double now_ms);
  void set_online(bool online, double now_ms);
  void flush(double now_ms);
  void on_wake(double now_ms);
  // status 0 = no response (network error, blocked, CORS). retry_after = header text or "".
  void on_response(std::uint32_t request_id, int status, std::string_view retry_after,
                   std::string_view body, double now_ms, const Entropy& entropy);

  Effects take_effects();
  std::string snapshot() const;
  Stats stats() const;

 private:
  struct Request {
    std::vector<std::uint64_t> seqs;
    Transport transport = Transport::fetch;
    std::size_t bytes = 0;
    double sent_ms = 0;
    bool batch = false;  // a queue batch (not a fire/asBeacon single)
    bool before_load = false;  // sent before the page's load event
  };
  enum class Trigger { tick, drain };

  void log(LogLevel level, std::string message);
  void emit_identity();
  void touch_session(double now_ms, const Entropy& entropy);
  void drop_event(std::uint64_t seq, const std::string& reason);
  void mark_all_due();
  void expire_old(double now_ms);
  void time_out_requests(double now_ms);
  void pump(double now_ms, Trigger trigger);
  bool early_fire_in_flight() const;
  std::uint32_t send(std::vector<std::uint64_t> seqs, Transport transport, bool batch, double now_ms);
  std::string build_body(const std::vector<std::uint64_t>& seqs) const;
  void fail_request(std::uint32_t id, const Request& req, int status, std::string_view retry_after,
                    double now_ms, const Entropy& entropy);
  void update_wake(double now_ms);

  std::optional<Config> config_;
  std::string config_error_;
  std::vector<std::string> config_warnings_;
  std::unique_ptr<detail::EventQueue> queue_;
  std::map<std::uint32_t, Request> requests_;
  std::uint32_t next_request_id_ = 1;
  std::uint32_t batch_in_flight_ = 0;
  std::size_t keepalive_bytes_ = 0;

  bool started_ = false, loaded_ = false, hidden_ = false, online_ = true, paused_ = false;
  bool ready_emitted_ = false;
  bool overflowing_ = false;  // the last track() had to drop: warn once per episode
  int failures_ = 0;          // consecutive retryable failures, drives backoff
  int network_failures_ = 0;  // consecutive status-0 failures this page
  double backoff_until_ = 0;
  std::size_t split_cap_ = 0;  // 0 = none; else max events per batch after a 413

  std::string session_id_, device_id_;
  std::optional<std::string> profile_id_;  // stored / server-assigned (not the static one)
  double last_activity_ms_ = 0;
  std::string context_json_ = "{}", page_context_json_, payload_options_json_ = "{}";

  Stats stats_;
  Effects effects_;
  std::optional<double> wake_at_;
  std::string last_error_, last_event_id_;
};

}  // namespace tracker
