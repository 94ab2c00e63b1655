// A simulated browser for the multi-tab property harness (multi_tab_property_test.cpp): several
// tabs of one site, each one real tracker::Tracker (the real core and the real tab protocol), and a
// host per tab that performs the core's effects as the JS glue does (js-glue/src/core-host.js,
// tabs.js, storage.js, identity.js). Only the browser around them is simulated, one job per
// struct, each as adversarial as the schedule asks:
//   Scheduler    discrete time (the "real" clock); every fact reaches a tab as a task
//   SimStorage   localStorage: one truth (the browser process) and a view per tab (its renderer),
//                other tabs' writes reaching a view (and its `storage` event) after a per-tab delay;
//                a quota that refuses writes when other scripts fill the origin's storage
//   SimChannel   BroadcastChannel: per-message delay (so reordering), loss
//   SimLocks     Web Locks: one holder per name, FIFO queue, steal (the holder hears `lost`)
//   SimCollector the /track endpoint: 2xx / 5xx / no answer per an outage schedule; records every
//                event id (and nonce) it stored and how many times
//   CookieJar    the `tracardi-session-id` cookie with its expiry (wall clock)
//   SimTab       one page: its core, its host (timers, persist, identity, lock belief), its life
//                (hidden: timers at the next whole minute; suspended: no fact at all, lock kept;
//                bfcache: frozen and resigned; crashed: the core trapped, lock released, channel
//                closed; destroyed; closed), and glue exceptions (one effect item not performed, the
//                tracker going on, as host-effects.js each() does)
//   SimBrowser   puts them together and routes facts between tabs
// Nothing here decides what the protocol decides: the host performs effects and reports facts.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracker/policy.hpp"
#include "tracker/tracker.hpp"

namespace tracker {
namespace sim {

// ---------------------------------------------------------------------------------------------
// Text helpers: the harness reads event ids and nonces out of snapshots and request bodies. The
// shapes are the core's own (snapshot entries `{"a":..,"t":..,"e":{"id":"<uuid>",...}}`, request
// bodies `{..."events":[{"id":"<uuid>","type":..,"properties":{"nonce":N}...}]}`); properties are
// the harness's, so no `{"id":"` occurs inside them.

inline std::vector<std::string> snapshot_ids(std::string_view text) {
  std::vector<std::string> out;
  static constexpr std::string_view pat = "\"e\":{\"id\":\"";
  for (std::size_t p = text.find(pat); p != std::string_view::npos; p = text.find(pat, p)) {
    p += pat.size();
    const std::size_t q = text.find('"', p);
    if (q == std::string_view::npos) break;
    out.emplace_back(text.substr(p, q - p));
    p = q;
  }
  return out;
}

struct WireEvent {
  std::string id;
  long long nonce = -1;
};

inline long long nonce_after(std::string_view text, std::size_t from, std::size_t until) {
  static constexpr std::string_view pat = "\"nonce\":";
  const std::size_t p = text.find(pat, from);
  if (p == std::string_view::npos || p > until) return -1;
  return std::strtoll(std::string(text.substr(p + pat.size(), 20)).c_str(), nullptr, 10);
}

inline std::vector<WireEvent> body_events(std::string_view body) {
  std::vector<WireEvent> out;
  const std::size_t start = body.find("\"events\":[");
  if (start == std::string_view::npos) return out;
  static constexpr std::string_view pat = "{\"id\":\"";
  std::size_t p = body.find(pat, start);
  while (p != std::string_view::npos) {
    p += pat.size();
    const std::size_t q = body.find('"', p);
    const std::size_t next = body.find(pat, q);
    WireEvent e;
    e.id = std::string(body.substr(p, q - p));
    e.nonce = nonce_after(body, q, next == std::string_view::npos ? body.size() : next);
    out.push_back(std::move(e));
    p = next;
  }
  return out;
}

inline std::string body_session(std::string_view body) {
  static constexpr std::string_view pat = "\"session\":{\"id\":\"";
  const std::size_t p = body.find(pat);
  if (p == std::string_view::npos) return "";
  const std::size_t q = body.find('"', p + pat.size());
  return std::string(body.substr(p + pat.size(), q - p - pat.size()));
}

// ---------------------------------------------------------------------------------------------
// Scheduler: tasks in (time, order of scheduling). A task for a tab runs only while the tab can run
// it (SimBrowser::run decides: a suspended tab's tasks wait, a dead tab's are dropped).
struct Scheduler {
  struct Task {
    int tab = -1;  // -1: the browser's own (the network, the collector)
    std::function<void()> fn;
    const char* what = "";
  };
  double now = 0;  // real time, ms
  std::uint64_t seq = 0;
  std::map<std::pair<double, std::uint64_t>, Task> tasks;

  void at(double t, int tab, const char* what, std::function<void()> fn) {
    tasks.emplace(std::make_pair(std::max(t, now), ++seq), Task{tab, std::move(fn), what});
  }
  bool due(double until) const { return !tasks.empty() && tasks.begin()->first.first <= until; }
  // Takes the next task due by `until`, the clock moved to its time.
  std::optional<Task> take(double until) {
    if (!due(until)) return std::nullopt;
    auto node = tasks.extract(tasks.begin());
    now = std::max(now, node.key().first);
    return std::move(node.mapped());
  }
  bool any_due_for(int tab) const {
    for (const auto& [k, t] : tasks) {
      if (k.first > now) break;
      if (t.tab == tab) return true;
    }
    return false;
  }
};

// ---------------------------------------------------------------------------------------------
// SimStorage: localStorage of the origin. `truth` is the browser process's copy (what a crash
// leaves, what the quota counts); each tab reads its own view, where its own writes land at once
// and other tabs' writes land when their `storage` event reaches it (per-tab delay, in order).
// Every change has a version, so a late update never overwrites a newer value in a view.
struct SimStorage {
  struct Slot {
    std::optional<std::string> value;  // nullopt: removed
    std::uint64_t ver = 0;
  };
  std::map<std::string, Slot> truth;
  std::map<int, std::map<std::string, Slot>> views;
  std::uint64_t ver = 0;
  std::size_t quota = 5 * 1024 * 1024;  // bytes of key + value over the origin
  std::size_t filler = 0;               // what other scripts of the origin hold

