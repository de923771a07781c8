#!/usr/bin/env bash
# The real path under load: 10-token purchases of 1,000 buyers to 100 merchants offered to the
# auditor's front desk at a fixed rate (open loop, 4 in flight), token blocks formed and
# submitted by the node's offchain worker; prints tokens/s included and finalized, the desk's
# client-side latency and the node's authoring time per block, each next to its target. Uses
# the release node of scripts/benchmark.sh unless MICROPAY_NODE names another binary;
# FLOW_RATE, FLOW_SECONDS, FLOW_WARMUP, FLOW_BUYERS, FLOW_MERCHANTS, FLOW_IN_FLIGHT change it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-node.sh"
exec node perf/flow-run.mjs
