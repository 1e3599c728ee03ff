#!/usr/bin/env bash
# Installs everything Unpod needs on a Debian machine with Node 20, idempotently:
# Debian packages (only those missing), npm packages, then the TypeScript build.
# Safe to run again; a no-op install takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Unpod needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

bash scripts/install-system-deps.sh

# `npm install`, not `npm ci`: npm 11 records only this platform's optional packages in the lock
# file and then refuses `npm ci` on it as "out of sync"; `npm install` follows the lock file all
# the same.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
elif [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "updating npm packages"
  npm install --no-audit --no-fund --loglevel=error
else
  say "npm packages up to date"
fi

say "building"
npm run --silent build
say "ready"