  std::size_t used() const {
    std::size_t n = filler;
    for (const auto& [k, s] : truth)
      if (s.value) n += k.size() + s.value->size();
    return n;
  }
  // A new renderer starts from the browser process's copy.
  void open_view(int tab) { views[tab] = truth; }
  std::optional<std::string> read(int tab, const std::string& key) const {
    const auto v = views.find(tab);
    if (v == views.end()) return std::nullopt;
    const auto it = v->second.find(key);
    if (it == v->second.end()) return std::nullopt;
    return it->second.value;
  }
  std::vector<std::pair<std::string, std::string>> read_prefix(int tab, const std::string& prefix) const {
    std::vector<std::pair<std::string, std::string>> out;
    const auto v = views.find(tab);
    if (v == views.end()) return out;
    for (const auto& [k, s] : v->second)
      if (s.value && k.compare(0, prefix.size(), prefix) == 0) out.emplace_back(k, *s.value);
    return out;
  }
  // The write as the browser process takes it: refused (false) past the quota, the old value kept.
  std::optional<std::uint64_t> write(int tab, const std::string& key, const std::string& value) {
    std::size_t after = used() + key.size() + value.size();
    const auto it = truth.find(key);
    if (it != truth.end() && it->second.value) after -= key.size() + it->second.value->size();
    if (after > quota) return std::nullopt;
    truth[key] = Slot{value, ++ver};
    views[tab][key] = truth[key];
    return ver;
  }
  std::uint64_t remove(int tab, const std::string& key) {
    truth[key] = Slot{std::nullopt, ++ver};
    views[tab][key] = truth[key];
    return ver;
  }
  // Another tab's change reaches this tab's view.
  void land(int tab, const std::string& key, const Slot& s) {
    auto v = views.find(tab);
    if (v == views.end()) return;
    Slot& cur = v->second[key];
    if (s.ver > cur.ver) cur = s;
  }
  std::optional<std::string> truth_value(const std::string& key) const {
    const auto it = truth.find(key);
    return it == truth.end() ? std::nullopt : it->second.value;
  }
};

// ---------------------------------------------------------------------------------------------
// SimChannel: the BroadcastChannel of the source. A post reaches every other tab whose channel is
// open at the post, after its own delay (so two posts can cross), unless lost.
struct SimChannel {
  double loss = 0;         // probability a delivery is lost
  double max_delay = 5;    // ms; deliveries take [0, max_delay)
  double slow_share = 0;   // share of deliveries delayed up to slow_delay instead
  double slow_delay = 2000;

  double delay(std::mt19937_64& rng) const {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng) < slow_share) return u(rng) * slow_delay;
    return u(rng) * max_delay;
  }
  bool lost(std::mt19937_64& rng) const { return std::uniform_real_distribution<double>(0, 1)(rng) < loss; }
};

// ---------------------------------------------------------------------------------------------
// SimLocks: navigator.locks for the one lock name of the source. State changes at once; the facts
// (granted, lost) reach the tabs later, as tasks (SimBrowser).
struct SimLocks {
  std::optional<int> holder;
  std::deque<int> queue;
  struct Fact {
    int tab;
    LockFact fact;
  };

  std::vector<Fact> request(int tab) {
    drop_queued(tab);  // the host's new request replaces its older one (tabs.js aborts it)
    if (holder == tab) return {};
    if (!holder && queue.empty()) {
      holder = tab;
      return {{tab, LockFact::granted}};
    }
    queue.push_back(tab);
    return {};
  }
  // { steal: true }: any holder loses it at once, the stealer holds it ahead of the queue.
  std::vector<Fact> steal(int tab) {
    drop_queued(tab);
    std::vector<Fact> out;
    if (holder && *holder != tab) out.push_back({*holder, LockFact::lost});
    holder = tab;
    out.push_back({tab, LockFact::granted});
    return out;
  }
  // Release of what the tab holds or waits for; the next in the queue is granted.
  std::vector<Fact> release(int tab) {
    drop_queued(tab);
    std::vector<Fact> out;
    if (holder == tab) {
      holder.reset();
      if (!queue.empty()) {
        holder = queue.front();
        queue.pop_front();
        out.push_back({*holder, LockFact::granted});
      }
    }
    return out;
  }
  void drop_queued(int tab) { queue.erase(std::remove(queue.begin(), queue.end(), tab), queue.end()); }
};

// ---------------------------------------------------------------------------------------------
// SimCollector: Tracardi's /track. The schedule says how it answers now: 2xx (stores every event
// of the body), a 5xx, or nothing at all (status 0 for the page: a proxy error without CORS, a
// network down). It counts every stored event by id and by nonce.
struct SimCollector {
  int mode = 200;  // 200, 500, 503, or 0
  std::map<std::string, int> by_id;
  std::map<long long, int> by_nonce;
  std::uint64_t requests = 0, stored_events = 0;

  int answer(const std::vector<WireEvent>& events) {
    ++requests;
    if (mode != 200) return mode;
    for (const WireEvent& e : events) {
      ++by_id[e.id];
      if (e.nonce >= 0) ++by_nonce[e.nonce];
      ++stored_events;
    }
    return 200;
  }
};

// ---------------------------------------------------------------------------------------------
// CookieJar: the first-party session cookie, expiring on the browser's wall clock.
struct CookieJar {
  std::string value;
  double expires = -1e300;  // wall ms
  std::optional<std::string> read(double wall) const {
    if (value.empty() || wall >= expires) return std::nullopt;
    return value;
  }
  void write(const std::string& v, double wall, double ttl_ms) {
    value = v;
    expires = wall + ttl_ms;
  }
};

// ---------------------------------------------------------------------------------------------
// Glue-side rules the harness can break on purpose (HarnessCatchesBrokenRules): each one is a
// host that does not do what the glue must, to show the invariant checker notices.
struct BrokenRules {
  bool confirm_without_write = false;  // on_persisted(true) without writing the shared key
  bool ack_on_receipt = false;         // a leader's host answers `ack` to a hand-over at once
  bool remove_keys_on_read = false;    // a host removes mailbox keys as it reads or reports them
  bool ignore_lock_lost = false;       // LockFact::lost never reaches the core
  bool skip_observe_session = false;   // the cookie is never shown to the core
  bool ignore_removes = false;         // TabEffects::removes never performed
  bool skip_crash_parting = false;     // a leader's host posts nothing when its core dies
  bool ignore_unwritten = false;       // a refused mailbox write is never reported to the core
  bool final_acks = false;             // acks delivered without their text: "written" taken as final
  bool unsent_unanswered = false;      // a send a glue exception kept from starting is never answered
  bool one_kept_key = false;           // stub pages append their kept calls to one shared key
  bool no_rewake = false;              // a glue exception never wakes the core again
  bool no_key_check = false;           // a leader's write not preceded by its view of the key
  bool any() const {
    return confirm_without_write || ack_on_receipt || remove_keys_on_read || ignore_lock_lost ||
           skip_observe_session || ignore_removes || skip_crash_parting || ignore_unwritten || final_acks ||
           unsent_unanswered || one_kept_key || no_rewake || no_key_check;
  }
};

// A request a tab's host put on the network (global index in SimBrowser::requests).
struct Request {
  int tab = -1;
  std::uint32_t id = 0;  // the core's request id
  Transport transport = Transport::fetch;
  std::vector<WireEvent> events;
  std::string session;
  double sent_at = 0;
  bool arrived = false;      // reached the collector
  bool stored = false;       // the collector stored its events (answered 2xx)
  bool cut = false;          // cut before it reached the collector (abort, a leaving page)
  bool refused = false;      // a keepalive the browser refused at a page leave (its quota)
  bool answer_lost = false;  // its answer will never reach the core that sent it
  bool answered = false;     // its answer reached the core
  int status = 0;
};

