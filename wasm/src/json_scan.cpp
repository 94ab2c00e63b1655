#include "json_scan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "decimal.hpp"
#include "json_text.hpp"

// nlohmann's lexer, as instantiated by JsonScanner::scan (over a char range), gets a member of
// its own here. It must stay declared before scan() below instantiates the lexer.
namespace nlohmann {
namespace detail {

using scan_lexer = lexer<nlohmann::json, iterator_input_adapter<const char*>>;

// The lexer converts every non-integer number with strtod only so that the parser can reject
// the ones that overflow (the core keeps numbers as text); in the wasm build every integer too
// (its lexer skips the strtoull/strtoll conversions: cmake/nlohmann_json.cmake). musl's strtod pulls ~15 KB of 128-bit
// soft float into the wasm; deciding the overflow on the digits gives the same accept/reject
// (checked against json::accept by wasm/fuzz/json_accept_fuzz.cpp). The scanner reads only
// whether the value is finite, never the value itself, so a finite number reads as 0 (reading it
// would bring the decimal parser's scaling code into every JSON read for nothing).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"  // the original's nonnull: str is never null here
#endif
template <>
void scan_lexer::strtof(double& f, const char* str, char** endptr) noexcept {
  const std::string_view text(str);
  *endptr = const_cast<char*>(str + text.size());  // the token holds exactly one valid number
  f = tracker::detail::json_number_overflows(text) ? std::numeric_limits<double>::infinity() : 0;
}

// Comments are JSON's extension the scanner never enables (Grammar builds the lexer with
// ignore_comments false): scan() reaches scan_comment() only when they are on, but keeps its code
// because the flag is a run-time member. Never called here: liliput.min.wasm -64 bytes gzip.
template <>
bool scan_lexer::scan_comment() {
  return false;
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
  // A number as written (the lexer's token text). Integer text is what its value would print as,
  // except "-0": it reads as integer 0, and "0" is what the core has always written for it.
  bool number(const json::string_t& raw) { return scalar(JsonKind::number, raw == "-0" ? "0" : raw); }
  bool string(json::string_t& v) { return scalar(JsonKind::string, v); }

  bool start_object(std::size_t) { return open(JsonKind::object, '{', ""); }
  bool start_array(std::size_t) { return open(JsonKind::array, '[', "[]"); }
  bool key(json::string_t& k) {
    path_.back() = k;
    if (capturing()) {
      comma();
      append_quoted(buf_, k);
      buf_ += ':';
      after_key_ = true;
    }
    return true;
  }
  bool end_object() { return close('}'); }
  bool end_array() { return close(']'); }

 private:
  bool capturing() const { return capture_level_ >= 0; }

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
      if (kind == JsonKind::string) append_quoted(buf_, text);
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

// JSON's grammar over nlohmann's lexer, driving the SAX handler the way nlohmann's parser does
// (sax_parse, strict: one value, then the end of input). nlohmann still decides every token:
// literals, strings with their escapes and UTF-8, numbers and their overflow. The parser itself
// is not used because it builds an exception object with a formatted message for every rejection
// (pulling std::runtime_error, its RTTI and the message text into the wasm) and keeps a
// vector<bool> of open containers; about 2.5 KB of gzipped wasm. Accept/reject stays identical
// to json::accept: wasm/fuzz/json_accept_fuzz.cpp.
class Grammar {
 public:
  using lexer_t = nlohmann::detail::scan_lexer;
  using token = lexer_t::token_type;

  Grammar(std::string_view text, ScanSax& sax)
      : lexer_(nlohmann::detail::iterator_input_adapter<const char*>(text.data(), text.data() + text.size())),
        sax_(sax) {}

  bool document() { return value(lexer_.scan()) && lexer_.scan() == token::end_of_input; }

 private:
  // Recursion depth is bounded by the handler, which refuses containers past max_depth.
  bool value(token t) {
    switch (t) {
      case token::begin_object:
        if (!sax_.start_object(static_cast<std::size_t>(-1))) return false;
        t = lexer_.scan();
        if (t == token::end_object) return sax_.end_object();
        for (;;) {
          if (t != token::value_string || !sax_.key(lexer_.get_string())) return false;
          if (lexer_.scan() != token::name_separator || !value(lexer_.scan())) return false;
          t = lexer_.scan();
          if (t == token::end_object) return sax_.end_object();
          if (t != token::value_separator) return false;
          t = lexer_.scan();
        }
      case token::begin_array:
        if (!sax_.start_array(static_cast<std::size_t>(-1))) return false;
        t = lexer_.scan();
        if (t == token::end_array) return sax_.end_array();
        for (;;) {
          if (!value(t)) return false;
          t = lexer_.scan();
          if (t == token::end_array) return sax_.end_array();
          if (t != token::value_separator) return false;
          t = lexer_.scan();
        }
      case token::literal_null: return sax_.null();
      case token::literal_true: return sax_.boolean(true);
      case token::literal_false: return sax_.boolean(false);
      case token::value_string: return sax_.string(lexer_.get_string());
      case token::value_integer:
      case token::value_unsigned: return sax_.number(lexer_.get_string());
      // As nlohmann's parser: a number that overflows a double is not valid JSON here.
      case token::value_float: return std::isfinite(lexer_.get_number_float()) && sax_.number(lexer_.get_string());
      default: return false;  // a lexer error, or a token that cannot start a value
    }
  }

  lexer_t lexer_;
  ScanSax& sax_;
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

bool path_is(const JsonPath& path, std::string_view dotted) {
  std::size_t at = 0;  // where the next key of `dotted` starts; past its end once all are used
  for (const std::string& p : path) {
    if (at > dotted.size()) return false;  // a longer path
    const std::size_t end = std::min(dotted.find('.', at), dotted.size());
    if (dotted.substr(at, end - at) != p) return false;
    at = end + 1;
  }
  return at > dotted.size();  // every key used
}

bool JsonScanner::scan(std::string_view text) const {
  // nlohmann's lexer reads a NUL byte as the end of input; valid JSON never contains one.
  if (text.find('\0') != std::string_view::npos) return false;
  root = JsonKind::null;
  deepest = 0;
  ScanSax sax(*this);
  return Grammar(text, sax).document();
}

}  // namespace detail
}  // namespace tracker
