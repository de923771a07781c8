// Runs the real-path load alone against a fresh dev node (scripts/flow-bench.sh).
// FLOW_RATE (purchases/s offered, default 1000), FLOW_SECONDS (measured, default 60),
// FLOW_WARMUP (default 10), FLOW_BUYERS (1000), FLOW_MERCHANTS (100), FLOW_IN_FLIGHT (4);
// FLOW_BASE_PATH keeps the chain's database there (e.g. for `benchmark storage` afterwards);
// without it the chain lives in a temporary directory, removed at the end. FLOW_DUMP names a
// file for every request's timings as JSON rows (index, scheduled epoch ms, latency, inside
// the desk, check, records, latency from when it could go), for a timeline beside the node's
// log. Once the node has stopped, its loaded blocks are re-executed (`benchmark block`) for
// their import time.
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { flowLoad } from './flow.mjs';
import { loadThenReexecute } from './reexecute.mjs';
import { printFlow } from './targets.mjs';

await cryptoWaitReady();
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const { result, imports } = await loadThenReexecute(
  { logName: 'flow-bench.log', basePath: process.env.FLOW_BASE_PATH },
  (node) =>
    flowLoad(node, new Keyring({ type: 'sr25519' }), {
      rate: env('FLOW_RATE', 1000),
      seconds: env('FLOW_SECONDS', 60),
      warmup: env('FLOW_WARMUP', 10),
      buyers: env('FLOW_BUYERS', 1000),
      merchants: env('FLOW_MERCHANTS', 100),
      inFlight: env('FLOW_IN_FLIGHT', 4),
    }),
);
printFlow({ ...result, imports });
