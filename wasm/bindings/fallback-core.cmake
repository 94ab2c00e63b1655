# The fallback core: the same binding objects and core library as tracker_core_wasm, linked with
# -sWASM=0 (Binaryen's wasm2js turns the optimised wasm into plain JavaScript). The glue loads it
# only when WebAssembly cannot run on a page: no WebAssembly (iOS Lockdown Mode, some webviews),
# a CSP without 'wasm-unsafe-eval', a .wasm that is missing or mis-served (js-glue/src/load-core.js).
# Every delivery rule stays in the one C++ core; only the instruction set differs.
#
# Its own objects, though: the .wasm's are compiled with post-MVP features (TRACKER_WASM_FEATURES,
# CMakeLists.txt), and Binaryen 108's wasm2js aborts on a module that uses them (an assertion in
# its Vacuum pass; under LTO the features of the objects decide the code, whatever the link says).
# tracker_core_mvp and tracker_binding_mvp are the same sources with the same options, less the
# features, so liliput.min.core.js is byte-identical to the build before the features.
function(tracker_mvp_clone name from type)
  get_target_property(_dir ${from} SOURCE_DIR)
  get_target_property(_sources ${from} SOURCES)
  set(_abs)
  foreach(_s IN LISTS _sources)
    if(IS_ABSOLUTE "${_s}")
      list(APPEND _abs "${_s}")
    else()
      list(APPEND _abs "${_dir}/${_s}")
    endif()
  endforeach()
  add_library(${name} ${type} ${_abs})
  foreach(_p INCLUDE_DIRECTORIES INTERFACE_INCLUDE_DIRECTORIES COMPILE_DEFINITIONS
             INTERFACE_COMPILE_DEFINITIONS COMPILE_OPTIONS INTERFACE_COMPILE_OPTIONS
             COMPILE_FEATURES INTERFACE_COMPILE_FEATURES CXX_STANDARD CXX_STANDARD_REQUIRED
             CXX_EXTENSIONS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(_v ${from} ${_p})
    if(_v)
      list(REMOVE_ITEM _v ${TRACKER_WASM_FEATURES})
      list(TRANSFORM _v REPLACE "^tracker_core$" tracker_core_mvp)
      set_property(TARGET ${name} PROPERTY ${_p} "${_v}")
    endif()
  endforeach()
endfunction()
tracker_mvp_clone(tracker_core_mvp tracker_core STATIC)
tracker_mvp_clone(tracker_binding_mvp tracker_binding OBJECT)  # links tracker_core_mvp

add_executable(tracker_core_js $<TARGET_OBJECTS:tracker_binding_mvp>)
target_link_libraries(tracker_core_js PRIVATE tracker_core_mvp)
set_target_properties(tracker_core_js PROPERTIES OUTPUT_NAME tracker-core-js SUFFIX .js
  CXX_LINKER_LAUNCHER "${CMAKE_COMMAND};-E;env;NODE_PATH=/usr/share/nodejs")

target_link_options(tracker_core_js PRIVATE ${TRACKER_CORE_LINK_OPTIONS}
  -sWASM=0                      # wasm2js: JavaScript instead of a .wasm
  # The data segments inside the JS (base64, decoded by wasm2js's own code): at -O2 and above
  # emcc 3.1.6 would otherwise write them to a separate .mem file fetched with XHR.
  "SHELL:--memory-init-file 0"
  # The factory gets the same moduleArg contract; there is no binary to locate or instantiate.
  -sINCOMING_MODULE_JS_API=[locateFile]
  # Without it the glue still names a "tracker-core-js.wasm" in new URL(..., import.meta.url),
  # which bundlers treat as an asset to emit (webpack fails: the file does not exist).
  -sUSE_ES6_IMPORT_META=0
)
set_property(TARGET tracker_core_js APPEND PROPERTY LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/embind-lean.js)

if(TRACKER_CLOSURE_COMPILER AND NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  set_target_properties(tracker_core_js PROPERTIES CXX_LINKER_LAUNCHER
    "${CMAKE_COMMAND};-E;env;NODE_PATH=/usr/share/nodejs;EM_CLOSURE_COMPILER=${TRACKER_CLOSURE_COMPILER}")
  target_link_options(tracker_core_js PRIVATE --closure 1)
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  target_link_options(tracker_core_js PRIVATE -O0 -g -sASSERTIONS=2)
else()
  target_link_options(tracker_core_js PRIVATE -Oz)
endif()
