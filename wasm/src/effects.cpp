#include "tracker/effects.hpp"

#include <cmath>

#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {

const char* to_string(Transport t) {
  switch (t) {
    case Transport::fetch: return "fetch";
    case Transport::keepalive: return "keepalive";
    case Transport::beacon: return "beacon";
  }
  return "fetch";
}

const char* to_string(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string effects_to_json(const Effects& fx) {
  using detail::json_quote;
  // Bodies and ux items are already JSON text; splice them instead of re-encoding.
  std::string out = "{";
  auto sep = [&out] {
    if (out.size() > 1) out += ',';
  };
  if (!fx.sends.empty()) {
    sep();
    out += "\"send\":[";
    for (std::size_t i = 0; i < fx.sends.size(); ++i) {
      const SendEffect& s = fx.sends[i];
      if (i) out += ',';
      out += "{\"id\":" + detail::decimal(s.request_id) + ",\"url\":" + json_quote(s.url) +
             ",\"transport\":\"" + to_string(s.transport) + "\",\"events\":" +
             detail::decimal(s.event_count) + ",\"body\":" + json_quote(s.body) + "}";
    }
    out += ']';
  }
  if (!fx.aborts.empty()) {
    sep();
    out += "\"abort\":[";
    for (std::size_t i = 0; i < fx.aborts.size(); ++i) {
      if (i) out += ',';
      out += detail::decimal(fx.aborts[i]);
    }
    out += ']';
  }
  if (fx.wake_changed) {
    sep();
    out += "\"wake\":";
    // Whole milliseconds, rounded up so the host never wakes before the deadline.
    out += fx.wake_at_ms ? detail::decimal(static_cast<long long>(std::ceil(
                               *fx.wake_at_ms >= 0 && *fx.wake_at_ms < 9e15 ? *fx.wake_at_ms : 0)))
                         : "null";
  }
  if (!fx.handover.empty()) {
    sep();
    out += "\"handover\":{\"events\":" + detail::decimal(fx.handover_events) +
           ",\"snapshot\":" + json_quote(fx.handover) + "}";
  }
  if (fx.persist) {
    sep();
    out += "\"persist\":true";
  }
  if (!fx.logs.empty()) {
    sep();
    out += "\"log\":[";
    for (std::size_t i = 0; i < fx.logs.size(); ++i) {
      if (i) out += ',';
      out += "{\"level\":\"";
      out += to_string(fx.logs[i].level);
      out += "\",\"msg\":" + json_quote(fx.logs[i].message) + "}";
    }
    out += ']';
  }
  if (fx.identity) {
    sep();
    const IdentityEffect& id = *fx.identity;
    out += "\"identity\":{\"session\":" + json_quote(id.session_id) +
           ",\"profile\":" + (id.profile_id ? json_quote(*id.profile_id) : std::string("null")) +
           ",\"device\":" + json_quote(id.device_id) +
           ",\"sessionTtlS\":" + detail::decimal(static_cast<long>(policy::session_ttl_ms / 1000)) + "}";
  }
  if (!fx.ux_items.empty()) {
    sep();
    out += "\"ux\":[";
    for (std::size_t i = 0; i < fx.ux_items.size(); ++i) {
      if (i) out += ',';
      out += fx.ux_items[i];
    }
    out += ']';
  }
  if (fx.ready_context) {
    sep();
    out += "\"ready\":{\"context\":" + *fx.ready_context + "}";
  }
  out += '}';
  return out;
}

}  // namespace tracker
