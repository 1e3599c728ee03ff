#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), then runs the whole pipeline: typecheck, lint and
# every test (SQLite and PostgreSQL), ending with a "N passed, N failed" line.
# PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database `test`); override with
# UNPOD_TEST_PG_URL. Redis is expected at 127.0.0.1:6379; override with UNPOD_TEST_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
echo "[test] typecheck" >&2
npm run --silent typecheck
echo "[test] lint" >&2
npm run --silent lint
echo "[test] tests" >&2
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?
node scripts/test-summary.mjs test-results/vitest.json || status=1
exit $status
