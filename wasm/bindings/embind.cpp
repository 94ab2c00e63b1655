// Embind surface of the core: strings and numbers only, effects as JSON text (see
// docs/design.md "Binding contract"). The only file that includes Emscripten headers.
#include <emscripten/bind.h>

#include <string>

#include "tracker/batch.hpp"
#include "tracker/tracker.hpp"

namespace {

tracker::Entropy entropy(unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
  return tracker::Entropy{{r0, r1, r2, r3}};
}

class TrackerCore {
 public:
  explicit TrackerCore(const std::string& options_json) : core_(options_json) {}

  std::string configError() const { return core_.config_error(); }
  std::string start(double now, const std::string& identity, const std::string& snapshot, unsigned r0,
                    unsigned r1, unsigned r2, unsigned r3) {
    core_.start(now, identity, snapshot, entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  std::string restore(const std::string& snapshot, double now) {
    core_.restore(snapshot, now);
    return takeEffects();
  }
  void setContext(const std::string& json) { core_.set_context(json); }
  void setPageContext(const std::string& json) { core_.set_page_context(json); }
  void setPayloadOptions(const std::string& json) { core_.set_payload_options(json); }
  int track(const std::string& type, const std::string& props, const std::string& options, double now,
            double created, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    return core_.track(type, props, options, now, created, entropy(r0, r1, r2, r3));
  }
  std::string trackBatch(const std::string& records) { return tracker::track_batch(core_, records); }
  std::string lastError() const { return core_.last_error(); }
  std::string lastEventId() const { return core_.last_event_id(); }
  std::string onLoad(double now) { core_.on_load(now); return takeEffects(); }
  std::string onHidden(double now) { core_.on_hidden(now); return takeEffects(); }
  std::string onVisible(double now) { core_.on_visible(now); return takeEffects(); }
  std::string setOnline(bool online, double now) { core_.set_online(online, now); return takeEffects(); }
  std::string flush(double now) { core_.flush(now); return takeEffects(); }
  std::string onWake(double now) { core_.on_wake(now); return takeEffects(); }
  std::string onResponse(unsigned id, int status, const std::string& retry_after, const std::string& body,
                         double now, unsigned r0, unsigned r1, unsigned r2, unsigned r3) {
    core_.on_response(id, status, retry_after, body, now, entropy(r0, r1, r2, r3));
    return takeEffects();
  }
  std::string takeEffects() { return tracker::effects_to_json(core_.take_effects()); }
  std::string snapshot() const { return core_.snapshot(); }
  std::string stats() const { return tracker::stats_to_json(core_.stats()); }

 private:
  tracker::Tracker core_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(tracker_core) {
  emscripten::class_<TrackerCore>("TrackerCore")
      .constructor<const std::string&>()
      .function("configError", &TrackerCore::configError)
      .function("start", &TrackerCore::start)
      .function("restore", &TrackerCore::restore)
      .function("setContext", &TrackerCore::setContext)
      .function("setPageContext", &TrackerCore::setPageContext)
      .function("setPayloadOptions", &TrackerCore::setPayloadOptions)
      .function("track", &TrackerCore::track)
      .function("trackBatch", &TrackerCore::trackBatch)
      .function("lastError", &TrackerCore::lastError)
      .function("lastEventId", &TrackerCore::lastEventId)
      .function("onLoad", &TrackerCore::onLoad)
      .function("onHidden", &TrackerCore::onHidden)
      .function("onVisible", &TrackerCore::onVisible)
      .function("setOnline", &TrackerCore::setOnline)
      .function("flush", &TrackerCore::flush)
      .function("onWake", &TrackerCore::onWake)
      .function("onResponse", &TrackerCore::onResponse)
      .function("takeEffects", &TrackerCore::takeEffects)
      .function("snapshot", &TrackerCore::snapshot)
      .function("stats", &TrackerCore::stats);
}
