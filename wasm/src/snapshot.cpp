#include "snapshot.hpp"

#include <cmath>
#include "decimal.hpp"
#include "json_scan.hpp"
#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

void append_number(std::string& out, double v) {
  // Clamped before the cast: a double outside long long's range would be undefined behaviour.
  detail::append_decimal(out, static_cast<long long>(v >= 0 && v < 9e15 ? v : 0));
}

// The integer part of a JSON number's text ("3", "-1", "2.5" -> 2, "1e2" -> 1: what strtoll
// read), saturating instead of overflowing; the caller clamps it to the policy's range anyway.
long long leading_integer(std::string_view text) {
  std::size_t i = !text.empty() && text.front() == '-' ? 1 : 0;
  long long v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (v < 1000000000000000LL) v = v * 10 + (text[i] - '0');
  }
  return !text.empty() && text.front() == '-' ? -v : v;
}

}  // namespace

void append_snapshot_head(std::string& out, std::string_view epoch) {
  out += "{\"v\":";
  detail::append_decimal(out, policy::snapshot_version);
  if (!epoch.empty()) {
    out += ",\"g\":\"";
    out += epoch;  // digits, ':' and the tab id (hex and '-'): nothing to escape
    out += '"';
  }
  out += ",\"events\":[";
}

SnapshotEpoch snapshot_epoch(std::string_view text) {
  // As append_snapshot_head writes it, up to the epoch's text (a literal: ~300 bytes of wasm less
  // than building it).
  static_assert(policy::snapshot_version == 1, "the head below spells the format version");
  constexpr std::string_view head = R"({"v":1,"g":")";
  if (text.substr(0, head.size()) != head) return {};
  text.remove_prefix(head.size());
  SnapshotEpoch e;
  std::size_t i = 0;
  for (; i < text.size() && i < 15 && text[i] >= '0' && text[i] <= '9'; ++i) e.n = e.n * 10 + static_cast<unsigned>(text[i] - '0');
  const std::size_t end = text.find('"', i);
  if (i == 0 || i >= text.size() || text[i] != ':' || end == std::string_view::npos) return {};
  e.tab = text.substr(i + 1, end - i - 1);
  return e;
}

void append_snapshot_entry(std::string& out, const QueuedEvent& e) {
  // Events are kept serialized, so the snapshot is spliced, not re-encoded.
  out += "{\"a\":";
  detail::append_decimal(out, e.attempts);
  if (e.failed) out += ",\"f\":1";
  out += ",\"t\":";
  append_number(out, e.enqueued_ms);
  out += ",\"e\":";
  out += e.json;
  out += '}';
}

void EnvelopeTable::entry(std::string& out, const QueuedEvent& e) {
  append_snapshot_entry(out, e);
  if (e.envelope.empty()) return;
  std::size_t i = 0;
  while (i < envelopes.size() && *envelopes[i] != e.envelope) ++i;
  if (i == envelopes.size()) envelopes.push_back(&e.envelope);
  out.pop_back();  // the entry's '}'
  out += ",\"p\":";
  detail::append_decimal(out, i);
  out += '}';
}

void EnvelopeTable::end(std::string& out) const {
  out += ']';
  if (!envelopes.empty()) {
    out += ",\"p\":[";
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      if (i) out += ',';
      out += *envelopes[i];
    }
    out += ']';
  }
  out += '}';
}

std::string write_snapshot(const EventQueue& queue, int outliving, std::string_view epoch) {
  std::string out;
  out.reserve(queue.bytes() + queue.size() * 40 + 32 + epoch.size());
  append_snapshot_head(out, epoch);
  EnvelopeTable table;
  bool first = true;
  for (const QueuedEvent& e : queue.events()) {
    // On a request the browser finishes after the page is gone: not the next page's to send.
    if (!in_snapshot(e, outliving)) continue;
    if (!first) out += ',';
    first = false;
    table.entry(out, e);
  }
  table.end(out);
  return out;
}

