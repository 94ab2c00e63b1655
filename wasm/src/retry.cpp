#include "retry.hpp"

#include <algorithm>
#include <array>
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

// "Sun, 06 Nov 1994 08:49:37 GMT" -> epoch ms.
std::optional<double> parse_imf_fixdate(std::string_view s) {
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s.substr(26) != "GMT") return std::nullopt;
  long long day, year, hh, mm, ss;
  if (!parse_uint(s.substr(5, 2), day) || !parse_uint(s.substr(12, 4), year) ||
      !parse_uint(s.substr(17, 2), hh) || !parse_uint(s.substr(20, 2), mm) ||
      !parse_uint(s.substr(23, 2), ss)) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < months.size(); ++i) {
    if (s.substr(8, 3) == months[i]) month = i + 1;
  }
  if (month == 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
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
