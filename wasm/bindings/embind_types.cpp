// The builtin types Embind knows, cut down to the ones the binding (embind.cpp) uses. This file
// replaces libembind (-lembind), which registers every builtin type: 9 integer types, int64 as
// BigInt, float, wstring, u16/u32string, val and 18 memory views, and every registration pulls its
// JS into the glue. Binding a method with any other type makes the module fail to load with
// "UnboundTypeError" (every js-glue real-core test would fail): register the type here then.
#include <emscripten/bind.h>
#include <emscripten/em_macros.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

using emscripten::internal::TypeID;

extern "C" {

// Embind's JS asks for the name of a type it cannot find (only in an error message). Without RTTI
// there is no name; libembind printed the type id with sprintf("%p"), the wasm's only use of the
// printf family, so the id is formatted here by hand.
EMSCRIPTEN_KEEPALIVE char* __getTypeName(const void* type_id) {
  static constexpr char hex[] = "0123456789abcdef";
  char digits[2 * sizeof(std::uintptr_t)];
  std::size_t n = 0;
  for (auto v = reinterpret_cast<std::uintptr_t>(type_id); n == 0 || v != 0; v >>= 4) digits[n++] = hex[v & 0xF];
  char* out = static_cast<char*>(std::malloc(n + 3));  // "0x", the digits, NUL; the JS side frees it
  if (!out) return nullptr;
  out[0] = '0';
  out[1] = 'x';
  for (std::size_t i = 0; i < n; ++i) out[2 + i] = digits[n - 1 - i];
  out[n + 2] = '\0';
  return out;
}

// Runs as a constructor, like libembind's, before main() and before the JS reads any binding;
// Embind resolves types lazily, so the order against EMSCRIPTEN_BINDINGS does not matter.
__attribute__((constructor)) static void register_builtin_types() {
  using namespace emscripten::internal;
  _embind_register_void(TypeID<void>::get(), "void");
  _embind_register_bool(TypeID<bool>::get(), "bool", sizeof(bool), true, false);
  _embind_register_integer(TypeID<int>::get(), "int", sizeof(int), INT_MIN, INT_MAX);
  _embind_register_integer(TypeID<unsigned int>::get(), "unsigned int", sizeof(unsigned int), 0, UINT_MAX);
  _embind_register_float(TypeID<double>::get(), "double", sizeof(double));
  _embind_register_std_string(TypeID<std::string>::get(), "std::string");
}

}  // extern "C"
