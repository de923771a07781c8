// Import time of loaded blocks, measured on a quiet machine: once the node that authored them
// has stopped, its `benchmark block` subcommand re-executes each block from the database
// (`execute_block` on the block's parent state, as an importing node does) and prints the
// time beside the weight the block consumed. Authoring times under load (flow.mjs, from the
// node's log) include the contention of the desk and the load generator on the same cores;
// these do not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nodeBinary, startDevNode } from '../lib/devnode.mjs';

/** The dev node's arguments under load: a pool and an RPC server large enough for it. */
export const LOAD_NODE_ARGS = ['--pool-limit', '100000', '--pool-kbytes', '1048576', '--rpc-max-request-size', '64', '--rpc-max-connections', '1000'];

const LINE = /Block (\d+) with\s+(\d+) tx used\s+([\d.]+)% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)/g;

/**
 * Re-executes blocks `numbers` of the dev chain kept at `basePath` with the node `binary`
 * (`repeat` times each, averaged by the node) and returns, per block, its execution time and
 * consumed weight in ms.
 */
export function reexecuteBlocks(binary, basePath, numbers, { repeat = 3 } = {}) {
  if (numbers.length === 0) return [];
  const wanted = new Set(numbers);
  const args = ['benchmark', 'block', '--dev', '--base-path', basePath];
  args.push('--from', String(Math.min(...numbers)), '--to', String(Math.max(...numbers)), '--repeat', String(repeat));
  const run = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) throw new Error(`benchmark block failed (${run.status}): ${output.slice(-2000)}`);
  const blocks = [];
  for (const match of output.matchAll(LINE)) {
    const number = Number(match[1]);
    if (!wanted.has(number)) continue;
    const ns = (text) => Number(text.replaceAll(',', ''));
    blocks.push({ number, ms: ns(match[4]) / 1e6, weightMs: ns(match[5]) / 1e6 });
  }
  return blocks;
}

/**
 * Runs `load(node)` on a fresh dev node whose chain is kept at `basePath` (a temporary
 * directory, removed at the end, when none is given), stops the node, then re-executes the
 * blocks listed in the load's `loadedNumbers`. Resolves to `{ result, imports }`.
 */
export async function loadThenReexecute({ logName, basePath }, load) {
  const base = basePath ?? mkdtempSync(path.join(tmpdir(), 'micropay-load-'));
  try {
    const node = await startDevNode({ basePath: base, logName, extraArgs: LOAD_NODE_ARGS });
    let result;
    try {
      result = await load(node);
    } finally {
      await node.stop();
    }
    return { result, imports: reexecuteBlocks(nodeBinary(), base, result.loadedNumbers) };
  } finally {
    if (!basePath) rmSync(base, { recursive: true, force: true });
  }
}
