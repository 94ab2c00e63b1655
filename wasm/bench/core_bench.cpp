// Native cost of the core per event (Google Benchmark). Not a test: run by bench/run.
#include <benchmark/benchmark.h>

#include <string>

#include "tracker/tracker.hpp"

namespace {

const char* const opts = R"({"tracker":{"url":{"api":"http://c"},"source":{"id":"s"}}})";
const char* const props = R"({"a":1,"b":"x"})";
const char* const page = R"({"page":{"url":"http://127.0.0.1/demo","path":"/demo","title":"Demo"}})";

tracker::Entropy entropy(std::uint32_t i) { return tracker::Entropy{{i * 2654435761u, i, ~i, i ^ 0x5bd1e995u}}; }

// track() after load: validate, serialize, enqueue; a batch leaves every 50 events and is acked.
void BM_TrackAfterLoad(benchmark::State& state) {
  tracker::Tracker t(opts);
  const tracker::Clock now{1.7e12, 1000};
  std::uint32_t i = 0;
  t.start(now, "{}", "", entropy(++i));
  t.set_page_context(page);
  t.on_load(now);
  t.take_effects();
  for (auto _ : state) {
    const int r = t.track("page-view", props, "", now, 0, entropy(++i));
    benchmark::DoNotOptimize(r);
    if (r & tracker::track_effects_pending) {
      tracker::Effects fx = t.take_effects();
      for (const auto& s : fx.sends) t.on_response(s.request_id, 200, "", "{}", now, entropy(++i));
      t.take_effects();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TrackAfterLoad);

// A whole page: 50 events before load, one batch at load, acked.
void BM_PageOf50(benchmark::State& state) {
  std::uint32_t i = 0;
  for (auto _ : state) {
    tracker::Tracker t(opts);
    const tracker::Clock now{1.7e12, 1000};
    t.start(now, "{}", "", entropy(++i));
    t.set_page_context(page);
    for (int k = 0; k < 50; ++k) t.track("page-view", props, "", now, 0, entropy(++i));
    t.on_load(now);
    tracker::Effects fx = t.take_effects();
    benchmark::DoNotOptimize(fx.sends.front().body.data());
    t.on_response(fx.sends.front().request_id, 200, "", R"({"profile":{"id":"p"}})", now, entropy(++i));
    benchmark::DoNotOptimize(t.take_effects());
  }
  state.SetItemsProcessed(state.iterations() * 50);
}
BENCHMARK(BM_PageOf50);

void BM_Snapshot1000(benchmark::State& state) {
  tracker::Tracker t(opts);
  std::uint32_t i = 0;
  t.start(tracker::Clock{1.7e12, 1000}, "{}", "", entropy(++i));
  t.set_online(false, tracker::Clock{1.7e12, 1000});
  for (int k = 0; k < 1000; ++k) t.track("page-view", props, "", tracker::Clock{1.7e12, 1000}, 0, entropy(++i));
  for (auto _ : state) benchmark::DoNotOptimize(t.snapshot());
}
BENCHMARK(BM_Snapshot1000);

}  // namespace

BENCHMARK_MAIN();
