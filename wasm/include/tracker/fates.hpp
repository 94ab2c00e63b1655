// The recent events' fates (issue 23): every decision the core takes about an event, as one JSON
// line per step, oldest first. tracker.inspect() and the debug printer (js-glue) read it; the
// glue only groups the lines by event id, so what each step means is said here, once.
//
// A line: {"id":"<event id>","step":"<step>","at":<wall ms>, ...the step's members}. Steps:
//   queued    taken in by track() ("type"; "fire":1 for a fire/asBeacon event)
//   held      taken in while the visitor's consent is pending (as queued)
//   restored  taken in from a stored queue: an earlier page's, or another tab's (a hand-over)
//   sent      on a request ("request": its number in this page, "transport")
//   acked     answered 2xx ("status")
//   beacon    given to sendBeacon: the browser does not say whether it arrived
//   retry     back in the queue after a failed answer ("status", 0 for none; "wait": ms until
//             the next try is allowed; "attempts": budget units used of policy::max_attempts)
//   handed    handed over to the leader tab, which sends it (a follower's last word on it)
//   dropped   gone for good ("reason": queue_full, expired, max_attempts, rejected_<status>,
//             too_large, consent, superseded, handover_bound; "detail": the server's reason for a
//             refusal)
// The current fate of an event is its last line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tracker {
namespace detail {

enum class Fate : std::uint8_t { queued, held, restored, sent, acked, beacon, retry, handed, dropped };

class FateLog {
 public:
  // One step of event `id` at wall time `wall_ms`. The step's members, by position (names in
  // fates.cpp): up to three numbers (a negative one is left out) and two texts ("" left out).
  // Past policy::fate_log_bytes * 2 the oldest lines go, down to fate_log_bytes (whole lines:
  // each stays valid JSON).
  void note(std::string_view id, Fate step, double wall_ms, std::int64_t n0 = -1, std::int64_t n1 = -1,
            std::int64_t n2 = -1, std::string_view s0 = {}, std::string_view s1 = {});
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace detail
}  // namespace tracker
