#!/usr/bin/env bash
# Make sure the OpenID provider the tests (and `make sso-dev`) sign in through is installed: the npm package
# oidc-provider, at the version tests/oidc/package-lock.json pins, into tests/oidc/node_modules (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../tests/oidc"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "ensure-oidc-provider: Node.js and npm are needed (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
if [ -f node_modules/oidc-provider/package.json ] && ! [ package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
