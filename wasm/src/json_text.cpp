#include "json_text.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace tracker {
namespace detail {
namespace {

using json = nlohmann::json;

// SAX consumer that only tracks structure: no DOM allocations.
struct DepthCheck {
  int max_depth;
  int depth = 0;
  bool too_deep = false;
  bool first = true;
  bool top_is_object = false;

  bool start(bool is_object) {
    if (first) top_is_object = is_object;
    first = false;
    if (++depth > max_depth) {
      too_deep = true;
      return false;  // stops the parse
    }
    return true;
  }
  bool scalar() {
    first = false;
    return true;
  }
  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(json::number_integer_t) { return scalar(); }
  bool number_unsigned(json::number_unsigned_t) { return scalar(); }
  bool number_float(json::number_float_t, const json::string_t&) { return scalar(); }
  bool string(json::string_t&) { return scalar(); }
  bool binary(json::binary_t&) { return scalar(); }
  bool start_object(std::size_t) { return start(true); }
  bool key(json::string_t&) { return true; }
  bool end_object() { --depth; return true; }
  bool start_array(std::size_t) { return start(false); }
  bool end_array() { --depth; return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads "\uXXXX" at text[i] (text[i] == '\\'); returns the code unit or -1.
long read_u_escape(const std::string& text, std::size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  long v = 0;
  for (std::size_t k = 2; k < 6; ++k) {
    const int h = hex_value(text[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

// nlohmann's lexer takes a NUL byte for the end of input, which would accept "{}\0garbage" as
// "{}"; valid JSON never contains a raw NUL, so such text is refused up front.
static bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

nlohmann::json parse_json(std::string_view text) {
  if (has_nul(text)) return json(json::value_t::discarded);
  return json::parse(text.data(), text.data() + text.size(), nullptr, false);
}

JsonCheck check_json_object(std::string_view text, int max_depth) {
  if (has_nul(text)) return JsonCheck::invalid;
  DepthCheck sax{max_depth};
  const bool ok = json::sax_parse(text.data(), text.data() + text.size(), &sax,
                                  json::input_format_t::json, true);
  if (sax.too_deep) return JsonCheck::too_deep;
  if (!ok) return JsonCheck::invalid;
  return sax.top_is_object ? JsonCheck::ok : JsonCheck::not_object;
}

bool repair_lone_surrogate_escapes(std::string& text) {
  static constexpr const char replacement[] = "\\ufffd";
  bool changed = false;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (c == '"') in_string = true;
      continue;
    }
    if (c == '"') {
      in_string = false;
      continue;
    }
    if (c != '\\') continue;
    const long unit = read_u_escape(text, i);
    if (unit < 0) {
      ++i;  // skip the escaped character (e.g. \" or \\)
      continue;
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const long next = read_u_escape(text, i + 6);
      if (next >= 0xDC00 && next <= 0xDFFF) {
        i += 11;  // a valid pair: keep both escapes
        continue;
      }
      text.replace(i, 6, replacement);
      changed = true;
    } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
      text.replace(i, 6, replacement);
      changed = true;
    }
    i += 5;
  }
  return changed;
}

std::string json_quote(std::string_view s) {
  // Fast path for the common case (event types, ids, URLs): printable ASCII needing no escape.
  bool plain = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    out += s;
    out += '"';
    return out;
  }
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string iso_utc(double epoch_ms) {
  if (!std::isfinite(epoch_ms) || epoch_ms < 0 || epoch_ms > 253402300799999.0) epoch_ms = 0;
  const auto total_ms = static_cast<long long>(epoch_ms);
  const long long days = total_ms / 86400000;
  long long rem = total_ms % 86400000;
  const int ms = static_cast<int>(rem % 1000);
  rem /= 1000;
  const int sec = static_cast<int>(rem % 60);
  rem /= 60;
  const int min = static_cast<int>(rem % 60);
  const int hour = static_cast<int>(rem / 60);
  // Civil-from-days (proleptic Gregorian), valid for the whole range above.
  const long long z = days + 719468;
  const long long era = z / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const long long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  // Hand-formatted: snprintf would pull musl's printf_core into the wasm for one call.
  std::string out = "0000-00-00T00:00:00.000Z";
  auto put = [&out](std::size_t pos, long long v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) out[pos + static_cast<std::size_t>(k)] = static_cast<char>('0' + v % 10);
  };
  put(0, year, 4);
  put(5, month, 2);
  put(8, day, 2);
  put(11, hour, 2);
  put(14, min, 2);
  put(17, sec, 2);
  put(20, ms, 3);
  return out;
}

}  // namespace detail
}  // namespace tracker
