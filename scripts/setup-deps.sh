#!/usr/bin/env bash
# Installs every system package wasm-tracker needs on a fresh Debian 12 machine.
# Idempotent: re-running it installs nothing new. Package names are the single pinned list.
set -euo pipefail

APT_PACKAGES=(
  g++ cmake ninja-build pkgconf        # native build
  emscripten                           # em++ 3.1.6 with a prebuilt (frozen) sysroot cache
  nlohmann-json3-dev                   # JSON in the core
  libgtest-dev                         # native unit tests
  libbenchmark-dev                     # native micro-benchmarks
  clang libclang-rt-14-dev             # ASan/UBSan/libFuzzer build of the core
  libcpp-httplib-dev libsqlite3-dev    # the local collector
  chromium                             # Playwright drives Debian's Chromium
  firefox-esr                          # cross-engine suite: Firefox ESR (153 from bookworm-security), driven over WebDriver BiDi
  webkit2gtk-driver                    # cross-engine suite: WebKitWebDriver + WebKitGTK's MiniBrowser
  xvfb                                 # MiniBrowser needs an X display (e2e-tests/engines starts its own Xvfb)
  brotli                               # size reports
  nodejs npm                           # JS glue, tests (skipped when node is already present)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup-deps: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup-deps: all system packages present"
fi
