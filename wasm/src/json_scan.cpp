#include "json_scan.hpp"

#include <limits>

#include <nlohmann/json.hpp>

#include "decimal.hpp"
#include "json_text.hpp"

// nlohmann's lexer, as instantiated by JsonScanner::scan (sax_parse over a char range), gets two
// members of its own here. They must stay declared before scan() below instantiates the parser.
namespace nlohmann {
namespace detail {

using scan_lexer = lexer<nlohmann::json, iterator_input_adapter<const char*>>;

// The lexer converts every non-integer number with strtod only so that the parser can reject
// the ones that overflow (the core keeps numbers as text). musl's strtod pulls ~15 KB of 128-bit
// soft float into the wasm; deciding the overflow on the digits gives the same accept/reject
// (checked against json::accept by wasm/fuzz/json_accept_fuzz.cpp). The value itself is a close
// approximation, never read by the scanner.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"  // the original's nonnull: str is never null here
#endif
template <>
void scan_lexer::strtof(double& f, const char* str, char** endptr) noexcept {
  const std::string_view text(str);
  *endptr = const_cast<char*>(str + text.size());  // the token holds exactly one valid number
  if (tracker::detail::json_number_overflows(text)) {
    f = text.front() == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  } else {
    f = tracker::detail::read_decimal(text);
    // read_decimal scales huge exponents in doubles and may reach infinity a few ulp early.
    if (!std::isfinite(f)) f = text.front() == '-' ? -std::numeric_limits<double>::max() : std::numeric_limits<double>::max();
  }
}

// Only used to build parse-error messages, which the scanner discards; the original formats
// control characters with snprintf, the wasm's only use of musl's printf family (~7 KB).
template <>
std::string scan_lexer::get_token_string() const {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string result;
  for (const auto c : token_string) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x1F) {
      result += "<U+00";
      result += hex[u >> 4];
      result += hex[u & 0xF];
      result += '>';
    } else {
      result.push_back(static_cast<char>(c));
    }
  }
  return result;
}

}  // namespace detail
}  // namespace nlohmann

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;

class ScanSax {
 public:
  explicit ScanSax(const JsonScanner& s) : s_(s) {}

  bool null() { return scalar(JsonKind::null, "null"); }
  bool boolean(bool v) { return scalar(JsonKind::boolean, v ? "true" : "false"); }
  // Integers are formatted only when someone looks (validation-only scans stay cheap).
  bool number_integer(json::number_integer_t v) {
    return scalar(JsonKind::number, wants_text() ? std::to_string(v) : std::string());
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return scalar(JsonKind::number, wants_text() ? std::to_string(v) : std::string());
  }
  bool number_float(json::number_float_t, const json::string_t& raw) { return scalar(JsonKind::number, raw); }
  bool string(json::string_t& v) { return scalar(JsonKind::string, v); }
  bool binary(json::binary_t&) { return false; }

  bool start_object(std::size_t) { return open(JsonKind::object, '{', ""); }
  bool start_array(std::size_t) { return open(JsonKind::array, '[', "[]"); }
  bool key(json::string_t& k) {
    path_.back() = k;
    if (capturing()) {
      comma();
      buf_ += json_quote(k);
      buf_ += ':';
      after_key_ = true;
    }
    return true;
  }
  bool end_object() { return close('}'); }
  bool end_array() { return close(']'); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  bool capturing() const { return capture_level_ >= 0; }
  bool wants_text() const { return s_.on_value || s_.capture || capturing(); }

  void comma() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_.empty()) {
      if (!first_.back()) buf_ += ',';
      first_.back() = false;
    }
  }

  // Starts capturing at the value about to be reported, if asked to; true when it just started
  // (the value then opens the buffer and needs no separator).
  bool maybe_start_capture() {
    if (!capturing() && s_.capture && s_.capture(path_)) {
      capture_level_ = static_cast<int>(first_.size());
      buf_.clear();
      return true;
    }
    return false;
  }

  bool scalar(JsonKind kind, std::string_view text) {
    if (path_.empty()) s_.root = kind;
    if (s_.on_value) s_.on_value(path_, kind, text);
    const bool started = maybe_start_capture();
    if (capturing()) {
      if (!started) comma();
      if (kind == JsonKind::string) buf_ += json_quote(text);
      else buf_ += text;
      if (capture_level_ == static_cast<int>(first_.size())) finish_capture();
    }
    return true;
  }

  bool open(JsonKind kind, char bracket, const char* child) {
    if (path_.empty()) s_.root = kind;
    if (++depth_ > s_.deepest) s_.deepest = depth_;
    if (depth_ > s_.max_depth) return false;
    if (s_.on_value) s_.on_value(path_, kind, {});
    const bool started = maybe_start_capture();
    if (capturing()) {
      if (!started) comma();
      buf_ += bracket;
    }
    first_.push_back(true);
    path_.emplace_back(child);
    return true;
  }

  bool close(char bracket) {
    --depth_;
    path_.pop_back();
    first_.pop_back();
    after_key_ = false;
    if (capturing()) {
      buf_ += bracket;
      if (capture_level_ == static_cast<int>(first_.size())) finish_capture();
    }
    return true;
  }

  void finish_capture() {
    capture_level_ = -1;
    if (s_.on_captured) s_.on_captured(path_, std::move(buf_));
    buf_.clear();
  }

  const JsonScanner& s_;
  JsonPath path_;
  std::vector<char> first_;  // per open container: no member written yet (capture only); not
                             // vector<bool>, whose bit-twiddling push_back costs ~2 KB of wasm
  std::string buf_;
  int capture_level_ = -1;  // container depth where the capture started; -1 = none
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace

const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::null: return "null";
    case JsonKind::boolean: return "boolean";
    case JsonKind::number: return "number";
    case JsonKind::string: return "string";
    case JsonKind::object: return "object";
    case JsonKind::array: return "array";
  }
  return "value";
}

bool path_is(const JsonPath& path, std::initializer_list<std::string_view> keys) {
  if (path.size() != keys.size()) return false;
  auto it = keys.begin();
  for (const std::string& p : path) {
    if (p != *it++) return false;
  }
  return true;
}

bool JsonScanner::scan(std::string_view text) const {
  // nlohmann's lexer reads a NUL byte as the end of input; valid JSON never contains one.
  if (text.find('\0') != std::string_view::npos) return false;
  root = JsonKind::null;
  deepest = 0;
  ScanSax sax(*this);
  return json::sax_parse(text.data(), text.data() + text.size(), &sax, json::input_format_t::json, true);
}

}  // namespace detail
}  // namespace tracker