// What the invariant checker hears from the browser (every hook optional).
struct Observer {
  virtual ~Observer() = default;
  virtual void on_sent(const Request&) {}
  virtual void on_answer_lost(const Request&, const char* /*why*/) {}
  virtual void on_answered(const Request&) {}
  virtual void on_stored(const Request&) {}
  virtual void on_write(int /*tab*/, const std::string& /*key*/, const std::string& /*text*/, bool /*ok*/) {}
  virtual void on_post(int /*tab*/, const TabMessage&) {}
  virtual void on_message_dropped(int /*from*/, int /*to*/, const TabMessage&, const char* /*why*/) {}
  virtual void on_message_delivered(int /*to*/, const TabMessage&) {}
  virtual void on_message_queued(int /*to*/, const TabMessage&) {}
  virtual void on_storage_event(int /*to*/, const std::string& /*key*/, const std::string& /*text*/) {}
  virtual void on_steal(int /*thief*/, int /*victim*/) {}
  // An elected tab's read held this event and its core did not take it in.
  virtual void on_not_taken(int /*tab*/, const std::string& /*id*/) {}
  // A glue exception cost this tab one effect item (host-effects.js each()).
  virtual void on_glue_exception(int /*tab*/) {}
  // An elected tab read the shared key from a view older than the browser's copy.
  virtual void on_stale_read(int /*tab*/, const std::string& /*view*/, const std::string& /*truth*/) {}
  // Before a host writes the session cookie: its live value, the jar's last value and expiry.
  virtual void on_cookie_write(int /*tab*/, const std::optional<std::string>& /*alive_before*/,
                               const std::string& /*last*/, double /*expired_at*/, const std::string& /*value*/) {}
  virtual void on_observed(int /*tab*/, const std::optional<std::string>& /*cookie*/) {}
  // Before and after every call into a tab's core (the checker diffs what the tab holds).
  virtual void before_call(int /*tab*/) {}
  virtual void after_call(int /*tab*/, const char* /*what*/) {}
  virtual void on_tab_down(int /*tab*/, const char* /*why*/) {}
  virtual void on_accepted(int /*tab*/, const std::string& /*id*/, long long /*nonce*/) {}
};

class SimBrowser;

// ---------------------------------------------------------------------------------------------
// SimTab: one page and its host.
struct SimTab {
  enum class Life { live, suspended, bfcache, crashed, destroyed, closed };

  SimBrowser& b;
  int index;
  std::unique_ptr<Tracker> core;
  std::string last_fates;  // the fate log of a core gone for good (for a failure's description)
  Life life = Life::live;
  bool hidden = false, loaded = false, leaving = false;
  bool left = false;  // pagehide fired (not persisted): only later listeners' track() calls until it goes
  bool storage_detached = false;  // closing (SimBrowser::close_detached): its writes are dropped
  double origin = 0;  // real time of performance.now() == 0
  std::mt19937_64 rng;

  // The host's state (core-host.js, tabs.js, identity.js).
  bool dirty = false;                // snapshotDirty
  bool persist_scheduled = false;    // persistTimer
  std::optional<double> wake_mono;   // the one wake timer (monotonic)
  std::uint64_t wake_gen = 0;
  bool channel_open = false;
  std::uint64_t channel_epoch = 0;
  bool lock_believed = false;        // granted heard, neither lost heard nor released since
  int lost_in_flight = 0;            // `lost` facts on their way to this tab
  std::uint64_t lock_epoch = 0;      // the host's lock calls so far (a fact answers the latest)
  std::map<std::uint32_t, std::size_t> open;  // core request id -> SimBrowser::requests index
  std::deque<std::pair<const char*, std::function<void()>>> deferred;  // a suspended tab's facts
  std::string id_session;            // identity.current.session
  int throw_after = -1;              // a glue exception after this many effect items (>= 0)
  int glue_exceptions = 0;
  std::vector<std::uint32_t> unsent;  // sends a glue exception kept from starting, to answer 0
  bool slipped = false;
  std::vector<std::pair<std::string, std::string>> unwritten;  // refused writes, to report
  bool refuse_keepalive = false;     // the browser refuses this page's keepalive requests
  bool leading = false;              // core-host.js `leading` (the core's tabs.leader effects)
  std::string last_written;          // core-host.js `lastWritten`: its last good write as leader
  std::uint64_t calls = 0;

  SimTab(SimBrowser& browser, int i, std::uint64_t seed) : b(browser), index(i), rng(seed) {}

  bool has_core() const { return core != nullptr && (life == Life::live || life == Life::suspended || life == Life::bfcache); }
  bool runnable() const { return core != nullptr && life == Life::live; }
  bool dead() const { return life == Life::crashed || life == Life::destroyed || life == Life::closed; }
  Clock clock() const;
  Entropy entropy() {
    Entropy e;
    for (auto& w : e.words) w = static_cast<std::uint32_t>(rng());
    return e;
  }

  // The host's side of every core call: run it, take its effects, perform them.
  template <typename F> void call(const char* what, F&& f);
  // core-host.js fact(): a tab protocol fact, the cookie shown first, an adoption written at once.
  template <typename F> void fact(const char* what, F&& f);
  void apply(Effects fx);
  void perform_tabs(TabEffects& t);
  // One effect item about to be performed: true when the glue throws on it (throw_after). As in
  // host-effects.js, that item alone is lost; items the glue performs inside its own try (storage
  // writes and removes, channel posts, joining and leaving the channel) take no step.
  bool step();
  void answer_unsent();
  void set_wake(std::optional<double> at_mono);
  void fire_wake(std::uint64_t gen);
  void schedule_persist();
  void persist_now(bool force);
  void observe(bool leaving = false);
  void dispatch(SendEffect& s);

  // Page facts, as core-host.js hands them to the core.
  void track(long long nonce, bool fire);
  void flush();
  void hide();
  void show();
  void leave(bool to_bfcache);
  void back_from_bfcache();
  void destroy();
  void suspend();
  void resume();
};

// ---------------------------------------------------------------------------------------------
// SimBrowser: the tabs and the browser's shared parts.
class SimBrowser {
 public:
  struct Config {
    TabCaps caps{true, true, true};
    std::string options;
    BrokenRules broken;
  };

  explicit SimBrowser(Config c, std::uint64_t seed) : cfg(std::move(c)), rng(seed) {}

