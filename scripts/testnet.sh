#!/usr/bin/env bash
# Starts the `local` Micropay network on this machine and keeps it up until Ctrl-C:
#   three validators (Alice, Bob, Charlie) on ws://127.0.0.1:9944, 9945, 9946 and
#   two auditor full nodes (Dave, Eve: own `mpau` key, desk RPC, offchain worker) on 9947, 9948,
#   p2p on 30333-30337, from a raw chain spec exported into DIR.
#   scripts/testnet.sh [DIR]      (default ~/.cache/micropay/testnet; wiped at start)
# Node logs go to DIR/logs/<name>.log. Builds the node first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"
cargo build -p micropay-node
dir="${1:-$HOME/.cache/micropay/testnet}"
cd scripts
exec node testnet.mjs "$dir" 9944 30333
