// Command-line options of the `collector` executable.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace collector {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8686;  // 0 picks a free port (tests)
  std::string db_path = "./tracker-demo.db";
  std::string sources_path;  // empty: collector/sources.json, else the built-in list
  std::string site_dir;      // mounted at /
  std::string tracker_dir;   // mounted at /tracker/
  size_t max_body = 1024 * 1024;
  bool accept_text_plain = false;  // navigator.sendBeacon(string) sends text/plain
  // Tracardi 0.8.x ids: every event stored under a fresh uuid4, the payload's id ignored (kept
  // as client_id only), so each copy a client sends is another stored event.
  bool mint_ids = false;
};

struct CliResult {
  Options options;
  bool ok = true;
  bool help = false;
  std::string error;
};

CliResult parse_cli(const std::vector<std::string>& args);  // args without argv[0]
std::string usage();
// The sources file used when --sources is not given (the checked-in collector/sources.json).
std::string default_sources_path();

}  // namespace collector
