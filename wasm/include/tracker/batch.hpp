// Many track() calls in one boundary crossing. The host queues the calls of one task and hands
// them over together (one Embind call per task instead of one per event).
//
// Records are separated by RS (0x1e), fields by US (0x1f):
//   type-as-JSON-string US properties-JSON US options-JSON US wall_ms US mono_ms US created_ms US
//   r0 US r1 US r2 US r3
// (properties/options may be empty). JSON text never contains a raw 0x1e/0x1f, so no escaping is
// needed. The result has one record per input record: flags US (error text if flags < 0, else the
// event id: the host logs it for deferred events and matches fire events to their request).
#pragma once

#include <string>
#include <string_view>

#include "tracker/tracker.hpp"

namespace tracker {

inline constexpr char record_separator = '\x1e';
inline constexpr char field_separator = '\x1f';

std::string track_batch(Tracker& tracker, std::string_view records);

}  // namespace tracker
