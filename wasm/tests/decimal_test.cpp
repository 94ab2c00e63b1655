#include "decimal.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "json_scan.hpp"

namespace tracker {
namespace detail {
namespace {

// JS String(number) prints the shortest text that reads back to the same double, like to_chars.
std::string shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void expect_same_as_strtod(const std::string& text) {
  const double want = std::strtod(text.c_str(), nullptr);
  const double got = read_decimal(text);
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << text;
  } else {
    EXPECT_EQ(std::memcmp(&want, &got, sizeof want), 0) << text << " read as " << shortest(got) << ", strtod "
                                                       << shortest(want);
  }
}

TEST(Decimal, ReadsWhatTheHostSendsExactly) {
  for (const char* t : {"0", "-0", "1", "4294967295", "4294967296", "1764540000000.123", "1764540000000",
                        "12345.678900000001", "0.1", "0.000123", "1e+21", "1.5e-7", "9007199254740993",
                        "9e15", "123456789012345678", "-1764540000000.5", "1E5", "0.30000000000000004", "17.000000000000004"}) {
    expect_same_as_strtod(t);
  }
  // Outside the exact range (never a clock or a count) the result is still within a few ulp.
  for (const char* t : {"1.7976931348623157e+308", "2.2250738585072014e-308", "4.2639425391583277e-10", "1e-30"}) {
    const double want = std::strtod(t, nullptr);
    EXPECT_NEAR(read_decimal(t), want, std::fabs(want) * 1e-14) << t;
  }
  EXPECT_EQ(read_decimal("1764540000000.123"), 1764540000000.123);
  EXPECT_EQ(read_decimal("4294967295"), 4294967295.0);
  EXPECT_EQ(read_decimal("Infinity"), HUGE_VAL);
  EXPECT_EQ(read_decimal("-Infinity"), -HUGE_VAL);
  EXPECT_TRUE(std::isnan(read_decimal("NaN")));
}

TEST(Decimal, ReadsLikeStrtodOnPrefixesAndGarbage) {
  EXPECT_EQ(read_decimal(""), 0);
  EXPECT_EQ(read_decimal("abc"), 0);
  EXPECT_EQ(read_decimal("-"), 0);
  EXPECT_EQ(read_decimal("."), 0);
  EXPECT_EQ(read_decimal("12abc"), 12);
  EXPECT_EQ(read_decimal("5."), 5);
  EXPECT_EQ(read_decimal("2e"), 2);
  EXPECT_EQ(read_decimal("2e+"), 2);
  EXPECT_EQ(read_decimal("1e999999999999999999"), HUGE_VAL);
  EXPECT_EQ(read_decimal("1e-999999999999999999"), 0);
}

// Every double a clock, an entropy word or a count can be, printed the way JS prints it.
TEST(Decimal, RoundTripsShortestTextOfRandomDoubles) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> wall(1.0e12, 4.0e12), mono(0, 1.0e9), unit(0.1, 1);
  std::uniform_int_distribution<std::uint64_t> bits;
  for (int i = 0; i < 200000; ++i) {
    double v;
    switch (i % 5) {
      case 0: v = wall(rng); break;
      case 1: v = mono(rng); break;
      case 2: v = static_cast<double>(static_cast<std::uint32_t>(bits(rng))); break;
      case 3: v = unit(rng) * std::pow(10.0, static_cast<int>(bits(rng) % 22) - 2); break;  // 0.001 .. 1e20
      default: v = static_cast<double>(bits(rng) >> (bits(rng) % 64)); break;
    }
    const std::string t = shortest(v);
    ASSERT_EQ(read_decimal(t), v) << t;
    expect_same_as_strtod(t);
  }
}

// Text of up to 19 significant digits (more than JS ever prints), the last at most 19 places after
// the point, is rounded like strtod rounds it.
TEST(Decimal, RoundsLongDigitStringsLikeStrtod) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    std::string t = std::to_string(rng() % 10000000000000000000ull);
    const int point = static_cast<int>(rng() % (t.size() + 1));
    if (point < static_cast<int>(t.size())) t.insert(t.begin() + point, '.');
    const int places = point < static_cast<int>(t.size()) ? static_cast<int>(t.size()) - 1 - point : 0;
    if (rng() % 3 == 0) t += "e" + std::to_string(static_cast<int>(rng() % (20 - places + 15)) - (19 - places));
    expect_same_as_strtod(t);
  }
}

