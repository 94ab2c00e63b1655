// The builtin types Embind knows, cut down to the ones the binding (embind.cpp) uses. This file
// replaces libembind (-lembind), which registers every builtin type: 9 integer types, int64 as
// BigInt, float, wstring, u16/u32string, val and 18 memory views, and every registration pulls its
// JS into the glue. A function bound with any other type throws "UnboundTypeError" when called
// (js-glue's real-core test calls each one): register the type here then, and give it a
// converter in embind-lean.js, the JS side of these registrations.
//
// No __getTypeName: stock Embind's JS called it to name an unbound type in its error message;
// embind-lean.js names the type id instead.
#include <emscripten/bind.h>

#include <climits>
#include <string>

using emscripten::internal::TypeID;

// Runs as a constructor, like libembind's, before main() and before the JS reads any binding.
// Priority 101 (the first one not reserved) runs it before every EMSCRIPTEN_BINDINGS (a constructor
// of the default priority): embind-lean.js converts each constant as it is registered, so its
// type must be known by then (stock Embind waited for types instead; in link order the bindings
// ran first).
__attribute__((constructor(101))) static void register_builtin_types() {
  using namespace emscripten::internal;
  _embind_register_void(TypeID<void>::get(), "void");
  _embind_register_bool(TypeID<bool>::get(), "bool", sizeof(bool), true, false);
  _embind_register_integer(TypeID<int>::get(), "int", sizeof(int), INT_MIN, INT_MAX);
  _embind_register_integer(TypeID<unsigned int>::get(), "unsigned int", sizeof(unsigned int), 0, UINT_MAX);
  _embind_register_float(TypeID<double>::get(), "double", sizeof(double));
  _embind_register_std_string(TypeID<std::string>::get(), "std::string");
}
