#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run):
#   formatting, clippy with warnings denied, every unit test of the workspace, then the
#   end-to-end tests against a freshly built dev node.
# It ends with one summary line, `tests: N passed, M failed`, and fails when any test failed
# or when no test ran at all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
step() { printf '\n==> %s\n' "$*"; }

# Every step runs even when an earlier one fails, so the summary line always comes last.
failed_steps=()
run_step() {
	local name="$1"
	shift
	step "$name"
	if ! "$@"; then
		failed_steps+=("$name")
	fi
}
cargo_tests() { SKIP_WASM_BUILD=1 cargo test --workspace --locked 2>&1 | tee "$logs/cargo-test.log"; }
# The benchmarks run once each on the mock runtime (their setup and asserts are real code).
benchmark_tests() {
	SKIP_WASM_BUILD=1 cargo test -p pallet-micropay --features runtime-benchmarks --locked --lib \
		benchmarking 2>&1 | tee -a "$logs/cargo-test.log"
}
e2e_tests() {
	(cd scripts && node --test --test-concurrency=1 e2e/) 2>&1 | tee "$logs/e2e.log"
}
touch "$logs/cargo-test.log" "$logs/e2e.log"

run_step "cargo fmt --check" cargo fmt --all -- --check
run_step "cargo clippy (warnings denied)" \
	env SKIP_WASM_BUILD=1 cargo clippy --workspace --all-targets --locked -- -D warnings
run_step "cargo test --workspace" cargo_tests
run_step "benchmark tests (runtime-benchmarks)" benchmark_tests
if run_step "build the node (with its wasm runtime)" cargo build -p micropay-node --locked; then
	run_step "end-to-end tests (node --test)" e2e_tests
fi

cargo_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$logs/cargo-test.log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
cargo_failed=$(grep -Eo '[0-9]+ failed;' "$logs/cargo-test.log" | awk '{s+=$1} END {print s+0}')
e2e_passed=$(grep -E '^# pass [0-9]+' "$logs/e2e.log" | awk '{s+=$3} END {print s+0}')
e2e_failed=$(grep -E '^# fail [0-9]+' "$logs/e2e.log" | awk '{s+=$3} END {print s+0}')
passed=$((cargo_passed + e2e_passed))
# A failed step (format, lint, build) counts as a failed test.
failed=$((cargo_failed + e2e_failed + ${#failed_steps[@]}))
echo
for name in "${failed_steps[@]}"; do
	echo "FAILED step: $name"
done
echo "unit: $cargo_passed passed, $cargo_failed failed; end-to-end: $e2e_passed passed, $e2e_failed failed"
echo "tests: $passed passed, $failed failed"
if [ "${#failed_steps[@]}" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$cargo_passed" -eq 0 ] || [ "$e2e_passed" -eq 0 ]; then
	exit 1
fi
