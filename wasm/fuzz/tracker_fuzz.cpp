// libFuzzer target: drives one Tracker with an arbitrary script of calls decoded from the input,
// covering configuration, track() input, response bodies, Retry-After headers and snapshots, and
// checks the core's invariants after every step. The core must never crash, abort or throw.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tracker/batch.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace {

struct Reader {
  const std::uint8_t* data;
  std::size_t size;
  std::uint8_t byte() {
    if (size == 0) return 0;
    --size;
    return *data++;
  }
  std::uint32_t word() { return byte() | (byte() << 8) | (byte() << 16) | (static_cast<std::uint32_t>(byte()) << 24); }
  // A length-prefixed chunk of the input as text.
  std::string text() {
    std::size_t n = byte();
    if (n == 255) n = (byte() << 8) | byte();
    n = std::min(n, size);
    std::string s(reinterpret_cast<const char*>(data), n);
    data += n;
    size -= n;
    return s;
  }
  bool done() const { return size == 0; }
};

const char* const good_options =
    R"({"tracker":{"url":{"api":"http://c"},"source":{"id":"s"},"profile":{"id":"p"}}})";

void check(const tracker::Tracker& t) {
  const tracker::Stats s = t.stats();
  if (s.queued > tracker::policy::max_queued_events) std::abort();
  if (s.queued_bytes > tracker::policy::max_queued_bytes) std::abort();
  if (t.snapshot().size() > tracker::policy::max_queued_bytes + s.queued * 64 + 64) std::abort();
  std::uint64_t dropped = 0;
  for (const auto& [reason, n] : s.dropped) dropped += n;
  if (s.accepted + s.restored != s.acked + s.handed_off + s.transferred + dropped + s.queued) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in{data, size};
  const bool fuzz_config = in.byte() & 1;
  tracker::Tracker t(fuzz_config ? in.text() : std::string(good_options));
  double now = 1.7e12;
  double wall_shift = 0;
  auto clock = [&] { return tracker::Clock{now + wall_shift, now}; };
  std::uint32_t last_request = 0;
  auto entropy = [&in] { return tracker::Entropy{{in.word(), in.word(), in.word(), in.word()}}; };
  // Arguments are read into locals first: evaluation order of call arguments is unspecified.
  const std::string identity = in.text(), stored = in.text();
  t.start(clock(), identity, stored, entropy());
  while (!in.done()) {
    now += in.byte() * 97.0;
    switch (in.byte() % 15) {
      case 2: {
        const std::string records = in.text();
        (void)tracker::track_batch(t, records);
        break;
      }
      case 0: case 1: {
        const std::string type = in.text(), props = in.text(), opts = in.text();
        const tracker::Entropy e = entropy();
        t.track(type, props, opts, clock(), 0, e);
        break;
      }
      case 3: t.on_load(clock()); break;
      case 4: t.on_hidden(clock()); break;
      case 5: t.on_visible(clock()); break;
      case 6: t.set_online(in.byte() & 1, clock()); break;
      case 7: t.flush(clock()); break;
      case 8: {
        now += in.word();
        const tracker::Entropy e = entropy();
        t.on_wake(clock(), e);
        break;
      }
      case 12:
        // Page leave, or the tab election changing its mind (a hand-over comes back as a restore).
        if (in.byte() & 1) {
          t.on_page_leave(clock());
        } else {
          t.set_role(t.role() == tracker::Role::leader ? tracker::Role::follower : tracker::Role::leader, clock());
          const tracker::Effects fx = t.take_effects();
          if (!fx.handover.empty() && (in.byte() & 1)) t.restore(fx.handover, clock());
        }
        break;
      case 13: {
        // A burst, so that short inputs reach the queue bounds (1,000 events / 1 MB).
        const int n = in.byte() * 8;
        const std::string props = in.text();
        const bool fire = in.byte() & 1;
        for (int i = 0; i < n; ++i) {
          const tracker::Entropy e = entropy();
          t.track("b", props, fire ? R"({"fire":true})" : "", clock(), 0, e);
        }
        break;
      }
      case 14: wall_shift += (static_cast<int>(in.byte()) - 128) * 3.6e6; break;  // sleep / clock change
      case 9: case 10: {
        static constexpr int statuses[] = {0, 200, 204, 400, 408, 413, 422, 429, 500, 503, 302, 999, -1};
        const int status = statuses[in.byte() % 13];
        const std::uint32_t id = (in.byte() & 1) ? last_request : in.byte();
        const std::string retry_after = in.text(), body = in.text();
        const tracker::Entropy e = entropy();
        t.on_response(id, status, retry_after, body, clock(), e);
        break;
      }
      case 11: {
        const std::string a = in.text(), b = in.text(), c = in.text();
        t.set_context(a);
        t.set_page_context(b);
        t.set_payload_options(c);
        break;
      }
    }
    const tracker::Effects fx = t.take_effects();
    for (const auto& s : fx.sends) last_request = s.request_id;
    if (!fx.sends.empty() && fx.sends.back().body.find("\"events\":[]") != std::string::npos) std::abort();
    (void)tracker::effects_to_json(fx);
    check(t);
  }
  // A snapshot must always restore into a working tracker. Restoring may only shrink it (events
  // sharing an id, which fuzzed entropy can produce, are merged; expired ones dropped), and a
  // restored snapshot restores to itself.
  tracker::Tracker again(good_options);
  again.start(clock(), "{}", t.snapshot(), entropy());
  if (again.stats().queued > t.stats().queued) std::abort();
  tracker::Tracker third(good_options);
  third.start(clock(), "{}", again.snapshot(), entropy());
  if (third.stats().queued != again.stats().queued || third.snapshot() != again.snapshot()) std::abort();
  return 0;
}
