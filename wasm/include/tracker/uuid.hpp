// UUIDv4 from host-supplied entropy; the core has no random source of its own.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracker {

// 16 bytes of host entropy (crypto.getRandomValues), passed as four 32-bit words.
struct Entropy {
  std::array<std::uint32_t, 4> words{};
  std::uint8_t byte(std::size_t i) const {
    return static_cast<std::uint8_t>(words[(i / 4) % 4] >> (8 * (i % 4)));
  }
  // A uniform double in [0, 1) from the first two words.
  double unit() const;
};

// The length of a UUID's text (every event id is one: build_event mints one when not given one).
inline constexpr std::size_t uuid_chars = 36;

// Formats a version-4, variant-10 UUID ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx").
std::string make_uuid4(const Entropy& e);

// True when `s` can be used as an id read from outside (storage, cookies, a server's answer):
// 1..policy::max_id_length printable characters, none that would break a cookie or JSON text.
bool is_sane_id(std::string_view s);

// True when `s` is a canonical lower- or upper-case UUIDv4.
bool is_uuid4(std::string_view s);

}  // namespace tracker
