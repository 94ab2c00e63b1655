#include "tracker/batch.hpp"

#include <array>
#include "decimal.hpp"
#include "json_scan.hpp"
#include "json_text.hpp"

namespace tracker {
namespace {

// The type arrives as JSON string text ("\"page-view\""): unescape it, cheaply when plain.
std::string unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"' &&
      text.find('\\') == std::string_view::npos) {
    return std::string(text.substr(1, text.size() - 2));
  }
  std::string out;
  detail::JsonScanner scanner;
  scanner.on_value = [&out](const detail::JsonPath& path, detail::JsonKind kind, std::string_view v) {
    if (path.empty() && kind == detail::JsonKind::string) out = std::string(v);
  };
  scanner.scan(text);
  return out;  // empty (rejected by track as an empty type) when it was not a JSON string
}

// The host writes numbers with String(number); read_decimal gives them back exactly.
double number(std::string_view text) { return detail::read_decimal(text); }

// Entropy words arrive as decimal text; anything outside uint32 (or NaN) is 0, never a cast of an
// out-of-range double (undefined behaviour).
std::uint32_t word(std::string_view text) {
  const double v = number(text);
  return v >= 0 && v < 4294967296.0 ? static_cast<std::uint32_t>(v) : 0;
}

}  // namespace

std::string track_batch(Tracker& tracker, std::string_view records) {
  std::string out;
  while (!records.empty()) {
    std::size_t end = records.find(record_separator);
    std::string_view record = records.substr(0, end);
    records = end == std::string_view::npos ? std::string_view{} : records.substr(end + 1);

    // name, properties, options, wall, mono, created, 4 entropy words [, event id (a kept call)]
    std::array<std::string_view, 11> f{};
    std::size_t n = 0;
    while (n < f.size()) {
      const std::size_t sep = record.find(field_separator);
      f[n++] = record.substr(0, sep);
      if (sep == std::string_view::npos) break;
      record = record.substr(sep + 1);
    }
    int flags;
    const bool malformed = n < f.size() - 1;
    if (malformed) {
      flags = -1;  // a malformed record is reported, never guessed at
    } else {
      const Entropy e{{word(f[6]), word(f[7]), word(f[8]), word(f[9])}};
      flags = tracker.track(unquote(f[0]), f[1], f[2], Clock{number(f[3]), number(f[4])}, number(f[5]), e, f[10]);
    }
    detail::append_decimal(out, flags);
    out += field_separator;
    if (malformed) out += "track: malformed call record";
    else if (flags < 0) out += tracker.last_error();
    else out += tracker.last_event_id();  // the host correlates fire events with their answer
    out += record_separator;
  }
  return out;
}

}  // namespace tracker
