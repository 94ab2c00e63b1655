// Session/profile resolution: the pure rule table, then the same rules through HTTP + SQLite.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "identity.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

using nlohmann::json;

struct FakeStore {
  std::map<std::string, std::string> sessions;
  std::set<std::string> profiles;
  int minted = 0;
  IdentityLookup lookup() {
    IdentityLookup l;
    l.session_profile = [this](const std::string& id) -> std::optional<std::string> {
      auto it = sessions.find(id);
      if (it == sessions.end()) return std::nullopt;
      return it->second;
    };
    l.profile_exists = [this](const std::string& id) { return profiles.count(id) > 0; };
    l.new_id = [this] { return "new-" + std::to_string(++minted); };
    return l;
  }
};

TEST(ResolveIdentity, NoSessionMakesAThrowAwaySession) {
  FakeStore s;
  auto d = resolve_identity(std::nullopt, std::nullopt, false, s.lookup());
  EXPECT_EQ(d.session_id, "new-1");
  EXPECT_FALSE(d.save_session);
  EXPECT_EQ(d.profile_id, "new-2");
  EXPECT_TRUE(d.create_profile);
}

TEST(ResolveIdentity, NewSessionWithoutProfileMintsOne) {
  FakeStore s;
  auto d = resolve_identity(std::string("s1"), std::nullopt, true, s.lookup());
  EXPECT_EQ(d.session_id, "s1");
  EXPECT_TRUE(d.save_session);
  EXPECT_EQ(d.profile_id, "new-1");
  EXPECT_TRUE(d.create_profile);
}

TEST(ResolveIdentity, NewSessionKeepsAKnownProfile) {
  FakeStore s;
  s.profiles.insert("p1");
  auto d = resolve_identity(std::string("s1"), std::string("p1"), false, s.lookup());
  EXPECT_EQ(d.profile_id, "p1");
  EXPECT_FALSE(d.create_profile);
}

TEST(ResolveIdentity, UnknownProfileIsForgedUnlessStaticIdsAllowed) {
  FakeStore s;
  auto refused = resolve_identity(std::string("s1"), std::string("mine"), false, s.lookup());
  EXPECT_EQ(refused.profile_id, "new-1");
  auto allowed = resolve_identity(std::string("s2"), std::string("mine"), true, s.lookup());
  EXPECT_EQ(allowed.profile_id, "mine");
  EXPECT_TRUE(allowed.create_profile);
}

TEST(ResolveIdentity, KnownSessionProfileWins) {
  FakeStore s;
  s.sessions["s1"] = "p1";
  s.profiles = {"p1", "p2"};
  auto d = resolve_identity(std::string("s1"), std::string("p2"), true, s.lookup());
  EXPECT_EQ(d.profile_id, "p1");
  EXPECT_FALSE(d.save_session);
  EXPECT_FALSE(d.create_profile);
}

class IdentityHttpTest : public ::testing::Test {
 protected:
  TestServer server;
  json ids(const std::string& source, const json& session, const json& profile) {
    auto r = server.track(payload(source, session, profile, {event("page-view")}));
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    json b = json::parse(r->body);
    return {{"session", b["session"]["id"]}, {"profile", b["profile"]["id"]}};
  }
};

TEST_F(IdentityHttpTest, NewSessionNewProfileThenSessionKeepsIt) {
  json first = ids("demo-nostatic", "s-a", nullptr);
  EXPECT_EQ(first["session"], "s-a");
  json second = ids("demo-nostatic", "s-a", nullptr);
  EXPECT_EQ(second["profile"], first["profile"]);
}

TEST_F(IdentityHttpTest, KnownProfileIsKeptInANewSession) {
  json first = ids("demo-nostatic", "s-a", nullptr);
  json other = ids("demo-nostatic", "s-b", first["profile"]);
  EXPECT_EQ(other["profile"], first["profile"]);
}

TEST_F(IdentityHttpTest, StaticProfileIdDependsOnTheSource) {
  EXPECT_EQ(ids("demo-source", "s-a", "static-1")["profile"], "static-1");
  json refused = ids("demo-nostatic", "s-b", "static-2");
  EXPECT_NE(refused["profile"], "static-2");
  EXPECT_EQ(refused["profile"].get<std::string>().size(), 36u);
}

TEST_F(IdentityHttpTest, SessionProfileWinsOverPayload) {
  json first = ids("demo-source", "s-a", "p-1");
  json again = ids("demo-source", "s-a", "p-2");
  EXPECT_EQ(again["profile"], "p-1");
}

TEST_F(IdentityHttpTest, BlankSessionIsThrowAway) {
  json a = ids("demo-source", "  ", nullptr);
  json b = ids("demo-source", nullptr, nullptr);
  EXPECT_EQ(a["session"].get<std::string>().size(), 36u);
  EXPECT_NE(a["session"], b["session"]);
  EXPECT_NE(a["profile"], b["profile"]);
  // The throw-away session was not saved: re-sending its id makes a new session binding.
  json c = ids("demo-nostatic", a["session"], nullptr);
  EXPECT_NE(c["profile"], a["profile"]);
}

}  // namespace
}  // namespace collector::testing
