// Streaming JSON reader over nlohmann's SAX parser. The core never builds a JSON DOM: it reads the
// few values it needs by path and copies sub-documents as text. Besides being faster, this keeps
// nlohmann's DOM, parser and serializer out of the wasm (about a fifth of its size).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker {
namespace detail {

enum class JsonKind { null, boolean, number, string, object, array };

const char* kind_name(JsonKind k);

// A path from the root: object keys, and "[]" for any array element.
using JsonPath = std::vector<std::string>;

struct JsonScanner {
  // Called for every value, in document order, before its children. `text` is the unescaped
  // string, the number as written, "true"/"false"/"null", or empty for containers.
  std::function<void(const JsonPath&, JsonKind, std::string_view text)> on_value;
  // Values whose path makes `capture` return true are also delivered whole, as compact JSON text,
  // to `on_captured` once they end.
  std::function<bool(const JsonPath&)> capture;
  std::function<void(const JsonPath&, std::string&& json)> on_captured;
  int max_depth = 64;

  // Filled by scan(): the kind of the root value and the deepest container nesting reached.
  mutable JsonKind root = JsonKind::null;
  mutable int deepest = 0;

  // Returns false when `text` is not exactly one valid JSON value (or is nested too deeply).
  bool scan(std::string_view text) const;
};

// True when `path` equals the given keys ("[]" matches array elements).
bool path_is(const JsonPath& path, std::initializer_list<std::string_view> keys);

}  // namespace detail
}  // namespace tracker
