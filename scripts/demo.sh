#!/usr/bin/env bash
# Builds everything and serves the demo site + the local collector (default http://127.0.0.1:8686).
# Extra arguments go to the collector, e.g.: scripts/demo.sh --port 9000 --db /tmp/x.db
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo "== demo: open the printed URL; the events page is /events.html"
exec ./build-native/collector/collector --site demo-site --tracker js-glue/dist \
  --sources collector/sources.json "$@"