RestoredQueue read_snapshot(std::string_view text) {
  RestoredQueue r;
  if (text.empty()) return r;
  // Each entry is read straight into the event it becomes (a vector of another entry type would
  // bring its own growth code into the wasm); `shape` marks, per entry, what a usable one needs.
  constexpr char is_object = 1, has_type = 2;
  std::vector<QueuedEvent>& events = r.events;
  std::string shape;
  std::string version;
  bool events_is_array = false;
  JsonScanner scanner;
  scanner.on_value = [&](const JsonPath& path, JsonKind kind, std::string_view v) {
    if (path_is(path, "v") && kind == JsonKind::number) version = std::string(v);
    else if (path_is(path, "events")) events_is_array = kind == JsonKind::array;
    else if (path_is(path, "events.[]")) {
      events.push_back(QueuedEvent{});
      events.back().due = true;  // restored events go out with the next batch
      events.back().sends = 1;   // tried by an earlier page (or tab): its outage rules apply
      shape.push_back(kind == JsonKind::object ? is_object : 0);
    } else if (events.empty() || !events_is_array) {
      return;
    } else if (path_is(path, "events.[].a") && kind == JsonKind::number) {
      const long long attempts = leading_integer(v);
      events.back().attempts =
          attempts < 0 ? 0 : (attempts > policy::max_attempts ? policy::max_attempts : static_cast<int>(attempts));
    } else if (path_is(path, "events.[].f")) {
      events.back().failed = true;
    } else if (path_is(path, "events.[].t") && kind == JsonKind::number) {
      const double t = read_decimal(v);
      events.back().enqueued_ms = std::isfinite(t) ? t : 0;
    } else if (path_is(path, "events.[].e.id") && kind == JsonKind::string) {
      events.back().id = std::string(v);
    } else if (path_is(path, "events.[].p") && kind == JsonKind::number) {
      events.back().envelope = std::string(v);  // an index into "p", resolved below
    } else if (path_is(path, "events.[].e.type") && kind == JsonKind::string) {
      // The last "type" decides, as the last value of a repeated key does.
      shape.back() = static_cast<char>(v.empty() ? shape.back() & ~has_type : shape.back() | has_type);
    }
  };
  std::vector<std::string> envelopes;  // the "p" table: envelopes of other tabs' events
  scanner.capture = [](const JsonPath& path) { return path_is(path, "events.[].e") || path_is(path, "p.[]"); };
  scanner.on_captured = [&events, &envelopes](const JsonPath& path, std::string&& json) {
    if (path.size() == 2) {
      envelopes.push_back(json.front() == '{' ? std::move(json) : std::string());
    } else if (!events.empty() && !json.empty() && json.front() == '{') {
      events.back().json = std::move(json);
    }
  };
  const char* broken = nullptr;
  if (!scanner.scan(text) || scanner.root != JsonKind::object) broken = "is corrupt";
  else if (version != detail::decimal(policy::snapshot_version)) broken = "has an unknown format version";
  else if (!events_is_array) broken = "has no event list";
  if (broken) {
    events.clear();
    r.warning = std::string("stored queue ") + broken + "; starting with an empty queue";
    return r;
  }
  for (QueuedEvent& e : events) {
    if (e.envelope.empty()) continue;
    const long long i = leading_integer(e.envelope);
    e.envelope = i >= 0 && static_cast<std::size_t>(i) < envelopes.size() ? envelopes[i] : std::string();
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (shape[i] != (is_object | has_type) || events[i].id.empty() || events[i].json.empty()) continue;
    if (kept != i) events[kept] = std::move(events[i]);
    ++kept;
  }
  const std::size_t skipped = events.size() - kept;
  events.erase(events.begin() + static_cast<std::ptrdiff_t>(kept), events.end());
  if (skipped > 0) {
    r.warning = "stored queue: discarded " + detail::decimal(skipped) + " unreadable entries";
  }
  return r;
}

}  // namespace detail
}  // namespace tracker