// The whole exact range: 19 digits with the last one's decimal exponent anywhere in [-27, 27].
TEST(Decimal, RoundsLikeStrtodAcrossTheExactExponentRange) {
  std::mt19937_64 rng(29);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t digits = rng() % 10000000000000000000ull >> (rng() % 64);
    const std::string t = std::to_string(digits) + "e" + std::to_string(static_cast<int>(rng() % 55) - 27);
    expect_same_as_strtod(t);
  }
}

// Integers exactly halfway between two doubles (ties to even) and one unit either side of them.
TEST(Decimal, RoundsHalfwayIntegersToEven) {
  std::mt19937_64 rng(31);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t odd = (rng() >> 11) | (std::uint64_t{1} << 53) | 1;  // 54 bits: a midpoint
    const std::uint64_t mid = odd << (rng() % 10);                           // below 2^63 < 10^19
    for (const std::uint64_t v : {mid - 1, mid, mid + 1}) expect_same_as_strtod(std::to_string(v));
    // Midpoints with a fraction: odd * 2^-j = odd * 5^j * 10^-j, where the first guess (two
    // roundings) often lands on the wrong side and the tie must still go to even.
    std::uint64_t scaled = odd;
    const int j = static_cast<int>(rng() % 4);
    for (int k = 0; k < j; ++k) scaled *= 5;  // below 2^54 * 125 < 10^19
    for (const std::uint64_t v : {scaled - 1, scaled, scaled + 1}) {
      expect_same_as_strtod(std::to_string(v) + "e-" + std::to_string(j));
    }
  }
}

bool strtod_overflows(const std::string& text) { return std::isinf(std::strtod(text.c_str(), nullptr)); }

TEST(Decimal, DecidesOverflowExactlyAtTheLimit) {
  const std::string limit =
      "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977"
      "587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845"
      "817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559"
      "699508093042880177904174497792";
  std::string below = limit;
  below.back() = '1';
  std::string above = limit;
  above.back() = '3';
  std::string below_early = limit;  // a digit lower far from the end: below however long
  below_early[20] = '0';
  std::vector<std::string> cases = {limit, below, above, below_early, below_early + "9999e0", limit + "e-0", limit + ".0", limit + ".0000001", below + ".9999999999",
                                    "-" + limit, "1.7976931348623158e308", "1.7976931348623157e308",
                                    "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977919999e308",
                                    "1.797693134862315807937289714053034150799341327100378269361737789804449682927647509466490179775872070963302864166928879109465555478519404026306574886715058206819089020007083836762738548458177115317644757302700698555713669596228429148198608349364752927190741684443655107043427115596995080930428801779041744977920000e308",
                                    "0.0000" + limit + "e4", "1e309", "1e308", "10e308", "0.1e310", "0e99999",
                                    "0.0", "-0", "1e-400", "1E+308", "2E+308", "123456789e300"};
  for (const std::string& t : cases) EXPECT_EQ(json_number_overflows(t), strtod_overflows(t)) << t;
}

// The wasm build's lexer sends integers down the float path too (cmake/nlohmann_json.cmake), so
// integer texts of every length, at the 64-bit limits and around the overflow limit, must read as
// strtod reads them.
TEST(Decimal, DecidesOverflowOfIntegerTexts) {
  std::vector<std::string> cases = {"0", "-0", "1", "-1", "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "-9223372036854775809", "18446744073709551615",
                                    "18446744073709551616", "-18446744073709551616"};
  std::mt19937_64 rng(47);
  for (std::size_t digits = 1; digits <= 330; ++digits) {
    for (int k = 0; k < 20; ++k) {
      std::string t(1, static_cast<char>('1' + rng() % 9));
      while (t.size() < digits) t += static_cast<char>('0' + rng() % 10);
      cases.push_back(t);
      cases.push_back("-" + t);
    }
    cases.push_back(std::string(1, '1') + std::string(digits - 1, '0'));
    cases.push_back(std::string(digits, '9'));
  }
  for (const std::string& t : cases) EXPECT_EQ(json_number_overflows(t), strtod_overflows(t)) << t;
}

TEST(Decimal, ScannerRejectsExactlyWhatNlohmannRejects) {
  // json::accept on a std::string uses nlohmann's own lexer (with strtod); the scanner uses the
  // specialised one over a char range.
  for (const std::string t : {"1.7976931348623157e308", "1.7976931348623158e308", "1e309", "-1e309", "[1e308,2]",
                              "[1e400]", "{\"a\":-2E+308}", "123456789012345678901234567890", "1e-400",
                              "[\"\\u0001\", 1.5e3]", "[\"\x01\"]"}) {
    EXPECT_EQ(JsonScanner{}.scan(t), nlohmann::json::accept(t)) << t;
  }
}

}  // namespace
}  // namespace detail
}  // namespace tracker
