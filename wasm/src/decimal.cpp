#include "decimal.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace tracker {
namespace detail {
namespace {

// 128-bit integers keep the scaling exact; clang lowers them to a few small compiler-rt calls.
__extension__ typedef unsigned __int128 u128;

// A decimal number split into its first (up to 19) significant digits and a power of ten:
// value = digits * 10^exp10 (+ something below one unit of the last kept digit when `inexact`).
struct Decimal {
  bool negative = false;
  std::uint64_t digits = 0;
  int kept = 0;          // significant digits in `digits`
  long exp10 = 0;
  bool inexact = false;  // non-zero digits were dropped after the 19th
  std::size_t end = 0;   // characters consumed; 0 when no number was read
};

constexpr int max_kept = 19;  // 10^19 - 1 < 2^64
constexpr long exp_limit = 100000;  // far beyond any double; keeps the exponent arithmetic safe

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Longest prefix of `t` in the form [-]digits[.digits][(e|E)[+-]digits].
Decimal split(std::string_view t) {
  Decimal d;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) d.negative = t[i++] == '-';
  bool any = false;
  long dropped = 0;  // integer digits not kept (each multiplies by ten)
  auto take = [&](char c, bool fraction) {
    any = true;
    if (d.kept == 0 && c == '0') {
      if (fraction) --d.exp10;  // a leading zero after the point scales the value down
      return;
    }
    if (d.kept < max_kept) {
      d.digits = d.digits * 10 + static_cast<unsigned>(c - '0');
      ++d.kept;
      if (fraction) --d.exp10;
    } else {
      if (c != '0') d.inexact = true;
      if (!fraction) ++dropped;
    }
  };
  while (i < t.size() && is_digit(t[i])) take(t[i++], false);
  if (i < t.size() && t[i] == '.') {
    std::size_t j = i + 1;
    while (j < t.size() && is_digit(t[j])) take(t[j++], true);
    if (j > i + 1 || any) i = j;  // "5." reads as 5, a lone "." as nothing
  }
  if (!any) return d;
  d.exp10 += dropped;
  d.end = i;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    std::size_t j = i + 1;
    bool neg_exp = false;
    if (j < t.size() && (t[j] == '-' || t[j] == '+')) neg_exp = t[j++] == '-';
    if (j < t.size() && is_digit(t[j])) {
      long e = 0;
      while (j < t.size() && is_digit(t[j])) {
        if (e < exp_limit) e = e * 10 + (t[j] - '0');
        ++j;
      }
      d.exp10 += neg_exp ? -e : e;
      d.end = j;
    }
  }
  return d;
}

int bit_length(u128 v) {
  int n = 0;
  while (v) {
    v >>= 1;
    ++n;
  }
  return n;
}

// q * 2^exp2, rounded to nearest (ties to even) into 53 bits; `sticky` says the true value is a
// little above q. Exact for results in the normal range.
double round_to_double(u128 q, bool sticky, int exp2) {
  if (q == 0) return 0;
  const int len = bit_length(q);
  if (len > 53) {
    const int shift = len - 53;
    const u128 rest = q & ((u128{1} << shift) - 1);
    const u128 half = u128{1} << (shift - 1);
    q >>= shift;
    exp2 += shift;
    if (rest > half || (rest == half && (sticky || (q & 1)))) ++q;  // may carry to 2^53: still exact
  }
  return std::ldexp(static_cast<double>(static_cast<std::uint64_t>(q)), exp2);
}

