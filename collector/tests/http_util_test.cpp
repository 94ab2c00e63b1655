// drop_connection must close the request's own socket and nothing else. httplib gives handlers no
// socket, so it is found by its addresses; matching ports alone hit the wrong one when another
// connection shares the ports on other loopback addresses.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "http_util.hpp"
#include "test_server.hpp"

namespace collector::testing {
namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

sockaddr_in v4(const char* ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

bool bind_to(int fd, const char* ip, int port) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = v4(ip, port);
  return ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

int local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

TEST(DropConnection, ClosesOnlyTheRequestsOwnSocket) {
  // The request's client socket, bound first so its port Q is known.
  Fd client(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(bind_to(client.fd, "127.0.0.1", 0));
  const int q = local_port(client.fd);
  int p = 0;
  {
    Fd probe(socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_TRUE(bind_to(probe.fd, "127.0.0.1", 0));
    p = local_port(probe.fd);
  }

  // A decoy connection 127.0.0.3:Q -> 127.0.0.2:P in this same process: the same two ports as
  // the request's server-side socket will have (local P, peer Q), on other addresses. Made
  // before the collector starts, it holds lower descriptors than anything the collector opens,
  // so a scan by port meets it first.
  Fd decoy_listener(socket(AF_INET, SOCK_STREAM, 0));
  if (!bind_to(decoy_listener.fd, "127.0.0.2", p) || listen(decoy_listener.fd, 1) != 0)
    GTEST_SKIP() << "cannot listen on 127.0.0.2:" << p;
  Fd decoy_client(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_TRUE(bind_to(decoy_client.fd, "127.0.0.3", q));
  sockaddr_in decoy_addr = v4("127.0.0.2", p);
  ASSERT_EQ(connect(decoy_client.fd, reinterpret_cast<sockaddr*>(&decoy_addr), sizeof decoy_addr), 0);
  Fd decoy_server(accept(decoy_listener.fd, nullptr, nullptr));
  ASSERT_GE(decoy_server.fd, 0);
  // Fill any free descriptor below the decoy's so nothing later lands under it.
  std::vector<std::unique_ptr<Fd>> fillers;
  for (;;) {
    int f = ::open("/dev/null", O_RDONLY);
    if (f < 0) break;
    fillers.push_back(std::make_unique<Fd>(f));
    if (f > decoy_server.fd) break;
  }

  const std::string db = "/tmp/collector-test-drop-" + std::to_string(getpid()) + ".db";
  Options o;
  o.port = p;
  o.db_path = db;
  Collector server(o, SourceRegistry::builtin());
  std::string error;
  ASSERT_TRUE(server.open(error)) << error;
  std::thread serving([&] { server.run(); });
  while (!server.running()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(server.faults().configure({{"drop_next", 1}}, error)) << error;

  sockaddr_in collector_addr = v4("127.0.0.1", p);
  ASSERT_EQ(connect(client.fd, reinterpret_cast<sockaddr*>(&collector_addr), sizeof collector_addr),
            0);
  const std::string body = payload("demo-source", nullptr, nullptr, {event("a", "drop-1")}).dump();
  const std::string request = "POST /track HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(p) +
                              "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  ASSERT_EQ(send(client.fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  timeval tv{5, 0};
  setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = recv(client.fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, size_t(n));
  EXPECT_EQ(answer.rfind("HTTP/", 0), std::string::npos) << "the request got an answer: " << answer;
  EXPECT_EQ(answer, "DROPPED\r\n\r\n");

  // The decoy still carries data both ways.
  ASSERT_EQ(send(decoy_client.fd, "ping", 4, MSG_NOSIGNAL), 4);
  setsockopt(decoy_server.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char got[4] = {};
  EXPECT_EQ(recv(decoy_server.fd, got, sizeof got, 0), 4) << "the decoy was shut down";
  EXPECT_EQ(send(decoy_server.fd, "pong", 4, MSG_NOSIGNAL), 4);

  server.stop();
  serving.join();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
}

}  // namespace
}  // namespace collector::testing
