#include "tracker/uuid.hpp"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

namespace tracker {
namespace {

TEST(Uuid, FormatsVersionAndVariant) {
  const std::string id = make_uuid4(Entropy{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}});
  EXPECT_EQ(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(make_uuid4(Entropy{}), "00000000-0000-4000-8000-000000000000");
}

TEST(Uuid, RecognisesUuid4) {
  EXPECT_TRUE(is_uuid4("0adfd4c8-36eb-40cd-9350-5df37706286a"));
  EXPECT_TRUE(is_uuid4("0ADFD4C8-36EB-40CD-B350-5DF37706286A"));
  EXPECT_FALSE(is_uuid4("0adfd4c8-36eb-10cd-9350-5df37706286a"));  // version 1
  EXPECT_FALSE(is_uuid4("0adfd4c8-36eb-40cd-c350-5df37706286a"));  // variant 110
  EXPECT_FALSE(is_uuid4("user-1"));
  EXPECT_FALSE(is_uuid4(""));
  EXPECT_FALSE(is_uuid4("0adfd4c8x36eb-40cd-9350-5df37706286a"));
}

TEST(Uuid, MillionIdsAreValidAndUnique) {
  std::mt19937 rng(42);
  std::unordered_set<std::string> seen;
  seen.reserve(1000000);
  for (int i = 0; i < 1000000; ++i) {
    Entropy e{{static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
               static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())}};
    std::string id = make_uuid4(e);
    ASSERT_TRUE(is_uuid4(id)) << id;
    ASSERT_TRUE(seen.insert(std::move(id)).second);
  }
}

TEST(Uuid, UnitIsInRange) {
  EXPECT_EQ(Entropy{}.unit(), 0.0);
  const double top = Entropy{{0xffffffffu, 0xffffffffu, 0, 0}}.unit();
  EXPECT_LT(top, 1.0);
  EXPECT_GT(top, 0.999999);
}

}  // namespace
}  // namespace tracker
