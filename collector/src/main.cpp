// collector: a local Tracardi-compatible /track endpoint for the demo and the e2e tests.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli.hpp"
#include "server.hpp"

using namespace collector;

int main(int argc, char** argv) {
  CliResult cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (cli.help) {
    std::cout << usage();
    return 0;
  }
  if (!cli.ok) {
    std::cerr << "collector: " << cli.error << "\n" << usage();
    return 2;
  }

  SourceRegistry sources;
  std::string error;
  std::string sources_path = cli.options.sources_path;
  if (sources_path.empty() && std::ifstream(default_sources_path()).good())
    sources_path = default_sources_path();
  if (sources_path.empty()) {
    sources = SourceRegistry::builtin();
  } else if (!sources.load_file(sources_path, error)) {
    std::cerr << "collector: " << error << "\n";
    return 2;
  }

  // Block the stop signals before any thread starts so only the waiter below receives them;
  // stopping from a normal thread lets us close SQLite cleanly instead of dying mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Collector server(cli.options, std::move(sources));
  if (!server.open(error)) {
    std::cerr << "collector: " << error << "\n";
    return 1;
  }
  std::thread([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  }).detach();

  if (cli.options.mint_ids)
    std::fprintf(stderr,
                 "collector: --mint-ids: every event is stored under a server uuid4, as Tracardi "
                 "0.8.x does; copies are rows sharing a client_id\n");
  std::printf("collector listening on http://%s:%d\n", cli.options.host.c_str(), server.port());
  std::fflush(stdout);
  server.run();  // returns after stop(), with the database checkpointed and closed
  std::fprintf(stderr, "collector: stopped\n");
  return 0;
}
