#include "decimal.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace tracker {
namespace detail {
namespace {

// 128-bit integers keep the rounding check exact. Only multiplications and shifts: clang lowers
// them to one small compiler-rt call, while a 128-bit division would bring __udivti3 (~0.75 KB).
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

// In [-exact_exp, exact_exp] 5^|exp10| fits 64 bits, so the rounding check below is exact.
constexpr long exact_exp = 27;

std::uint64_t bits_of(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double from_bits(std::uint64_t b) {
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// Compares a * 2^ea with b * 2^eb. Callers pass values within a few ulp of each other, so
// aligning them never shifts bits out of 128.
int compare_scaled(u128 a, int ea, u128 b, int eb) {
  if (ea >= eb) a <<= (ea - eb);
  else b <<= (eb - ea);
  return a < b ? -1 : (a > b ? 1 : 0);
}

// digits * 10^exp10 (|exp10| <= exact_exp) against the double r * 2^e2 (r odd: a midpoint).
int compare_with(const Decimal& d, u128 r, int e2) {
  u128 five = 1;
  for (long i = d.exp10 < 0 ? -d.exp10 : d.exp10; i > 0; --i) five *= 5;
  // 10^n = 5^n * 2^n: the power of two joins the binary exponent.
  if (d.exp10 >= 0) return compare_scaled(u128{d.digits} * five, static_cast<int>(d.exp10), r, e2);
  return compare_scaled(u128{d.digits}, 0, r * five, e2 - static_cast<int>(d.exp10));
}

double magnitude(const Decimal& d) {
  if (d.digits == 0) return 0;
  // A first guess in doubles: within a few ulp (10^n is exact up to 10^22, one rounding beyond).
  double v = static_cast<double>(d.digits);
  long e = d.exp10;
  for (; e > 22; e -= 22) v *= 1e22;
  for (; e < -22; e += 22) v /= 1e22;
  double p = 1;
  for (long i = e < 0 ? -e : e; i > 0; --i) p *= 10;
  v = e < 0 ? v / p : v * p;
  // Past 10^+-27 (no clock or count is; a snapshot or record never holds one) the guess stands.
  if (d.exp10 > exact_exp || d.exp10 < -exact_exp) return v;
  // Otherwise step to the correctly rounded double: the guess is normal (at least 1e-27), so
  // v = m * 2^e2 with m in [2^52, 2^53), and its neighbours are one step of the bit pattern away.
  for (int guard = 0; guard < 64; ++guard) {
    const std::uint64_t b = bits_of(v);
    const u128 m = (b & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
    const int e2 = static_cast<int>(b >> 52) - 1075;
    // Above the midpoint to the next double (or on it, when m is odd or digits were dropped).
    const int up = compare_with(d, 2 * m + 1, e2 - 1);
    if (up > 0 || (up == 0 && (d.inexact || (m & 1)))) {
      v = from_bits(b + 1);
      continue;
    }
    // Below the midpoint to the previous double, whose step is half as large at a power of two.
    const bool power = m == (u128{1} << 52);
    const int down = power ? compare_with(d, 4 * m - 1, e2 - 2) : compare_with(d, 2 * m - 1, e2 - 1);
    if (down < 0 || (down == 0 && !d.inexact && (m & 1))) {
      v = from_bits(b - 1);
      continue;
    }
    break;
  }
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
  // The smallest magnitude strtod rounds to infinity, 2^1024 - 2^970, has 309 digits.
  constexpr long limit_digits = 309;
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

  if (exp10 != limit_digits) return exp10 > limit_digits;
  // Same order of magnitude (rare): the limit's digits, least significant first, computed as
  // (2^54 - 1) doubled 970 times (309 digits as data cost the wasm more than this loop).
  unsigned char limit[limit_digits] = {};
  std::size_t n = 0;
  for (std::uint64_t v = (std::uint64_t{1} << 54) - 1; v != 0; v /= 10) limit[n++] = static_cast<unsigned char>(v % 10);
  for (int doubling = 0; doubling < 970; ++doubling) {
    unsigned carry = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const unsigned x = limit[k] * 2u + carry;
      limit[k] = static_cast<unsigned char>(x % 10);
      carry = x / 10;
    }
    if (carry != 0) limit[n++] = static_cast<unsigned char>(carry);
  }
  // Compare the digits with the limit's from the most significant, the shorter padded with zeros.
  long k = limit_digits - 1;  // the limit's digit compared next
  for (std::size_t p = lead; p < int_part.size() + frac_part.size(); ++p, --k) {
    const int c = (p < int_part.size() ? int_part[p] : frac_part[p - int_part.size()]) - '0';
    const int l = k >= 0 ? limit[k] : 0;
    if (c != l) return c > l;
  }
  for (; k >= 0; --k) {
    if (limit[k] != 0) return false;  // below the limit
  }
  return true;  // equal: overflows
}

}  // namespace detail
}  // namespace tracker
