#include "http_util.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>

#include <httplib.h>

namespace collector {

std::string uuid4() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (uint64_t(std::random_device{}()) << 32)};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32),
                unsigned((hi >> 16) & 0xffff), unsigned(hi & 0xffff), unsigned(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string strip(const std::string& s) {
  auto ws = [](unsigned char c) { return std::isspace(c) != 0; };
  auto b = std::find_if_not(s.begin(), s.end(), ws);
  auto e = std::find_if_not(s.rbegin(), s.rend(), ws).base();
  return b < e ? std::string(b, e) : std::string();
}

bool is_loopback_address(const std::string& addr) {
  if (addr == "::1") return true;
  std::string v4 = addr;
  const std::string mapped = "::ffff:";
  if (v4.size() > mapped.size() && std::equal(mapped.begin(), mapped.end(), v4.begin(),
                                              [](char a, char b) {
                                                return a == std::tolower(static_cast<unsigned char>(b));
                                              }))
    v4 = v4.substr(mapped.size());
  in_addr a{};
  if (inet_pton(AF_INET, v4.c_str(), &a) != 1) return false;
  return (ntohl(a.s_addr) >> 24) == 127;
}

void apply_cors(const httplib::Request& req, httplib::Response& res) {
  // Starlette adds nothing when the request has no Origin (not a CORS request).
  if (!req.has_header("Origin")) return;
  const std::string& p = req.path;
  if (p == "/__admin" || p.rfind("/__admin/", 0) == 0) return;
  if (p == "/events" || p == "/requests" || p == "/summary" || p == "/health") {
    res.set_header("Access-Control-Allow-Origin", "*");
    return;
  }
  res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
  res.set_header("Access-Control-Allow-Credentials", "true");
  res.set_header("Access-Control-Expose-Headers", "Retry-After");
  res.set_header("Vary", "Origin");
}

void answer_preflight(const httplib::Request& req, httplib::Response& res) {
  res.status = 200;
  res.set_content("OK", "text/plain; charset=utf-8");
  res.set_header("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
  res.set_header("Access-Control-Max-Age", "600");
  if (req.has_header("Access-Control-Request-Headers"))
    res.set_header("Access-Control-Allow-Headers",
                   req.get_header_value("Access-Control-Request-Headers"));
}

void register_mime_types(httplib::Server& server) {
  server.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
  server.set_file_extension_and_mimetype_mapping("js", "text/javascript");
  server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  server.set_file_extension_and_mimetype_mapping("map", "application/json");
  server.set_file_extension_and_mimetype_mapping("json", "application/json");
  server.set_file_extension_and_mimetype_mapping("html", "text/html; charset=utf-8");
  server.set_file_extension_and_mimetype_mapping("css", "text/css");
  server.set_file_extension_and_mimetype_mapping("svg", "image/svg+xml");
  server.set_file_extension_and_mimetype_mapping("ico", "image/x-icon");
  server.set_file_extension_and_mimetype_mapping("txt", "text/plain; charset=utf-8");
}

namespace {
int port_of(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return -1;
}

// The numeric form httplib gives in Request::remote_addr/local_addr (getnameinfo, NUMERICHOST).
std::string host_of(const sockaddr_storage& ss, socklen_t len) {
  char host[NI_MAXHOST];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, host, sizeof host, nullptr, 0,
                  NI_NUMERICHOST) != 0)
    return {};
  return host;
}
}  // namespace

bool drop_connection(const httplib::Request& req) {
  rlimit lim{};
  int max_fd = 4096;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    max_fd = static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 65536));
  for (int fd = 3; fd < max_fd; ++fd) {
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (port_of(local) != req.local_port) continue;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (port_of(peer) != req.remote_port) continue;
    // Ports alone are not unique: another connection may pair the same ports on other
    // addresses (127.0.0.2 vs 127.0.0.1, IPv4 vs IPv6). The full four-tuple is.
    if (host_of(local, ll) != req.local_addr || host_of(peer, pl) != req.remote_addr) continue;
    // Chrome silently re-sends a request (even a POST) when a reused keep-alive connection
    // closes before any answer byte, taking it for a stale socket. A few non-HTTP bytes rule
    // that out and are refused as HTTP/0.9 on a non-80 port (ERR_INVALID_HTTP_RESPONSE), so the
    // page really sees a network error. (A truncated status line is not enough: Chrome
    // accepts "HTTP/1.1 5" as status 5.)
    static const char kGarbage[] = "DROPPED\r\n\r\n";
    (void)!send(fd, kGarbage, sizeof kGarbage - 1, MSG_NOSIGNAL);
    // httplib still owns and closes the fd; we only make every further read/write on it fail.
    shutdown(fd, SHUT_RDWR);
    return true;
  }
  return false;
}

namespace {
std::string media_type(const std::string& content_type) {
  std::string t = strip(content_type.substr(0, content_type.find(';')));
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}
}  // namespace

bool is_json_content_type(const std::string& content_type) {
  if (strip(content_type).empty()) return true;  // FastAPI parses a body with no type as JSON
  std::string t = media_type(content_type);
  const std::string app = "application/";
  if (t.compare(0, app.size(), app) != 0) return false;
  std::string sub = t.substr(app.size());
  return sub == "json" || (sub.size() > 5 && sub.compare(sub.size() - 5, 5, "+json") == 0);
}

bool is_text_plain(const std::string& content_type) {
  return media_type(content_type) == "text/plain";
}

}  // namespace collector
