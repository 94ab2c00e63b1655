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
add_library(nlohmann_json INTERFACE)
target_include_directories(nlohmann_json SYSTEM INTERFACE ${_shadow})
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)