  Config cfg;
  std::mt19937_64 rng;
  Scheduler sched;
  SimStorage storage;
  SimChannel channel;
  SimLocks locks;
  SimCollector collector;
  CookieJar cookies;
  Observer* observer = nullptr;
  std::function<void(const std::string&)> trace;  // a debugging aid (TRACKER_TRACE)
  std::vector<std::unique_ptr<SimTab>> tabs;
  std::vector<Request> requests;
  double wall_shift = 1700000000000.0;  // wall = real + wall_shift
  double answer_loss = 0;               // share of answers lost on the way back
  double slow_share = 0;                // share of requests held up to 40 s by a proxy
  double keepalive_refusal = 0;         // share of a leaving page's keepalive requests refused
  std::map<int, double> storage_delay;  // per tab: max delay of other tabs' writes reaching it
  std::map<int, double> storage_last;   // per tab: FIFO of its incoming storage updates
  std::map<int, double> lock_last;      // per tab: FIFO of its lock facts
  std::uint64_t tasks_run = 0;

  static constexpr const char* base = "wasm-tracker:v2:demo-source";
  static std::string queue_key() { return std::string(base) + ":queue"; }
  static std::string lease_key() { return std::string(base) + ":lease"; }
  static std::string mailbox_prefix() { return std::string(base) + ":mailbox:"; }
  static std::string stub_key() { return "wasm-tracker:stub:v1:demo-source"; }
  // Kept calls: one key per write under this prefix (stub.js keptPrefix), the legacy key too.
  static bool is_kept_key(const std::string& k) { return k.compare(0, stub_key().size(), stub_key()) == 0; }
  // Every kept calls' key and text, as the browser keeps them now.
  std::vector<std::pair<std::string, std::string>> kept_truth() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, slot] : storage.truth)
      if (slot.value && is_kept_key(k)) out.emplace_back(k, *slot.value);
    return out;
  }

  double wall() const { return sched.now + wall_shift; }
  double unit() { return std::uniform_real_distribution<double>(0, 1)(rng); }

  // --- Tabs -------------------------------------------------------------------------------------
  SimTab& open_tab() {
    const int i = static_cast<int>(tabs.size());
    tabs.push_back(std::make_unique<SimTab>(*this, i, rng()));
    SimTab& t = *tabs.back();
    t.origin = sched.now - 50;  // performance.now() counts from the navigation
    storage.open_view(i);
    storage_delay[i] = unit() < 0.8 ? 20 : 300;
    t.core = std::make_unique<Tracker>(cfg.options);
    // core-host.js start(): identity as read (the cookie), then the election (tabs.js join).
    const std::optional<std::string> cookie = cookies.read(wall());
    std::string ids = "{";
    if (cookie) ids += "\"session\":\"" + *cookie + "\"";
    ids += "}";
    if (observer) observer->on_observed(i, cookie);
    t.call("start", [&](Tracker& c, const Clock& now) {
      c.start(now, ids, "", t.entropy());
      c.join_tabs(base, cfg.caps, now, t.entropy());
    });
    // The load event comes a little later.
    sched.at(sched.now + 50 + unit() * 2000, i, "load", [&t] {
      t.observe();
      t.call("on_load", [](Tracker& c, const Clock& now) { c.on_load(now); });
      t.loaded = true;
    });
    return t;
  }

  int live_count() const {
    int n = 0;
    for (const auto& t : tabs) n += t->life == SimTab::Life::live || t->life == SimTab::Life::suspended;
    return n;
  }

  // --- Facts reaching a tab -------------------------------------------------------------------
  // A fact for tab `i` as a task: run while the tab runs, kept while it is suspended (or in the
  // back/forward cache), dropped once it is dead.
  void to_tab(int i, double at, const char* what, std::function<void()> fn) {
    sched.at(at, i, what, std::move(fn));
  }

  // Runs tasks due by `until`; `after` is called after each (the invariant check).
  template <typename After> void run(double until, After&& after) {
    while (auto task = sched.take(until)) {
      ++tasks_run;
      if (task->tab >= 0) {
        SimTab& t = *tabs[static_cast<std::size_t>(task->tab)];
        if (t.dead()) continue;
        if (t.life == SimTab::Life::suspended || t.life == SimTab::Life::bfcache) {
          t.deferred.emplace_back(task->what, std::move(task->fn));
          continue;
        }
      }
      task->fn();
      after(task->what, task->tab);
    }
    sched.now = std::max(sched.now, until);
  }

  // A suspended (frozen) tab runs again: what reached it meanwhile runs now, in order.
  void resume(SimTab& t) {
    t.life = SimTab::Life::live;
    while (!t.deferred.empty()) {
      auto d = std::move(t.deferred.front());
      t.deferred.pop_front();
      sched.at(sched.now, t.index, d.first, std::move(d.second));
    }
  }

  // --- Locks ----------------------------------------------------------------------------------
  void lock_facts(const std::vector<SimLocks::Fact>& facts) {
    for (const SimLocks::Fact& f : facts) {
      SimTab& t = *tabs[static_cast<std::size_t>(f.tab)];
      if (f.fact == LockFact::lost) ++t.lost_in_flight;
      const LockFact fact = f.fact;
      // One tab hears its lock's facts in the order they happened (a grant before its theft).
      double& last = lock_last[f.tab];
      last = std::max(sched.now + unit() * 5, last);
      const std::uint64_t epoch = t.lock_epoch;
      to_tab(f.tab, last, fact == LockFact::lost ? "lock lost" : "lock granted", [this, &t, fact, epoch] {
        if (fact == LockFact::lost) --t.lost_in_flight;
        // The host released (or asked again) since: this fact answers a request it gave up.
        if (epoch != t.lock_epoch) return;
        if (fact == LockFact::lost && cfg.broken.ignore_lock_lost) return;
        if (fact == LockFact::granted) t.lock_believed = true;
        if (fact == LockFact::lost) t.lock_believed = false;
        t.fact(fact == LockFact::lost ? "on_lock(lost)" : "on_lock(granted)",
               [fact](Tracker& c, const Clock& now) { c.on_lock(fact, now); });
      });
    }
  }

  // --- Storage --------------------------------------------------------------------------------
  // Another tab's change travels to every other tab's view, each in order, and fires `storage` there.
  void spread(int from, const std::string& key) {
    const SimStorage::Slot slot = storage.truth[key];
    for (const auto& tp : tabs) {
      SimTab& t = *tp;
      if (t.index == from || t.dead()) continue;
      double at = sched.now + unit() * storage_delay[t.index];
      at = std::max(at, storage_last[t.index]);
      storage_last[t.index] = at;
      // The view is the renderer's: it takes the change even while the page is frozen.
      sched.at(at, -1, "storage update", [this, &t, key, slot] {
        storage.land(t.index, key, slot);
        if (!slot.value || t.dead()) return;
        const std::string text = *slot.value;
        const std::uint64_t epoch = t.channel_epoch;
        to_tab(t.index, sched.now, "storage event", [this, &t, key, text, epoch] {
          // The listener goes with the channel (join/leave_channel).
          if (!t.channel_open || t.channel_epoch != epoch) return;
          // tabs.js onStorage(): the kept calls' key is its own fact.
          if (is_kept_key(key)) t.fact("on_kept_stored", [&](Tracker& c, const Clock& now) { c.on_kept_stored(now); });
          else {
            const bool follower = t.runnable() && !t.core->tab_stats().leader;
            t.fact("on_storage", [&](Tracker& c, const Clock& now) { c.on_storage(key, text, now); });
            if (follower && observer) observer->on_storage_event(t.index, key, text);
          }
          // Broken rule: the host releases a mailbox as soon as it reported it, whatever the core did.
          if (cfg.broken.remove_keys_on_read && t.runnable() && key.compare(0, mailbox_prefix().size(), mailbox_prefix()) == 0) {
            storage.remove(t.index, key);
            spread(t.index, key);
          }
        });
      });
    }
  }
  bool write(int tab, const std::string& key, const std::string& text) {
    // A closing page detached from the browser's storage: the write is dropped, the page is not told.
    if (tabs[static_cast<std::size_t>(tab)]->storage_detached) {
      if (trace) trace("    tab " + std::to_string(tab) + " writes " + key + ": dropped (closing, detached)");
      return true;
    }
    const bool ok = storage.write(tab, key, text).has_value();
    if (trace && key == lease_key()) trace("    tab " + std::to_string(tab) + " writes the lease " + text + (ok ? "" : " (refused)"));
    if (observer) observer->on_write(tab, key, text, ok);
    if (ok) spread(tab, key);
    return ok;
  }
  void remove(int tab, const std::string& key) {
    if (cfg.broken.ignore_removes) return;
    if (tabs[static_cast<std::size_t>(tab)]->storage_detached) return;  // dropped, as its writes
    storage.remove(tab, key);
    spread(tab, key);
  }

  // --- Channel --------------------------------------------------------------------------------
  void post(int from, const TabMessage& m) {
    if (observer) observer->on_post(from, m);
    if (trace && m.kind == TabMessage::Kind::parting)
      trace("    tab " + std::to_string(from) + " posts its parting queue (" + std::to_string(snapshot_ids(m.text).size()) + " events)");
    else if (trace)
      trace("    tab " + std::to_string(from) + " posts " +
            (m.kind == TabMessage::Kind::handover ? "hand-over " : m.kind == TabMessage::Kind::ack ? "ack " : "held ") +
            m.tab + " n=" + std::to_string(m.n) +
            (m.kind == TabMessage::Kind::handover ? " (" + std::to_string(snapshot_ids(m.text).size()) + " events)"
                                                  : m.text.empty() ? "" : " \"" + m.text + "\""));
    for (const auto& tp : tabs) {
      SimTab& t = *tp;
      if (t.index == from) continue;
      if (!t.channel_open || t.dead()) {
        if (observer) observer->on_message_dropped(from, t.index, m, "channel closed");
        continue;
      }
      if (channel.lost(rng)) {
        if (observer) observer->on_message_dropped(from, t.index, m, "lost");
        continue;
      }
      const std::uint64_t epoch = t.channel_epoch;
      if (observer) observer->on_message_queued(t.index, m);
      to_tab(t.index, sched.now + channel.delay(rng), "message", [this, &t, m, epoch, from] {
        if (!t.channel_open || t.channel_epoch != epoch) {
          if (observer) observer->on_message_dropped(from, t.index, m, "channel closed before delivery");
          return;
        }
        if (observer) observer->on_message_delivered(t.index, m);
        // Broken rule: an ack's "written" is dropped on the way (the follower takes it as final).
        TabMessage heard = m;
        if (cfg.broken.final_acks && m.kind == TabMessage::Kind::ack) heard.text.clear();
        t.fact("on_message", [&](Tracker& c, const Clock& now) { c.on_message(heard, now); });
        // Broken rule: the host confirms a hand-over to its follower as soon as it arrives.
        if (cfg.broken.ack_on_receipt && m.kind == TabMessage::Kind::handover && t.runnable() &&
            t.core->tab_stats().leader) {
          TabMessage ack;
          ack.kind = TabMessage::Kind::ack;
          ack.tab = m.tab;
          ack.n = m.n;
          post(t.index, ack);
        }
      });
    }
  }

  // --- Network --------------------------------------------------------------------------------
  void send(SimTab& t, SendEffect& s) {
    Request r;
    r.tab = t.index;
    r.id = s.request_id;
    r.transport = s.transport;
    r.events = body_events(s.body);
    r.session = body_session(s.body);
    r.sent_at = sched.now;
    const std::size_t idx = requests.size();
    requests.push_back(std::move(r));
    t.open[s.request_id] = idx;
    if (observer) observer->on_sent(requests[idx]);
    // The browser refuses a keepalive request past the page's quota (other scripts' beacons):
    // the fetch rejects at once, while the page is still there (core-host.js onAnswer).
    if (t.leaving && s.transport != Transport::fetch && t.refuse_keepalive && unit() < keepalive_refusal) {
      requests[idx].cut = true;
      requests[idx].refused = true;
      to_tab(t.index, sched.now, "keepalive refused", [this, &t, idx] { deliver_answer(t, idx, 0); });
      return;
    }
    const double there = sched.now + (unit() < slow_share ? unit() * 40000 : 5 + unit() * 150);
    sched.at(there, -1, "request arrives", [this, &t, idx] { arrive(t, idx); });
  }
  void arrive(SimTab& t, std::size_t idx) {
    Request& r = requests[idx];
    if (r.cut) return;
    r.arrived = true;
    r.status = collector.answer(r.events);
    if (r.status == 200) {
      r.stored = true;
      if (observer) observer->on_stored(r);
    }
    if (r.answer_lost) return;
    if (unit() < answer_loss) {
      lose_answer(idx, "answer lost on the network");
      return;
    }
    to_tab(t.index, sched.now + 5 + unit() * 100, "answer", [this, &t, idx] { deliver_answer(t, idx, requests[idx].status); });
  }
  void lose_answer(std::size_t idx, const char* why) {
    Request& r = requests[idx];
    if (r.answer_lost || r.answered) return;
    r.answer_lost = true;
    if (observer) observer->on_answer_lost(r, why);
  }
  void deliver_answer(SimTab& t, std::size_t idx, int status) {
    Request& r = requests[idx];
    if (r.answer_lost || r.answered) return;
    r.answered = true;
    r.status = status;
    t.open.erase(r.id);
    if (observer) observer->on_answered(r);
    const std::string body = status == 200 ? R"({"profile":{"id":"server-profile"}})" : "";
    t.call("on_response", [&](Tracker& c, const Clock& now) { c.on_response(r.id, status, "", body, now, t.entropy()); });
  }

  // --- Ends of a tab --------------------------------------------------------------------------
  // The core is gone (trap, glue exception): the host releases the lock and closes the channel,
  // as the glue will; its requests go on but their answers reach nobody.
  void crash(SimTab& t, const char* why) {
    if (t.dead()) return;
    // tabs.js stop(parting): a leader's host posts the queue it last wrote for the dead core.
    if (t.leading && !t.last_written.empty() && t.channel_open && !cfg.broken.skip_crash_parting)
      post(t.index, TabMessage{TabMessage::Kind::parting, "", 0, t.last_written});
    if (observer) observer->on_tab_down(t.index, why);
    t.life = SimTab::Life::crashed;
    gone(t, false);
  }
  // A tab closed while its renderer still has tasks queued (e2e, session 15: a leader closed with a
  // backlog of hand-overs went on taking them in for ~500 ms): from the close its localStorage
  // writes are dropped (the page is detached from the browser's storage) while its posts still go
  // out and its timers and messages run; then it goes, without a pagehide (no parting message).
  void close_detached(SimTab& t, double after_ms) {
    if (t.dead()) return;
    t.storage_detached = true;
    to_tab(t.index, sched.now + after_ms, "detached page closes", [this, &t] {
      if (t.dead()) return;
      if (observer) observer->on_tab_down(t.index, "detached close");
      t.life = SimTab::Life::closed;
      gone(t, true);
    });
  }
  // The page is gone for good (unload) or its tracker destroyed: locks released by the browser.
  void gone(SimTab& t, bool unload) {
    if (trace) {
      std::string q;
      for (int x : locks.queue) q += " " + std::to_string(x);
      trace("    tab " + std::to_string(t.index) + " gone; locks: holder " +
            (locks.holder ? std::to_string(*locks.holder) : std::string("none")) + " queue" + q);
    }
    lock_facts(locks.release(t.index));
    t.lock_believed = false;
    t.channel_open = false;
    ++t.channel_epoch;
    ++t.wake_gen;
    t.deferred.clear();
    for (const auto& [id, idx] : t.open) {
      Request& r = requests[idx];
      // A leaving page cuts its plain fetches; keepalive ones the browser finishes.
      if (unload && r.transport == Transport::fetch && !r.arrived) r.cut = true;
      lose_answer(idx, unload ? "the page is gone" : "the core is gone");
    }
    t.open.clear();
    if (t.core) t.last_fates = t.core->fates();
    t.core.reset();
  }
};

