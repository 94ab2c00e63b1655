#!/usr/bin/env bash
# Refreshes the filter-list fixtures of the filter-list gate (e2e-tests/filter-lists/, see its
# README.md). Run by hand, never by the tests: the tests stay offline.
#
#  1. EasyList + EasyPrivacy from Debian's uBlock Origin package (apt-get download + extract).
#  2. easyprivacy_general.txt, which carries the newer generic rules the Debian snapshot may lack,
#     from the easylist/easylist repository at a commit you choose (needs network to GitHub):
#        scripts/refresh-filter-lists.sh --general <commit>
#     Without --general the file is left as it is and the steps are printed.
# Afterwards update the version, date, commit and sha256 lines in e2e-tests/filter-lists/README.md
# and rerun `node e2e-tests/filter-gate.mjs`.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=e2e-tests/filter-lists
PKG=webext-ublock-origin-chromium
LISTS=usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist

general_commit=
if [[ ${1:-} == --general ]]; then general_commit=${2:?--general needs a commit}; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get download "$PKG" >/dev/null )
deb=$(ls "$work"/*.deb)
dpkg-deb -x "$deb" "$work/x"
cp "$work/x/$LISTS/easylist.txt" "$work/x/$LISTS/easyprivacy.txt" "$DEST/"
echo "package: $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
echo "deb sha256: $(sha256sum "$deb" | cut -d' ' -f1)"
echo "taken: $(date -u +%F)"
# The licence the package records for the lists, to check it did not change.
grep -A2 'thirdparties/easylist/\*' "$work/x/usr/share/doc/$PKG/copyright" || true

if [[ -n $general_commit ]]; then
  curl -fsSL "https://raw.githubusercontent.com/easylist/easylist/$general_commit/easyprivacy/easyprivacy_general.txt" \
    -o "$DEST/easyprivacy_general.txt"
  echo "easyprivacy_general.txt: easylist/easylist@$general_commit"
else
  echo "easyprivacy_general.txt left as is; to refresh it:"
  echo "  $0 --general <commit of github.com/easylist/easylist>"
fi
( cd "$DEST" && sha256sum easylist.txt easyprivacy.txt easyprivacy_general.txt )
