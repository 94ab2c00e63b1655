#include <gtest/gtest.h>

#include "cli.hpp"
#include "sources.hpp"

namespace collector {
namespace {

TEST(Cli, Defaults) {
  auto r = parse_cli({});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.options.host, "127.0.0.1");
  EXPECT_EQ(r.options.port, 8686);
  EXPECT_EQ(r.options.db_path, "./tracker-demo.db");
  EXPECT_EQ(r.options.max_body, 1024u * 1024u);
  EXPECT_FALSE(r.options.accept_text_plain);
  EXPECT_FALSE(r.options.mint_ids);
}

TEST(Cli, AllOptions) {
  auto r = parse_cli({"--host", "0.0.0.0", "--port=9000", "--db", "x.db", "--sources", "s.json",
                      "--site", "site", "--tracker", "dist", "--max-body", "100",
                      "--accept-text-plain", "--mint-ids"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.options.host, "0.0.0.0");
  EXPECT_EQ(r.options.port, 9000);
  EXPECT_EQ(r.options.db_path, "x.db");
  EXPECT_EQ(r.options.sources_path, "s.json");
  EXPECT_EQ(r.options.site_dir, "site");
  EXPECT_EQ(r.options.tracker_dir, "dist");
  EXPECT_EQ(r.options.max_body, 100u);
  EXPECT_TRUE(r.options.accept_text_plain);
  EXPECT_TRUE(r.options.mint_ids);
}

TEST(Cli, UsageNamesTheMintMode) {
  EXPECT_NE(usage().find("--mint-ids"), std::string::npos);
  EXPECT_NE(usage().find("0.8"), std::string::npos);
  EXPECT_FALSE(parse_cli({"--mint-ids=yes"}).ok);  // a switch, not a valued option
}

TEST(Cli, Errors) {
  EXPECT_FALSE(parse_cli({"--bogus"}).ok);
  EXPECT_NE(parse_cli({"--bogus"}).error.find("--bogus"), std::string::npos);
  EXPECT_FALSE(parse_cli({"--port"}).ok);
  EXPECT_FALSE(parse_cli({"--port", "70000"}).ok);
  EXPECT_FALSE(parse_cli({"--port", "12ab"}).ok);
  EXPECT_FALSE(parse_cli({"--max-body", "0"}).ok);
  EXPECT_TRUE(parse_cli({"--help"}).help);
}

TEST(Sources, ShippedFileLoads) {
  SourceRegistry r;
  std::string error;
  ASSERT_TRUE(r.load_file(default_sources_path(), error)) << error;
  ASSERT_NE(r.find_enabled("demo-source"), nullptr);
  EXPECT_TRUE(r.find_enabled("demo-source")->static_profile_id);
  ASSERT_NE(r.find_enabled("demo-nostatic"), nullptr);
  EXPECT_FALSE(r.find_enabled("demo-nostatic")->static_profile_id);
  ASSERT_NE(r.find_enabled("demo-ux"), nullptr);
  EXPECT_EQ(r.find_enabled("demo-ux")->ux.size(), 1u);
  EXPECT_EQ(r.find_enabled("demo-disabled"), nullptr);
  EXPECT_EQ(r.find_enabled("missing"), nullptr);
}

TEST(Sources, BuiltinMatchesTheFile) {
  SourceRegistry file;
  std::string error;
  ASSERT_TRUE(file.load_file(default_sources_path(), error));
  SourceRegistry builtin = SourceRegistry::builtin();
  EXPECT_EQ(builtin.size(), file.size());
  for (const char* id : {"demo-source", "demo-nostatic", "demo-ux"}) {
    ASSERT_NE(builtin.find_enabled(id), nullptr) << id;
    EXPECT_EQ(builtin.find_enabled(id)->static_profile_id, file.find_enabled(id)->static_profile_id);
    EXPECT_EQ(builtin.find_enabled(id)->ux, file.find_enabled(id)->ux);
  }
}

TEST(Sources, RejectsBadFiles) {
  SourceRegistry r;
  std::string error;
  EXPECT_FALSE(r.load_json("{}", error));
  EXPECT_FALSE(r.load_json("[{\"name\":\"x\"}]", error));
  EXPECT_FALSE(r.load_json("[{\"id\":\"x\",\"ux\":{}}]", error));
  EXPECT_FALSE(r.load_file("/nonexistent/sources.json", error));
}

}  // namespace
}  // namespace collector
