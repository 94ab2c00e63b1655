#!/usr/bin/env bash
# One command for every benchmark: bash bench/run.sh  ->  docs/benchmarks.md
# Builds what is missing or stale (scripts/build.sh is incremental), installs the pinned
# playwright-core, then runs bench/run.mjs (headless Chromium, its own collectors). Not part of
# the test suite. BENCH_SKIP_BUILD=1 skips the build; BENCH_RUNS=N sets runs per scenario.
# `bash bench/run.sh engines`: only the peer benchmark's delivery rows in Chromium, Firefox ESR and
# WebKitGTK (bench/engines.mjs, the cross-engine suite's drivers), written into docs/benchmarks.md's
# "Every engine" section.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  bash scripts/build.sh
fi
for f in build-native/collector/collector build-native/collector/collector_load \
         build-native/wasm/bench/tracker_core_bench js-glue/dist/liliput.min.js \
         js-glue/dist/loader.min.js js-glue/dist/liliput.min.wasm; do
  [[ -e "$f" ]] || { echo "bench: $f is missing (run bash scripts/build.sh)" >&2; exit 1; }
done

if [[ ! -d bench/node_modules/playwright-core || bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
  (cd bench && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

if [[ "${1:-}" == engines ]]; then
  if [[ ! -d e2e-tests/engines/node_modules/puppeteer-core || e2e-tests/engines/package-lock.json -nt e2e-tests/engines/node_modules/.package-lock.json ]]; then
    (cd e2e-tests/engines && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  exec node bench/engines.mjs
fi
exec node bench/run.mjs
