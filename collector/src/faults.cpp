#include "faults.hpp"

namespace collector {

using nlohmann::json;

namespace {
bool read_count(const json& cfg, const char* key, int64_t& out, std::string& error) {
  if (!cfg.contains(key)) return true;
  const json& v = cfg[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    error = std::string("`") + key + "` must be a non-negative integer";
    return false;
  }
  out = v.get<int64_t>();
  return true;
}
}  // namespace

bool Faults::configure(const json& cfg, std::string& error) {
  if (!cfg.is_object()) {
    error = "expected a JSON object";
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  int64_t fail = fail_next_, drop = drop_next_, hang = hang_next_, lose = lose_next_,
          delay = delay_ms_;
  int64_t status = status_;
  std::string retry_after = retry_after_;
  if (!read_count(cfg, "fail_next", fail, error) || !read_count(cfg, "drop_next", drop, error) ||
      !read_count(cfg, "hang_next", hang, error) || !read_count(cfg, "lose_next", lose, error) ||
      !read_count(cfg, "delay_ms", delay, error) ||
      !read_count(cfg, "status", status, error))
    return false;
  if (status < 100 || status > 599) {
    error = "`status` must be an HTTP status (100-599)";
    return false;
  }
  if (delay > 60000) {
    error = "`delay_ms` must be at most 60000";
    return false;
  }
  if (cfg.contains("retry_after")) {
    const json& ra = cfg["retry_after"];
    if (ra.is_null())
      retry_after.clear();
    else if (ra.is_string())
      retry_after = ra.get<std::string>();
    else if (ra.is_number_integer())
      retry_after = std::to_string(ra.get<int64_t>());
    else {
      error = "`retry_after` must be a string, an integer or null";
      return false;
    }
  }
  fail_next_ = fail;
  drop_next_ = drop;
  hang_next_ = hang;
  lose_next_ = lose;
  delay_ms_ = delay;
  status_ = static_cast<int>(status);
  retry_after_ = retry_after;
  return true;
}

json Faults::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"fail_next", fail_next_},
          {"status", status_},
          {"retry_after", retry_after_.empty() ? json(nullptr) : json(retry_after_)},
          {"delay_ms", delay_ms_},
          {"drop_next", drop_next_},
          {"hang_next", hang_next_},
          {"lose_next", lose_next_},
          {"injected", injected_}};
}

void Faults::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_next_ = drop_next_ = hang_next_ = lose_next_ = delay_ms_ = injected_ = 0;
  status_ = 500;
  retry_after_.clear();
  ++generation_;
  cv_.notify_all();
}

FaultAction Faults::take() {
  std::lock_guard<std::mutex> lock(mu_);
  FaultAction a;
  a.delay_ms = delay_ms_;
  if (drop_next_ > 0) {
    --drop_next_;
    a.kind = FaultKind::drop;
  } else if (hang_next_ > 0) {
    --hang_next_;
    a.kind = FaultKind::hang;
  } else if (lose_next_ > 0) {
    --lose_next_;
    a.kind = FaultKind::lose;
  } else if (fail_next_ > 0) {
    --fail_next_;
    a.kind = FaultKind::fail;
    a.status = status_;
    a.retry_after = retry_after_;
  }
  if (a.kind != FaultKind::none) ++injected_;
  return a;
}

bool Faults::hang(std::chrono::milliseconds max) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t gen = generation_;
  return !cv_.wait_for(lock, max, [&] { return shut_down_ || generation_ != gen; });
}

void Faults::shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shut_down_ = true;
  ++generation_;
  cv_.notify_all();
}

}  // namespace collector
