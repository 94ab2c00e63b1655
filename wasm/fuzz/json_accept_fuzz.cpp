// Differential libFuzzer target: the core's JSON reader (JsonScanner, nlohmann's SAX parser with
// the lexer's number conversion and error text replaced in json_scan.cpp) must accept exactly the
// documents nlohmann::json::accept accepts. accept() is called on a std::string, so it runs
// nlohmann's unmodified lexer (another instantiation, with the C library's strtod).
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "json_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Deliberate differences, not under test: the scanner refuses NUL bytes (nlohmann's lexer reads
  // one as the end of input) and nesting past its depth limit (lifted here).
  if (text.find('\0') != std::string::npos) return 0;
  tracker::detail::JsonScanner scanner;
  scanner.max_depth = INT_MAX;
  const bool ours = scanner.scan(text);
  const bool theirs = nlohmann::json::accept(text);
  if (ours != theirs) std::abort();
  return 0;
}
