#!/usr/bin/env bash
# Installs what cachebench needs on a fresh Debian 12 machine, idempotently:
# - Debian packages: chromium (checks that report.html renders), fonts for the charts,
#   debootstrap (builds the .NET base images when the official ones cannot be pulled);
# - the embedded engine (dockerd + containerd + runc + buildx + registry) from Debian's
#   archive into .cache/ (no system-wide install), unless a usable Docker engine runs.
# Run as root. Re-running it is fast.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in chromium fonts-dejavu-core debootstrap; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# Provision (first time: ~1-2 min of downloads) and check that every binary runs, then stop
# again: commands start the engine when they need it and stop what they started.
node bench/cachebench.mjs engine start
node bench/cachebench.mjs doctor
node bench/cachebench.mjs engine stop
