// Runs the real-path load alone against a fresh dev node (scripts/flow-bench.sh).
// FLOW_RATE (purchases/s offered, default 1000), FLOW_SECONDS (measured, default 60),
// FLOW_WARMUP (default 10), FLOW_BUYERS (1000), FLOW_MERCHANTS (100), FLOW_IN_FLIGHT (4);
// FLOW_BASE_PATH keeps the chain's database there (e.g. for `benchmark storage` afterwards);
// without it the chain lives in a temporary directory, removed at the end. Once the node has
// stopped, its loaded blocks are re-executed (`benchmark block`) for their import time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { nodeBinary, startDevNode } from '../lib/devnode.mjs';
import { flowLoad } from './flow.mjs';
import { reexecuteBlocks } from './reexecute.mjs';
import { printFlow } from './targets.mjs';

await cryptoWaitReady();
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const basePath = process.env.FLOW_BASE_PATH ?? mkdtempSync(path.join(tmpdir(), 'micropay-flow-'));
const node = await startDevNode({
  basePath,
  logName: 'flow-bench.log',
  extraArgs: ['--pool-limit', '100000', '--pool-kbytes', '1048576', '--rpc-max-request-size', '64', '--rpc-max-connections', '1000'],
});
let result;
try {
  result = await flowLoad(node, new Keyring({ type: 'sr25519' }), {
    rate: env('FLOW_RATE', 1000),
    seconds: env('FLOW_SECONDS', 60),
    warmup: env('FLOW_WARMUP', 10),
    buyers: env('FLOW_BUYERS', 1000),
    merchants: env('FLOW_MERCHANTS', 100),
    inFlight: env('FLOW_IN_FLIGHT', 4),
  });
} finally {
  await node.stop();
}
try {
  result.imports = reexecuteBlocks(nodeBinary(), basePath, result.loadedNumbers);
  printFlow(result);
} finally {
  if (!process.env.FLOW_BASE_PATH) rmSync(basePath, { recursive: true, force: true });
}
