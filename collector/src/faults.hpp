// Fault injection for tests: the next N /track requests fail, drop, hang or lose their answer,
// and/or every answer is delayed. Thread-safe; hanging requests wake up early on clear() or
// shutdown().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace collector {

// fail: answered with `status`, nothing stored. drop/hang: no answer, nothing stored.
// lose: handled (and stored) as usual, then dropped instead of answered: an answer lost after the
// server kept the batch, which is what makes a client send a copy.
enum class FaultKind { none, fail, drop, hang, lose };

struct FaultAction {
  FaultKind kind = FaultKind::none;
  int status = 500;
  std::string retry_after;  // sent as Retry-After with `fail` when not empty
  int64_t delay_ms = 0;     // applied before any answer
};

class Faults {
 public:
  // Merges the fields present in `cfg` ({fail_next, status, retry_after, delay_ms, drop_next,
  // hang_next, lose_next}); returns false with `error` for a bad field and changes nothing then.
  bool configure(const nlohmann::json& cfg, std::string& error);
  nlohmann::json state() const;
  void clear();  // also releases hanging requests

  // Consumes one pending fault for a /track request. Order: drop, hang, lose, fail.
  FaultAction take();

  // Blocks up to `max`, or until clear()/shutdown(). Returns true when it ran the full time.
  bool hang(std::chrono::milliseconds max);
  void shutdown();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t fail_next_ = 0, drop_next_ = 0, hang_next_ = 0, lose_next_ = 0, delay_ms_ = 0;
  int status_ = 500;
  std::string retry_after_;
  int64_t injected_ = 0;     // faults served so far
  uint64_t generation_ = 0;  // bumped to release hanging requests
  bool shut_down_ = false;
};

}  // namespace collector
