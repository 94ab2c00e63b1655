// Helpers that work on JSON *text*: events are kept pre-serialized, so the hot path validates
// and splices text instead of building DOM trees.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tracker {
namespace detail {

enum class JsonCheck { ok, invalid, not_object, too_deep };

// Validates `text` as one JSON value without building a DOM; reports whether it is an object
// nested at most `max_depth` deep.
JsonCheck check_json_object(std::string_view text, int max_depth);

// Replaces escaped lone UTF-16 surrogates ("\ud800" without its pair), which JSON.stringify emits
// for broken strings and strict parsers reject, with "\ufffd". Returns true if it changed text.
bool repair_lone_surrogate_escapes(std::string& text);

// `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);

// Encodes `s` as a JSON string literal; invalid UTF-8 becomes U+FFFD. The append_ forms write
// into `out` directly: no temporary string per piece when a document is built member by member.
std::string json_quote(std::string_view s);
void append_quoted(std::string& out, std::string_view s);

// The decimal text of an integer, as std::to_string writes it. One digit loop for every integer
// type: libc++'s to_string brings a to_chars routine per width and a wrapper per overload.
void append_digits(std::string& out, std::uint64_t magnitude, bool negative);
std::string decimal_digits(std::uint64_t magnitude, bool negative);
template <class Int>
std::string decimal(Int v) {
  static_assert(std::is_integral_v<Int>);
  if constexpr (std::is_signed_v<Int>) {
    if (v < 0) return decimal_digits(0 - static_cast<std::uint64_t>(v), true);
  }
  return decimal_digits(static_cast<std::uint64_t>(v), false);
}
template <class Int>
void append_decimal(std::string& out, Int v) {
  static_assert(std::is_integral_v<Int>);
  if constexpr (std::is_signed_v<Int>) {
    if (v < 0) return append_digits(out, 0 - static_cast<std::uint64_t>(v), true);
  }
  append_digits(out, static_cast<std::uint64_t>(v), false);
}

// Builds a message piece by piece: Cat() << "dropped " << n << " event(s)". Each piece is one
// out-of-line append to one string; a chain of std::string operator+ makes, moves and destroys a
// temporary per step, all of it inlined at every call site.
class Cat {
 public:
  Cat& operator<<(std::string_view s);
  Cat& operator<<(char c);
  template <class Int, class = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  Cat& operator<<(Int v) {
    append_decimal(text_, v);
    return *this;
  }
  // Moves the text out: a Cat is built for one message and converted once, at its end.
  operator std::string() { return std::move(text_); }  // NOLINT(google-explicit-constructor)

 private:
  std::string text_;
};

// "YYYY-MM-DDTHH:MM:SS.mmmZ" for epoch milliseconds (what Tracardi's tracker sends).
std::string iso_utc(double epoch_ms);

}  // namespace detail
}  // namespace tracker
