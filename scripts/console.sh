#!/usr/bin/env bash
# Builds and serves the web console (web/) on http://127.0.0.1:8080 (override with --port N
# or CONSOLE_PORT). The page connects to ws://127.0.0.1:9944 (start it with scripts/dev.sh)
# or to the endpoint given in its URL: http://127.0.0.1:8080/?rpc=ws://127.0.0.1:PORT
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
micropay_npm_install
cd "$MICROPAY_ROOT/scripts"
exec node lib/console.mjs "$@"
