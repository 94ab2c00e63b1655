#include "snapshot.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "json_text.hpp"

#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;

std::string number_text(double v) {
  return json(static_cast<long long>(std::isfinite(v) ? v : 0)).dump();
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace

std::string write_snapshot(const EventQueue& queue) {
  // Events are kept serialized, so the snapshot is spliced, not re-encoded.
  std::string out;
  out.reserve(queue.bytes() + queue.size() * 40 + 32);
  out += "{\"v\":";
  out += std::to_string(policy::snapshot_version);
  out += ",\"events\":[";
  bool first = true;
  for (const QueuedEvent& e : queue.events()) {
    if (!first) out += ',';
    first = false;
    out += "{\"a\":";
    out += std::to_string(e.attempts);
    out += ",\"t\":";
    out += number_text(e.enqueued_ms);
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
  const json doc = parse_json(text);
  if (doc.is_discarded() || !doc.is_object()) {
    r.warning = "stored queue is corrupt; starting with an empty queue";
    return r;
  }
  auto v = doc.find("v");
  if (v == doc.end() || !v->is_number_integer() || v->get<long long>() != policy::snapshot_version) {
    r.warning = "stored queue has an unknown format version; starting with an empty queue";
    return r;
  }
  auto events = doc.find("events");
  if (events == doc.end() || !events->is_array()) {
    r.warning = "stored queue has no event list; starting with an empty queue";
    return r;
  }
  std::size_t skipped = 0;
  for (const json& item : *events) {
    const json* e = member(item, "e");
    const json* id = e ? member(*e, "id") : nullptr;
    const json* type = e ? member(*e, "type") : nullptr;
    if (e == nullptr || !e->is_object() || id == nullptr || !id->is_string() || type == nullptr ||
        !type->is_string() || id->get_ref<const std::string&>().empty()) {
      ++skipped;
      continue;
    }
    QueuedEvent q;
    q.id = id->get_ref<const std::string&>();
    q.json = e->dump(-1, ' ', false, json::error_handler_t::replace);
    if (const json* a = member(item, "a"); a != nullptr && a->is_number_integer()) {
      const long long n = a->get<long long>();
      q.attempts = n < 0 ? 0 : (n > policy::max_attempts ? policy::max_attempts : static_cast<int>(n));
    }
    if (const json* t = member(item, "t"); t != nullptr && t->is_number()) {
      const double ms = t->get<double>();
      q.enqueued_ms = std::isfinite(ms) ? ms : 0;
    }
    q.due = true;  // restored events go out with the next batch
    r.events.push_back(std::move(q));
  }
  if (skipped > 0) {
    r.warning = "stored queue had " + std::to_string(skipped) + " unreadable entries; they were discarded";
  }
  return r;
}

}  // namespace detail
}  // namespace tracker
