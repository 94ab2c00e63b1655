// Versioned persistence format of the unsent queue:
//   {"v":1[,"g":"<epoch>:<tab>"],"events":[{"a":<attempts>[,"f":1],"t":<first enqueue ms>,"e":<event object>
//    [,"p":<i>]}, ...][,"p":[<envelope>, ...]]}
// "f": an attempt of the event failed (QueuedEvent::failed); builds before it ignore it.
// "g": which leader wrote it (tab_protocol.hpp, "epochs"): the election number and the tab. Only a
// leader's copy of the shared queue carries it; builds before it ignore it.
// "p": the payload envelopes of other tabs' events (Tracker::envelope), each written once; an
// entry names its envelope by index. Builds before it ignore them (the leader's envelope then).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event_queue.hpp"

namespace tracker {
namespace detail {

// Events on a keepalive/beacon request are left out: the browser delivers that request even after
// the page is gone, so the next page re-sending them would only make copies.
// outliving (Tracker::copy_outliving): which events on a request the browser would finish after
// the page is gone are kept anyway: 2 all (while the page lives: its core may die before the
// answer, a trap, and the answer be a failure), 1 those that failed before (a hidden page: a
// retry most likely goes into the outage it met, which a holder that restored it may not know),
// 0 none (a page leaving: its leave's rules). epoch: "g"'s text ("" writes none).
std::string write_snapshot(const EventQueue& queue, int outliving = 0, std::string_view epoch = {});
// Whether write_snapshot writes `e` (the rule above; in_copy: the page kept it in its copy anyway,
// sent into an outage at its leave). Also what a leader's ack calls "written" (Tracker::in_key).
inline bool in_snapshot(const QueuedEvent& e, int outliving) {
  return e.owner == 0 || !e.outliving || e.in_copy || outliving > 1 || (outliving == 1 && e.failed);
}
// The pieces of that text, for a snapshot written event by event (a hand-over): the head up to
// the event list's '[', and one entry of the list; the list ends with "]}".
void append_snapshot_head(std::string& out, std::string_view epoch = {});
// "g" of a text write_snapshot wrote: its election number (0: none, or not this format) and the
// writing tab. Read from the head alone: the election compares two texts of up to a megabyte.
struct SnapshotEpoch {
  std::uint64_t n = 0;
  std::string_view tab;
};
SnapshotEpoch snapshot_epoch(std::string_view text);
void append_snapshot_entry(std::string& out, const QueuedEvent& e);

// Entries with their envelopes: entry() writes an entry, naming its envelope by index; end()
// closes the list and writes the envelope table.
struct EnvelopeTable {
  std::vector<const std::string*> envelopes;  // the queued events' own strings, not copies
  void entry(std::string& out, const QueuedEvent& e);
  void end(std::string& out) const;
};

struct RestoredQueue {
  std::vector<QueuedEvent> events;  // in saved order, owner = 0, seq = 0
  std::string warning;              // non-empty when anything was discarded
};

// Never throws. Empty input restores nothing silently; corrupt, truncated or unknown-version input
// restores nothing (or only the valid entries) with a warning.
RestoredQueue read_snapshot(std::string_view text);

}  // namespace detail
}  // namespace tracker
