#include "test_server.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace collector::testing {

using nlohmann::json;

namespace {
std::string temp_db_path() {
  static std::atomic<int> counter{0};
  return "/tmp/collector-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) +
         ".db";
}
}  // namespace

TestServer::TestServer(Options options) : options_(std::move(options)) {
  options_.host = "127.0.0.1";
  options_.port = 0;
  if (options_.db_path == Options{}.db_path) options_.db_path = temp_db_path();
  start();
}

TestServer::~TestServer() {
  stop();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((options_.db_path + suffix).c_str());
}

void TestServer::start() {
  collector_ = std::make_unique<Collector>(options_, SourceRegistry::builtin());
  std::string error;
  if (!collector_->open(error)) throw std::runtime_error(error);
  thread_ = std::thread([this] { collector_->run(); });
  // stop() before listen() started would be lost, so wait until it is serving.
  for (int i = 0; i < 500 && !collector_->running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void TestServer::stop() {
  if (!collector_) return;
  collector_->stop();
  if (thread_.joinable()) thread_.join();
  collector_.reset();
}

httplib::Client TestServer::client() const {
  httplib::Client c("127.0.0.1", port());
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  return c;
}

httplib::Client TestServer::admin() const {
  httplib::Client c = client();
  c.set_default_headers({{"X-Collector-Admin", "1"}});
  return c;
}

httplib::Result TestServer::track(const json& body, httplib::Headers headers) const {
  return post_raw(body.dump(), "application/json", std::move(headers));
}

httplib::Result TestServer::post_raw(const std::string& body, const std::string& content_type,
                                     httplib::Headers headers) const {
  headers.emplace("Origin", kOrigin);
  auto c = client();
  return c.Post("/track", headers, body, content_type.c_str());
}

json TestServer::get_json(const std::string& path) const {
  auto c = client();
  auto r = c.Get(path.c_str());
  if (!r || r->status != 200) throw std::runtime_error("GET " + path + " failed");
  return json::parse(r->body);
}

json TestServer::admin_json(const std::string& path) const {
  auto c = admin();
  auto r = c.Get(path.c_str());
  if (!r || r->status != 200) throw std::runtime_error("GET " + path + " failed");
  return json::parse(r->body);
}

json payload(const std::string& source, const json& session, const json& profile,
             const json& events) {
  return {{"source", {{"id", source}}},
          {"session", session.is_null() ? json(nullptr) : json{{"id", session}}},
          {"profile", profile.is_null() ? json(nullptr) : json{{"id", profile}}},
          {"device", {{"id", "dev-1"}}},
          {"context", json::object()},
          {"options", json::object()},
          // `{event(..)}` with one element is a copy, not a list, in nlohmann's brace init.
          {"events", events.is_object() ? json::array({events}) : events}};
}

json event(const std::string& type, const std::string& id) {
  json e = {{"type", type},
            {"properties", {{"n", 1}}},
            {"options", json::object()},
            {"context", {{"page", {{"url", "http://shop.example.test/"}}}}},
            {"time", {{"create", "2024-05-01T10:00:00.000Z"}}}};
  if (!id.empty()) e["id"] = id;
  return e;
}

std::string nested_body(int depth, const std::string& event_id) {
  std::string body = R"({"source":{"id":"demo-source"},"events":[{"id":")" + event_id +
                     R"(","type":"deep","properties":)";
  body.reserve(body.size() + size_t(depth) * 6 + 16);
  for (int i = 0; i < depth; ++i) body += R"({"a":)";
  body += '1';
  body.append(size_t(depth), '}');
  body += "}]}";
  return body;
}

}  // namespace collector::testing
