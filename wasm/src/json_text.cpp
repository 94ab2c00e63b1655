#include "json_text.hpp"

#include <cmath>

#include <cstdint>

#include "json_scan.hpp"

namespace tracker {
namespace detail {
namespace {

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

JsonCheck check_json_object(std::string_view text, int max_depth) {
  JsonScanner scanner;
  scanner.max_depth = max_depth;
  if (!scanner.scan(text)) return scanner.deepest > max_depth ? JsonCheck::too_deep : JsonCheck::invalid;
  return scanner.root == JsonKind::object ? JsonCheck::ok : JsonCheck::not_object;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
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

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t cp;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) { n = 2; cp = b0 & 0x1F; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) { n = 3; cp = b0 & 0x0F; }
  else if (b0 >= 0xF0 && b0 <= 0xF4) { n = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // No out.reserve(size + n) here: libc++ before C++20 also shrinks on reserve, so every quoted
  // piece cut the document's spare capacity and the next append copied all of it again (the
  // fate log, 16-32 KB, was copied at each step: +7 us a step in the wasm). Appends grow it
  // geometrically.
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x80 && c != '"' && c != '\\') {
      out += c;  // the common case: printable ASCII
      ++i;
      continue;
    }
    // The two-character escapes as pairs (byte, letter) searched in a loop, not a switch of
    // seven appends: liliput.min.wasm -58 bytes gzip, liliput.min.core.js -60.
    static constexpr char escapes[] = "\"\"\\\\\nn\rr\tt\bb\ff";
    const char* e = escapes;
    while (*e && *e != c) e += 2;
    if (*e) {
      out += '\\';
      out += e[1];
      ++i;
      continue;
    }
    if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xF];
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD for each invalid byte
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  out += '"';
}

void append_digits(std::string& out, std::uint64_t magnitude, bool negative) {
  char buf[21];  // 20 digits of 2^64 - 1 and a sign
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (negative) *--p = '-';
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

std::string decimal_digits(std::uint64_t magnitude, bool negative) {
  std::string out;
  append_digits(out, magnitude, negative);
  return out;
}

Cat& Cat::operator<<(std::string_view s) {
  text_.append(s.data(), s.size());
  return *this;
}

Cat& Cat::operator<<(char c) {
  text_ += c;
  return *this;
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
