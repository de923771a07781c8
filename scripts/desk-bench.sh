#!/usr/bin/env bash
# Front-desk benchmark: 10,000 purchases of 10 tokens through `micropay_submitPurchase` on a
# fresh dev node; prints purchases/s and decision latency p50/p99. Uses the release node of
# scripts/benchmark.sh unless MICROPAY_NODE names another binary; DESK_REQUESTS changes the
# count.
set -euo pipefail
requested_node="${MICROPAY_NODE:-}"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"
if [ -z "$requested_node" ]; then
	cargo build --release --locked -p micropay-node --features runtime-benchmarks
	export MICROPAY_NODE="$CARGO_TARGET_DIR/release/micropay-node"
fi
cd scripts
exec node perf/desk-run.mjs
