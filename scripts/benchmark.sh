#!/usr/bin/env bash
# Regenerates the weight files from FRAME benchmarks on this machine:
#   pallets/micropay/src/weights.rs       (the pallet's WeightInfo trait and its weights)
#   runtime/src/weights/pallet_balances.rs (balances, measured on the same machine, so the
#                                           performance report compares like with like)
# It builds a release node with `runtime-benchmarks` (tens of minutes cold), then runs the
# node's `benchmark pallet` subcommand against the dev chain's runtime.
#
# Usage: scripts/benchmark.sh [STEPS] [REPEAT]   (defaults 50 and 20)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"

steps="${1:-50}"
repeat="${2:-20}"
node="$CARGO_TARGET_DIR/release/micropay-node"

cargo build --release --locked -p micropay-node --features runtime-benchmarks

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
	--header scripts/benchmark/header.txt
mkdir -p runtime/src/weights
bench pallet_balances runtime/src/weights/pallet_balances.rs \
	--header scripts/benchmark/header.txt
cargo fmt --all
echo "weights written: pallets/micropay/src/weights.rs runtime/src/weights/pallet_balances.rs"
