#!/usr/bin/env bash
# Debian packages the registry needs: WeasyPrint's libraries and fonts to run; poppler's
# pdftotext, PostgreSQL and Chromium to test. Installed when missing and we are root.
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
