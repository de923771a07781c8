#!/usr/bin/env bash
# Regenerates the weight files from FRAME benchmarks on this machine:
#   pallets/micropay/src/weights.rs       (the pallet's WeightInfo trait and its weights)
#   runtime/src/weights/pallet_balances.rs (balances, measured on the same machine, so the
#                                           performance report compares like with like)
# It builds a release node with `runtime-benchmarks` (tens of minutes cold), then runs the
# node's `benchmark pallet` subcommand against the dev chain's runtime.
#
# Usage: scripts/benchmark.sh [STEPS] [REPEAT]   (defaults 20 and 10)
#
# An extrinsic of token blocks is benchmarked one component at a time, every other component
# at its minimum (`submit_blocks_*` / `submit_block_*`), and its weight composed from them in
# pallets/micropay/src/features/weighing.rs: each slope is then what one more purchase, token,
# word, merchant, bank or token block costs at the shapes people use, not a difference lost in
# the noise of a block already at its maximum. The weights use the median-slopes analysis.
# The raw results are kept in $CARGO_TARGET_DIR/benchmark/pallet_micropay.json (re-analyse
# with `--json-input`).
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
