#include "body_scan.hpp"

#include <optional>

namespace collector {

using nlohmann::json;

namespace {

// nlohmann's SAX interface. Only levels 1-3 matter for ids (root object, `events` array, event
// object); deeper levels are counted, not tracked, so memory stays flat whatever the depth.
class Scanner {
 public:
  explicit Scanner(int max_depth) : max_depth_(max_depth) {}

  bool null() { return value(nullptr); }
  bool boolean(bool) { return value(nullptr); }
  bool number_integer(json::number_integer_t) { return value(nullptr); }
  bool number_unsigned(json::number_unsigned_t) { return value(nullptr); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(nullptr); }
  bool string(json::string_t& s) { return value(&s); }
  bool binary(json::binary_t&) { return value(nullptr); }

  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& k) {
    if (depth_ == 1) {
      root_key_ = k;
      // A repeated "events" key replaces the earlier value, whatever it is (nlohmann and Python
      // keep the last): a later object or scalar leaves no ids (collector fuzz, session 12).
      if (k == "events") ids_.clear();
    }
    if (depth_ == 3) event_key_ = k;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  bool too_deep() const { return too_deep_; }
  int deepest() const { return deepest_; }
  std::vector<std::string> take_ids() { return std::move(ids_); }

 private:
  // A scalar (or, through open(), a container) appearing as a member of the current container.
  bool value(const json::string_t* s) {
    if (in_event_ && depth_ == 3 && event_key_ == "id")
      event_id_ = s ? std::optional<std::string>(*s) : std::nullopt;
    return true;
  }

  bool open(bool array) {
    value(nullptr);  // a container as `events[i].id` is no id
    if (++depth_ > deepest_) deepest_ = depth_;
    if (depth_ > max_depth_) {
      too_deep_ = true;
      return false;  // stops the parser at once
    }
    if (depth_ == 1) root_is_object_ = !array;
    if (depth_ == 2) {
      in_events_ = array && root_is_object_ && root_key_ == "events";
    }
    if (depth_ == 3) {
      in_event_ = in_events_ && !array;
      event_key_.clear();
      event_id_.reset();
    }
    return true;
  }

  bool close() {
    if (depth_ == 3 && in_event_) {
      if (event_id_) ids_.push_back(std::move(*event_id_));
      in_event_ = false;
    }
    if (depth_ == 2) in_events_ = false;
    --depth_;
    return true;
  }

  const int max_depth_;
  int depth_ = 0, deepest_ = 0;
  bool too_deep_ = false, root_is_object_ = false, in_events_ = false, in_event_ = false;
  std::string root_key_, event_key_;
  std::optional<std::string> event_id_;
  std::vector<std::string> ids_;
};

}  // namespace

BodyScan scan_body(std::string_view text, int max_depth) {
  Scanner sc(max_depth);
  const bool ok = json::sax_parse(text.begin(), text.end(), &sc);
  BodyScan out;
  out.deepest = sc.deepest();
  if (ok) {
    out.shape = BodyShape::ok;
    out.event_ids = sc.take_ids();
  } else {
    out.shape = sc.too_deep() ? BodyShape::too_deep : BodyShape::malformed;
  }
  return out;
}

BodyShape parse_bounded(std::string_view text, int max_depth, json& out) {
  BodyShape shape = scan_body(text, max_depth).shape;
  if (shape != BodyShape::ok) return shape;
  out = json::parse(text.begin(), text.end(), nullptr, false);
  return out.is_discarded() ? BodyShape::malformed : BodyShape::ok;
}

}  // namespace collector
