#include "tracker/uuid.hpp"

#include "tracker/policy.hpp"

namespace tracker {

bool is_sane_id(std::string_view s) {
  if (s.empty() || s.size() > policy::max_id_length) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7f || c == '"' || c == '\\' || c == ';' || c == ',') return false;
  }
  return true;
}

double Entropy::unit() const {
  // 53 random bits → exactly representable double in [0, 1).
  const std::uint64_t hi = words[0] >> 5;  // 27 bits
  const std::uint64_t lo = words[1] >> 6;  // 26 bits
  return static_cast<double>((hi << 26) | lo) / 9007199254740992.0;
}

std::string make_uuid4(const Entropy& e) {
  static constexpr char hex[] = "0123456789abcdef";
  std::array<std::uint8_t, 16> b{};
  for (std::size_t i = 0; i < 16; ++i) b[i] = e.byte(i);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  std::string out(36, '-');
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++pos;  // keep the '-' already there
    out[pos++] = hex[b[i] >> 4];
    out[pos++] = hex[b[i] & 0x0f];
  }
  return out;
}

bool is_uuid4(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
      continue;
    }
    const bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!is_hex) return false;
  }
  if (s[14] != '4') return false;
  const char v = s[19];
  return v == '8' || v == '9' || v == 'a' || v == 'b' || v == 'A' || v == 'B';
}

}  // namespace tracker
