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

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings denied)"
SKIP_WASM_BUILD=1 cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace"
SKIP_WASM_BUILD=1 cargo test --workspace --locked 2>&1 | tee "$logs/cargo-test.log"

step "build the node (with its wasm runtime) for the end-to-end tests"
cargo build -p micropay-node --locked

step "end-to-end tests (node --test)"
(cd scripts && node --test --test-concurrency=1 e2e/) 2>&1 | tee "$logs/e2e.log"

cargo_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$logs/cargo-test.log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
cargo_failed=$(grep -Eo '[0-9]+ failed;' "$logs/cargo-test.log" | awk '{s+=$1} END {print s+0}')
e2e_passed=$(grep -E '^# pass [0-9]+' "$logs/e2e.log" | awk '{s+=$3} END {print s+0}')
e2e_failed=$(grep -E '^# fail [0-9]+' "$logs/e2e.log" | awk '{s+=$3} END {print s+0}')
passed=$((cargo_passed + e2e_passed))
failed=$((cargo_failed + e2e_failed))
echo
echo "unit: $cargo_passed passed, $cargo_failed failed; end-to-end: $e2e_passed passed, $e2e_failed failed"
echo "tests: $passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$cargo_passed" -eq 0 ] || [ "$e2e_passed" -eq 0 ]; then
	exit 1
fi
