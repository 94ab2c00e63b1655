#include "retry.hpp"

#include <gtest/gtest.h>

#include "tracker/policy.hpp"

namespace tracker {
namespace detail {
namespace {

TEST(Retry, BackoffGrowsWithinJitterBoundsAndCaps) {
  for (int n = 1; n <= 12; ++n) {
    const double base = std::min(policy::backoff_cap_ms, policy::backoff_base_ms * (1 << (n - 1)));
    EXPECT_DOUBLE_EQ(backoff_delay_ms(n, 0.5), base);
    EXPECT_DOUBLE_EQ(backoff_delay_ms(n, 0.0), base * 0.75);
    EXPECT_LT(backoff_delay_ms(n, 0.999999), base * 1.25);
  }
  EXPECT_DOUBLE_EQ(backoff_delay_ms(1000, 0.5), policy::backoff_cap_ms);
  EXPECT_DOUBLE_EQ(backoff_delay_ms(1, -1), policy::backoff_base_ms);  // bad unit -> no jitter
}

TEST(Retry, ParsesRetryAfterSecondsAndDates) {
  EXPECT_EQ(parse_retry_after_ms("2", 0), 2000);
  // Zero or a past date is floored: "retry now" must not become a request storm.
  EXPECT_EQ(parse_retry_after_ms(" 0 ", 0), policy::retry_after_floor_ms);
  EXPECT_EQ(parse_retry_after_ms("86400", 0), policy::retry_after_cap_ms);
  // 784111777000 = Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000.0 - 5000), 5000);
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000.0 + 5000),
            policy::retry_after_floor_ms);
  EXPECT_FALSE(parse_retry_after_ms("", 0));
  EXPECT_FALSE(parse_retry_after_ms("-1", 0));
  EXPECT_FALSE(parse_retry_after_ms("soon", 0));
  EXPECT_FALSE(parse_retry_after_ms("1.5", 0));
  // Every month name is found at its place in the table, and nothing between two names is one.
  EXPECT_EQ(parse_retry_after_ms("Thu, 01 Jan 2026 00:00:00 GMT", 1767225600000.0 - 7000), 7000);
  EXPECT_EQ(parse_retry_after_ms("Thu, 31 Dec 2026 00:00:00 GMT", 1798675200000.0 - 7000), 7000);
  EXPECT_FALSE(parse_retry_after_ms("Thu, 01 anF 2026 00:00:00 GMT", 0));
  EXPECT_FALSE(parse_retry_after_ms("Thu, 01 ecX 2026 00:00:00 GMT", 0));
  EXPECT_FALSE(parse_retry_after_ms("Thu, 01 jan 2026 00:00:00 GMT", 0));
  EXPECT_FALSE(parse_retry_after_ms("Thu, 01 Jan 2026 00:0x:00 GMT", 0));
}

TEST(Retry, StatusTable) {
  using policy::classify_status;
  using policy::Outcome;
  for (int s : {200, 201, 204, 226}) EXPECT_EQ(classify_status(s), Outcome::success) << s;
  for (int s : {0, 408, 410, 429, 460, 500, 502, 503, 504}) EXPECT_EQ(classify_status(s), Outcome::retry) << s;
  for (int s : {400, 401, 403, 404, 406, 422, 501, 505, 511}) EXPECT_EQ(classify_status(s), Outcome::drop) << s;
  EXPECT_EQ(classify_status(413), Outcome::split);
  EXPECT_EQ(policy::attempt_cost(429), 0);
  EXPECT_EQ(policy::attempt_cost(0), 0);
  for (int s : {408, 502, 503, 504}) EXPECT_EQ(policy::attempt_cost(s), 1) << s;
  // A bare 500 (Tracardi's answer to any exception, poison payloads included) gets fewer tries.
  EXPECT_GT(policy::attempt_cost(500), 1);
  const int tries_500 = (policy::max_attempts + policy::attempt_cost(500) - 1) / policy::attempt_cost(500);
  EXPECT_GE(tries_500, 3);
  EXPECT_LT(tries_500, policy::max_attempts);
}

}  // namespace
}  // namespace detail
}  // namespace tracker
