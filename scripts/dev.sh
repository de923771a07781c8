#!/usr/bin/env bash
# Sets up the machine, builds the node, and runs a development chain with the micropay
# pallet on ws://127.0.0.1:9944 (state is thrown away on exit; pass --base-path DIR to keep
# it). Extra arguments go to the node.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"
cargo build -p micropay-node
args=("$@")
if [[ " ${args[*]-} " != *" --base-path "* ]]; then args+=(--tmp); fi
exec "$MICROPAY_NODE" --dev --rpc-port 9944 "${args[@]}"
