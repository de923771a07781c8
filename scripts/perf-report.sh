#!/usr/bin/env bash
# The performance report: per-token weight vs one transfer, tokens per chain block by weight
# and by length, validated tokens/s on a dev node kept full for over a minute, and the
# auditor front desk's latency (when the node serves it). Targets are reported, not asserted.
#
# It uses the optimized node that scripts/benchmark.sh builds (release, `runtime-benchmarks`:
# that feature adds the benchmark runtime API and changes no dispatch logic), so the numbers
# are not those of an unoptimized debug build. Set MICROPAY_NODE to use another binary, and
# PERF_LOAD_SECONDS (default 75) for the bulk load's length (0 leaves it out); FLOW_RATE and
# FLOW_SECONDS (defaults 2000 and 60) shape the real path, and FLOW_SECONDS=0 leaves it out
# (weights and bulk only). The signature ceiling times an sr25519 check with the node's
# `benchmark pallet` before any node runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/release-node.sh"
exec node perf/report.mjs
