#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), then starts the stack with the example echo agent.
# Prints the URL and a dev API key. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/dev.mjs "$@"
