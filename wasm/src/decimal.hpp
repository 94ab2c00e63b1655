// Decimal number text -> double without the C library's strtod. musl's strtod computes in 128-bit
// long double on wasm32 and brings ~15 KB of soft-float code into the wasm, for the handful of
// numbers the core reads (host clocks, entropy words, snapshot fields) and for nlohmann's check
// that a JSON number is finite.
#pragma once

#include <string_view>

namespace tracker {
namespace detail {

// Reads what JS String(number) produces: [-]digits[.digits][e[+-]digits], "NaN", "Infinity",
// "-Infinity". Correctly rounded (the same double as strtod) for up to 19 significant digits
// whose last digit has a decimal exponent within +-27 (at most 27 places after the point, and
// below 1e46): that covers every number JS prints for a clock, a uint32 or a count (17 digits
// down to 1e-10). Outside that range the result is within a few ulp (scaled in doubles). Like
// strtod it reads the longest numeric prefix, and text with no number reads as 0.
double read_decimal(std::string_view text);

// For a number that is valid JSON grammar: true when strtod would overflow it to +-infinity,
// i.e. its magnitude is at least 2^1024 - 2^970 (halfway between DBL_MAX and 2^1024). Decided
// on the digits, exactly.
bool json_number_overflows(std::string_view text);

}  // namespace detail
}  // namespace tracker
