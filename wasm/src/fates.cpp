#include "tracker/fates.hpp"

#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

// Per step (Fate's order): its name, then the names of its members n0, n1, n2, s0, s1.
constexpr const char* names[][6] = {
    {"queued", "fire", "", "", "type", ""},
    {"held", "fire", "", "", "type", ""},
    {"restored", "", "", "", "", ""},
    {"sent", "request", "", "", "transport", ""},
    {"acked", "status", "", "", "", ""},
    {"beacon", "", "", "", "", ""},
    {"retry", "status", "wait", "attempts", "", ""},
    {"handed", "", "", "", "", ""},
    {"dropped", "", "", "", "reason", "detail"},
};

void member(std::string& out, const char* name) {
  out += ",\"";
  out += name;
  out += "\":";
}

}  // namespace

void FateLog::note(std::string_view id, Fate step, double wall_ms, std::int64_t n0, std::int64_t n1,
                   std::int64_t n2, std::string_view s0, std::string_view s1) {
  const char* const* row = names[static_cast<int>(step)];
  text_ += "{\"id\":";
  append_quoted(text_, id);
  member(text_, "step");
  append_quoted(text_, row[0]);
  member(text_, "at");
  // A wall clock in range (a host's odd value must not reach an undefined conversion).
  append_decimal(text_, static_cast<std::int64_t>(wall_ms > 0 && wall_ms < 1e15 ? wall_ms : 0));
  const std::int64_t n[] = {n0, n1, n2};
  for (int i = 0; i < 3; ++i) {
    if (n[i] < 0) continue;
    member(text_, row[1 + i]);
    append_decimal(text_, n[i]);
  }
  const std::string_view s[] = {s0, s1};
  for (int i = 0; i < 2; ++i) {
    if (s[i].empty()) continue;
    member(text_, row[4 + i]);
    append_quoted(text_, s[i]);
  }
  text_ += "}\n";
  // Trimmed in bulk, not per line: a batch of 1,000 answers moves the text once, not 1,000 times.
  if (text_.size() > 2 * policy::fate_log_bytes) {
    text_.erase(0, text_.find('\n', text_.size() - policy::fate_log_bytes) + 1);
  }
}

}  // namespace detail
}  // namespace tracker