// ---------------------------------------------------------------------------------------------
// SimTab's host, as core-host.js performs effects.

inline Clock SimTab::clock() const { return Clock{b.wall(), b.sched.now - origin}; }

inline bool SimTab::step() {
  if (throw_after > 0) --throw_after;
  else if (throw_after == 0) {
    throw_after = -1;
    ++glue_exceptions;
    slipped = true;
    if (b.trace) b.trace("    tab " + std::to_string(index) + " glue exception: an effect item not performed");
    if (b.observer) b.observer->on_glue_exception(index);
    return true;
  }
  return false;
}

template <typename F> void SimTab::call(const char* what, F&& f) {
  if (!runnable()) return;
  ++calls;
  if (b.observer) b.observer->before_call(index);
  f(*core, clock());
  // A glue exception (throw_after) costs one effect item (step()): host-effects.js each().
  apply(core->take_effects());
  if (b.observer) b.observer->after_call(index, what);
  if (!unsent.empty() || !unwritten.empty() || slipped) answer_unsent();  // slipped: see there
}

// After a call, as the glue's later() and microtasks: the refused writes reported (host-effects.js
// runs them once the call's effects are performed), then the answers of sends the glue could not
// start.
inline void SimTab::answer_unsent() {
  std::vector<std::pair<std::string, std::string>> refused;
  refused.swap(unwritten);
  for (const auto& [key, text] : refused)
    fact("on_unwritten", [&](Tracker& c, const Clock& now) { c.on_unwritten(key, text, now); });
  std::vector<std::uint32_t> rids;
  rids.swap(unsent);
  // core-host.js slip(): after a glue exception the core is woken once (the effect it cost may be
  // the wake, which the core announces only when it changes).
  if (slipped && runnable() && !b.cfg.broken.no_rewake) {
    slipped = false;
    observe();
    call("on_wake", [this](Tracker& c, const Clock& t) { c.on_wake(t, entropy()); });
  }
  for (std::uint32_t rid : rids) {
    if (b.trace) b.trace("    tab " + std::to_string(index) + " request " + std::to_string(rid) + " never started: answered 0");
    call("on_response", [&](Tracker& c, const Clock& now) { c.on_response(rid, 0, "", "", now, entropy()); });
  }
}

