// Starts a Collector in-process on a free loopback port with a throw-away SQLite file.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server.hpp"

namespace collector::testing {

class TestServer {
 public:
  explicit TestServer(Options options = {});
  ~TestServer();

  int port() const { return collector_->port(); }
  Collector& collector() { return *collector_; }
  const std::string& db_path() const { return options_.db_path; }
  httplib::Client client() const;
  // A client that sends the admin header (X-Collector-Admin: 1) with every request.
  httplib::Client admin() const;

  void stop();
  void start();  // again, on the same database (and a new port)

  // POST /track with a JSON body and optional extra headers (Origin is always sent).
  httplib::Result track(const nlohmann::json& body, httplib::Headers headers = {}) const;
  httplib::Result post_raw(const std::string& body, const std::string& content_type,
                           httplib::Headers headers = {}) const;
  nlohmann::json get_json(const std::string& path) const;
  nlohmann::json admin_json(const std::string& path) const;  // GET through admin()

 private:
  Options options_;
  std::unique_ptr<Collector> collector_;
  std::thread thread_;
};

// A minimal valid payload for `source`, one event per type in `types`.
nlohmann::json payload(const std::string& source, const nlohmann::json& session,
                       const nlohmann::json& profile, const nlohmann::json& events);
nlohmann::json event(const std::string& type, const std::string& id = "");
// A /track body whose one event has `properties` nested `depth` objects deep ({"a":{"a":...1}}),
// built as text: a JSON DOM that deep is exactly what must never be built.
std::string nested_body(int depth, const std::string& event_id = "deep-1");

inline const char* const kOrigin = "http://shop.example.test:8130";

}  // namespace collector::testing
