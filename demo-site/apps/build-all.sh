#!/usr/bin/env bash
# Packs js-glue as npm would publish it and builds each sample app against that tarball, as a user
# would: `npm ci` for the app's pinned bundler (lockfile committed), `npm install --no-save
# <tarball>`, then the app's own `npm run build`. No app copies the .wasm: each bundler's standard
# asset handling finds it. Incremental: an app whose inputs (tarball bytes, app sources, lockfile)
# are unchanged since its last build is skipped. Prints build time and shipped tracker bytes.
#
# usage: demo-site/apps/build-all.sh [vite|webpack|next|parcel|rollup ...]     (default: all five)
# needs: js-glue/dist (bash scripts/build.sh) and the npm registry (or a warm npm cache)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
apps=("$@")
((${#apps[@]})) || apps=(vite webpack next parcel rollup)
export NEXT_TELEMETRY_DISABLED=1

outdir() { [[ $1 == next ]] && echo out || echo dist; }

[[ -f $root/js-glue/dist/index.js ]] || { echo "build-all: js-glue/dist is missing; run bash scripts/build.sh" >&2; exit 1; }
pack=$here/.pack
mkdir -p "$pack"
rm -f "$pack"/*.tgz
# npm pack writes fixed file times, so unchanged contents give byte-identical tarballs.
tgz=$pack/$(cd "$root/js-glue" && npm pack --silent --pack-destination "$pack" | tail -n1)

# Hash of everything that decides an app's build output.
inputs_hash() {
  (cd "$here/$1" && {
    sha256sum "$tgz" | cut -d' ' -f1
    find . \( -name node_modules -o -name dist -o -name out -o -name .next -o -name .parcel-cache -o -name .build-info.json \) -prune \
      -o -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1)
}

for app in "${apps[@]}"; do
  dir=$here/$app
  [[ -f $dir/package.json ]] || { echo "build-all: no app $app" >&2; exit 1; }
  out=$dir/$(outdir "$app")
  info=$dir/.build-info.json
  hash=$(inputs_hash "$app")
  if [[ -d $out && -f $info ]] && grep -q "\"inputs\":\"$hash\"" "$info"; then
    echo "== $app: up to date ($(outdir "$app")/)"
    continue
  fi
  echo "== $app: install and build"
  # A failed build leaves node_modules with this tarball but the old record: drop the record first,
  # so the next run cannot call the app up to date (the vite dev-server test runs node_modules).
  rm -f "$info"
  (
    cd "$dir"
    if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
      npm ci --no-audit --no-fund --prefer-offline --loglevel=error
    fi
    rm -rf node_modules/wasm-tracker  # same version, new bytes: make npm unpack it again
    npm install --no-save --no-audit --no-fund --prefer-offline --loglevel=error "$tgz"
    # Parcel and Rollup leave earlier builds' files in dist/: measure.mjs would count them too.
    rm -rf "$out"
    start=$(date +%s%N)
    npm run --silent build
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    sizes=$(node "$here/measure.mjs" "$out")
    printf '{"app":"%s","inputs":"%s","buildMs":%d,"sizes":%s}\n' "$app" "$hash" "$ms" "$sizes" > "$info"
  )
done

echo
echo "app       build s   tracker JS gz   wasm gz   total gz"
for app in "${apps[@]}"; do
  node -e '
    const i = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const s = i.sizes;
    console.log(`${i.app.padEnd(9)} ${(i.buildMs / 1000).toFixed(1).padStart(7)} ${String(s.jsGzip).padStart(15)}` +
      ` ${String(s.wasmGzip).padStart(9)} ${String(s.totalGzip).padStart(10)}`);' "$here/$app/.build-info.json"
done
