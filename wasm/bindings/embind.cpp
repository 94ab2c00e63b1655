// Embind surface of the core: strings and numbers only, effects as JSON text (see
// docs/design.md "Binding contract"). The only file that includes Emscripten headers.
#include <emscripten/bind.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracker/batch.hpp"
#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace {

tracker::Entropy entropy(unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
  return tracker::Entropy{{r0, r1, r2, r3}};
}

// Every call carries both host clocks: wall = Date.now(), mono = performance.now().
tracker::Clock clock(double wall, double mono) { return tracker::Clock{wall, mono}; }

// "a FIELD b RECORD c FIELD d RECORD" -> {a, b}, {c, d} (a record without a field: {a, ""}).
std::vector<std::pair<std::string, std::string>> split_pairs(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(static_cast<char>(tracker::record_separator), at);
    if (end == std::string::npos) end = text.size();
    const std::string_view rec(text.data() + at, end - at);
    const std::size_t sep = rec.find(static_cast<char>(tracker::field_separator));
    if (sep == std::string_view::npos) out.emplace_back(std::string(rec), std::string());
    else out.emplace_back(std::string(rec.substr(0, sep)), std::string(rec.substr(sep + 1)));
    at = end + 1;
  }
  return out;
}

class TrackerCore {
 public:
  explicit TrackerCore(const std::string& options_json) : core_(options_json) {}

