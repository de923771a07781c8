#!/usr/bin/env bash
# The long fuzz run of the pallet's calls (pallets/micropay/src/tests/fuzz.rs): arbitrary and
# mutated `submit_block` calls dispatched on the mock runtime, the books checked after each.
#   scripts/fuzz.sh [INPUTS] [SEED]      (default 10 000 000 inputs, seed 1; release build)
# Prints the counts (inputs, decoded, dispatched, token blocks settled, panics) and fails on
# any panic.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$MICROPAY_ROOT"
export MICROPAY_FUZZ_INPUTS="${1:-10000000}" MICROPAY_FUZZ_SEED="${2:-1}"
SKIP_WASM_BUILD=1 cargo test --release --locked -p pallet-micropay --lib \
	fuzz_submit_block_long -- --ignored --nocapture
