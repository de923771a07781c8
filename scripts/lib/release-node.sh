# Shared prelude of the measuring scripts (perf report, desk benchmark); `source` it.
#
# They measure the optimized node that scripts/benchmark.sh builds (release, with
# `runtime-benchmarks`: that feature adds the benchmark runtime API and changes no dispatch
# logic), not an unoptimized debug build. A MICROPAY_NODE set by the caller is used as it is.
# Leaves the shell in scripts/, with MICROPAY_NODE exported.
requested_node="${MICROPAY_NODE:-}"
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"
if [ -z "$requested_node" ]; then
	cargo build --release --locked -p micropay-node --features runtime-benchmarks
	export MICROPAY_NODE="$CARGO_TARGET_DIR/release/micropay-node"
fi
cd "$MICROPAY_ROOT/scripts"
