#!/usr/bin/env bash
# Builds everything: the native core + collector + tests, the wasm module, and the JS glue.
# Incremental: re-running only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

bash scripts/setup-deps.sh

echo "== native build (core, tests, collector)"
cmake -S . -B build-native -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRACKER_BUILD_TESTS=ON \
  -DTRACKER_BUILD_COLLECTOR=ON -DTRACKER_BUILD_BENCH=ON >/dev/null
cmake --build build-native -j "$JOBS"

# js-glue's packages first: the wasm build takes Closure from them (wasm/bindings/CMakeLists.txt).
if [[ -f js-glue/package.json ]]; then
  echo "== js glue packages"
  (cd js-glue && { [[ -d node_modules && node_modules/.package-lock.json -nt package-lock.json ]] || npm ci --no-audit --no-fund; })
fi

echo "== wasm build"
if [[ ! -f build-wasm/build.ninja ]]; then
  emcmake cmake -S . -B build-wasm -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build build-wasm -j "$JOBS"

if [[ -f js-glue/package.json ]]; then
  echo "== js glue"
  (cd js-glue && npm run --silent build)
fi

# The collector's live view (demo-site/events.html): uPlot and the page's code bundled into
# demo-site/live/dist/ (git-ignored), served by the collector with the site; never from a CDN.
if [[ -f demo-site/live/package.json ]]; then
  echo "== live view charts"
  (cd demo-site/live && { [[ -d node_modules && node_modules/.package-lock.json -nt package-lock.json ]] || npm ci --no-audit --no-fund; } && npm run --silent build)
fi
