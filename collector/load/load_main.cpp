// collector_load: posts batches of uniquely-id'd events from several client threads (re-posting a
// fraction to simulate retries, and mixing in malformed and deeply nested bodies as a hostile page
// could send), then checks with GET /events that every event was stored exactly once, every
// re-post was counted as a duplicate, every hostile body got a 422 and stored nothing, and the
// collector never stopped answering. Loopback only; bounded in count and time.
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
  double dup_rate = 0.10;
  double malformed_rate = 0.02;  // extra posts of a truncated batch (JSON decode error)
  double deep_rate = 0.01;       // extra posts of a batch with properties nested deep_levels deep
  int deep_levels = 150000;
  std::string source = "demo-source";
  int timeout_s = 120;
};

struct ClientResult {
  std::vector<double> latencies_ms;  // valid batches and their re-posts
  std::vector<double> hostile_ms;    // malformed and deep bodies
  int64_t posts = 0, accepted_events = 0, resent_events = 0, failed_posts = 0;
  int64_t malformed_posts = 0, deep_posts = 0, hostile_422 = 0, hostile_other = 0;
  int64_t no_answer = 0;  // transport errors: a crashed or wedged collector shows up here
  std::vector<std::string> hostile_ids;  // ids inside hostile bodies: must never be stored
  std::vector<std::string> accepted_ids;
  std::string session;
};

