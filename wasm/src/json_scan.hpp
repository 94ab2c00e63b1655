// Streaming JSON reader over nlohmann's lexer (json_scan.cpp: the grammar is ours, every token is
// nlohmann's). The core never builds a JSON DOM: it reads the
// few values it needs by path and copies sub-documents as text. Besides being faster, this keeps
// nlohmann's DOM, parser and serializer out of the wasm (about a fifth of its size).
#pragma once

#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace tracker {
namespace detail {

// A callback holding a small lambda in place, for the scanner's hooks. Every hook is a lambda
// capturing by reference, so it is small and trivially copyable: no heap, no copy or destroy
// functions and no RTTI per lambda, which std::function costs (~10 KB of wasm for the scanner's
// dozen lambdas). A capture too large or not trivial fails to compile; capture by reference.
template <class Signature>
class Callback;

template <class R, class... Args>
class Callback<R(Args...)> {
 public:
  Callback() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F f) {  // NOLINT(google-explicit-constructor): assigned from lambdas
    static_assert(sizeof(F) <= sizeof(storage_) && alignof(F) <= alignof(void*),
                  "capture fewer variables (or one struct by reference)");
    static_assert(std::is_trivially_copyable_v<F> && std::is_trivially_destructible_v<F>,
                  "capture by reference: the callback copies its lambda as bytes and never destroys it");
    ::new (static_cast<void*>(storage_)) F(f);
    call_ = [](const void* self, Args... args) -> R {
      return (*std::launder(static_cast<const F*>(self)))(std::forward<Args>(args)...);
    };
  }
  explicit operator bool() const { return call_ != nullptr; }
  R operator()(Args... args) const { return call_(storage_, std::forward<Args>(args)...); }

 private:
  alignas(void*) unsigned char storage_[4 * sizeof(void*)] = {};
  R (*call_)(const void*, Args...) = nullptr;
};

enum class JsonKind { null, boolean, number, string, object, array };

const char* kind_name(JsonKind k);

// A path from the root: object keys, and "[]" for any array element.
using JsonPath = std::vector<std::string>;

struct JsonScanner {
  // Called for every value, in document order, before its children. `text` is the unescaped
  // string, the number as written, "true"/"false"/"null", or empty for containers.
  Callback<void(const JsonPath&, JsonKind, std::string_view text)> on_value;
  // Values whose path makes `capture` return true are also delivered whole, as compact JSON text,
  // to `on_captured` once they end.
  Callback<bool(const JsonPath&)> capture;
  Callback<void(const JsonPath&, std::string&& json)> on_captured;
  int max_depth = 64;

  // Filled by scan(): the kind of the root value and the deepest container nesting reached.
  mutable JsonKind root = JsonKind::null;
  mutable int deepest = 0;

  // Returns false when `text` is not exactly one valid JSON value (or is nested too deeply).
  bool scan(std::string_view text) const;
};

// True when `path` equals the keys of `dotted`, separated by '.' ("events.[].e": "[]" matches
// array elements). One string per call site: an initializer list of keys is built in memory at
// every call, which costs the wasm more than the search. A key holding a '.' never matches.
bool path_is(const JsonPath& path, std::string_view dotted);

}  // namespace detail
}  // namespace tracker
