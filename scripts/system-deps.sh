#!/usr/bin/env bash
# Debian packages the registry needs: WeasyPrint's libraries and fonts to run; poppler's
# pdftotext, PostgreSQL's server and Chromium to test (the PostgreSQL pass and the browser
# tests of `make test`). Installed when missing and we are root; otherwise named.
set -euo pipefail
mode=${1:-run}
need=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core shared-mime-info)
if [ "$mode" = test ]; then
  need+=(poppler-utils)
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$mode" = test ]; then
  # Any PostgreSQL server will do (scripts/pg.sh finds it on PATH or under /usr/lib/postgresql);
  # any Chromium on PATH too. Debian's packages otherwise.
  command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    || missing+=(postgresql)
  command -v chromium >/dev/null || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Warning: not a Debian system; install these yourself: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Warning: missing Debian packages (run as root to install): ${missing[*]}" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
