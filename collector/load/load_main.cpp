// collector_load: posts batches of uniquely-id'd events from several client threads (re-posting a
// fraction to simulate retries), then checks with GET /events that every event was stored exactly
// once and every re-post was counted as a duplicate. Loopback only; bounded in count and time.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  std::string host = "127.0.0.1";
  int port = 8686;
  int clients = 8;
  int requests = 200;
  int events_per_request = 10;
  double dup_rate = 0.05;
  std::string source = "demo-source";
  int timeout_s = 120;
};

struct ClientResult {
  std::vector<double> latencies_ms;
  int64_t posts = 0, accepted_events = 0, resent_events = 0, failed_posts = 0;
  std::vector<std::string> accepted_ids;
  std::string session;
};

const char* const kUsage =
    "usage: collector_load --url http://127.0.0.1:PORT [--clients 8] [--requests 200]\n"
    "                      [--events-per-request 10] [--dup-rate 0.05] [--source demo-source]\n"
    "                      [--timeout 120]\n";

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "collector_load: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

long long number(const std::string& v, long long lo, long long hi, const std::string& name) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || n < lo || n > hi)
    die(name + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
  return n;
}

Config parse(int argc, char** argv) {
  Config c;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      std::exit(0);
    }
    if (i + 1 >= argc) die("option " + a + " needs a value (or is unknown)");
    std::string v = argv[++i];
    if (a == "--url") {
      const std::string prefix = "http://";
      if (v.rfind(prefix, 0) != 0) die("--url must start with http://");
      std::string rest = v.substr(prefix.size());
      rest = rest.substr(0, rest.find('/'));
      auto colon = rest.rfind(':');
      if (colon == std::string::npos) die("--url needs a port");
      c.host = rest.substr(0, colon);
      c.port = static_cast<int>(number(rest.substr(colon + 1), 1, 65535, "port"));
      // A load generator must not be pointed at someone else's server.
      if (c.host != "localhost" && c.host.rfind("127.", 0) != 0 && c.host != "[::1]")
        die("--url must be a loopback address");
      if (c.host == "[::1]") c.host = "::1";
      have_url = true;
    } else if (a == "--clients") {
      c.clients = static_cast<int>(number(v, 1, 64, a));
    } else if (a == "--requests") {
      c.requests = static_cast<int>(number(v, 1, 100000, a));
    } else if (a == "--events-per-request") {
      c.events_per_request = static_cast<int>(number(v, 1, 1000, a));
    } else if (a == "--dup-rate") {
      char* end = nullptr;
      c.dup_rate = std::strtod(v.c_str(), &end);
      if (*end || c.dup_rate < 0 || c.dup_rate > 1) die("--dup-rate must be 0..1");
    } else if (a == "--source") {
      c.source = v;
    } else if (a == "--timeout") {
      c.timeout_s = static_cast<int>(number(v, 1, 3600, a));
    } else {
      die("unknown option: " + a);
    }
  }
  if (!have_url) die("--url is required");
  return c;
}

std::string batch_body(const Config& cfg, const std::string& session,
                       const std::vector<std::string>& ids) {
  json events = json::array();
  for (const auto& id : ids)
    events.push_back({{"id", id},
                      {"type", "load-test"},
                      {"properties", {{"sku", "SKU-" + id.substr(id.size() - 4)}, {"price", 19.99}}},
                      {"options", json::object()},
                      {"context", {{"page", {{"url", "http://127.0.0.1/load"}, {"title", "load"}}}}},
                      {"time", {{"create", "2024-05-01T10:00:00.000Z"}}}});
  return json{{"source", {{"id", cfg.source}}},
              {"session", {{"id", session}}},
              {"profile", nullptr},
              {"context", json::object()},
              {"options", json::object()},
              {"events", std::move(events)}}
      .dump();
}

