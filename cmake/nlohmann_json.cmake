# nlohmann/json from Debian's nlohmann-json3-dev.
# Native: the package's CMake config. Emscripten: its toolchain only searches the sysroot, and
# adding /usr/include would let glibc headers shadow Emscripten's libc, so we expose just the
# nlohmann/ tree through a private "shadow" include directory in the build tree.
if(NOT EMSCRIPTEN)
  find_package(nlohmann_json 3.10 REQUIRED CONFIG)
  return()
endif()

find_path(TRACKER_NLOHMANN_DIR nlohmann/json.hpp PATHS /usr/include /usr/local/include
          NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(_shadow ${CMAKE_BINARY_DIR}/shadow-include)
if(NOT EXISTS ${_shadow}/nlohmann/json.hpp)
  file(MAKE_DIRECTORY ${_shadow})
  file(CREATE_LINK ${TRACKER_NLOHMANN_DIR}/nlohmann ${_shadow}/nlohmann SYMBOLIC RESULT _link_result)
  if(NOT _link_result EQUAL 0)
    file(COPY ${TRACKER_NLOHMANN_DIR}/nlohmann DESTINATION ${_shadow})
  endif()
endif()

# The wasm build's nlohmann lexer: an overlay directory ahead of the shadow holds a copy of
# detail/input/lexer.hpp, edited below at configure time (same include guard, so it replaces the
# original; its own includes resolve to the shadow). The core reads JSON only through
# json_scan.cpp's grammar over this lexer, which looks at token types and token text; the two
# edits drop what nothing reads. Native builds (tests, fuzzers, the collector) use the package's
# header unchanged; decimal_test.cpp checks the path the second edit sends integers down.
set(_lexer_in ${TRACKER_NLOHMANN_DIR}/nlohmann/detail/input/lexer.hpp)
set(_lexer_out ${CMAKE_BINARY_DIR}/nlohmann-core-lexer/nlohmann/detail/input/lexer.hpp)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_lexer_in})
file(READ ${_lexer_in} _lexer)
# 1. No error messages: every `error_message = "..."` made `""`. nlohmann's parser, the one reader
# of get_error_message(), is never instantiated in the core, yet every message's text shipped in
# the data section because the lexer stores each one's address: wasm 37,465 -> 36,421 bytes gzip
# (-1,044: ~3 KB of message text, and the branches that only differed in which message they stored).
string(REGEX MATCHALL "error_message =" _all "${_lexer}")
string(REGEX REPLACE "error_message =([ \t\r\n]*)\"([^\"\\]|\\\\.)*\"" "error_message =\\1\"\"" _lexer "${_lexer}")
string(REGEX MATCHALL "error_message =[ \t\r\n]*\"\"" _blank "${_lexer}")
list(LENGTH _all _n_all)
list(LENGTH _blank _n_blank)
if(_n_all EQUAL 0 OR NOT _n_all EQUAL _n_blank)
  message(FATAL_ERROR "${_lexer_in}: blanked ${_n_blank} of ${_n_all} error messages; "
                      "this nlohmann version writes them differently (cmake/nlohmann_json.cmake)")
endif()
# 2. Integers take the float path: the lexer converts an integer token with strtoull/strtoll only
# to store its value, which the grammar never reads (ScanSax::number keeps the token's text), and
# an integer that does not fit 64 bits already goes on to the float path, whose strtof is
# json_scan.cpp's specialisation (overflow decided on the digits). Every number now takes that
# path: the same tokens are accepted (an integer overflows only from 309 digits on, as before),
# the same text is kept ("-0" included: ScanSax::number maps it by its text), and musl's strtox
# leaves the wasm: 36,303 -> 35,992 bytes gzip (-311).
foreach(_type value_unsigned value_integer)
  set(_from "if (number_type == token_type::${_type})\n")
  string(FIND "${_lexer}" "${_from}" _first)
  string(FIND "${_lexer}" "${_from}" _last REVERSE)
  if(_first EQUAL -1 OR NOT _first EQUAL _last)
    message(FATAL_ERROR "${_lexer_in}: no single `${_from}`; this nlohmann version converts "
                        "integers differently (cmake/nlohmann_json.cmake)")
  endif()
  string(REPLACE "${_from}" "if (false)  // wasm-tracker: the text is all it reads (cmake/nlohmann_json.cmake)\n" _lexer "${_lexer}")
endforeach()
set(_old "")
if(EXISTS ${_lexer_out})
  file(READ ${_lexer_out} _old)
endif()
if(NOT _old STREQUAL _lexer)  # rewritten only when it changes: no rebuild at every configure
  file(WRITE ${_lexer_out} "${_lexer}")
endif()

add_library(nlohmann_json INTERFACE)
target_include_directories(nlohmann_json SYSTEM INTERFACE ${CMAKE_BINARY_DIR}/nlohmann-core-lexer ${_shadow})
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)
