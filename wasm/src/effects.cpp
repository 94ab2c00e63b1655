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

void Effects::clear() {
  sends.clear();
  aborts.clear();
  logs.clear();
  identity.reset();
  ux_items.clear();
  ready_context.reset();
  handover.clear();
  handover_events = 0;
  tabs.clear();
  persist = false;
  wake_changed = false;
  wake_at_ms.reset();
}

namespace {

const char* to_string(LockOp op) {
  switch (op) {
    case LockOp::request: return "request";
    case LockOp::steal: return "steal";
    case LockOp::release: return "release";
    case LockOp::none: break;
  }
  return "";
}

// "tabs":{"lock":"request"|"steal"|"release","join":1,"leave":1,"post":[{"k":0|1|2,"t":tab,"n":n,
// "h":text}],"write":[[key,text]],"remove":[key],"read":1,"lease":1,"replay":1,"leader":bool}
// (docs/design.md "Binding contract"). The host performs them in this order: writes and removals,
// posts, the lock, the channel, then the reads it is asked for.
template <typename Key>
void append_tab_effects(std::string& out, Key& key, const TabEffects& t) {
  using detail::append_decimal;
  using detail::append_quoted;
  key("\"tabs\":{");
  const std::size_t open = out.size();
  auto member = [&out, open](const char* m) {
    if (out.size() > open) out += ',';
    out += m;
  };
  if (!t.writes.empty()) {
    member("\"write\":[");
    for (std::size_t i = 0; i < t.writes.size(); ++i) {
      out += i ? ",[" : "[";
      append_quoted(out, t.writes[i].first);
      out += ',';
      append_quoted(out, t.writes[i].second);
      out += ']';
    }
    out += ']';
  }
  if (!t.removes.empty()) {
    member("\"remove\":[");
    for (std::size_t i = 0; i < t.removes.size(); ++i) {
      if (i) out += ',';
      append_quoted(out, t.removes[i]);
    }
    out += ']';
  }
  if (!t.posts.empty()) {
    member("\"post\":[");
    for (std::size_t i = 0; i < t.posts.size(); ++i) {
      const TabMessage& m = t.posts[i];
      out += i ? ",{\"k\":" : "{\"k\":";
      append_decimal(out, static_cast<int>(m.kind));
      out += ",\"t\":";
      append_quoted(out, m.tab);
      out += ",\"n\":";
      append_decimal(out, m.n);
      if (!m.text.empty()) {  // a hand-over's or parting queue's events, an ack's "w"
        out += ",\"h\":";
        append_quoted(out, m.text);
      }
      out += '}';
    }
    out += ']';
  }
  if (t.lock != LockOp::none) {
    member("\"lock\":\"");
    out += to_string(t.lock);
    out += '"';
  }
  if (t.join_channel) member("\"join\":1");
  if (t.leave_channel) member("\"leave\":1");
  if (t.read_stored) member("\"read\":1");
  if (t.read_lease) member("\"lease\":1");
  if (t.replay_kept) member("\"replay\":1");
  if (t.leader) member(*t.leader ? "\"leader\":true" : "\"leader\":false");
  out += '}';
}

}  // namespace

std::string effects_to_json(const Effects& fx) {
  using detail::append_decimal;
  using detail::append_quoted;
  // Written piece by piece into one string (no temporaries); bodies and ux items are already
  // JSON text and are spliced instead of re-encoded.
  std::string out = "{";
  // A member's name, after the separator when it is not the first.
  auto key = [&out](const char* member) {
    if (out.size() > 1) out += ',';
    out += member;
  };
  if (!fx.sends.empty()) {
    key("\"send\":[");
    for (std::size_t i = 0; i < fx.sends.size(); ++i) {
      const SendEffect& s = fx.sends[i];
      out += i ? ",{\"id\":" : "{\"id\":";
      append_decimal(out, s.request_id);
      out += ",\"url\":";
      append_quoted(out, s.url);
      out += ",\"transport\":\"";
      out += to_string(s.transport);
      out += "\",\"events\":";
      append_decimal(out, s.event_count);
      out += ",\"body\":";
      append_quoted(out, s.body);
      out += '}';
    }
    out += ']';
  }
  if (!fx.aborts.empty()) {
    key("\"abort\":[");
    for (std::size_t i = 0; i < fx.aborts.size(); ++i) {
      if (i) out += ',';
      append_decimal(out, fx.aborts[i]);
    }
    out += ']';
  }
  if (fx.wake_changed) {
    key("\"wake\":");
    // Whole milliseconds, rounded up so the host never wakes before the deadline.
    if (fx.wake_at_ms) {
      append_decimal(out, static_cast<long long>(std::ceil(*fx.wake_at_ms >= 0 && *fx.wake_at_ms < 9e15 ? *fx.wake_at_ms : 0)));
    } else {
      out += "null";
    }
  }
  if (!fx.handover.empty()) {
    key("\"handover\":{\"events\":");
    append_decimal(out, fx.handover_events);
    out += ",\"snapshot\":";
    append_quoted(out, fx.handover);
    out += '}';
  }
  if (fx.persist) key("\"persist\":true");
  if (!fx.tabs.empty()) append_tab_effects(out, key, fx.tabs);
  if (!fx.logs.empty()) {
    key("\"log\":[");
    for (std::size_t i = 0; i < fx.logs.size(); ++i) {
      out += i ? ",{\"level\":\"" : "{\"level\":\"";
      out += to_string(fx.logs[i].level);
      out += "\",\"msg\":";
      append_quoted(out, fx.logs[i].message);
      out += '}';
    }
    out += ']';
  }
  if (fx.identity) {
    const IdentityEffect& id = *fx.identity;
    key("\"identity\":{\"session\":");
    append_quoted(out, id.session_id);
    out += ",\"profile\":";
    if (id.profile_id) append_quoted(out, *id.profile_id);
    else out += "null";
    out += ",\"device\":";
    append_quoted(out, id.device_id);
    out += ",\"sessionTtlS\":";
    append_decimal(out, static_cast<long>(policy::session_ttl_ms / 1000));
    out += '}';
  }
  if (!fx.ux_items.empty()) {
    key("\"ux\":[");
    for (std::size_t i = 0; i < fx.ux_items.size(); ++i) {
      if (i) out += ',';
      out += fx.ux_items[i];
    }
    out += ']';
  }
  if (fx.ready_context) {
    key("\"ready\":{\"context\":");
    out += *fx.ready_context;
    out += '}';
  }
  out += '}';
  return out;
}

}  // namespace tracker
