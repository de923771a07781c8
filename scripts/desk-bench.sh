#!/usr/bin/env bash
# Front-desk benchmark: 10,000 purchases of 10 tokens through `micropay_submitPurchase` on a
# fresh dev node; prints purchases/s and decision latency p50/p99. Uses the release node of
# scripts/benchmark.sh unless MICROPAY_NODE names another binary; DESK_REQUESTS changes the
# count, DESK_WINDOW the requests in flight (default 4), DESK_BUYERS the buyers (default 50).
# It ends with the floor under a decision: trivial calls through the same client and window.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-node.sh"
exec node perf/desk-run.mjs