u128 pow10(int n) {
  u128 p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

double magnitude(const Decimal& d) {
  if (d.digits == 0) return 0;
  if (d.exp10 >= 0) {
    if (d.exp10 <= 19) return round_to_double(u128{d.digits} * pow10(static_cast<int>(d.exp10)), d.inexact, 0);
    // Past 1e38: no clock or count is this large; scaled in doubles (a few ulp at most).
    double v = round_to_double(u128{d.digits} * pow10(19), d.inexact, 0);
    for (long e = d.exp10 - 19; e > 0 && std::isfinite(v); --e) v *= 10;
    return v;
  }
  const long k = -d.exp10;
  // digits / 10^k: shift the digits up so the quotient keeps well over 54 bits, then round once.
  const int shift = 127 - bit_length(d.digits);
  const u128 num = u128{d.digits} << shift;
  if (k <= 19) {
    const u128 den = pow10(static_cast<int>(k));
    return round_to_double(num / den, d.inexact || num % den != 0, -shift);
  }
  // Below 1e-19 (never a clock or count): scaled in doubles.
  const u128 den = pow10(19);
  double v = round_to_double(num / den, true, -shift);
  for (long e = k - 19; e > 0 && v != 0; --e) v /= 10;
  return v;
}

bool starts_with(std::string_view t, std::string_view p) { return t.substr(0, p.size()) == p; }

}  // namespace

double read_decimal(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view unsigned_text = negative ? text.substr(1) : text;
  if (starts_with(unsigned_text, "Infinity")) {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  if (starts_with(text, "NaN")) return std::numeric_limits<double>::quiet_NaN();
  const Decimal d = split(text);
  if (d.end == 0) return 0;  // no number at all: 0, as strtod
  const double v = magnitude(d);
  return d.negative ? -v : v;
}

bool json_number_overflows(std::string_view text) {
  // 2^1024 - 2^970, all 309 digits: the smallest magnitude strtod rounds to infinity.
  static constexpr std::string_view limit =
      "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
      "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
      "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
      "699508093042880177904174497792";
  static_assert(limit.size() == 309);
  std::size_t i = text.empty() || text.front() != '-' ? 0 : 1;
  // The significant digits (no sign, point or leading zeros) and the decimal exponent of the first.
  std::string_view mantissa = text.substr(i);
  std::size_t e_pos = mantissa.find_first_of("eE");
  std::string_view exponent_text = e_pos == std::string_view::npos ? std::string_view{} : mantissa.substr(e_pos + 1);
  mantissa = mantissa.substr(0, e_pos);
  const std::size_t point = mantissa.find('.');
  const std::string_view int_part = mantissa.substr(0, point);
  const std::string_view frac_part = point == std::string_view::npos ? std::string_view{} : mantissa.substr(point + 1);

  long exp10 = static_cast<long>(int_part.size());  // value = 0.d1d2d3... * 10^exp10
  std::size_t lead = 0;  // leading zeros over int_part then frac_part
  while (lead < int_part.size() + frac_part.size()) {
    const char c = lead < int_part.size() ? int_part[lead] : frac_part[lead - int_part.size()];
    if (c != '0') break;
    ++lead;
  }
  if (lead == int_part.size() + frac_part.size()) return false;  // zero
  exp10 -= static_cast<long>(lead);

  long e = 0;
  bool neg_exp = false;
  std::size_t j = 0;
  if (j < exponent_text.size() && (exponent_text[j] == '-' || exponent_text[j] == '+')) neg_exp = exponent_text[j++] == '-';
  for (; j < exponent_text.size(); ++j) {
    if (e < exp_limit) e = e * 10 + (exponent_text[j] - '0');
  }
  exp10 += neg_exp ? -e : e;

  const long limit_exp = static_cast<long>(limit.size());
  if (exp10 != limit_exp) return exp10 > limit_exp;
  // Same order of magnitude: compare the digits with the limit's, the shorter padded with zeros.
  std::size_t k = 0;
  for (std::size_t p = lead; p < int_part.size() + frac_part.size(); ++p, ++k) {
    const char c = p < int_part.size() ? int_part[p] : frac_part[p - int_part.size()];
    const char l = k < limit.size() ? limit[k] : '0';
    if (c != l) return c > l;
  }
  return k >= limit.size() || limit.find_first_not_of('0', k) == std::string_view::npos;  // equal: overflows
}

}  // namespace detail
}  // namespace tracker
