// The JS side of the Embind registrations the binding (embind.cpp) makes, written for its types
// only and linked in place of Emscripten's embind.js and emval.js (CMakeLists.txt). Stock Embind's
// runtime is general: classes, overloads, types that arrive after the functions using them,
// 64-bit integers through dynCalls, strings from typed arrays, names checked and made legal for
// generated functions, and an error class for each failure. The binding needs none of it: free
// functions, each bound once, over int, unsigned, double, bool, void and std::string
// (embind_types.cpp registers exactly those, before any binding runs). Here each type is two
// converters and each function one closure. Written from the ABI in emscripten/bind.h and
// wire.h (Emscripten 3.1.6), not from embind.js. Anything else bound (a class, val, a vector)
// imports a function this file lacks: the link fails, naming it.
//
// Behaviour the glue relies on is kept: the functions and constants on the module under their
// names, UTF-8 strings both ways, a wrong argument count refused before the core is entered, and
// a function over a type nobody registered still loading, throwing an error named
// UnboundTypeError when called (js-glue/test/real-core.test.js looks for that name). The error
// classes themselves (Module.BindingError and the others) are gone: the errors are plain ones.

mergeInto(LibraryManager.library, {
  // Type id (the address of its TypeID) -> {i: JS value -> wire value, o: wire value -> JS value}.
  // i may push a pointer to free once the call returns.
  $leanTypes: {},

  $leanType__deps: ['$leanTypes'],
  $leanType: function(id, user) {
    var type = leanTypes[id];
    if (!type) {
      type = Error(user + ' uses a type the module does not register (type id ' + id +
                   '; see wasm/bindings/embind_types.cpp)');
      type.name = 'UnboundTypeError';
      throw type;
    }
    return type;
  },

  // Names are the binding's ASCII literals. UTF8Decoder: the runtime's TextDecoder
  // (-sTEXTDECODER=2).
  $leanName: function(ptr) {
    return UTF8Decoder.decode(HEAPU8.subarray(ptr, HEAPU8.indexOf(0, ptr)));
  },

  // Numbers cross as they are: the engine converts them to the wasm parameter's i32 or f64 (for
  // an unsigned parameter that gives the same bits as Embind's >>> 0).
  $leanSame: function(value) {
    return value;
  },

  // A void function's invoker returns undefined already.
  _embind_register_void__deps: ['$leanTypes', '$leanSame'],
  _embind_register_void: function(id) {
    leanTypes[id] = {o: leanSame};
  },

  _embind_register_bool__deps: ['$leanTypes'],
  _embind_register_bool: function(id, name, size, yes, no) {
    leanTypes[id] = {
      i: function(value) { return value ? yes : no; },
      o: function(wire) { return !!wire; },
    };
  },

  // An unsigned value comes back as a signed i32: reinterpreted, from its size's bits.
  _embind_register_integer__deps: ['$leanTypes', '$leanSame'],
  _embind_register_integer: function(id, name, size, min) {
    var shift = 32 - 8 * size;
    leanTypes[id] = {
      i: leanSame,
      o: min ? leanSame : function(wire) { return wire << shift >>> shift; },
    };
  },

  _embind_register_float__deps: ['$leanTypes', '$leanSame'],
  _embind_register_float: function(id) {
    leanTypes[id] = {i: leanSame, o: leanSame};
  },

  $leanEncoder: 'new TextEncoder',

  // std::string's wire form both ways: a malloc'ed {size_t length; char data[length]}, freed by
  // the side that did not allocate it. Only std::string is registered, so always UTF-8 (stock
  // Embind reads a string type registered under another name as Latin-1), and only JS strings
  // are taken (stock Embind also copies typed arrays' bytes: the glue never passes one).
  _embind_register_std_string__deps: ['$leanTypes', '$leanEncoder'],
  _embind_register_std_string: function(id) {
    leanTypes[id] = {
      // A short string is encoded straight into the heap (encodeInto), 3 bytes per UTF-16 unit
      // reserved: no array per string (encode() made each crossing ~10 % slower than stock
      // Embind's own loop, measured on 2,000 trackBatch calls). A long one (a stored queue, up
      // to 1 MB) is encoded first and reserves its exact size: wasm memory never shrinks, so
      // three times a large text would stay reserved for the page's life.
      i: function(value, frees) {
        if (typeof value != 'string') throw TypeError('not a string: ' + typeof value);
        var bytes = value.length > 4096 && leanEncoder.encode(value),
            max = bytes ? bytes.length : 3 * value.length, ptr = _malloc(4 + max);
        if (bytes) HEAPU8.set(bytes, ptr + 4);
        HEAPU32[ptr >> 2] = bytes ? max : leanEncoder.encodeInto(value, HEAPU8.subarray(ptr + 4, ptr + 4 + max)).written;
        frees.push(ptr);
        return ptr;
      },
      o: function(ptr) {
        var text = UTF8Decoder.decode(HEAPU8.subarray(ptr + 4, ptr + 4 + HEAPU32[ptr >> 2]));
        _free(ptr);
        return text;
      },
    };
  },

  // Each name is bound once, so no overload table. No 64-bit integers, so the invoker is the
  // table's function itself (signature unused). Types are looked up at the first call, not here:
  // a function over an unregistered type then fails when called, not the whole module's load.
  _embind_register_function__deps: ['$leanType', '$leanName'],
  _embind_register_function: function(name, argCount, argTypes, signature, invoker, fn) {
    name = leanName(name);
    invoker = wasmTable.get(invoker);
    var ids = HEAP32.slice(argTypes >> 2, (argTypes >> 2) + argCount), types;
    Module[name] = function() {
      var args = [fn], frees = [], i = 0, result;
      // Types first: an unbound one is reported whatever the arguments (real-core.test.js calls
      // each function with the core's address alone).
      types = types || Array.from(ids, function(id) { return leanType(id, name); });
      if (arguments.length != argCount - 1) {
        throw TypeError(name + ' takes ' + (argCount - 1) + ' arguments, not ' + arguments.length);
      }
      while (++i < argCount) args.push(types[i].i(arguments[i - 1], frees));
      result = types[0].o(invoker.apply(null, args));
      frees.forEach(function(ptr) { _free(ptr); });
      return result;
    };
  },

  // embind_types.cpp's registrations run first (constructor priority 101), so the type is known.
  _embind_register_constant__deps: ['$leanType', '$leanName'],
  _embind_register_constant: function(name, type, value) {
    name = leanName(name);
    Module[name] = leanType(type, name).o(value);
  },
});
