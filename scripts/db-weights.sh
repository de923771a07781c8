#!/usr/bin/env bash
# Measures the database's weights on this machine: fills a dev chain's database with the
# real-path load (scripts/flow-bench.sh's load, FLOW_SECONDS=30 unless set), then runs the
# node's `benchmark storage` on it (ParityDB, state version 1) and prints the read and write
# times that runtime/src/weights/paritydb.rs holds (with the statistics behind them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-node.sh"
base="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$base" "$out"' EXIT
FLOW_BASE_PATH="$base" FLOW_SECONDS="${FLOW_SECONDS:-30}" node perf/flow-run.mjs
"$MICROPAY_NODE" benchmark storage --dev --base-path "$base" --db paritydb --state-version 1 \
	--weight-path "$out"
grep -E '^\s+///   (Average|Median|99th|95th)|^\s+(read|write):' "$out/paritydb_weights.rs"
echo "db-weights: put read and write into runtime/src/weights/paritydb.rs"
