// Backoff and Retry-After arithmetic (pure functions over policy.hpp).
#pragma once

#include <optional>
#include <string_view>

namespace tracker {
namespace detail {

// Delay before retry number `failures` (1-based): base x 2^(failures-1), capped, with +-jitter
// drawn from `unit` in [0, 1).
double backoff_delay_ms(int failures, double unit);

// Parses a Retry-After header: delta-seconds or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
// Returns the wait in ms, floored and capped by policy, or nullopt when absent or malformed.
std::optional<double> parse_retry_after_ms(std::string_view header, double now_epoch_ms);

}  // namespace detail
}  // namespace tracker