template <typename F> void SimTab::fact(const char* what, F&& f) {
  observe();
  call(what, std::forward<F>(f));
  if (dirty) persist_now(false);
}

// core-host.js observeSession(): the cookie as it is now, to the core, which returns the session
// this tab writes to it now ("" for none).
inline void SimTab::observe(bool leaving) {
  if (!runnable()) return;
  // Broken rule: the cookie is never read, the core is told it is gone (it still writes its own).
  const std::optional<std::string> c =
      b.cfg.broken.skip_observe_session ? std::nullopt : b.cookies.read(b.wall());
  if (b.observer) b.observer->on_observed(index, c);
  if (b.trace) b.trace("    tab " + std::to_string(index) + " observes " + c.value_or("(none)"));
  const std::string s = core->session_cookie(c.value_or(""), leaving, clock());
  if (s.empty()) return;
  const double now = b.wall();
  if (b.observer) b.observer->on_cookie_write(index, c, b.cookies.value, b.cookies.expires, s);
  if (b.trace) b.trace("    tab " + std::to_string(index) + " writes the cookie " + s + " over " + c.value_or("(none)") + (leaving ? " (leaving)" : ""));
  b.cookies.write(s, now, policy::session_ttl_ms);
}

inline void SimTab::apply(Effects fx) {
  if (fx.identity) {
    id_session = fx.identity->session_id;  // host-effects.js: an assignment, outside each()
    if (!step()) schedule_persist();
  }
  if (fx.wake_changed && !step()) {
    set_wake(fx.wake_at_ms);
  }
  for (std::uint32_t id : fx.aborts) {
    if (step()) continue;
    const auto it = open.find(id);
    if (it == open.end()) continue;
    Request& r = b.requests[it->second];
    if (!r.arrived) r.cut = true;
    b.lose_answer(it->second, "aborted by the core (timeout)");
    open.erase(it);
  }
  for (SendEffect& s : fx.sends) {
    if (!step()) {
      dispatch(s);
      continue;
    }
    // host-effects.js dispatch(): a send the glue could not start is answered "no answer" a
    // microtask later (call() runs it once this call is done); nothing went on the wire.
    if (!b.cfg.broken.unsent_unanswered) unsent.push_back(s.request_id);
  }
  if (fx.persist && !step()) {
    dirty = true;
    schedule_persist();
  }
  perform_tabs(fx.tabs);
}

