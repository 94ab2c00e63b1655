#include "json_text.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tracker {
namespace detail {
namespace {

TEST(JsonText, ChecksObjectsAndDepth) {
  EXPECT_EQ(check_json_object(R"({"a":[1,{"b":null}]})", 32), JsonCheck::ok);
  EXPECT_EQ(check_json_object("[1]", 32), JsonCheck::not_object);
  EXPECT_EQ(check_json_object("\"s\"", 32), JsonCheck::not_object);
  EXPECT_EQ(check_json_object("{\"a\":", 32), JsonCheck::invalid);
  EXPECT_EQ(check_json_object("{} {}", 32), JsonCheck::invalid);
  EXPECT_EQ(check_json_object("", 32), JsonCheck::invalid);
  EXPECT_EQ(check_json_object(std::string("{}\0junk", 7), 32), JsonCheck::invalid);
  std::string deep = "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(check_json_object(deep, 32), JsonCheck::too_deep);
}

TEST(JsonText, RepairsLoneSurrogateEscapesOnly) {
  std::string s = R"({"a":"x\ud800y","b":"\udc00","ok":"\ud83d\ude00","esc":"\\ud800"})";
  EXPECT_TRUE(repair_lone_surrogate_escapes(s));
  EXPECT_EQ(s, R"({"a":"x\ufffdy","b":"\ufffd","ok":"\ud83d\ude00","esc":"\\ud800"})");
  EXPECT_EQ(check_json_object(s, 32), JsonCheck::ok);
  std::string clean = R"({"a":"\u00e9"})";
  EXPECT_FALSE(repair_lone_surrogate_escapes(clean));
}

TEST(JsonText, TrailingHighSurrogateAtEndOfString) {
  std::string s = R"({"t":"abc\ud83d"})";
  EXPECT_TRUE(repair_lone_surrogate_escapes(s));
  EXPECT_EQ(s, R"({"t":"abc\ufffd"})");
}

TEST(JsonText, QuotesAndReplacesInvalidUtf8) {
  EXPECT_EQ(json_quote("a\"b\n</script>\u2028"), "\"a\\\"b\\n</script>\u2028\"");
  EXPECT_EQ(json_quote("bad\xff"), "\"bad\xef\xbf\xbd\"");
}

// Every ASCII byte, alone and between letters, quoted as nlohmann's dump quotes it (the short
// escapes \" \\ \b \f \n \r \t, \u00xx in lower-case hex for the other control bytes, DEL kept).
TEST(JsonText, QuotesEveryAsciiByteAsNlohmannDoes) {
  for (int b = 0; b < 0x80; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_EQ(json_quote(one), nlohmann::json(one).dump()) << "byte " << b;
    const std::string mid = "a" + one + "b" + one;
    EXPECT_EQ(json_quote(mid), nlohmann::json(mid).dump()) << "byte " << b;
  }
}

TEST(JsonText, FormatsIsoUtc) {
  EXPECT_EQ(iso_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_utc(1711536408120.0), "2024-03-27T10:46:48.120Z");
  EXPECT_EQ(iso_utc(951782400000.0), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(iso_utc(-5), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace detail
}  // namespace tracker
