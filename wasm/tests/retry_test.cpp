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
  EXPECT_EQ(parse_retry_after_ms(" 0 ", 0), 0);
  EXPECT_EQ(parse_retry_after_ms("86400", 0), policy::retry_after_cap_ms);
  // 784111777000 = Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000.0 - 5000), 5000);
  EXPECT_EQ(parse_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000.0 + 5000), 0);
  EXPECT_FALSE(parse_retry_after_ms("", 0));
  EXPECT_FALSE(parse_retry_after_ms("-1", 0));
  EXPECT_FALSE(parse_retry_after_ms("soon", 0));
  EXPECT_FALSE(parse_retry_after_ms("1.5", 0));
}

TEST(Retry, StatusTable) {
  using policy::classify_status;
  using policy::Outcome;
  for (int s : {200, 201, 204, 226}) EXPECT_EQ(classify_status(s), Outcome::success) << s;
  for (int s : {0, 408, 410, 429, 460, 500, 502, 503, 504}) EXPECT_EQ(classify_status(s), Outcome::retry) << s;
  for (int s : {400, 401, 403, 404, 406, 422, 501, 505, 511}) EXPECT_EQ(classify_status(s), Outcome::drop) << s;
  EXPECT_EQ(classify_status(413), Outcome::split);
  EXPECT_FALSE(policy::consumes_attempt(429));
  EXPECT_TRUE(policy::consumes_attempt(503));
}

}  // namespace
}  // namespace detail
}  // namespace tracker
