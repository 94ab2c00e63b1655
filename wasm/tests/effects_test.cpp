#include "tracker/effects.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tracker {
namespace {

using json = nlohmann::json;

TEST(Effects, EmptyIsEmptyObject) { EXPECT_EQ(effects_to_json(Effects{}), "{}"); }

TEST(Effects, SerializesEveryKind) {
  Effects fx;
  fx.sends.push_back({7, "http://a/track", Transport::keepalive, R"({"events":[]})", 2});
  fx.wake_changed = true;
  fx.wake_at_ms = 1234.5;
  fx.persist = true;
  fx.logs.push_back({LogLevel::warn, "careful \"quoted\""});
  fx.identity = IdentityEffect{"s", std::nullopt, "d"};
  fx.ux_items.push_back(R"({"tag":"div","props":{}})");
  fx.ready_context = R"({"profile":{"id":"p"}})";
  const json j = json::parse(effects_to_json(fx));
  EXPECT_EQ(j["send"][0]["id"], 7);
  EXPECT_EQ(j["send"][0]["transport"], "keepalive");
  EXPECT_EQ(j["send"][0]["events"], 2);
  EXPECT_EQ(j["send"][0]["body"], R"({"events":[]})");
  EXPECT_EQ(j["wake"], 1235);  // whole ms, rounded up
  EXPECT_EQ(j["persist"], true);
  EXPECT_EQ(j["log"][0]["level"], "warn");
  EXPECT_EQ(j["log"][0]["msg"], "careful \"quoted\"");
  EXPECT_EQ(j["identity"]["profile"], nullptr);
  EXPECT_EQ(j["identity"]["sessionTtlS"], 1800);
  EXPECT_EQ(j["ux"][0]["tag"], "div");
  EXPECT_EQ(j["ready"]["context"]["profile"]["id"], "p");
}

TEST(Effects, ClearLeavesNone) {
  Effects fx;
  fx.sends.push_back({7, "http://a/track", Transport::keepalive, "{}", 2});
  fx.aborts.push_back(3);
  fx.logs.push_back({LogLevel::warn, "w"});
  fx.identity = IdentityEffect{"s", std::nullopt, "d"};
  fx.ux_items.push_back("{}");
  fx.ready_context = "null";
  fx.handover = R"({"v":1,"events":[]})";
  fx.handover_events = 1;
  fx.persist = true;
  fx.wake_changed = true;
  fx.wake_at_ms = 5;
  fx.clear();
  EXPECT_TRUE(fx.empty());
  EXPECT_EQ(fx.handover_events, 0u);
  EXPECT_FALSE(fx.wake_at_ms);
  EXPECT_EQ(effects_to_json(fx), "{}");
}

TEST(Effects, WakeCancelIsNull) {
  Effects fx;
  fx.wake_changed = true;
  EXPECT_EQ(effects_to_json(fx), R"({"wake":null})");
}

TEST(Effects, AnAckSaysWhetherItWasWritten) {
  // The follower keeps a hand-over acknowledged as written until its view shows the write; a
  // final ack carries no text (tab_protocol.hpp TabMessage::text).
  Effects fx;
  fx.tabs.posts.push_back(TabMessage{TabMessage::Kind::ack, "f", 3, "w"});
  fx.tabs.posts.push_back(TabMessage{TabMessage::Kind::ack, "f", 4, ""});
  EXPECT_EQ(effects_to_json(fx), R"({"tabs":{"post":[{"k":1,"t":"f","n":3,"h":"w"},{"k":1,"t":"f","n":4}]}})");
}

}  // namespace
}  // namespace tracker