  std::string start(double wall, double mono, const std::string& identity, const std::string& snapshot,
                    unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    core_.start(clock(wall, mono), identity, snapshot, entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  std::string restore(const std::string& snapshot, double wall, double mono) {
    core_.restore(snapshot, clock(wall, mono));
    return takeEffects();
  }
  // The tab protocol (docs/design.md "Persistence across tabs"): facts in, effects out ("tabs").
  std::string joinTabs(const std::string& base, bool locks, bool channel, bool storage, double wall, double mono,
                       unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    core_.join_tabs(base, tracker::TabCaps{locks, channel, storage}, clock(wall, mono), entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  // One entry for every other fact of the tab protocol (one binding function, not eleven: each
  // costs the wasm its argument conversions). op: tracker::TabFact; a, b, n as it says.
  std::string tabFact(int op, const std::string& a, const std::string& b, double n, double wall, double mono) {
    const tracker::Clock now = clock(wall, mono);
    switch (static_cast<tracker::TabFact>(op)) {
      case tracker::TabFact::lock:
        core_.on_lock(static_cast<tracker::LockFact>(n >= 0 && n <= 2 ? static_cast<int>(n) : 1), now);
        break;
      case tracker::TabFact::lease: core_.on_lease(a, now); break;
      case tracker::TabFact::message: {
        // n = hand-over number * 4 + kind (0 handover, 1 ack, 2 held, 3 parting)
        const int kind = n >= 0 && n < 17179869184.0 ? static_cast<int>(static_cast<std::uint64_t>(n) % 4) : -1;
        if (kind >= 0) {
          core_.on_message(tracker::TabMessage{static_cast<tracker::TabMessage::Kind>(kind), a,
                                               static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) / 4), b},
                           now);
        }
        break;
      }
      case tracker::TabFact::storage: core_.on_storage(a, b, now); break;
      case tracker::TabFact::key: core_.on_key(a, now); break;
      case tracker::TabFact::stored: core_.on_stored(split_pairs(a), now); break;
      case tracker::TabFact::persisted: core_.on_persisted(n != 0, now); break;
      case tracker::TabFact::kept: {
        std::vector<std::string> keys;
        for (auto& [key, unused] : split_pairs(a)) keys.push_back(std::move(key));
        core_.kept_replayed(std::move(keys), now);
        break;
      }
      case tracker::TabFact::resign: core_.resign(n != 0, now); break;
      case tracker::TabFact::rejoin: core_.rejoin(now); break;
      case tracker::TabFact::leave: core_.leave_tabs(now, true); break;
      case tracker::TabFact::unwritten: core_.on_unwritten(a, b, now); break;
      case tracker::TabFact::kept_stored: core_.on_kept_stored(now); break;
      case tracker::TabFact::reset: {
        tracker::Entropy e{};
        for (std::size_t i = 0; i < 32 && i < a.size(); ++i) {
          const char ch = a[i];
          const unsigned d = ch >= 'a' ? ch - 'a' + 10 : ch >= 'A' ? ch - 'A' + 10 : ch - '0';
          e.words[i / 8] = e.words[i / 8] << 4 | (d & 15);
        }
        core_.reset(now, e);
        break;
      }
      case tracker::TabFact::consent:
        // An unknown state holds (pending): nothing is stored or sent on a value not understood.
        core_.set_consent(static_cast<tracker::Consent>(n == 0 || n == 2 ? static_cast<int>(n) : 1), now);
        break;
    }
    return takeEffects();
  }
  // The session cookie's value as the host just read it ("" when gone): the session id to write
  // to the cookie now, or "". Identity effects come with the next call's.
  std::string sessionCookie(const std::string& cookie, bool leaving, double wall, double mono) {
    return core_.session_cookie(cookie, leaving, clock(wall, mono));
  }
  // Facts about the page, one binding function (each costs the wasm its argument conversions and
  // its registration): op 0 onLoad, 1 onHidden, 2 onNavigate, 3 onVisible, 4 flush (a, b: wall,
  // mono), 5 onPageLeave (a, b: wall, mono; c: persisted), 6 setOnline (a: online; b, c: wall,
  // mono). All doubles, so that js-glue/src/core-handle.js passes each method's arguments as they
  // come (a boolean arrives as 1 or 0).
  std::string page(int op, double a, double b, double c) {
    const tracker::Clock now = op == 6 ? clock(b, c) : clock(a, b);
    switch (op) {
      case 0: core_.on_load(now); break;
      case 1: core_.on_hidden(now); break;
      case 2: core_.on_navigate(now); break;
      case 3: core_.on_visible(now); break;
      case 4: core_.flush(now); break;
      case 5: core_.on_page_leave(now, c != 0); break;
      case 6: core_.set_online(a != 0, now); break;
    }
    return takeEffects();
  }
  // JSON set on the core: op 0 setContext, 1 setPageContext, 2 setPayloadOptions.
  void set(int op, const std::string& json) {
    if (op == 0) core_.set_context(json);
    else if (op == 1) core_.set_page_context(json);
    else core_.set_payload_options(json);
  }
  std::string trackBatch(const std::string& records) { return tracker::track_batch(core_, records); }
  std::string onWake(double wall, double mono, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    core_.on_wake(clock(wall, mono), entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  std::string onResponse(unsigned id, int status, const std::string& retry_after, const std::string& body,
                         double wall, double mono, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    core_.on_response(id, status, retry_after, body, clock(wall, mono), entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  std::string takeEffects() { return core_.take_effects_json(); }
  // The core's texts, one binding function (js-glue/src/core-handle.js GET): op 0 configError,
  // 1 lastError, 2 takeEffects, 3 snapshot, 4 stats, 5 fates (the fate log, fates.hpp).
  std::string get(int op) {
    switch (op) {
      case 0: return core_.config_error();
      case 1: return core_.last_error();
      case 2: return takeEffects();
      case 3: return core_.snapshot();
      case 4: return tracker::stats_to_json(core_.current_stats());
      default: return core_.fates();
    }
  }

 private:
  tracker::Tracker core_;
};


// Free functions over a core's address, not an Embind class: Embind's class support (handles,
// pointer types, upcasts, finalizers) was 2.3 KB gzip of its 5.8 KB JS runtime, and the glue needs
// none of it (js-glue/src/core-handle.js gives it an object with the methods again). create()
// returns the address (wasm32: it fits an unsigned int), destroy() frees it; the glue never
// passes an address after destroy (core-handle.js throws instead).
unsigned create(const std::string& options) { return reinterpret_cast<std::uintptr_t>(new TrackerCore(options)); }
void destroy(unsigned self) { delete reinterpret_cast<TrackerCore*>(self); }

// method<&TrackerCore::f>: a free function (unsigned self, args...) calling f on that core.
template <typename> struct Method;
template <typename R, typename... A> struct Method<R (TrackerCore::*)(A...)> {
  template <R (TrackerCore::*F)(A...)> static R call(unsigned self, A... a) {
    return (reinterpret_cast<TrackerCore*>(self)->*F)(a...);
  }
};
template <typename R, typename... A> struct Method<R (TrackerCore::*)(A...) const> {
  template <R (TrackerCore::*F)(A...) const> static R call(unsigned self, A... a) {
    return (reinterpret_cast<const TrackerCore*>(self)->*F)(a...);
  }
};
template <auto F> constexpr auto method = &Method<decltype(F)>::template call<F>;

}  // namespace

EMSCRIPTEN_BINDINGS(tracker_core) {
  // The contract constants the glue needs, from the headers that define them (never hand-copied).
  emscripten::constant("TRACK_EFFECTS_PENDING", static_cast<int>(tracker::track_effects_pending));
  emscripten::constant("TRACK_PERSIST_DUE", static_cast<int>(tracker::track_persist_due));
  emscripten::constant("TRACK_DEFERRED", static_cast<int>(tracker::track_deferred));
  emscripten::constant("TRACK_HELD", static_cast<int>(tracker::track_held));
  emscripten::constant("RECORD_SEPARATOR", static_cast<int>(tracker::record_separator));
  emscripten::constant("FIELD_SEPARATOR", static_cast<int>(tracker::field_separator));
  emscripten::constant("STATUS_NO_ANSWER", tracker::status_no_answer);
  emscripten::constant("STATUS_HANDED_OFF", tracker::status_handed_off);
  // Input longer than this (in UTF-16 units, so at least as many UTF-8 bytes) is refused by the
  // glue before it crosses into wasm memory, which never shrinks again.
  emscripten::constant("MAX_EVENT_BYTES", static_cast<double>(tracker::policy::max_event_bytes));

  emscripten::function("create", &create);
  emscripten::function("destroy", &destroy);
  emscripten::function("start", method<&TrackerCore::start>);
  emscripten::function("restore", method<&TrackerCore::restore>);
  emscripten::function("joinTabs", method<&TrackerCore::joinTabs>);
  emscripten::function("tabFact", method<&TrackerCore::tabFact>);
  emscripten::function("sessionCookie", method<&TrackerCore::sessionCookie>);
  emscripten::function("set", method<&TrackerCore::set>);
  emscripten::function("get", method<&TrackerCore::get>);
  emscripten::function("trackBatch", method<&TrackerCore::trackBatch>);
  emscripten::function("page", method<&TrackerCore::page>);
  emscripten::function("onWake", method<&TrackerCore::onWake>);
  emscripten::function("onResponse", method<&TrackerCore::onResponse>);
}
