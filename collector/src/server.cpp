#include "server.hpp"

#include <csignal>
#include <cstdio>
#include <thread>

#include <httplib.h>

#include "body_scan.hpp"
#include "http_util.hpp"
#include "refusal.hpp"
#include "validation.hpp"

namespace collector {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// How long a `hang_next` request is held before its connection is dropped.
constexpr std::chrono::seconds kHangFor{30};
constexpr int64_t kDefaultLimit = 1000, kMaxLimit = 10000;

// Per-request state between httplib's pre- and post-routing hooks; both run on the worker
// thread that serves the request, so thread_local is enough.
thread_local std::chrono::steady_clock::time_point t_started;
thread_local bool t_track_recorded = false;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_detail(httplib::Response& res, int status, const json& detail) {
  send_json(res, status, json{{"detail", detail}});
}

bool is_track_post(const httplib::Request& req) {
  return req.method == "POST" && req.path == "/track";
}

// Reads an integer query parameter; false when present but not a number in range.
bool int_param(const httplib::Request& req, const char* name, int64_t min, int64_t max,
               int64_t& out) {
  if (!req.has_param(name)) return true;
  const std::string v = req.get_param_value(name);
  if (v.empty()) return true;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (*end != '\0' || n < min || n > max) return false;
  out = n;
  return true;
}

std::optional<std::string> str_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name) || req.get_param_value(name).empty()) return std::nullopt;
  return req.get_param_value(name);
}

RequestRecord record_for(const httplib::Request& req, int64_t received_ms) {
  RequestRecord rec;
  rec.received_ms = received_ms;
  rec.origin = req.get_header_value("Origin");
  rec.content_type = req.get_header_value("Content-Type");
  rec.bytes = static_cast<int64_t>(req.body.size());
  return rec;
}

}  // namespace

struct TrackContext {
  const httplib::Request& req;
  int64_t received_ms;
};

Collector::Collector(Options options, SourceRegistry sources)
    : options_(std::move(options)), sources_(std::move(sources)),
      server_(std::make_unique<httplib::Server>()) {}

Collector::~Collector() {
  stop();
  storage_.close();
}

bool Collector::open(std::string& error) {
  // A client that hangs up mid-answer must not kill the process (dropped connections do this).
  std::signal(SIGPIPE, SIG_IGN);
  if (!storage_.open(options_.db_path, error)) return false;
  storage_.set_mint_ids(options_.mint_ids);
  auto& svr = *server_;
  // Each keep-alive connection holds a worker; browsers open several, tests hang some.
  svr.new_task_queue = [] { return new httplib::ThreadPool(32); };
  svr.set_keep_alive_max_count(1000);
  // An idle keep-alive connection holds stop() until it times out; 2 s keeps shutdown quick
  // while a burst of requests still reuses its connection.
  svr.set_keep_alive_timeout(2);
  // httplib writes headers and body separately; without this Nagle + delayed ACK add ~40 ms.
  svr.set_tcp_nodelay(true);
  // httplib refuses larger bodies before reading them; up to this cap we read the body and answer
  // 413 ourselves, so the client sees a clean answer on a healthy connection.
  svr.set_payload_max_length(options_.max_body * 4 + 64 * 1024);
  register_mime_types(svr);
  const httplib::Headers no_cache = {{"Cache-Control", "no-cache"}};
  if (!options_.tracker_dir.empty() &&
      !svr.set_mount_point("/tracker", options_.tracker_dir, no_cache)) {
    error = "--tracker: not a directory: " + options_.tracker_dir;
    return false;
  }
  if (!options_.site_dir.empty() && !svr.set_mount_point("/", options_.site_dir, no_cache)) {
    error = "--site: not a directory: " + options_.site_dir;
    return false;
  }
  install_routes();
  if (options_.port == 0) {
    port_ = svr.bind_to_any_port(options_.host);
    if (port_ <= 0) {
      error = "cannot bind " + options_.host + " to a free port";
      return false;
    }
  } else {
    if (!svr.bind_to_port(options_.host, options_.port)) {
      error = "cannot bind " + options_.host + ":" + std::to_string(options_.port);
      return false;
    }
    port_ = options_.port;
  }
  admin_guard_.configure(options_.host, port_);
  return true;
}

void Collector::run() {
  if (!stop_requested_) server_->listen_after_bind();
  storage_.close();
}

void Collector::stop() {
  stop_requested_ = true;
  faults_.shutdown();  // release hanging requests so the worker pool can join
  server_->stop();
}

bool Collector::running() const { return server_->is_running(); }

