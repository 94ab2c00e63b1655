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

# The lexer without its error messages (wasm only): the core never reads a lexer's error message
# (json_scan.cpp's grammar only looks at token types; nlohmann's parser, the one reader of
# get_error_message(), is never instantiated), yet every message's text ships in the data section
# because the lexer stores each one's address. An overlay directory ahead of the shadow holds a
# copy of detail/input/lexer.hpp with every `error_message = "..."` made `""` (same include
# guard, so it replaces the original; its own includes resolve to the shadow): wasm 37,465 ->
# 36,421 bytes gzip (-1,044: ~3 KB of message text, and the branches that only differed in which
# message they stored). Native builds use the package's header unchanged.
set(_lexer_in ${TRACKER_NLOHMANN_DIR}/nlohmann/detail/input/lexer.hpp)
set(_lexer_out ${CMAKE_BINARY_DIR}/nlohmann-quiet-lexer/nlohmann/detail/input/lexer.hpp)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_lexer_in})
file(READ ${_lexer_in} _lexer)
string(REGEX MATCHALL "error_message =" _all "${_lexer}")
string(REGEX REPLACE "error_message =([ \t\r\n]*)\"([^\"\\]|\\\\.)*\"" "error_message =\\1\"\"" _lexer "${_lexer}")
string(REGEX MATCHALL "error_message =[ \t\r\n]*\"\"" _blank "${_lexer}")
list(LENGTH _all _n_all)
list(LENGTH _blank _n_blank)
if(_n_all EQUAL 0 OR NOT _n_all EQUAL _n_blank)
  message(FATAL_ERROR "${_lexer_in}: blanked ${_n_blank} of ${_n_all} error messages; "
                      "this nlohmann version writes them differently (cmake/nlohmann_json.cmake)")
endif()
set(_old "")
if(EXISTS ${_lexer_out})
  file(READ ${_lexer_out} _old)
endif()
if(NOT _old STREQUAL _lexer)  # rewritten only when it changes: no rebuild at every configure
  file(WRITE ${_lexer_out} "${_lexer}")
endif()

add_library(nlohmann_json INTERFACE)
target_include_directories(nlohmann_json SYSTEM INTERFACE ${CMAKE_BINARY_DIR}/nlohmann-quiet-lexer ${_shadow})
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)
