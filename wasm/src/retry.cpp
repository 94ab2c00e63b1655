#include "retry.hpp"

#include <algorithm>
#include <cmath>

#include "json_text.hpp"
#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

bool parse_uint(std::string_view s, long long& out) {
  if (s.empty() || s.size() > 12) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" -> epoch ms. Table-driven: one loop over the numeric fields
// and one search of the month names instead of five parse calls and twelve comparisons inlined.
std::optional<double> parse_imf_fixdate(std::string_view s) {
  // Offset and width of day, year, hour, minute, second.
  static constexpr unsigned char fields[5][2] = {{5, 2}, {12, 4}, {17, 2}, {20, 2}, {23, 2}};
  // A match elsewhere than at a multiple of 3 ("anF") is no month.
  constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() != 29 || s[3] != ',' || s.substr(26) != "GMT") return std::nullopt;
  long long v[5];
  for (int i = 0; i < 5; ++i) {
    if (!parse_uint(s.substr(fields[i][0], fields[i][1]), v[i])) return std::nullopt;
  }
  const long long day = v[0], year = v[1], hh = v[2], mm = v[3], ss = v[4];
  const std::size_t at = months.find(s.substr(8, 3));
  if (at == std::string_view::npos || at % 3 != 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  const unsigned month = static_cast<unsigned>(at / 3 + 1);
  const long long days = days_from_civil(year, month, static_cast<unsigned>(day));
  return static_cast<double>(((days * 24 + hh) * 60 + mm) * 60 + ss) * 1000.0;
}

}  // namespace

double backoff_delay_ms(int failures, double unit) {
  const int exponent = std::clamp(failures - 1, 0, 30);
  const double raw = std::min(policy::backoff_cap_ms, policy::backoff_base_ms * std::ldexp(1.0, exponent));
  const double u = (std::isfinite(unit) && unit >= 0 && unit < 1) ? unit : 0.5;
  return raw * (1.0 + policy::backoff_jitter * (2.0 * u - 1.0));
}

std::optional<double> parse_retry_after_ms(std::string_view header, double now_epoch_ms) {
  header = trim(header);
  if (header.empty()) return std::nullopt;
  double wait_ms;
  long long seconds;
  if (parse_uint(header, seconds)) {
    wait_ms = static_cast<double>(seconds) * 1000.0;
  } else if (auto at = parse_imf_fixdate(header)) {
    wait_ms = std::max(0.0, *at - now_epoch_ms);
  } else {
    return std::nullopt;
  }
  return std::clamp(wait_ms, policy::retry_after_floor_ms, policy::retry_after_cap_ms);
}

}  // namespace detail
}  // namespace tracker