void Collector::install_routes() {
  auto& svr = *server_;

  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_started = std::chrono::steady_clock::now();
    t_track_recorded = false;
    // Before preflights: a preflight to an admin path is refused like the request it announces.
    if (is_admin_path(req.path)) {
      const std::string why = admin_guard_.refusal(req);
      if (!why.empty()) {
        send_detail(res, 403, why);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    if (req.method == "OPTIONS") {
      if (req.has_header("Access-Control-Request-Method"))
        answer_preflight(req, res);
      else
        send_detail(res, 405, "Method Not Allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Runs for every answer httplib writes, errors included: CORS on a 4xx/5xx is what lets the
  // browser read the status instead of reporting an opaque "CORS error" (tracardi#359).
  svr.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    apply_cors(req, res);
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_started).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", secs);
    res.set_header("X-Process-Time", buf);
    if (is_track_post(req) && !t_track_recorded) {
      // Rejected before our handler ran (e.g. a body over httplib's hard cap).
      t_track_recorded = true;
      RequestRecord rec = record_for(req, now_ms());
      rec.status = res.status;
      if (res.status == 413) {  // over httplib's read cap: too large for any model check
        rec.valid = false;
        rec.reason = "Request body too large (over the collector's read cap)";
      }
      try {
        storage_.record_request(rec);
      } catch (const std::exception&) {
      }
    }
  });

  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const char* msg = res.status == 404   ? "Not Found"
                      : res.status == 413 ? "Request body too large"
                      : res.status == 405 ? "Method Not Allowed"
                                          : "Error";
    send_detail(res, res.status, msg);
    return httplib::Server::HandlerResponse::Handled;
  }));

  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "Internal Server Error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        std::fprintf(stderr, "collector: 500: %s\n", what.c_str());
        send_detail(res, 500, what);
      });

  svr.Post("/track", [this](const httplib::Request& req, httplib::Response& res) {
    handle_track(TrackContext{req, now_ms()}, res);
  });
  // Tracardi 0.9's PUT /track is a stub answering null.
  svr.Put("/track", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, nullptr);
  });

  // `event_ids`: "client" (events unique on the payload's id) or "mint" (--mint-ids: a server
  // uuid4 per event, Tracardi 0.8.x), so a test or the demo can tell which one it talks to.
  svr.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"ok", true}, {"event_ids", options_.mint_ids ? "mint" : "client"}});
  });

  svr.Get("/events", [this](const httplib::Request& req, httplib::Response& res) {
    EventQuery q;
    if (!int_param(req, "after", 0, INT64_MAX, q.after) ||
        !int_param(req, "limit", 1, kMaxLimit, q.limit))
      return send_detail(res, 422, "`after` must be >= 0 and `limit` 1..10000");
    q.type = str_param(req, "type");
    q.session = str_param(req, "session");
    q.profile = str_param(req, "profile");
    q.source = str_param(req, "source");
    q.client_id = str_param(req, "client_id");
    send_json(res, 200, storage_.events(q));
  });

  svr.Get("/summary", [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, 200, storage_.summary(str_param(req, "source")));
  });

  svr.Get("/requests", [this](const httplib::Request& req, httplib::Response& res) {
    int64_t after = 0, limit = kDefaultLimit;
    if (!int_param(req, "after", 0, INT64_MAX, after) ||
        !int_param(req, "limit", 1, kMaxLimit, limit))
      return send_detail(res, 422, "`after` must be >= 0 and `limit` 1..10000");
    send_json(res, 200, storage_.requests(after, limit));
  });

  svr.Post("/__admin/reset", [this](const httplib::Request&, httplib::Response& res) {
    faults_.clear();
    {
      std::lock_guard<std::mutex> lock(ux_mutex_);
      ux_overrides_.clear();
    }
    storage_.reset();
    send_json(res, 200, {{"ok", true}});
  });
  svr.Get("/__admin/faults", [this](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, faults_.state());
  });
  svr.Post("/__admin/faults", [this](const httplib::Request& req, httplib::Response& res) {
    json cfg;
    std::string error;
    if (parse_bounded(req.body, kMaxBodyDepth, cfg) != BodyShape::ok)
      return send_detail(res, 422, "body must be a JSON object");
    if (!faults_.configure(cfg, error)) return send_detail(res, 422, error);
    send_json(res, 200, faults_.state());
  });
  // {"source": "<id>", "ux": [{tag, props, content?}, ...]}: that source answers with this ux
  // until DELETE /__admin/ux or /__admin/reset. Items are passed through as given: the point is
  // to send a tracker hostile widgets too.
  svr.Post("/__admin/ux", [this](const httplib::Request& req, httplib::Response& res) {
    json cfg;
    if (parse_bounded(req.body, kMaxBodyDepth, cfg) != BodyShape::ok || !cfg.is_object() ||
        !cfg.contains("source") || !cfg["source"].is_string() || !cfg.contains("ux") ||
        !cfg["ux"].is_array())
      return send_detail(res, 422, "body must be {\"source\": \"<id>\", \"ux\": [...]}");
    std::lock_guard<std::mutex> lock(ux_mutex_);
    ux_overrides_[cfg["source"].get<std::string>()] = cfg["ux"];
    send_json(res, 200, {{"source", cfg["source"]}, {"ux", cfg["ux"]}});
  });
  svr.Delete("/__admin/ux", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(ux_mutex_);
    ux_overrides_.clear();
    send_json(res, 200, {{"ok", true}});
  });
  svr.Delete("/__admin/faults", [this](const httplib::Request&, httplib::Response& res) {
    faults_.clear();
    send_json(res, 200, faults_.state());
  });
}