const char* const kUsage =
    "usage: collector_load --url http://127.0.0.1:PORT [--clients 8] [--requests 200]\n"
    "                      [--events-per-request 10] [--dup-rate 0.10] [--malformed-rate 0.02]\n"
    "                      [--deep-rate 0.01] [--deep-levels 150000] [--source demo-source]\n"
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
    } else if (a == "--malformed-rate" || a == "--deep-rate") {
      char* end = nullptr;
      double rate = std::strtod(v.c_str(), &end);
      if (*end || rate < 0 || rate > 1) die(a + " must be 0..1");
      (a == "--deep-rate" ? c.deep_rate : c.malformed_rate) = rate;
    } else if (a == "--deep-levels") {
      c.deep_levels = static_cast<int>(number(v, 1, 1000000, a));
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

// A batch of one event whose properties nest `levels` objects deep, built as text.
std::string deep_body(const Config& cfg, const std::string& session, const std::string& id) {
  std::string body = R"({"source":{"id":")" + cfg.source + R"("},"session":{"id":")" + session +
                     R"("},"events":[{"id":")" + id + R"(","type":"load-deep","properties":)";
  body.reserve(body.size() + size_t(cfg.deep_levels) * 6 + 8);
  for (int i = 0; i < cfg.deep_levels; ++i) body += R"({"a":)";
  body += '1';
  body.append(size_t(cfg.deep_levels), '}');
  body += "}]}";
  return body;
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
    if (!res) ++out.no_answer;
    return res && res->status == 200;
  };
  // A body the collector must refuse with 422 and survive.
  auto post_hostile = [&](const std::string& body) {
    auto t0 = Clock::now();
    auto res = http.Post("/track", headers, body, "application/json");
    out.hostile_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!res)
      ++out.no_answer;
    else if (res->status == 422)
      ++out.hostile_422;
    else
      ++out.hostile_other;
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

    if (coin(rng) < cfg.malformed_rate) {
      // The same kind of batch with fresh ids, cut off mid-way: a JSON decode error.
      std::vector<std::string> bad;
      for (int e = 0; e < cfg.events_per_request; ++e)
        bad.push_back(run + "-c" + std::to_string(index) + "-r" + std::to_string(r) + "-bad" +
                      std::to_string(e));
      std::string text = batch_body(cfg, out.session, bad);
      text.resize(text.size() - 1 - static_cast<size_t>(coin(rng) * double(text.size() / 2)));
      out.hostile_ids.insert(out.hostile_ids.end(), bad.begin(), bad.end());
      ++out.malformed_posts;
      post_hostile(text);
    }
    if (coin(rng) < cfg.deep_rate) {
      const std::string id = run + "-c" + std::to_string(index) + "-r" + std::to_string(r) + "-deep";
      out.hostile_ids.push_back(id);
      ++out.deep_posts;
      post_hostile(deep_body(cfg, out.session, id));
    }
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
  // Still answering after everything (a crash would also show as posts without an answer).
  auto health = http.Get("/health");
  const bool alive = health && health->status == 200;
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

  std::vector<double> lat, hostile_lat;
  int64_t posts = 0, sent = 0, resent = 0, failed = 0, lost = 0, twice = 0;
  int64_t malformed = 0, deep = 0, hostile_422 = 0, hostile_other = 0, no_answer = 0;
  int64_t hostile_stored = 0;
  for (const auto& r : results) {
    lat.insert(lat.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    hostile_lat.insert(hostile_lat.end(), r.hostile_ms.begin(), r.hostile_ms.end());
    posts += r.posts;
    sent += r.accepted_events;
    resent += r.resent_events;
    failed += r.failed_posts;
    malformed += r.malformed_posts;
    deep += r.deep_posts;
    hostile_422 += r.hostile_422;
    hostile_other += r.hostile_other;
    no_answer += r.no_answer;
    for (const auto& id : r.accepted_ids) {
      auto it = stored.find(id);
      if (it == stored.end()) ++lost;
    }
    for (const auto& id : r.hostile_ids) hostile_stored += stored.count(id) ? 1 : 0;
  }
  const int64_t all_posts = posts + malformed + deep;
  for (const auto& [id, n] : stored)
    if (n > 1) ++twice;
  int64_t planned = int64_t(cfg.clients) * cfg.requests * cfg.events_per_request;

  std::printf("| metric | value |\n|---|---|\n");
  std::printf("| clients x requests x events | %d x %d x %d |\n", cfg.clients, cfg.requests,
              cfg.events_per_request);
  std::printf("| mix | %.0f %% re-posts, %.0f %% malformed, %.0f %% nested %d deep |\n",
              cfg.dup_rate * 100, cfg.malformed_rate * 100, cfg.deep_rate * 100, cfg.deep_levels);
  std::printf("| elapsed s | %.2f |\n", elapsed);
  std::printf("| accepted events/s | %.0f |\n", static_cast<double>(sent) / elapsed);
  std::printf("| requests/s (all posts) | %.0f |\n", static_cast<double>(all_posts) / elapsed);
  std::printf("| p50 latency ms (valid batches) | %.2f |\n", percentile(lat, 0.50));
  std::printf("| p99 latency ms (valid batches) | %.2f |\n", percentile(lat, 0.99));
  std::printf("| p50 / p99 latency ms (hostile bodies) | %.2f / %.2f |\n",
              percentile(hostile_lat, 0.50), percentile(hostile_lat, 0.99));
  std::printf("| events sent (unique, accepted) | %lld of %lld planned |\n",
              static_cast<long long>(sent), static_cast<long long>(planned));
  std::printf("| events re-sent (retries) | %lld |\n", static_cast<long long>(resent));
  std::printf("| failed posts | %lld |\n", static_cast<long long>(failed));
  std::printf("| stored (unique) | %lld |\n", static_cast<long long>(stored.size()));
  std::printf("| lost | %lld |\n", static_cast<long long>(lost));
  std::printf("| duplicated (stored twice) | %lld |\n", static_cast<long long>(twice));
  std::printf("| duplicates counted by server | %lld |\n",
              static_cast<long long>(server_duplicates));
  std::printf("| hostile posts (malformed + deep) | %lld + %lld |\n",
              static_cast<long long>(malformed), static_cast<long long>(deep));
  std::printf("| hostile answered 422 | %lld |\n", static_cast<long long>(hostile_422));
  std::printf("| hostile answered otherwise | %lld |\n", static_cast<long long>(hostile_other));
  std::printf("| hostile events stored | %lld |\n", static_cast<long long>(hostile_stored));
  std::printf("| posts without an answer (crash, reset) | %lld |\n",
              static_cast<long long>(no_answer));
  std::printf("| crashes (no answer, or /health down at the end) | %lld |\n",
              static_cast<long long>(no_answer + (alive ? 0 : 1)));

  bool ok = read_ok && lost == 0 && twice == 0 && server_duplicates >= resent && sent == planned &&
            alive && no_answer == 0 && hostile_other == 0 && hostile_stored == 0;
  if (!alive) std::fprintf(stderr, "collector_load: /health does not answer after the run\n");
  if (no_answer || hostile_other || hostile_stored)
    std::fprintf(stderr, "collector_load: hostile bodies were not all refused cleanly\n");
  if (!read_ok) std::fprintf(stderr, "collector_load: could not read /events\n");
  if (sent != planned) std::fprintf(stderr, "collector_load: not every batch was accepted\n");
  if (server_duplicates < resent)
    std::fprintf(stderr, "collector_load: server counted fewer duplicates than re-sent events\n");
  return ok ? 0 : 1;
}