void run_client(const Config& cfg, const std::string& run, int index, Clock::time_point deadline,
                ClientResult& out) {
  httplib::Client http(cfg.host, cfg.port);
  http.set_keep_alive(true);
  http.set_tcp_nodelay(true);  // as browsers do; otherwise Nagle dominates the latency
  http.set_connection_timeout(5);
  http.set_read_timeout(10);
  std::mt19937_64 rng(std::hash<std::string>{}(run) + static_cast<uint64_t>(index));
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  out.session = "load-" + run + "-c" + std::to_string(index);
  const httplib::Headers headers = {{"Origin", "http://127.0.0.1"}};

  auto post = [&](const std::string& body) {
    auto t0 = Clock::now();
    auto res = http.Post("/track", headers, body, "application/json");
    out.latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    ++out.posts;
    return res && res->status == 200;
  };

  for (int r = 0; r < cfg.requests && Clock::now() < deadline; ++r) {
    std::vector<std::string> ids;
    for (int e = 0; e < cfg.events_per_request; ++e) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s-c%d-r%06d-e%04d", run.c_str(), index, r, e);
      ids.emplace_back(buf);
    }
    const std::string body = batch_body(cfg, out.session, ids);
    bool ok = false;
    for (int attempt = 0; attempt < 3 && !ok; ++attempt) {
      ok = post(body);
      if (!ok) ++out.failed_posts;
    }
    if (!ok) continue;  // never accepted: not counted as sent
    out.accepted_events += static_cast<int64_t>(ids.size());
    out.accepted_ids.insert(out.accepted_ids.end(), ids.begin(), ids.end());
    if (coin(rng) < cfg.dup_rate && post(body))  // a retry after a lost answer, as the browser does
      out.resent_events += static_cast<int64_t>(ids.size());
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg = parse(argc, argv);
  std::random_device rd;
  char run[17];
  std::snprintf(run, sizeof run, "%08x%08x", rd(), rd());

  std::vector<ClientResult> results(static_cast<size_t>(cfg.clients));
  std::vector<std::thread> threads;
  auto started = Clock::now();
  auto deadline = started + std::chrono::seconds(cfg.timeout_s);
  for (int i = 0; i < cfg.clients; ++i)
    threads.emplace_back(run_client, std::cref(cfg), std::string(run), i, deadline,
                         std::ref(results[static_cast<size_t>(i)]));
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  // Verify through the read API: each accepted id stored once, re-posts counted as duplicates.
  httplib::Client http(cfg.host, cfg.port);
  http.set_read_timeout(30);
  std::map<std::string, int> stored;  // id -> rows
  int64_t server_duplicates = 0;
  bool read_ok = true;
  for (const auto& r : results) {
    int64_t after = 0;
    for (;;) {
      auto res = http.Get(("/events?session=" + r.session + "&limit=10000&after=" +
                           std::to_string(after)).c_str());
      if (!res || res->status != 200) {
        read_ok = false;
        break;
      }
      json page = json::parse(res->body, nullptr, false);
      if (page.is_discarded() || page["events"].empty()) break;
      for (const auto& e : page["events"]) {
        ++stored[e["id"].get<std::string>()];
        server_duplicates += e["duplicates"].get<int64_t>();
        after = e["row"].get<int64_t>();
      }
    }
  }

  std::vector<double> lat;
  int64_t posts = 0, sent = 0, resent = 0, failed = 0, lost = 0, twice = 0;
  for (const auto& r : results) {
    lat.insert(lat.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    posts += r.posts;
    sent += r.accepted_events;
    resent += r.resent_events;
    failed += r.failed_posts;
    for (const auto& id : r.accepted_ids) {
      auto it = stored.find(id);
      if (it == stored.end()) ++lost;
    }
  }
  for (const auto& [id, n] : stored)
    if (n > 1) ++twice;
  int64_t planned = int64_t(cfg.clients) * cfg.requests * cfg.events_per_request;

  std::printf("| metric | value |\n|---|---|\n");
  std::printf("| clients x requests x events | %d x %d x %d |\n", cfg.clients, cfg.requests,
              cfg.events_per_request);
  std::printf("| elapsed s | %.2f |\n", elapsed);
  std::printf("| accepted events/s | %.0f |\n", static_cast<double>(sent) / elapsed);
  std::printf("| requests/s | %.0f |\n", static_cast<double>(posts) / elapsed);
  std::printf("| p50 latency ms | %.2f |\n", percentile(lat, 0.50));
  std::printf("| p99 latency ms | %.2f |\n", percentile(lat, 0.99));
  std::printf("| events sent (unique, accepted) | %lld of %lld planned |\n",
              static_cast<long long>(sent), static_cast<long long>(planned));
  std::printf("| events re-sent (retries) | %lld |\n", static_cast<long long>(resent));
  std::printf("| failed posts | %lld |\n", static_cast<long long>(failed));
  std::printf("| stored (unique) | %lld |\n", static_cast<long long>(stored.size()));
  std::printf("| lost | %lld |\n", static_cast<long long>(lost));
  std::printf("| duplicated (stored twice) | %lld |\n", static_cast<long long>(twice));
  std::printf("| duplicates counted by server | %lld |\n",
              static_cast<long long>(server_duplicates));

  bool ok = read_ok && lost == 0 && twice == 0 && server_duplicates >= resent && sent == planned;
  if (!read_ok) std::fprintf(stderr, "collector_load: could not read /events\n");
  if (sent != planned) std::fprintf(stderr, "collector_load: not every batch was accepted\n");
  if (server_duplicates < resent)
    std::fprintf(stderr, "collector_load: server counted fewer duplicates than re-sent events\n");
  return ok ? 0 : 1;
}