inline void SimTab::dispatch(SendEffect& s) { b.send(*this, s); }

inline void SimTab::perform_tabs(TabEffects& t) {
  if (t.leader) leading = *t.leader;
  if (!leading) last_written.clear();
  // tabs.js perform(): a write the storage refused is reported once this effect is applied.
  std::vector<std::pair<std::string, std::string>> refused;
  for (const auto& [key, text] : t.writes) {
    if (!b.write(index, key, text) && !b.cfg.broken.ignore_unwritten) refused.emplace_back(key, text);
  }
  for (const std::string& key : t.removes) b.remove(index, key);
  if (t.join_channel) {
    if (!channel_open) {
      channel_open = true;
      ++channel_epoch;
    }
  }
  // Posts before the channel is left: a resigning leader's parting message goes out first.
  for (const TabMessage& m : t.posts)
    if (channel_open) b.post(index, m);
  if (t.leave_channel) {
    channel_open = false;
    ++channel_epoch;
  }
  if (t.lock != LockOp::none && !step()) {
    if (b.trace) {
      std::string q;
      for (int x : b.locks.queue) q += " " + std::to_string(x);
      b.trace("    tab " + std::to_string(index) + " lock " +
              (t.lock == LockOp::request ? "request" : t.lock == LockOp::steal ? "steal" : "release") +
              "; before: holder " + (b.locks.holder ? std::to_string(*b.locks.holder) : std::string("none")) + " queue" + q);
    }
    ++lock_epoch;
    // tabs.js lock(): what this tab holds or waits for is let go first, then the new request.
    if (t.lock == LockOp::steal && b.observer && b.locks.holder && *b.locks.holder != index)
      b.observer->on_steal(index, *b.locks.holder);
    lock_believed = false;
    b.lock_facts(b.locks.release(index));
    if (t.lock == LockOp::request) b.lock_facts(b.locks.request(index));
    if (t.lock == LockOp::steal) b.lock_facts(b.locks.steal(index));
  }
  SimTab* self = this;
  // Reported once the whole call's effects are performed (tabs.js later()), as a call of its own.
  for (auto& kv : refused) unwritten.push_back(std::move(kv));
  // tabs.js asks for reads first, so nothing after them can cost the election its read.
  if (t.read_stored) {
    b.to_tab(index, b.sched.now, "read stored", [self] {
      if (!self->runnable()) return;
      // storage.js readAll(): the shared key first, then every mailbox, as this tab sees them.
      std::vector<std::pair<std::string, std::string>> entries;
      if (auto q = self->b.storage.read(self->index, SimBrowser::queue_key())) entries.emplace_back(SimBrowser::queue_key(), *q);
      const std::string view = entries.empty() ? "" : entries.front().second;
      const std::string truth = self->b.storage.truth_value(SimBrowser::queue_key()).value_or("");
      if (view != truth && self->b.observer) self->b.observer->on_stale_read(self->index, view, truth);
      for (auto& kv : self->b.storage.read_prefix(self->index, SimBrowser::mailbox_prefix())) entries.push_back(kv);
      if (self->b.cfg.broken.remove_keys_on_read)
        for (const auto& kv : entries)
          if (kv.first != SimBrowser::queue_key()) self->b.storage.remove(self->index, kv.first), self->b.spread(self->index, kv.first);
      if (self->b.trace) {
        std::string line = "    tab " + std::to_string(self->index) + " reads stored:";
        for (const auto& [k, v] : entries) line += " " + k.substr(k.rfind(':') + 1) + "(" + std::to_string(snapshot_ids(v).size()) + ")";
        line += " queued " + std::to_string(self->core->stats().queued);
        self->b.trace(line);
      }
      std::vector<std::string> read_ids;
      for (const auto& kv : entries)
        for (std::string& id : snapshot_ids(kv.second)) read_ids.push_back(std::move(id));
      self->fact("on_stored", [&](Tracker& c, const Clock& now) { c.on_stored(std::move(entries), now); });
      // What the election read and the core did not take in (delivered already, or left aside).
      if (self->b.observer && self->runnable() && self->core->tab_stats().leader) {
        const std::vector<std::string> held = snapshot_ids(self->core->snapshot());
        const std::set<std::string> in_core(held.begin(), held.end());
        for (const std::string& id : read_ids)
          if (!in_core.count(id)) self->b.observer->on_not_taken(self->index, id);
      }
      if (self->b.trace && self->runnable())
        self->b.trace("    -> queued " + std::to_string(self->core->stats().queued) + " restored " +
                      std::to_string(self->core->stats().restored) + " expired " +
                      std::to_string(self->core->stats().dropped.find("expired") != self->core->stats().dropped.end() ? self->core->stats().dropped.find("expired")->second : 0));
    });
  }
  if (t.read_lease) {
    b.to_tab(index, b.sched.now, "read lease", [self] {
      const std::string text = self->b.storage.read(self->index, SimBrowser::lease_key()).value_or("");
      self->fact("on_lease", [&](Tracker& c, const Clock& now) { c.on_lease(text, now); });
    });
  }
  if (t.replay_kept) {
    b.to_tab(index, b.sched.now, "replay kept", [self] {
      if (!self->runnable()) return;
      // Every kept calls' key in this tab's view (tracker-app.js keptCalls).
      std::vector<std::string> keys;
      // The stub's records (the harness's own format): "<id> <nonce> <created wall>\n" each.
      std::vector<std::tuple<std::string, long long, double>> calls;
      for (const auto& [key, text] : self->b.storage.read_prefix(self->index, SimBrowser::stub_key())) {
        keys.push_back(key);
        const std::string* kept = &text;
        std::size_t p = 0;
        while (p < kept->size()) {
          const std::size_t e = kept->find('\n', p);
          const std::string line = kept->substr(p, e - p);
          p = e == std::string::npos ? kept->size() : e + 1;
          char id[64] = {0};
          long long nonce = 0;
          double created = 0;
          if (std::sscanf(line.c_str(), "%63s %lld %lf", id, &nonce, &created) == 3) calls.emplace_back(id, nonce, created);
        }
      }
      self->observe();
      self->call("replay kept", [&](Tracker& c, const Clock& now) {
        for (const auto& [id, nonce, created] : calls) {
          c.track("kept", "{\"nonce\":" + std::to_string(nonce) + "}", "", now, created, self->entropy(), id);
        }
        c.kept_replayed(keys, now);
      });
    });
  }
}

inline void SimTab::set_wake(std::optional<double> at_mono) {
  ++wake_gen;
  wake_mono = at_mono;
  if (!at_mono) return;
  const std::uint64_t gen = wake_gen;
  SimTab* self = this;
  // On the real clock, never a rounding error before the core's own deadline.
  double at = *at_mono + origin;
  while (at - origin < *at_mono) at = std::nextafter(at, 1e300);
  b.to_tab(index, at, "wake", [self, gen] { self->fire_wake(gen); });
}

