// The collector's HTTP server: /track (Tracardi 0.9 wire contract), the read API used by tests
// and the demo (/events, /requests, /summary, /health), loopback-only admin endpoints, static files.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "admin_guard.hpp"
#include "cli.hpp"
#include "faults.hpp"
#include "sources.hpp"
#include "storage.hpp"
#include "validation.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace collector {

struct TrackContext;

class Collector {
 public:
  Collector(Options options, SourceRegistry sources);
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Opens the database, mounts static dirs and binds (port 0 picks a free one).
  bool open(std::string& error);
  int port() const { return port_; }
  const Options& options() const { return options_; }

  void run();  // serves until stop(); closes the database before returning
  void stop();  // any thread; idempotent
  bool running() const;

  Storage& storage() { return storage_; }
  Faults& faults() { return faults_; }

 private:
  void install_routes();
  void handle_track(const TrackContext& ctx, httplib::Response& res);
  // What Tracardi's model makes of a /track body: size, content type, then validate_track_body.
  Validation check_body(const httplib::Request& req) const;
  // The `ux` a source answers with: set by POST /__admin/ux (e2e tests drive Tracardi-like
  // widgets through it), else the one in the sources file.
  nlohmann::json ux_for(const EventSource& source);

  Options options_;
  SourceRegistry sources_;
  Storage storage_;
  Faults faults_;
  std::mutex ux_mutex_;  // handlers run on httplib's thread pool
  std::map<std::string, nlohmann::json> ux_overrides_;
  AdminGuard admin_guard_;  // configured once the port is known
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace collector
