#!/usr/bin/env bash
# Regenerates the weight files from FRAME benchmarks on this machine:
#   pallets/micropay/src/weights.rs       (the pallet's WeightInfo trait and its weights)
#   runtime/src/weights/pallet_balances.rs (balances, measured on the same machine, so the
#                                           performance report compares like with like)
# It builds a release node with `runtime-benchmarks` (tens of minutes cold), then runs the
# node's `benchmark pallet` subcommand against the dev chain's runtime.
#
# Usage: scripts/benchmark.sh [STEPS] [REPEAT]   (defaults 20 and 10; on the 2-core reference
# machine the runs take about 10 minutes after the build, 8 of them for `submit_block`, whose
# three components each build up to 1,024 tokens of state per run)
#
# The micropay weights use the median-slopes analysis: `submit_block`'s components are varied
# one at a time with the others at their maximum, and with 5–15% noise per point the
# least-squares fit moved most of the per-purchase and per-word cost into a 21.8 ms
# intercept (a one-purchase block would have been charged 22 ms), while median slopes
# reproduce the measured points within about 10%. The raw results (about 50 MB) are kept in
# $CARGO_TARGET_DIR/benchmark/pallet_micropay.json (re-analyse with `--json-input`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"

steps="${1:-20}"
repeat="${2:-10}"
node="$CARGO_TARGET_DIR/release/micropay-node"

cargo build --release --locked -p micropay-node --features runtime-benchmarks
mkdir -p "$CARGO_TARGET_DIR/benchmark"

bench() {
	local pallet="$1" output="$2"
	shift 2
	"$node" benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--output "$output" \
		"$@"
}

bench pallet_micropay pallets/micropay/src/weights.rs \
	--template scripts/benchmark/pallet-weights.hbs \
	--header scripts/benchmark/header.txt \
	--output-analysis median-slopes \
	--json-file "$CARGO_TARGET_DIR/benchmark/pallet_micropay.json"
mkdir -p runtime/src/weights
bench pallet_balances runtime/src/weights/pallet_balances.rs \
	--header scripts/benchmark/header.txt
cargo fmt --all
echo "weights written: pallets/micropay/src/weights.rs runtime/src/weights/pallet_balances.rs"
