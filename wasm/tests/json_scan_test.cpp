#include "json_scan.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tracker {
namespace detail {
namespace {

TEST(JsonScan, ReportsValuesByPathInOrder) {
  std::vector<std::string> seen;
  JsonScanner s;
  s.on_value = [&seen](const JsonPath& path, JsonKind kind, std::string_view text) {
    std::string p;
    for (const auto& k : path) p += "/" + k;
    seen.push_back(p + "=" + kind_name(kind) + ":" + std::string(text));
  };
  ASSERT_TRUE(s.scan(R"({"a":{"b":"x\n"},"c":[1,2.50,true,null],"d":-3})"));
  EXPECT_EQ(seen, (std::vector<std::string>{"=object:", "/a=object:", "/a/b=string:x\n", "/c=array:",
                                            "/c/[]=number:1", "/c/[]=number:2.50", "/c/[]=boolean:true",
                                            "/c/[]=null:null", "/d=number:-3"}));
  EXPECT_EQ(s.root, JsonKind::object);
  EXPECT_EQ(s.deepest, 2);
}

TEST(JsonScan, PathIsMatchesWholeKeysInOrder) {
  EXPECT_TRUE(path_is({"events", "[]", "e"}, "events.[].e"));
  EXPECT_TRUE(path_is({"v"}, "v"));
  EXPECT_TRUE(path_is({""}, ""));
  EXPECT_FALSE(path_is({}, "v"));
  EXPECT_FALSE(path_is({"events", "[]"}, "events.[].e"));       // shorter
  EXPECT_FALSE(path_is({"events", "[]", "e", "id"}, "events.[].e"));  // longer
  EXPECT_FALSE(path_is({"events.[]"}, "events.[]"));            // one key holding a '.'
  EXPECT_FALSE(path_is({"event", "[]"}, "events.[]"));
  EXPECT_FALSE(path_is({"eventsx", "[]"}, "events.[]"));
  EXPECT_FALSE(path_is({"events", ""}, "events"));
}

TEST(JsonScan, CapturesSubtreesAsCompactEquivalentJson) {
  const std::string doc = R"({"x": [ {"k" : "v\"q", "n": [1, {"z": null}]}, 7, "s" ], "y": {}})";
  std::vector<std::string> captured;
  JsonScanner s;
  s.capture = [](const JsonPath& path) { return path_is(path, "x.[]") || path_is(path, "y"); };
  s.on_captured = [&captured](const JsonPath&, std::string&& text) { captured.push_back(std::move(text)); };
  ASSERT_TRUE(s.scan(doc));
  ASSERT_EQ(captured.size(), 4u);
  EXPECT_EQ(captured[0], R"({"k":"v\"q","n":[1,{"z":null}]})");
  EXPECT_EQ(captured[1], "7");
  EXPECT_EQ(captured[2], "\"s\"");
  EXPECT_EQ(captured[3], "{}");
  for (const auto& c : captured) EXPECT_FALSE(nlohmann::json::parse(c, nullptr, false).is_discarded()) << c;
}

TEST(JsonScan, CaptureRoundTripsUnicodeAndNumbers) {
  const std::string doc = R"({"e":{"s":"\u00e9\ud83d\ude00\u2028","f":1.5e300,"i":-9007199254740993,"u":18446744073709551615}})";
  std::string captured;
  JsonScanner s;
  s.capture = [](const JsonPath& path) { return path_is(path, "e"); };
  s.on_captured = [&captured](const JsonPath&, std::string&& text) { captured = std::move(text); };
  ASSERT_TRUE(s.scan(doc));
  EXPECT_EQ(nlohmann::json::parse(captured), nlohmann::json::parse(doc)["e"]);
}

// Numbers are kept as written, integer -0 as 0 (its integer value), float -0.0 as written.
TEST(JsonScan, KeepsNumberTextIntegerMinusZeroAsZero) {
  std::vector<std::string> seen;
  JsonScanner s;
  s.on_value = [&seen](const JsonPath&, JsonKind kind, std::string_view text) {
    if (kind == JsonKind::number) seen.emplace_back(text);
  };
  ASSERT_TRUE(s.scan("[-0,0,-0.0,-0e0,18446744073709551615,18446744073709551616,-9223372036854775808,"
                     "-9223372036854775809,1E+2]"));
  EXPECT_EQ(seen, (std::vector<std::string>{"0", "0", "-0.0", "-0e0", "18446744073709551615", "18446744073709551616",
                                            "-9223372036854775808", "-9223372036854775809", "1E+2"}));
  std::string captured;
  s.on_value = {};
  s.capture = [](const JsonPath& path) { return path.empty(); };
  s.on_captured = [&captured](const JsonPath&, std::string&& text) { captured = std::move(text); };
  ASSERT_TRUE(s.scan("{\"a\": -0, \"b\": [ -0 , 12 ]}"));
  EXPECT_EQ(captured, "{\"a\":0,\"b\":[0,12]}");
}

TEST(JsonScan, RejectsInvalidInput) {
  JsonScanner s;
  for (const std::string& bad : {std::string(""), std::string("{"), std::string("{} x"), std::string("{\"a\":}"),
                                 std::string("{}\0", 3), std::string("\"\xff\"")}) {
    EXPECT_FALSE(s.scan(bad)) << bad;
  }
  s.max_depth = 3;
  EXPECT_TRUE(s.scan("[[[]]]"));
  EXPECT_FALSE(s.scan("[[[[]]]]"));
  EXPECT_EQ(s.deepest, 4);
}

}  // namespace
}  // namespace detail
}  // namespace tracker
