#include "admin_guard.hpp"

#include <algorithm>
#include <cctype>

#include <httplib.h>

#include "http_util.hpp"

namespace collector {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

bool is_admin_path(const std::string& path) {
  return path == "/__admin" || path.rfind("/__admin/", 0) == 0;
}

void AdminGuard::configure(const std::string& bind_host, int port) {
  std::vector<std::string> names = {"127.0.0.1", "localhost", "[::1]"};
  const std::string h = lower(bind_host);
  if (!h.empty() && h != "0.0.0.0" && h != "::" && h != "[::]")
    names.push_back(h.find(':') != std::string::npos && h.front() != '[' ? "[" + h + "]" : h);
  hosts_.clear();
  for (const auto& n : names) {
    hosts_.push_back(n + ":" + std::to_string(port));
    if (port == 80) hosts_.push_back(n);
  }
}

bool AdminGuard::own_host(const std::string& host) const {
  return std::find(hosts_.begin(), hosts_.end(), lower(host)) != hosts_.end();
}

std::string AdminGuard::refusal(const httplib::Request& req) const {
  if (!is_loopback_address(req.remote_addr)) return "Admin endpoints answer loopback peers only";
  if (!own_host(req.get_header_value("Host")))
    return "Admin endpoints answer requests addressed to this collector only";
  if (req.has_header("Origin")) {
    const std::string origin = lower(req.get_header_value("Origin"));
    const std::string scheme = "http://";
    if (origin.rfind(scheme, 0) != 0 || !own_host(origin.substr(scheme.size())))
      return "Admin endpoints refuse cross-origin requests";
  }
  if (req.get_header_value("X-Collector-Admin") != "1")
    return "Admin endpoints need the X-Collector-Admin: 1 header";
  return {};
}

}  // namespace collector
