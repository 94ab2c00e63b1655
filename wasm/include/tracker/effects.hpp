// Effects: what the core asks its host to do. The core never performs I/O itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tracker/tab_protocol.hpp"

namespace tracker {

enum class Transport { fetch, keepalive, beacon };
enum class LogLevel { debug, info, warn, error };

const char* to_string(Transport t);
const char* to_string(LogLevel l);

// POST `body` to `url`; report the outcome with Tracker::on_response(request_id, ...).
struct SendEffect {
  std::uint32_t request_id = 0;
  std::string url;
  Transport transport = Transport::fetch;
  std::string body;
  std::size_t event_count = 0;
};

struct LogEffect {
  LogLevel level = LogLevel::info;
  std::string message;
};

// Identity the host must store (cookie / localStorage).
struct IdentityEffect {
  std::string session_id;
  std::optional<std::string> profile_id;  // nullopt: none known yet
  std::string device_id;
};

struct Effects {
  std::vector<SendEffect> sends;
  std::vector<std::uint32_t> aborts;  // requests to cut (timed out): no answer for them will count
  std::vector<LogEffect> logs;
  std::optional<IdentityEffect> identity;
  std::vector<std::string> ux_items;  // each a JSON object text {tag, props, content?}
  std::optional<std::string> ready_context;  // JSON text ("null" when no response body)
  // Events a follower tab gives to the leader tab (snapshot format, for Tracker::restore there);
  // they left this core's queue (Stats::transferred). Empty when none.
  std::string handover;
  std::size_t handover_events = 0;
  TabEffects tabs;  // the tab protocol's I/O: locks, posts, storage writes and reads
  bool persist = false;
  bool wake_changed = false;
  std::optional<double> wake_at_ms;  // meaningful when wake_changed; nullopt = cancel

  void clear();  // back to none, keeping the buffers
  bool empty() const {
    return sends.empty() && aborts.empty() && logs.empty() && !identity && ux_items.empty() && !ready_context &&
           handover.empty() && !persist && !wake_changed && tabs.empty();
  }
};

// Serializes effects into the JSON shape documented in docs/design.md.
std::string effects_to_json(const Effects& effects);

}  // namespace tracker
