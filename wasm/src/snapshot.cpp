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

std::string write_snapshot(const EventQueue& queue) {
  // Events are kept serialized, so the snapshot is spliced, not re-encoded.
  std::string out;
  out.reserve(queue.bytes() + queue.size() * 40 + 32);
  out += "{\"v\":";
  detail::append_decimal(out, policy::snapshot_version);
  out += ",\"events\":[";
  bool first = true;
  for (const QueuedEvent& e : queue.events()) {
    // On a request the browser finishes after the page is gone: not the next page's to send.
    if (e.owner != 0 && e.outliving) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"a\":";
    detail::append_decimal(out, e.attempts);
    out += ",\"t\":";
    append_number(out, e.enqueued_ms);
    out += ",\"e\":";
    out += e.json;
    out += '}';
  }
  out += "]}";
  return out;
}

RestoredQueue read_snapshot(std::string_view text) {
  RestoredQueue r;
  if (text.empty()) return r;
  struct Entry {
    bool object = false;
    std::string id, type, json;
    std::string attempts, time;
  };
  std::vector<Entry> entries;
  std::string version;
  bool events_is_array = false;
  JsonScanner scanner;
  scanner.on_value = [&](const JsonPath& path, JsonKind kind, std::string_view v) {
    if (path_is(path, "v") && kind == JsonKind::number) version = std::string(v);
    else if (path_is(path, "events")) events_is_array = kind == JsonKind::array;
    else if (path_is(path, "events.[]")) entries.push_back(Entry{kind == JsonKind::object, {}, {}, {}, {}, {}});
    else if (entries.empty() || !events_is_array) return;
    else if (path_is(path, "events.[].a") && kind == JsonKind::number) entries.back().attempts = std::string(v);
    else if (path_is(path, "events.[].t") && kind == JsonKind::number) entries.back().time = std::string(v);
    else if (path_is(path, "events.[].e.id") && kind == JsonKind::string) entries.back().id = std::string(v);
    else if (path_is(path, "events.[].e.type") && kind == JsonKind::string) entries.back().type = std::string(v);
  };
  scanner.capture = [](const JsonPath& path) { return path_is(path, "events.[].e"); };
  scanner.on_captured = [&entries](const JsonPath&, std::string&& json) {
    if (!entries.empty() && !json.empty() && json.front() == '{') entries.back().json = std::move(json);
  };
  if (!scanner.scan(text) || scanner.root != JsonKind::object) {
    r.warning = "stored queue is corrupt; starting with an empty queue";
    return r;
  }
  if (version != detail::decimal(policy::snapshot_version)) {
    r.warning = "stored queue has an unknown format version; starting with an empty queue";
    return r;
  }
  if (!events_is_array) {
    r.warning = "stored queue has no event list; starting with an empty queue";
    return r;
  }
  std::size_t skipped = 0;
  for (Entry& e : entries) {
    if (!e.object || e.id.empty() || e.type.empty() || e.json.empty()) {
      ++skipped;
      continue;
    }
    QueuedEvent q;
    q.id = std::move(e.id);
    q.json = std::move(e.json);
    const long long attempts = leading_integer(e.attempts);
    q.attempts = attempts < 0 ? 0 : (attempts > policy::max_attempts ? policy::max_attempts : static_cast<int>(attempts));
    const double t = read_decimal(e.time);
    q.enqueued_ms = std::isfinite(t) ? t : 0;
    q.due = true;  // restored events go out with the next batch
    r.events.push_back(std::move(q));
  }
  if (skipped > 0) {
    r.warning = "stored queue: discarded " + detail::decimal(skipped) + " unreadable entries";
  }
  return r;
}

}  // namespace detail
}  // namespace tracker
