#!/usr/bin/env bash
# Builds and serves the web console (web/) on http://127.0.0.1:8080 (override with --port N
# or CONSOLE_PORT). The page connects to ws://127.0.0.1:9944 (start it with scripts/dev.sh)
# or to the endpoint given in its URL: http://127.0.0.1:8080/?rpc=ws://127.0.0.1:PORT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
scripts="$MICROPAY_ROOT/scripts"
stamp="$scripts/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$scripts/package-lock.json" -nt "$stamp" ]; then
	echo "console: installing the scripts' npm packages"
	(cd "$scripts" && npm ci --no-audit --no-fund --loglevel=error)
fi
cd "$scripts"
exec node lib/console.mjs "$@"