json Collector::ux_for(const EventSource& source) {
  std::lock_guard<std::mutex> lock(ux_mutex_);
  auto it = ux_overrides_.find(source.id);
  return it == ux_overrides_.end() ? source.ux : it->second;
}

Validation Collector::check_body(const httplib::Request& req) const {
  Validation v;
  if (req.body.size() > options_.max_body) {
    v.status = 413;
    v.detail = "Request body too large (limit " + std::to_string(options_.max_body) + " bytes)";
    return v;
  }
  const std::string content_type = req.get_header_value("Content-Type");
  if (!is_json_content_type(content_type) &&
      !(options_.accept_text_plain && is_text_plain(content_type))) {
    // FastAPI leaves a non-JSON body as bytes, which then fails the model as "not a dict".
    v.status = 422;
    v.detail = json::array({{{"loc", json::array({"body"})},
                             {"msg", "value is not a valid dict"},
                             {"type", "type_error.dict"}}});
    return v;
  }
  return validate_track_body(req.body);
}

void Collector::handle_track(const TrackContext& ctx, httplib::Response& res) {
  const httplib::Request& req = ctx.req;
  t_track_recorded = true;
  RequestRecord rec = record_for(req, ctx.received_ms);

  FaultAction fault = faults_.take();
  if (fault.delay_ms > 0) faults_.hang(std::chrono::milliseconds(fault.delay_ms));
  // lose_next: the request is handled as usual (stored when valid), then its connection is
  // dropped instead of answered and it is recorded with status 0: the client sees a network
  // error for a batch the server kept, the case that makes it send a copy.
  const bool lose = fault.kind == FaultKind::lose;
  if (lose) rec.injected = true;
  auto lose_answer = [&] {
    drop_connection(req);
    send_detail(res, 503, "Dropped");  // never reaches the client
  };
  // `body_valid`: a 401 refuses the source of a body the model accepted.
  auto reject = [&](int status, const json& detail, bool body_valid) {
    rec.status = lose ? 0 : status;
    rec.event_ids = event_ids_in(req.body);
    rec.valid = body_valid;
    rec.reason = refusal_reason(detail);
    if (!body_valid) rec.detail = bounded_detail(detail);
    storage_.record_request(rec);
    if (lose) return lose_answer();
    send_detail(res, status, detail);
  };

  Validation v = check_body(req);
  rec.valid = v.ok();
  rec.source = v.named_source;

  if (fault.kind != FaultKind::none && !lose) {
    // The fault answers whatever the body is; the row still says what the model made of it.
    rec.injected = true;
    rec.event_ids = event_ids_in(req.body);
    if (!v.ok()) rec.detail = bounded_detail(v.detail);
    if (fault.kind == FaultKind::fail) {
      rec.status = fault.status;
      rec.reason = "Injected fault: HTTP " + std::to_string(fault.status);
      storage_.record_request(rec);
      if (!fault.retry_after.empty()) res.set_header("Retry-After", fault.retry_after);
      return send_detail(res, fault.status, "Injected fault");
    }
    rec.status = 0;  // no answer will be sent
    rec.reason = "Injected fault: connection dropped, no answer";
    storage_.record_request(rec);
    if (fault.kind == FaultKind::hang) faults_.hang(kHangFor);
    drop_connection(req);
    return send_detail(res, 503, "Dropped");  // never reaches the client
  }

  if (!v.ok()) return reject(v.status, v.detail, false);
  // Tracardi reads the flag from the query (FastAPI's bool: true/1/yes/on), never from the body.
  const std::string pl = req.get_param_value("profile_less");
  v.input.profile_less = pl == "true" || pl == "1" || pl == "yes" || pl == "on";
  const TrackInput& in = v.input;

  const EventSource* source =
      in.source_id.rfind('@', 0) == 0 ? nullptr : sources_.find_enabled(in.source_id);
  if (!source) return reject(401, "Invalid event source `" + in.source_id + "`.", true);

  if (lose) rec.reason = "Injected fault: stored, then the answer was dropped";
  if (in.events.empty()) {
    rec.status = lose ? 0 : 200;
    storage_.record_request(rec);
    if (lose) return lose_answer();
    return send_json(res, 200, nullptr);
  }

  TrackOutcome out = storage_.store_track(std::move(rec), in, source->static_profile_id);
  if (lose) return lose_answer();
  ordered_json body = {{"task", uuid4()},
                       {"ux", ux_for(*source)},
                       {"response", json::object()},
                       {"events", json::array()},
                       {"profile", out.profile_id.empty() ? json(nullptr) : json{{"id", out.profile_id}}},
                       {"session", {{"id", out.session_id}}},
                       {"errors", json::array()},
                       {"warnings", json::array()}};
  res.status = 200;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

}  // namespace collector
