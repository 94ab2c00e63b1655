// Who may call /__admin/* (reset, fault injection). The collector listens where every page in the
// developer's browser can reach it, and that browser is a loopback peer, so the peer address
// alone does not keep web pages out. A request passes when all of these hold:
//  - the peer is loopback (other machines never);
//  - Host names this collector (127.0.0.1, localhost, [::1] or the bind address, with its port):
//    a DNS-rebound page of evil.example is same-origin with itself but still says evil.example;
//  - Origin is absent or one of those same names over http: a page elsewhere is refused even
//    when a CORS request lets it send headers;
//  - `X-Collector-Admin: 1` is present: a cross-site `no-cors` request (no preflight, any body)
//    cannot carry a custom header.
#pragma once

#include <string>
#include <vector>

namespace httplib {
struct Request;
}

namespace collector {

bool is_admin_path(const std::string& path);

class AdminGuard {
 public:
  // `bind_host` as given to --host (a wildcard adds no name); `port` the bound port.
  void configure(const std::string& bind_host, int port);
  // Empty when the request may proceed, else the reason (the 403 detail).
  std::string refusal(const httplib::Request& req) const;

 private:
  bool own_host(const std::string& host) const;
  std::vector<std::string> hosts_;  // lower-case "name:port" (and "name" for port 80)
};

}  // namespace collector
