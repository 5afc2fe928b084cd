#!/usr/bin/env bash
# Make sure the Debian packages the tests need are installed (never `playwright install`): Chromium for the
# browser tests, and HarfBuzz's subsetter, without which WeasyPrint warns on import (an error under the
# suite's filterwarnings=error, so the PDF tests would fail to load).
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
/sbin/ldconfig -p | grep -q 'libharfbuzz-subset\.so\.0' || need+=(libharfbuzz-subset0)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: missing Debian packages: ${need[*]}; run this script as root to install them." >&2
  exit 1
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
/usr/bin/chromium --version