inline void SimTab::fire_wake(std::uint64_t gen) {
  if (gen != wake_gen) return;
  // A hidden tab's timers run once a minute (Chrome's intensive throttling), at whole minutes.
  const double now = b.sched.now;
  if (hidden) {
    const double minute = std::ceil(now / 60000.0) * 60000.0;
    if (minute > now) {
      SimTab* self = this;
      b.to_tab(index, minute, "wake (throttled)", [self, gen] { self->fire_wake(gen); });
      return;
    }
  }
  wake_mono.reset();
  observe();
  call("on_wake", [this](Tracker& c, const Clock& t) { c.on_wake(t, entropy()); });
}

inline void SimTab::schedule_persist() {
  if (persist_scheduled) return;
  persist_scheduled = true;
  SimTab* self = this;
  b.to_tab(index, b.sched.now, "persist", [self] {
    self->persist_scheduled = false;
    self->persist_now(false);
  });
}

// core-host.js persistNow: the snapshot to the shared key when dirty, its result to the core.
// Written only while this tab leads (a follower's take_effects never asks; a demotion between
// the ask and the timer must not overwrite the new leader's copy).
inline void SimTab::persist_now(bool force) {
  if (!runnable()) return;
  if (b.trace)
    b.trace("    tab " + std::to_string(index) + " persist_now dirty " + std::to_string(dirty) + " role " +
            (core->role() == Role::leader ? "leader" : "follower") + " queued " + std::to_string(core->stats().queued));
  // host-persist.js now(): the key as this tab's view holds it goes to the core first (a later
  // election's copy there demotes a superseded leader, and nothing is written).
  if (dirty && core->role() == Role::leader && !b.cfg.broken.no_key_check) {
    const std::string seen = b.storage.read(index, SimBrowser::queue_key()).value_or("");
    call("on_key", [&seen](Tracker& c, const Clock& now) { c.on_key(seen, now); });
    if (!runnable()) return;
  }
  if (dirty) {
    dirty = false;
    if (core->role() == Role::leader) {
      bool ok = true;
      const std::string text = core->snapshot();
      if (!b.cfg.broken.confirm_without_write) ok = b.write(index, SimBrowser::queue_key(), text);
      if (ok) last_written = text;
      if (!ok) dirty = true;
      call("on_persisted", [ok](Tracker& c, const Clock& now) { c.on_persisted(ok, now); });
      if (!runnable()) return;
    }
  }
  observe(force);  // persistNow: the cookie, when the core says
}


// track(): the calls of a task go to the core in one crossing, the cookie read first (drain()).
inline void SimTab::track(long long nonce, bool fire) {
  observe();
  call("track", [&](Tracker& c, const Clock& now) {
    const int r = c.track("e", "{\"nonce\":" + std::to_string(nonce) + "}", fire ? R"({"fire":true})" : "", now, 0,
                          entropy());
    if (r >= 0 && b.observer) b.observer->on_accepted(index, c.last_event_id(), nonce);
  });
  schedule_persist();  // the cookie slides with activity in every tab (persistNow asks the core)
}

inline void SimTab::flush() {
  observe();
  call("flush", [](Tracker& c, const Clock& now) { c.flush(now); });
}

// onHidden: leaving('onHidden'), then the snapshot written synchronously.
inline void SimTab::hide() {
  if (!runnable() || hidden) return;
  if (left) return;  // the page is going: no visibility change, no destroy() any more
  hidden = true;
  observe();  // core-host.js leaving(): a sibling's newer session is not overwritten by this tab's
  call("on_hidden", [](Tracker& c, const Clock& now) { c.on_hidden(now); });
  persist_now(true);
}

// onVisible: tabs.show() (a rejoin after a resign), then lifecycle('onVisible'). Timers are no
// longer throttled: one waiting for the next minute runs when it is due.
inline void SimTab::show() {
  if (!runnable()) return;
  hidden = false;
  leaving = false;
  call("rejoin", [](Tracker& c, const Clock& now) { c.rejoin(now); });
  observe();
  call("on_visible", [](Tracker& c, const Clock& now) { c.on_visible(now); });
  if (wake_mono && runnable()) set_wake(*wake_mono);
}

// onPageLeave: the core's page leave and its effects, the snapshot written synchronously, then
// the resign (stored: that write succeeded). Answers already settled in the page's microtasks
// (a refused keepalive) still reach the core; the page goes a moment later.
inline void SimTab::leave(bool to_bfcache) {
  if (!runnable() || left) return;
  hidden = true;
  leaving = true;
  left = true;
  observe();
  call("on_page_leave", [to_bfcache](Tracker& c, const Clock& now) { c.on_page_leave(now, to_bfcache); });
  persist_now(true);
  const bool stored = !dirty;
  call("resign", [stored](Tracker& c, const Clock& now) { c.resign(stored, now); });
  SimTab* self = this;
  b.to_tab(index, b.sched.now + 1, to_bfcache ? "page into the back/forward cache" : "page unload", [self, to_bfcache] {
    if (!self->runnable()) return;
    if (!to_bfcache) {
      if (self->b.observer) self->b.observer->on_tab_down(self->index, "page unload");
      self->life = Life::closed;
      self->b.gone(*self, true);
      return;
    }
    // Frozen in the cache: its plain fetches are cut (their answers lost: the core times them
    // out when it comes back); the browser finishes its keepalive ones, whose answers wait for
    // the page like every other task.
    self->life = Life::bfcache;
    for (const auto& [id, idx] : self->open) {
      Request& r = self->b.requests[idx];
      if (r.transport != Transport::fetch) continue;
      if (!r.arrived) r.cut = true;
      self->b.lose_answer(idx, "the page went into the back/forward cache");
    }
  });
}

// pageshow (persisted): back in the election (rejoin) and visible.
inline void SimTab::back_from_bfcache() {
  if (life != Life::bfcache) return;
  left = false;
  b.resume(*this);
  show();
}

// destroy(): pending track calls drained, the snapshot written, out of the election for good,
// the core deleted. Requests on the wire go on; their answers reach nobody.
inline void SimTab::destroy() {
  if (!runnable()) return;
  if (left) return;  // the page is going: no visibility change, no destroy() any more
  if (b.observer) b.observer->on_tab_down(index, "destroy");
  persist_now(true);
  call("leave_tabs", [](Tracker& c, const Clock& now) { c.leave_tabs(now, true); });  // FACT.leave
  if (!runnable()) return;
  life = Life::destroyed;
  b.gone(*this, false);
}

// Frozen (iOS Safari, a frozen Chromium tab): no fact at all reaches it; it keeps the lock.
inline void SimTab::suspend() {
  if (life == Life::live) life = Life::suspended;
}
inline void SimTab::resume() {
  if (life == Life::suspended) b.resume(*this);
}

}  // namespace sim
}  // namespace tracker
