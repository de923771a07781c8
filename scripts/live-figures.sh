#!/usr/bin/env bash
# One point of the talk's figures 1 and 3 on the live local network, beside the simulator's
# value for the same parameters (scripts/live-figures.mjs; README "Run a network").
#   scripts/live-figures.sh [--buyers 20] [--rounds 6] [--rate 0.1] [--seed 7]
# Builds the node (debug) and the simulator (release) first; takes about ten minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
"$MICROPAY_ROOT/scripts/setup.sh"
cd "$MICROPAY_ROOT"
cargo build -p micropay-node
cargo build --release -p micropay-simulator
cd scripts
exec node live-figures.mjs "$@"
